"""The text table every reader produces: headers, text cells, source row numbers, points."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

__all__ = [
    "BoolArray",
    "FloatArray",
    "ObjArray",
    "Points",
    "Progress",
    "Table",
    "report",
    "shapely_points",
]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]
Progress = Callable[[float], object]


@dataclass
class Points:
    """Coordinates taken from a geometry column, one entry per row."""

    x: FloatArray
    y: FloatArray
    missing: BoolArray
    bad: BoolArray
    bad_detail: ObjArray
    source: Any  # the original geometries (list or object array), for the rejects
    to_text: Callable[[Any], str]


@dataclass
class Table:
    """A file or frame reduced to text cells, source row numbers and optional points."""

    headers: list[str]
    cells: list[Any]  # pyarrow string arrays without nulls (see layout.records.strings)
    rows: npt.NDArray[np.int64]
    fmt: str
    points: Points | None = None
    crs: pyproj.CRS | None = None
    extra_cells: BoolArray | None = None
    synthetic: set[int] = field(default_factory=set)
    info: dict[str, Any] = field(default_factory=dict)
    formula_cells: dict[int, BoolArray] = field(default_factory=dict)
    """Column -> rows whose cell holds a formula without a saved value (workbooks only)."""
    may_have_nul: bool = True
    """False when the reader knows no cell holds a NUL character."""
    stripped: dict[int, Any] = field(default_factory=dict)
    """Column -> its cells without surrounding white space, when the reader made them."""


_GEOM_NAMES = {
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def shapely_points(
    geoms: ObjArray, to_text: Callable[[Any], str], unreadable: BoolArray | None = None
) -> Points:
    """:class:`Points` of shapely geometries: missing, empty, non-point and unreadable flagged."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    missing = shapely.is_missing(geoms)
    if unreadable is not None:
        missing &= ~unreadable
    type_id = shapely.get_type_id(geoms)
    empty = shapely.is_empty(geoms) & ~missing
    non_point = (type_id != 0) & ~missing
    bad = empty | non_point
    detail = np.full(n, "", dtype=object)
    detail[empty] = "empty geometry"
    kinds = shapely.get_type_id(geoms[non_point])
    detail[non_point] = [f"{_GEOM_NAMES.get(int(k), 'geometry')} is not a Point" for k in kinds]
    if unreadable is not None:
        bad |= unreadable
        detail[unreadable] = "unreadable geometry"
    ok = ~(missing | bad)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    x[ok] = shapely.get_x(geoms[ok])
    y[ok] = shapely.get_y(geoms[ok])
    return Points(x, y, missing, bad, detail, geoms, to_text)


def report(progress: Progress | None, fraction: float) -> None:
    """Call ``progress`` with ``fraction`` clipped to [0, 1] (nothing when it is None)."""
    if progress is not None:
        progress(float(min(max(fraction, 0.0), 1.0)))
