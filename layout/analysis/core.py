"""``analyze_chain``: one chain in every region of a level, or in one region."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pandas as pd

from geo.problems import Problem, problem, register_messages
from layout.analysis.errors import AnalysisError
from layout.analysis.result import ChainAnalysis
from layout.analysis.run import AnalysisRun
from layout.metrics.specialisation import MIN_PRESENT, strength_problems
from layout.options import DEFAULT_SEED, AnalysisOptions

__all__ = ["analyze_chain", "resolve_options"]

register_messages(
    {
        "options_and_keywords": (
            "分析选项请用 options= 或关键字参数之一给出，不要同时给出（{keywords}）",
            "give the analysis options either as options= or as keywords, not both ({keywords})",
        ),
    }
)

_DEFAULTS = AnalysisOptions()


def resolve_options(
    options: AnalysisOptions | None, *, extra: list[Problem] | None = None, **keywords: object
) -> AnalysisOptions:
    """Checked, resolved options from ``options`` or from the keyword arguments.

    ``keywords`` are analyze_chain's option keywords (region, level, frame, base, k_nearest,
    permutations, seed). With ``options`` given, each of them must keep its default.
    ``extra``: problems found with other arguments, raised together with these.

    Raises
    ------
    AnalysisError
        Listing every problem (unknown base, level, frame or region; a region of another level
        than ``level``; counts below their minimum).
    """
    problems = list(extra or [])
    if options is not None:
        given = sorted(k for k, v in keywords.items() if v != getattr(_DEFAULTS, k))
        if given:
            problems.append(
                problem("options_and_keywords", argument="options", keywords=", ".join(given))
            )
            raise AnalysisError(problems)
    else:
        options = AnalysisOptions(**keywords)  # type: ignore[arg-type]
    problems += options.problems()
    if problems:
        raise AnalysisError(problems)
    return options.resolved()


def analyze_chain(
    firms: gpd.GeoDataFrame,
    chain: str,
    *,
    region: str | None = None,
    level: str | None = None,
    frame: str = "2013",
    base: str = "employees",
    graph: nx.DiGraph | None = None,
    k_nearest: int = 3,
    permutations: int = 999,
    seed: int = DEFAULT_SEED,
    membership: pd.DataFrame | None = None,
    options: AnalysisOptions | None = None,
    strength_rule: str = "present",
    min_present: int = MIN_PRESENT,
) -> ChainAnalysis:
    """Analyse one chain in every region of a level, or in one ``region``.

    Parameters
    ----------
    firms
        Firm points (EPSG:4326) with ``chain``, ``node`` and the ``base`` column; ``adcode``
        is filled by a point join where missing.
    chain
        Chain code (``LED``, ``PU``, …).
    region
        A county/city adcode, a zone code or ``370000``; its level (and frame) follow from it.
    level
        ``county`` (default), ``city``, ``zone`` or ``province`` when ``region`` is not given.
    frame
        Plan frame of zones (``2013`` or ``2020``) when ``level="zone"``.
    base
        ``employees``, ``output`` or ``firms``.
    graph
        A chain graph to use instead of the shipped template (e.g. one a user edited).
    k_nearest
        How many nearest regions and firms to list for each gap.
    permutations
        Permutations of the spatial tests (spatial Gini, Moran's I, LISA, Gi*).
    seed
        Seed of the permutation tests.
    membership
        A county → zone table (columns ``adcode``, ``zone_code``) replacing the shipped one of
        ``frame`` at level ``zone`` — e.g. a scenario's edited membership. Zone points used for
        distances stay those of the shipped zones; concentration is measured over counties and
        does not depend on it. ``data["membership"]`` says ``shipped`` or ``edited``, and
        reasons carry a note when it is edited.
    options
        The options (region, level, frame, base, k_nearest, permutations, seed) as one
        :class:`layout.options.AnalysisOptions`, instead of the keywords.
    strength_rule
        ``"present"`` (default): a node's strength cut-offs (LQ quartiles, size floor) are
        computed over the regions of the level where it is present (e_ir > 0), and a node
        present in fewer than ``min_present`` regions is ``not ranked``; ``"cluster_mapping"``:
        over every non-empty region, the U.S. Cluster Mapping rule (see
        :func:`layout.metrics.strength_classes` for why the default departs from it).
    min_present
        Fewest present regions a node is ranked over (default 4; rule ``"present"`` only).

    Returns
    -------
    ChainAnalysis
        It also keeps (privately) the region × node matrices it was built from, so
        :func:`layout.analysis.update_chain` can recompute it after an edit touching a few firms.

    Raises
    ------
    AnalysisError
        Every problem with the options at once (:func:`resolve_options`).
    """
    o = resolve_options(
        options,
        extra=strength_problems(strength_rule, min_present, argument="strength_rule"),
        region=region,
        level=level,
        frame=frame,
        base=base,
        k_nearest=k_nearest,
        permutations=permutations,
        seed=seed,
    )
    run = AnalysisRun(
        firms,
        base=o.base,
        k_nearest=o.k_nearest,
        permutations=o.permutations,
        seed=o.seed,
        strength_rule=strength_rule,
        min_present=min_present,
    )
    return run.analyze(
        chain, level=o.level, region=o.region, frame=o.frame, graph=graph, membership=membership
    )
