"""Monitoring over the years: firm panels, growth and change in specialisation, chain gaps that
open and close, and the yearly evaluation with its warning and exit rule.

Modules (each one concern):

* :mod:`~layout.monitoring.panel` — import several years / several files as one panel; follow a
  firm by its unified social credit code where present; the demonstration panel;
* :mod:`~layout.monitoring.snapshots` — the chain analysed in every year
  (:func:`layout.analysis.analyze_chain` per year);
* :mod:`~layout.monitoring.change` — by-year values, YoY and compound growth, ΔLQ, shift-share;
* :mod:`~layout.monitoring.transitions` — firm entries, exits and moves; node status transitions
  with reasons;
* :mod:`~layout.monitoring.yearly` — the evaluation index each year, ranks, the warning and exit
  rule;
* :mod:`~layout.monitoring.monitor` — all of it for one chain and level, with the JSON shape of
  ``cluster-atlas monitor --json``;
* :mod:`~layout.monitoring.trend` — one region's trend (tables and an inline SVG) for the
  report's yearly evaluation.

>>> from layout.monitoring import demo_panel, monitor_chain
>>> m = monitor_chain(demo_panel(), "LED", level="city")      # doctest: +SKIP
>>> m.to_dict()["years"]                                       # doctest: +SKIP
[2019, 2020, 2021, 2022, 2023, 2024]
"""

from __future__ import annotations

from layout.monitoring.change import (
    cagr,
    growth_table,
    shift_share,
    shift_share_table,
    yearly_table,
    yoy_growth,
)
from layout.monitoring.monitor import Monitoring, monitor_chain
from layout.monitoring.panel import (
    Panel,
    PanelError,
    demo_panel,
    is_credit_code,
    panel_from_frame,
    read_panel,
)
from layout.monitoring.snapshots import ChainYears, MonitoringError, analyze_years
from layout.monitoring.transitions import TRANSITION_KINDS, firm_flows, status_transitions
from layout.monitoring.trend import RegionTrend, region_trend, trend_svg
from layout.monitoring.yearly import (
    VERDICTS,
    MonitoringRule,
    RuleError,
    apply_rule,
    load_rule,
    rank_changes,
    yearly_evaluation,
)

__all__ = [
    "TRANSITION_KINDS",
    "VERDICTS",
    "ChainYears",
    "Monitoring",
    "MonitoringError",
    "MonitoringRule",
    "Panel",
    "PanelError",
    "RegionTrend",
    "RuleError",
    "analyze_years",
    "apply_rule",
    "cagr",
    "demo_panel",
    "firm_flows",
    "growth_table",
    "is_credit_code",
    "load_rule",
    "monitor_chain",
    "panel_from_frame",
    "rank_changes",
    "read_panel",
    "region_trend",
    "shift_share",
    "shift_share_table",
    "status_transitions",
    "trend_svg",
    "yearly_evaluation",
    "yearly_table",
    "yoy_growth",
]
