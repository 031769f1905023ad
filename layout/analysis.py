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
from layout.regions import PROVINCE, assign_regions, ensure_adcode, parse_region, region_table

__all__ = ["BASES", "ChainAnalysis", "analyze_chain", "node_values"]

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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (see README, "analyze --json")."""
        regions = []
        names = region_table(self.level, frame=self.frame).set_index("region")
        for code in self.regions:
            nodes = self.nodes[self.nodes["region"] == code].drop(columns=["region", "region_name_zh", "region_name_en"])
            regions.append({
                "region": code,
                "name_zh": str(names.loc[code, "name_zh"]),
                "name_en": str(names.loc[code, "name_en"]),
                "completeness": _num(self.completeness.get(code, np.nan)),
                "nodes": _records(nodes),
                "bottlenecks": _records(self.bottlenecks[self.bottlenecks["region"] == code].drop(columns="region")),
                "sourcing": _records(self.sourcing[self.sourcing["region"] == code].drop(columns="region")),
            })
        return {
            "chain": {"code": self.chain, "name_zh": self.name_zh, "name_en": self.name_en},
            "level": self.level, "frame": self.frame, "base": self.base,
            "structure": self.structure, "concentration": self.concentration,
            "data": self.data, "regions": regions,
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
    return [{k: (_num(v) if not isinstance(v, list) else v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def node_values(firms: pd.DataFrame, *, base: str) -> pd.Series:
    """Per-firm value on ``base`` (``firms`` = 1 each; missing figures = 0)."""
    if base not in BASES:
        raise AnalysisError(f"unknown base {base!r}: use one of {', '.join(BASES)}")
    if base == "firms":
        return pd.Series(1.0, index=firms.index)
    return pd.to_numeric(firms[base], errors="coerce").fillna(0.0).clip(lower=0.0)


def _matrices(firms: gpd.GeoDataFrame, chain: str, level: str, frame: str, base: str, regions: list[str],
              membership: pd.DataFrame | None = None):
    links = assign_regions(firms, level=level, frame=frame, membership=membership)
    value = node_values(firms, base=base).to_numpy()
    links = links.assign(value=value[links["row"].to_numpy()],
                         chain=firms["chain"].to_numpy()[links["row"].to_numpy()],
                         node=firms["node"].to_numpy()[links["row"].to_numpy()])
    totals = links.groupby("region")["value"].sum().reindex(regions, fill_value=0.0)
    mine = links[links["chain"] == chain]
    e = mine.pivot_table(index="region", columns="node", values="value", aggfunc="sum", fill_value=0.0)
    n = mine.pivot_table(index="region", columns="node", values="row", aggfunc="count", fill_value=0)
    return e, n, totals, mine


def _reason(status: str, n_firms: int, value: float, lq: float, cls: str, crit: str | None,
            base: str, cutoff: float | None) -> tuple[str, str]:
    unit = {"employees": ("从业人数", "employees"), "output": ("产值(万元)", "output (10k yuan)"),
            "firms": ("企业数", "firms")}[base]
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
        return (f"{n_firms}家企业，但无{unit[0]}数据（真实骨干企业不公开数据）：存在，强弱无法判断",
                f"{n_firms} firm(s) present but without {unit[1]} figures (real anchor firms publish none): "
                "present, strength cannot be judged")
    lq_txt = f"{lq:.3f}" if np.isfinite(lq) and abs(lq - 1) < 0.005 else f"{lq:.2f}"
    size_zh = f"{n_firms}家企业，{unit[0]} {value:,.0f}，区位商 {lq_txt}"
    size_en = f"{n_firms} firm(s), {unit[1]} {value:,.0f}, LQ {lq_txt}"
    if status == "strong":
        return (f"{size_zh}；区位商处于本级区域前四分之一且≥1，规模不在末四分之一（{cls}）",
                f"{size_en}; LQ in the top quartile of regions at this level and ≥ 1, size above the bottom quartile ({cls})")
    if not np.isfinite(lq) or lq < 1:
        why_zh, why_en = "区位商低于1", "LQ below 1"
    elif cutoff is not None and lq < cutoff:
        why_zh, why_en = f"区位商未进入前四分之一（门槛 {cutoff:.2f}）", f"LQ not in the top quartile (cut-off {cutoff:.2f})"
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
    """
    if base not in BASES:
        raise AnalysisError(f"unknown base {base!r}: use one of {', '.join(BASES)}")
    if region is not None:
        parsed = parse_region(region)
        if level is not None and level != parsed.level:
            raise AnalysisError(f"region {region!r} is a {parsed.level}, not a {level}: drop --level or fix it")
        level, frame = parsed.level, parsed.frame
    level = level or "county"
    firms = ensure_adcode(firms)  # join once; every region assignment below reuses the codes
    membership = membership if level == "zone" else None
    edited = membership is not None and _pairs(membership, frame) != _pairs(frame_membership(frame), frame)
    g = graph if graph is not None else load_chain(chain)
    rt = region_table(level, frame=frame)
    all_regions = rt["region"].tolist()
    nodes = sorted(g.nodes, key=lambda x: (_STAGES.get(g.nodes[x]["stage"], 9), x))
    e, n, mine, lq = _node_lq(firms, chain, level, frame, base, nodes, all_regions, membership)

    classes, cutoffs, notes = _strength(firms, chain, level, frame, base, e, lq, nodes)
    crit = critical_nodes(g)
    rows = []
    for r in all_regions:
        for node in nodes:
            cnt = int(n.loc[r, node])
            val = float(e.loc[r, node])
            q = float(lq.loc[r, node]) if pd.notna(lq.loc[r, node]) else float("nan")
            cls = str(classes.loc[r, node])
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
            rows.append({"region": r, "node": node, "stage": attrs["stage"], "name_zh": attrs["name_zh"],
                         "name_en": attrs["name_en"], "status": status, "status_zh": _STATUS_ZH[status],
                         "reason_zh": zh, "reason_en": en, "n_firms": cnt, "value": val, "lq": q,
                         "strength_class": cls, "weight": float(attrs.get("weight", 1.0))})
    table = pd.DataFrame(rows).merge(rt[["region", "name_zh", "name_en"]].rename(
        columns={"name_zh": "region_name_zh", "name_en": "region_name_en"}), on="region", how="left")
    presence = n > 0
    comp = completeness(presence, {x: float(g.nodes[x].get("weight", 1.0)) for x in nodes})

    wanted = [region] if region is not None else all_regions
    bottle = _bottlenecks(g, n, e, wanted, crit)
    sourcing = _sourcing(table, firms, mine, rt, wanted, k_nearest)
    conc = _concentration(firms, chain, base, nodes, permutations=permutations, seed=seed)
    keep = table["region"].isin(wanted)
    synthetic = bool(firms["synthetic"].fillna(False).astype(bool).any()) if "synthetic" in firms else False
    return ChainAnalysis(
        chain=chain, name_zh=str(g.graph.get("name_zh", chain)), name_en=str(g.graph.get("name_en", chain)),
        level=level, frame=frame, base=base, regions=wanted,
        nodes=table[keep].reset_index(drop=True), completeness=comp.reindex(wanted),
        concentration=conc, bottlenecks=bottle, sourcing=sourcing,
        structure={"nodes": len(g), "edges": g.number_of_edges(),
                   "critical": [{"node": k, "kind": v} for k, v in crit.items()],
                   "strong_cutoffs_lq": {k: _num(v) for k, v in cutoffs.items()}},
        data={"firms": len(firms), "chain_firms": int((firms["chain"] == chain).sum()),
              "synthetic_in_use": synthetic}
        | ({"membership": "edited" if edited else "shipped"} if level == "zone" else {}),
    )


