"""Pickers and helpers shared by the planning pages (siting, opportunities, evaluation, report).

Session keys
------------
``planning_chain``   the chain chosen on a planning page; follows the chain view
                     (``chain_result``) whenever that shows another chain; starts from the
                     ``?chain=`` link.
``planning_region``  the region chosen on a planning page. Counties, cities and the province
                     go to the shared selection (:func:`atlas_app.state.select_region`); a plan
                     zone (``BLUE``, ``LUNAN`` …) stays here, because the other pages take
                     adcodes only, until the shared selection changes elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from atlas_app import loaders, state
from atlas_app.i18n import name, t
from atlas_app.ui import show_problems as ui_problems

__all__ = [
    "DATA_NOTE",
    "ZONE_FRAMES",
    "chain_label",
    "chain_picker",
    "current_chain",
    "is_zone",
    "planning_region_options",
    "planning_region_picker",
    "region_shape",
    "show_problems",
    "with_data_note",
    "zone_layer",
]

ZONE_FRAMES: tuple[str, ...] = ("2013", "2020")
DATA_NOTE = (
    "derived from synthetic demonstration firms (not real figures) / 由合成演示数据计算，非真实数据"
)
"""The bilingual note of machine-readable files (JSON, GeoJSON metadata); tables downloaded from
a page carry the note in the page's language (:func:`atlas_app.tables.table_bytes`)."""
_CHAIN_KEY = "planning_chain"
_CHAIN_SEEN = "_planning_seen_chain_result"
_REGION_KEY = "planning_region"
_REGION_SHARED = "_planning_region_shared"
_QUERY_DONE = "_planning_query_zone"


def chain_label(code: str, lang: str) -> str:
    """``"LED · 半导体发光 · Semiconductor lighting (LED)"`` for a chain code."""
    g = loaders.chain_graphs().get(code)
    if g is None:
        return code
    return f"{code} · {name(g.graph.get('name_zh'), g.graph.get('name_en'), lang)}"


def current_chain() -> str:
    """The chain the planning pages use now (the last choice, a link's chain, or the first)."""
    graphs = loaders.chain_graphs()
    for candidate in (st.session_state.get(_CHAIN_KEY), st.session_state.get("chain")):
        if candidate in graphs:
            return str(candidate)
    return str(next(iter(graphs)))


def chain_picker(lang: str, *, key: str) -> str:
    """A chain selectbox that starts from the chain the session last showed; returns the code.

    The chain view records what it shows in ``chain_result``; when that changed since this
    picker last looked, it wins. Otherwise the last planning choice stays; with none yet, the
    ``chain`` key (a ``?chain=`` link) gives the start. (The chain view's own ``chain`` widget
    key is not written: Streamlit drops or restores widget keys as pages change.)
    """
    graphs = loaders.chain_graphs()
    codes = list(graphs)
    result = st.session_state.get("chain_result")
    shown = result.get("chain") if isinstance(result, dict) else None
    if shown in graphs and shown != st.session_state.get(_CHAIN_SEEN):
        st.session_state[_CHAIN_KEY] = shown
    elif st.session_state.get(_CHAIN_KEY) is None and st.session_state.get("chain") in graphs:
        st.session_state[_CHAIN_KEY] = st.session_state["chain"]
    st.session_state[_CHAIN_SEEN] = shown
    current = st.session_state.get(_CHAIN_KEY)
    if current not in graphs:
        current = codes[0]
    st.session_state[key] = current

    def _changed() -> None:
        st.session_state[_CHAIN_KEY] = st.session_state[key]

    st.selectbox(
        t("chain", lang),
        codes,
        key=key,
        format_func=lambda c: chain_label(c, lang),
        on_change=_changed,
    )
    return str(st.session_state[key])


