"""Node status in a region: strength classes, strong / weak / missing / broken, and the reason.

A present node (at least one firm) is *strong* when its strength class is strong or strong10
(:func:`layout.metrics.strength_classes` over the regions of the level), else *weak*; an
absent node is *missing*, or *broken* when it is structurally critical in the chain graph
(:func:`layout.gaps.critical_nodes`). Each status carries its reason in Chinese and English.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from layout import metrics
from layout.analysis.aggregate import (
    aggregate_chain,
    node_values,
    province_benchmark,
    region_links,
)
from layout.regions import PROVINCE, county_adcodes, region_table

__all__ = ["STATUS_ZH", "node_order", "node_table", "strength"]

_STAGES = {"upstream": 0, "midstream": 1, "downstream": 2, "support": 3}
STATUS_ZH = {"strong": "强", "weak": "弱", "missing": "缺失", "broken": "断链"}
"""Chinese name of each node status."""


def node_order(g: nx.DiGraph) -> list[str]:
    """The chain's nodes by stage (upstream, midstream, downstream, support), then by code."""
    return sorted(g.nodes, key=lambda x: (_STAGES.get(g.nodes[x]["stage"], 9), x))


def _reason(
    status: str,
    n_firms: int,
    value: float,
    lq: float,
    cls: str,
    crit: str | None,
    base: str,
    cutoff: float | None,
) -> tuple[str, str]:
    unit = {
        "employees": ("从业人数", "employees"),
        "output": ("产值(万元)", "output (10k yuan)"),
        "firms": ("企业数", "firms"),
    }[base]
    if status in ("missing", "broken"):
        zh, en = "本区域无该环节企业", "no firm at this node in the region"
        if crit == "cut":
            zh += "；且从源头到终端产品的每条路径都经过该环节（断链）"
            en += "; every path from a source to a final product passes through it (broken)"
        elif crit == "articulation":
            zh += "；且该环节是链条的关节点，缺失会把链条断开（断链）"
            en += "; it is an articulation point: without it the chain falls apart (broken)"
        return zh, en
    if value == 0 and base != "firms":
        return (
            f"{n_firms}家企业，但无{unit[0]}数据（真实骨干企业不公开数据）：存在，强弱无法判断",
            f"{n_firms} firm(s) present but without {unit[1]} figures (real anchor firms publish none): "
            "present, strength cannot be judged",
        )
    lq_txt = f"{lq:.3f}" if np.isfinite(lq) and abs(lq - 1) < 0.005 else f"{lq:.2f}"
    size_zh = f"{n_firms}家企业，{unit[0]} {value:,.0f}，区位商 {lq_txt}"
    size_en = f"{n_firms} firm(s), {unit[1]} {value:,.0f}, LQ {lq_txt}"
    if status == "strong":
        return (
            f"{size_zh}；区位商处于本级区域前四分之一且≥1，规模不在末四分之一（{cls}）",
            f"{size_en}; LQ in the top quartile of regions at this level and ≥ 1, size above the bottom quartile ({cls})",
        )
    if not np.isfinite(lq) or lq < 1:
        why_zh, why_en = "区位商低于1", "LQ below 1"
    elif cutoff is not None and lq < cutoff:
        why_zh, why_en = (
            f"区位商未进入前四分之一（门槛 {cutoff:.2f}）",
            f"LQ not in the top quartile (cut-off {cutoff:.2f})",
        )
    else:
        why_zh, why_en = "规模处于末四分之一", "size in the bottom quartile"
    return f"{size_zh}；{why_zh}", f"{size_en}; {why_en}"


def _node_lq(firms, chain, level, frame, base, nodes, regions, membership=None):
    """Region × node matrices of value and firm counts, and LQ against the province.

    Regional totals e_r span all chains in the table; province totals count each firm once.
    """
    values = node_values(firms, base=base).to_numpy()
    e, n, totals, mine = aggregate_chain(
        firms, region_links(firms, level, frame, membership), values, chain, regions, nodes
    )
    bench = province_benchmark(firms, county_adcodes(firms), values, chain, nodes)
    lq = metrics.location_quotient(e, region_totals=totals, benchmark=bench)
    return e, n, mine, lq