def _pairs(membership: pd.DataFrame, frame: str) -> set[tuple[str, str]]:
    """(adcode, zone) pairs of the zones of ``frame`` in a membership table."""
    zones = set(region_table("zone", frame=frame)["region"])
    m = membership[membership["zone_code"].isin(zones)]
    return set(zip(m["adcode"], m["zone_code"], strict=True))


def _node_lq(firms, chain, level, frame, base, nodes, regions, membership=None):
    """Region × node matrices of value and firm counts, and LQ against the province.

    Regional totals e_r span all chains in the table; province totals count each firm once
    (zones overlap, so summing zones would double count).
    """
    e, n, totals, mine = _matrices(firms, chain, level, frame, base, regions, membership)
    e = e.reindex(index=regions, columns=nodes, fill_value=0.0).astype(float)
    n = n.reindex(index=regions, columns=nodes, fill_value=0).astype(int)
    values = node_values(firms, base=base)
    located = assign_regions(firms, level="province")["row"].to_numpy()
    in_prov = pd.DataFrame({"chain": firms["chain"].to_numpy()[located], "node": firms["node"].to_numpy()[located],
                            "v": values.to_numpy()[located]})
    node_total = in_prov[in_prov["chain"] == chain].groupby("node")["v"].sum().reindex(nodes, fill_value=0.0)
    benchmark = pd.concat([node_total, pd.Series({"__other__": float(in_prov["v"].sum() - node_total.sum())})])
    lq = metrics.location_quotient(e, region_totals=totals, benchmark=benchmark)
    return e, n, mine, lq


