"""Firms on a map: exact points as clustered markers (or a heat map), firms placed at their
county as one dashed ring per county point, never as exact pins.

A firm imported without coordinates sits at its county's point (``location_quality``
``county`` or ``address``, see :mod:`layout.records`); drawing it as a pin would claim a
location the file never gave, so every such point gets one ring sized by its firm count, with
the count and the firms' names (escaped) on hover, and the legend says what a ring means.
"""

from __future__ import annotations

import math

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.maps.display import DISPLAY_PRECISION
from geo.maps.text import esc
from geo.maps.words import word

__all__ = ["AT_COUNTY", "add_firms"]

AT_COUNTY: tuple[str, ...] = ("county", "address")
_RING_NAMES = 10  # names listed on a ring's tooltip before "…"


def add_firms(
    group: folium.FeatureGroup,
    gdf: gpd.GeoDataFrame,
    props: pd.DataFrame,
    mode: str,
    limit: int,
    *,
    lang: str = "zh",
) -> str:
    """Draw ``gdf``'s firms into ``group``; return the legend row of the rings ('' if none).

    ``props`` are the escaped feature texts (:func:`geo.maps.features.feature_props`: ``name``
    and ``detail``); ``mode`` is ``"markers"``, ``"heat"`` or ``"auto"`` (a heat map above
    ``limit`` exact firms). Firms placed at their county are always rings.
    """
    pts = gdf.geometry
    ok = (pts.notna() & ~pts.is_empty).to_numpy()
    if "location_quality" in gdf:
        at_county = gdf["location_quality"].isin(AT_COUNTY).to_numpy() & ok
    else:
        at_county = np.zeros(len(gdf), dtype=bool)
    exact = ok & ~at_county
    lat = pts[exact].y.round(DISPLAY_PRECISION).to_numpy()
    lon = pts[exact].x.round(DISPLAY_PRECISION).to_numpy()
    use_heat = mode == "heat" or (mode == "auto" and int(exact.sum()) > limit)
    if use_heat:
        folium.plugins.HeatMap(
            np.column_stack([lat, lon]).tolist(), radius=14, blur=18, min_opacity=0.35
        ).add_to(group)
    elif exact.any():
        labels = (props.loc[exact, "name"] + "<br>" + props.loc[exact, "detail"]).tolist()
        data = [[float(a), float(b), t] for a, b, t in zip(lat, lon, labels, strict=True)]
        # Labels are escaped in feature_props; bindTooltip with a string sets innerHTML, which
        # turns the entities back into text.
        callback = (
            "function (row) {"
            "var m = L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 5, color: '#333',"
            " weight: 1, fillColor: '#1f78b4', fillOpacity: 0.85, className: 'atlas-firm'});"
            "m.bindTooltip(row[2]); return m;}"
        )
        folium.plugins.FastMarkerCluster(
            data, callback=callback, options={"maxClusterRadius": 40, "chunkedLoading": True}
        ).add_to(group)
    if not at_county.any():
        return ""
    _rings(group, gdf[at_county], props.loc[at_county, "name"], lang)
    return (
        '<div><i style="border:2px dashed #1f78b4;border-radius:50%;background:none"></i>'
        f"{esc(word('firms_at_county_legend', lang))}</div>"
    )


def _rings(group: folium.FeatureGroup, gdf: gpd.GeoDataFrame, names: pd.Series, lang: str) -> None:
    """One ring per distinct (rounded) point; radius grows with log2 of the firm count."""
    sub = pd.DataFrame(
        {
            "x": gdf.geometry.x.round(DISPLAY_PRECISION).to_numpy(),
            "y": gdf.geometry.y.round(DISPLAY_PRECISION).to_numpy(),
            "name": names.to_numpy(),
        }
    )
    for (x, y), firm_names in sub.groupby(["x", "y"], sort=True)["name"]:
        n = len(firm_names)
        shown = "<br>".join(firm_names.head(_RING_NAMES)) + ("<br>…" if n > _RING_NAMES else "")
        folium.CircleMarker(
            location=[float(y), float(x)],
            radius=7 + 2 * math.log2(n),
            color="#1f78b4",
            weight=2,
            fill=True,
            fill_opacity=0.08,
            dash_array="4 3",
            class_name="atlas-firm-county",
            tooltip=folium.Tooltip(f"<b>{esc(word('firms_at_county', lang, n=n))}</b><br>{shown}"),
        ).add_to(group)