def planning_region_options(lang: str) -> dict[str, str]:
    """``{code: label}``: the province, the plan zones of both frames, then cities and counties."""
    from layout.regions import region_table

    base = loaders.region_options(lang)
    opts = {state.PROVINCE: base[state.PROVINCE]}
    for frame in ZONE_FRAMES:
        for rec in region_table("zone", frame=frame).itertuples():
            where = f"（{frame}）：" if lang == "zh" else f" ({frame}): "
            opts[str(rec.region)] = (
                f"{t('level_zone', lang)}{where}{name(rec.name_zh, rec.name_en, lang)}"
            )
    opts.update({k: v for k, v in base.items() if k != state.PROVINCE})
    return opts


def is_zone(code: str) -> bool:
    """True for a plan-zone code (not an adcode)."""
    return not str(code).isdigit()


def _zone_from_query(opts: dict[str, str]) -> None:
    """``?region=BLUE`` opens a planning page on a zone (the app shell handles adcodes only)."""
    if st.session_state.get(_QUERY_DONE):
        return
    st.session_state[_QUERY_DONE] = True
    code = str(st.query_params.get("region", ""))
    if code in opts and is_zone(code):
        st.session_state[_REGION_KEY] = code
        st.session_state[_REGION_SHARED] = state.region()


def planning_region_picker(label: str, lang: str, *, key: str, default: str | None = None) -> str:
    """A region selectbox offering plan zones too; returns the chosen code.

    A county, city or the province becomes the shared selection of every page; a zone is kept
    for the planning pages until the shared selection changes on another page. While nothing
    was chosen yet, ``default`` (e.g. the weakest city) is shown instead of the province.
    """
    opts = planning_region_options(lang)
    _zone_from_query(opts)
    shared = state.region()
    mine = st.session_state.get(_REGION_KEY)
    if mine in opts and st.session_state.get(_REGION_SHARED) == shared:
        current = mine
    else:
        current = state.effective_region(default)
    if current not in opts:
        current = state.PROVINCE
    st.session_state[key] = current

    def _changed() -> None:
        value = st.session_state[key]
        if not is_zone(value):
            state.select_region(value)
        st.session_state[state.CHOSEN_KEY] = True
        st.session_state[_REGION_KEY] = value
        st.session_state[_REGION_SHARED] = state.region()

    st.selectbox(
        label, list(opts), key=key, format_func=lambda c: opts.get(c, c), on_change=_changed
    )
    value = str(st.session_state[key])
    if is_zone(value):
        st.caption(t("pl_zone_note", lang))
    elif default and value == default and not state.region_chosen():
        st.caption(t("region_default_note", lang))
    return value


def zone_layer(code: str) -> tuple[str, gpd.GeoDataFrame] | None:
    """``(layer name, display GeoDataFrame of that one zone)`` for a zone code, else None."""
    from geo.maps import DEFAULT_TOLERANCE
    from layout.regions import parse_region

    if not is_zone(code):
        return None
    name = "zones" if parse_region(code).frame == "2013" else "zones-2020"
    zones = loaders.display(DEFAULT_TOLERANCE)[name]
    return name, zones[zones["zone_code"].astype(str) == str(code)]


def region_shape(code: str) -> gpd.GeoDataFrame:
    """The display outline of region ``code`` (county, city, plan zone or the province), for a
    map to zoom to (``build_map(fit=...)``)."""
    from geo.maps import DEFAULT_TOLERANCE

    disp = loaders.display(DEFAULT_TOLERANCE)
    zone = zone_layer(code)
    if zone is not None:
        return zone[1]
    name = (
        "province" if code == state.PROVINCE else ("cities" if code.endswith("00") else "counties")
    )
    g = disp[name]
    hit = g[g["adcode"].astype(str) == str(code)]
    return hit if len(hit) else disp["province"]


def show_problems(problems: Iterable[Any], lang: str) -> None:
    """Every validation problem at once, in ``lang`` (:func:`atlas_app.ui.show_problems`)."""
    items = list(problems)
    ui_problems(items, t("pl_problems", lang, n=len(items)), lang)


def with_data_note(df: pd.DataFrame, synthetic: bool) -> pd.DataFrame:
    """``df`` with a ``data_note`` column saying so when it derives from synthetic firms."""
    if not synthetic:
        return df
    return df.assign(data_note=DATA_NOTE)
