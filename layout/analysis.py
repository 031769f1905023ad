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
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geo.frames import membership as frame_membership
from geo.measure import geodesic_distance_km
from layout import metrics
from layout.chains import load_chain
from layout.gaps import completeness, critical_nodes, stress_test
from layout.regions import (
    PROVINCE,
    assign_regions,
    county_adcodes,
    ensure_adcode,
    parse_region,
    region_table,
)

__all__ = ["BASES", "ChainAnalysis", "analyze_chain", "node_values", "update_chain"]

BASES = ("employees", "output", "firms")
_STAGES = {"upstream": 0, "midstream": 1, "downstream": 2, "support": 3}
_STATUS_ZH = {"strong": "强", "weak": "弱", "missing": "缺失", "broken": "断链"}


class AnalysisError(ValueError):
    """Bad analysis options (base, level, region); the message lists valid values."""


@dataclass
class ChainAnalysis:
    """Result of :func:`analyze_chain`. Tables are tidy; ``to_dict`` gives the JSON shape."""

    chain: str
    name_zh: str
    name_en: str
    level: str
    frame: str
    base: str
    regions: list[str]
    nodes: pd.DataFrame
    completeness: pd.Series
    concentration: dict[str, Any]
    bottlenecks: pd.DataFrame
    sourcing: pd.DataFrame
    structure: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    _state: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (see README, "analyze --json")."""
        regions = []
        names = region_table(self.level, frame=self.frame).set_index("region")
        for code in self.regions:
            nodes = self.nodes[self.nodes["region"] == code].drop(
                columns=["region", "region_name_zh", "region_name_en"]
            )
            regions.append(
                {
                    "region": code,
                    "name_zh": str(names.loc[code, "name_zh"]),
                    "name_en": str(names.loc[code, "name_en"]),
                    "completeness": _num(self.completeness.get(code, np.nan)),
                    "nodes": _records(nodes),
                    "bottlenecks": _records(
                        self.bottlenecks[self.bottlenecks["region"] == code].drop(columns="region")
                    ),
                    "sourcing": _records(
                        self.sourcing[self.sourcing["region"] == code].drop(columns="region")
                    ),
                }
            )
        return {
            "chain": {"code": self.chain, "name_zh": self.name_zh, "name_en": self.name_en},
            "level": self.level,
            "frame": self.frame,
            "base": self.base,
            "structure": self.structure,
            "concentration": self.concentration,
            "data": self.data,
            "regions": regions,
        }


def _num(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return None if not np.isfinite(v) else round(float(v), 6)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (_num(v) if not isinstance(v, list) else v) for k, v in r.items()}
        for r in df.to_dict(orient="records")
    ]


def node_values(firms: pd.DataFrame, *, base: str) -> pd.Series:
    """Per-firm value on ``base`` (``firms`` = 1 each; missing figures = 0)."""
    if base not in BASES:
        raise AnalysisError(f"unknown base {base!r}: use one of {', '.join(BASES)}")
    if base == "firms":
        return pd.Series(1.0, index=firms.index)
    return pd.to_numeric(firms[base], errors="coerce").fillna(0.0).clip(lower=0.0)


def _links(
    firms: gpd.GeoDataFrame,
    level: str,
    frame: str,
    membership: pd.DataFrame | None,
    rows: np.ndarray | None = None,
    regions: set[str] | None = None,
) -> pd.DataFrame:
    """Firm row → region links (:func:`assign_regions`), optionally for a subset of rows and regions.

    ``rows`` are positions in ``firms``; the returned ``row`` column always refers to ``firms``.
    Links keep the row order of ``firms`` within each region, so sums over a subset equal, to
    the last bit, the sums over the whole table.
    """
    if rows is None:
        links = assign_regions(firms, level=level, frame=frame, membership=membership)
    else:
        links = assign_regions(firms.iloc[rows], level=level, frame=frame, membership=membership)
        links = links.assign(row=rows[links["row"].to_numpy()])
    if regions is not None:
        links = links[links["region"].isin(regions)]
    return links


def _aggregate(
    firms: gpd.GeoDataFrame,
    links: pd.DataFrame,
    values: np.ndarray,
    chain: str,
    regions: list[str],
    nodes: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.DataFrame]:
    """Region × node value ``e`` and count ``n`` of ``chain``, all-chain totals, and the chain's links."""
    at = links["row"].to_numpy()
    links = links.assign(value=values[at])
    totals = links.groupby("region")["value"].sum().reindex(regions, fill_value=0.0)
    mine = links[_is_chain(firms, chain)[at]]
    mine = mine.assign(node=_take(firms["node"], mine["row"].to_numpy()))
    e = mine.pivot_table(
        index="region", columns="node", values="value", aggfunc="sum", fill_value=0.0
    )
    n = mine.pivot_table(
        index="region", columns="node", values="row", aggfunc="count", fill_value=0
    )
    e = e.reindex(index=regions, columns=nodes, fill_value=0.0).astype(float)
    n = n.reindex(index=regions, columns=nodes, fill_value=0).astype(int)
    return e, n, totals, mine


