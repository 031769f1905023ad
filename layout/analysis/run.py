"""Many chain analyses over one firm table: :class:`AnalysisRun` and :func:`analyze_all`.

A run prepares the firm table once (:class:`~layout.analysis.shared.FirmTable`: one county
join, one region assignment, one set of aggregates per level) and shares per chain what does
not depend on the level: the province benchmark, the firms of each node (and their k-d trees)
and the concentration with its permutation tests (Moran's I, LISA, Gi*, spatial Gini), which
are measured over counties and so run once per chain, not once per level. Each analysis it
returns equals :func:`layout.analysis.analyze_chain` with the same options (tested over every
chain and level).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from layout.analysis.assemble import assemble
from layout.analysis.concentration import chain_concentration
from layout.analysis.errors import AnalysisError
from layout.analysis.result import ChainAnalysis, copy_json
from layout.analysis.shared import FirmTable, level_key
from layout.analysis.status import node_order
from layout.chains import load_chain
from layout.metrics.specialisation import MIN_PRESENT, strength_problems
from layout.options import DEFAULT_SEED, AnalysisOptions

__all__ = ["ALL_LEVELS", "AnalysisRun", "analyze_all"]

ALL_LEVELS: tuple[tuple[str, str], ...] = (
    ("county", "2013"),
    ("city", "2013"),
    ("zone", "2013"),
    ("zone", "2020"),
    ("province", "2013"),
)
"""Every level of a full analysis as (level, frame): counties, cities, the zones of both plan
frames and the province."""


class AnalysisRun:
    """Chain analyses of one firm table that share its preparation (see the module docstring).

    Parameters
    ----------
    firms
        Firm points (EPSG:4326) with ``chain``, ``node`` and the ``base`` column; ``adcode`` is
        filled by a point join where missing (once). Not modified.
    base, k_nearest, permutations, seed, strength_rule, min_present
        As in :func:`layout.analysis.analyze_chain`, for every analysis of the run.

    Raises
    ------
    AnalysisError
        Every problem with the options at once.

    Examples
    --------
    >>> from layout.demo import demo_firms
    >>> run = AnalysisRun(demo_firms(), permutations=9)
    >>> led = run.analyze("LED", level="city")
    >>> led.level, len(led.regions)
    ('city', 16)
    """

    def __init__(
        self,
        firms: gpd.GeoDataFrame,
        *,
        base: str = "employees",
        k_nearest: int = 3,
        permutations: int = 999,
        seed: int = DEFAULT_SEED,
        strength_rule: str = "present",
        min_present: int = MIN_PRESENT,
    ) -> None:
        options = AnalysisOptions(
            base=base, k_nearest=k_nearest, permutations=permutations, seed=seed
        )
        problems = strength_problems(strength_rule, min_present, argument="strength_rule")
        problems += options.problems()
        if problems:
            raise AnalysisError(problems)
        self.options = options
        self.strength_rule = strength_rule
        self.min_present = min_present
        self.table = FirmTable(firms, base=base)
        self._concentration: dict[tuple[str, tuple[str, ...]], tuple[dict[str, Any], Any]] = {}

    def analyze(
        self,
        chain: str,
        *,
        level: str | None = None,
        region: str | None = None,
        frame: str = "2013",
        graph: nx.DiGraph | None = None,
        membership: pd.DataFrame | None = None,
    ) -> ChainAnalysis:
        """One chain in every region of a level, or in one ``region``.

        Arguments as in :func:`layout.analysis.analyze_chain`.

        Raises
        ------
        AnalysisError
            Listing every problem with level, frame and region.
        """
        o = self.options.replace(level=level, region=region, frame=frame)
        problems = o.problems()
        if problems:
            raise AnalysisError(problems)
        o = o.resolved()
        level = o.level or "county"
        membership = membership if level == "zone" else None
        g = graph if graph is not None else load_chain(chain)
        nodes = node_order(g)
        ft = self.table
        e, n, totals = ft.matrices(chain, nodes, level_key(level, o.frame, membership))
        if level == "county":
            ce, ctotals = e, totals
        else:
            ce, _, ctotals = ft.matrices(chain, nodes, level_key("county", "2013"))
        opts = {
            "chain": chain,
            "region": o.region,
            "level": level,
            "frame": o.frame,
            "base": o.base,
            "k_nearest": o.k_nearest,
            "permutations": o.permutations,
            "seed": o.seed,
            "strength_rule": self.strength_rule,
            "min_present": self.min_present,
        }

        def concentration() -> tuple[dict[str, Any], Any]:
            k = (chain, tuple(nodes))
            if k not in self._concentration:
                self._concentration[k] = chain_concentration(
                    ft, chain, nodes, ce, ctotals, permutations=o.permutations, seed=o.seed
                )
            conc, spatial = self._concentration[k]
            return copy_json(conc), spatial

        return assemble(
            ft, g, opts, membership, e, n, totals, ce, ctotals, concentration=concentration
        )

    def iter_all(
        self,
        chains: Iterable[str] | None = None,
        *,
        levels: Iterable[tuple[str, str]] = ALL_LEVELS,
        graphs: Mapping[str, nx.DiGraph] | None = None,
    ) -> Iterator[ChainAnalysis]:
        """Every chain (default: all shipped chains) at every level, chain by chain.

        A generator, so a caller can write each analysis out before the next is computed;
        what was kept for a chain (its firms by node, k-d trees, permutation tests) is dropped
        once its levels are done.
        ``graphs``: chain graphs to use instead of the shipped templates, by chain code.
        """
        from layout.chains import chain_codes

        levels = list(levels)
        for chain in list(chain_codes()) if chains is None else list(chains):
            graph = (graphs or {}).get(chain)
            for level, frame in levels:
                yield self.analyze(chain, level=level, frame=frame, graph=graph)
            # a chain's levels are done: what was kept for it goes (memory stays bounded)
            self._concentration = {k: v for k, v in self._concentration.items() if k[0] != chain}
            self.table.forget_chain(chain)


def analyze_all(
    firms: gpd.GeoDataFrame,
    *,
    chains: Iterable[str] | None = None,
    levels: Iterable[tuple[str, str]] = ALL_LEVELS,
    base: str = "employees",
    k_nearest: int = 3,
    permutations: int = 999,
    seed: int = DEFAULT_SEED,
    strength_rule: str = "present",
    min_present: int = MIN_PRESENT,
    graphs: Mapping[str, nx.DiGraph] | None = None,
) -> list[ChainAnalysis]:
    """Every chain at every level of the province in one run (:class:`AnalysisRun`).

    The results are those of :func:`layout.analysis.analyze_chain` called for each chain and
    level (:data:`ALL_LEVELS`: county, city, the zones of 2013 and 2020, province), in chain
    order then level order; the firm table is joined, assigned to regions and aggregated once,
    and the permutation tests run once per chain.

    Parameters
    ----------
    firms
        Firm points (EPSG:4326) with ``chain``, ``node`` and the ``base`` column.
    chains
        Chain codes (default: every shipped chain, :func:`layout.chains.chain_codes`).
    levels
        (level, frame) pairs (default :data:`ALL_LEVELS`).
    base, k_nearest, permutations, seed, strength_rule, min_present
        As in :func:`layout.analysis.analyze_chain`.
    graphs
        Chain graphs replacing the shipped templates, by chain code.

    Returns
    -------
    list of ChainAnalysis

    Raises
    ------
    AnalysisError
        Every problem with the options at once.

    Examples
    --------
    >>> from layout.demo import demo_firms
    >>> out = analyze_all(demo_firms(), chains=["LED"], permutations=9)
    >>> [(a.level, a.frame) for a in out]  # doctest: +NORMALIZE_WHITESPACE
    [('county', '2013'), ('city', '2013'), ('zone', '2013'), ('zone', '2020'),
     ('province', '2013')]
    """
    run = AnalysisRun(
        firms,
        base=base,
        k_nearest=k_nearest,
        permutations=permutations,
        seed=seed,
        strength_rule=strength_rule,
        min_present=min_present,
    )
    return list(run.iter_all(chains, levels=levels, graphs=graphs))
