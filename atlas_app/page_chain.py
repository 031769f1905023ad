"""Chain view: one chain in one region — graph by stage, gap map, firm and node lists."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from atlas_app import loaders, state
from atlas_app.chain_graph import chain_chart
from atlas_app.i18n import name_both, t
from geo.export import xlsx_bytes
from geo.maps import DEFAULT_TOLERANCE, build_map
from geo.sources import display_sources

__all__ = ["firm_lists", "gap_layers", "page_chain"]

LEADING_N = 10


def firm_lists(
    firms: gpd.GeoDataFrame, chain: str, region: str, level: str, base: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leading and supporting firms of ``chain`` in ``region``.

    Leading firms: the region's real (non-synthetic) firms of the chain — the publicly known
    anchors — then the largest by ``base``, up to :data:`LEADING_N`. Supporting firms: the rest.
    """
    from layout.regions import assign_regions

    rows = assign_regions(firms, level=level)
    in_region = rows.loc[rows["region"] == region, "row"].drop_duplicates().to_numpy()
    sub = firms.iloc[in_region]
    sub = pd.DataFrame(sub[sub["chain"] == chain].drop(columns="geometry"))
    if sub.empty:
        return sub, sub
    synth = (
        sub["synthetic"].fillna(False).astype(bool)
        if "synthetic" in sub
        else pd.Series(False, index=sub.index)
    )
    size = (
        pd.to_numeric(sub[base], errors="coerce")
        if base in sub
        else pd.Series(1.0, index=sub.index)
    )
    order = (
        pd.DataFrame({"real": ~synth, "size": size.fillna(-1)})
        .sort_values(["real", "size"], ascending=[False, False], kind="stable")
        .index
    )
    sub = sub.loc[order]
    cols = [
        c
        for c in (
            "firm_id",
            "name",
            "name_en",
            "node",
            "employees",
            "output",
            "adcode",
            "synthetic",
            "verification",
            "evidence",
            "source",
        )
        if c in sub
    ]
    return sub[cols].head(LEADING_N).reset_index(drop=True), sub[cols].iloc[LEADING_N:].reset_index(
        drop=True
    )


