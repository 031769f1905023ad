"""Siting: candidate counties for a missing chain node, with every score part, and k new sites.

The scores and the k-site solutions come from :mod:`layout.siting` (``score_candidates`` and
``site_k``, PySAL spopt p-median and maximal covering on geodesic km); this page only picks the
inputs, shows the tables and maps, and offers the results as CSV.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from atlas_app import loaders, state
from atlas_app.basemap_ui import current_basemap
from atlas_app.i18n import name, t
from atlas_app.loaders import build_map
from atlas_app.map_view import show_map
from atlas_app.page_coverage import table_bytes
from atlas_app.planning_ui import (
    chain_picker,
    planning_region_picker,
    region_shape,
    show_problems,
    zone_layer,
)
from geo.maps import DEFAULT_TOLERANCE, Choropleth

__all__ = [
    "candidate_view",
    "node_order",
    "page_siting",
    "site_layers",
    "site_table",
    "sites_summary",
]

_GAP_FIRST = {"broken": 0, "missing": 1, "weak": 2, "strong": 3}
_PARTS = ("neighbours", "htz", "buyers", "suppliers")
_MAP_HEIGHT = 480


def node_order(nodes: pd.DataFrame) -> list[str]:
    """Node ids of one region, broken and missing first (then weak, strong), chain order within."""
    ranked = nodes.assign(_o=nodes["status"].map(_GAP_FIRST).fillna(9), _i=range(len(nodes)))
    return ranked.sort_values(["_o", "_i"], kind="stable")["node"].tolist()


def candidate_view(scores: pd.DataFrame, graph: Any, lang: str) -> pd.DataFrame:
    """The candidate table as shown: code, county, score, the four parts, raw parts, reason."""

    def node_names(ids: str) -> str:
        sep = "、" if lang == "zh" else ", "
        key = "name_zh" if lang == "zh" else "name_en"
        return sep.join(
            str(graph.nodes[n].get(key, n)) if n in graph else n for n in str(ids).split(";") if n
        )

    htz = scores["htz_names" if lang == "zh" else "htz_names_en"].fillna("").str.replace(";", "; ")
    return pd.DataFrame(
        {
            t("pl_rank", lang): scores["rank"].to_numpy(),
            t("code", lang): scores["adcode"].to_numpy(),
            t("sit_county", lang): [
                name(a, b, lang) for a, b in zip(scores["name_zh"], scores["name_en"], strict=True)
            ],
            t("sit_score", lang): scores["score"].to_numpy(),
            **{t(f"sit_s_{p}", lang): scores[f"s_{p}"].to_numpy() for p in _PARTS},
            t("sit_neighbours_present", lang): [
                node_names(v) for v in scores["neighbours_present"]
            ],
            t("sit_htz_names", lang): htz.to_numpy(),
            t("sit_dist_buyers", lang): scores["dist_buyers_km"].to_numpy(),
            t("sit_dist_suppliers", lang): scores["dist_suppliers_km"].to_numpy(),
            t("sit_n_at_node", lang): scores["n_at_node"].to_numpy(),
            t("reason", lang): scores["reason_zh" if lang == "zh" else "reason_en"].to_numpy(),
        }
    )


def sites_summary(solutions: dict[str, Any], lang: str) -> pd.DataFrame:
    """One row per method: chosen counties, objective, covered weight share, covered firms share."""
    rows = []
    for method, res in solutions.items():
        names = [
            name(a, b, lang)
            for a, b in zip(res.sites["name_zh"], res.sites["name_en"], strict=True)
        ]
        covered = float(res.demand["covered"].mean()) if len(res.demand) else float("nan")
        rows.append(
            {
                t("sit_method", lang): t(f"sit_method_{method}", lang),
                t("sit_chosen", lang): "; ".join(names),
                t("code", lang): "; ".join(res.sites["adcode"].astype(str)),
                t("sit_objective", lang): round(float(res.objective), 1),
                t("sit_objective_unit", lang): t(f"sit_objective_{method}", lang),
                t("sit_covered_weight", lang): round(float(res.covered_weight_share), 3),
                t("sit_covered_firms", lang): round(covered, 3),
                t("sit_n_demand", lang): len(res.demand),
            }
        )
    return pd.DataFrame(rows)


def site_table(sites: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The chosen sites of both methods as shown: method, rank, code, county, demand served, mean km."""
    return pd.DataFrame(
        {
            t("sit_method", lang): [t(f"sit_method_{m}", lang) for m in sites["method"]],
            t("pl_rank", lang): sites["rank"].to_numpy(),
            t("code", lang): sites["adcode"].to_numpy(),
            t("sit_county", lang): [
                name(a, b, lang) for a, b in zip(sites["name_zh"], sites["name_en"], strict=True)
            ],
            t("sit_n_demand", lang): sites["n_demand"].to_numpy(),
            t("sit_demand_weight", lang): sites["demand_weight"].to_numpy(),
            t("sit_covered_weight_abs", lang): sites["covered_weight"].to_numpy(),
            t("sit_mean_km", lang): sites["mean_km"].to_numpy(),
        }
    )


