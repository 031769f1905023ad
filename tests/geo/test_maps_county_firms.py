"""Firms placed at their county (no coordinates in the file) are drawn as rings at the county,
never as exact pins; exact firms stay markers (issue #13). The folium object tree is inspected,
then the rendered page."""

from __future__ import annotations

import folium
import folium.plugins
import geopandas as gpd
import shapely

from geo.maps import build_map


def _firms() -> gpd.GeoDataFrame:
    rep = shapely.Point(118.79, 36.86)  # one county point, shared by two county-located firms
    return gpd.GeoDataFrame(
        {
            "firm_id": ["E1", "E2", "C1", "C2", "C3"],
            "name": ["精确甲", "精确乙", "区县丙", "区县丁", "{{7*7}}<b>戊</b>"],
            "location_quality": ["exact", "exact", "county", "address", "county"],
            "chain": ["LED"] * 5,
            "node": ["epi"] * 5,
        },
        geometry=[
            shapely.Point(117.0, 36.65),
            shapely.Point(120.38, 36.07),
            rep,
            rep,
            shapely.Point(117.03, 36.67),
        ],
        crs="EPSG:4326",
    )


def _walk(element: object) -> list[object]:
    out = [element]
    for child in getattr(element, "_children", {}).values():
        out += _walk(child)
    return out


def _parts(m: folium.Map) -> tuple[list[object], list[folium.CircleMarker]]:
    items = _walk(m)
    clusters = [e for e in items if isinstance(e, folium.plugins.FastMarkerCluster)]
    rings = [
        e
        for e in items
        if isinstance(e, folium.CircleMarker) and e.options.get("className") == "atlas-firm-county"
    ]
    return clusters, rings


def test_county_located_firms_are_rings_not_pins() -> None:
    m = build_map({"firms": _firms()}, lang="zh", firms_mode="markers")
    clusters, rings = _parts(m)
    (cluster,) = clusters
    assert [(round(a, 2), round(b, 2)) for a, b, _ in cluster.data] == [
        (36.65, 117.0),
        (36.07, 120.38),
    ]
    assert len(rings) == 2  # one per county point, never one pin per firm
    texts = sorted(r._children[next(iter(r._children))].text for r in rings)
    assert (
        texts[1].startswith("<b>2 家企业按区县定位")
        and "区县丙" in texts[1]
        and "区县丁" in texts[1]
    )
    assert "&#123;&#123;7*7&#125;&#125;&lt;b&gt;戊&lt;/b&gt;" in texts[0]  # escaped, inert
    html = m.get_root().render()
    assert "{{7*7}}" not in html


def test_ring_texts_follow_the_language() -> None:
    m = build_map({"firms": _firms()}, lang="en", firms_mode="markers")
    _, rings = _parts(m)
    texts = [r._children[next(iter(r._children))].text for r in rings]
    assert any("2 firm(s) placed at the county" in x for x in texts)
    assert not any("按区县定位" in x for x in texts)


def test_heat_mode_keeps_the_rings_and_no_quality_column_means_markers() -> None:
    _, rings = _parts(build_map({"firms": _firms()}, lang="zh", firms_mode="heat"))
    assert len(rings) == 2
    clusters, rings = _parts(
        build_map({"firms": _firms().drop(columns="location_quality")}, firms_mode="markers")
    )
    assert len(clusters[0].data) == 5 and rings == []
