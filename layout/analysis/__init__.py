"""Chain analysis for regions: node status with reasons, completeness, concentration, gaps.

``analyze_chain(firms, "LED", level="county")`` answers, for every region of a level (or one
region): which nodes of the chain are strong, weak, missing or broken and why; how complete the
chain is; how concentrated the industry is (HHI, Ellison–Glaeser γ, Gini, Theil, Moran's I,
LISA and Gi* hot spots); which nodes are bottlenecks; and, for each missing or weak node, the
nearest regions and firms in the province that have it (geodesic km).

Measurement base (``base``): ``employees``, ``output`` (万元) or ``firms`` (count). Firms
without the figure (real anchor firms have none) count as present but add 0 to sums.
Location quotients use the whole firm table (all chains) as the regional total e_r, and the
province as the benchmark.

The package, one concern per module (they import each other directly, never through this
``__init__``):

* :mod:`~layout.analysis.shared` — :class:`FirmTable`: the firm table prepared once (one
  county join, one region assignment, one set of aggregates per level) for many analyses;
* :mod:`~layout.analysis.aggregate` — firms → region links → region × node matrices;
* :mod:`~layout.analysis.status` — strength classes, node status and reasons;
* :mod:`~layout.analysis.bottlenecks` — single-firm and critical nodes, stress test;
* :mod:`~layout.analysis.sourcing` — nearest regions and firms for gaps (k-d tree + geodesic);
* :mod:`~layout.analysis.concentration` — HHI, EG γ, Gini, Theil and the spatial statistics;
* :mod:`~layout.analysis.assemble` — the result from the matrices;
* :mod:`~layout.analysis.core` — :func:`analyze_chain`;
* :mod:`~layout.analysis.run` — :class:`AnalysisRun` and :func:`analyze_all` (every chain at
  every level in one run, sharing the firm table and the permutation tests of each chain);
* :mod:`~layout.analysis.update` — :func:`update_chain` (incremental);
* :mod:`~layout.analysis.result` — :class:`ChainAnalysis` and its JSON shape;
* :mod:`~layout.analysis.errors` — :class:`AnalysisError`.
"""

from __future__ import annotations

from layout.analysis.aggregate import node_values
from layout.analysis.core import analyze_chain
from layout.analysis.errors import AnalysisError
from layout.analysis.result import ChainAnalysis
from layout.analysis.run import ALL_LEVELS, AnalysisRun, analyze_all
from layout.analysis.shared import FirmTable
from layout.analysis.update import update_chain
from layout.checks import BASES

__all__ = [
    "ALL_LEVELS",
    "BASES",
    "AnalysisError",
    "AnalysisRun",
    "ChainAnalysis",
    "FirmTable",
    "analyze_all",
    "analyze_chain",
    "node_values",
    "update_chain",
]
