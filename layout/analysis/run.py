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

import multiprocessing
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from layout.analysis import concentration as _concentration
from layout.analysis.assemble import assemble
from layout.analysis.concentration import chain_concentration, county_chain_total
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
        self._ahead: _Ahead | None = None

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
                ahead = None if self._ahead is None else self._ahead.take(k, o.permutations, o.seed)
                self._concentration[k] = chain_concentration(
                    ft,
                    chain,
                    nodes,
                    ce,
                    ctotals,
                    permutations=o.permutations,
                    seed=o.seed,
                    previous=ahead,
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
        concurrent: bool | None = None,
    ) -> Iterator[ChainAnalysis]:
        """Every chain (default: all shipped chains) at every level, chain by chain.

        A generator, so a caller can write each analysis out before the next is computed;
        what was kept for a chain (its firms by node, k-d trees, permutation tests) is dropped
        once its levels are done.
        ``graphs``: chain graphs to use instead of the shipped templates, by chain code.
        ``concurrent``: measure the chains' concentration (the permutation tests, over
        counties) ahead in a second process forked from this one, while this one assembles
        the analyses — the same function on the same numbers, so the same results (tested).
        Default: when the machine has two or more CPUs, the ``fork`` start method exists and
        there are several chains; ``False`` computes everything in this process.
        """
        from layout.chains import chain_codes

        levels = list(levels)
        todo = list(chain_codes()) if chains is None else list(chains)
        if concurrent is None:
            concurrent = len(todo) > 1 and (os.cpu_count() or 1) > 1 and _can_fork()
        if concurrent and self._ahead is None and levels:
            jobs = []
            for chain in todo:
                graph = (graphs or {}).get(chain)
                try:
                    g = graph if graph is not None else load_chain(chain)
                except Exception:  # analyze() raises it in its turn, as without a child
                    continue
                jobs.append((chain, node_order(g)))
            self._ahead = _Ahead(self, jobs)
        try:
            for chain in todo:
                graph = (graphs or {}).get(chain)
                for level, frame in levels:
                    yield self.analyze(chain, level=level, frame=frame, graph=graph)
                # a chain's levels are done: what was kept for it goes (memory stays bounded)
                self._concentration = {
                    k: v for k, v in self._concentration.items() if k[0] != chain
                }
                self.table.forget_chain(chain)
        finally:
            if self._ahead is not None:
                self._ahead.close()
                self._ahead = None


_POLL_S = 0.5
_PATIENCE_S = 300.0  # longest wait for one chain from the child before measuring it here


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class _Ahead:
    """The permutation tests of a run's chains, measured ahead by a forked child process.

    The child gets each chain's county totals (:func:`county_chain_total`) and sends back
    what :func:`spatial_statistics` returns for them — a function of those 136 numbers, the
    permutation count and the seed alone, so the results are the same as measured here;
    :func:`chain_concentration` takes them as its ``previous`` (it reuses them only when the
    totals are equal). A chain the child failed on, or a child gone or stuck, is measured here.
    """

    def __init__(self, run: AnalysisRun, jobs: list[tuple[str, list[str]]]) -> None:
        from geo.weights import region_weights

        region_weights("county")  # built once here, inherited by the child
        o = run.options
        self.permutations, self.seed = o.permutations, o.seed
        ctx = multiprocessing.get_context("fork")
        to_child, self._send = ctx.Pipe(duplex=False)
        self._recv, from_child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_measure_ahead, args=(to_child, from_child, self._send, self._recv), daemon=True
        )
        self._proc.start()
        to_child.close()
        from_child.close()
        self._got: dict[tuple[str, tuple[str, ...]], Any] = {}
        self._pending: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        county = level_key("county", "2013")
        try:
            for chain, nodes in jobs:
                ce, _, _ = run.table.matrices(chain, nodes, county)
                total = county_chain_total(ce, nodes)
                key = (chain, tuple(nodes))
                self._send.send((key, total, o.permutations, o.seed))
                self._pending[key] = total.to_numpy(dtype=float)
            self._send.send(None)
        except OSError:  # the child is gone: what was not sent is measured here
            pass

    def take(
        self, key: tuple[str, tuple[str, ...]], permutations: int, seed: int
    ) -> tuple[np.ndarray, dict[str, Any]] | None:
        """``(county totals, permutation statistics)`` of ``key`` from the child (waiting for
        them), or ``None`` when they are to be measured here."""
        if (permutations, seed) != (self.permutations, self.seed) or key not in self._pending:
            return None
        waited = 0.0
        while key not in self._got:
            try:
                if not self._recv.poll(_POLL_S):
                    waited += _POLL_S
                    if waited < _PATIENCE_S and self._proc.is_alive():
                        continue
                    raise EOFError  # gone, or stuck: no more waiting for it
                got_key, result = self._recv.recv()
            except (EOFError, OSError):  # the rest is measured here
                self._pending.clear()
                return None
            waited = 0.0
            self._got[got_key] = result
        totals = self._pending.pop(key)
        spatial = self._got.pop(key)
        return None if spatial is None else (totals, spatial)

    def close(self) -> None:
        """Stop the child (when still running) and release the pipes."""
        self._send.close()
        self._recv.close()
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()
        self._proc.close()


def _measure_ahead(recv: Any, send: Any, parent_send: Any, parent_recv: Any) -> None:
    """The child of :class:`_Ahead`: permutation tests of each chain's totals, in order."""
    parent_send.close()  # the parent's ends, inherited by the fork
    parent_recv.close()
    try:
        jobs = []  # every job first: the parent sends them all before it reads any result
        while (job := recv.recv()) is not None:
            jobs.append(job)
        for key, total, permutations, seed in jobs:
            try:
                result = _concentration.spatial_statistics(
                    total, permutations=permutations, seed=seed
                )
            except Exception:  # the parent measures this chain itself
                result = None
            send.send((key, result))
    except (EOFError, OSError):  # the parent stopped
        pass
    finally:
        send.close()


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
    concurrent: bool | None = None,
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
    concurrent
        Measure the chains' concentration ahead in a forked process
        (:meth:`AnalysisRun.iter_all`; default: when there are two or more CPUs).

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
    return list(run.iter_all(chains, levels=levels, graphs=graphs, concurrent=concurrent))
