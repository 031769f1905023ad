"""Where each row is: its coordinates as read, then WGS-84 through the CRS contract in geo.datum."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyproj

from geo.datum import DatumError, LonLat, import_lonlat, source_crs
from layout.records.errors import FirmImportError
from layout.records.options import Options
from layout.records.table import BoolArray, FloatArray, ObjArray, Table
from layout.records.values import parse_numbers

__all__ = ["coordinates", "table_crs", "to_storage"]


def table_crs(table: Table, opts: Options) -> pyproj.CRS | None:
    """The CRS the table's coordinates are in (the file's, else ``crs=``), checked against both."""
    try:
        return source_crs(table.crs, opts.crs, opts.datum)
    except DatumError as exc:
        raise FirmImportError(exc.problems) from None


def coordinates(
    table: Table,
    col: Callable[[str], ObjArray],
    masks: dict[str, BoolArray],
    details: dict[str, ObjArray],
    finite_cols: dict[str, BoolArray],
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """The numbers as read (from the geometry, else the lon/lat columns) and which are usable.

    Sets the masks ``missing_coordinates``, ``bad_geometry`` / ``non_numeric_coordinates`` and
    the non-finite flags of ``lon`` and ``lat``.
    """
    pts = table.points
    if pts is not None:
        x, y = pts.x.copy(), pts.y.copy()
        masks["missing_coordinates"] = pts.missing.copy()
        masks["bad_geometry"] = pts.bad.copy()
        details["bad_geometry"] = pts.bad_detail
        usable = ~(pts.missing | pts.bad)
        finite_cols["lon"] = usable & ~np.isfinite(x)
        finite_cols["lat"] = usable & ~np.isfinite(y)
    else:
        x, x_blank, x_nn, x_nf = parse_numbers(col("lon"))
        y, y_blank, y_nn, y_nf = parse_numbers(col("lat"))
        masks["missing_coordinates"] = x_blank | y_blank
        masks["non_numeric_coordinates"] = x_nn | y_nn
        finite_cols["lon"], finite_cols["lat"] = x_nf, y_nf
    ok = np.isfinite(x) & np.isfinite(y)
    return x, y, ok


def to_storage(
    x: FloatArray,
    y: FloatArray,
    ok: BoolArray,
    src: pyproj.CRS | None,
    opts: Options,
    masks: dict[str, BoolArray],
    notes: dict[str, BoolArray],
) -> LonLat:
    """WGS-84 lon/lat (:func:`geo.datum.import_lonlat`); set the range and boundary masks."""
    result = import_lonlat(x, y, usable=ok, crs=src, datum=opts.datum, boundary=opts.boundary)
    notes["swapped_lon_lat"] = result.swapped
    masks["coordinates_out_of_range"] = result.out_of_range
    masks["outside_shandong"] = result.outside
    return result
