"""Compare a scenario analysis with its baseline: what changed, region by region and node by node.

What counts as a change in :func:`diff`: a (region, node) row changed when its status, its
firm count or its value (on the base) changed. Adding one firm also moves the province
totals, so the location quotient of almost every other row shifts a little; those LQ-only
shifts are *not* listed as changes — :attr:`ScenarioDiff.lq_only` counts them and gives the
largest shift. A status that flips in another region (e.g. weak → strong because the top-
quartile cut-off moved) *is* a change and is listed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.problems import problem, register_messages
from layout.scenarios.errors import ScenarioError

if TYPE_CHECKING:
    from layout.analysis import ChainAnalysis

__all__ = ["ScenarioDiff", "diff"]

register_messages(
    {
        "scn_diff_mismatch": (
            "{attr} 不同：基线为 {before!r}，情景为 {after!r}；请比较用相同选项得到的分析",
            "{attr} differs: baseline {before!r}, scenario {after!r}; compare analyses made "
            "with the same options",
        ),
    }
)

_CONCENTRATION = (
    ("chain_value", ("chain_value",)),
    ("hhi_chain", ("hhi_chain",)),
    ("gini", ("gini",)),
    ("theil", ("theil", "total")),
    ("spatial_gini", ("spatial_gini", "gini")),
    ("moran_i", ("moran", "I")),
)
_NODE_COLUMNS = [
    "region",
    "region_name_zh",
    "region_name_en",
    "node",
    "name_zh",
    "name_en",
    "status_before",
    "status_after",
    "status_zh_before",
    "status_zh_after",
    "n_firms_before",
    "n_firms_after",
    "value_before",
    "value_after",
    "lq_before",
    "lq_after",
    "class_before",
    "class_after",
]


@dataclass
class ScenarioDiff:
    """Side-by-side comparison of a scenario with its baseline (see :func:`diff`).

    Attributes
    ----------
    nodes
        (region, node) rows whose status, firm count or value changed — nothing else.
    completeness
        Every region: before, after, delta (``changed`` flags delta ≠ 0).
    concentration
        metric, before, after, delta for chain_value, hhi_chain, gini, theil, spatial_gini, moran_i.
    lq_only
        ``{"rows": k, "max_abs_shift": x}`` — rows whose only change is their LQ.
    sites
        Counties whose hosts changed (:func:`layout.scenarios.site_changes`), empty without site edits.
    """

    chain: str
    name_zh: str
    name_en: str
    level: str
    frame: str
    base: str
    nodes: pd.DataFrame
    completeness: pd.DataFrame
    concentration: pd.DataFrame
    lq_only: dict[str, Any]
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenario: str = ""

    @property
    def changed(self) -> bool:
        """Whether anything but LQs changed."""
        return bool(len(self.nodes) or self.completeness["changed"].any() or len(self.sites))

    def summary(self) -> list[str]:
        """Bilingual lines, one per changed (region, node), site host and the concentration.

        >>> d.summary()[0]  # doctest: +SKIP
        '寿光市 MO源/特气: 缺失 → 弱 / Shouguang City mo_gas: missing → weak; completeness 0.27 → 0.36'
        """
        lines: list[str] = []
        comp = self.completeness.set_index("region")
        done: set[str] = set()
        for rec in self.nodes.itertuples(index=False):
            zh = f"{rec.region_name_zh} {rec.name_zh}: {rec.status_zh_before} → {rec.status_zh_after}"
            en = f"{rec.region_name_en} {rec.node}: {rec.status_before} → {rec.status_after}"
            if rec.n_firms_before != rec.n_firms_after and rec.status_before == rec.status_after:
                zh += f"（企业 {rec.n_firms_before} → {rec.n_firms_after}）"
                en += f" (firms {rec.n_firms_before} → {rec.n_firms_after})"
            line = f"{zh} / {en}"
            if (
                rec.region not in done
                and rec.region in comp.index
                and comp.loc[rec.region, "changed"]
            ):
                line += f"; completeness {_fmt(comp.loc[rec.region, 'before'])} → {_fmt(comp.loc[rec.region, 'after'])}"
                done.add(rec.region)
            lines.append(line)
        for rec in self.completeness[self.completeness["changed"]].itertuples(index=False):
            if rec.region not in done:
                lines.append(
                    f"{rec.region_name_zh} 链条完整度 / {rec.region_name_en} completeness: "
                    f"{_fmt(rec.before)} → {_fmt(rec.after)}"
                )
        for rec in self.sites.itertuples(index=False):
            cov_zh = "；由未覆盖转为已覆盖" if rec.covered_after and not rec.covered_before else ""
            cov_en = "; now covered" if rec.covered_after and not rec.covered_before else ""
            lines.append(
                f"{rec.name_zh} 高新区类载体 {rec.htz_like_before} → {rec.htz_like_after}，集群载体 "
                f"{rec.cluster_hosts_before} → {rec.cluster_hosts_after}{cov_zh} / {rec.name_en} HTZ-like hosts "
                f"{rec.htz_like_before} → {rec.htz_like_after}, cluster hosts {rec.cluster_hosts_before} → "
                f"{rec.cluster_hosts_after}{cov_en}"
            )
        moved = self.concentration[self.concentration["delta"].fillna(0) != 0]
        if len(moved):
            parts = ", ".join(
                f"{m} {_fmt(b, 4)} → {_fmt(a, 4)}"
                for m, b, a in zip(moved["metric"], moved["before"], moved["after"], strict=True)
            )
            lines.append(f"全省集中度 / province concentration: {parts}")
        if self.lq_only.get("rows"):
            k, x = self.lq_only["rows"], self.lq_only["max_abs_shift"]
            lines.append(
                f"另有 {k} 行仅区位商随总量变化（最大 {x:.3f}，不计为变化） / {k} other rows changed only "
                f"their LQ as totals moved (largest shift {x:.3f}; not counted as changes)"
            )
        if not lines:
            lines.append("与基线相同 / no change against the baseline")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: chain, level, frame, base, the changed node rows, the regions whose
        completeness changed, concentration before/after, lq_only, site changes and summary lines."""
        return {
            "scenario": self.scenario,
            "chain": {"code": self.chain, "name_zh": self.name_zh, "name_en": self.name_en},
            "level": self.level,
            "frame": self.frame,
            "base": self.base,
            "nodes": _records(self.nodes),
            "completeness": _records(self.completeness[self.completeness["changed"]]),
            "concentration": _records(self.concentration),
            "lq_only": self.lq_only,
            "sites": _records(self.sites),
            "summary": self.summary(),
        }

    def regions_frame(self) -> gpd.GeoDataFrame:
        """Regions of the level as polygons with completeness before/after/delta and changed-node counts.

        For maps (app, QGIS): colour by ``completeness_delta`` or ``nodes_changed``.
        """
        from geo.boundaries import load_cities, load_counties, load_province
        from geo.frames import zone_polygons

        loader: dict[str, Callable[[], gpd.GeoDataFrame]] = {
            "county": load_counties,
            "city": load_cities,
            "province": load_province,
            "zone": lambda: zone_polygons(self.frame).rename(columns={"zone_code": "adcode"}),
        }
        polys = loader[self.level]()[["adcode", "geometry"]].rename(columns={"adcode": "region"})
        comp = self.completeness.rename(
            columns={
                "before": "completeness_before",
                "after": "completeness_after",
                "delta": "completeness_delta",
            }
        )
        counts = self.nodes.groupby("region").size().rename("nodes_changed")
        out = polys.merge(comp, on="region", how="inner").merge(
            counts, left_on="region", right_index=True, how="left"
        )
        out["nodes_changed"] = out["nodes_changed"].fillna(0).astype(int)
        cols = [
            "region",
            "region_name_zh",
            "region_name_en",
            "completeness_before",
            "completeness_after",
            "completeness_delta",
            "changed",
            "nodes_changed",
            "geometry",
        ]
        return gpd.GeoDataFrame(out[cols], geometry="geometry", crs="EPSG:4326")


