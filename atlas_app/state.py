"""Session state shared by the pages: the firm table in use and the selected region.

Keys
----
``lang``           ``"zh"`` or ``"en"`` (the sidebar switch).
``selected_region`` selected region code (``"370000"`` = whole province, a city or county
                   adcode). Kept apart from widget keys, which Streamlit forgets on pages
                   that do not draw the widget; pickers sync through :func:`region_picker`.
``firms_upload``   ``{"name", "token", "gdf", "summary"}`` once a user has chosen uploaded firms.
``last_import``    the last :class:`layout.records.ImportResult` (and its file name), for rejects.
``chain_result``   the last chain analysis shown (for the export page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import streamlit as st

from atlas_app import loaders

__all__ = [
    "CHOSEN_KEY",
    "PROVINCE",
    "REGION_KEY",
    "FirmData",
    "current_firms",
    "effective_region",
    "region",
    "region_chosen",
    "region_picker",
    "relabel_widgets",
    "select_region",
    "selection_from_click",
]

PROVINCE = "370000"
REGION_KEY = "selected_region"
CHOSEN_KEY = "_region_chosen"  # True once the user (or a link) chose a region, the province too


@dataclass(frozen=True)
class FirmData:
    """The firm table every page uses, with whether it is (or contains) synthetic demo data."""

    gdf: gpd.GeoDataFrame
    synthetic: bool
    demo: bool
    token: str
    name: str


def current_firms() -> FirmData:
    """Uploaded firms if the user chose them, else the demonstration table."""
    up = st.session_state.get("firms_upload")
    if up is not None:
        gdf = up["gdf"]
        synth = bool("synthetic" in gdf and gdf["synthetic"].fillna(False).astype(bool).any())
        return FirmData(gdf, synth, False, up["token"], up["name"])
    return FirmData(loaders.demo_firms(), True, True, "demo", "demo")


def region() -> str:
    """The selected region code (the province when nothing is selected)."""
    return str(st.session_state.get(REGION_KEY) or PROVINCE)


def select_region(code: str | None) -> None:
    """Select ``code`` (a county or city adcode) for every page; ``None`` clears the selection.

    Either way the choice counts as made (:func:`region_chosen`): pages stop proposing their
    default region.
    """
    st.session_state[REGION_KEY] = code or PROVINCE
    st.session_state[CHOSEN_KEY] = True


def region_chosen() -> bool:
    """True once a region (or explicitly the whole province) was chosen in this session."""
    return bool(st.session_state.get(CHOSEN_KEY))


def effective_region(default: str | None = None) -> str:
    """The region a page shows: the selection, or ``default`` while nothing was chosen yet and
    the selection is the whole province (so a page opens on something meaningful)."""
    current = region()
    if default and current == PROVINCE and not region_chosen():
        return default
    return current


def region_picker(
    label: str, options: dict[str, str], *, key: str, default: str | None = None
) -> str:
    """A selectbox of regions that reads and writes the shared selection; returns the code.

    ``default`` is shown (and returned) while nothing was chosen yet (:func:`effective_region`).
    """
    current = effective_region(default)
    if current not in options:
        current = PROVINCE
    st.session_state[key] = current

    def _changed() -> None:
        select_region(st.session_state[key])

    st.selectbox(
        label, list(options), format_func=lambda c: options.get(c, c), key=key, on_change=_changed
    )
    return effective_region(default)


def selection_from_click(value: Any) -> str | None:
    """Region code from ``st_folium``'s ``last_active_drawing`` (feature ids are ``layer:code``).

    A county or city selects itself; a point inside one county (a high-tech zone, a firm, a
    cluster at one county) carries that county's adcode as ``select`` and selects it; a click
    elsewhere (a zone outline, a point spanning counties) returns None.

    >>> selection_from_click({"last_active_drawing": {"id": "counties:370102"}})
    '370102'
    >>> selection_from_click({"last_active_drawing": {"id": "htz:SD-NHTZ-01",
    ...                                                "properties": {"select": "370102"}}})
    '370102'
    >>> selection_from_click({"last_active_drawing": {"id": "zones:BLUE"}}) is None
    True
    """
    if not isinstance(value, dict):
        return None
    feat = value.get("last_active_drawing")
    if not isinstance(feat, dict):
        return None
    props = feat.get("properties") or {}
    fid = str(feat.get("id") or props.get("key") or "")
    layer, _, code = fid.partition(":")
    if layer in ("counties", "cities") and code.isdigit() and len(code) == 6:
        return code
    pick = str(props.get("select") or "")
    if pick.isdigit() and len(pick) == 6:
        return pick
    return None


def relabel_widgets() -> None:
    """Language switch (a callback): re-send every choice widget's value so it shows in the new
    language.

    Streamlit identifies a keyed widget by its key alone, so a widget whose label and option
    names change with the language keeps its value, but its front end keeps showing the old
    language's option name until the value is set again. Re-setting each value through the
    session state (same value) makes Streamlit send it with the new names. Only plain values are
    re-set (options are codes: strings, numbers, lists of them); buttons (booleans), uploads
    and data editors (objects) cannot be set and need no relabelling.
    """
    ss = st.session_state
    for key in list(ss.keys()):
        if key == "lang" or str(key).startswith("_"):
            continue
        value = ss[key]
        plain = isinstance(value, str | int | float) and not isinstance(value, bool)
        listed = isinstance(value, list | tuple) and all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
        )
        if plain or listed:
            try:
                ss[key] = value
            except Exception:  # a key Streamlit refuses to set: nothing to relabel there
                continue
