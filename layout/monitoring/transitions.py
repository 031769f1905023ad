"""Firm entries and exits, and node status transitions (gaps that open or close) with reasons.

Between two consecutive panel years t−1 → t, with A = the firms (by ``firm_key``) of the chain
(or node) in region r in t−1 and B = those in t:

* ``entries``: firms of B \\ A that are not in the panel at all in t−1 (new firms);
* ``moved_in``: the rest of B \\ A — firms that were in the panel in t−1 but elsewhere (another
  region, or another chain or node: a switch counts as a move);
* ``exits``: firms of A \\ B that are not in the panel at all in t (gone);
* ``moved_out``: the rest of A \\ B.

So n_t = n_{t−1} + entries + moved_in − exits − moved_out. Zones overlap: a firm moving
between two counties of one zone stays in that zone.

A node's **status transition** in a region is a change of its status (strong, weak, missing,
broken — from :func:`layout.analysis.analyze_chain`) between consecutive years, of kind

* ``gap_opened``: present (strong or weak) → absent (missing or broken);
* ``gap_closed``: absent → present;
* ``became_strong``: weak → strong; ``lost_strength``: strong → weak.

Each carries its reason in Chinese and English: the firm flows behind it (the firms that left
or came, by id) and the node's reason in the new year.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pandas as pd

from layout.monitoring.panel import Panel
from layout.monitoring.snapshots import ChainYears, region_links

__all__ = ["TRANSITION_KINDS", "firm_flows", "status_transitions"]

TRANSITION_KINDS: dict[str, tuple[str, str]] = {
    "gap_opened": ("出现缺口", "gap opened"),
    "gap_closed": ("缺口补上", "gap closed"),
    "became_strong": ("转为强", "became strong"),
    "lost_strength": ("不再为强", "lost strength"),
}
"""Transition kind → (Chinese, English) label."""

_PRESENT = {"strong", "weak"}


def _memberships(panel: Panel, chain: str, year: int, level: str, frame: str) -> pd.DataFrame:
    firms = panel.year(year)
    links = region_links(firms, level=level, frame=frame)
    links = links[links["chain"] == chain]
    return links.assign(firm_id=firms["firm_id"].to_numpy()[links["row"].to_numpy()])[
        ["region", "node", "firm_key", "firm_id"]
    ].drop_duplicates(["region", "node", "firm_key"])


def firm_flows(
    panel: Panel,
    chain: str,
    *,
    level: str = "county",
    frame: str = "2013",
    years: tuple[int, ...] | None = None,
    by: str = "node",
) -> pd.DataFrame:
    """Entries, exits and moves of firms per year, region (× node) between consecutive years.

    Parameters
    ----------
    panel
        The firm panel.
    chain
        Chain code.
    level, frame
        Region level (county, city, zone, province) and plan frame of zones.
    years
        Years to use (ascending; default every panel year).
    by
        ``"node"`` (region × node) or ``"chain"`` (region × chain).

    Returns
    -------
    DataFrame
        ``year`` (the later year t), ``region``, (``node``), ``n_before``, ``n_after``,
        ``entries``, ``exits``, ``moved_in``, ``moved_out`` and the firm ids behind each count
        (``entry_ids``, ``exit_ids``, ``moved_in_ids``, ``moved_out_ids``: ``;``-joined,
        sorted). Only region (× node) pairs with a firm in either year are listed.
    """
    ys = tuple(years) if years is not None else panel.years
    keys = ["region", "node"] if by == "node" else ["region"]
    present = {y: set(panel.year(y)["firm_key"]) for y in ys}
    members = {y: _memberships(panel, chain, y, level, frame) for y in ys}
    rows = []
    for prev, year in pairwise(ys):
        a = members[prev].drop_duplicates([*keys, "firm_key"])
        b = members[year].drop_duplicates([*keys, "firm_key"])
        ga = {k: dict(zip(g["firm_key"], g["firm_id"], strict=True)) for k, g in a.groupby(keys)}
        gb = {k: dict(zip(g["firm_key"], g["firm_id"], strict=True)) for k, g in b.groupby(keys)}
        for key in sorted(set(ga) | set(gb)):
            before, after = ga.get(key, {}), gb.get(key, {})
            came = [k for k in after if k not in before]
            left = [k for k in before if k not in after]
            entry = sorted(after[k] for k in came if k not in present[prev])
            moved_in = sorted(after[k] for k in came if k in present[prev])
            exit_ = sorted(before[k] for k in left if k not in present[year])
            moved_out = sorted(before[k] for k in left if k in present[year])
            key_t = key if isinstance(key, tuple) else (key,)
            rows.append(
                {"year": year}
                | dict(zip(keys, key_t, strict=True))
                | {
                    "n_before": len(before),
                    "n_after": len(after),
                    "entries": len(entry),
                    "exits": len(exit_),
                    "moved_in": len(moved_in),
                    "moved_out": len(moved_out),
                    "entry_ids": ";".join(entry),
                    "exit_ids": ";".join(exit_),
                    "moved_in_ids": ";".join(moved_in),
                    "moved_out_ids": ";".join(moved_out),
                }
            )
    cols = [
        "year",
        *keys,
        "n_before",
        "n_after",
        "entries",
        "exits",
        "moved_in",
        "moved_out",
        "entry_ids",
        "exit_ids",
        "moved_in_ids",
        "moved_out_ids",
    ]
    return pd.DataFrame(rows, columns=cols)


def _kind(before: str, after: str) -> str | None:
    if before in _PRESENT and after not in _PRESENT:
        return "gap_opened"
    if before not in _PRESENT and after in _PRESENT:
        return "gap_closed"
    if before == "weak" and after == "strong":
        return "became_strong"
    if before == "strong" and after == "weak":
        return "lost_strength"
    return None


def _moved_ids(kind: str, flow: dict[str, Any]) -> str:
    """The firms behind a gap transition: those that left (opened) or came (closed)."""
    cols = {
        "gap_opened": ("exit_ids", "moved_out_ids"),
        "gap_closed": ("entry_ids", "moved_in_ids"),
    }
    return ";".join(x for x in (str(flow.get(c, "")) for c in cols.get(kind, ())) if x)


def _shown(ids: str, limit: int = 5) -> str:
    items = [x for x in ids.split(";") if x]
    return ", ".join(items[:limit]) + (f" … (+{len(items) - limit})" if len(items) > limit else "")


def _reason(
    kind: str, year: int, prev: pd.Series, now: pd.Series, flow: dict[str, Any], ids: str
) -> tuple[str, str]:
    lab_zh, lab_en = TRANSITION_KINDS[kind]
    shown = _shown(ids)
    if kind == "gap_opened":
        n, out, moved = (
            flow.get("n_before", prev["n_firms"]),
            flow.get("exits", 0),
            flow.get("moved_out", 0),
        )
        zh = (
            f"{year}年{lab_zh}：该环节原有 {n} 家企业全部离开（退出 {out} 家，迁出或转出 {moved} 家"
        )
        en = f"{lab_en} in {year}: all {n} firm(s) at the node left ({out} exit(s), {moved} moved or switched out"
    elif kind == "gap_closed":
        n, new, moved = (
            flow.get("n_after", now["n_firms"]),
            flow.get("entries", 0),
            flow.get("moved_in", 0),
        )
        zh = f"{year}年{lab_zh}：{n} 家企业进入该环节（新进入 {new} 家，迁入或转入 {moved} 家"
        en = f"{lab_en} in {year}: {n} firm(s) arrived at the node ({new} new, {moved} moved or switched in"
    else:
        lq = f"{prev['lq']:.2f} → {now['lq']:.2f}"
        firms = f"{prev['n_firms']} → {now['n_firms']}"
        zh = f"{year}年{lab_zh}：区位商 {lq}，企业 {firms} 家"
        en = f"{lab_en} in {year}: LQ {lq}, firms {firms}"
    if kind in ("gap_opened", "gap_closed"):
        zh += f"：{shown}）" if shown else "）"
        en += f": {shown})" if shown else ")"
    return f"{zh}。现状：{now['reason_zh']}", f"{en}. Now: {now['reason_en']}"


def status_transitions(years: ChainYears, flows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every change of a node's status in a region between consecutive years, with reasons.

    Parameters
    ----------
    years
        The chain analysed year by year (:func:`~layout.monitoring.analyze_years`).
    flows
        :func:`firm_flows` by node for the same panel, level and years; its firm counts and
        ids go into the reasons (without it the reasons give the firm counts only).

    Returns
    -------
    DataFrame
        ``year`` (the year of the new status), ``region``, ``region_name_zh``,
        ``region_name_en``, ``node``, ``name_zh``, ``name_en``, ``from_status``,
        ``to_status``, ``kind`` (see :data:`TRANSITION_KINDS`), ``kind_zh``, ``kind_en``,
        ``reason_zh``, ``reason_en``, ``firm_ids`` (the firms that left or came, ``;``-joined).
        Sorted by year, region, node.
    """
    nodes = years.nodes.set_index(["year", "region", "node"]).sort_index()
    fl = (
        flows.set_index(["year", "region", "node"])
        if flows is not None and len(flows)
        else pd.DataFrame()
    )
    rows = []
    for prev, year in pairwise(years.years):
        a, b = nodes.loc[prev], nodes.loc[year]
        changed = a["status"].reindex(b.index) != b["status"]
        for region, node in b.index[changed.to_numpy()]:
            p, n = a.loc[(region, node)], b.loc[(region, node)]
            kind = _kind(str(p["status"]), str(n["status"]))
            if kind is None:  # missing <-> broken needs a changed chain graph
                continue
            flow = (
                fl.loc[(year, region, node)].to_dict() if (year, region, node) in fl.index else {}
            )
            ids = _moved_ids(kind, flow)
            zh, en = _reason(kind, year, p, n, flow, ids)
            rows.append(
                {
                    "year": year,
                    "region": region,
                    "region_name_zh": n["region_name_zh"],
                    "region_name_en": n["region_name_en"],
                    "node": node,
                    "name_zh": n["name_zh"],
                    "name_en": n["name_en"],
                    "from_status": p["status"],
                    "to_status": n["status"],
                    "kind": kind,
                    "kind_zh": TRANSITION_KINDS[kind][0],
                    "kind_en": TRANSITION_KINDS[kind][1],
                    "reason_zh": zh,
                    "reason_en": en,
                    "firm_ids": ids,
                }
            )
    cols = [
        "year",
        "region",
        "region_name_zh",
        "region_name_en",
        "node",
        "name_zh",
        "name_en",
        "from_status",
        "to_status",
        "kind",
        "kind_zh",
        "kind_en",
        "reason_zh",
        "reason_en",
        "firm_ids",
    ]
    return pd.DataFrame(rows, columns=cols)
