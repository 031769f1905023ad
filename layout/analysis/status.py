"""Node status in a region: strength classes, strong / weak / missing / broken, and the reason.

A present node (at least one firm) is *strong* when its strength class is strong or strong10
(:func:`layout.metrics.strength_classes` over the regions of the level), else *weak*; an
absent node is *missing*, or *broken* when it is structurally critical in the chain graph
(:func:`layout.gaps.critical_nodes`). Each status carries its reason in Chinese and English.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from layout import metrics
from layout.metrics.specialisation import MIN_PRESENT
from layout.regions import PROVINCE

__all__ = ["STATUS_ZH", "node_order", "node_table", "strength"]

_STAGES = {"upstream": 0, "midstream": 1, "downstream": 2, "support": 3}
STATUS_ZH = {"strong": "强", "weak": "弱", "missing": "缺失", "broken": "断链"}
"""Chinese name of each node status."""


def node_order(g: nx.DiGraph) -> list[str]:
    """The chain's nodes by stage (upstream, midstream, downstream, support), then by code."""
    return sorted(g.nodes, key=lambda x: (_STAGES.get(g.nodes[x]["stage"], 9), x))


_UNIT = {
    "employees": ("从业人数", "employees"),
    "output": ("产值(万元)", "output (10k yuan)"),
    "firms": ("企业数", "firms"),
}


def _reason(
    status: str,
    n_firms: int,
    value: float,
    lq: float,
    cls: str,
    crit: str | None,
    base: str,
    cut: dict[str, Any],
) -> tuple[str, str]:
    """Bilingual reason of a node's status; ``cut`` holds the node's strength cut-offs."""
    unit = _UNIT[base]
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
    present_rule = cut.get("rule", "present") == "present"
    over_zh, over_en = (
        ("本级有该环节的区域", "the regions at this level where the node is present")
        if present_rule
        else ("本级区域", "regions at this level")
    )
    if cls == "not ranked":
        k, m = int(cut.get("n_ranked", 0)), int(cut.get("min_present", 0))
        return (
            f"{size_zh}；本级仅{k}个区域有该环节，少于{m}个无法按四分位排位：未分级",
            f"{size_en}; present in only {k} region(s) at this level, fewer than the {m} "
            "needed to rank by quartiles: not ranked",
        )
    if status == "strong":
        return (
            f"{size_zh}；区位商处于{over_zh}前四分之一且≥1，规模高于其末四分之一（{cls}）",
            f"{size_en}; LQ in the top quartile of {over_en} and ≥ 1, size above their "
            f"bottom quartile ({cls})",
        )
    cutoff, floor = cut.get("lq_strong_min"), cut.get("size_floor")
    if not np.isfinite(lq) or lq < 1:
        why_zh, why_en = "区位商低于1", "LQ below 1"
    elif cutoff is not None and np.isfinite(cutoff) and lq < cutoff:
        why_zh, why_en = (
            f"区位商未进入{over_zh}前四分之一（门槛 {cutoff:.2f}）",
            f"LQ not in the top quartile of {over_en} (cut-off {cutoff:.2f})",
        )
    elif floor is not None and np.isfinite(floor):
        why_zh, why_en = (
            f"规模未高于{over_zh}的末四分之一（门槛 {floor:,.0f}）",
            f"size not above the bottom quartile of {over_en} (floor {floor:,.0f})",
        )
    else:
        why_zh, why_en = "规模处于末四分之一", "size in the bottom quartile"
    return f"{size_zh}；{why_zh}", f"{size_en}; {why_en}"


