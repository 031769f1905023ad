"""The report as one self-contained, printable HTML page.

The page is the Jinja template ``templates/report.html.j2`` with the style sheet
``templates/report.css`` (package files, read with :mod:`importlib.resources`). Data and user text
reach the template only as values, with autoescaping on; nothing is ever rendered as a template.
The two inline SVG maps are built (and escaped) by :mod:`layout.reports.svg`.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from geo.sources import evidence_badge
from layout.reports.model import LISTS, SECTIONS, STAGE_NAMES, STATUS_NAMES, Report

__all__ = ["render_html", "write_html"]

_HTML_ROWS = 30


@cache
def _package_text(name: str) -> str:
    """A file of ``layout/reports/templates`` (trusted: shipped with the package)."""
    return resources.files("layout.reports").joinpath("templates", name).read_text("utf-8")


_COLUMNS: dict[str, list[tuple[Any, str, str]]] = {
    "leading_firms": [
        (("name", "name_en"), "企业", "Firm"),
        (("node_name_zh", "node_name_en"), "环节", "Node"),
        ("value", "规模", "Size"),
        ("county_zh", "所在县", "County"),
        ("synthetic", "数据", "Data"),
        ("evidence", "证据", "Evidence"),
    ],
    "strengths": [
        (("name_zh", "name_en"), "环节", "Node"),
        ("n_firms", "企业数", "Firms"),
        ("value", "规模", "Size"),
        ("lq", "区位商", "LQ"),
        (("reason_zh", "reason_en"), "理由", "Reason"),
    ],
    "nodes": [
        (("name_zh", "name_en"), "环节", "Node"),
        ("stage", "阶段", "Stage"),
        ("status", "状态", "Status"),
        ("n_firms", "企业数", "Firms"),
        ("value", "规模", "Size"),
        ("lq", "区位商", "LQ"),
        (("reason_zh", "reason_en"), "理由", "Reason"),
    ],
    "supporting_firms": [
        (("name", "name_en"), "企业", "Firm"),
        (("node_name_zh", "node_name_en"), "环节", "Node"),
        ("value", "规模", "Size"),
        ("county_zh", "所在县", "County"),
        ("synthetic", "数据", "Data"),
    ],
    "gaps": [
        (("name_zh", "name_en"), "环节", "Node"),
        ("stage", "阶段", "Stage"),
        ("status", "状态", "Status"),
        (("reason_zh", "reason_en"), "理由", "Reason"),
    ],
    "bottlenecks": [
        (("name_zh", "name_en"), "环节", "Node"),
        ("kind", "类型", "Kind"),
        (("detail_zh", "detail_en"), "说明", "Detail"),
        ("value", "涉及规模", "Value"),
    ],
    "targets": [
        (("target_zh", "target_en"), "目标", "Target"),
        ("current", "现状", "Now"),
        ("goal", "目标值", "Goal"),
        (("detail_zh", "detail_en"), "内容", "Detail"),
    ],
    "sourcing": [
        (("node_name_zh", "node_name_en"), "环节", "Node"),
        ("status", "状态", "Status"),
        ("kind", "类型", "Kind"),
        (("target_name_zh", "target_name_en"), "来源", "Source"),
        ("target_status", "来源状态", "Source status"),
        ("distance_km", "距离km", "km"),
    ],
    "siting": [
        (("node_name_zh", "node_name_en"), "环节", "Node"),
        ("rank", "名次", "Rank"),
        (("name_zh", "name_en"), "候选县", "County"),
        ("score", "得分", "Score"),
        ("s_neighbours", "相邻环节", "Neighbours"),
        ("s_htz", "高新区", "HTZ"),
        ("s_buyers", "买方", "Buyers"),
        ("s_suppliers", "供应商", "Suppliers"),
        (("reason_zh", "reason_en"), "构成", "Parts"),
    ],
    "sites": [
        (("node_name_zh", "node_name_en"), "环节", "Node"),
        ("method", "模型", "Model"),
        (("name_zh", "name_en"), "选址", "Site"),
        ("demand_kind", "需求", "Demand"),
        ("n_demand", "需求点", "Points"),
        ("mean_km", "平均km", "Mean km"),
        ("covered_weight_share", "覆盖份额", "Covered share"),
    ],
    "opportunities": [
        ("rank", "名次", "Rank"),
        (("name_zh", "name_en"), "环节", "Node"),
        ("n_firms", "现有企业", "Firms"),
        ("rca", "RCA", "RCA"),
        ("feasibility", "可行性", "Feasibility"),
        ("attractiveness", "吸引力", "Attractiveness"),
        ("opportunity", "机会", "Opportunity"),
        (("reason_zh", "reason_en"), "理由", "Reason"),
    ],
    "evaluation": [
        ("rank", "名次", "Rank"),
        ("region", "代码", "Code"),
        (("region_name_zh", "region_name_en"), "区域", "Region"),
        ("composite", "综合得分", "Composite"),
        ("band", "分区", "Band"),
    ],
    "trend": [
        ("year", "年份", "Year"),
        ("value", "规模", "Size"),
        ("n_firms", "企业", "Firms"),
        ("entries", "进入", "Entries"),
        ("exits", "退出", "Exits"),
        ("lq", "区位商", "LQ"),
        ("completeness", "完整度", "Completeness"),
        ("composite", "综合得分", "Composite"),
        ("rank", "名次", "Rank"),
        ("n_ranked", "参评", "Ranked"),
        ("band", "分区", "Band"),
        (("verdict_zh", "verdict_en"), "结论", "Verdict"),
        (("reason_zh", "reason_en"), "说明", "Why"),
    ],
    "trend_transitions": [
        ("year", "年份", "Year"),
        (("name_zh", "name_en"), "环节", "Node"),
        (("kind_zh", "kind_en"), "变化", "Change"),
        ("change", "状态", "Status"),
        (("reason_zh", "reason_en"), "原因", "Reason"),
    ],
    "indicators": [
        (("name_zh", "name_en"), "指标", "Indicator"),
        ("weight", "权重", "Weight"),
        ("direction", "方向", "Direction"),
        ("normalisation", "标准化", "Normalisation"),
        ("description", "说明", "Description"),
    ],
    "metrics": [
        (("name_zh", "name_en"), "指标", "Metric"),
        ("value", "数值", "Value"),
        ("scope", "范围", "Scope"),
        ("note", "说明", "Note"),
    ],
    "sources": [
        ("kind", "类别", "Kind"),
        ("item", "对象", "Item"),
        (
            "source_zh",
            "来源（发布者 · 标题 · 日期 — 网站: 网址）",
            "Source (publisher · title · date — site: address)",
        ),
        ("evidence", "证据", "Evidence"),
        ("verification", "核实说明", "Verification"),
    ],
}


def _evidence_text(v: Any) -> str:
    """``"⚠ 待核实 · 二手来源 / unverified · secondary"``; ``"—"`` for no level (not a fact)."""
    if v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)) or v == "":
        return "—"
    return f"{evidence_badge(v, 'zh')} / {evidence_badge(v, 'en').lstrip('✓⚠ ')}"


def _fmt(v: Any, col: str = "") -> str:
    if v is None or v is pd.NA or (isinstance(v, float | np.floating) and not np.isfinite(v)):
        return "—"
    if col == "year":
        return str(int(v))
    if col == "synthetic":
        return "合成 synthetic" if bool(v) else "真实 real"
    if col == "evidence":
        return _evidence_text(v)
    if col == "status" and str(v) in STATUS_NAMES:
        return f"{STATUS_NAMES[str(v)][0]} {v}"
    if col == "band":
        return "⚠ 预警 warning" if v == "warning" else "正常 ok"
    if col == "stage" and str(v) in STAGE_NAMES:
        return f"{STAGE_NAMES[str(v)][0]} {v}"
    if isinstance(v, bool | np.bool_):
        return "是 yes" if v else "否 no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        v = float(v)
        if v == int(v) or abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:.1f}" if abs(v) >= 100 else f"{v:.3g}"
    return str(v)


def _table(
    df: pd.DataFrame, key: str, *, max_rows: int = _HTML_ROWS, highlight: str | None = None
) -> dict[str, Any]:
    spec = [
        c
        for c in _COLUMNS[key]
        if all(k in df.columns for k in (c[0] if isinstance(c[0], tuple) else (c[0],)))
    ]
    rows = []
    for rec in df.head(max_rows).to_dict("records"):
        cells = []
        for col, _, _ in spec:
            if isinstance(col, tuple):
                main, sub = _fmt(rec.get(col[0]), col[0]), _fmt(rec.get(col[1]), col[1])
                cells.append((main, sub if sub != main else ""))
            else:
                value = rec.get(col)
                numeric = isinstance(value, int | float | np.number) and not isinstance(
                    value, bool | np.bool_
                )
                cls = (
                    "num"
                    if numeric
                    else "band-warning"
                    if col == "band" and value == "warning"
                    else "mark"
                    if col in ("mark", "evidence") and "待核实" in _fmt(value, col)
                    else ""
                )
                cells.append((_fmt(value, col), cls))
        mine = highlight is not None and str(rec.get("region", "")) == highlight
        rows.append(
            {
                "cells": cells,
                "cls": "me" if mine else "",
                "pair": [isinstance(c[0], tuple) for c in spec],
            }
        )
    return {
        "headers": [(zh, en) for _, zh, en in spec],
        "rows": rows,
        "more": max(len(df) - max_rows, 0),
        "total": len(df),
    }


def _evaluation_view(ev: pd.DataFrame, code: str) -> pd.DataFrame:
    """Top 5, the region itself and the warning band (at most 5 rows of it) of the ranking."""
    if len(ev) <= 12:
        return ev
    keep = (
        set(ev.index[:5])
        | set(ev.index[ev["region"] == code])
        | set(ev.index[ev["band"] == "warning"][-5:])
    )
    return ev.loc[sorted(keep)]


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (no script, no external asset)."""
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    tables = {}
    for key in LISTS:
        df = report.lists.get(key, pd.DataFrame())
        if key == "evaluation":
            tables[key] = _table(
                _evaluation_view(df, report.region), key, max_rows=len(df), highlight=report.region
            )
        else:
            tables[key] = _table(df, key)
    from layout.siting import SCORE_WEIGHTS

    weights = ", ".join(f"{k} {v:g}" for k, v in SCORE_WEIGHTS.items())
    return env.from_string(_package_text("report.html.j2")).render(
        r=report,
        s=report.summary,
        sections=SECTIONS,
        lists=LISTS,
        tables=tables,
        css=Markup(_package_text("report.css")),
        chain_svg=Markup(report.chain_svg),
        map_svg=Markup(report.map_svg),
        trend_svg=Markup(report.trend_svg),
        notes=report.notes,
        weights=weights,
    )


def write_html(report: Report, path: str | os.PathLike[str]) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) atomically; print it to PDF from a browser."""
    from geo.export import atomic_path

    text = render_html(report)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