def _strength(firms, chain, level, frame, base, e, lq, nodes):
    """Strength classes over the regions of the level (province: over its counties)."""
    if level == "province":
        counties = region_table("county")["region"].tolist()
        ce, _, _, clq = _node_lq(firms, chain, "county", frame, base, nodes, counties)
        county = metrics.strength_classes(ce, lq=clq)
        n_strong = county.groupby("industry")["strong"].sum().reindex(nodes, fill_value=0).astype(int)
        cls = pd.DataFrame([["strong" if n_strong[x] > 0 else "present" for x in nodes]], index=[PROVINCE], columns=nodes)
        notes = {x: (f"在{n_strong[x]}个县级单元为强（美国集群图谱法）", f"strong in {n_strong[x]} county-level unit(s) (U.S. Cluster Mapping rule)")
                 if n_strong[x] > 0 else ("没有县级单元达到强集群标准", "no county-level unit is strong at this node") for x in nodes}
        return cls, {}, notes
    nonempty = e.sum(axis=1) >= 0
    sc = metrics.strength_classes(e[nonempty], lq=lq[nonempty])
    cls = sc.pivot_table(index="region", columns="industry", values="class", aggfunc="first").reindex(
        index=e.index, columns=nodes).fillna("absent")
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
                rows.append({"region": r, "node": x, "kind": "single_firm",
                             "detail_zh": "该环节在本区域只有1家企业", "detail_en": "only one firm at this node in the region",
                             "value": float(e.loc[r, x])})
            if x in crit:
                rows.append({"region": r, "node": x, "kind": crit[x],
                             "detail_zh": "链条关键节点（关节点/必经环节）", "detail_en": f"structurally critical node ({crit[x]})",
                             "value": float(e.loc[r, x])})
        st = stress_test(g, present, {x: float(e.loc[r, x]) for x in present})
        for rec in st.head(3).itertuples():
            rows.append({"region": r, "node": rec.node, "kind": "stress",
                         "detail_zh": f"失去该环节将切断下游 {rec.n_downstream} 个环节（价值 {rec.value_downstream:,.0f}）"
                                      + (f"，终端产品 {', '.join(rec.lost_products)} 失去全部供给" if rec.lost_products else ""),
                         "detail_en": f"cuts {rec.n_downstream} downstream node(s) worth {rec.value_downstream:,.0f} from their inputs"
                                      + (f"; final products {', '.join(rec.lost_products)} lose all supply" if rec.lost_products else ""),
                         "value": float(rec.value_downstream)})
    return pd.DataFrame(rows, columns=["region", "node", "kind", "detail_zh", "detail_en", "value"])


def _nearest(glon, glat, tlon, tlat, k):
    """Indices and geodesic km of the k nearest targets for each gap point (broadcast)."""
    dist = geodesic_distance_km(glon[:, None], glat[:, None], tlon[None, :], tlat[None, :])
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(dist, order, axis=1)


