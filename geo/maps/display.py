"""Display geometry: polygon coverages simplified for drawing, every outline coinciding.

:func:`display_geometries` simplifies a polygon *coverage* with
:func:`shapely.coverage_simplify` (shared edges stay shared: no gaps or slivers open between
counties, which plain ``simplify`` would cause) and rounds coordinates to 5 decimals (about
1 m). :func:`display_layers` simplifies counties once and rebuilds cities, province and zones
as unions of the simplified counties, so every outline coincides. Analysis always keeps full
geometries; these are for drawing only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["DEFAULT_TOLERANCE", "DISPLAY_PRECISION", "display_geometries", "display_layers"]

DEFAULT_TOLERANCE = 0.004  # degrees; below one screen pixel at the province view (zoom 7)
DISPLAY_PRECISION = 5  # decimals of a degree, about 1 m


def display_geometries(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    precision: int = DISPLAY_PRECISION,
    coverage: bool = True,
) -> gpd.GeoDataFrame:
    """Copy of ``gdf`` with geometries simplified for drawing and coordinates rounded.

    Parameters
    ----------
    gdf
        Layer in a geographic CRS.
    tolerance
        ``shapely.coverage_simplify`` tolerance in degrees (0 keeps every vertex).
    precision
        Decimals kept (5 ≈ 1 m).
    coverage
        ``True`` when the polygons form a coverage (no overlaps, shared edges, e.g. counties):
        simplified together so shared edges stay shared. ``False`` (e.g. overlapping zones):
        each polygon simplified on its own, still without plain ``simplify``.

    Returns
    -------
    GeoDataFrame
        Same rows and columns; points and lines are only rounded.
    """
    out = gdf.copy()
    geoms = out.geometry.to_numpy()
    is_poly = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    if tolerance > 0 and is_poly.any():
        polys = geoms[is_poly]
        if coverage:
            simple = shapely.coverage_simplify(polys, tolerance)
        else:
            simple = np.array(
                [shapely.coverage_simplify(g, tolerance) for g in polys], dtype=object
            )
        geoms = geoms.copy()
        geoms[is_poly] = simple
    geoms = shapely.transform(geoms, lambda c: np.round(c, precision))
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=gdf.crs))
    return out


def _union_of(county_geoms: Mapping[str, Any], codes: Iterable[str]) -> Any:
    parts = [county_geoms[c] for c in codes if c in county_geoms]
    return shapely.coverage_union_all(parts) if parts else None


def display_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    precision: int = DISPLAY_PRECISION,
) -> dict[str, gpd.GeoDataFrame]:
    """Display copies of atlas layers whose outlines all coincide.

    Counties are simplified as one coverage; cities (by ``city_adcode``), the province and
    zones (by their ``members`` list) are rebuilt as unions of the simplified counties, so a
    city or zone edge lies exactly on county edges at every zoom. Other layers are rounded
    (points) or simplified on their own.
    """
    out: dict[str, gpd.GeoDataFrame] = {}
    counties = layers.get("counties")
    cgeoms: dict[str, Any] = {}
    if counties is not None and len(counties):
        # Not rounded yet: unions of exactly shared edges stay exact; rounding comes last.
        c_disp = display_geometries(counties, tolerance=tolerance, precision=12)
        cgeoms = dict(zip(c_disp["adcode"].astype(str), c_disp.geometry, strict=True))
    for name, gdf in layers.items():
        rebuilt = None
        if counties is not None and cgeoms and name == "cities" and "city_adcode" in counties:
            by_city = counties.groupby("city_adcode")["adcode"].apply(list).to_dict()
            rebuilt = [_union_of(cgeoms, by_city.get(str(a), [])) for a in gdf["adcode"]]
        elif cgeoms and name == "province":
            rebuilt = [shapely.coverage_union_all(list(cgeoms.values()))] * len(gdf)
        elif cgeoms and "members" in gdf and name.startswith("zones"):
            rebuilt = [_union_of(cgeoms, str(m).split(";")) for m in gdf["members"]]
        if name == "counties" and cgeoms:
            rebuilt = [cgeoms[str(a)] for a in gdf["adcode"]]
        if rebuilt is not None and all(g is not None for g in rebuilt):
            geoms = shapely.transform(
                np.array(rebuilt, dtype=object), lambda c: np.round(c, precision)
            )
            out[name] = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
        else:
            out[name] = display_geometries(
                gdf,
                tolerance=tolerance,
                precision=precision,
                coverage=name in ("counties", "cities"),
            )
    return out
