"""geo.maps: offline assets, display geometry, datum shift, escaping, classification.

Maps are tested by inspecting the folium object and its rendered HTML (STYLE.md §9); the
browser-level checks are in tests/app/test_browser.py.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pytest
import shapely
from mapdoc import page_features
from shapely.geometry import Point, box

from geo.boundaries import load_cities, load_counties, load_province
from geo.maps import (
    Choropleth,
    MapError,
    asset_data_url,
    build_map,
    classify_values,
    display_geometries,
    display_layers,
    esc,
    map_external_urls,
    selection_group,
    verification_flag,
)

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    return load_counties()


def _features(html: str, layer: str) -> list[dict]:
    """Features of one layer out of a rendered map page (GeoJSON, or TopoJSON decoded)."""
    return page_features(html, layer)


# ----------------------------------------------------------------------------- display geometry
def test_coverage_simplify_keeps_a_gap_free_coverage(counties: gpd.GeoDataFrame) -> None:
    disp = display_geometries(counties, tolerance=0.004)
    before = shapely.get_num_coordinates(counties.geometry.to_numpy()).sum()
    after = shapely.get_num_coordinates(disp.geometry.to_numpy()).sum()
    assert after < before / 3
    geoms = disp.geometry.to_numpy()
    # no overlaps, and no gap narrower than ~100 m opened between neighbours
    assert bool(shapely.coverage_is_valid(geoms, gap_width=0.001))
    assert shapely.is_valid(geoms).all()
    union = shapely.coverage_union_all(geoms)
    assert abs(shapely.area(geoms).sum() - shapely.area(union)) < 1e-9
    # plain simplify (the thing not to do) breaks the coverage: the check above can fail
    plain = shapely.simplify(counties.geometry.to_numpy(), 0.004)
    assert not bool(shapely.coverage_is_valid(plain))


def test_display_coordinates_are_rounded(counties: gpd.GeoDataFrame) -> None:
    coords = shapely.get_coordinates(
        display_geometries(counties.head(5), precision=5).geometry.to_numpy()
    )
    assert np.allclose(coords, np.round(coords, 5), atol=0, rtol=0)


def test_display_layers_outlines_coincide(counties: gpd.GeoDataFrame) -> None:
    disp = display_layers(
        {"counties": counties, "cities": load_cities(), "province": load_province()}
    )
    c = disp["counties"]
    for city in disp["cities"].itertuples():
        members = c[c["city_adcode"] == city.adcode].geometry.to_numpy()
        assert shapely.equals(shapely.coverage_union_all(members), city.geometry)
    assert shapely.equals(
        shapely.coverage_union_all(c.geometry.to_numpy()), disp["province"].geometry.iloc[0]
    )


def test_display_does_not_touch_the_input(counties: gpd.GeoDataFrame) -> None:
    copy = counties.copy()
    display_layers({"counties": counties})
    assert counties.geometry.equals(copy.geometry)


# ----------------------------------------------------------------------------- offline assets
def test_map_needs_nothing_from_the_network(counties: gpd.GeoDataFrame) -> None:
    m = build_map({"counties": counties, "province": load_province()})
    assert map_external_urls(m) == []
    html = m.get_root().render()
    assert 'src="data:text/javascript' in html and 'href="data:text/css' in html
    for cdn in (
        "cdn.jsdelivr.net",
        "cdnjs.cloudflare.com",
        "unpkg.com",
        "code.jquery.com",
        "d3js.org",
    ):
        assert cdn not in html


def test_shipped_leaflet_is_the_real_thing() -> None:
    import base64

    url = asset_data_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
    js = base64.b64decode(url.split(",", 1)[1]).decode("utf-8")
    assert len(js) > 100_000 and "1.9.3" in js


def test_an_asset_without_a_local_copy_is_refused() -> None:
    with pytest.raises(MapError, match="no offline copy"):
        asset_data_url("https://example.org/not-shipped.js")


def test_firm_layers_use_plugins_that_ship_offline() -> None:
    pts = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"], "chain": "LED", "node": "epi"},
        geometry=[Point(117, 36.6), Point(118, 36.0), Point(120, 37)],
        crs="EPSG:4326",
    )
    markers = build_map({"firms": pts}, firms_mode="markers")
    heat = build_map({"firms": pts}, firms_mode="auto", marker_limit=2)
    assert "markerClusterGroup" in markers.get_root().render()
    assert "heatLayer" in heat.get_root().render()
    assert map_external_urls(markers) == [] and map_external_urls(heat) == []


# ----------------------------------------------------------------------------- escaping
def test_user_text_is_escaped_in_tooltips_and_popups() -> None:
    gdf = gpd.GeoDataFrame(
        {
            "zone_code": ["Z1"],
            "name_zh": [XSS],
            "name_en": ['"><script>alert(2)</script>'],
            "source": [XSS],
            "verification": ["unverified <b>x</b>"],
            "frame": ["2013"],
            "n_counties": [1],
        },
        geometry=[box(117, 36, 118, 37)],
        crs="EPSG:4326",
    )
    pts = gpd.GeoDataFrame(
        {"name": [XSS], "chain": ["LED"], "node": [XSS]},
        geometry=[Point(117.5, 36.5)],
        crs="EPSG:4326",
    )
    html = build_map({"zones": gdf, "firms": pts}).get_root().render()
    assert "<img src=x" not in html and "<script>alert(2)" not in html and "<b>x</b>" not in html
    feat = _features(html, "zones")[0]
    assert feat["properties"]["name"].startswith("&lt;img src=x onerror=alert(1)&gt;")
    assert feat["properties"]["source"] == "&lt;img src=x onerror=alert(1)&gt;"


def test_esc_and_verification_flag() -> None:
    assert esc(XSS) == "&lt;img src=x onerror=alert(1)&gt;"
    assert esc(None) == "" and esc(float("nan")) == ""
    assert verification_flag("verified (full text)") == "✓"
    assert verification_flag("unverified (template)") == "⚠"
    assert verification_flag("centre verified; county weak") == "⚠"
    assert verification_flag(None) == "⚠"


# ----------------------------------------------------------------------------- datum
def test_amap_basemap_shifts_every_overlay_to_gcj02() -> None:
    import eviltransform  # independent implementation of the GCJ-02 shift

    pts = gpd.GeoDataFrame(
        {"htz_id": ["H1"], "name_zh": ["测试"], "name_en": ["test"]},
        geometry=[Point(117.0, 36.65)],
        crs="EPSG:4326",
    )
    zone = gpd.GeoDataFrame(
        {"zone_code": ["Z"], "name_zh": ["区"], "name_en": ["zone"]},
        geometry=[box(117, 36, 117.5, 36.5)],
        crs="EPSG:4326",
    )
    wgs = build_map({"htz": pts, "zones": zone}, basemap="osm").get_root().render()
    gcj = build_map({"htz": pts, "zones": zone}, basemap="amap").get_root().render()
    lon_w, lat_w = _features(wgs, "htz")[0]["geometry"]["coordinates"]
    lon_g, lat_g = _features(gcj, "htz")[0]["geometry"]["coordinates"]
    assert (lon_w, lat_w) == (117.0, 36.65)
    exp_lat, exp_lon = eviltransform.wgs2gcj(36.65, 117.0)
    assert abs(lon_g - exp_lon) < 2e-5 and abs(lat_g - exp_lat) < 2e-5
    ring = _features(gcj, "zones")[0]["geometry"]["coordinates"][0]
    exp = eviltransform.wgs2gcj(36.0, 117.0)
    assert any(abs(x - exp[1]) < 2e-5 and abs(y - exp[0]) < 2e-5 for x, y in ring)
    assert "autonavi.com" in gcj and "openstreetmap.org" in wgs


def test_no_basemap_means_no_tiles(counties: gpd.GeoDataFrame) -> None:
    html = build_map({"counties": counties}, basemap="none").get_root().render()
    assert "autonavi" not in html and "tile.openstreetmap" not in html


# ----------------------------------------------------------------------------- choropleth
def test_classes_match_mapclassify() -> None:
    rng = np.random.default_rng(7)
    values = pd.Series(rng.gamma(2.0, 10.0, 136), index=[f"37{i:04d}" for i in range(136)])
    classes, bins = classify_values(values, scheme="quantiles", k=5)
    ref = mapclassify.Quantiles(values.to_numpy(), k=5)
    assert np.array_equal(classes.to_numpy(), ref.yb)
    assert np.allclose(bins, ref.bins)


def test_classes_handle_missing_and_few_values() -> None:
    values = pd.Series([1.0, 1.0, 2.0, np.nan], index=list("abcd"))
    classes, bins = classify_values(values, scheme="quantiles", k=5)
    assert classes["d"] == -1 and len(bins) == 2  # k cut to the 2 distinct values
    empty_classes, empty_bins = classify_values(pd.Series([np.nan, np.nan]), k=5)
    assert (empty_classes == -1).all() and empty_bins == []
    one, one_bins = classify_values(pd.Series([3.0, 3.0]), k=5)
    assert (one == 0).all() and one_bins == [3.0]


def test_tied_values_lower_k_without_warning() -> None:
    values = pd.Series([0.0] * 60 + [1.0] * 30 + [2.0, 3.0, 4.0, 5.0])
    classes, bins = classify_values(values, scheme="quantiles", k=5)  # warnings are errors here
    assert 1 <= len(bins) < 5 and classes.max() == len(bins) - 1


def test_fixed_bins_classify_like_mapclassify_user_defined() -> None:
    # fixed bounds (e.g. over every year of a panel) against mapclassify's UserDefined
    rng = np.random.default_rng(11)
    values = pd.Series(rng.gamma(2.0, 10.0, 80))
    values.iloc[3] = np.nan
    bounds = [5.0, 12.5, 20.0, 40.0]
    classes, bins = classify_values(values, bins=[20.0, 5.0, 40.0, 12.5])  # order does not matter
    assert bins == bounds
    finite = values.dropna()
    inside = finite[finite <= bounds[-1]]
    ref = mapclassify.UserDefined(inside.to_numpy(), bins=bounds)
    assert np.array_equal(classes[inside.index].to_numpy(), ref.yb)
    assert (classes[finite[finite > bounds[-1]].index] == len(bounds) - 1).all()  # top class
    assert classes.iloc[3] == -1


def test_fixed_bins_keep_empty_classes_in_the_legend(counties: gpd.GeoDataFrame) -> None:
    values = pd.Series(1.0, index=counties["adcode"])  # every county in the first class
    ch = Choropleth(values, "测试", "Test", bins=(2.0, 4.0, 8.0), fmt="{:.0f}")
    raw = build_map({"counties": counties}, choropleth=ch, lang="en").get_root().render()
    # the legend travels as a JSON string: read its escapes back
    html = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), raw)
    html = html.replace('\\"', '"')
    assert '≤ 2 <span class="note">(136)</span>' in html
    assert '2 – 4 <span class="note">(0)</span>' in html
    assert '4 – 8 <span class="note">(0)</span>' in html


def test_bad_arguments_are_all_reported() -> None:
    with pytest.raises(MapError) as err:
        classify_values(pd.Series([1.0, 2.0]), scheme="natural", k=42)
    assert "scheme='natural'" in str(err.value) and "k=42" in str(err.value)
    with pytest.raises(MapError) as err:
        build_map({"x": pd.DataFrame()}, basemap="google", lang="fr")  # type: ignore[dict-item]
    msg = str(err.value)
    assert "basemap='google'" in msg and "lang='fr'" in msg and "GeoDataFrame" in msg


def test_choropleth_colours_and_legend(counties: gpd.GeoDataFrame) -> None:
    values = pd.Series(np.arange(136, dtype=float), index=counties["adcode"])
    values.iloc[0] = np.nan
    ch = Choropleth(values, "测试指标", "Test metric", scheme="equal_interval", k=4, fmt="{:.0f}")
    html = build_map({"counties": counties}, choropleth=ch, lang="en").get_root().render()
    assert "Test metric" in html and "Equal interval, 4 classes" in html and "No data" in html
    assert html.count("#d9d9d9") >= 1  # the county without a value is grey
    feats = _features(html, "counties")
    assert len(feats) == 136
    assert {
        f["properties"]["value"]
        for f in feats
        if f["id"] == f"counties:{counties['adcode'].iloc[0]}"
    } == {"No data"}


def test_selection_group_outlines_a_region(counties: gpd.GeoDataFrame) -> None:
    group = selection_group({"counties": counties}, "370705")
    assert group is not None
    assert selection_group({"counties": counties}, "999999") is None


# ----------------------------------------------------------------------------- one language
def _visible_words(html: str) -> str:
    """Layer names, legend, tooltip aliases, feature names/details and labels of a map page."""
    parts: list[str] = []
    for m in re.finditer(r"innerHTML = (\"(?:[^\"\\]|\\.)*\")", html):
        parts.append(json.loads(m.group(1)))
    parts += re.findall(r"\"((?:[^\"\\]|\\.)*)\" : feature_group", html)
    for m in re.finditer(r"aliases: (\[[^\]]*\])", html):
        parts += json.loads(m.group(1))
    for f in page_features(html):
        parts += [str(f["properties"].get(k, "")) for k in ("name", "detail", "verification")]
    return " ".join(parts)


def test_a_chinese_map_shows_no_english_words(counties: gpd.GeoDataFrame) -> None:
    from geo.layers import load_layer

    layers = {
        n: load_layer(n) for n in ("province", "cities", "counties", "zones", "htz", "clusters")
    }
    zh = build_map(layers, lang="zh").get_root().render()
    text = re.sub(r"<[^>]+>", " ", _visible_words(zh))
    # place names, programme and location words, zone names: all Chinese; codes may stay
    words = set(re.findall(r"[A-Za-z]{3,}", text)) - {"GCJ", "WGS", "cnmaps", "data"}
    assert words == set(), sorted(words)[:20]
    en = build_map(layers, lang="en").get_root().render()
    text_en = re.sub(r"<[^>]+>", " ", _visible_words(en))
    assert "Jinan" in text_en and "County-level units" in text_en and "Legend" in text_en


def test_city_and_county_names_are_labelled_in_the_map_datum(counties: gpd.GeoDataFrame) -> None:
    import eviltransform

    cities = load_cities()
    m = build_map({"cities": cities, "counties": counties}, lang="zh")
    html = m.get_root().render()
    labels = next(el for el in _walk(m) if type(el).__name__ == "PlaceLabels")
    assert len(labels.big) == len(cities) and len(labels.small) == len(counties)
    jinan = next(r for r in labels.big if r[2] == "济南市")
    point = Point(jinan[1], jinan[0])
    assert cities.set_index("name_zh").loc["济南市", "geometry"].buffer(0.01).contains(point)
    assert "permanent: true" in html and "interactive: false" in html
    # over GCJ-02 tiles the labels move with the overlays
    shifted = build_map({"cities": cities}, lang="zh", basemap="amap")
    row = next(el for el in _walk(shifted) if type(el).__name__ == "PlaceLabels").big
    moved = next(r for r in row if r[2] == "济南市")
    lat_g, lon_g = eviltransform.wgs2gcj(jinan[0], jinan[1])
    assert abs(moved[0] - lat_g) < 3e-4 and abs(moved[1] - lon_g) < 3e-4  # 5-decimal rounding
    english = build_map({"cities": cities}, lang="en")
    big = next(el for el in _walk(english) if type(el).__name__ == "PlaceLabels").big
    assert "Jinan" in {r[2] for r in big} or any(r[2].startswith("Jinan") for r in big)


def _walk(el: object):  # type: ignore[no-untyped-def]
    yield el
    for child in getattr(el, "_children", {}).values():
        yield from _walk(child)


def test_scale_bar_is_metric_and_controls_sit_in_different_corners(
    counties: gpd.GeoDataFrame,
) -> None:
    values = pd.Series(np.arange(136, dtype=float), index=counties["adcode"])
    ch = Choropleth(values, "指标", "Metric")
    html = build_map({"counties": counties}, choropleth=ch).get_root().render()
    assert "imperial: false" in html and "metric: true" in html
    assert "L.control.scale()" not in html  # folium's default (metric + miles) is off
    legend = html.split("L.DomUtil.create('div', 'atlas-legend')", 1)[0].rsplit("L.control(", 1)[-1]
    assert legend.startswith('{position: "bottomright"}')  # the legend, over the Yellow Sea
    assert re.search(r"L\.control\.layers\([^;]*\"position\": \"topright\"", html, flags=re.S)


def test_a_region_map_fits_the_region(counties: gpd.GeoDataFrame) -> None:
    from geo.maps import region_bounds

    code = "370705"
    m = build_map({"counties": counties}, selected=code, fit="selected")
    hit = counties[counties["adcode"] == code]
    x0, y0, x1, y1 = hit.total_bounds
    fit = m.get_root().render().split("fitBounds(", 1)[-1]
    nums = [float(v) for v in re.findall(r"-?\d+\.\d+", fit.split(")", 1)[0])][:4]
    assert np.allclose(nums, [y0, x0, y1, x1], atol=0.01)  # the simplified outline's bounds
    assert np.allclose(region_bounds({"counties": counties}, code), (x0, y0, x1, y1), atol=0.01)
    # a GeoDataFrame or a bounding box works too
    box_fit = build_map({"counties": counties}, fit=(117.0, 36.0, 118.0, 37.0)).get_root().render()
    assert "[[36.0, 117.0], [37.0, 118.0]]" in box_fit.replace("\n", "").replace("  ", "")


def test_map_problems_read_in_both_languages() -> None:
    with pytest.raises(MapError) as err:
        build_map({}, basemap="google", lang="fr")
    codes = {p.code for p in err.value.problems}
    assert codes == {"map_bad_option"}
    zh = err.value.text("zh")
    assert "无效" in zh and "basemap='google'" in zh and "lang='fr'" in zh


def test_a_marker_selects_the_county_it_sits_in() -> None:
    pts = gpd.GeoDataFrame(
        {"htz_id": ["H1", "H2"], "name_zh": ["甲", "乙"], "host_county_adcode": ["370102", "3701"]},
        geometry=[Point(117.0, 36.6), Point(117.1, 36.6)],
        crs="EPSG:4326",
    )
    feats = _features(build_map({"htz": pts}).get_root().render(), "htz")
    assert [f["properties"]["select"] for f in feats] == ["370102", ""]