def strength(
    e: pd.DataFrame,
    lq: pd.DataFrame,
    nodes: list[str],
    *,
    level: str,
    county: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    rule: str = "present",
    min_present: int = MIN_PRESENT,
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]], dict[str, tuple[str, str]]]:
    """Strength classes over the regions of the level (province: over its counties).

    ``e``/``lq`` are the level's region × node values and location quotients (columns
    ``nodes``); at province level ``county`` gives the county ``(e, lq)`` the classes are
    judged over. ``rule``/``min_present`` as in :func:`layout.metrics.strength_classes`
    (default: ranked among the regions where the node is present, at least 4 of them).
    Returns the region × node class table, the strength cut-offs of each node (rule,
    min_present, measured_over, n_ranked, ranked, lq_significant_min, lq_strong_min,
    lq_strong10_min, size_floor) and, at province level, a bilingual note per node (how many
    counties are strong).
    """
    if level == "province":
        if county is None:
            raise ValueError("strength at province level needs the county (e, lq)")
        ce, clq = county
        csc = metrics.strength_classes(ce, lq=clq, rule=rule, min_present=min_present)
        cuts = _cutoffs(csc, nodes, "county")
        n_strong = csc.groupby("industry")["strong"].sum().reindex(nodes, fill_value=0).astype(int)
        rule_zh, rule_en = _RULE_NAMES[rule]
        cls = pd.DataFrame(
            [
                [
                    "strong"
                    if n_strong[x] > 0
                    else ("present" if cuts[x]["ranked"] else "not ranked")
                    for x in nodes
                ]
            ],
            index=[PROVINCE],
            columns=nodes,
        )
        notes = {}
        for x in nodes:
            if n_strong[x] > 0:
                notes[x] = (
                    f"在{n_strong[x]}个县级单元为强（{rule_zh}）",
                    f"strong in {n_strong[x]} county-level unit(s) ({rule_en})",
                )
            elif not cuts[x]["ranked"]:
                k = cuts[x]["n_ranked"]
                notes[x] = (
                    f"仅{k}个县级单元有该环节，少于{min_present}个无法按四分位排位：未分级",
                    f"present in only {k} county-level unit(s), fewer than the {min_present} "
                    "needed to rank by quartiles: not ranked",
                )
            else:
                notes[x] = (
                    "没有县级单元达到强集群标准",
                    "no county-level unit is strong at this node",
                )
        return cls, cuts, notes
    sc = metrics.strength_classes(e[nodes], lq=lq[nodes], rule=rule, min_present=min_present)
    # rows of sc run over (region, node) in the order of e's index and ``nodes``
    cls = pd.DataFrame(
        sc["class"].to_numpy(dtype=object).reshape(len(e.index), len(nodes)),
        index=e.index,
        columns=nodes,
    )
    return cls, _cutoffs(sc, nodes, level), {}


_RULE_NAMES = {
    "present": ("在有该环节的县级单元中排位", "ranked among the units where the node is present"),
    "cluster_mapping": ("美国集群图谱法", "U.S. Cluster Mapping rule"),
}


def _cutoffs(sc: pd.DataFrame, nodes: list[str], over: str) -> dict[str, dict[str, Any]]:
    """Per node: the thresholds :func:`layout.metrics.strength_classes` used, and whether it ranked.

    The thresholds repeat on every region's row; the first region's rows hold them, one per
    industry in column order.
    """
    rule, min_present = sc.attrs["rule"], sc.attrs["min_present"]
    industries = list(sc.index.get_level_values("industry")[: len(nodes)])
    keys = ("lq_significant_min", "lq_strong_min", "lq_strong10_min", "size_floor")
    first = {k: sc[k].to_numpy()[: len(nodes)] for k in (*keys, "n_ranked")}
    at = {x: i for i, x in enumerate(industries)}
    out = {}
    for x in nodes:
        i = at[x]
        out[x] = {
            "rule": rule,
            "min_present": min_present,
            "measured_over": over,
            "n_ranked": int(first["n_ranked"][i]),
            "ranked": bool(np.isfinite(first["lq_strong_min"][i])),
            **{k: float(first[k][i]) for k in keys},
        }
    return out


def node_table(
    g: nx.DiGraph,
    nodes: list[str],
    regions: list[str],
    n: pd.DataFrame,
    e: pd.DataFrame,
    lq: pd.DataFrame,
    classes: pd.DataFrame,
    cutoffs: dict[str, dict[str, Any]],
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
            zh, en = _reason(status, cnt, val, q, cls, crit.get(node), base, cutoffs.get(node, {}))
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
