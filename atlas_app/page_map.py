"""Map explorer, map first: one row of controls, the map across the page, region details below.

Layers, a choropleth of any county or city metric (options in a popover), place names, a
metric scale bar; clicking a county (or a marker inside one) selects it for every page. The
basemap is chosen in the sidebar (:mod:`atlas_app.basemap_ui`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from atlas_app import loaders, state
from atlas_app.basemap_ui import current_basemap
from atlas_app.i18n import name, t
from atlas_app.loaders import build_map
from atlas_app.map_view import show_map
from atlas_app.planning_ui import chain_label
from atlas_app.ui import text_table
from geo.maps import DEFAULT_TOLERANCE, SCHEMES, Choropleth, selection_group

__all__ = [
    "MAP_HEIGHT",
    "MAP_LAYERS",
    "METRICS",
    "choropleth_values",
    "map_returned_objects",
    "page_map",
]

MAP_LAYERS: tuple[str, ...] = (
    "province",
    "cities",
    "counties",
    "zones",
    "zones-2020",
    "htz",
    "clusters",
    "firms",
)
DEFAULT_LAYERS: tuple[str, ...] = ("province", "cities", "counties", "zones", "htz", "clusters")
# Metrics with their format; the firm metrics come from the firm table in use.
METRICS: dict[str, str] = {
    "completeness": "{:.0%}",
    "n_firms": "{:,.0f}",
    "employees": "{:,.0f}",
    "output": "{:,.0f}",
    "n_clusters": "{:,.0f}",
    "n_htz": "{:,.0f}",
    "n_zones": "{:,.0f}",
    "area_km2": "{:,.0f}",
}
MAP_KEY = "atlas_map"
MAP_HEIGHT = 700  # with the compact page top, the whole map fits a 1000 px window


def map_returned_objects() -> list[str]:
    """What the map sends back: only the clicked feature, so panning and zooming do not rerun."""
    return ["last_active_drawing"]


def choropleth_values(
    metric: str, level: str, firms: state.FirmData, *, chain: str | None = None
) -> pd.Series:
    """Values of ``metric`` per county or city (index adcode), from the layers or the firm table.

    ``completeness`` is the chain completeness of ``chain`` in each region
    (``layout.analysis``: C_r = Σ_n w_n·present(n, r) / Σ_n w_n).
    """
    if metric == "completeness":
        analysis = loaders.chain_analysis(
            firms.token, str(chain), "employees", firms.gdf, level=level
        )
        return analysis.completeness.astype(float).rename(metric)
    base = loaders.county_metrics()
    if metric in ("n_firms", "employees", "output"):
        fm = loaders.firm_metrics(firms.token, firms.gdf)
        col = fm[metric].reindex(base.index)
        if metric == "n_firms":
            col = col.fillna(0)
    else:
        col = base[metric]
    if level == "city":
        col = col.groupby(base["city_adcode"]).sum(min_count=1)
    return col.astype(float).rename(metric)


def _on_map_change() -> None:
    code = state.selection_from_click(st.session_state.get(MAP_KEY))
    if code is not None:
        state.select_region(code)


def _region_panel(
    lang: str, firms: state.FirmData, values: pd.Series | None, metric: str | None
) -> None:
    opts = loaders.region_options(lang)
    left, right = st.columns([2, 3])
    with left:
        code = state.region_picker(t("map_region_pick", lang), opts, key="map_region_pick")
        if code == state.PROVINCE:
            st.caption(t("no_region", lang))
    if code == state.PROVINCE:
        return
    level = "city" if code.endswith("00") else "county"
    g = loaders.layer("cities" if level == "city" else "counties")
    row = g[g["adcode"].astype(str) == code]
    if row.empty:
        return
    r = row.iloc[0]
    info: dict[str, Any] = {
        t("name", lang): name(r["name_zh"], r["name_en"], lang),
        t("code", lang): code,
    }
    if level == "county":
        info[t("level_city", lang)] = name(r["city_name_zh"], r["city_name_en"], lang)
        cm = loaders.county_metrics().loc[code]
        for key in ("area_km2", "n_clusters", "n_htz", "n_zones"):
            info[t(f"m_{key}", lang)] = METRICS[key].format(cm[key])
    fm = loaders.firm_metrics(firms.token, firms.gdf)
    if level == "county":
        n = fm["n_firms"].get(code, 0)
    else:
        cm_all = loaders.county_metrics()
        n = fm["n_firms"].reindex(cm_all.index[cm_all["city_adcode"] == code]).fillna(0).sum()
    info[t("m_n_firms", lang)] = f"{int(n):,}"
    if values is not None and metric and code in values.index and pd.notna(values[code]):
        info[t(f"m_{metric}", lang)] = METRICS[metric].format(values[code])
    with right:
        st.markdown(f"**{t('region_info', lang)}**")
        text_table(
            pd.DataFrame({"": list(info.keys()), " ": list(info.values())}),
            css_class="atlas-tt atlas-region",
        )


def _colour_options(lang: str, metric: str) -> tuple[str, str, int, str | None, str]:
    """The choropleth and firm options inside the options popover."""
    level = st.radio(
        t("level", lang),
        ("county", "city"),
        key="metric_level",
        horizontal=True,
        format_func=lambda v: t(f"level_{v}", lang),
    )
    scheme = st.selectbox(
        t("scheme", lang), SCHEMES, key="scheme", format_func=lambda v: t(f"scheme_{v}", lang)
    )
    k = st.slider(t("classes", lang), 3, 9, 5, key="k")
    metric_chain = None
    if metric == "completeness":
        metric_chain = st.selectbox(
            t("chain", lang),
            list(loaders.chain_graphs()),
            key="metric_chain",
            format_func=lambda c: chain_label(c, lang),
        )
    firms_mode = st.selectbox(
        t("firms_mode", lang),
        ("auto", "markers", "heat"),
        key="firms_mode",
        format_func=lambda v: t(f"firms_{v}", lang),
    )
    return str(level), str(scheme), int(k), metric_chain, str(firms_mode)


def page_map(lang: str) -> None:
    """Draw the map explorer page: a row of controls, then the map across the page."""
    firms = state.current_firms()
    basemap = current_basemap()
    c1, c2, c3 = st.columns([6, 3, 1.4], vertical_alignment="bottom")
    default = None if "map_layers" in st.session_state else list(DEFAULT_LAYERS)
    chosen = c1.multiselect(
        t("layers", lang),
        MAP_LAYERS,
        default=default,
        key="map_layers",
        format_func=lambda n: t(f"layer_{n}", lang),
        placeholder=t("layers_none", lang),
    )
    metric = c2.selectbox(
        t("choropleth", lang),
        ("none", *METRICS),
        key="metric",
        format_func=lambda v: t("metric_none", lang) if v == "none" else t(f"m_{v}", lang),
    )
    with c3.popover(t("mp_options", lang), width="stretch"):
        level, scheme, k, metric_chain, firms_mode = _colour_options(lang, str(metric))

    disp = loaders.display(DEFAULT_TOLERANCE)
    layers = {n: disp[n] for n in chosen if n in disp}
    if "firms" in chosen:
        layers["firms"] = loaders.firms_for_map(firms.token, firms.gdf)
    choro = values = None
    metric_name = None if metric == "none" else str(metric)
    if metric_name:
        values = choropleth_values(metric_name, level, firms, chain=metric_chain)
        target = "counties" if level == "county" else "cities"
        if target not in layers:  # colour needs the polygons: add them under the others
            layers = {target: disp[target], **layers}
        suffix = f" · {metric_chain}" if metric_chain else ""
        choro = Choropleth(
            values,
            t(f"m_{metric_name}", "zh") + suffix,
            t(f"m_{metric_name}", "en") + suffix,
            layer=target,
            scheme=scheme,
            k=k,
            fmt=METRICS[metric_name],
        )
    m = build_map(
        layers,
        basemap=basemap,
        choropleth=choro,
        lang=lang,
        simplified=False,
        firms_mode=firms_mode,
        height=MAP_HEIGHT,
    )
    code = state.region()
    selection = (
        selection_group(disp, code, basemap=basemap, lang=lang) if code != state.PROVINCE else None
    )
    show_map(
        m,
        key=MAP_KEY,
        height=MAP_HEIGHT,
        returned_objects=map_returned_objects(),
        feature_group_to_add=selection,
        on_change=_on_map_change,
    )
    n_feat = sum(len(g) for g in layers.values())
    st.caption(
        t("map_click_hint", lang) + " " + t("map_counts", lang, layers=len(layers), features=n_feat)
    )
    _region_panel(lang, firms, values, metric_name)