def gap_layers(
    analysis: Any, region: str, level: str, frame: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Lines from the region to the nearest regions/firms that have each missing node, and the targets.

    Uses ``ChainAnalysis.sourcing`` (columns node, kind, target, target_name_zh/en,
    target_status, distance_km, lon, lat) of the missing and broken nodes.
    """
    from layout.regions import region_table

    nodes = analysis.nodes
    missing = nodes.loc[nodes["status"].isin(["missing", "broken"]), "node"]
    src = analysis.sourcing
    src = src[(src["region"] == region) & src["node"].isin(missing)].copy()
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    if src.empty:
        return empty, empty
    rt = region_table(level, frame=frame).set_index("region")
    x0, y0 = float(rt.loc[region, "lon"]), float(rt.loc[region, "lat"])
    names = nodes.set_index("node")
    src["node_name_zh"] = src["node"].map(names["name_zh"])
    src["node_name_en"] = src["node"].map(names["name_en"])
    lines = gpd.GeoDataFrame(
        {
            "id": [f"{a}>{b}" for a, b in zip(src["node"], src["target"], strict=True)],
            "name_zh": src["node_name_zh"] + " → " + src["target_name_zh"].astype(str),
            "name_en": src["node_name_en"] + " → " + src["target_name_en"].astype(str),
            "status": src["kind"],
            "node_name": src["node_name_zh"] + " / " + src["node_name_en"],
            "distance_km": src["distance_km"],
        },
        geometry=shapely.linestrings(
            [[[x0, y0], [x, y]] for x, y in zip(src["lon"], src["lat"], strict=True)]
        ),
        crs="EPSG:4326",
    )
    targets = gpd.GeoDataFrame(
        {
            "id": src["target"].astype(str) + ":" + src["node"],
            "name_zh": src["target_name_zh"].astype(str),
            "name_en": src["target_name_en"].astype(str),
            "status": src["target_status"],
            "node_name": src["node_name_zh"] + " / " + src["node_name_en"],
            "distance_km": src["distance_km"],
        },
        geometry=gpd.points_from_xy(src["lon"], src["lat"]),
        crs="EPSG:4326",
    )
    return lines.reset_index(drop=True), targets.drop_duplicates("id").reset_index(drop=True)


def _node_table(nodes: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("node", lang): [
                name_both(a, b, lang)
                for a, b in zip(nodes["name_zh"], nodes["name_en"], strict=True)
            ],
            t("stage", lang): [t(f"stage_{s}", lang) for s in nodes["stage"]],
            t("status", lang): [t(f"status_{s}", lang) for s in nodes["status"]],
            t("reason", lang): nodes["reason_zh" if lang == "zh" else "reason_en"].to_numpy(),
            t("n_firms", lang): nodes["n_firms"].to_numpy(),
            t("lq", lang): pd.to_numeric(nodes["lq"], errors="coerce").round(2).to_numpy(),
        }
    )


def page_chain(lang: str) -> None:
    """Draw the chain view page."""
    from layout.regions import parse_region

    firms = state.current_firms()
    graphs = loaders.chain_graphs()
    if st.session_state.get("chain") not in graphs:
        st.session_state.pop("chain", None)  # e.g. an unknown code from a link
    c1, c2, c3 = st.columns([2, 3, 1])
    chain = c1.selectbox(
        t("chain", lang),
        list(graphs),
        key="chain",
        format_func=lambda c: (
            f"{c} · {name_both(graphs[c].graph.get('name_zh'), graphs[c].graph.get('name_en'), lang)}"
        ),
    )
    with c2:
        region = state.region_picker(
            t("region", lang), loaders.region_options(lang), key="chain_region_pick"
        )
    base = c3.selectbox(
        t("base", lang),
        ("employees", "output", "firms"),
        key="chain_base",
        format_func=lambda b: t(f"base_{b}", lang),
    )
    parsed = parse_region(region)
    with st.spinner(t("analysing", lang)):
        analysis = loaders.chain_analysis(firms.token, chain, base, firms.gdf, region=region)
    nodes = analysis.nodes[analysis.nodes["region"] == region]
    comp = float(analysis.completeness.get(region, float("nan")))
    counts = nodes["status"].value_counts()
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric(t("completeness", lang), f"{comp:.0%}" if comp == comp else "—")
    for col, s in zip((m2, m3, m4, m5), ("strong", "weak", "missing", "broken"), strict=True):
        col.metric(t(f"n_{s}", lang), int(counts.get(s, 0)))

    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**{t('chain_graph', lang)}**")
        st.altair_chart(chain_chart(graphs[chain], nodes, lang), width="stretch")
    with right:
        st.markdown(f"**{t('gap_map', lang)}**")
        lines, targets = gap_layers(analysis, region, parsed.level, parsed.frame)
        disp = loaders.display(DEFAULT_TOLERANCE)
        layers = {"province": disp["province"], "cities": disp["cities"]}
        if parsed.level == "county":
            layers["counties"] = disp["counties"]
        if len(targets):
            layers["sources"] = targets
        m = build_map(
            layers,
            lang=lang,
            simplified=False,
            lines=lines if len(lines) else None,
            selected=region if region != state.PROVINCE else None,
            height=420,
            collapsed_control=True,
        )
        st_folium(m, key="chain_map", height=420, use_container_width=True, returned_objects=[])
        if not len(lines):
            st.caption(t("no_gaps", lang))

    leading, supporting = firm_lists(
        firms.gdf, chain, region, parsed.level, "firms" if base == "firms" else base
    )
    strengths = nodes[nodes["status"] == "strong"]
    gaps = nodes[nodes["status"].isin(["missing", "broken"])]
    tabs = st.tabs(
        [
            t("leading_firms", lang),
            t("supporting_firms", lang),
            t("strengths", lang),
            t("gaps", lang),
            t("sourcing", lang),
            t("bottlenecks", lang),
        ]
    )
    for tab, table, empty in (
        (tabs[0], leading, "no_firms_region"),
        (tabs[1], supporting, "no_firms_region"),
        (tabs[2], _node_table(strengths, lang), None),
        (tabs[3], _node_table(gaps, lang), "no_gaps"),
    ):
        with tab:
            if len(table) or empty is None:  # facts below press read 待核实 / unverified
                st.dataframe(display_sources(table, lang=lang), hide_index=True)
            else:
                st.caption(t(empty, lang))
    src = analysis.sourcing[analysis.sourcing["region"] == region]
    with tabs[4]:
        st.dataframe(src, hide_index=True)
    with tabs[5]:
        bn = analysis.bottlenecks[analysis.bottlenecks["region"] == region]
        st.dataframe(bn, hide_index=True)

    result = {
        "chain": chain,
        "region": region,
        "nodes": nodes.reset_index(drop=True),
        "sourcing": src.reset_index(drop=True),
        "leading": leading,
        "supporting": supporting,
        "lines": lines,
    }
    st.session_state["chain_result"] = result
    sheets = {
        "nodes": result["nodes"],
        "leading_firms": leading,
        "supporting_firms": supporting,
        "strengths": strengths,
        "gaps": gaps,
        "sourcing": result["sourcing"],
    }
    st.download_button(
        t("download_chain", lang),
        data=xlsx_bytes(sheets),
        file_name=f"chain_{chain}_{region}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_chain_xlsx",
        on_click="ignore",
    )
