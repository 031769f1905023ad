"""Chain view: one chain in one region — graph by stage, gap map, firm and node lists."""

from __future__ import annotations

from functools import partial
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from atlas_app import loaders, state
from atlas_app.basemap_ui import current_basemap
from atlas_app.chain_graph import chain_chart
from atlas_app.i18n import code_label, t
from atlas_app.loaders import MapSpec, build_map
from atlas_app.map_view import show_map
from atlas_app.planning_ui import chain_label
from atlas_app.tables import (
    Col,
    evidence_text,
    reason_text,
    source_text,
    verification_text,
    view,
    workbook,
    yes_no,
)
from atlas_app.ui import lazy_download
from geo.maps import DEFAULT_TOLERANCE, live_layers

__all__ = [
    "bottleneck_view",
    "firm_lists",
    "firm_view",
    "gap_layers",
    "gap_map",
    "node_view",
    "page_chain",
    "sourcing_view",
]

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
    km = {
        lang: [t("distance_value", lang, km=f"{d:,.1f}") for d in src["distance_km"]]
        for lang in ("zh", "en")
    }
    kind = {
        lang: [code_label("source_kind", k, lang) for k in src["kind"]] for lang in ("zh", "en")
    }
    state_ = {
        lang: [code_label("tstatus", k, lang) for k in src["target_status"]]
        for lang in ("zh", "en")
    }
    nn = {"zh": src["node_name_zh"].astype(str), "en": src["node_name_en"].astype(str)}
    lines = gpd.GeoDataFrame(
        {
            "id": [f"{a}>{b}" for a, b in zip(src["node"], src["target"], strict=True)],
            "name_zh": nn["zh"] + " → " + src["target_name_zh"].astype(str),
            "name_en": nn["en"] + " → " + src["target_name_en"].astype(str),
            **{
                f"detail_{lang}": [f"{k} · {d}" for k, d in zip(kind[lang], km[lang], strict=True)]
                for lang in ("zh", "en")
            },
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
            **{
                f"detail_{lang}": [
                    f"{n} · {st_} · {d}"
                    for n, st_, d in zip(nn[lang], state_[lang], km[lang], strict=True)
                ]
                for lang in ("zh", "en")
            },
            "distance_km": src["distance_km"],
        },
        geometry=gpd.points_from_xy(src["lon"], src["lat"]),
        crs="EPSG:4326",
    )
    return lines.reset_index(drop=True), targets.drop_duplicates("id").reset_index(drop=True)


def _node_names(graph: Any) -> dict[str, tuple[str, str]]:
    return {n: (d.get("name_zh"), d.get("name_en")) for n, d in graph.nodes(data=True)}


def _with_names(df: pd.DataFrame, graph: Any, col: str = "node") -> pd.DataFrame:
    """``df`` with ``<col>_name_zh``/``_en`` (node names) added."""
    names = _node_names(graph)
    out = df.copy()
    out["node_name_zh"] = [names.get(str(n), (n, n))[0] for n in out[col]]
    out["node_name_en"] = [names.get(str(n), (n, n))[1] for n in out[col]]
    return out


