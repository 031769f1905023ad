"""Assemble one chain × region deliverable: every list, the summary and both maps.

:func:`build_report` runs the analysis for one chain in one region and gathers node status,
leading and supporting firms, strengths, gaps, bottlenecks, sourcing, siting candidates, k-site
choice, opportunities, the evaluation index, metrics and sources into a :class:`Report`.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geo.maps import STATUS_COLOURS
from layout.analysis import BASES, analyze_chain, node_values
from layout.chains import STAGES, load_chain
from layout.regions import PROVINCE, assign_regions, parse_region, region_table
from layout.reports.annex import sources_annex
from layout.reports.model import STATUS_NAMES, Report, ReportError
from layout.reports.svg import chain_svg, region_svg

__all__ = ["build_report"]


def build_report(
    firms: gpd.GeoDataFrame,
    chain: str,
    region: str,
    *,
    base: str = "employees",
    graph: nx.DiGraph | None = None,
    top_firms: int = 10,
    service_km: float = 50.0,
    indicators: Any = None,
    date: str | None = None,
    panel: Any = None,
    rule: Any = None,
) -> Report:
    """Build the deliverable for ``chain`` in ``region``.

    Parameters
    ----------
    firms
        Firm points (EPSG:4326) of all chains (relatedness and LQ need the whole table).
    chain
        Chain code, e.g. ``LED``.
    region
        County or city adcode, zone code or ``370000``.
    base
        ``employees``, ``output`` or ``firms``.
    top_firms
        How many leading firms: real (non-synthetic) firms first, then the largest by ``base``.
    service_km
        Service radius of the maximal-covering site choice.
    indicators
        Indicator system for the evaluation (DataFrame or CSV path; default the shipped file).
    date
        Date printed on the report (ISO; default today).
    panel
        Firm tables of several years (:class:`layout.monitoring.Panel`, e.g.
        :func:`layout.monitoring.demo_panel`) for the trend of the yearly evaluation: the
        region's value, firms, LQ, completeness, composite index, rank and the verdict of the
        warning and exit rule year by year, and its node status transitions
        (:func:`layout.monitoring.region_trend`). Without it the section says the trend needs
        several years.
    rule
        The warning and exit rule of the trend (:class:`layout.monitoring.MonitoringRule` or a
        rule CSV path; default ``data/evaluation/monitoring_rule.csv``).

    Returns
    -------
    Report

    Raises
    ------
    ReportError
        Listing every bad argument (firms without ``chain``/``node``/base column, unknown chain,
        base or region).

    Examples
    --------
    >>> from layout.demo import demo_firms
    >>> rep = build_report(demo_firms(), "LED", "BLUE")          # doctest: +SKIP
    >>> write_html(rep, "LED_BLUE.html"); write_xlsx(rep, "LED_BLUE.xlsx")  # doctest: +SKIP

    A region without any firm of the chain still gets a report: every node is missing or
    broken, the lists of firms are empty, and sourcing and siting say where to start.
    """
    from layout.chains import chain_codes
    from layout.evaluation import (
        evaluate_index,
        indicator_table,
        load_indicators,
        validate_indicators,
    )
    from layout.opportunities import OpportunityError, rank_opportunities
    from layout.siting import score_candidates, site_k

    problems = []
    if not isinstance(firms, gpd.GeoDataFrame):
        problems.append(
            f"firms must be a GeoDataFrame of points (EPSG:4326), got {type(firms).__name__}"
        )
    else:
        need = ["chain", "node"] + ([base] if base in ("employees", "output") else [])
        missing = [c for c in need if c not in firms.columns]
        if missing:
            problems.append(
                f"firms lacks columns {missing}: import the file with `cluster-atlas import-firms` "
                "or add them"
            )
    if graph is None and chain not in chain_codes():
        problems.append(f"chain={chain!r}: use one of {', '.join(chain_codes())}")
    if base not in BASES:
        problems.append(f"base={base!r}: use one of {', '.join(BASES)}")
    try:
        r = parse_region(region)
    except ValueError as exc:
        problems.append(str(exc))
    if problems:
        raise ReportError(problems)
    g = graph if graph is not None else load_chain(chain)
    a = analyze_chain(firms, chain, region=r.code, base=base, graph=g, permutations=0)
    nodes = a.nodes.copy()
    status = nodes.set_index("node")["status"].to_dict()
    names = region_table(r.level, frame=r.frame).set_index("region").loc[r.code]

    here = _firms_in(firms, chain, r.code, r.level, r.frame, base, g)
    real_first = here.sort_values(
        ["synthetic", "value", "firm_id"],
        ascending=[True, False, True],
        kind="stable",
        na_position="last",
    )
    leading = real_first.head(top_firms)
    supporting = here[~here["firm_id"].isin(leading["firm_id"])].sort_values(
        ["stage_order", "node", "value"],
        ascending=[True, True, False],
        kind="stable",
        na_position="last",
    )
    node_cols = [
        "node",
        "name_zh",
        "name_en",
        "stage",
        "status",
        "n_firms",
        "value",
        "lq",
        "reason_zh",
        "reason_en",
    ]
    gaps = nodes[nodes["status"].isin(["missing", "broken"])]

    siting_rows, site_rows, notes = [], [], []
    for node in gaps["node"]:
        cand = score_candidates(firms, chain, node, region=r.code, graph=g)
        siting_rows.append(
            cand.head(3).assign(
                node=node,
                node_name_zh=g.nodes[node]["name_zh"],
                node_name_en=g.nodes[node]["name_en"],
            )
        )
        for method in ("p-median", "mclp"):
            try:
                res = site_k(
                    firms,
                    chain,
                    node,
                    region=r.code,
                    k=1,
                    method=method,
                    base=base,
                    service_km=service_km,
                    graph=g,
                )
            except ValueError as exc:
                notes.append(f"{node} {method}: {exc}")
                continue
            for rec in res.sites.to_dict("records"):
                site_rows.append(
                    {
                        "node": node,
                        "node_name_zh": g.nodes[node]["name_zh"],
                        "node_name_en": g.nodes[node]["name_en"],
                        "method": method,
                        "adcode": rec["adcode"],
                        "name_zh": rec["name_zh"],
                        "name_en": rec["name_en"],
                        "demand_kind": res.demand_kind,
                        "demand_nodes": ";".join(res.demand_nodes),
                        "n_demand": len(res.demand),
                        "objective": round(res.objective, 1),
                        "mean_km": rec["mean_km"],
                        "covered_weight_share": round(res.covered_weight_share, 3),
                        "service_km": service_km,
                    }
                )
            notes.extend(f"{node} {method}: {n}" for n in res.notes)
    siting = (
        pd.concat(siting_rows, ignore_index=True)
        if siting_rows
        else pd.DataFrame(columns=["node", "rank", "adcode", "name_zh", "name_en", "score"])
    )
    sourcing = (
        a.sourcing[a.sourcing["region"] == r.code]
        .drop(columns="region")
        .merge(
            nodes[["node", "name_zh", "name_en", "status"]].rename(
                columns={"name_zh": "node_name_zh", "name_en": "node_name_en"}
            ),
            on="node",
        )
    )
    try:
        opps = rank_opportunities(firms, r.code, base=base, chains=[chain])
    except OpportunityError as exc:  # a user graph whose chain is not among the templates
        opps = pd.DataFrame(columns=["rank", "item", "name_zh", "name_en", "opportunity"])
        notes.append(f"opportunities: {exc}")
    table = indicator_table(firms, chain, level=r.level, frame=r.frame, base=base, graph=g)
    ind = (
        load_indicators(indicators)
        if indicators is None or isinstance(indicators, str | os.PathLike)
        else validate_indicators(indicators, table=table)
    )
    evaluation = evaluate_index(table, ind)
    me = evaluation.loc[r.code]
    ind_row = table.loc[r.code]

    trend_years, trend_changes, trend_chart, trend_info = _trend(
        panel, chain, r.code, base=base, indicators=indicators, rule=rule, graph=g
    )
    counts = nodes["status"].value_counts().reindex(list(STATUS_COLOURS), fill_value=0).to_dict()
    summary = {
        "firms": len(here),
        "real_firms": int((~here["synthetic"]).sum()),
        "value": float(here["value"].sum(min_count=0)),
        "completeness": float(a.completeness.get(r.code, np.nan)),
        "n_nodes": len(nodes),
        **{f"n_{k}": int(v) for k, v in counts.items()},
        "chain_lq": float(ind_row["chain_lq"]),
        "firm_hhi": float(ind_row["firm_hhi"]),
        "linkage": float(ind_row["linkage"]),
        "gap_distance_km": float(ind_row["gap_distance_km"]),
        "composite": float(me["composite"]),
        "rank": int(me["rank"]),
        "n_ranked": len(evaluation),
        "band": str(me["band"]),
        "rule": evaluation.attrs.get("rule", ""),
        **trend_info,
    }
    lists = {
        "leading_firms": leading[_FIRM_COLS].reset_index(drop=True),
        "strengths": nodes[nodes["status"] == "strong"][node_cols].reset_index(drop=True),
        "nodes": nodes[node_cols].reset_index(drop=True),
        "supporting_firms": supporting[_FIRM_COLS].reset_index(drop=True),
        "gaps": gaps[node_cols].reset_index(drop=True),
        "bottlenecks": a.bottlenecks[a.bottlenecks["region"] == r.code]
        .drop(columns="region")
        .merge(nodes[["node", "name_zh", "name_en"]], on="node", how="left")
        .reset_index(drop=True),
        "targets": _targets(nodes, summary),
        "sourcing": sourcing.reset_index(drop=True),
        "siting": siting,
        "sites": pd.DataFrame(site_rows),
        "opportunities": opps,
        "evaluation": evaluation.reset_index(),
        "trend": trend_years,
        "trend_transitions": trend_changes,
        "indicators": ind.reset_index(drop=True),
        "metrics": _metrics(summary, a.concentration, base, r.level),
        "sources": sources_annex(firms, here, g, r, gaps),
    }
    edges = pd.DataFrame(
        [
            {
                "source": u,
                "target": v,
                "relation": d.get("relation", ""),
                "source_status": status.get(u),
                "target_status": status.get(v),
            }
            for u, v, d in g.edges(data=True)
        ]
    )
    synthetic = bool(a.data.get("synthetic_in_use"))
    return Report(
        chain=chain,
        chain_name_zh=str(g.graph.get("name_zh", chain)),
        chain_name_en=str(g.graph.get("name_en", chain)),
        region=r.code,
        region_name_zh=str(names["name_zh"]),
        region_name_en=str(names["name_en"]),
        level=r.level,
        frame=r.frame,
        base=base,
        generated=date or _dt.date.today().isoformat(),
        synthetic=synthetic,
        summary=summary,
        lists=lists,
        edges=edges,
        chain_svg=chain_svg(g, nodes),
        map_svg=region_svg(r.code, here, siting=siting, sourcing=sourcing, frame=r.frame),
        notes=notes,
        trend_svg=trend_chart,
    )


def _trend(
    panel: Any, chain: str, code: str, *, base: str, indicators: Any, rule: Any, graph: nx.DiGraph
) -> tuple[pd.DataFrame, pd.DataFrame, str, dict[str, Any]]:
    """The yearly-evaluation trend of the region (tables, SVG, summary keys), or empty ones."""
    if panel is None:
        empty = pd.DataFrame(columns=list(_TREND_COLS)), pd.DataFrame(columns=list(_CHANGE_COLS))
        return *empty, "", {"trend_years": None}
    from layout.monitoring import region_trend, trend_svg

    tr = region_trend(panel, chain, code, base=base, indicators=indicators, rule=rule, graph=graph)
    changes = tr.transitions.assign(
        change=[
            f"{STATUS_NAMES[a][0]} {a} → {STATUS_NAMES[b][0]} {b}"
            for a, b in zip(tr.transitions["from_status"], tr.transitions["to_status"], strict=True)
        ]
    )
    last = tr.years.iloc[-1]
    verdict = last.get("verdict")
    info = {
        "trend_years": f"{int(tr.years['year'].iloc[0])}–{int(last['year'])}",
        "trend_verdict": None if pd.isna(verdict) else str(verdict),
        "trend_run": None if pd.isna(last.get("run")) else int(last["run"]),
        "trend_rule_zh": tr.rule["text_zh"],
        "trend_rule_en": tr.rule["text_en"],
        "trend_rule_source": tr.rule["source"],
        "trend_cagr_value": float(tr.growth["cagr_value"]),
    }
    return tr.years, changes, trend_svg(tr), info


_TREND_COLS = (
    "year", "value", "n_firms", "lq", "completeness", "entries", "exits", "composite", "rank",
    "n_ranked", "rank_change", "band", "run", "verdict", "verdict_zh", "verdict_en", "reason_zh",
    "reason_en",
)  # fmt: skip
_CHANGE_COLS = (
    "year", "node", "name_zh", "name_en", "from_status", "to_status", "kind", "kind_zh",
    "kind_en", "change", "reason_zh", "reason_en", "firm_ids",
)  # fmt: skip


_FIRM_COLS = [
    "firm_id",
    "name",
    "name_en",
    "node",
    "node_name_zh",
    "node_name_en",
    "stage",
    "employees",
    "output",
    "value",
    "adcode",
    "county_zh",
    "synthetic",
    "location_quality",
    "source",
    "verification",
    "evidence",
]


def _firms_in(
    firms: gpd.GeoDataFrame, chain: str, code: str, level: str, frame: str, base: str, g: nx.DiGraph
) -> gpd.GeoDataFrame:
    """The chain's firms in the region, with value on ``base`` and node names."""
    from geo.boundaries import load_counties

    mine = firms[firms["chain"] == chain]
    if code != PROVINCE:
        links = assign_regions(mine, level=level, frame=frame)
        mine = mine.iloc[sorted(set(links.loc[links["region"] == code, "row"]))]
    out = mine.copy()
    # the figure on the base as published: NaN stays NaN (real anchors have none), so lists show "—"
    out["value"] = (
        node_values(out, base=base)
        if base == "firms"
        else pd.to_numeric(out[base], errors="coerce").clip(lower=0.0)
    ).to_numpy()
    if "synthetic" not in out:
        out["synthetic"] = False
    out["synthetic"] = out["synthetic"].fillna(False).astype(bool)
    for col in (
        "name_en",
        "employees",
        "output",
        "adcode",
        "location_quality",
        "source",
        "verification",
    ):
        if col not in out:
            out[col] = None
    out["name_en"] = out["name_en"].fillna(out["name"])
    # a real firm without an evidence level (e.g. a user's own list) reads as "none": 待核实
    if "evidence" not in out:
        out["evidence"] = None
    out["evidence"] = out["evidence"].astype(object).where(out["evidence"].notna(), None)
    out.loc[~out["synthetic"] & out["evidence"].isna(), "evidence"] = "none"
    attrs = {n: g.nodes[n] for n in g}
    out["node_name_zh"] = [attrs.get(n, {}).get("name_zh", n) for n in out["node"]]
    out["node_name_en"] = [attrs.get(n, {}).get("name_en", n) for n in out["node"]]
    out["stage"] = [attrs.get(n, {}).get("stage", "") for n in out["node"]]
    out["stage_order"] = [STAGES.index(s) if s in STAGES else 9 for s in out["stage"]]
    if out["adcode"].isna().any() and len(out):
        from layout.regions import ensure_adcode

        out["adcode"] = ensure_adcode(out)["adcode"].to_numpy()
    county = load_counties().set_index("adcode")["name_zh"]
    out["county_zh"] = out["adcode"].map(lambda x: county.get(str(x), "") if pd.notna(x) else "")
    out["firm_id"] = (
        out["firm_id"].astype(str) if "firm_id" in out else [f"row{i}" for i in range(len(out))]
    )
    return out


