"""Shandong Cluster Atlas web app: ``streamlit run streamlit_app.py``.

Pages (each a function ``page_<name>`` in ``atlas_app/page_<name>.py``): map explorer, chain
view, coverage, scenarios, siting, opportunities, evaluation index, monitoring, reports, data
import, export. One language at a time, Chinese or English (sidebar switch); switching keeps the
page, the selection and every widget's value. Every page runs inside
:func:`atlas_app.safety.guarded`, so a failure shows a friendly message in the page's language
and is logged, never a traceback. Works offline: Leaflet and every other asset come from
installed packages (see ``geo/maps/assets.py``); only an online basemap (sidebar) uses the
network.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # atlas_app/ sits beside this file; not installed as a package
    sys.path.insert(0, _HERE)

import streamlit as st  # noqa: E402

from atlas_app import PAGES, state  # noqa: E402
from atlas_app.i18n import LANGS, t  # noqa: E402
from atlas_app.safety import guarded  # noqa: E402
from atlas_app.ui import md_text  # noqa: E402


def _page_function(page: str) -> Callable[[str], None]:
    """The function ``page_<page>`` of module ``atlas_app.page_<page>`` (imported on first use)."""
    import importlib

    return getattr(importlib.import_module(f"atlas_app.page_{page}"), f"page_{page}")


def _banner(lang: str) -> None:
    firms = state.current_firms()
    if firms.synthetic:
        st.warning(t("banner_demo", lang), icon=":material/science:")
        if not firms.demo and st.button(t("use_demo", lang), key="banner_use_demo"):
            st.session_state.pop("firms_upload", None)
            st.rerun()
    else:
        st.info(
            # the upload's file name is user text: Markdown-escaped so it shows as typed
            t("banner_user", lang, name=md_text(firms.name), n=len(firms.gdf)),
            icon=":material/description:",
        )


def _apply_query_params() -> None:
    """Seed the session from a shareable link once per session.

    ``?page=chain&lang=en&region=370705&chain=LED&layers=province,counties,firms&basemap=none``
    opens that view; unknown values are ignored (the defaults stay).
    """
    if st.session_state.get("_query_applied"):
        return
    st.session_state["_query_applied"] = True
    qp = st.query_params
    if qp.get("page") in PAGES:
        st.session_state["page"] = qp["page"]
    if qp.get("lang") in LANGS:
        st.session_state["lang"] = qp["lang"]
    code = str(qp.get("region", ""))
    if code.isdigit() and len(code) == 6:
        from atlas_app import loaders

        if code in loaders.region_options("zh"):
            state.select_region(code)
    if qp.get("chain"):
        st.session_state["chain"] = str(qp["chain"])
    if qp.get("layers"):
        from atlas_app.page_map import MAP_LAYERS

        wanted = [x for x in str(qp["layers"]).split(",") if x in MAP_LAYERS]
        if wanted:
            st.session_state["map_layers"] = wanted
    if qp.get("basemap") in ("none", "osm", "amap"):
        st.session_state["basemap"] = qp["basemap"]


def main() -> None:
    """Sidebar (language, page, basemap, selected region), the data banner, then the page."""
    st.set_page_config(
        page_title="山东产业集群布局图谱 · Shandong Cluster Atlas",
        page_icon="🗺️",
        layout="wide",
        initial_sidebar_state="expanded",
    )
    st.session_state.setdefault("lang", "zh")
    st.session_state.setdefault(state.REGION_KEY, state.PROVINCE)
    _apply_query_params()
    with st.sidebar:
        lang = st.radio(
            t("language", str(st.session_state["lang"])),
            LANGS,
            key="lang",
            horizontal=True,
            format_func=lambda v: t(f"shell_lang_{v}", v),
            on_change=state.relabel_widgets,
        )
        st.title(t("app_title", lang))
        st.caption(t("app_caption", lang))
        page = st.radio(
            t("page", lang), PAGES, key="page", format_func=lambda p: t(f"page_{p}", lang)
        )
        st.divider()
        from atlas_app import loaders

        opts = loaders.region_options(lang)
        st.markdown(f"**{t('selected_region', lang)}**")
        st.text(opts.get(state.region(), state.region()))
        if state.region() != state.PROVINCE and st.button(
            t("clear_region", lang), key="clear_region"
        ):
            state.select_region(None)
            st.rerun()
        st.divider()
        from atlas_app.basemap_ui import basemap_settings

        guarded(basemap_settings, lang)
    from atlas_app.ui import page_style

    page_style(lang)
    st.header(t(f"page_{page}", lang))
    guarded(_banner, lang)
    guarded(_page_function(page), lang)
    from atlas_app.warm import warm_up

    warm_up()  # once per process, after the first page: shared analyses in the background


main()