def node_view(nodes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A node table as shown: node, stage, status, strength class, reason, firms, LQ."""
    df = nodes.copy()
    reason = "reason_zh" if lang == "zh" else "reason_en"
    df["reason"] = [reason_text(r, lang) for r in df[reason]]
    df["lq"] = pd.to_numeric(df["lq"], errors="coerce").round(2)
    return view(
        df,
        lang,
        [
            Col("node_name", pair=("name_zh", "name_en")),
            Col("stage", codes="stage"),
            Col("status", codes="status"),
            Col("strength_class", codes="class"),
            "reason",
            "n_firms",
            "lq",
        ],
    )


def firm_view(firms: pd.DataFrame, graph: Any, lang: str) -> pd.DataFrame:
    """A firm list as shown: id, name, node, figures, county, synthetic, verification, source."""
    if firms.empty:
        return firms
    df = _with_names(firms, graph)
    counties = loaders.layer("counties").set_index("adcode")
    codes = df["adcode"].astype(str) if "adcode" in df else pd.Series("", index=df.index)
    df["county_zh"] = codes.map(counties["name_zh"]).to_numpy()
    df["county_en"] = codes.map(counties["name_en"]).to_numpy()
    synth = df["synthetic"].fillna(False).astype(bool) if "synthetic" in df else None
    if synth is not None:
        df["synthetic_text"] = [yes_no(v, lang) for v in synth]
    flags = synth if synth is not None else pd.Series(False, index=df.index)
    if "verification" in df:
        df["verification"] = [verification_text(v, lang) for v in df["verification"]]
    if "evidence" in df:
        df["evidence"] = [
            evidence_text(v, lang, synthetic=bool(f))
            for v, f in zip(df["evidence"], flags, strict=True)
        ]
    if "source" in df:
        df["source"] = [
            source_text(v, lang, synthetic=bool(f))
            for v, f in zip(df["source"], flags, strict=True)
        ]
    return view(
        df,
        lang,
        [
            "firm_id",
            Col("name", pair=("name", "name_en")),
            Col("node_name", pair=("node_name_zh", "node_name_en")),
            "employees",
            "output",
            Col("county", pair=("county_zh", "county_en")),
            Col("synthetic_text", label="col_synthetic"),
            "verification",
            "evidence",
            "source",
        ],
    )


def sourcing_view(src: pd.DataFrame, graph: Any, lang: str) -> pd.DataFrame:
    """Sourcing targets as shown: node, kind, target, its state, distance."""
    if src.empty:
        return view(src, lang, ["node"])
    df = _with_names(src, graph)
    return view(
        df,
        lang,
        [
            Col("node_name", pair=("node_name_zh", "node_name_en")),
            Col("kind", codes="source_kind"),
            "target",
            Col("target_name", pair=("target_name_zh", "target_name_en")),
            Col("target_status", codes="tstatus"),
            "distance_km",
        ],
    )


def bottleneck_view(bn: pd.DataFrame, graph: Any, lang: str) -> pd.DataFrame:
    """Bottlenecks as shown: node, kind, details in the page's language, value."""
    if bn.empty:
        return view(bn, lang, ["node"])
    df = _with_names(bn, graph)
    return view(
        df,
        lang,
        [
            Col("node_name", pair=("node_name_zh", "node_name_en")),
            Col("kind", codes="kind"),
            Col("detail", pair=("detail_zh", "detail_en")),
            "value",
        ],
    )


MAP_HEIGHT = 460


def gap_map(
    analysis: Any, region: str, lang: str, basemap: Any = "none"
) -> tuple[MapSpec, MapSpec, gpd.GeoDataFrame]:
    """The chain page's gap map of ``region``: its base, its layers and its sourcing lines.

    The base (:func:`atlas_app.loaders.build_map` of the province, the cities and, at county
    level, the counties) is the same for every chain, region and base of a level, so the
    browser draws it once; the layers (the targets, the sourcing lines, the region's outline,
    the legend and the view: :func:`geo.maps.live_layers`) are what a chain switch sends
    (``show_map``'s ``feature_group_to_add``). The background warm-up prepares both for every
    chain's default view.
    """
    from layout.regions import parse_region

    parsed = parse_region(region)
    lines, targets = gap_layers(analysis, region, parsed.level, parsed.frame)
    disp = loaders.display(DEFAULT_TOLERANCE)
    layers = {"province": disp["province"], "cities": disp["cities"]}
    if parsed.level == "county":
        layers["counties"] = disp["counties"]
    whole = region == state.PROVINCE
    base = build_map(
        layers,
        basemap=basemap,
        lang=lang,
        simplified=False,
        height=MAP_HEIGHT,
        collapsed_control=True,
        extra_legend=_LEGEND_PLACEHOLDER,
    )
    # the groups look up the region's outline and view here: only its row and the province,
    # so a rerun does not fingerprint every county again
    known = {"province": layers["province"]}
    for name in ("counties", "cities"):
        if name in layers:
            hit = layers[name][layers[name]["adcode"].astype(str) == str(region)]
            if len(hit):
                known[name] = hit
                break
    groups = loaders.map_spec(
        live_layers,
        {"sources": targets} if len(targets) else {},
        base_layers=known,
        basemap=basemap,
        lang=lang,
        lines=lines if len(lines) else None,
        selected=None if whole else region,
        fit="layers" if whole else "selected",
    )
    return base, groups, lines


# the base map's legend until its layers set it (geo.maps.LegendUpdate)
_LEGEND_PLACEHOLDER = "<div></div>"


def page_chain(lang: str) -> None:
    """Draw the chain view page."""
    from layout.regions import parse_region

    firms = state.current_firms()
    graphs = loaders.chain_graphs()
    if st.session_state.get("chain") not in graphs:
        st.session_state.pop("chain", None)  # e.g. an unknown code from a link
    c1, c2, c3 = st.columns([2, 3, 1])
    chain = c1.selectbox(
        t("chain", lang), list(graphs), key="chain", format_func=lambda c: chain_label(c, lang)
    )
    with c2:
        weakest = loaders.weakest_region(firms.token, str(chain), "employees", firms.gdf)
        region = state.region_picker(
            t("region", lang),
            loaders.region_options(lang),
            key="chain_region_pick",
            default=weakest,
        )
        if region == weakest and not state.region_chosen():
            st.caption(t("region_default_note", lang))
    base = c3.selectbox(
        t("base", lang),
        ("employees", "output", "firms"),
        key="chain_base",
        format_func=lambda b: t(f"base_{b}", lang),
    )
    parsed = parse_region(region)
    graph = graphs[chain]
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
        st.altair_chart(chain_chart(graph, nodes, lang), width="stretch")
    with right:
        st.markdown(f"**{t('gap_map', lang)}**")
        m, groups, lines = gap_map(analysis, region, lang, current_basemap())
        show_map(
            m,
            key="chain_map",
            height=MAP_HEIGHT,
            returned_objects=[],
            feature_group_to_add=groups,
        )
        st.caption(t("gap_map_note", lang) if len(lines) else t("no_gaps", lang))

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
    src = analysis.sourcing[analysis.sourcing["region"] == region]
    bn = analysis.bottlenecks[analysis.bottlenecks["region"] == region]
    shown = (
        (leading, firm_view(leading, graph, lang), "no_firms_region"),
        (supporting, firm_view(supporting, graph, lang), "no_firms_region"),
        (strengths, node_view(strengths, lang), "no_strengths"),
        (gaps, node_view(gaps, lang), "no_gaps"),
        (src, sourcing_view(src, graph, lang), "no_sourcing"),
        (bn, bottleneck_view(bn, graph, lang), "no_bottlenecks"),
    )
    for tab, (raw, table, empty) in zip(tabs, shown, strict=True):
        with tab:
            if len(raw):
                st.dataframe(table, hide_index=True)
            else:
                st.caption(t(empty, lang))

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
        "bottlenecks": bn,
    }
    lazy_download(
        st,
        t("download_chain", lang),
        partial(workbook, sheets, lang, codes=_CODES, synthetic=firms.synthetic),
        file_name=f"chain_{chain}_{region}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_chain_xlsx",
        on_click="ignore",
    )


_CODES = {
    "stage": "stage",
    "status": "status",
    "strength_class": "class",
    "kind": "kind",
    "target_status": "tstatus",
}