def strength(
    firms: gpd.GeoDataFrame,
    chain: str,
    level: str,
    frame: str,
    base: str,
    e: pd.DataFrame,
    lq: pd.DataFrame,
    nodes: list[str],
) -> tuple[pd.DataFrame, dict[str, float], dict[str, tuple[str, str]]]:
    """Strength classes over the regions of the level (province: over its counties).

    Returns the region × node class table, the LQ top-quartile cut-off of each node and, at
    province level, a bilingual note per node (how many counties are strong).
    """
    if level == "province":
        counties = region_table("county")["region"].tolist()
        ce, _, _, clq = _node_lq(firms, chain, "county", frame, base, nodes, counties)
        county = metrics.strength_classes(ce, lq=clq)
        n_strong = (
            county.groupby("industry")["strong"].sum().reindex(nodes, fill_value=0).astype(int)
        )
        cls = pd.DataFrame(
            [["strong" if n_strong[x] > 0 else "present" for x in nodes]],
            index=[PROVINCE],
            columns=nodes,
        )
        notes = {
            x: (
                f"在{n_strong[x]}个县级单元为强（美国集群图谱法）",
                f"strong in {n_strong[x]} county-level unit(s) (U.S. Cluster Mapping rule)",
            )
            if n_strong[x] > 0
            else ("没有县级单元达到强集群标准", "no county-level unit is strong at this node")
            for x in nodes
        }
        return cls, {}, notes
    nonempty = e.sum(axis=1) >= 0
    sc = metrics.strength_classes(e[nonempty], lq=lq[nonempty])
    cls = (
        sc.pivot_table(index="region", columns="industry", values="class", aggfunc="first")
        .reindex(index=e.index, columns=nodes)
        .fillna("absent")
    )
    cutoffs = {}
    for node in nodes:
        col = lq[node].dropna()
        if len(col):
            cutoffs[node] = float(np.quantile(col, 0.75))
    return cls, cutoffs, {}


def node_table(
    g: nx.DiGraph,
    nodes: list[str],
    regions: list[str],
    n: pd.DataFrame,
    e: pd.DataFrame,
    lq: pd.DataFrame,
    classes: pd.DataFrame,
    cutoffs: dict[str, float],
    notes: dict[str, tuple[str, str]],
    crit: dict[str, str],
    base: str,
    edited: bool,
) -> pd.DataFrame:
    """One row per (region, node): status, bilingual reason, firm count, value, LQ, class, weight."""
    nv, ev = n.to_numpy(), e.to_numpy(dtype=float)
    qv, cv = (
        lq.reindex(index=regions, columns=nodes).to_numpy(dtype=float),
        classes.to_numpy(dtype=object),
    )
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(regions):
        for j, node in enumerate(nodes):
            cnt, val, q, cls = int(nv[i, j]), float(ev[i, j]), float(qv[i, j]), str(cv[i, j])
            if cnt == 0:
                status = "broken" if node in crit else "missing"
            else:
                status = "strong" if cls in ("strong", "strong10") else "weak"
            zh, en = _reason(status, cnt, val, q, cls, crit.get(node), base, cutoffs.get(node))
            if cnt > 0 and node in notes:  # province: strength is judged over its counties
                zh, en = f"{cnt}家企业；{notes[node][0]}", f"{cnt} firm(s); {notes[node][1]}"
            if edited:
                zh, en = zh + "（按修改后的区域成员计算）", en + " (zone membership edited)"
            attrs = g.nodes[node]
            rows.append(
                {
                    "region": r,
                    "node": node,
                    "stage": attrs["stage"],
                    "name_zh": attrs["name_zh"],
                    "name_en": attrs["name_en"],
                    "status": status,
                    "status_zh": STATUS_ZH[status],
                    "reason_zh": zh,
                    "reason_en": en,
                    "n_firms": cnt,
                    "value": val,
                    "lq": q,
                    "strength_class": cls,
                    "weight": float(attrs.get("weight", 1.0)),
                }
            )
    return pd.DataFrame(rows)
