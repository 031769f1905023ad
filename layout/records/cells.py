"""Cell text: every value a reader meets becomes the text a user would see in a spreadsheet."""

from __future__ import annotations

import json
import math
import numbers
from datetime import date, datetime, time
from typing import Any

import numpy as np
import pandas as pd
import shapely

from layout.records.table import ObjArray

__all__ = ["cell_text", "column_text", "json_dump", "json_text", "wkt"]


def column_text(column: pd.Series) -> ObjArray:
    """:func:`cell_text` of a whole column, vectorised for plain numpy dtypes."""
    values = column.to_numpy()
    kind = values.dtype.kind
    if kind == "b":
        return np.where(values, "TRUE", "FALSE").astype(object)
    if kind in "iu":
        return values.astype(str).astype(object)
    if kind == "f":
        v = values.astype(np.float64)
        out = np.full(len(v), "", dtype=object)
        integral = np.isfinite(v) & (np.abs(v) < 1e15)
        integral[integral] = np.floor(v[integral]) == v[integral]
        out[integral] = v[integral].astype(np.int64).astype(str)
        rest = ~np.isnan(v) & ~integral
        out[rest] = [repr(x) for x in v[rest].tolist()]
        return out
    return np.array([cell_text(x) for x in values], dtype=object)


def cell_text(value: Any) -> str:
    """Text of one cell: blank for None/NaN/NA, integral floats without '.0'.

    >>> cell_text(12.0), cell_text(1.5), cell_text(None), cell_text(True)
    ('12', '1.5', '', 'TRUE')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral):
        try:
            return str(int(value))
        except ValueError:  # beyond Python's int -> str digit limit: infinite for our purposes
            return "-inf" if value < 0 else "inf"
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(value, datetime | date | time | pd.Timestamp):
        return "" if pd.isna(value) else value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    return str(value)


def json_text(value: Any) -> str:
    """Text of a GeoJSON property (objects and lists as JSON, NaN as ``NaN``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dict | list):
        return json_dump(value)
    return cell_text(value)


def json_dump(value: Any) -> str:
    """JSON text of a value (its repr when it cannot be written as JSON)."""
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def wkt(geom: Any) -> str:
    """WKT of a shapely geometry (blank for None)."""
    return "" if geom is None else str(shapely.to_wkt(geom))