def _is_chain(firms: pd.DataFrame, chain: str) -> np.ndarray:
    """Boolean mask of the firms of ``chain`` (compared in the column's own storage, e.g. Arrow)."""
    return (firms["chain"] == chain).to_numpy(dtype=bool, na_value=False)


def _take(col: pd.Series, rows: np.ndarray) -> np.ndarray:
    """``col`` at positions ``rows`` as numpy, converting only those rows (not the whole column)."""
    return col.iloc[rows].to_numpy()


def _counties_of(
    regions: set[str], level: str, frame: str, membership: pd.DataFrame | None
) -> set[str]:
    """County adcodes whose firms count in any of ``regions`` (a level's region codes)."""
    if level == "county":
        return set(regions)
    if level == "city":
        from geo.boundaries import load_counties

        c = load_counties()
        return set(c.loc[c["city_adcode"].isin(regions), "adcode"])
    if level == "province":
        return set(region_table("county")["region"])
    m = frame_membership(frame) if membership is None else membership
    return set(m.loc[m["zone_code"].isin(regions), "adcode"])


def _rows_in_counties(codes: pd.Series, counties: set[str]) -> np.ndarray:
    return np.flatnonzero(codes.isin(counties).to_numpy(dtype=bool, na_value=False))


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
    seed: int = 20150123,
    membership: pd.DataFrame | None = None,
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
    membership
        A county → zone table (columns ``adcode``, ``zone_code``) replacing the shipped one of
        ``frame`` at level ``zone`` — e.g. a scenario's edited membership. Zone points used for
        distances stay those of the shipped zones; concentration is measured over counties and
        does not depend on it. ``data["membership"]`` says ``shipped`` or ``edited``, and
        reasons carry a note when it is edited.

    Returns
    -------
    ChainAnalysis
        It also keeps (privately) the region × node matrices it was built from, so
        :func:`update_chain` can recompute it after an edit touching a few firms.
    """
    if base not in BASES:
        raise AnalysisError(f"unknown base {base!r}: use one of {', '.join(BASES)}")
    if region is not None:
        parsed = parse_region(region)
        if level is not None and level != parsed.level:
            raise AnalysisError(
                f"region {region!r} is a {parsed.level}, not a {level}: drop --level or fix it"
            )
        level, frame = parsed.level, parsed.frame
    level = level or "county"
    firms = ensure_adcode(firms)  # join once; every region assignment below reuses the codes
    membership = membership if level == "zone" else None
    g = graph if graph is not None else load_chain(chain)
    opts = {
        "chain": chain,
        "region": region,
        "level": level,
        "frame": frame,
        "base": base,
        "k_nearest": k_nearest,
        "permutations": permutations,
        "seed": seed,
    }
    all_regions = region_table(level, frame=frame)["region"].tolist()
    nodes = _node_order(g)
    values = node_values(firms, base=base).to_numpy()
    e, n, totals, mine = _aggregate(
        firms, _links(firms, level, frame, membership), values, chain, all_regions, nodes
    )
    if level == "county":
        ce, ctotals = e, totals
    else:
        counties = region_table("county")["region"].tolist()
        ce, _, ctotals, _ = _aggregate(
            firms, _links(firms, "county", "2013", None), values, chain, counties, nodes
        )
    # after ensure_adcode the column is exactly county_adcodes(firms)
    return _assemble(
        firms, firms["adcode"], values, g, opts, membership, e, n, totals, ce, ctotals, mine=mine
    )


def update_chain(
    previous: ChainAnalysis,
    firms: gpd.GeoDataFrame,
    *,
    removed: gpd.GeoDataFrame,
    added: gpd.GeoDataFrame,
    membership: pd.DataFrame | None = None,
) -> ChainAnalysis:
    """Recompute ``previous`` for an edited firm table, touching only what the edit changed.

    The result equals ``analyze_chain(firms, …)`` with ``previous``'s options (tested on random
    edits at every level), but only these parts are recomputed from the firms:

    * region × node values and counts, and all-chain totals, of the **touched regions** — those
      holding a removed or added firm (under the old and the new zone membership) and the zones
      whose membership changed; every other region keeps its row;
    * bottlenecks and the stress test of the touched regions;
    * sourcing of the **touched nodes** — nodes whose status changed in any region or that
      gained or lost a firm (all nodes when the membership changed);
    * the permutation statistics of concentration (spatial Gini, Moran's I, LISA, Gi*) only
      when the county totals of the chain changed.

    The province benchmark, location quotients, strength classes, reasons and completeness are
    region × node arithmetic and are recomputed in full (they move whenever a total moves).

    Parameters
    ----------
    previous
        An analysis from :func:`analyze_chain` (or this function) of the table before the edit.
    firms
        The edited firm table (with ``adcode`` filled; rows not edited as before the edit).
    removed
        The edited firms as they were before the edit (removed, or moved/changed: old rows).
    added
        The edited firms as they are now (added, or moved/changed: new rows).
    membership
        The county → zone table after the edit (level ``zone``); ``None`` = the shipped one.

    Returns
    -------
    ChainAnalysis
        A full analysis falls back when ``previous`` carries no matrices (e.g. it was rebuilt
        from JSON) or is at province level (one region: nothing to spare).
    """
    st = previous._state
    o = dict(st["options"]) if st else {}
    if not st or o["level"] == "province":
        return analyze_chain(
            firms,
            previous.chain,
            region=o.get("region"),
            level=previous.level,
            frame=previous.frame,
            base=previous.base,
            graph=st["graph"] if st else None,
            membership=membership,
            **({k: o[k] for k in ("k_nearest", "permutations", "seed")} if st else {}),
        )
    chain, level, frame, base = o["chain"], o["level"], o["frame"], o["base"]
    membership = membership if level == "zone" else None
    g, nodes = st["graph"], list(st["e"].columns)
    all_regions = list(st["e"].index)
    removed, added = ensure_adcode(removed), ensure_adcode(added)
    touched = set(_links(removed, level, frame, st["membership"])["region"]) | set(
        _links(added, level, frame, membership)["region"]
    )
    membership_changed = False
    if level == "zone":
        old, new = _pairs(st["membership"], frame), _pairs(membership, frame)
        touched |= {z for _, z in old ^ new}
        membership_changed = old != new
    t_regions = [r for r in all_regions if r in touched]
    codes = county_adcodes(firms)
    values = node_values(firms, base=base).to_numpy()
    e, n, totals = st["e"].copy(), st["n"].copy(), st["totals"].copy()
    if t_regions:
        rows = _rows_in_counties(codes, _counties_of(set(t_regions), level, frame, membership))
        te, tn, ttot, _ = _aggregate(
            firms,
            _links(firms, level, frame, membership, rows, set(t_regions)),
            values,
            chain,
            t_regions,
            nodes,
        )
        e.loc[t_regions], n.loc[t_regions], totals.loc[t_regions] = te, tn, ttot
    t_counties = sorted(set(county_adcodes(removed).dropna()) | set(county_adcodes(added).dropna()))
    if level == "county":
        ce, ctotals = e, totals
    else:
        ce, ctotals = st["county_e"].copy(), st["county_totals"].copy()
        t_c = [c for c in ce.index if c in set(t_counties)]
        if t_c:
            rows = _rows_in_counties(codes, set(t_c))
            te, _, ttot, _ = _aggregate(
                firms,
                _links(firms, "county", "2013", None, rows, set(t_c)),
                values,
                chain,
                t_c,
                nodes,
            )
            ce.loc[t_c], ctotals.loc[t_c] = te, ttot
    edited_nodes = {str(x) for df in (removed, added) for x in df.loc[df["chain"] == chain, "node"]}
    return _assemble(
        firms,
        codes,
        values,
        g,
        o,
        membership,
        e,
        n,
        totals,
        ce,
        ctotals,
        previous=previous,
        touched=set(t_regions),
        edited_nodes=edited_nodes,
        membership_changed=membership_changed,
    )


def _node_order(g: nx.DiGraph) -> list[str]:
    return sorted(g.nodes, key=lambda x: (_STAGES.get(g.nodes[x]["stage"], 9), x))


def _assemble(
    firms,
    codes,
    values,
    g,
    opts,
    membership,
    e,
    n,
    totals,
    ce,
    ctotals,
    *,
    mine=None,
    previous=None,
    touched=None,
    edited_nodes=None,
    membership_changed=False,
) -> ChainAnalysis:
    """Statuses, reasons, completeness, bottlenecks, sourcing and concentration from the matrices.

    With ``previous`` (from :func:`update_chain`), bottlenecks of regions outside ``touched`` and
    sourcing of untouched nodes are taken from it, and so are the permutation statistics when the
    chain's county totals did not move.
    """
    chain, region, level, frame, base = (
        opts[k] for k in ("chain", "region", "level", "frame", "base")
    )
    rt = region_table(level, frame=frame)
    all_regions, nodes = list(e.index), list(e.columns)
    edited = membership is not None and _pairs(membership, frame) != _pairs(None, frame)
    lq = metrics.location_quotient(
        e, region_totals=totals, benchmark=_benchmark(firms, codes, values, chain, nodes)
    )
    classes, cutoffs, notes = _strength(firms, chain, level, frame, base, e, lq, nodes)
    crit = critical_nodes(g)
    table = _node_table(
        g, nodes, all_regions, n, e, lq, classes, cutoffs, notes, crit, base, edited
    )
    table = table.merge(
        rt[["region", "name_zh", "name_en"]].rename(
            columns={"name_zh": "region_name_zh", "name_en": "region_name_en"}
        ),
        on="region",
        how="left",
    )
    comp = completeness(n > 0, {x: float(g.nodes[x].get("weight", 1.0)) for x in nodes})
    wanted = [region] if region is not None else all_regions
    st_prev = previous._state if previous is not None else None
    if st_prev is None:
        bottle = _bottlenecks(g, n, e, wanted, crit)
        sourcing = _sourcing(table, firms, mine, rt, wanted, opts["k_nearest"])
        spatial = None
    else:
        redo = [r for r in wanted if r in touched]
        old_b = previous.bottlenecks
        bottle = _splice(old_b[~old_b["region"].isin(redo)], _bottlenecks(g, n, e, redo, crit))
        pos = {r: i for i, r in enumerate(wanted)}
        bottle = bottle.iloc[
            np.argsort(bottle["region"].map(pos).to_numpy(), kind="stable")
        ].reset_index(drop=True)
        old_t = st_prev["table"]
        moved = set(table.loc[table["status"].to_numpy() != old_t["status"].to_numpy(), "node"])
        redo_nodes = set(nodes) if membership_changed else moved | (edited_nodes or set())
        rows = np.flatnonzero(
            _is_chain(firms, chain)
            & firms["node"].isin(redo_nodes).to_numpy(dtype=bool, na_value=False)
        )
        mine = _links(firms, level, frame, membership, rows).assign(
            node=lambda x: _take(firms["node"], x["row"].to_numpy())
        )
        old_s = previous.sourcing
        sourcing = _splice(
            old_s[~old_s["node"].isin(redo_nodes)],
            _sourcing(table, firms, mine, rt, wanted, opts["k_nearest"], only=redo_nodes),
        )
        sourcing = sourcing.sort_values(["region", "node", "kind"], kind="stable").reset_index(
            drop=True
        )
        spatial = st_prev["spatial"]
    conc, spatial = _concentration(
        firms,
        values,
        chain,
        nodes,
        ce,
        ctotals,
        permutations=opts["permutations"],
        seed=opts["seed"],
        previous=spatial,
    )
    keep = table["region"].isin(wanted)
    synthetic = (
        bool(firms["synthetic"].fillna(False).astype(bool).any()) if "synthetic" in firms else False
    )
    out = ChainAnalysis(
        chain=chain,
        name_zh=str(g.graph.get("name_zh", chain)),
        name_en=str(g.graph.get("name_en", chain)),
        level=level,
        frame=frame,
        base=base,
        regions=wanted,
        nodes=table[keep].reset_index(drop=True),
        completeness=comp.reindex(wanted),
        concentration=conc,
        bottlenecks=bottle,
        sourcing=sourcing,
        structure={
            "nodes": len(g),
            "edges": g.number_of_edges(),
            "critical": [{"node": k, "kind": v} for k, v in crit.items()],
            "strong_cutoffs_lq": {k: _num(v) for k, v in cutoffs.items()},
        },
        data={
            "firms": len(firms),
            "chain_firms": int((firms["chain"] == chain).sum()),
            "synthetic_in_use": synthetic,
        }
        | ({"membership": "edited" if edited else "shipped"} if level == "zone" else {}),
    )
    out._state = {
        "options": dict(opts),
        "graph": g,
        "membership": membership,
        "e": e,
        "n": n,
        "totals": totals,
        "county_e": ce,
        "county_totals": ctotals,
        "table": table[["region", "node", "status"]],
        "spatial": spatial,
    }
    return out


def _splice(kept: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Rows kept from an earlier result plus recomputed rows, with the earlier column dtypes."""
    parts = [x for x in (kept, new) if len(x)]
    if not parts:
        return kept.reset_index(drop=True)
    return pd.concat(parts, ignore_index=True)


def _node_table(
    g, nodes, regions, n, e, lq, classes, cutoffs, notes, crit, base, edited
) -> pd.DataFrame:
    """One row per (region, node): status, bilingual reason, firm count, value, LQ, class, weight."""
    nv, ev = n.to_numpy(), e.to_numpy(dtype=float)
    qv, cv = (
        lq.reindex(index=regions, columns=nodes).to_numpy(dtype=float),
        classes.to_numpy(dtype=object),
    )
    rows = []
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
                    "status_zh": _STATUS_ZH[status],
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


def _pairs(membership: pd.DataFrame | None, frame: str) -> set[tuple[str, str]]:
    """(adcode, zone) pairs of the zones of ``frame`` in a membership table (``None``: the shipped one)."""
    membership = frame_membership(frame) if membership is None else membership
    zones = set(region_table("zone", frame=frame)["region"])
    m = membership[membership["zone_code"].isin(zones)]
    return set(zip(m["adcode"], m["zone_code"], strict=True))


def _benchmark(firms, codes, values, chain, nodes) -> pd.Series:
    """Province value of each node of ``chain`` and ``__other__`` (the rest), each firm once.

    Zones overlap, so summing zones would double count; the province counts every firm with a
    county once (the rows :func:`assign_regions` places in the province); ``codes`` are the
    firms' :func:`county_adcodes`.
    """
    located = codes.notna().to_numpy(dtype=bool)
    mine = located & _is_chain(firms, chain)
    node_total = (
        pd.Series(values[mine])
        .groupby(_take(firms["node"], np.flatnonzero(mine)))
        .sum()
        .reindex(nodes, fill_value=0.0)
    )
    total = float(pd.Series(values[located]).sum())
    return pd.concat([node_total, pd.Series({"__other__": total - float(node_total.sum())})])


def _node_lq(firms, chain, level, frame, base, nodes, regions, membership=None):
    """Region × node matrices of value and firm counts, and LQ against the province.

    Regional totals e_r span all chains in the table; province totals count each firm once.
    """
    values = node_values(firms, base=base).to_numpy()
    e, n, totals, mine = _aggregate(
        firms, _links(firms, level, frame, membership), values, chain, regions, nodes
    )
    bench = _benchmark(firms, county_adcodes(firms), values, chain, nodes)
    lq = metrics.location_quotient(e, region_totals=totals, benchmark=bench)
    return e, n, mine, lq


def _strength(firms, chain, level, frame, base, e, lq, nodes):
    """Strength classes over the regions of the level (province: over its counties)."""
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


def _bottlenecks(g, n, e, regions, crit) -> pd.DataFrame:
    rows = []
    for r in regions:
        present = [x for x in g if n.loc[r, x] > 0]
        for x in present:
            if n.loc[r, x] == 1:
                rows.append(
                    {
                        "region": r,
                        "node": x,
                        "kind": "single_firm",
                        "detail_zh": "该环节在本区域只有1家企业",
                        "detail_en": "only one firm at this node in the region",
                        "value": float(e.loc[r, x]),
                    }
                )
            if x in crit:
                rows.append(
                    {
                        "region": r,
                        "node": x,
                        "kind": crit[x],
                        "detail_zh": "链条关键节点（关节点/必经环节）",
                        "detail_en": f"structurally critical node ({crit[x]})",
                        "value": float(e.loc[r, x]),
                    }
                )
        st = stress_test(g, present, {x: float(e.loc[r, x]) for x in present})
        for rec in st.head(3).itertuples():
            rows.append(
                {
                    "region": r,
                    "node": rec.node,
                    "kind": "stress",
                    "detail_zh": f"失去该环节将切断下游 {rec.n_downstream} 个环节（价值 {rec.value_downstream:,.0f}）"
                    + (
                        f"，终端产品 {', '.join(rec.lost_products)} 失去全部供给"
                        if rec.lost_products
                        else ""
                    ),
                    "detail_en": f"cuts {rec.n_downstream} downstream node(s) worth {rec.value_downstream:,.0f} from their inputs"
                    + (
                        f"; final products {', '.join(rec.lost_products)} lose all supply"
                        if rec.lost_products
                        else ""
                    ),
                    "value": float(rec.value_downstream),
                }
            )
    return pd.DataFrame(rows, columns=["region", "node", "kind", "detail_zh", "detail_en", "value"])


_BRUTE_PAIRS = 250_000  # below this many gap × target pairs, all distances are computed
_SPHERE_KM = 6371.0088  # mean Earth radius (IUGG)
_SPHERE_SLACK = 0.01  # |WGS-84 geodesic / great circle − 1| < 0.5 %: a 1 % margin is safe


def _unit_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _nearest_brute(glon, glat, tlon, tlat, k):
    dist = geodesic_distance_km(glon[:, None], glat[:, None], tlon[None, :], tlat[None, :])
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(dist, order, axis=1)


def _nearest(glon, glat, tlon, tlat, k):
    """Indices and geodesic km of the k nearest targets for each gap point.

    Exact: equal to sorting every geodesic distance (ties broken by target order). Small
    problems compute them all. Large ones ask a k-d tree on the unit sphere for
    m = 4k + 16 candidates by great-circle distance, measure those on the ellipsoid, and keep
    a gap point's answer only if its k-th distance is below (1 − 1 %) × the m-th candidate's
    great-circle distance — every other target is farther than that on the ellipsoid too;
    the rare points that fail the test are measured against all targets.
    """
    n_t = len(tlon)
    k = min(k, n_t)
    m = min(n_t, 4 * k + 16)
    if len(glon) * n_t <= _BRUTE_PAIRS or m == n_t:
        return _nearest_brute(glon, glat, tlon, tlat, k)
    from scipy.spatial import cKDTree

    chord, cand = cKDTree(_unit_xyz(tlon, tlat)).query(_unit_xyz(glon, glat), k=m)
    dist = geodesic_distance_km(
        np.repeat(glon[:, None], m, axis=1),
        np.repeat(glat[:, None], m, axis=1),
        tlon[cand],
        tlat[cand],
    )
    pick = np.lexsort((cand, dist), axis=1)[:, :k]  # by distance, ties by target order
    order, best = np.take_along_axis(cand, pick, axis=1), np.take_along_axis(dist, pick, axis=1)
    bound = 2 * _SPHERE_KM * np.arcsin(np.minimum(chord[:, -1] / 2, 1.0)) * (1 - _SPHERE_SLACK)
    redo = np.flatnonzero(best[:, -1] >= bound)
    if len(redo):
        order[redo], best[redo] = _nearest_brute(glon[redo], glat[redo], tlon, tlat, k)
    return order, best


def _sourcing(table, firms, mine, rt, regions, k, only=None) -> pd.DataFrame:
    """Nearest regions (same level) and firms that have each missing, broken or weak node.

    ``only``: the nodes to compute (default all); ``mine`` must hold their firm links.
    """
    cols = [
        "region",
        "node",
        "kind",
        "target",
        "target_name_zh",
        "target_name_en",
        "target_status",
        "distance_km",
        "lon",
        "lat",
    ]
    pts = rt.set_index("region")
    gaps = table[
        table["region"].isin(regions) & table["status"].isin(["missing", "broken", "weak"])
    ]
    if only is not None:
        gaps = gaps[gaps["node"].isin(only)]
    have = table[table["n_firms"] > 0]
    parts = []
    for node, grp in gaps.groupby("node", sort=False):
        g_codes = grp["region"].to_numpy()
        glon, glat = pts.loc[g_codes, "lon"].to_numpy(), pts.loc[g_codes, "lat"].to_numpy()
        donors = have[have["node"] == node]
        if len(donors):
            d_codes = donors["region"].to_numpy()
            dlon, dlat = pts.loc[d_codes, "lon"].to_numpy(), pts.loc[d_codes, "lat"].to_numpy()
            order, dist = _nearest(glon, glat, dlon, dlat, k + 1)
            same = d_codes[order] == g_codes[:, None]  # a weak region is its own donor: skip it
            for j in range(order.shape[1]):
                pick = order[:, j]
                ok = ~same[:, j]
                parts.append(
                    pd.DataFrame(
                        {
                            "region": g_codes[ok],
                            "node": node,
                            "kind": "region",
                            "rank": j,
                            "target": d_codes[pick][ok],
                            "target_name_zh": donors["region_name_zh"].to_numpy()[pick][ok],
                            "target_name_en": donors["region_name_en"].to_numpy()[pick][ok],
                            "target_status": donors["status"].to_numpy()[pick][ok],
                            "distance_km": dist[:, j][ok].round(1),
                            "lon": dlon[pick][ok],
                            "lat": dlat[pick][ok],
                        }
                    )
                )
        rows = mine.loc[mine["node"] == node, "row"].drop_duplicates().to_numpy()
        geoms = firms.geometry.iloc[rows]
        located = geoms.notna().to_numpy()
        rows, geoms = rows[located], geoms[located]
        if len(rows):
            flon, flat = geoms.x.to_numpy(), geoms.y.to_numpy()
            order, dist = _nearest(glon, glat, flon, flat, k)
            for j in range(order.shape[1]):
                pick = rows[order[:, j]]
                info = _target_info(firms, pick)
                parts.append(
                    pd.DataFrame(
                        {
                            "region": g_codes,
                            "node": node,
                            "kind": "firm",
                            "rank": j,
                            **info,
                            "distance_km": dist[:, j].round(1),
                            "lon": flon[order[:, j]],
                            "lat": flat[order[:, j]],
                        }
                    )
                )
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["region", "node", "kind", "rank"], kind="stable")
    out = out.groupby(["region", "node", "kind"], sort=False).head(k)
    return out[cols].reset_index(drop=True)