def site_layers(res: Any, lang: str) -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame | None]:
    """Map layers of one k-site solution: chosen counties, demand firms, sites, assignment lines."""
    disp = loaders.display(DEFAULT_TOLERANCE)
    counties = disp["counties"]
    chosen = counties[counties["adcode"].astype(str).isin(res.sites["adcode"].astype(str))]
    demand = res.demand
    graph = loaders.chain_graphs().get(str(getattr(res, "chain", "")))
    node_names = {
        n: (d.get("name_zh"), d.get("name_en"))
        for n, d in (graph.nodes(data=True) if graph else [])
    }
    firms = gpd.GeoDataFrame(
        {
            "id": demand["firm_id"].astype(str),
            "name_zh": demand["name"].astype(str),
            "name_en": demand["name_en"].astype(str),
            "node_name_zh": [node_names.get(n, (n, n))[0] for n in demand["node"].astype(str)],
            "node_name_en": [node_names.get(n, (n, n))[1] for n in demand["node"].astype(str)],
            "distance_km": demand["distance_km"],
        },
        geometry=gpd.points_from_xy(demand["lon"], demand["lat"]),
        crs="EPSG:4326",
    )
    sites = gpd.GeoDataFrame(
        {
            "id": res.sites["adcode"].astype(str),
            "name_zh": res.sites["name_zh"],
            "name_en": res.sites["name_en"],
        },
        geometry=gpd.points_from_xy(res.sites["lon"], res.sites["lat"]),
        crs="EPSG:4326",
    )
    served = demand[demand["site"].notna()]
    lines = None
    if len(served):
        at = res.sites.set_index("adcode")
        site_of = served["site"].astype(str)
        lines = gpd.GeoDataFrame(
            {
                "id": served["firm_id"].astype(str) + ">" + site_of,
                "name_zh": served["name"].astype(str)
                + " → "
                + site_of.map(at["name_zh"]).astype(str),
                "name_en": served["name_en"].astype(str)
                + " → "
                + site_of.map(at["name_en"]).astype(str),
                "node_name_zh": [node_names.get(n, (n, n))[0] for n in served["node"].astype(str)],
                "node_name_en": [node_names.get(n, (n, n))[1] for n in served["node"].astype(str)],
                "distance_km": served["distance_km"],
            },
            geometry=shapely.linestrings(
                [
                    [[x0, y0], [float(at.loc[s, "lon"]), float(at.loc[s, "lat"])]]
                    for x0, y0, s in zip(served["lon"], served["lat"], site_of, strict=True)
                ]
            ),
            crs="EPSG:4326",
        )
    layers = {
        "province": disp["province"],
        "cities": disp["cities"],
        "chosen": chosen,
        "demand": firms,
        "sources": sites,
    }
    return layers, lines


def _titles() -> dict[str, tuple[str, str]]:
    return {
        key: (t(f"sit_layer_{key}", "zh"), t(f"sit_layer_{key}", "en"))
        for key in ("chosen", "demand", "sources", "sourcing", "top")
    }


def _weights(lang: str) -> tuple[dict[str, float], float]:
    from layout.siting import SCORE_WEIGHTS

    with st.expander(t("sit_weights", lang), expanded=False):
        cols = st.columns(5)
        weights = {
            p: float(
                cols[i].slider(
                    t(f"sit_s_{p}", lang),
                    0.0,
                    1.0,
                    float(SCORE_WEIGHTS[p]),
                    0.05,
                    key=f"siting_w_{p}",
                )
            )
            for i, p in enumerate(_PARTS)
        }
        decay = float(cols[4].slider(t("sit_decay", lang), 10, 200, 50, 5, key="siting_decay"))
        st.caption(t("sit_formula", lang))
    return weights, decay


