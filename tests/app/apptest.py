"""Helpers shared by the AppTest modules: start the app on a page, check it ran, read its maps."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

__all__ = [
    "APP",
    "REPO",
    "app",
    "deferred_bytes",
    "folium_maps",
    "map_args",
    "ok",
    "record_deferred",
]

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
    """Arguments of every st_folium map of the page.

    ``script`` is everything the browser runs in the map: the map's own script followed by its
    feature groups' (``feature_group``, the layers a page swaps in on a map already drawn);
    ``base_script`` is the map's own script alone.
    """
    comps = at.get("component_instance")
    out = []
    for c in comps:
        if c.proto.component_name != "streamlit_folium.st_folium":
            continue
        args = json.loads(c.proto.json_args)
        args["base_script"] = args["script"]
        args["script"] = args["script"] + (args.get("feature_group") or "")
        out.append(args)
    return out


def map_args(at: AppTest, index: int = 0) -> dict:
    """Arguments of the ``index``-th st_folium map of the page."""
    maps = folium_maps(at)
    assert len(maps) > index, "no such st_folium map on the page"
    return maps[index]


def record_deferred(monkeypatch: Any) -> dict[str, Callable[[], Any]]:
    """Record every deferred download (``atlas_app.ui.lazy_download``) the next runs register.

    AppTest gives each run its own media file manager and drops it afterwards, so the
    callables are caught as they are registered: ``{deferred file id: callable}``.
    """
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def recording(self: MediaFileManager, data_callable: Any, *args: Any, **kwargs: Any) -> str:
        file_id = original(self, data_callable, *args, **kwargs)
        seen[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    return seen


def deferred_bytes(at: AppTest, key: str, recorded: dict[str, Callable[[], Any]]) -> bytes:
    """The file of the lazy download button ``key``, made now as a click would make it."""
    proto = at.download_button(key=key).proto
    assert proto.deferred_file_id, f"{key} is not a deferred download"
    data = recorded[proto.deferred_file_id]()
    assert isinstance(data, bytes)
    return data