def _target_info(firms: gpd.GeoDataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Id, names and status (real / synthetic / hypothetical) of the firms at positions ``rows``."""
    sub = firms.iloc[rows]
    name = sub["name"].astype(str).to_numpy()
    name_en = (
        (sub["name_en"].fillna(sub["name"]) if "name_en" in sub else sub["name"])
        .astype(str)
        .to_numpy()
    )
    syn = (
        sub["synthetic"].fillna(False).astype(bool).to_numpy()
        if "synthetic" in sub
        else np.zeros(len(sub), bool)
    )
    hypo = (
        sub["verification"].astype(str).str.contains("hypothetical").to_numpy()
        if "verification" in sub
        else np.zeros(len(sub), bool)
    )
    return {
        "target": sub["firm_id"].astype(str).to_numpy(),
        "target_name_zh": name,
        "target_name_en": name_en,
        "target_status": np.where(syn, "synthetic", np.where(hypo, "hypothetical", "real")),
    }


def _concentration(
    firms,
    values,
    chain,
    nodes,
    e,
    totals,
    *,
    permutations: int,
    seed: int,
    previous: tuple[np.ndarray, dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], tuple[np.ndarray, dict[str, Any]] | None]:
    """Province-wide concentration of the chain, measured over counties (a partition).

    ``e``/``totals`` are the county × node matrix and all-chain county totals. ``previous`` is
    ``(county chain totals, permutation statistics)`` of an earlier analysis: when the totals
    are unchanged, its spatial Gini, Moran's I, LISA and Gi* results are reused (same seed,
    same numbers). Returns the concentration dict and that pair for the next update.
    """

    counties = region_table("county")["region"].tolist()
    e = e.reindex(index=counties, columns=nodes, fill_value=0.0)
    chain_total = e.sum(axis=1)
    rows = np.flatnonzero(_is_chain(firms, chain))
    located = _links(firms, "county", "2013", None, rows)["row"].to_numpy()
    firm_vals = pd.DataFrame({"industry": _take(firms["node"], located), "value": values[located]})
    out: dict[str, Any] = {
        "measured_over": "county",
        "regions": len(counties),
        "chain_value": _num(float(chain_total.sum())),
    }
    if firm_vals.empty or chain_total.sum() == 0:
        out["note"] = "no firm with a positive value in this chain: concentration undefined"
        return out, None
    hhi_node = metrics.hhi(firm_vals, by="industry", value="value")
    hhi_chain = metrics.hhi(firm_vals.assign(industry=chain), by="industry", value="value")
    eg = metrics.ellison_glaeser(
        e, hhi_node.reindex(nodes), region_totals=totals.reindex(counties, fill_value=0.0)
    )
    out["hhi_chain"] = _num(float(hhi_chain.iloc[0]))
    out["nodes"] = [
        {
            "node": x,
            "hhi": _num(hhi_node.get(x, np.nan)),
            "eg_gamma": _num(eg.loc[x, "gamma"])
            if x in eg.index and "gamma" in eg.columns
            else None,
        }
        for x in nodes
    ]
    out["gini"] = _num(metrics.gini(chain_total))
    circles = frame_membership("2020").set_index("adcode")["zone_code"]
    th = metrics.theil(chain_total, groups=circles.reindex(counties))
    out["theil"] = {k: _num(v) for k, v in th.items()}
    out["theil_partition"] = "2020 economic circles (a partition of the counties)"
    key = chain_total.to_numpy(dtype=float)
    if previous is not None and np.array_equal(previous[0], key):
        spatial = previous[1]
    else:
        spatial = _spatial_statistics(chain_total, permutations=permutations, seed=seed)
    out.update(copy.deepcopy(spatial))
    return out, (key, spatial)


def _spatial_statistics(chain_total: pd.Series, *, permutations: int, seed: int) -> dict[str, Any]:
    """Spatial Gini, global Moran's I, LISA clusters and Gi* hot/cold spots of county totals."""
    from geo.weights import region_weights

    w = region_weights("county")
    out: dict[str, Any] = {}
    sg = metrics.spatial_gini(chain_total, w, permutations=99, seed=seed)
    out["spatial_gini"] = (
        {k: _num(v) for k, v in vars(sg).items()} if hasattr(sg, "__dict__") else _num(sg)
    )
    gm = metrics.global_moran(chain_total, w, permutations=permutations, seed=seed)
    out["moran"] = {k: _num(v) for k, v in vars(gm).items()}
    local_perms = max(permutations, 99)  # local p-values need a permutation reference
    lisa = metrics.local_moran(chain_total, w, permutations=local_perms, seed=seed)
    gi = metrics.getis_ord_gi_star(chain_total, w, permutations=local_perms, seed=seed)
    out["lisa_clusters"] = {str(k): int(v) for k, v in lisa["cluster"].value_counts().items()}
    hot_col = next((c for c in ("spot", "label", "cluster", "class") if c in gi.columns), None)
    if hot_col:
        out["gi_star_spots"] = {str(k): int(v) for k, v in gi[hot_col].value_counts().items()}
        out["hot_spots"] = sorted(
            str(i) for i in gi.index[gi[hot_col].astype(str).str.startswith("hot")]
        )
        out["cold_spots"] = sorted(
            str(i) for i in gi.index[gi[hot_col].astype(str).str.startswith("cold")]
        )
    return out
