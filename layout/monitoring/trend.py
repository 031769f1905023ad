"""One region's trend for the report's yearly evaluation (年度评价): tables and a small chart.

:func:`region_trend` runs :func:`~layout.monitoring.monitor_chain` at the region's level and
keeps the region's rows: by year its chain value, firm count, LQ, completeness, composite
index, rank, band and verdict under the warning and exit rule; its node status transitions;
its growth and shift-share over the span. :func:`trend_svg` draws the composite index and the
rank by year as an inline SVG (numbers and fixed labels only: nothing from user data).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

from layout.monitoring.panel import Panel

__all__ = ["RegionTrend", "region_trend", "trend_svg"]


@dataclass(frozen=True)
class RegionTrend:
    """The trend of one chain in one region (see :func:`region_trend`).

    Attributes
    ----------
    region, level, frame
        The region and its level (and frame, for a zone).
    years
        One row per year: ``year``, ``value``, ``n_firms``, ``lq``, ``completeness``,
        ``entries``, ``exits``, ``composite``, ``rank``, ``n_ranked``, ``rank_change``,
        ``band``, ``run``, ``verdict``, ``verdict_zh``, ``verdict_en``, ``reason_zh``,
        ``reason_en`` (evaluation columns NaN/blank in a year the region was not evaluated).
    transitions
        The region's node status transitions (:func:`~layout.monitoring.status_transitions`).
    growth
        ``start``, ``end``, ``value_start``, ``value_end``, ``cagr_value``, ``cagr_firms``,
        ``lq_change``, ``provincial_share``, ``industry_mix``, ``regional_shift``.
    rule
        The warning and exit rule (as a dict) and its description in both languages.
    synthetic
        Whether synthetic demonstration rows are in the panel.
    """

    region: str
    level: str
    frame: str
    years: pd.DataFrame
    transitions: pd.DataFrame
    growth: dict[str, Any]
    rule: dict[str, Any]
    synthetic: bool


def region_trend(
    panel: Panel,
    chain: str,
    region: str,
    *,
    base: str = "employees",
    indicators: pd.DataFrame | str | os.PathLike[str] | None = None,
    rule: Any = None,
    graph: Any = None,
) -> RegionTrend:
    """The yearly trend of ``chain`` in ``region`` (a county/city adcode, zone code or 370000).

    Regions are ranked among the regions of the same level each year (the province is the
    only region of its level: rank 1 of 1).

    Raises
    ------
    MonitoringError, RuleError, RegionError
        Bad options, fewer than two panel years, an unknown region.
    """
    from layout.monitoring.monitor import monitor_chain
    from layout.regions import parse_region

    r = parse_region(region)
    m = monitor_chain(
        panel,
        chain,
        level=r.level,
        frame=r.frame,
        base=base,
        indicators=indicators,
        rule=rule,
        graph=graph,
    )
    reg = m.years.regions[m.years.regions["region"] == r.code]
    cols = ["year", "value", "n_firms", "lq", "completeness"]
    years = reg[cols].set_index("year")
    flows = m.flows[m.flows["region"] == r.code].set_index("year")
    for col in ("entries", "exits"):
        years[col] = flows[col].reindex(years.index).fillna(0).astype(int)
        years.loc[years.index[0], col] = pd.NA
    ev = m.evaluation[m.evaluation["region"] == r.code].set_index("year")
    keep = [
        "composite",
        "rank",
        "n_ranked",
        "rank_change",
        "band",
        "run",
        "verdict",
        "verdict_zh",
        "verdict_en",
        "reason_zh",
        "reason_en",
    ]
    years = years.join(ev[[c for c in keep if c in ev.columns]], how="left").reset_index()
    g = m.growth.set_index("region").loc[r.code]
    s = m.shift_share.set_index("region").loc[r.code]
    growth = {
        k: g[k]
        for k in (
            "start",
            "end",
            "value_start",
            "value_end",
            "cagr_value",
            "cagr_firms",
            "lq_change",
        )
    } | {k: s[k] for k in ("provincial_share", "industry_mix", "regional_shift")}
    trans = m.transitions[m.transitions["region"] == r.code].reset_index(drop=True)
    rule_d = m.rule.to_dict() | {"text_zh": m.rule.describe("zh"), "text_en": m.rule.describe("en")}
    return RegionTrend(
        region=r.code,
        level=r.level,
        frame=r.frame,
        years=years,
        transitions=trans,
        growth=growth,
        rule=rule_d,
        synthetic=panel.synthetic,
    )


def trend_svg(trend: RegionTrend, *, width: int = 640, height: int = 220) -> str:
    """Composite index (line, left axis 0–1) and rank (dots, right axis, 1 at the top) by year.

    Years in the warning band are shaded. Only numbers and fixed bilingual labels are drawn.
    """
    df = trend.years
    years = [int(y) for y in df["year"]]
    left, right, top, bottom = 46, 46, 24, 34
    w, h = width - left - right, height - top - bottom
    n = len(years)

    def x(i: int) -> float:
        return left + (w * i / (n - 1) if n > 1 else w / 2)

    comp = pd.to_numeric(df.get("composite"), errors="coerce") if "composite" in df else None
    ranks = pd.to_numeric(df.get("rank"), errors="coerce") if "rank" in df else None
    n_max = pd.to_numeric(df.get("n_ranked"), errors="coerce").max() if "n_ranked" in df else 1
    n_max = int(n_max) if n_max is not None and math.isfinite(n_max) and n_max >= 1 else 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="trend" role="img" '
        'aria-label="年度评价趋势 yearly evaluation trend">',
        f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="#f7f9fb" stroke="#d5dbe0"/>',
    ]
    bands = df["band"].tolist() if "band" in df else [None] * n
    step = w / (n - 1) if n > 1 else w
    for i, b in enumerate(bands):
        if b == "warning":
            x0 = max(left, x(i) - step / 2)
            x1 = min(left + w, x(i) + step / 2)
            parts.append(
                f'<rect x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{h}" '
                'fill="#fcbba1" opacity="0.7"><title>预警区 warning band</title></rect>'
            )
    for v in (0.0, 0.5, 1.0):
        yy = top + h * (1 - v)
        parts.append(
            f'<line x1="{left}" x2="{left + w}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#e3e8ec"/>'
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4a5661">{v:.1f}</text>'
        )
    for rk, yy in ((1, top), (n_max, top + h)):  # the rank axis: 1 at the top
        parts.append(
            f'<text x="{left + w + 6}" y="{yy + 4:.1f}" font-size="11" fill="#D55E00">{rk}</text>'
        )
    for i, y in enumerate(years):
        parts.append(
            f'<text x="{x(i):.1f}" y="{top + h + 18}" text-anchor="middle" font-size="11" '
            f'fill="#4a5661">{y}</text>'
        )
    if comp is not None:
        pts = [(x(i), top + h * (1 - float(c))) for i, c in enumerate(comp) if math.isfinite(c)]
        if len(pts) > 1:
            d = " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)
            parts.append(f'<polyline points="{d}" fill="none" stroke="#0072B2" stroke-width="2"/>')
        for a, b in pts:
            parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="#0072B2"/>')
    if ranks is not None:
        for i, rk in enumerate(ranks):
            if not math.isfinite(rk):
                continue
            yy = top + h * ((rk - 1) / (n_max - 1) if n_max > 1 else 0.0)
            parts.append(
                f'<rect x="{x(i) - 4:.1f}" y="{yy - 4:.1f}" width="8" height="8" fill="#D55E00">'
                f"<title>{int(rk)}/{n_max}</title></rect>"
                f'<text x="{x(i) + 7:.1f}" y="{yy + 4:.1f}" font-size="10" fill="#D55E00">'
                f"{int(rk)}</text>"
            )
    parts.append(
        f'<text x="{left}" y="{top - 8}" font-size="11" fill="#0072B2">● 综合得分 composite</text>'
        f'<text x="{left + w}" y="{top - 8}" font-size="11" fill="#D55E00" text-anchor="end">'
        f"■ 名次 rank (1 = 最好 best, of {n_max})</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
