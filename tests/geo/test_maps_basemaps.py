"""geo.maps basemaps: custom XYZ/WMTS tile services with their datum, a TOML file, and a map
that says so when tiles cannot load.

Checked on the folium object and its rendered page (STYLE.md §9); that the notice shows in a
browser with the network blocked is in tests/app/test_browser_maps.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo.maps import (
    BUILTIN_SERVICES,
    MapError,
    TileService,
    basemap_datum,
    build_map,
    load_basemaps,
    resolve_basemap,
)

TIANDITU = (
    "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk=KEY"
)


def _htz() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"htz_id": ["H1"], "name_zh": ["测试高新区"], "name_en": ["Test HTZ"]},
        geometry=[Point(117.0, 36.65)],
        crs="EPSG:4326",
    )


def _point(html: str) -> tuple[float, float]:
    for m in re.finditer(r"_add\((\{.*\"FeatureCollection\"\})\);$", html, flags=re.M):
        for f in json.loads(m.group(1))["features"]:
            if str(f.get("id", "")).startswith("htz:"):
                lon, lat = f["geometry"]["coordinates"]
                return lon, lat
    raise AssertionError("no htz feature")


def test_a_wgs84_or_cgcs2000_service_draws_overlays_unshifted() -> None:
    for datum in ("wgs84", "cgcs2000"):
        service = TileService("tdt", TIANDITU, datum, subdomains="01234567")
        assert service.problems() == []
        html = build_map({"htz": _htz()}, basemap=service, lang="zh").get_root().render()
        assert _point(html) == (117.0, 36.65)
        assert "tianditu.gov.cn/vec_w/wmts" in html and "TILEMATRIX={z}" in html


def test_a_gcj02_service_shifts_every_overlay_like_amap() -> None:
    import eviltransform  # independent GCJ-02 implementation

    service = TileService("intranet", "https://tiles.example.gov.cn/{z}/{x}/{y}.png", "gcj02")
    html = build_map({"htz": _htz()}, basemap=service, lang="en").get_root().render()
    lon, lat = _point(html)
    exp_lat, exp_lon = eviltransform.wgs2gcj(36.65, 117.0)
    assert abs(lon - exp_lon) < 2e-5 and abs(lat - exp_lat) < 2e-5
    assert basemap_datum(service) == "gcj02" and basemap_datum("amap") == "gcj02"
    assert basemap_datum("osm") == basemap_datum("none") == "wgs84"
    assert "GCJ-02" in html  # the map states the datum of its overlays


def test_wmts_placeholders_become_xyz_and_an_overlay_is_stacked() -> None:
    rest = "https://wmts.example.org/tile/{TileMatrix}/{TileRow}/{TileCol}.png"
    service = TileService(
        "rest", rest, "wgs84", overlay_url="https://wmts.example.org/labels/{z}/{x}/{y}.png"
    )
    assert service.problems() == []
    html = build_map({"htz": _htz()}, basemap=service).get_root().render()
    assert "https://wmts.example.org/tile/{z}/{y}/{x}.png" in html
    assert "https://wmts.example.org/labels/{z}/{x}/{y}.png" in html


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://tiles.example.org/{z}/{x}/{y}.png", "basemap_bad_url"),
        ("https://tiles.example.org/{z}/{x}.png", "basemap_missing_placeholder"),
        ("https://tiles.example.org/{z}/{x}/{y}/{evil}.png", "basemap_bad_placeholder"),
        ("https://tiles.example.org/{{7*7}}/{z}/{x}/{y}.png", "basemap_bad_placeholder"),
        ("https://t{s}.example.org/{z}/{x}/{y}.png", "basemap_no_subdomains"),
    ],
)
def test_a_bad_url_is_refused_with_a_coded_problem(url: str, code: str) -> None:
    service = TileService("bad", url, "wgs84")
    assert code in {p.code for p in service.problems()}
    with pytest.raises(MapError) as err:
        build_map({"htz": _htz()}, basemap=service)
    assert code in {p.code for p in err.value.problems}
    assert all(p.text("zh") != p.text("en") for p in err.value.problems)  # both languages


def test_every_problem_of_a_service_is_listed_at_once() -> None:
    service = TileService("bad name!", "https://x.org/{z}.png", "wgs1984", min_zoom=9, max_zoom=3)
    codes = sorted(p.code for p in service.problems())
    assert codes == [
        "basemap_bad_datum",
        "basemap_bad_name",
        "basemap_bad_zoom",
        "basemap_missing_placeholder",
    ]


def test_unknown_basemap_names_list_the_valid_ones() -> None:
    with pytest.raises(MapError, match="none, osm, amap"):
        resolve_basemap("google")
    assert resolve_basemap("none") is None
    assert resolve_basemap("osm") is BUILTIN_SERVICES["osm"]


def test_the_map_says_in_words_when_tiles_fail() -> None:
    service = TileService("tdt", TIANDITU, "cgcs2000", title_zh="天地图", subdomains="01234567")
    zh = build_map({"htz": _htz()}, basemap=service, lang="zh").get_root().render()
    en = build_map({"htz": _htz()}, basemap="osm", lang="en").get_root().render()
    assert "tileerror" in zh and "atlas-tile-error" in zh
    assert "底图瓦片无法加载（天地图）" in json.loads(
        re.search(r"\]\, (\"(?:[^\"\\]|\\.)*\")\);\s*$", zh.split("tileerror", 1)[1], re.M).group(1)
    )
    assert "Basemap tiles could not load (OpenStreetMap)" in en
    none = build_map({"htz": _htz()}, basemap="none").get_root().render()
    assert "tileerror" not in none  # no tiles, nothing to fail


def test_user_text_of_a_service_is_escaped() -> None:
    service = TileService(
        "x",
        "https://tiles.example.org/{z}/{x}/{y}.png",
        "wgs84",
        title_en="<img src=x onerror=alert(1)>{{7*7}}",
        attribution="<script>alert(2)</script>",
    )
    html = build_map({"htz": _htz()}, basemap=service, lang="en").get_root().render()
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    page = html.replace("\\u0026", "&")  # tojson writes & as \u0026
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "{{7*7}}" not in html and "&#123;&#123;7*7&#125;&#125;" in page


def test_a_config_file_gives_services(tmp_path: Path) -> None:
    path = tmp_path / "basemaps.toml"
    path.write_text(
        f"""
