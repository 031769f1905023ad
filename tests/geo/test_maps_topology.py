"""Polygon and line layers as TopoJSON; Leaflet inline for saved maps, linked for an app.

The topology is decoded here by :mod:`mapdoc` (its own arc decoder, not ``geo.maps.topology``'s
nor topojson-client's) and compared with the GeoJSON the same features give.
"""

from __future__ import annotations

import re
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.geometry
from mapdoc import decode_arcs, decode_topology, page_features

from geo.layers import LAYER_NAMES, load_layer
from geo.maps import (
    SERVED_ASSETS,
    TOPOJSON_CLIENT,
    MapError,
    TopoGeoJson,
    build_map,
    display_layers,
    feature_collection,
    feature_props,
    localise_assets,
    quantum_for,
    served_asset_files,
    topology,
)
from geo.maps.topology import _TopologyTemplate

DISPLAY_STEP = 0.001  # the app's display precision (atlas_app.loaders.DISPLAY_DECIMALS = 3)
POLYGON_LAYERS = ("counties", "cities", "zones", "province")


@pytest.fixture(scope="module")
def display() -> dict[str, gpd.GeoDataFrame]:
    return display_layers({n: load_layer(n) for n in LAYER_NAMES}, precision=3)


def _doc(gdf: gpd.GeoDataFrame, name: str) -> dict[str, Any]:
    return feature_collection(gdf, feature_props(gdf, name, "zh"))


def _shape(geometry: dict[str, Any] | None) -> Any:
    """A shapely geometry without zero-area rings (rounding leaves a few spikes, p-q-p)."""
    if geometry is None:
        return None
    polys = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polys = [polys]
    parts = []
    for rings in polys:
        kept = [r for r in rings if len(r) >= 4 and shapely.Polygon(r).area > 0]
        if kept:
            parts.append(shapely.Polygon(kept[0], kept[1:]))
    return shapely.MultiPolygon(parts)


def _vertices(geometry: dict[str, Any]) -> np.ndarray:
    return np.array(shapely.get_coordinates(shapely.geometry.shape(geometry)))


def _assert_round_trip(doc: dict[str, Any], topo: dict[str, Any], tol: float) -> None:
    decoded = decode_topology(topo)
    assert [f.get("id") for f in decoded] == [f.get("id") for f in doc["features"]]
    assert [f["properties"] for f in decoded] == [f["properties"] for f in doc["features"]]
    for orig, back in zip(doc["features"], decoded, strict=True):
        a, b = _shape(orig["geometry"]), _shape(back["geometry"])
        # the same area drawn: nothing gained or lost beyond the grid
        assert a.symmetric_difference(b).area <= a.length * tol
        # no decoded vertex moved further than the tolerance from a vertex of the original
        ours = np.concatenate(
            [np.asarray(r) for p in back["geometry"]["coordinates"] for r in _rings(p, back)]
        )
        tree = shapely.STRtree(shapely.points(_vertices(orig["geometry"])))
        _, dist = tree.query_nearest(shapely.points(ours), return_distance=True)
        assert dist.max() <= tol
        # every vertex of the original's drawn rings lies on the decoded outline (topojson
        # merges collinear points, which moves nothing)
        corners = shapely.points(shapely.get_coordinates(a))
        assert shapely.distance(corners, b.boundary).max() <= tol


def _rings(part: Any, feat: dict[str, Any]) -> list[Any]:
    return [part] if feat["geometry"]["type"] == "Polygon" else part


@pytest.mark.parametrize("name", POLYGON_LAYERS)
def test_display_layers_round_trip_within_the_display_precision(
    display: dict[str, gpd.GeoDataFrame], name: str
) -> None:
    doc = _doc(display[name], name)
    topo = topology(doc)
    # display geometry lies on the 0.001° grid: quantized on it, without loss
    assert topo["transform"]["scale"] == [DISPLAY_STEP, DISPLAY_STEP]
    assert all(isinstance(v, int) for arc in topo["arcs"] for p in arc for v in p)
    _assert_round_trip(doc, topo, tol=1e-9)


