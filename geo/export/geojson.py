"""RFC 7946 GeoJSON: WGS-84 lon/lat, CCW exterior rings, no ``crs`` member, ≤ 6 decimals.

* Exterior rings counter-clockwise and holes clockwise (§3.1.6), no ``crs`` member (§4),
  coordinates rounded to at most 6 decimals (about 0.1 m, §11.2), UTF-8 with Chinese written as
  characters, not ``\\u`` escapes.
* CGCS2000 (EPSG:4490) is relabelled as WGS-84 (equal at this precision); other CRSs are
  reprojected; a layer without a CRS is refused.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.export.errors import ExportError
from geo.export.paths import atomic_path
from geo.problems import problem, register_messages

__all__ = ["geojson_dict", "require_wgs84", "to_geojson"]

register_messages(
    {
        "export_no_crs": (
            "图层没有坐标参考系：导出前请先设置（例如 gdf.set_crs('EPSG:4326')）",
            "layer has no CRS: set it (e.g. gdf.set_crs('EPSG:4326')) before export",
        ),
    }
)


def require_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` in WGS-84 (EPSG:4326): CGCS2000 relabelled, other CRSs reprojected.

    Raises
    ------
    ExportError
        When ``gdf`` has no CRS.
    """
    if gdf.crs is None:
        raise ExportError([problem("export_no_crs")])
    if not gdf.crs.equals("EPSG:4326"):
        epsg = gdf.crs.to_epsg()
        if epsg == 4490:  # CGCS2000: equal to WGS-84 at this precision
            return gdf.set_crs("EPSG:4326", allow_override=True)
        return gdf.to_crs("EPSG:4326")
    return gdf


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_value(v) for v in value]
    return value


def geojson_dict(
    gdf: gpd.GeoDataFrame, *, precision: int = 6, metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """RFC 7946 FeatureCollection of ``gdf`` as a Python dict.

    Geometries are reprojected to WGS-84 if needed, rounded to ``precision`` decimals and
    oriented counter-clockwise (exterior) / clockwise (holes).
    """
    gdf = require_wgs84(gdf)
    geoms = gdf.geometry.to_numpy()
    geoms = shapely.transform(geoms, lambda c: np.round(c, precision))
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    props = gdf.drop(columns=gdf.geometry.name)
    records = props.to_dict(orient="records")
    features = []
    for rec, geom in zip(records, geoms, strict=True):
        features.append(
            {
                "type": "Feature",
                "properties": {str(k): _json_value(v) for k, v in rec.items()},
                "geometry": None
                if geom is None or geom.is_empty
                else json.loads(shapely.to_geojson(geom)),
            }
        )
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if metadata:
        out["metadata"] = dict(metadata)  # a foreign member (RFC 7946 §6.1)
    return out


def to_geojson(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    precision: int = 6,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``gdf`` as RFC 7946 GeoJSON (UTF-8, Chinese kept readable) atomically."""
    doc = geojson_dict(gdf, precision=precision, metadata=metadata)
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