[[basemap]]
name = "tianditu-vec"
title_zh = "天地图矢量"
title_en = "Tianditu vector"
url = "{TIANDITU}"
datum = "cgcs2000"
subdomains = "01234567"
attribution = "© 天地图"

[[basemap]]
name = "intranet"
url = "https://tiles.intranet.local/{{z}}/{{x}}/{{y}}.png"
datum = "gcj02"
""",
        encoding="utf-8",
    )
    services = load_basemaps(path)
    assert [s.name for s in services] == ["tianditu-vec", "intranet"]
    assert services[0].title("zh") == "天地图矢量" and services[1].display_datum == "gcj02"


def test_a_bad_config_file_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "basemaps.toml"
    path.write_text(
        """
[[basemap]]
name = "ok"
url = "https://a.example.org/{z}/{x}/{y}.png"

[[basemap]]
name = "osm"
url = "https://b.example.org/{z}/{x}/{y}.png"
datum = "utm"
colour = "red"
""",
        encoding="utf-8",
    )
    with pytest.raises(MapError) as err:
        load_basemaps(path)
    found = err.value.problems
    assert {p.code for p in found} == {"basemap_config_entry"}
    inner = sorted(p.params["problem"] for p in found)
    assert inner == ["basemap_bad_datum", "basemap_bad_name", "basemap_config_keys"]
    assert all("entry 2" in p.text("en") and "第 2 项" in p.text("zh") for p in found)
    bad = tmp_path / "broken.toml"
    bad.write_text("[[basemap]\nname =", encoding="utf-8")
    with pytest.raises(MapError) as err:
        load_basemaps(bad)
    assert err.value.problems[0].code == "basemap_config_unreadable"