def _targets(nodes: pd.DataFrame, s: dict[str, Any]) -> pd.DataFrame:
    """Development targets that follow from the analysis (completeness, strength, evaluation)."""
    gaps = nodes[nodes["status"].isin(["missing", "broken"])]
    weak = nodes[nodes["status"] == "weak"]
    rows = [
        {
            "target_zh": "补齐缺失与断链环节",
            "target_en": "Fill missing and broken nodes",
            "current": f"{s['completeness']:.2f}",
            "goal": "1.00",
            "detail_zh": "、".join(gaps["name_zh"]) or "无",
            "detail_en": ", ".join(gaps["name_en"]) or "none",
        },
        {
            "target_zh": "弱环节提升为强环节",
            "target_en": "Raise weak nodes to strong",
            "current": f"{s['n_strong']}/{s['n_nodes']}",
            "goal": f"{s['n_strong'] + len(weak)}/{s['n_nodes']}",
            "detail_zh": "、".join(weak["name_zh"]) or "无",
            "detail_en": ", ".join(weak["name_en"]) or "none",
        },
        {
            "target_zh": "年度评价不在预警区",
            "target_en": "Stay out of the warning band",
            "current": f"{s['rank']}/{s['n_ranked']} ({s['band']})",
            "goal": "ok",
            "detail_zh": s["rule"],
            "detail_en": s["rule"],
        },
    ]
    return pd.DataFrame(rows)


