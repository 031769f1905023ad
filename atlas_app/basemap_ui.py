"""The basemap every map of the app uses: a sidebar picker, a custom tile service, a config file.

Choices: no basemap (offline), OpenStreetMap, Amap, the services of the configuration file
(:func:`geo.maps.default_basemaps_path`: ``$ATLAS_BASEMAPS`` or ``./basemaps.toml``) and a
custom XYZ/WMTS service typed in the sidebar with its datum. Problems of the file or the typed
service are listed in the page's language; an invalid service is never drawn.

Session keys: ``basemap`` (the choice: a built-in name, a configured service's name or
``custom``), ``bm_custom_service`` (the custom :class:`geo.maps.TileService` once applied),
``bm_problems`` (problems of the last "use this service"), and the form's widgets ``bm_url``,
``bm_overlay``, ``bm_datum``, ``bm_title``, ``bm_attribution``, ``bm_subdomains``.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from atlas_app.i18n import t
from geo.maps import BASEMAPS, DATUMS, MapError, TileService, default_basemaps_path, load_basemaps
from geo.problems import Problem

__all__ = ["CUSTOM", "basemap_settings", "configured_services", "current_basemap"]

CUSTOM = "custom"
_SERVICE_KEY, _PROBLEMS_KEY = "bm_custom_service", "bm_problems"


@st.cache_data(max_entries=4, show_spinner=False)
def _read_config(path: str, mtime: float) -> tuple[list[TileService], list[Problem]]:
    try:
        return load_basemaps(path), []
    except MapError as exc:
        return [], list(exc.problems)


def configured_services() -> tuple[list[TileService], list[Problem], Path]:
    """Services of the configuration file (none when it does not exist) and its problems."""
    path = default_basemaps_path()
    if not path.is_file():
        return [], [], path
    services, problems = _read_config(str(path), os.path.getmtime(path))
    return services, problems, path


def _choices() -> dict[str, TileService | str]:
    services, _, _ = configured_services()
    out: dict[str, TileService | str] = {name: name for name in BASEMAPS}
    out.update({s.name: s for s in services})
    out[CUSTOM] = st.session_state.get(_SERVICE_KEY) or CUSTOM
    return out


def current_basemap() -> str | TileService:
    """The basemap of every map: a built-in name or a tile service (``"none"`` by default)."""
    choice = str(st.session_state.get("basemap") or "none")
    value = _choices().get(choice, "none")
    if value == CUSTOM:  # "custom" chosen but no valid service applied yet
        return "none"
    return value


def _label(choice: str, lang: str) -> str:
    value = _choices().get(choice)
    if isinstance(value, TileService):
        return value.title(lang)
    if choice == CUSTOM:
        return t("basemap_custom", lang)
    return t(f"basemap_{choice}", lang)


def _apply(lang: str) -> None:
    ss = st.session_state
    service = TileService(
        "custom",
        str(ss.get("bm_url") or "").strip(),
        str(ss.get("bm_datum") or "wgs84"),
        title_zh=str(ss.get("bm_title") or "").strip() or t("bm_custom_default_title", "zh"),
        title_en=str(ss.get("bm_title") or "").strip() or t("bm_custom_default_title", "en"),
        attribution=str(ss.get("bm_attribution") or "").strip(),
        subdomains=str(ss.get("bm_subdomains") or "").strip(),
        overlay_url=str(ss.get("bm_overlay") or "").strip() or None,
    )
    problems = service.problems()
    ss[_PROBLEMS_KEY] = problems
    if not problems:
        ss[_SERVICE_KEY] = service
        ss["basemap"] = CUSTOM


def basemap_settings(lang: str) -> None:
    """The sidebar's basemap picker and custom tile-service form (call inside the sidebar)."""
    from atlas_app.ui import show_problems

    choices = list(_choices())
    if st.session_state.get("basemap") not in choices:
        st.session_state["basemap"] = "none"
    st.selectbox(
        t("bm_pick", lang),
        choices,
        key="basemap",
        format_func=lambda c: _label(c, lang),
        help=t("bm_help", lang),
    )
    services, file_problems, path = configured_services()
    if services:
        st.caption(t("bm_config", lang, n=len(services), path=str(path)))
    if file_problems:
        show_problems(file_problems, t("bm_config_problems", lang, n=len(file_problems)), lang)
    with st.expander(t("bm_custom", lang), expanded=st.session_state.get("basemap") == CUSTOM):
        st.text_input(t("bm_url", lang), key="bm_url", help=t("bm_url_help", lang))
        st.text_input(t("bm_overlay", lang), key="bm_overlay")
        st.selectbox(
            t("bm_datum", lang),
            DATUMS,
            key="bm_datum",
            format_func=lambda d: t(f"tile_datum_{d}", lang),
        )
        st.text_input(t("bm_title", lang), key="bm_title")
        st.text_input(t("bm_attribution", lang), key="bm_attribution")
        st.text_input(
            t("bm_subdomains", lang), key="bm_subdomains", help=t("bm_subdomains_help", lang)
        )
        st.button(t("bm_use", lang), key="bm_use", on_click=_apply, args=(lang,))
        problems = st.session_state.get(_PROBLEMS_KEY) or []
        if problems:
            show_problems(problems, t("bm_problems", lang, n=len(problems)), lang)
