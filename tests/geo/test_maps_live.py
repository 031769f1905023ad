"""geo.maps.live_layers: layers swapped into a drawn map carry their legend, view and control entries.

The groups are rendered the way streamlit-folium renders ``feature_group_to_add`` (against the
base map, the map's variable renamed ``map_div``), and the resulting JavaScript is checked: the
first group takes the previous set out of the layer control, every group lists itself under its
title, the legend is replaced by these layers' entries and the view fits the selected region.
User text reaches the script as JSON text only.
"""

from __future__ import annotations

import html as html_lib
import json
import re

import folium
import geopandas as gpd
import pytest
import streamlit_folium as sf
from shapely.geometry import LineString, Point, box

from geo.maps import build_map, live_layers

XSS = "<img src=x onerror=alert(1)>{{ 7*7 }}"


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    counties = gpd.GeoDataFrame(
        {"adcode": ["370102", "370103"], "name_zh": ["历下区", XSS], "name_en": ["Lixia", "B"]},
        geometry=[box(117.0, 36.6, 117.1, 36.7), box(117.1, 36.6, 117.2, 36.7)],
        crs="EPSG:4326",
    )
    return {"counties": counties}


def _js(groups: list[folium.FeatureGroup], base: folium.Map) -> str:
    return "".join(sf._get_feature_group_string(g, map=base, idx=i) for i, g in enumerate(groups))


def test_live_layers_carry_control_entries_legend_and_view(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    base = build_map(layers, lang="zh", simplified=False, extra_legend="<div></div>")
    base_js = base.get_root().render()
    assert ".atlasLayers = layer_control_" in base_js  # the base marks its layer control
    sources = gpd.GeoDataFrame(
        {"id": ["s1"], "name_zh": [XSS], "name_en": ["Firm"]},
        geometry=[Point(117.15, 36.65)],
        crs="EPSG:4326",
    )
    lines = gpd.GeoDataFrame(
        {"id": ["a>b"], "name_zh": ["环节 → 目标"], "name_en": ["node → target"]},
        geometry=[LineString([(117.05, 36.65), (117.15, 36.65)])],
        crs="EPSG:4326",
    )
    groups = live_layers(
        {"sources": sources},
        base_layers=layers,
        lang="zh",
        lines=lines,
        selected="370102",
        fit="selected",
    )
    assert len(groups) == 3  # sources, lines, the selection outline
    js = _js(groups, base)
    assert "map_div" in js and base.get_name() not in js
    entries = re.findall(r"ctl\.addOverlay\(layer, (\"[^\"]*\")\)", js)
    assert len(entries) == 3
    resets = re.findall(r"if \((true|false)\) \{\s*\(map\.atlasEntries", js)
    assert resets == ["true", "false", "false"]  # only the first group clears the old set
    legend = re.search(r"div\.innerHTML = (\"(?:[^\"\\]|\\.)*\");", js)
    assert legend is not None
    text = json.loads(legend.group(1))
    assert "atlas-legend" not in text and "border-top:3px dashed" in text  # the lines' entry
    view = re.search(r"map_div\.fitBounds\((\[\[.*?\]\]), \{animate: false\}\);", js)
    assert view is not None
    (s, w), (n, e) = json.loads(view.group(1))
    assert (w, s, e, n) == pytest.approx((117.0, 36.6, 117.1, 36.7))  # the selected county
    # user text only as escaped text: never markup, never a template
    assert "<img src=x" not in js and "{{ 7*7 }}" not in js
    assert "49" not in re.sub(r"[0-9.]{3,}", "", js)
    shown = html_lib.escape("<img src=x", quote=False)  # as esc() writes it, JSON-escaped or not
    assert shown in js or shown.replace("&", "\\u0026") in js


def test_no_layers_still_set_the_legend_and_the_view(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    base = build_map(layers, lang="en", simplified=False, extra_legend="<div></div>")
    groups = live_layers({}, base_layers=layers, lang="en", fit="layers")
    assert len(groups) == 1
    js = _js(groups, base)
    assert 'div.innerHTML = "";' in js  # an empty legend hides itself
    assert "map_div.fitBounds(" in js
    assert re.search(r'if \(""\) \{\s*ctl\.addOverlay', js)  # nothing to list
    assert re.search(r"if \(true\) \{\s*\(map\.atlasEntries", js)  # but the old entries go
