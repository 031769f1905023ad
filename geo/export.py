"""Standards-clean export: RFC 7946 GeoJSON, GeoPackage, CSV and XLSX.

* GeoJSON follows RFC 7946: WGS-84 lon/lat, exterior rings counter-clockwise and holes
  clockwise (§3.1.6), no ``crs`` member (§4), coordinates rounded to at most 6 decimals
  (about 0.1 m, §11.2), UTF-8 with Chinese written as characters, not ``\\u`` escapes.
* CSV and XLSX cells that begin with ``=``, ``+``, ``-``, ``@``, tab or carriage return are
  prefixed with an apostrophe so a spreadsheet shows them as text instead of running them
  (OWASP "CSV injection"); a cell that is only ``+`` or ``-`` is left as it is.
* Every write goes to a temporary file in the target folder and is renamed into place, so a
  crash mid-write leaves the previous file intact.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = [
    "FORMATS",
    "ExportError",
    "atomic_path",
    "geojson_dict",
    "neutralise_formula",
    "neutralise_frame",
    "safe_output_path",
    "to_csv",
    "to_geojson",
    "to_gpkg",
    "to_xlsx",
    "xlsx_bytes",
]

FORMATS = ("geojson", "gpkg", "csv", "xlsx")
_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
_LONE_SIGNS = frozenset({"+", "-"})  # a cell that is only a sign is text, not a formula


class ExportError(ValueError):
    """Raised for an unknown format, a missing CRS or an unsafe output path."""


def neutralise_formula(value: Any) -> Any:
    """Return ``value`` with a leading apostrophe if a spreadsheet would run it as a formula.

    The rule: a text cell is neutralised when it starts with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return — except a cell that is exactly one ``+`` or ``-`` (a direction or sign
    column), which no spreadsheet evaluates. Numbers are never changed.

    >>> neutralise_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("+"), neutralise_formula("-"), neutralise_formula("-1+2")
    ('+', '-', "'-1+2")
    >>> neutralise_formula(-5)
    -5
    """
    if isinstance(value, str) and value.startswith(_FORMULA_LEAD) and value not in _LONE_SIGNS:
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` (geometry dropped) with every text cell and header neutralised."""
    out = pd.DataFrame(df.drop(columns=[c for c in df.columns if c == "geometry"]))
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_formula)
    return out


def safe_output_path(name: str, folder: str | os.PathLike[str]) -> Path:
    """Resolve a user-supplied file ``name`` inside ``folder``; refuse anything that escapes it."""
    base = Path(folder).resolve()
    candidate = (base / name).resolve()
    if base != candidate and base not in candidate.parents:
        raise ExportError(
            f"output name {name!r} leaves the folder {str(base)!r}: use a plain file name"
        )
    return candidate


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # writers such as GDAL want to create the file themselves
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:  # flush to disk before the rename makes it visible
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _require_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        raise ExportError("layer has no CRS: set it (e.g. gdf.set_crs('EPSG:4326')) before export")
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
    gdf = _require_wgs84(gdf)
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


def to_gpkg(
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """Write every layer into one GeoPackage (named layers, opens in QGIS), atomically.

    Non-spatial tables are written as GeoPackage attribute tables. ``metadata`` maps a layer
    name to key/value strings stored as GDAL layer metadata (e.g. the datum).
    """
    import pyogrio

    if not layers:
        raise ExportError("no layers to write")
    with atomic_path(path) as tmp:
        for name, frame in layers.items():
            meta = dict((metadata or {}).get(name, {}))
            if isinstance(frame, gpd.GeoDataFrame):
                frame = _require_wgs84(frame)
                meta.setdefault("datum", "WGS-84 (EPSG:4326)")
                pyogrio.write_dataframe(
                    frame,
                    tmp,
                    layer=name,
                    driver="GPKG",
                    append=tmp.exists(),
                    layer_metadata=meta,
                    promote_to_multi=None,
                )
            else:
                pyogrio.write_dataframe(
                    pd.DataFrame(frame),
                    tmp,
                    layer=name,
                    driver="GPKG",
                    append=tmp.exists(),
                    layer_metadata=meta or None,
                )
    return Path(path)


def to_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the attribute table of ``df`` as UTF-8 CSV with a BOM (Excel opens Chinese right)."""
    safe = neutralise_frame(df)
    with atomic_path(path) as tmp:
        # quote every text cell so embedded CR/LF and delimiters survive a round trip
        safe.to_csv(tmp, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_NONNUMERIC)
    return Path(path)


def _write_sheets(target: Any, sheets: Mapping[str, pd.DataFrame] | pd.DataFrame) -> None:
    if isinstance(sheets, pd.DataFrame):
        sheets = {"data": sheets}
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name, df in sheets.items():
            sheet = str(name)[:31] or "sheet"
            neutralise_frame(df).to_excel(writer, sheet_name=sheet, index=False)


def to_xlsx(
    sheets: Mapping[str, pd.DataFrame] | pd.DataFrame, path: str | os.PathLike[str]
) -> Path:
    """Write one or several attribute tables to an XLSX workbook (formula cells neutralised)."""
    with atomic_path(path) as tmp:
        _write_sheets(tmp, sheets)
    return Path(path)


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame] | pd.DataFrame) -> bytes:
    """The workbook :func:`to_xlsx` would write, as bytes (e.g. for a download button)."""
    buf = io.BytesIO()
    _write_sheets(buf, sheets)
    return buf.getvalue()