def test_shared_county_edges_are_sent_once(display: dict[str, gpd.GeoDataFrame]) -> None:
    doc = _doc(display["counties"], "counties")
    points_geojson = sum(len(_vertices(f["geometry"])) for f in doc["features"])
    points_topology = sum(len(a) for a in decode_arcs(topology(doc)))
    # an inner edge belongs to two counties: GeoJSON repeats it, the topology does not
    assert points_topology < 0.6 * points_geojson


def test_coordinates_off_the_grid_move_at_most_half_a_fine_step(
    display: dict[str, gpd.GeoDataFrame],
) -> None:
    gdf = display["cities"].copy()
    # a smooth shift (as a datum change is): shared vertices stay shared, rings closed
    gdf["geometry"] = shapely.transform(
        gdf.geometry.to_numpy(), lambda c: c + 3.3e-5 * np.sin(c * 997.0)
    )
    doc = _doc(gdf, "cities")
    topo = topology(doc)
    step = topo["transform"]["scale"][0]
    assert step <= DISPLAY_STEP / 100
    _assert_round_trip(doc, topo, tol=step / 2 + 1e-12)


def test_quantum_is_the_coarsest_grid_the_coordinates_lie_on() -> None:
    assert quantum_for(np.array([[117.1, 36.25]])) == 0.001
    assert quantum_for(np.array([[117.1234, 36.25]])) == 0.0001
    assert quantum_for(np.array([[117.123456, 36.25]])) == 0.000001
    assert quantum_for(np.array([[117.0 + 1 / 3, 36.25]])) == 0.00001


def test_lines_and_missing_geometries_keep_their_place() -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "a",
                "properties": {"n": 1},
                "geometry": {"type": "LineString", "coordinates": [[117.0, 36.0], [118.5, 36.2]]},
            },
            {"type": "Feature", "id": "b", "properties": {"n": 2}, "geometry": None},
            {
                "type": "Feature",
                "id": "c",
                "properties": {"n": 3},
                "geometry": {"type": "LineString", "coordinates": [[118.5, 36.2], [119.0, 37.0]]},
            },
        ],
    }
    back = decode_topology(topology(doc))
    assert [f["id"] for f in back] == ["a", "b", "c"]
    assert back[1]["geometry"] is None
    for i in (0, 2):
        got = np.array(back[i]["geometry"]["coordinates"])
        want = np.array(doc["features"][i]["geometry"]["coordinates"])
        assert np.abs(got - want).max() <= 1e-9


def test_points_in_a_mixed_layer_and_an_empty_layer_survive() -> None:
    square = [[117.0, 36.0], [117.5, 36.0], [117.5, 36.5], [117.0, 36.5], [117.0, 36.0]]
    feats = [
        {"type": "Point", "coordinates": [118.25, 36.75]},
        {"type": "Polygon", "coordinates": [square]},
        {"type": "MultiPoint", "coordinates": [[119.0, 37.0], [119.5, 37.25]]},
    ]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": str(i), "properties": {}, "geometry": g}
            for i, g in enumerate(feats)
        ],
    }
    back = decode_topology(topology(doc))
    for want, got in zip(feats, back, strict=True):
        assert got["geometry"]["type"] == want["type"]
        a, b = shapely.geometry.shape(want), shapely.geometry.shape(got["geometry"])
        assert shapely.equals(a, b) and shapely.hausdorff_distance(a, b) <= 1e-9
    empty = topology({"type": "FeatureCollection", "features": []})
    assert empty["arcs"] == [] and decode_topology(empty) == []


