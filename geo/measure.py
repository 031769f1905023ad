"""Geodesic measures on the WGS-84 ellipsoid (pyproj.Geod); never planar work in degrees."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import Geod

__all__ = ["GEOD", "geodesic_area_km2", "geodesic_distance_km"]

GEOD = Geod(ellps="WGS84")


def _check_geographic(obj: Any) -> None:
    crs = getattr(obj, "crs", None)
    if isinstance(obj, gpd.GeoSeries | gpd.GeoDataFrame):
        if crs is None:
            raise ValueError("geometries have no CRS: set EPSG:4326 before measuring")
        if not crs.is_geographic:
            raise ValueError(
                f"expected lon/lat (EPSG:4326), got {crs.to_string()}: call .to_crs(4326)"
            )


def geodesic_area_km2(
    geoms: gpd.GeoDataFrame | gpd.GeoSeries | Any,
) -> pd.Series | npt.NDArray[np.float64]:
    """Area on the WGS-84 ellipsoid in km² (Karney 2013, via ``pyproj.Geod.geometry_area_perimeter``).

    Returns a Series aligned with a GeoSeries/GeoDataFrame input, else an array.

    References
    ----------
    Karney, C. F. F. (2013). Algorithms for geodesics. *J. Geodesy* 87, 43–55.
    """
    _check_geographic(geoms)
    series = geoms.geometry if isinstance(geoms, gpd.GeoDataFrame) else geoms
    arr = np.atleast_1d(np.asarray(series, dtype=object))
    areas = np.array(
        [
            abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6
            if g is not None and not g.is_empty
            else 0.0
            for g in arr
        ]
    )
    if isinstance(series, gpd.GeoSeries):
        return pd.Series(areas, index=series.index, name="area_km2")
    return areas


def geodesic_distance_km(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Vectorised geodesic (ellipsoidal) distance in km between point pairs."""
    a = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2)))
    _, _, dist = GEOD.inv(a[0].ravel(), a[1].ravel(), a[2].ravel(), a[3].ravel())
    return (np.asarray(dist) / 1000.0).reshape(a[0].shape)