def _sourcing(table, firms, mine, rt, regions, k) -> pd.DataFrame:
    """Nearest regions (same level) and firms that have each missing, broken or weak node."""
    cols = ["region", "node", "kind", "target", "target_name_zh", "target_name_en", "target_status",
            "distance_km", "lon", "lat"]
    pts = rt.set_index("region")
    gaps = table[table["region"].isin(regions) & table["status"].isin(["missing", "broken", "weak"])]
    have = table[table["n_firms"] > 0]
    names_en = firms["name_en"].fillna(firms["name"]) if "name_en" in firms else firms["name"]
    syn = firms["synthetic"].fillna(False).astype(bool).to_numpy() if "synthetic" in firms else np.zeros(len(firms), bool)
    hypo = (firms["verification"].astype(str).str.contains("hypothetical").to_numpy()
            if "verification" in firms else np.zeros(len(firms), bool))
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
                parts.append(pd.DataFrame({
                    "region": g_codes[ok], "node": node, "kind": "region", "rank": j,
                    "target": d_codes[pick][ok], "target_name_zh": donors["region_name_zh"].to_numpy()[pick][ok],
                    "target_name_en": donors["region_name_en"].to_numpy()[pick][ok],
                    "target_status": donors["status"].to_numpy()[pick][ok], "distance_km": dist[:, j][ok].round(1),
                    "lon": dlon[pick][ok], "lat": dlat[pick][ok]}))
        rows = mine.loc[mine["node"] == node, "row"].drop_duplicates().to_numpy()
        geoms = firms.geometry.iloc[rows]
        located = geoms.notna().to_numpy()
        rows, geoms = rows[located], geoms[located]
        if len(rows):
            flon, flat = geoms.x.to_numpy(), geoms.y.to_numpy()
            order, dist = _nearest(glon, glat, flon, flat, k)
            for j in range(order.shape[1]):
                pick = rows[order[:, j]]
                parts.append(pd.DataFrame({
                    "region": g_codes, "node": node, "kind": "firm", "rank": j,
                    "target": firms["firm_id"].astype(str).to_numpy()[pick],
                    "target_name_zh": firms["name"].astype(str).to_numpy()[pick],
                    "target_name_en": names_en.astype(str).to_numpy()[pick],
                    "target_status": np.where(syn[pick], "synthetic", np.where(hypo[pick], "hypothetical", "real")),
                    "distance_km": dist[:, j].round(1), "lon": flon[order[:, j]], "lat": flat[order[:, j]]}))
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["region", "node", "kind", "rank"], kind="stable")
    out = out.groupby(["region", "node", "kind"], sort=False).head(k)
    return out[cols].reset_index(drop=True)


def _concentration(firms, chain, base, nodes, *, permutations: int, seed: int) -> dict[str, Any]:
    """Province-wide concentration of the chain, measured over counties (a partition)."""
    from geo.weights import region_weights

    counties = region_table("county")["region"].tolist()
    e, _, totals, mine = _matrices(firms, chain, "county", "2013", base, counties)
    e = e.reindex(index=counties, columns=nodes, fill_value=0.0)
    chain_total = e.sum(axis=1)
    firm_vals = mine.drop_duplicates("row")[["node", "value"]].rename(columns={"node": "industry"})
    out: dict[str, Any] = {"measured_over": "county", "regions": len(counties),
                           "chain_value": _num(float(chain_total.sum()))}
    if firm_vals.empty or chain_total.sum() == 0:
        out["note"] = "no firm with a positive value in this chain: concentration undefined"
        return out
    hhi_node = metrics.hhi(firm_vals, by="industry", value="value")
    hhi_chain = metrics.hhi(firm_vals.assign(industry=chain), by="industry", value="value")
    eg = metrics.ellison_glaeser(e, hhi_node.reindex(nodes), region_totals=totals.reindex(counties, fill_value=0.0))
    out["hhi_chain"] = _num(float(hhi_chain.iloc[0]))
    out["nodes"] = [{"node": x, "hhi": _num(hhi_node.get(x, np.nan)),
                     "eg_gamma": _num(eg.loc[x, "gamma"]) if x in eg.index and "gamma" in eg.columns else None}
                    for x in nodes]
    out["gini"] = _num(metrics.gini(chain_total))
    w = region_weights("county")
    circles = frame_membership("2020").set_index("adcode")["zone_code"]
    th = metrics.theil(chain_total, groups=circles.reindex(counties))
    out["theil"] = {k: _num(v) for k, v in th.items()}
    out["theil_partition"] = "2020 economic circles (a partition of the counties)"
    sg = metrics.spatial_gini(chain_total, w, permutations=99, seed=seed)
    out["spatial_gini"] = {k: _num(v) for k, v in vars(sg).items()} if hasattr(sg, "__dict__") else _num(sg)
    gm = metrics.global_moran(chain_total, w, permutations=permutations, seed=seed)
    out["moran"] = {k: _num(v) for k, v in vars(gm).items()}
    local_perms = max(permutations, 99)  # local p-values need a permutation reference
    lisa = metrics.local_moran(chain_total, w, permutations=local_perms, seed=seed)
    gi = metrics.getis_ord_gi_star(chain_total, w, permutations=local_perms, seed=seed)
    out["lisa_clusters"] = {str(k): int(v) for k, v in lisa["cluster"].value_counts().items()}
    hot_col = next((c for c in ("spot", "label", "cluster", "class") if c in gi.columns), None)
    if hot_col:
        out["gi_star_spots"] = {str(k): int(v) for k, v in gi[hot_col].value_counts().items()}
        out["hot_spots"] = sorted(str(i) for i in gi.index[gi[hot_col].astype(str).str.startswith("hot")])
        out["cold_spots"] = sorted(str(i) for i in gi.index[gi[hot_col].astype(str).str.startswith("cold")])
    return out