def _fmt(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return f"{float(v):,.0f}" if abs(float(v)) >= 100 else f"{float(v):.{digits}f}"


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    def clean(v: Any) -> Any:
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v

    return [{str(k): clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _dig(d: Mapping[str, Any], path: tuple[str, ...]) -> float:
    cur: Any = d
    for key in path:
        if not isinstance(cur, Mapping) or key not in cur:
            return float("nan")
        cur = cur[key]
    return float(cur) if isinstance(cur, int | float) and cur is not None else float("nan")


def diff(
    baseline: ChainAnalysis,
    scenario: ChainAnalysis,
    *,
    sites: pd.DataFrame | None = None,
    name: str = "",
) -> ScenarioDiff:
    """Compare a scenario analysis with its baseline (same chain, level, frame and base).

    Parameters
    ----------
    baseline, scenario
        Two :class:`~layout.analysis.ChainAnalysis` results.
    sites
        A :func:`layout.scenarios.site_changes` table to carry along (site edits change hosts, not chain metrics).
    name
        Scenario name recorded in the diff.

    Returns
    -------
    ScenarioDiff
        A (region, node) row is listed when its status, firm count or value changed (values
        compared with a relative tolerance of 1e-9). LQ-only shifts — every LQ moves when a
        province total moves — are counted in ``lq_only``, not listed (module docstring).
        Completeness is compared per region; concentration on chain_value, hhi_chain
        (Σ_k s_k²), gini, theil, spatial_gini and global Moran's I.

    Raises
    ------
    ScenarioError
        When the two analyses differ in chain, level, frame or base.
    """
    problems = [
        problem(
            "scn_diff_mismatch",
            attr=attr,
            before=getattr(baseline, attr),
            after=getattr(scenario, attr),
        )
        for attr in ("chain", "level", "frame", "base", "regions")
        if getattr(baseline, attr) != getattr(scenario, attr)
    ]
    if problems:
        raise ScenarioError(problems)
    keys = ["region", "node"]
    keep = ["status", "status_zh", "n_firms", "value", "lq", "strength_class"]
    b = baseline.nodes[[*keys, "region_name_zh", "region_name_en", "name_zh", "name_en", *keep]]
    s = scenario.nodes[[*keys, *keep]]
    m = b.merge(s, on=keys, how="outer", suffixes=("_before", "_after"), indicator=True)
    value_changed = ~np.isclose(
        m["value_before"].fillna(-1.0), m["value_after"].fillna(-1.0), rtol=1e-9, atol=0
    )
    changed = (
        (m["_merge"] != "both")
        | (m["status_before"] != m["status_after"])
        | (m["n_firms_before"] != m["n_firms_after"])
        | value_changed
    )
    lq_b, lq_a = m["lq_before"].to_numpy(dtype=float), m["lq_after"].to_numpy(dtype=float)
    lq_moved = ~(np.isclose(lq_b, lq_a, rtol=1e-9, atol=0) | (np.isnan(lq_b) & np.isnan(lq_a)))
    only = lq_moved & ~changed.to_numpy()
    shift = np.abs(lq_a - lq_b)[only]
    lq_only = {
        "rows": int(only.sum()),
        "max_abs_shift": float(np.nanmax(shift)) if len(shift) else 0.0,
    }
    nodes = m[changed].rename(
        columns={"strength_class_before": "class_before", "strength_class_after": "class_after"}
    )[_NODE_COLUMNS]
    nodes = nodes.reset_index(drop=True)
    regions = list(dict.fromkeys([*baseline.regions, *scenario.regions]))
    names = baseline.nodes.drop_duplicates("region").set_index("region")[
        ["region_name_zh", "region_name_en"]
    ]
    before = baseline.completeness.reindex(regions).to_numpy(dtype=float)
    after = scenario.completeness.reindex(regions).to_numpy(dtype=float)
    comp = pd.DataFrame(
        {
            "region": regions,
            "region_name_zh": names["region_name_zh"].reindex(regions).to_numpy(),
            "region_name_en": names["region_name_en"].reindex(regions).to_numpy(),
            "before": before,
            "after": after,
            "delta": after - before,
        }
    )
    comp["changed"] = ~np.isclose(before, after, rtol=1e-12, atol=1e-12) & ~(
        np.isnan(before) & np.isnan(after)
    )
    conc_rows = []
    for metric, path in _CONCENTRATION:
        vb, va = _dig(baseline.concentration, path), _dig(scenario.concentration, path)
        conc_rows.append({"metric": metric, "before": vb, "after": va, "delta": va - vb})
    return ScenarioDiff(
        chain=baseline.chain,
        name_zh=baseline.name_zh,
        name_en=baseline.name_en,
        level=baseline.level,
        frame=baseline.frame,
        base=baseline.base,
        nodes=nodes,
        completeness=comp,
        concentration=pd.DataFrame(conc_rows),
        lq_only=lq_only,
        sites=sites if sites is not None else pd.DataFrame(),
        scenario=name,
    )
