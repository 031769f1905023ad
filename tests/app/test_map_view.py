"""``atlas_app.map_view.show_map`` sends exactly what ``st_folium`` sends, prepared once.

Both draw the same maps in one AppTest script (with and without a feature group to add, with
and without returned objects); the component arguments Streamlit records must be equal, up to
folium's random element ids. A second script run must not build or prepare the map again.
"""

from __future__ import annotations

import json
import re
from typing import Any

from streamlit.testing.v1 import AppTest

_IDS = re.compile(r"_[0-9a-f]{32}")


def _script() -> None:  # runs inside AppTest: imports live here
    import streamlit as st
    from streamlit_folium import st_folium

    from atlas_app import loaders
    from atlas_app.map_view import show_map
    from geo.maps import DEFAULT_TOLERANCE, build_map, selection_group

    calls = st.session_state.setdefault("builds", [])

    def counted(layers, **kw):  # untyped: AppTest runs this source without postponed annotations
        calls.append(1)
        return build_map(layers, **kw)

    disp = loaders.display(DEFAULT_TOLERANCE)
    layers = {"counties": disp["counties"], "cities": disp["cities"]}
    opts = {"basemap": "none", "lang": "en", "simplified": False, "height": 300}
    for tag, code, objects in (("plain", None, []), ("sel", "370102", ["last_active_drawing"])):
        # a feature group is rendered into the map it is drawn on: each call gets its own
        group = selection_group(disp, code, lang="en") if code else None
        group2 = selection_group(disp, code, lang="en") if code else None
        st_folium(
            build_map(layers, **opts),
            key=f"{tag}_ref",
            height=300,
            use_container_width=True,
            returned_objects=objects,
            feature_group_to_add=group2,
        )
        show_map(
            loaders.map_spec(counted, layers, **opts),
            key=f"{tag}_ours",
            height=300,
            returned_objects=objects,
            feature_group_to_add=group,
        )


def _args(at: AppTest) -> list[dict[str, Any]]:
    out = []
    for c in at.get("component_instance"):
        if c.proto.component_name == "streamlit_folium.st_folium":
            args = json.loads(_IDS.sub("_ID", c.proto.json_args))
            args.pop("key")  # st_folium's key is a hash of the script and the caller's key
            out.append(args)
    return out


def test_show_map_sends_what_st_folium_sends_and_prepares_once() -> None:
    at = AppTest.from_function(_script, default_timeout=300)
    at.run()
    assert not at.exception
    got = _args(at)
    assert len(got) == 4
    ref_plain, ours_plain, ref_sel, ours_sel = got
    assert ours_plain == ref_plain
    assert ours_sel == ref_sel
    assert ours_sel["feature_group"] and not ours_plain["feature_group"]
    builds = len(at.session_state["builds"])
    assert builds >= 1
    at.run()
    assert _args(at) == got  # a rerun sends the same
    assert len(at.session_state["builds"]) == builds  # and builds nothing again
