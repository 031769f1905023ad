"""Helpers shared by the AppTest modules: start the app on a page, check it ran, read its maps."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

__all__ = ["APP", "REPO", "app", "folium_maps", "map_args", "ok"]

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "streamlit_app.py")


def app(
    page: str = "map", lang: str = "zh", query: dict[str, str] | None = None, **state: object
) -> AppTest:
    """An AppTest of ``streamlit_app.py`` opening ``page`` in ``lang`` with the given session state."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["page"] = page
    at.session_state["lang"] = lang
    for name, text in (query or {}).items():
        at.query_params[name] = text
    for k, v in state.items():
        at.session_state[k] = v
    return at


def ok(at: AppTest) -> AppTest:
    """``at`` after checking it raised nothing and showed no error box."""
    assert not at.exception, [e.message for e in at.exception]
    errors = [e.value for e in at.error]
    assert not errors, errors
    return at


def folium_maps(at: AppTest) -> list[dict]:
    """Arguments of every st_folium map of the page (their script holds the layers)."""
    comps = at.get("component_instance")
    return [
        json.loads(c.proto.json_args)
        for c in comps
        if c.proto.component_name == "streamlit_folium.st_folium"
    ]


def map_args(at: AppTest, index: int = 0) -> dict:
    """Arguments of the ``index``-th st_folium map of the page."""
    maps = folium_maps(at)
    assert len(maps) > index, "no such st_folium map on the page"
    return maps[index]