def _candidate_map(scores: pd.DataFrame, region: str, node_name: str, lang: str) -> None:
    """Candidate counties coloured by score (the map fits them), city outlines, the region outlined."""
    disp = loaders.display(DEFAULT_TOLERANCE)
    counties = disp["counties"]
    layers: dict[
        str, gpd.GeoDataFrame
    ] = {  # city outlines under the candidates, which take the pointer
        "cities": disp["cities"],
        "counties": counties[counties["adcode"].astype(str).isin(scores["adcode"].astype(str))],
    }
    zone = zone_layer(region)
    if zone is not None:
        layers[zone[0]] = zone[1]
    top = scores.head(3)
    layers["top"] = gpd.GeoDataFrame(
        {
            "id": top["adcode"].astype(str),
            "name_zh": top["rank"].astype(str) + ". " + top["name_zh"],
            "name_en": top["rank"].astype(str) + ". " + top["name_en"],
        },
        geometry=gpd.points_from_xy(top["lon"], top["lat"]),
        crs="EPSG:4326",
    )
    values = scores.set_index(scores["adcode"].astype(str))["score"].astype(float)
    choro = Choropleth(
        values,
        f"{t('sit_score', 'zh')} · {node_name}",
        f"{t('sit_score', 'en')} · {node_name}",
        layer="counties",
        scheme="equal_interval",
        k=5,
        fmt="{:.2f}",
    )
    m = build_map(
        layers,
        basemap=current_basemap(),
        lang=lang,
        choropleth=choro,
        simplified=False,
        height=_MAP_HEIGHT,
        selected=region if region != state.PROVINCE else None,
        collapsed_control=True,
        titles=_titles(),
        fit=region_shape(region),
    )
    show_map(m, key="siting_map", height=_MAP_HEIGHT, returned_objects=[])


def _k_sites(
    firms: state.FirmData, chain: str, node: str, region: str, base: str, n_cand: int, lang: str
) -> None:
    from layout.siting import SitingError

    st.subheader(t("sit_k_title", lang))
    st.caption(t("sit_k_note", lang))
    c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
    k_max = max(1, min(10, n_cand))
    k = (
        int(c1.slider(t("sit_k", lang), 1, k_max, min(2, k_max), key="siting_k"))
        if k_max > 1
        else 1
    )
    if k_max == 1:
        c1.caption(t("sit_k_one", lang))
    radius = float(c2.slider(t("sit_radius", lang), 5, 200, 50, 5, key="siting_radius"))
    scope = c3.radio(
        t("sit_scope", lang),
        ("province", "region"),
        key="siting_scope",
        horizontal=True,
        format_func=lambda s: t(f"sit_scope_{s}", lang),
    )
    method = c4.radio(
        t("sit_map_method", lang),
        ("p-median", "mclp"),
        key="siting_map_method",
        horizontal=True,
        format_func=lambda m: t(f"sit_method_{m}", lang),
    )
    try:
        with st.spinner(t("sit_solving", lang)):
            solutions = loaders.site_solutions(
                firms.token, chain, node, region, k, radius, base, scope, firms.gdf
            )
    except SitingError as exc:
        show_problems(exc.problems, lang)
        return
    res = solutions[method]
    graph = loaders.chain_graphs()[chain]
    key = "name_zh" if lang == "zh" else "name_en"
    demand_nodes = ("、" if lang == "zh" else ", ").join(
        str(graph.nodes[n].get(key, n)) for n in res.demand_nodes
    )
    kind = t(f"sit_demand_{res.demand_kind}", lang)
    st.caption(t("sit_demand_is", lang, kind=kind, nodes=demand_nodes, n=len(res.demand)))
    if any(r.notes for r in solutions.values()):  # the library's note says the same in English
        st.warning(t("sit_zero_weights", lang), icon=":material/warning:")
    summary = sites_summary(solutions, lang)
    st.dataframe(summary, hide_index=True, key="siting_sites_summary")
    left, right = st.columns([3, 2])
    with left:
        layers, lines = site_layers(res, lang)
        m = build_map(
            layers,
            basemap=current_basemap(),
            lang=lang,
            simplified=False,
            lines=lines,
            height=_MAP_HEIGHT,
            collapsed_control=True,
            titles=_titles(),
            fit=region_shape(region),
        )
        show_map(m, key="siting_k_map", height=_MAP_HEIGHT, returned_objects=[])
    with right:
        sites = pd.concat(
            [r.sites.assign(method=mth) for mth, r in solutions.items()], ignore_index=True
        )
        st.dataframe(site_table(sites, lang), hide_index=True, key="siting_sites_table")
    demand = pd.concat(
        [r.demand.assign(method=mth) for mth, r in solutions.items()], ignore_index=True
    )
    out = pd.concat([sites.assign(row="site"), demand.assign(row="demand")], ignore_index=True)
    out = out.assign(
        chain=chain, node=node, region=region, k=k, service_km=radius, base=base, scope=scope
    )
    st.download_button(
        t("sit_download_sites", lang),
        table_bytes(out, "csv", lang, synthetic=firms.synthetic),
        file_name=f"sites_{chain}_{node}_{region}_k{k}.csv",
        mime="text/csv",
        key="dl_siting_sites",
        on_click="ignore",
    )


