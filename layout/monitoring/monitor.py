"""Everything monitoring says about one chain at one level, as one result with a JSON shape.

:func:`monitor_chain` runs :func:`~layout.monitoring.analyze_years`, the change measures
(:mod:`layout.monitoring.change`), the firm flows and status transitions
(:mod:`layout.monitoring.transitions`) and the yearly evaluation
(:mod:`layout.monitoring.yearly`); :meth:`Monitoring.to_dict` is the shape of
``cluster-atlas monitor --json`` (documented in README.md).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from layout.monitoring.change import growth_table, shift_share_table, yearly_table
from layout.monitoring.panel import Panel
from layout.monitoring.snapshots import ChainYears, analyze_years
from layout.monitoring.transitions import firm_flows, status_transitions
from layout.monitoring.yearly import MonitoringRule, load_rule, yearly_evaluation

__all__ = ["Monitoring", "monitor_chain"]


@dataclass(frozen=True)
class Monitoring:
    """Result of :func:`monitor_chain`: tidy tables and :meth:`to_dict`.

    Attributes
    ----------
    years
        The chain analysed year by year (:class:`~layout.monitoring.ChainYears`).
    growth, node_growth
        :func:`~layout.monitoring.growth_table` by chain and by node.
    shift_share, node_shift_share
        :func:`~layout.monitoring.shift_share_table` by chain and by node.
    flows, node_flows
        :func:`~layout.monitoring.firm_flows` by chain and by node.
    transitions
        :func:`~layout.monitoring.status_transitions`.
    evaluation
        :func:`~layout.monitoring.yearly_evaluation`.
    rule
        The warning and exit rule used.
    data
        ``firms_by_year``, ``synthetic_in_use``, ``keys`` (rows by key source), ``sources``.
    """

    years: ChainYears
    growth: pd.DataFrame
    node_growth: pd.DataFrame
    shift_share: pd.DataFrame
    node_shift_share: pd.DataFrame
    flows: pd.DataFrame
    node_flows: pd.DataFrame
    transitions: pd.DataFrame
    evaluation: pd.DataFrame
    rule: MonitoringRule
    data: dict[str, Any] = field(default_factory=dict)

    def warnings(self, year: int | None = None) -> pd.DataFrame:
        """Regions with a verdict other than ``ok`` in ``year`` (default: the last year)."""
        ev = self.evaluation
        if ev.empty:
            return ev
        y = self.years.years[-1] if year is None else year
        return ev[(ev["year"] == y) & (ev["verdict"] != "ok")].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (README, "monitor --json")."""
        cy = self.years
        first = cy.years[0]
        flows = _by_key(self.flows, ["region", "year"])
        ev = _by_key(self.evaluation, ["region", "year"])
        by_year: dict[str, list[dict[str, Any]]] = {}
        for r in yearly_table(cy, by="chain").to_dict(orient="records"):
            key = (r["region"], r["year"])
            item = {k: _num(r[k]) for k in ("year", "value", "n_firms", "lq", "completeness")}
            if r["year"] != first:
                f = flows.get(key, {})
                item |= {k: int(f.get(k, 0)) for k in ("entries", "exits", "moved_in", "moved_out")}
            if key in ev:
                e = ev[key]
                item["evaluation"] = {
                    "composite": _num(e["composite"]),
                    "rank": int(e["rank"]),
                    "n_ranked": int(e["n_ranked"]),
                    "rank_change": _whole(e["rank_change"]),
                    "band": str(e["band"]),
                    "run": int(e["run"]),
                    "verdict": str(e["verdict"]),
                }
            by_year.setdefault(r["region"], []).append(item)
        node_years: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in yearly_table(cy, by="node").to_dict(orient="records"):
            node_years.setdefault((r["region"], r["node"]), []).append(
                {k: _num(r[k]) for k in ("year", "value", "n_firms", "lq", "status")}
            )
        growth = _by_key(self.growth, ["region"])
        ss = _by_key(self.shift_share, ["region"])
        ngrowth = _by_key(self.node_growth, ["region", "node"])
        nss = _by_key(self.node_shift_share, ["region", "node"])
        trans: dict[str, list[dict[str, Any]]] = {}
        for r in self.transitions.to_dict(orient="records"):
            trans.setdefault(r["region"], []).append(
                {
                    k: _num(v)
                    for k, v in r.items()
                    if k not in ("region", "region_name_zh", "region_name_en")
                }
            )
        names = cy.regions.drop_duplicates("region").set_index("region")
        node_names = cy.nodes.drop_duplicates("node").set_index("node")
        node_order = list(dict.fromkeys(cy.nodes["node"]))
        regions = []
        for code in names.index:
            nodes = [
                {
                    "node": node,
                    "name_zh": str(node_names.loc[node, "name_zh"]),
                    "name_en": str(node_names.loc[node, "name_en"]),
                    "by_year": node_years[(code, node)],
                    "growth": _growth(ngrowth[(code, node)]),
                    "lq_change": _num(ngrowth[(code, node)]["lq_change"]),
                    "shift_share": _shift(nss[(code, node)]),
                }
                for node in node_order
            ]
            regions.append(
                {
                    "region": code,
                    "name_zh": str(names.loc[code, "region_name_zh"]),
                    "name_en": str(names.loc[code, "region_name_en"]),
                    "by_year": by_year[code],
                    "growth": _growth(growth[(code,)]),
                    "lq_change": _num(growth[(code,)]["lq_change"]),
                    "shift_share": _shift(ss[(code,)]),
                    "nodes": nodes,
                    "transitions": trans.get(code, []),
                }
            )
        prov = cy.province.set_index("year")
        warnings = [
            {
                "region": str(r["region"]),
                "name_zh": str(r.get("region_name_zh", "")),
                "name_en": str(r.get("region_name_en", "")),
                "year": int(r["year"]),
                "verdict": str(r["verdict"]),
                "verdict_zh": str(r["verdict_zh"]),
                "run": int(r["run"]),
                "rank": int(r["rank"]),
                "composite": _num(r["composite"]),
                "reason_zh": str(r["reason_zh"]),
                "reason_en": str(r["reason_en"]),
            }
            for r in self.warnings().to_dict(orient="records")
        ]
        ranks = [
            {
                "year": int(r["year"]),
                "region": str(r["region"]),
                "rank": int(r["rank"]),
                "n_ranked": int(r["n_ranked"]),
                "composite": _num(r["composite"]),
                "rank_change": _whole(r["rank_change"]),
                "band": str(r["band"]),
                "verdict": str(r["verdict"]),
            }
            for r in self.evaluation.to_dict(orient="records")
        ]
        return {
            "chain": {"code": cy.chain, "name_zh": cy.name_zh, "name_en": cy.name_en},
            "level": cy.level,
            "frame": cy.frame,
            "base": cy.base,
            "years": list(cy.years),
            "start": cy.years[0],
            "end": cy.years[-1],
            "province": {
                "by_year": [
                    {
                        "year": int(y),
                        "chain_value": _num(prov.loc[y, "chain_value"]),
                        "chain_firms": int(prov.loc[y, "chain_firms"]),
                        "total": _num(prov.loc[y, "total"]),
                    }
                    for y in cy.years
                ]
            },
            "rule": self.rule.to_dict() | {"evaluated": self.evaluation.attrs.get("evaluated")},
            "data": self.data,
            "regions": regions,
            "ranks": ranks,
            "warnings": warnings,
        }


