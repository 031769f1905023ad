"""Point sources: GeoJSON, GeoPackage layers and (Geo)DataFrames to a :class:`Table` with points."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from layout.records.cells import cell_text, column_text, json_dump, json_text, wkt
from layout.records.encoding import decode_text
from layout.records.errors import fail
from layout.records.limits import Limits, exceeded
from layout.records.strings import as_text
from layout.records.table import Points, Table, shapely_points
from layout.records.workbook import pick

__all__ = ["frame_table", "read_geojson", "read_gpkg"]


def read_geojson(data: bytes, limits: Limits, *, encoding: str | None = None) -> Table:
    """A GeoJSON FeatureCollection (or one Feature) of points as a :class:`Table`."""
    if len(data) > limits.max_bytes:
        exceeded("max_bytes", limits.max_bytes, f"{len(data):,} bytes")
    text, enc_info = decode_text(data, encoding)
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        fail("records_bad_json", detail=str(exc))
    kind = obj.get("type") if isinstance(obj, dict) else None
    if kind == "FeatureCollection" and isinstance(obj.get("features"), list):
        features = obj["features"]
    elif kind == "Feature":
        features = [obj]
    else:
        fail("records_not_features")
    file_crs = _crs_member(obj.get("crs"))
    n = len(features)
    if n > limits.max_rows:
        exceeded("max_rows", limits.max_rows, f"{n:,} features")
    headers: dict[str, None] = {}
    props_list: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for feat in features:
        props = feat.get("properties") if isinstance(feat, dict) else None
        props = props if isinstance(props, dict) else {}
        for key in props:
            headers.setdefault(str(key), None)
        if len(headers) > limits.max_columns:
            exceeded("max_columns", limits.max_columns, f"{len(headers):,} properties")
        props_list.append(props)
        geoms.append(feat.get("geometry") if isinstance(feat, dict) else feat)
    names = list(headers)
    cells = [as_text([json_text(p.get(h)) for p in props_list]) for h in names]
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    missing = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    detail = np.full(n, "", dtype=object)
    for i, g in enumerate(geoms):
        if g is None:
            missing[i] = True
            continue
        problem, xy = _geojson_point(g)
        if problem:
            bad[i], detail[i] = True, problem
        else:
            x[i], y[i] = xy
    points = Points(x, y, missing, bad, detail, geoms, json_dump)
    rows = np.arange(1, n + 1, dtype=np.int64)
    return Table(
        names,
        cells,
        rows,
        "geojson",
        points=points,
        crs=file_crs,
        info={
            **enc_info,
            "header_row": None,
            "trailing_blank_rows": 0,
        },
    )


def _crs_member(member: Any) -> pyproj.CRS | None:
    """The CRS a pre-RFC 7946 ``crs`` member names (``{"type": "name", "properties":
    {"name": "EPSG:4549"}}``); None when there is none; an error for anything else."""
    if member is None:
        return None
    props = member.get("properties") if isinstance(member, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if not isinstance(name, str):
        fail("records_geojson_crs_shape", found=json_dump(member)[:200])
    try:
        return pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError:
        fail("records_geojson_crs", name=name)


def _geojson_point(g: Any) -> tuple[str, tuple[float, float]]:
    if not isinstance(g, dict):
        return "malformed geometry", (math.nan, math.nan)
    gtype = g.get("type")
    if gtype != "Point":
        return f"{gtype if isinstance(gtype, str) else 'unknown type'} is not a Point", (
            math.nan,
            math.nan,
        )
    coords = g.get("coordinates")
    if isinstance(coords, list | tuple) and not coords:
        return "empty Point", (math.nan, math.nan)
    if (
        not isinstance(coords, list | tuple)
        or len(coords) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2])
    ):
        return "malformed Point coordinates", (math.nan, math.nan)
    try:
        return "", (float(coords[0]), float(coords[1]))
    except OverflowError:
        return "", (math.inf, math.inf)


def read_gpkg(data: bytes, path: Any, layer: str | int | None, limits: Limits) -> Table:
    """A GeoPackage layer (``layer``: name or index; default the first) as a :class:`Table`."""
    if len(data) > limits.max_bytes:
        exceeded("max_bytes", limits.max_bytes, f"{len(data):,} bytes")
    import pyogrio
    import pyogrio.errors

    with tempfile.TemporaryDirectory() as tmp:
        if path is None:  # GDAL wants a .gpkg name; a /vsimem/ buffer makes it warn
            path = Path(tmp) / "upload.gpkg"
            path.write_bytes(data)
        try:
            layers = [str(row[0]) for row in pyogrio.list_layers(path)]
            if not layers:
                fail("records_gpkg_no_layer")
            chosen = pick(layers, layer, "layer")
            info = pyogrio.read_info(path, layer=chosen)
            if int(info.get("features") or 0) > limits.max_rows:
                exceeded("max_rows", limits.max_rows, f"{int(info['features']):,} features")
            if len(info.get("fields", ())) > limits.max_columns:
                exceeded("max_columns", limits.max_columns, f"{len(info['fields']):,} fields")
            meta, _fids, wkb, fields = pyogrio.raw.read(path, layer=chosen, datetime_as_string=True)
        except pyogrio.errors.DataSourceError as exc:
            fail("records_gpkg_unreadable", detail=str(exc))
        except (pyogrio.errors.DataLayerError, pyogrio.errors.FieldError) as exc:
            fail("records_layer_unreadable", argument="layer", layer=layer, detail=str(exc))
    names = [str(f) for f in meta["fields"]]
    cells = [as_text([cell_text(v) for v in col]) for col in fields]
    n = len(cells[0]) if cells else (0 if wkb is None else len(wkb))
    points = None
    if wkb is not None:
        n = len(wkb)
        geoms = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
        unreadable = np.array([w is not None for w in wkb], dtype=bool) & shapely.is_missing(geoms)
        points = shapely_points(geoms, wkt, unreadable)
    file_crs = pyproj.CRS.from_user_input(meta["crs"]) if meta.get("crs") else None
    return Table(
        names,
        cells,
        np.arange(1, n + 1, dtype=np.int64),
        "gpkg",
        points=points,
        crs=file_crs,
        info={"layer": chosen, "header_row": None, "trailing_blank_rows": 0},
    )


def frame_table(df: pd.DataFrame, first_row: int) -> Table:
    """A (Geo)DataFrame as a :class:`Table`; a GeoDataFrame's active geometry gives the points."""
    points = None
    file_crs = None
    geom_name = None
    if isinstance(df, gpd.GeoDataFrame) and df.active_geometry_name in df.columns:
        geom_name = df.active_geometry_name
        points = shapely_points(np.asarray(df.geometry.array, dtype=object), wkt)
        file_crs = df.crs
    headers: list[str] = []
    cells = []
    for j in range(df.shape[1]):
        label = df.columns[j]
        if geom_name is not None and label == geom_name:
            continue
        text = " ".join(map(str, label)) if isinstance(label, tuple) else str(label)
        headers.append(text)
        cells.append(as_text(column_text(df.iloc[:, j])))
    rows = np.arange(first_row, first_row + len(df), dtype=np.int64)
    return Table(
        headers,
        cells,
        rows,
        "dataframe",
        points=points,
        crs=file_crs,
        info={
            "header_row": None,
            "trailing_blank_rows": 0,
        },
    )