def _weakest(firms: state.FirmData) -> str:
    from atlas_app.planning_ui import current_chain

    return loaders.weakest_region(firms.token, current_chain(), "employees", firms.gdf)


def page_siting(lang: str) -> None:
    """Draw the siting page."""
    from layout.analysis import BASES
    from layout.siting import SitingError

    firms = state.current_firms()
    c1, c2, c3 = st.columns([2, 3, 1])
    with c1:
        chain = chain_picker(lang, key="siting_chain")
    with c2:
        region = planning_region_picker(
            t("region", lang), lang, key="siting_region_pick", default=_weakest(firms)
        )
    base = c3.selectbox(
        t("base", lang), BASES, key="siting_base", format_func=lambda b: t(f"base_{b}", lang)
    )
    graph = loaders.chain_graphs()[chain]
    with st.spinner(t("analysing", lang)):
        analysis = loaders.chain_analysis(firms.token, chain, base, firms.gdf, region=region)
    nodes = analysis.nodes[analysis.nodes["region"] == region].set_index("node")
    order = node_order(nodes.reset_index())

    def node_label(n: str) -> str:
        status = str(nodes.loc[n, "status"])
        return f"{name(nodes.loc[n, 'name_zh'], nodes.loc[n, 'name_en'], lang)} — {t(f'status_{status}', lang)}"

    node = st.selectbox(
        t("sit_node", lang),
        order,
        key=f"siting_node_{chain}",
        format_func=node_label,
        help=t("sit_node_help", lang),
    )
    n_gaps = int(nodes["status"].isin(["missing", "broken"]).sum())
    st.caption(t("sit_gaps_here", lang, n=n_gaps) if n_gaps else t("no_gaps", lang))
    weights, decay = _weights(lang)
    try:
        scores = loaders.siting_scores(
            firms.token, chain, node, region, tuple(weights.items()), decay, firms.gdf
        )
    except SitingError as exc:
        show_problems(exc.problems, lang)
        return
    node_name = name(graph.nodes[node].get("name_zh"), graph.nodes[node].get("name_en"), lang)
    st.subheader(t("sit_candidates", lang, node=node_name))
    best = scores.iloc[0]
    m1, m2, m3 = st.columns(3)
    m1.metric(t("sit_n_candidates", lang), len(scores))
    m2.metric(t("sit_best", lang), str(best["name_zh" if lang == "zh" else "name_en"]))
    m3.metric(t("sit_best_score", lang), f"{float(best['score']):.2f}")
    st.dataframe(candidate_view(scores, graph, lang), hide_index=True, key="siting_table")
    _candidate_map(scores, region, node_name, lang)
    out = scores.assign(
        chain=chain,
        node=node,
        region=region,
        **{f"w_{p}": w for p, w in weights.items()},
        decay_km=decay,
    )
    st.download_button(
        t("sit_download", lang),
        table_bytes(out, "csv", lang, synthetic=firms.synthetic),
        file_name=f"siting_{chain}_{node}_{region}.csv",
        mime="text/csv",
        key="dl_siting_csv",
        on_click="ignore",
    )
    _k_sites(firms, chain, node, region, base, len(scores), lang)
