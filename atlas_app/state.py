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
    "PROVINCE",
    "REGION_KEY",
    "FirmData",
    "current_firms",
    "region",
    "region_picker",
    "select_region",
    "selection_from_click",
]

PROVINCE = "370000"
REGION_KEY = "selected_region"


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
    """Select ``code`` (a county or city adcode) for every page; ``None`` clears the selection."""
    st.session_state[REGION_KEY] = code or PROVINCE


def region_picker(label: str, options: dict[str, str], *, key: str) -> str:
    """A selectbox of regions that reads and writes the shared selection; returns the code."""
    current = region()
    if current not in options:
        current = PROVINCE
    st.session_state[key] = current

    def _changed() -> None:
        select_region(st.session_state[key])

    st.selectbox(
        label, list(options), format_func=lambda c: options.get(c, c), key=key, on_change=_changed
    )
    return region()


def selection_from_click(value: Any) -> str | None:
    """Region code from ``st_folium``'s ``last_active_drawing`` (feature ids are ``layer:code``).

    Only counties and cities select a region; a click elsewhere (a point, a zone) returns None.

    >>> selection_from_click({"last_active_drawing": {"id": "counties:370102"}})
    '370102'
    >>> selection_from_click({"last_active_drawing": {"id": "htz:SD-NHTZ-01"}}) is None
    True
    """
    if not isinstance(value, dict):
        return None
    feat = value.get("last_active_drawing")
    if not isinstance(feat, dict):
        return None
    fid = str(feat.get("id") or (feat.get("properties") or {}).get("key") or "")
    layer, _, code = fid.partition(":")
    if layer in ("counties", "cities") and code.isdigit() and len(code) == 6:
        return code
    return None
