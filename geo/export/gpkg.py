"""GeoPackage layers (OGC 12-128r18) that open in QGIS, written atomically.

GeoPackage columns are SQLite columns: names are case-insensitive, a NUL ends them (GDAL
would silently cut ``a\\x00b`` to ``a``), ``fid`` and the geometry column ``geom`` are taken,
and a table holds at most 2,000 columns (1,998 data columns beside ``fid`` and ``geom``).
:func:`to_gpkg` checks every layer's columns first and refuses — one :class:`ExportError`
listing every problem — instead of failing halfway with GDAL's ``FieldError`` or losing data.
:func:`replace_problems` tells a command whether an existing file may be replaced by a new
GeoPackage without losing anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.export.errors import ExportError
from geo.export.geojson import require_wgs84
from geo.export.paths import atomic_path, final_path
from geo.problems import Problem, problem, register_messages

__all__ = ["MAX_COLUMNS", "column_problems", "replace_problems", "to_gpkg"]

MAX_COLUMNS = 1998
"""Most data columns in one GeoPackage layer (SQLite's 2,000, less ``fid`` and ``geom``)."""

_RESERVED = ("fid", "geom")
_SQLITE_MAGIC = b"SQLite format 3\x00"

register_messages(
    {
        "gpkg_no_layers": ("没有要写入的图层", "no layers to write"),
        "gpkg_too_many_columns": (
            "图层 {layer!r} 有 {n} 列：GeoPackage 图层最多 {limit} 列，请删去多余的列",
            "layer {layer!r} has {n} columns: a GeoPackage layer holds at most {limit}; drop "
            "the extra columns",
        ),
        "gpkg_column_not_text": (
            "图层 {layer!r} 的列名 {column!r} 不是非空文本：请重命名",
            "layer {layer!r}: column name {column!r} is not non-empty text: rename it",
        ),
        "gpkg_column_nul": (
            "图层 {layer!r} 的列名 {column!r} 含有 NUL 字符（GeoPackage 会截断它）：请重命名",
            "layer {layer!r}: column name {column!r} holds a NUL character (a GeoPackage "
            "would cut it short): rename it",
        ),
        "gpkg_column_duplicate": (
            "图层 {layer!r} 的列 {first!r} 与 {column!r} 只差大小写或完全相同（GeoPackage 列名不区分大小写）：请重命名其一",
            "layer {layer!r}: columns {first!r} and {column!r} are the same name apart from "
            "case (GeoPackage column names ignore case): rename one",
        ),
        "gpkg_column_reserved": (
            "图层 {layer!r} 的列名 {column!r} 被 GeoPackage 保留（要素编号/几何）：请重命名",
            "layer {layer!r}: column name {column!r} is reserved in a GeoPackage (feature id / "
            "geometry): rename it",
        ),
        "output_not_gpkg": (
            "{argument} {path!r} 已存在且不是 GeoPackage：请换一个文件名，或先移走该文件",
            "{argument} {path!r} exists and is not a GeoPackage: choose another file name or "
            "move that file away first",
        ),
        "output_gpkg_other_layers": (
            "{argument} {path!r} 已有图层 {layers}：本命令会写出只含 {writes} 的新文件而丢失它们；请换一个文件名",
            "{argument} {path!r} already holds the layer(s) {layers}: this command writes a new "
            "file with only {writes} and would drop them; choose another file name",
        ),
    }
)


def column_problems(frame: pd.DataFrame, *, layer: str = "layer") -> list[Problem]:
    """Every reason ``frame``'s columns cannot be written to a GeoPackage layer as they are.

    >>> [p.code for p in column_problems(pd.DataFrame(columns=["Name", "name", "fid"]))]
    ['gpkg_column_duplicate', 'gpkg_column_reserved']
    """
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    columns = [c for c in frame.columns if c != geometry]
    out: list[Problem] = []
    if len(columns) > MAX_COLUMNS:
        out.append(problem("gpkg_too_many_columns", layer=layer, n=len(columns), limit=MAX_COLUMNS))
        return out
    seen: dict[str, str] = {}
    for col in columns:
        if not isinstance(col, str) or not col.strip():
            out.append(problem("gpkg_column_not_text", layer=layer, column=col))
            continue
        if "\x00" in col:
            out.append(problem("gpkg_column_nul", layer=layer, column=col))
            continue
        key = col.casefold()
        if key in _RESERVED:
            out.append(problem("gpkg_column_reserved", layer=layer, column=col))
            continue
        if key in seen:
            out.append(problem("gpkg_column_duplicate", layer=layer, first=seen[key], column=col))
            continue
        seen[key] = col
    return out


def replace_problems(
    path: str | os.PathLike[str], layers: Iterable[str], *, argument: str = "output"
) -> list[Problem]:
    """Why a new GeoPackage holding only ``layers`` may not replace the file at ``path``.

    Nothing is lost when the file does not exist, is empty, or is a GeoPackage whose layers
    are all among ``layers``. A file that is not a GeoPackage, or one holding other layers, is
    a problem: the command would destroy what it holds.
    """
    import pyogrio

    final = final_path(path)
    if not final.is_file() or final.stat().st_size == 0:
        return []
    try:
        with open(final, "rb") as fh:
            magic = fh.read(len(_SQLITE_MAGIC))
        names = (
            [str(n) for n in pyogrio.list_layers(final)[:, 0]] if magic == _SQLITE_MAGIC else None
        )
    except (OSError, pyogrio.errors.DataSourceError):
        names = None
    if names is None:
        return [problem("output_not_gpkg", argument=argument, path=os.fspath(path))]
    writes = list(layers)
    other = [n for n in names if n not in writes]
    if other:
        return [
            problem(
                "output_gpkg_other_layers",
                argument=argument,
                path=os.fspath(path),
                layers=", ".join(other),
                writes=", ".join(writes),
            )
        ]
    return []


def to_gpkg(
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """Write every layer into one new GeoPackage (named layers, opens in QGIS), atomically.

    Non-spatial tables are written as GeoPackage attribute tables. ``metadata`` maps a layer
    name to key/value strings stored as GDAL layer metadata (e.g. the datum). The file at
    ``path`` is replaced as a whole.

    Raises
    ------
    ExportError
        No layers, a layer without a CRS, or columns a GeoPackage cannot hold
        (:func:`column_problems`) — every problem at once, before anything is written.
    """
    import pyogrio

    if not layers:
        raise ExportError([problem("gpkg_no_layers")])
    problems = [p for name, frame in layers.items() for p in column_problems(frame, layer=name)]
    if problems:
        raise ExportError(problems)
    with atomic_path(path) as tmp:
        for name, frame in layers.items():
            meta = dict((metadata or {}).get(name, {}))
            if isinstance(frame, gpd.GeoDataFrame):
                frame = require_wgs84(frame)
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