def test_arcs_are_computed_once_for_the_same_geometry(
    display: dict[str, gpd.GeoDataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _doc(display["province"], "province")
    first = topology(doc)
    import topojson

    def no_second_build(*_a: Any, **_k: Any) -> None:
        raise AssertionError("arcs rebuilt for geometry already seen")

    monkeypatch.setattr(topojson, "Topology", no_second_build)
    en = feature_collection(display["province"], feature_props(display["province"], "p", "en"))
    again = topology(en)
    assert again["arcs"] == first["arcs"]
    assert again["objects"] != first["objects"]  # properties are per call (the language)


# ----------------------------------------------------------------------------- in a map
def test_polygons_reach_the_page_as_topology_and_points_as_geojson(
    display: dict[str, gpd.GeoDataFrame],
) -> None:
    layers = {n: display[n] for n in ("province", "cities", "counties", "htz")}
    m = build_map(layers, simplified=False, selected="370705")
    html = m.get_root().render()
    bodies = re.findall(r"_add\((\{.*\})\);$", html, flags=re.M)
    kinds = sorted('"type":"Topology"}' in b or '"type": "Topology"}' in b for b in bodies)
    assert kinds.count(True) == 3  # province, cities, counties
    assert kinds.count(False) == 2  # htz points and the selection outline stay GeoJSON
    counties = page_features(html, "counties")
    assert len(counties) == len(display["counties"])
    # the styler and highlighter switch on feature.id; the tooltip reads properties
    assert "switch(feature.id)" in html and ".bindTooltip(" in html
    assert all(f["properties"]["key"] == f["id"] for f in counties)
    assert html.count("proto._atlasTopology = true") >= 3  # the decoder, once per layer
    assert "topojson.feature(data, data.objects[name])" in html


def test_a_folium_template_that_moved_the_data_is_refused() -> None:
    from jinja2 import Template

    class Moved(TopoGeoJson):
        _template = _TopologyTemplate(
            Template(
                "{% macro script(this, kwargs) %}var d = {{ this.data|tojson }};{% endmacro %}"
            )
        )

    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "x",
                "properties": {},
                "geometry": {"type": "LineString", "coordinates": [[117, 36], [118, 37]]},
            }
        ],
    }
    m = folium.Map(tiles=None)
    Moved(doc).add_to(m)
    with pytest.raises(MapError, match="template"):
        m.get_root().render()


def test_bounds_come_from_the_topology(display: dict[str, gpd.GeoDataFrame]) -> None:
    gj = TopoGeoJson(_doc(display["province"], "province"))
    x0, y0, x1, y1 = display["province"].total_bounds
    assert np.allclose(np.array(gj._get_self_bounds()), [[y0, x0], [y1, x1]])


# ----------------------------------------------------------------------------- assets
def _links(m: folium.Map) -> list[str]:
    from geo.maps import walk

    return [
        u for el in walk(m) for a in ("default_js", "default_css") for _, u in getattr(el, a, [])
    ]


def test_a_saved_map_carries_leaflet_and_the_decoder_inline(
    display: dict[str, gpd.GeoDataFrame],
) -> None:
    m = build_map({"counties": display["counties"]}, simplified=False)
    links = _links(m)
    assert links and all(u.startswith("data:") for u in links)
    page = m.get_root().render()
    assert 'src="data:text/javascript;charset=utf-8;base64,' in page
    assert 'href="data:text/css;charset=utf-8;base64,' in page
    assert "/app/static/" not in page


def test_a_map_built_for_an_app_links_the_served_files(
    display: dict[str, gpd.GeoDataFrame],
) -> None:
    prefix = "../../app/static/"
    m = build_map({"counties": display["counties"]}, simplified=False, served_assets=prefix)
    links = _links(m)
    served = set(SERVED_ASSETS.values())
    assert links and all(u.startswith(prefix) and u[len(prefix) :] in served for u in links)
    assert prefix + SERVED_ASSETS[TOPOJSON_CLIENT[1]] in links
    page = m.get_root().render()
    assert "data:text/javascript" not in page and "data:text/css" not in page


def test_a_shipped_asset_that_is_not_served_stays_inline() -> None:
    m = folium.Map(tiles=None)
    fullscreen = folium.plugins.Fullscreen().add_to(m)
    localise_assets(m, served="../../app/static/")
    assert fullscreen.default_js and all(u.startswith("data:") for _, u in fullscreen.default_js)
    assert all(u.startswith("../../app/static/") for _, u in m.default_js)


def test_an_unshipped_asset_is_still_an_error() -> None:
    m = folium.Map(tiles=None)
    m.default_js = [("leaflet", "https://example.org/leaflet.js")]
    with pytest.raises(MapError, match=r"example\.org"):
        localise_assets(m, served="../../app/static/")


def test_served_files_are_folium_offlines_copies() -> None:
    from offlinefolium import elements

    files = served_asset_files()
    assert sorted(files) == sorted(SERVED_ASSETS.values())
    for url, name in SERVED_ASSETS.items():
        assert files[name] == elements._res[url].encode("utf-8")
