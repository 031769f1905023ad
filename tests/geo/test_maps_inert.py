"""geo.maps: user text is never evaluated as a Jinja template when a map renders.

branca renders every macro's output a second time as a template, so a firm named
``{{ 7*7 }}`` used to come out as ``49`` and a name reaching ``lipsum.__globals__.os`` ran code
on the server. These tests plant payloads in every text field a map shows, render the map
the two ways pages are rendered (folium's own ``render`` and the calls ``st_folium`` makes),
and check the payload is still there as text and that nothing ran (a canary file).
"""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from geo.maps import Choropleth, MapError, assert_inert, build_map, esc, selection_group


def _payloads(canary: Path) -> dict[str, str]:
    # Each evaluates to a distinctive marker if a template engine runs it.
    return {
        "expr": "{{ 'EVAL' ~ 'UATED' }}",
        "stmt": "{% for i in range(3) %}LOOPED{% endfor %}",
        "comment": "A{# hidden #}B",
        "rce": "{{ lipsum.__globals__.os.makedirs(" + json.dumps(str(canary)) + ") }}",
        "html": "<img src=x onerror=alert(1)>{{7*7}}",
    }


def _render_like_st_folium(m: folium.Map) -> str:
    """The render calls streamlit-folium 0.2x makes (figure, header, html, script)."""
    m.render()
    root = m.get_root()
    parts = [
        root.header.render(),
        root.html.render(),
        root.script.render(),
        m._template.module.script(m),
    ]
    return "\n".join(parts)


def _layers(p: dict[str, str]) -> dict[str, gpd.GeoDataFrame]:
    text = " ".join(p.values())
    counties = gpd.GeoDataFrame(
        {
            "adcode": ["370102", "370103"],
            "name_zh": [text, "B"],
            "name_en": [p["expr"], "B"],
            "city_adcode": ["370100", "370100"],
            "city_name_zh": [p["stmt"], "c"],
            "city_name_en": [p["rce"], "c"],
        },
        geometry=[box(117.0, 36.5, 117.1, 36.6), box(117.1, 36.5, 117.2, 36.6)],
        crs="EPSG:4326",
    )
    zones = gpd.GeoDataFrame(
        {
            "zone_code": [p["expr"]],
            "name_zh": [p["rce"]],
            "name_en": [p["stmt"]],
            "frame": [p["comment"]],
            "n_counties": [2],
            "source": [p["rce"]],
            "verification": [p["stmt"]],
        },
        geometry=[box(117.0, 36.5, 117.2, 36.6)],
        crs="EPSG:4326",
    )
    htz = gpd.GeoDataFrame(
        {
            "htz_id": [p["expr"]],
            "name_zh": [p["rce"]],
            "name_en": [p["html"]],
            "level": [p["stmt"]],
            "source": [p["rce"]],
            "verification": [p["comment"]],
        },
        geometry=[Point(117.05, 36.55)],
        crs="EPSG:4326",
    )
    clusters = gpd.GeoDataFrame(
        {
            "cluster_id": [p["rce"]],
            "name_zh": [p["expr"]],
            "name_en": [p["html"]],
            "category": [p["stmt"]],
            "location_quality": [p["comment"]],
            "source": [p["rce"]],
            "verification": [p["expr"]],
        },
        geometry=[Point(117.15, 36.55)],
        crs="EPSG:4326",
    )
    firms = gpd.GeoDataFrame(
        {
            "firm_id": [p["rce"], "F2"],
            "name": [p["expr"], p["rce"]],
            "chain": [p["stmt"], "LED"],
            "node": [p["comment"], p["html"]],
            "synthetic": [False, True],
        },
        geometry=[Point(117.05, 36.52), Point(117.15, 36.58)],
        crs="EPSG:4326",
    )
    return {"counties": counties, "zones": zones, "htz": htz, "clusters": clusters, "firms": firms}


def _check(page: str, canary: Path) -> None:
    assert not canary.exists(), "a template payload ran on the server"
    assert "EVALUATED" not in page and "LOOPEDLOOPED" not in page
    # The payload text is still there, escaped: braces and tags as entities.
    text = page.replace("\\u0026", "&")
    assert "&#123;&#123; &#x27;EVAL&#x27; ~ &#x27;UATED&#x27; &#125;&#125;" in text
    assert "A&#123;# hidden #&#125;B" in text
    assert "<img src=x" not in page


@pytest.mark.parametrize("firms_mode", ["markers", "heat"])
def test_every_text_field_renders_literally(tmp_path: Path, firms_mode: str) -> None:
    canary = tmp_path / "canary"
    p = _payloads(canary)
    layers = _layers(p)
    values = __import__("pandas").Series([1.0, 2.0], index=["370102", "370103"])
    choro = Choropleth(values=values, title_zh=p["expr"], title_en=p["stmt"], fmt="{:.1f}")
    lines = gpd.GeoDataFrame(
        {"name_zh": [p["rce"]], "name_en": [p["expr"]], "distance_km": [3.0]},
        geometry=[LineString([(117.0, 36.5), (117.2, 36.6)])],
        crs="EPSG:4326",
    )
    for lang in ("zh", "en"):
        m = build_map(
            layers,
            choropleth=choro,
            lang=lang,
            lines=lines,
            firms_mode=firms_mode,
            titles={"firms": (p["rce"], p["expr"])},
            selected="370102",
            extra_legend=esc(p["rce"]),
        )
        _check(m.get_root().render(), canary)
        m2 = build_map(layers, choropleth=choro, lang=lang, lines=lines, firms_mode=firms_mode)
        _check(_render_like_st_folium(m2), canary)


def test_selection_group_is_inert(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    layers = _layers(_payloads(canary))
    group = selection_group(layers, "370102")
    assert group is not None
    m = folium.Map(tiles=None)
    group.add_to(m)
    m.get_root().render()
    assert not canary.exists()


def test_esc_turns_braces_into_entities_the_browser_shows_as_braces() -> None:
    text = "{{7*7}} {%x%} {#c#}"
    out = esc(text)
    assert "{" not in out and "}" not in out
    assert html_lib.unescape(out) == text


def test_unescaped_text_is_refused_not_rendered(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    m = folium.Map(tiles=None)
    payload = "{{ lipsum.__globals__.os.makedirs(" + json.dumps(str(canary)) + ") }}"
    folium.GeoJson(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": payload},
                    "geometry": {"type": "Point", "coordinates": [117.0, 36.5]},
                }
            ],
        }
    ).add_to(m)
    with pytest.raises(MapError, match="template syntax"):
        assert_inert(m)
    # The guard is what stops it: without it this render would have run the payload.
    assert not canary.exists()


def test_folium_js_of_a_built_map_has_no_template_delimiters() -> None:
    # The guard must not reject the map's own JavaScript (object literals, callbacks).
    layers = _layers({k: "plain" for k in ("expr", "stmt", "comment", "rce", "html")})
    m = build_map(layers, firms_mode="markers")
    page = m.get_root().render()
    assert re.search(r"L\.map\(", page)