def _metrics(s: dict[str, Any], conc: dict[str, Any], base: str, level: str) -> pd.DataFrame:
    moran = conc.get("moran", {}) if isinstance(conc.get("moran"), dict) else {}
    rows = [
        (
            "firms",
            "链上企业数",
            "Firms in the chain",
            s["firms"],
            "region",
            "located firms of the chain in the region",
        ),
        (
            "real_firms",
            "其中真实企业",
            "of which real (not synthetic)",
            s["real_firms"],
            "region",
            "anchor firms from public sources",
        ),
        (
            "value",
            f"规模（{base}）",
            f"Size ({base})",
            s["value"],
            "region",
            "firms without the figure add 0",
        ),
        (
            "completeness",
            "链条完整度",
            "Chain completeness",
            s["completeness"],
            "region",
            "Σ w·present / Σ w",
        ),
        (
            "n_strong",
            "强环节数",
            "Strong nodes",
            s["n_strong"],
            "region",
            "LQ and size quartiles among the regions where the node is present",
        ),
        ("n_weak", "弱环节数", "Weak nodes", s["n_weak"], "region", ""),
        ("n_missing", "缺失环节数", "Missing nodes", s["n_missing"], "region", ""),
        (
            "n_broken",
            "断链环节数",
            "Broken nodes",
            s["n_broken"],
            "region",
            "missing and structurally critical",
        ),
        (
            "chain_lq",
            "链条区位商",
            "Chain LQ",
            s["chain_lq"],
            "region",
            "(e_chain,r/e_r)/(E_chain/E)",
        ),
        (
            "linkage",
            "产业关联度（链内配套率）",
            "Supply-link coverage",
            s["linkage"],
            "region",
            "edges with both ends present / edges",
        ),
        ("firm_hhi", "企业集中度HHI", "Firm HHI", s["firm_hhi"], "region", "Σ_k (e_k/e)²"),
        (
            "gap_distance_km",
            "补链距离（km）",
            "Distance to fill gaps (km)",
            s["gap_distance_km"],
            "region",
            "geodesic",
        ),
        ("composite", "评价综合得分", "Index composite", s["composite"], level, s["rule"]),
        ("rank", "评价排名", "Index rank", f"{s['rank']}/{s['n_ranked']}", level, ""),
        ("band", "评价分区", "Band", s["band"], level, ""),
        (
            "hhi_chain",
            "全省企业集中度HHI",
            "Province firm HHI",
            conc.get("hhi_chain"),
            "province",
            "over counties",
        ),
        (
            "gini",
            "全省基尼系数",
            "Province Gini (counties)",
            conc.get("gini"),
            "province",
            "PySAL inequality",
        ),
        (
            "moran_i",
            "全省Moran's I",
            "Province Moran's I",
            moran.get("I"),
            "province",
            "queen contiguity, counties",
        ),
    ]
    return pd.DataFrame(rows, columns=["metric", "name_zh", "name_en", "value", "scope", "note"])