def _num(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float | np.floating):
        return None if not math.isfinite(float(v)) else round(float(v), 6)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _whole(v: Any) -> int | None:
    """A whole number (a rank change) or None when missing."""
    return None if v is None or v is pd.NA or not math.isfinite(float(v)) else int(v)


def _by_key(df: pd.DataFrame, keys: list[str]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Rows of ``df`` as dicts keyed by the tuple of their ``keys`` values."""
    if df is None or df.empty:
        return {}
    return {tuple(r[k] for k in keys): r for r in df.to_dict(orient="records")}


def _growth(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "start": int(row["start"]),
        "end": int(row["end"]),
        "cagr_value": _num(row["cagr_value"]),
        "cagr_firms": _num(row["cagr_firms"]),
        "yoy_value": _num(row["yoy_value"]),
        "yoy_firms": _num(row["yoy_firms"]),
    }


def _shift(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: _num(row[k]) for k in ("change", "provincial_share", "industry_mix", "regional_shift")
    }


def monitor_chain(
    panel: Panel,
    chain: str,
    *,
    level: str = "county",
    frame: str = "2013",
    base: str = "employees",
    indicators: pd.DataFrame | str | os.PathLike[str] | None = None,
    rule: MonitoringRule | str | os.PathLike[str] | None = None,
    evaluated: str = "present",
    graph: nx.DiGraph | None = None,
    years: Iterable[int] | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Monitoring:
    """Monitor one chain over the panel's years in every region of ``level``.

    Parameters
    ----------
    panel
        The firm panel (:func:`~layout.monitoring.read_panel`, :func:`~layout.monitoring.demo_panel`).
    chain
        Chain code.
    level, frame, base, graph
        As in :func:`layout.analysis.analyze_chain`.
    indicators, rule, evaluated
        As in :func:`~layout.monitoring.yearly_evaluation`.
    years, start, end
        Restrict the years (growth and shift-share run from the first to the last).

    Returns
    -------
    Monitoring

    Raises
    ------
    MonitoringError, RuleError
        Bad options, fewer than two years, an invalid rule (every problem listed).
    """
    if rule is None or isinstance(rule, str | os.PathLike):
        rule = load_rule(rule)
    rule = rule.check()
    cy = analyze_years(
        panel,
        chain,
        level=level,
        frame=frame,
        base=base,
        graph=graph,
        years=years,
        start=start,
        end=end,
    )
    node_flows = firm_flows(panel, chain, level=level, frame=frame, years=cy.years, by="node")
    flows = firm_flows(panel, chain, level=level, frame=frame, years=cy.years, by="chain")
    evaluation = yearly_evaluation(
        panel,
        chain,
        level=level,
        frame=frame,
        base=base,
        indicators=indicators,
        rule=rule,
        evaluated=evaluated,
        graph=graph,
        years=cy.years,
        analyses=cy.analyses,
    )
    summary = panel.summary
    data = {
        "firms_by_year": {str(y): int(summary["firms_by_year"].get(y, 0)) for y in cy.years},
        "synthetic_in_use": panel.synthetic,
        "keys": dict(summary.get("keys", {})),
        "rejected": int(summary.get("rejected", 0)),
    }
    return Monitoring(
        years=cy,
        growth=growth_table(cy, by="chain"),
        node_growth=growth_table(cy, by="node"),
        shift_share=shift_share_table(cy, by="chain"),
        node_shift_share=shift_share_table(cy, by="node"),
        flows=flows,
        node_flows=node_flows,
        transitions=status_transitions(cy, node_flows),
        evaluation=evaluation,
        rule=rule,
        data=data,
    )
