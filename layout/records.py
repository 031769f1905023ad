"""Import firm records (CSV, XLSX, GeoJSON, GeoPackage) into a checked WGS-84 point layer.

Every row read ends in exactly one of two tables: ``accepted`` (a GeoDataFrame in EPSG:4326)
or ``rejected`` (every original cell as text, with stable reason codes and a reason in Chinese
and English), so ``read == accepted + rejected`` always holds. Row-level problems never raise;
only file-level problems (unreadable file, unsupported format, missing required columns) and
invalid arguments raise :class:`FirmImportError`.

Columns
-------
``firm_id``, ``name``, ``lon``, ``lat``, ``chain``, ``node``, ``employees``, ``output``
(产值, 万元) are required; ``adcode`` and ``year`` are optional. Headers are matched after
Unicode NFKC normalisation (full-width parentheses and spaces become ASCII), removal of spaces,
``_``, ``-``, ``*`` and zero-width characters, and case folding; the aliases, in priority order,
are in :data:`HEADER_ALIASES`. When several aliases of one field are present the first in that
order is used and the others are kept as extra columns. Any other column is kept, renamed
``extra_<header>`` (``extra_column_<n>`` for a column without a header).

Coordinates
-----------
WGS-84 and CGCS2000 lon/lat are stored as they are; GCJ-02 and BD-09 are converted with
:func:`geo.datum.to_wgs84` when declared (``datum=``); projected coordinates are transformed
from ``crs=`` with ``pyproj.Transformer(..., always_xy=True)``. Lon/lat pairs that look swapped
(lon in [34, 39] and lat in [114, 123]) are swapped back and the row carries the note
``swapped_lon_lat``; projected pairs that fall outside the boundary but inside it once swapped
(the surveying X = northing convention) are treated the same way.

Row numbers
-----------
CSV/XLSX: the spreadsheet row (header = row 1, or the row the header was found on when title
rows precede it). GeoJSON/GeoPackage: the 1-based feature number. DataFrames: position + 2,
the row the record would have in a sheet written by ``to_csv(index=False)``.

Examples
--------
>>> import pandas as pd
>>> from shapely import box
>>> frame = pd.DataFrame({"企业编号": ["A1", "A2"], "企业名称": ["甲", "乙"],
...                       "经度": [117.0, None], "纬度": [36.6, 36.6], "产业链": ["LED", "LED"],
...                       "环节": ["epi", "epi"], "从业人数": [10, 5], "产值（万元）": [100, 50]})
>>> res = read_firms_frame(frame, boundary=box(114, 34, 123, 39), chains={"LED": {"epi"}})
>>> res.summary["read"], res.summary["accepted"], res.summary["by_reason"]
(2, 1, {'missing_coordinates': 1})
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import math
import numbers
import re
import tempfile
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import zip_longest
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from geo.datum import STORAGE_CRS, Datum, DatumError, parse_datum, to_wgs84
from geo.export import neutralise_formula
from geo.registry import data_path

__all__ = [
    "FIRM_COLUMNS",
    "HEADER_ALIASES",
    "NOTES",
    "OPTIONAL_COLUMNS",
    "REASONS",
    "REQUIRED_COLUMNS",
    "SUPPORTED_FORMATS",
    "FirmImportError",
    "ImportResult",
    "read_firms",
    "read_firms_frame",
    "write_rejects",
]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]
Progress = Callable[[float], object]

REQUIRED_COLUMNS: tuple[str, ...] = (
    "firm_id",
    "name",
    "lon",
    "lat",
    "chain",
    "node",
    "employees",
    "output",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("adcode", "year")
FIRM_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

HEADER_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "firm_id": ("firm_id", "企业编号", "企业代码", "统一社会信用代码"),
        "name": ("name", "企业名称", "名称", "firm_name"),
        "lon": ("lon", "经度", "lng", "longitude", "easting", "东坐标"),
        "lat": ("lat", "纬度", "latitude", "northing", "北坐标"),
        "chain": ("chain", "产业链", "chain_code"),
        "node": ("node", "环节", "产业环节", "链条环节", "node_id"),
        "employees": ("employees", "从业人数", "从业人员", "职工人数", "employment"),
        "output": ("output", "产值(万元)", "产值（万元）", "工业总产值", "output_10k_yuan"),
        "adcode": ("adcode", "行政区划代码", "区县代码"),
        "year": ("year", "年份"),
    }
)
"""Accepted headers per field, in priority order (matched after normalisation)."""

SUPPORTED_FORMATS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "csv": (".csv", ".txt", ".tsv"),
        "xlsx": (".xlsx", ".xlsm"),
        "geojson": (".geojson", ".json"),
        "gpkg": (".gpkg",),
    }
)
"""Format name -> file extensions read_firms accepts."""

REASONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "blank_row": ("空行", "blank row"),
        "missing_id": ("缺少企业编号", "missing firm_id"),
        "duplicate_id": ("企业编号重复", "duplicate firm_id"),
        "duplicate_firm_year": ("同一企业同一年份重复", "duplicate firm_id in the same year"),
        "missing_name": ("缺少企业名称", "missing name"),
        "missing_coordinates": ("缺少坐标", "missing coordinates"),
        "non_numeric_coordinates": ("坐标不是数字", "coordinates are not numbers"),
        "bad_geometry": ("几何无效（须为非空的点）", "bad geometry (must be a non-empty point)"),
        "coordinates_out_of_range": (
            "坐标超出经纬度范围（投影坐标请用 crs= 声明）",
            "coordinates outside lon/lat range (declare projected coordinates with crs=)",
        ),
        "outside_shandong": ("位置不在山东省境内", "location outside Shandong"),
        "missing_chain": ("缺少产业链", "missing chain"),
        "unknown_chain": ("未知的产业链", "unknown chain"),
        "missing_node": ("缺少产业环节", "missing chain node"),
        "unknown_node": ("该产业链没有这个环节", "node not in this chain"),
        "non_numeric_value": ("数值不是数字", "value is not a number"),
        "negative_value": ("数值为负", "negative value"),
        "non_finite": ("数值为 NaN 或无穷大", "value is NaN or infinite"),
        "invalid_adcode": (
            "行政区划代码无效（须为 6 位数字）",
            "invalid adcode (must be 6 digits)",
        ),
        "invalid_year": ("年份无效（须为 1900–2100 的整数）", "invalid year (integer 1900-2100)"),
        "missing_year": (
            "缺少年份（多年面板的每一行都须有年份）",
            "missing year (every row of a multi-year panel needs one)",
        ),
        "extra_cells": (
            "本行单元格多于表头（可能有未加引号的逗号）",
            "more cells than header columns (an unquoted comma?)",
        ),
    }
)
"""Reject reason code -> (Chinese, English) text, in the order reasons are listed."""

NOTES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "swapped_lon_lat": (
            "经纬度疑似互换，已换回",
            "lon/lat looked swapped and were swapped back",
        ),
        "missing_employees": ("从业人数为空", "employees blank"),
        "missing_output": ("产值为空", "output blank"),
        "chain_name_resolved": ("产业链名称已换成代码", "chain name resolved to its code"),
        "node_name_resolved": ("环节名称已换成代码", "node name resolved to its id"),
    }
)
"""Note code -> (Chinese, English) text for accepted rows that carry a warning."""

_META_REJECT = ("row", "reason_codes", "reason_zh", "reason_en", "notes")
_SWAP_LON = (34.0, 39.0)
_SWAP_LAT = (114.0, 123.0)
_CHINA_BOX = (72.0, 0.0, 138.0, 56.0)  # GCJ-02/BD-09 shifts are applied only in here
_FALLBACK_BOX = (114.5, 34.2, 123.0, 38.6)  # Shandong's extent, if geo.boundaries is absent
_HEADER_SCAN = 20
_SEP = "\x1f"
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_HEADER_JUNK = re.compile(r"[\s_\-*\u200b-\u200d\u2060\ufeff]+")


class FirmImportError(ValueError):
    """A file-level import problem or an invalid argument (row problems never raise)."""


@dataclass(frozen=True)
class ImportResult:
    """Outcome of an import: every row read is in exactly one of the two tables.

    Attributes
    ----------
    accepted
        EPSG:4326 point GeoDataFrame: the schema columns, ``datum_in``, ``location_quality``
        (``"exact"``), ``row``, ``notes`` (``;``-joined :data:`NOTES` codes), then the extra
        columns ``extra_*``.
    rejected
        ``row``, ``reason_codes`` (``;``-joined :data:`REASONS` codes), ``reason_zh``,
        ``reason_en``, ``notes``, then every original column under its original header, as text.
    summary
        ``read``, ``accepted``, ``rejected``, ``by_reason`` (code -> rows with that code; a row
        may have several), ``by_note``, ``encoding``, ``datum``, ``crs``, ``format``, ``source``,
        ``header_row``, ``trailing_blank_rows``, ``columns`` (field -> source header),
        ``boundary`` and ``chains`` (where the checks came from; ``chains`` is None when no
        chain list could be found and chain/node were not checked).
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    summary: dict[str, Any]


@dataclass
class _Points:
    """Coordinates taken from a geometry column, one entry per row."""

    x: FloatArray
    y: FloatArray
    missing: BoolArray
    bad: BoolArray
    bad_detail: ObjArray
    source: Sequence[Any]
    to_text: Callable[[Any], str]


@dataclass
class _Table:
    """A file or frame reduced to text cells, source row numbers and optional points."""

    headers: list[str]
    cells: list[ObjArray]
    rows: npt.NDArray[np.int64]
    fmt: str
    points: _Points | None = None
    crs: pyproj.CRS | None = None
    extra_cells: BoolArray | None = None
    synthetic: set[int] = field(default_factory=set)
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Options:
    datum: Datum
    crs: pyproj.CRS | None
    boundary: BaseGeometry
    boundary_label: str
    chains: Mapping[str, Collection[Any]] | None
    chains_label: str | None
    id_scope: str = "table"
    year: int | None = None


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def read_firms(
    path_or_buffer: str | PathLike[str] | Any,
    *,
    datum: str | Datum = "wgs84",
    crs: Any = None,
    boundary: Any = None,
    chains: Mapping[str, Collection[Any]] | None = None,
    source_name: str | None = None,
    progress: Progress | None = None,
    layer: str | int | None = None,
    id_scope: str = "table",
    year: int | None = None,
) -> ImportResult:
    """Read a firm table from CSV, XLSX, GeoJSON or GeoPackage and check every row.

    Parameters
    ----------
    path_or_buffer
        A path, or a binary file-like object (e.g. a Streamlit upload). A DataFrame is passed
        on to :func:`read_firms_frame`.
    datum
        Datum of lon/lat input: ``wgs84`` (default), ``cgcs2000``, ``gcj02`` or ``bd09``;
        GCJ-02 and BD-09 are converted to WGS-84 with :func:`geo.datum.to_wgs84`.
    crs
        CRS of the coordinates when they are not WGS-84 lon/lat (e.g. ``"EPSG:4549"``), read by
        :class:`pyproj.CRS`. A GeoPackage or GeoJSON that declares its CRS is read in that CRS;
        ``crs`` must then agree with it.
    boundary
        Province outline (shapely polygon, GeoSeries or GeoDataFrame, WGS-84). Default:
        ``geo.boundaries.shandong_outline()``, or Shandong's bounding box when that module is
        not installed (``summary["boundary"]`` says which).
    chains
        Valid chain -> nodes (``Mapping[str, Collection[str]]``; a ``networkx`` graph works
        as a collection, and its ``name_zh``/``name_en`` attributes are accepted as names).
        Default: ``layout.chains.load_chains()``, else ``data/chains/nodes.csv``; when neither
        exists chain and node are not checked (``summary["chains"] is None``).
    source_name
        Name reported in the summary and used to tell the format of a buffer.
    progress
        Optional ``callable(fraction)`` called with increasing values in [0, 1].
    layer
        XLSX sheet or GeoPackage layer (name or 0-based index); default the first one.
    id_scope
        Where ``firm_id`` must be unique: ``"table"`` (default; a repeated id is rejected as
        ``duplicate_id``) or ``"year"`` for a multi-year panel (one row per firm and year: the
        key is ``firm_id`` + ``year``, a repeat is ``duplicate_firm_year`` and a row without a
        year is ``missing_year``). See :mod:`layout.monitoring.panel`.
    year
        Year given to rows whose ``year`` cell is blank (e.g. a file holding one year); an
        invalid year cell is still rejected.

    Returns
    -------
    ImportResult
        ``summary["read"] == summary["accepted"] + summary["rejected"]``.

    Raises
    ------
    FirmImportError
        Unreadable or undecodable file, unsupported format, missing or ambiguous required
        columns, invalid arguments. Row problems never raise.
    """
    if isinstance(path_or_buffer, pd.DataFrame):
        return read_firms_frame(
            path_or_buffer,
            datum=datum,
            crs=crs,
            boundary=boundary,
            chains=chains,
            source_name=source_name,
            progress=progress,
            id_scope=id_scope,
            year=year,
        )
    _report(progress, 0.0)
    options = _check_options(datum, crs, boundary, chains, id_scope=id_scope, year=year)
    data, name = _read_bytes(path_or_buffer, source_name)
    fmt = _detect_format(name, data)
    _report(progress, 0.1)
    if fmt == "csv":
        table = _read_csv(data)
    elif fmt == "xlsx":
        table = _read_xlsx(data, layer)
    elif fmt == "geojson":
        table = _read_geojson(data)
    else:
        table = _read_gpkg(data, path_or_buffer if _is_path(path_or_buffer) else None, layer)
    _report(progress, 0.4)
    return _import(table, options, source=name, progress=progress)


def read_firms_frame(
    df: pd.DataFrame,
    *,
    datum: str | Datum = "wgs84",
    crs: Any = None,
    boundary: Any = None,
    chains: Mapping[str, Collection[Any]] | None = None,
    source_name: str | None = None,
    progress: Progress | None = None,
    first_row: int = 2,
    id_scope: str = "table",
    year: int | None = None,
) -> ImportResult:
    """Check an already-loaded DataFrame (or point GeoDataFrame) as :func:`read_firms` does.

    Parameters
    ----------
    df
        The table; not modified. Missing values (None, NaN, NA) count as blank cells. A
        GeoDataFrame's active geometry gives lon/lat in its CRS (``crs=`` must agree).
    first_row
        Row number reported for the first record (default 2: header on row 1).
    datum, crs, boundary, chains, source_name, progress, id_scope, year
        As in :func:`read_firms`.

    Returns
    -------
    ImportResult
    """
    _report(progress, 0.0)
    options = _check_options(datum, crs, boundary, chains, id_scope=id_scope, year=year)
    if not isinstance(df, pd.DataFrame):
        raise FirmImportError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    table = _frame_table(df, first_row)
    _report(progress, 0.4)
    return _import(table, options, source=source_name, progress=progress)


def write_rejects(result: ImportResult, path: str | PathLike[str]) -> Path:
    """Write ``result.rejected`` to a CSV (UTF-8 with BOM, so Excel opens it) and return the path.

    Every cell and header that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading apostrophe so that spreadsheet programs show it as text instead of
    running it as a formula (OWASP "CSV injection").

    Parameters
    ----------
    result
        An :class:`ImportResult`.
    path
        Target file.

    Returns
    -------
    pathlib.Path
    """
    frame = result.rejected
    out = pd.DataFrame(
        {
            i: [neutralise_formula(_cell_text(v)) for v in frame.iloc[:, i]]
            for i in range(frame.shape[1])
        },
        dtype=object,
    )
    out.columns = [neutralise_formula(str(c)) for c in frame.columns]
    target = Path(path)
    # CRLF rows: the csv writer then quotes every cell holding a bare CR or LF
    out.to_csv(
        target, index=False, encoding="utf-8-sig", errors="backslashreplace", lineterminator="\r\n"
    )
    return target


# --------------------------------------------------------------------------------------------
# options
# --------------------------------------------------------------------------------------------


def _check_options(
    datum: Any, crs: Any, boundary: Any, chains: Any, *, id_scope: Any = "table", year: Any = None
) -> _Options:
    problems: list[str] = []
    if id_scope not in ("table", "year"):
        problems.append(f"id_scope={id_scope!r}: use 'table' or 'year'")
    if year is not None and not (
        isinstance(year, numbers.Integral)
        and not isinstance(year, bool)
        and 1900 <= int(year) <= 2100
    ):
        problems.append(f"year={year!r}: use a whole number from 1900 to 2100, or None")
    parsed_datum = Datum.WGS84
    try:
        parsed_datum = parse_datum(datum)
    except DatumError as exc:
        problems.append(f"datum={datum!r}: {exc}")
    parsed_crs: pyproj.CRS | None = None
    if crs is not None:
        try:
            parsed_crs = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as exc:
            problems.append(
                f"crs={crs!r} is not a CRS pyproj can read ({exc}); use e.g. 'EPSG:4549'"
            )
    if (
        parsed_crs is not None
        and not parsed_crs.is_geographic
        and parsed_datum in (Datum.GCJ02, Datum.BD09)
    ):
        problems.append(
            f"datum={parsed_datum.value!r} with projected crs={crs!r}: GCJ-02/BD-09 are lon/lat "
            "shifts; drop one of the two"
        )
    geom, b_label = _resolve_boundary(boundary, problems)
    mapping, c_label = _resolve_chains(chains, problems)
    if problems:
        raise FirmImportError("invalid arguments: " + "; ".join(problems))
    return _Options(
        parsed_datum,
        parsed_crs,
        geom,
        b_label,
        mapping,
        c_label,
        str(id_scope),
        None if year is None else int(year),
    )


def _resolve_boundary(boundary: Any, problems: list[str]) -> tuple[BaseGeometry, str]:
    label = "argument"
    if boundary is None:
        try:
            from geo.boundaries import shandong_outline
        except ImportError:
            return shapely.box(*_FALLBACK_BOX), "bbox-fallback"
        boundary, label = shandong_outline(), "geo.boundaries.shandong_outline"
    if isinstance(boundary, gpd.GeoDataFrame):
        boundary = boundary.geometry
    if isinstance(boundary, gpd.GeoSeries):
        series = boundary.to_crs(STORAGE_CRS) if boundary.crs is not None else boundary
        boundary = series.union_all() if len(series) else shapely.Polygon()
    if not isinstance(boundary, BaseGeometry) or boundary.is_empty:
        problems.append(
            f"boundary must be a non-empty shapely polygon, GeoSeries or GeoDataFrame in WGS-84, "
            f"got {type(boundary).__name__}; leave it None for Shandong's outline"
        )
        return shapely.box(*_FALLBACK_BOX), label
    if not shapely.is_prepared(boundary):
        boundary = shapely.from_wkb(shapely.to_wkb(boundary))  # prepare a copy, not the input
        shapely.prepare(boundary)
    return boundary, label


def _resolve_chains(
    chains: Any, problems: list[str]
) -> tuple[Mapping[str, Collection[Any]] | None, str | None]:
    if chains is None:
        return _default_chains()
    if not isinstance(chains, Mapping):
        problems.append(
            f"chains must be a mapping chain -> collection of nodes, got {type(chains).__name__}"
        )
        return None, None
    bad = [
        str(k)
        for k, v in chains.items()
        if isinstance(v, str | bytes) or not isinstance(v, Collection)
    ]
    if bad:
        problems.append(
            f"chains values must be collections of node names (a set or a graph), not strings: "
            f"{', '.join(bad[:10])}"
        )
        return None, None
    return chains, "argument"


def _default_chains() -> tuple[Mapping[str, Collection[Any]] | None, str | None]:
    try:
        module = importlib.import_module("layout.chains")
    except ModuleNotFoundError as exc:
        if exc.name != "layout.chains":
            raise
        module = None
    if module is not None and hasattr(module, "load_chains"):
        return module.load_chains(), "layout.chains.load_chains"
    path = data_path("chain_nodes")
    if not path.is_file():
        return None, None
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        out: dict[str, set[str]] = {}
        for rec in reader:
            chain = (rec.get("chain") or rec.get("industry_code") or "").strip()
            node = (rec.get("node") or rec.get("node_id") or "").strip()
            if chain and node:
                out.setdefault(chain, set()).add(node)
    return out, "data/chains/nodes.csv"


# --------------------------------------------------------------------------------------------
# reading files
# --------------------------------------------------------------------------------------------


def _is_path(obj: Any) -> bool:
    return isinstance(obj, str | PathLike)


def _read_bytes(obj: Any, source_name: str | None) -> tuple[bytes, str | None]:
    if _is_path(obj):
        path = Path(obj)
        try:
            return path.read_bytes(), source_name or str(path)
        except OSError as exc:
            raise FirmImportError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    if isinstance(obj, bytes | bytearray | memoryview):
        return bytes(obj), source_name
    read = getattr(obj, "read", None)
    if not callable(read):
        raise FirmImportError(
            f"path_or_buffer must be a path, bytes or a file-like object, got {type(obj).__name__}"
        )
    try:
        content = read()
    except (OSError, ValueError) as exc:
        raise FirmImportError(f"cannot read the buffer: {exc}") from None
    name = source_name or getattr(obj, "name", None)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if not isinstance(content, bytes | bytearray):
        raise FirmImportError(f"buffer.read() returned {type(content).__name__}, not bytes")
    return bytes(content), name if isinstance(name, str) else None


def _detect_format(name: str | None, data: bytes) -> str:
    if name and "." in Path(name).name:
        suffix = Path(name).suffix.lower()
        for fmt, exts in SUPPORTED_FORMATS.items():
            if suffix in exts:
                return fmt
        hint = " (old .xls: save it as .xlsx)" if suffix == ".xls" else ""
        raise FirmImportError(
            f"unsupported file type {suffix!r}{hint}; supported: {_formats_text()}"
        )
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") and b'"type"' in head:
        return "geojson"
    return "csv"


def _formats_text() -> str:
    return "; ".join(f"{fmt} ({', '.join(exts)})" for fmt, exts in SUPPORTED_FORMATS.items())


def _decode(data: bytes) -> tuple[str, str]:
    """Decode text bytes: UTF-16 with BOM, then UTF-8 (with or without BOM), then GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FirmImportError(
            f"cannot decode the file as UTF-8 or GB18030/GBK (byte {exc.start}); "
            "save it as 'CSV UTF-8' or GBK CSV"
        ) from None


def _read_csv(data: bytes) -> _Table:
    text, encoding = _decode(data)
    first_line = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise FirmImportError(f"malformed CSV near line {reader.line_num}: {exc}") from None
    table = _grid_table(records, fmt="csv", ragged_is_error=True)
    table.info["encoding"] = encoding
    table.info["delimiter"] = delimiter
    return table


def _read_xlsx(data: bytes, layer: str | int | None) -> _Table:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FirmImportError(f"cannot open the workbook: {exc}") from None
    try:
        names = book.sheetnames
        sheets = book.worksheets
        if not sheets:
            raise FirmImportError("the workbook has no worksheet")
        sheet = book[_pick(names, layer, "sheet")]
        records = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        title = sheet.title
    finally:
        book.close()
    table = _grid_table(records, fmt="xlsx", ragged_is_error=False)
    table.info["sheet"] = title
    return table


def _grid_table(records: list[list[str]], *, fmt: str, ragged_is_error: bool) -> _Table:
    """Find the header among the first rows and turn the rest into text columns."""
    blank = [not any(c.strip() for c in rec) for rec in records]
    end = len(records)
    while end and blank[end - 1]:
        end -= 1
    trailing = len(records) - end
    header_at = _find_header(records[:end], blank)
    if header_at is None:
        return _Table(
            [],
            [],
            np.zeros(0, np.int64),
            fmt,
            info={
                "header_row": None,
                "trailing_blank_rows": trailing,
            },
        )
    header = records[header_at]
    body = records[header_at + 1 : end]
    width = max([len(header), *map(len, body)])
    headers: list[str] = []
    synthetic: set[int] = set()
    for j in range(width):
        text = header[j].strip() if j < len(header) else ""
        if not text:
            text = f"column_{j + 1}"
            synthetic.add(j)
        headers.append(text)
    columns = list(zip_longest(*body, fillvalue="")) if body else [() for _ in range(width)]
    while len(columns) < width:
        columns.append(("",) * len(body))
    cells = [np.array(col, dtype=object) for col in columns]
    extra: BoolArray | None = None
    if ragged_is_error and width > len(header):
        extra = np.zeros(len(body), dtype=bool)
        for j in range(len(header), width):
            extra |= pd.Series(cells[j], dtype=object).str.strip().to_numpy() != ""
    rows = np.arange(header_at + 2, header_at + 2 + len(body), dtype=np.int64)
    return _Table(
        headers,
        cells,
        rows,
        fmt,
        extra_cells=extra,
        synthetic=synthetic,
        info={
            "header_row": header_at + 1,
            "trailing_blank_rows": trailing,
        },
    )


def _find_header(records: list[list[str]], blank: list[bool]) -> int | None:
    best: tuple[int, int] | None = None
    seen = 0
    for i, rec in enumerate(records):
        if blank[i]:
            continue
        fields = {_ALIAS_INDEX.get(_header_key(c), ("", 0))[0] for c in rec} - {""}
        if set(REQUIRED_COLUMNS) <= fields:
            return i
        if best is None or len(fields) > best[0]:
            best = (len(fields), i)
        seen += 1
        if seen >= _HEADER_SCAN:
            break
    if best is None:
        return None
    return best[1] if best[0] else next(i for i, b in enumerate(blank) if not b)


def _read_geojson(data: bytes) -> _Table:
    text, encoding = _decode(data)
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise FirmImportError(f"not valid JSON: {exc}") from None
    kind = obj.get("type") if isinstance(obj, dict) else None
    if kind == "FeatureCollection" and isinstance(obj.get("features"), list):
        features = obj["features"]
    elif kind == "Feature":
        features = [obj]
    else:
        raise FirmImportError(
            "a GeoJSON file must hold a FeatureCollection (or one Feature) of points"
        )
    file_crs = None
    crs_member = obj.get("crs")
    if isinstance(crs_member, dict):  # pre-RFC 7946 GeoJSON may name its CRS
        name = (crs_member.get("properties") or {}).get("name")
        try:
            file_crs = pyproj.CRS.from_user_input(name)
        except (pyproj.exceptions.CRSError, TypeError):
            raise FirmImportError(f"the GeoJSON 'crs' member {name!r} is not a known CRS") from None
    n = len(features)
    headers: dict[str, None] = {}
    props_list: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for feat in features:
        props = feat.get("properties") if isinstance(feat, dict) else None
        props = props if isinstance(props, dict) else {}
        for key in props:
            headers.setdefault(str(key), None)
        props_list.append(props)
        geoms.append(feat.get("geometry") if isinstance(feat, dict) else feat)
    names = list(headers)
    cells = [np.array([_json_text(p.get(h)) for p in props_list], dtype=object) for h in names]
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
    points = _Points(x, y, missing, bad, detail, geoms, _json_dump)
    rows = np.arange(1, n + 1, dtype=np.int64)
    return _Table(
        names,
        cells,
        rows,
        "geojson",
        points=points,
        crs=file_crs,
        info={
            "encoding": encoding,
            "header_row": None,
            "trailing_blank_rows": 0,
        },
    )


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


def _pick(names: list[str], wanted: str | int | None, kind: str) -> str:
    """The name of the sheet/layer ``wanted`` (None = the first, an index or a name) of ``names``."""
    if wanted is None:
        return names[0]
    if isinstance(wanted, int) and -len(names) <= wanted < len(names):
        return names[wanted]
    if isinstance(wanted, str) and wanted in names:
        return wanted
    raise FirmImportError(f"no {kind} {wanted!r}; {kind}s are {names}")


def _read_gpkg(data: bytes, path: Any, layer: str | int | None) -> _Table:
    import pyogrio
    import pyogrio.errors

    with tempfile.TemporaryDirectory() as tmp:
        if path is None:  # GDAL wants a .gpkg name; a /vsimem/ buffer makes it warn
            path = Path(tmp) / "upload.gpkg"
            path.write_bytes(data)
        try:
            layers = [str(row[0]) for row in pyogrio.list_layers(path)]
            if not layers:
                raise FirmImportError("the GeoPackage has no layer")
            chosen = _pick(layers, layer, "layer")
            meta, _fids, wkb, fields = pyogrio.raw.read(path, layer=chosen, datetime_as_string=True)
        except pyogrio.errors.DataSourceError as exc:
            raise FirmImportError(f"cannot open the GeoPackage: {exc}") from None
        except (pyogrio.errors.DataLayerError, pyogrio.errors.FieldError) as exc:
            raise FirmImportError(f"cannot read layer {layer!r}: {exc}") from None
    names = [str(f) for f in meta["fields"]]
    cells = [np.array([_cell_text(v) for v in col], dtype=object) for col in fields]
    n = len(cells[0]) if cells else (0 if wkb is None else len(wkb))
    points = None
    if wkb is not None:
        n = len(wkb)
        geoms = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
        unreadable = np.array([w is not None for w in wkb], dtype=bool) & shapely.is_missing(geoms)
        points = _shapely_points(geoms, unreadable)
    file_crs = pyproj.CRS.from_user_input(meta["crs"]) if meta.get("crs") else None
    return _Table(
        names,
        cells,
        np.arange(1, n + 1, dtype=np.int64),
        "gpkg",
        points=points,
        crs=file_crs,
        info={"layer": chosen, "header_row": None, "trailing_blank_rows": 0},
    )


def _shapely_points(geoms: ObjArray, unreadable: BoolArray | None = None) -> _Points:
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
    return _Points(x, y, missing, bad, detail, geoms, _wkt)


_GEOM_NAMES = {
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def _frame_table(df: pd.DataFrame, first_row: int) -> _Table:
    points = None
    file_crs = None
    geom_name = None
    if isinstance(df, gpd.GeoDataFrame) and df.active_geometry_name in df.columns:
        geom_name = df.active_geometry_name
        points = _shapely_points(np.asarray(df.geometry.array, dtype=object))
        file_crs = df.crs
    headers: list[str] = []
    cells: list[ObjArray] = []
    for j in range(df.shape[1]):
        label = df.columns[j]
        if geom_name is not None and label == geom_name:
            continue
        text = " ".join(map(str, label)) if isinstance(label, tuple) else str(label)
        headers.append(text)
        cells.append(_column_text(df.iloc[:, j]))
    rows = np.arange(first_row, first_row + len(df), dtype=np.int64)
    return _Table(
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


# --------------------------------------------------------------------------------------------
# cell text
# --------------------------------------------------------------------------------------------


def _column_text(column: pd.Series) -> ObjArray:
    """:func:`_cell_text` of a whole column, vectorised for plain numpy dtypes."""
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
    return np.array([_cell_text(x) for x in values], dtype=object)


def _cell_text(value: Any) -> str:
    """Text of one cell: blank for None/NaN/NA, integral floats without '.0'."""
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


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dict | list):
        return _json_dump(value)
    return _cell_text(value)


def _json_dump(value: Any) -> str:
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _wkt(geom: Any) -> str:
    return "" if geom is None else str(shapely.to_wkt(geom))


# --------------------------------------------------------------------------------------------
# columns
# --------------------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    return _HEADER_JUNK.sub("", unicodedata.normalize("NFKC", text)).casefold()


_ALIAS_INDEX: dict[str, tuple[str, int]] = {}
for _field, _aliases in HEADER_ALIASES.items():
    for _priority, _alias in enumerate(_aliases):
        _ALIAS_INDEX.setdefault(_header_key(_alias), (_field, _priority))


def _map_columns(table: _Table) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Return field -> column index and the extra columns (index, output name)."""
    geometry = table.points is not None
    candidates: dict[str, list[tuple[int, int]]] = {}
    extras: list[int] = []
    for j, header in enumerate(table.headers):
        hit = None if j in table.synthetic else _ALIAS_INDEX.get(_header_key(header))
        if hit is None or (geometry and hit[0] in ("lon", "lat")):
            extras.append(j)
        else:
            candidates.setdefault(hit[0], []).append((hit[1], j))
    mapping: dict[str, int] = {}
    ambiguous: list[str] = []
    for name, found in candidates.items():
        found.sort()
        if len(found) > 1 and found[0][0] == found[1][0]:
            same = [table.headers[j] for p, j in found if p == found[0][0]]
            ambiguous.append(f"{name} is given by several columns {same}")
        mapping[name] = found[0][1]
        extras.extend(j for _, j in found[1:])
    needed = [c for c in REQUIRED_COLUMNS if not (geometry and c in ("lon", "lat"))]
    missing = [c for c in needed if c not in mapping]
    if missing or ambiguous:
        parts = []
        if missing:
            accepted = "; ".join(f"{c}: {', '.join(HEADER_ALIASES[c])}" for c in missing)
            parts.append(f"missing required column(s) {missing} (accepted headers - {accepted})")
        parts.extend(ambiguous)
        parts.append(f"columns found: {table.headers}")
        raise FirmImportError("; ".join(parts))
    used: set[str] = set(FIRM_COLUMNS) | {"datum_in", "location_quality", "row", "notes"}
    named: list[tuple[int, str]] = []
    for j in sorted(extras):
        base = "extra_" + re.sub(r"\s+", " ", table.headers[j]).strip()
        name, k = base, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        named.append((j, name))
    return mapping, named


# --------------------------------------------------------------------------------------------
# checking rows
# --------------------------------------------------------------------------------------------


def _strip(values: ObjArray) -> pd.Series:
    return pd.Series(values, dtype=object).str.strip()


def _parse_numbers(values: ObjArray) -> tuple[FloatArray, BoolArray, BoolArray, BoolArray]:
    """Parse text cells to float: (values, blank, non_numeric, non_finite).

    A cell is a number if Python's ``float`` reads it after stripping spaces, or after NFKC
    normalisation (full-width digits and points) and removing thousands separators
    (``1,234.5``). ``nan``/``inf`` text and overflowing literals (``1e400``) are non-finite.
    One pass in Python: pandas' object-dtype string methods loop in Python as well.
    """
    n = len(values)
    out = np.full(n, np.nan)
    blank = np.zeros(n, dtype=bool)
    non_numeric = np.zeros(n, dtype=bool)
    for i, cell in enumerate(values):
        text = cell.strip()
        if not text:
            blank[i] = True
            continue
        try:
            out[i] = float(text)
        except ValueError:
            text = unicodedata.normalize("NFKC", text).strip()
            if _THOUSANDS.fullmatch(text):
                text = text.replace(",", "")
            try:
                out[i] = float(text)
            except ValueError:
                non_numeric[i] = True
    non_finite = ~blank & ~non_numeric & ~np.isfinite(out)
    return out, blank, non_numeric, non_finite


def _import(
    table: _Table, opts: _Options, *, source: str | None, progress: Progress | None
) -> ImportResult:
    n = len(table.rows)
    summary: dict[str, Any] = {
        "source": source,
        "format": table.fmt,
        "encoding": table.info.get("encoding"),
        "datum": opts.datum.value,
        "crs": None,
        "boundary": opts.boundary_label,
        "chains": opts.chains_label,
        "header_row": table.info.get("header_row"),
        "trailing_blank_rows": table.info.get("trailing_blank_rows", 0),
    }
    summary.update({k: v for k, v in table.info.items() if k not in summary})
    if not table.headers and n == 0:  # empty file or empty collection: nothing to map
        src_crs = opts.crs
        mapping: dict[str, int] = {}
        extras: list[tuple[int, str]] = []
    else:
        mapping, extras = _map_columns(table)
        src_crs = _source_crs(table, opts)
    summary["columns"] = {k: table.headers[j] for k, j in sorted(mapping.items())}
    empty = np.full(n, "", dtype=object)

    def col(name: str) -> ObjArray:
        return table.cells[mapping[name]] if name in mapping else empty

    masks: dict[str, BoolArray] = {code: np.zeros(n, dtype=bool) for code in REASONS}
    details: dict[str, ObjArray] = {}
    notes: dict[str, BoolArray] = {code: np.zeros(n, dtype=bool) for code in NOTES}
    finite_cols: dict[str, BoolArray] = {}

    # identity --------------------------------------------------------------------------
    firm_id = _strip(col("firm_id"))
    name = _strip(col("name"))
    masks["missing_id"] = (firm_id == "").to_numpy(dtype=bool)
    masks["missing_name"] = (name == "").to_numpy(dtype=bool)
    has_id = ~masks["missing_id"]
    adcode, masks["invalid_adcode"] = _parse_adcode(col("adcode"))
    year, masks["invalid_year"] = _parse_year(col("year"))
    if opts.year is not None:
        year = year.mask(year.isna().to_numpy() & ~masks["invalid_year"], opts.year)
    key = firm_id
    dup_code = "duplicate_id"
    if opts.id_scope == "year":  # a panel: one row per firm and year
        masks["missing_year"] = year.isna().to_numpy(dtype=bool) & ~masks["invalid_year"]
        has_id &= year.notna().to_numpy(dtype=bool)
        key = firm_id + _SEP + year.astype(object).where(year.notna(), "").astype(str)
        dup_code = "duplicate_firm_year"
    dup = key.duplicated(keep="first").to_numpy(dtype=bool) & has_id
    masks[dup_code] = dup
    if dup.any():
        first = pd.Series(table.rows).groupby(key.to_numpy()).transform("min").to_numpy()
        details[dup_code] = np.where(dup, first.astype(str), "").astype(object)

    # coordinates -----------------------------------------------------------------------
    lon, lat, coord_ok = _coordinates(table, col, masks, details, finite_cols)
    _report(progress, 0.55)
    lon, lat, datum_in = _to_wgs84(lon, lat, coord_ok, src_crs, opts, masks, notes)
    summary["crs"] = None if src_crs is None else src_crs.to_string()
    _report(progress, 0.75)

    # chain and node --------------------------------------------------------------------
    chain = _strip(col("chain"))
    node = _strip(col("node"))
    masks["missing_chain"] = (chain == "").to_numpy(dtype=bool)
    masks["missing_node"] = (node == "").to_numpy(dtype=bool)
    if opts.chains is not None:
        chain, node = _check_chains(chain, node, opts.chains, masks, notes)

    # values ----------------------------------------------------------------------------
    values: dict[str, FloatArray] = {}
    nn_cols: dict[str, BoolArray] = {}
    neg_cols: dict[str, BoolArray] = {}
    for key in ("employees", "output"):
        v, blank, non_numeric, non_finite = _parse_numbers(col(key))
        values[key] = v
        notes[f"missing_{key}"] = blank
        nn_cols[key], finite_cols[key] = non_numeric, non_finite
        neg_cols[key] = np.isfinite(v) & (v < 0)
    _collect(masks, details, "non_numeric_value", nn_cols)
    _collect(masks, details, "negative_value", neg_cols)
    _collect(masks, details, "non_finite", finite_cols)

    if table.extra_cells is not None:
        masks["extra_cells"] = table.extra_cells

    # blank rows carry one reason only ---------------------------------------------------
    blank_row = masks["missing_id"] & masks["missing_name"]  # only these can be blank rows
    for cells in table.cells:
        if blank_row.any():
            blank_row[blank_row] = _strip(cells[blank_row]).to_numpy() == ""
    if table.points is not None:
        blank_row &= table.points.missing
    for code in masks:
        masks[code] = masks[code] & ~blank_row
    for code in notes:
        notes[code] = notes[code] & ~blank_row
    masks["blank_row"] = blank_row
    _report(progress, 0.9)

    rejected_mask = np.zeros(n, dtype=bool)
    for m in masks.values():
        rejected_mask |= m
    note_text = _join_codes(notes, np.ones(n, dtype=bool))
    acc = ~rejected_mask

    accepted = _accepted_frame(
        acc,
        table,
        extras,
        firm_id,
        name,
        lon,
        lat,
        chain,
        node,
        values,
        adcode,
        year,
        datum_in,
        note_text,
    )
    rejected = _rejected_frame(rejected_mask, table, masks, details, note_text)
    summary.update(
        {
            "read": n,
            "accepted": int(acc.sum()),
            "rejected": int(rejected_mask.sum()),
            "by_reason": {c: int(m.sum()) for c, m in masks.items() if m.any()},
            "by_note": {c: int((m & acc).sum()) for c, m in notes.items() if (m & acc).any()},
            "extra_columns": [nm for _, nm in extras],
        }
    )
    _report(progress, 1.0)
    return ImportResult(accepted=accepted, rejected=rejected, summary=summary)


def _collect(
    masks: dict[str, BoolArray],
    details: dict[str, ObjArray],
    code: str,
    per_column: Mapping[str, BoolArray],
) -> None:
    """OR column masks into ``masks[code]`` and list the offending columns per row."""
    detail = np.full(len(masks[code]), "", dtype=object)
    for column, m in per_column.items():
        masks[code] = masks[code] | m
        _append(detail, m, column, ", ")
    details[code] = detail


def _append(target: ObjArray, mask: BoolArray, text: Any, sep: str) -> None:
    """In place: ``target[mask] += sep + text`` (no separator on empty cells)."""
    idx = np.flatnonzero(mask)
    if idx.size:
        current = target[idx]
        addition = text[idx] if isinstance(text, np.ndarray) else text
        target[idx] = np.where(current == "", addition, current + sep + addition)


def _source_crs(table: _Table, opts: _Options) -> pyproj.CRS | None:
    if table.crs is None:
        return opts.crs
    file_crs = pyproj.CRS.from_user_input(table.crs)
    if opts.crs is not None and not file_crs.equals(opts.crs, ignore_axis_order=True):
        raise FirmImportError(
            f"crs={opts.crs.to_string()!r} disagrees with the CRS the data declares "
            f"({file_crs.to_string()}); drop crs= or fix the file"
        )
    if not file_crs.is_geographic and opts.datum in (Datum.GCJ02, Datum.BD09):
        raise FirmImportError(
            f"datum={opts.datum.value!r} but the data is in projected {file_crs.to_string()}; "
            "GCJ-02/BD-09 apply to lon/lat only"
        )
    return file_crs


_WGS84 = pyproj.CRS.from_epsg(4326)


def _is_wgs84(crs: pyproj.CRS | None) -> bool:
    return crs is None or crs.equals(_WGS84, ignore_axis_order=True)


def _coordinates(
    table: _Table,
    col: Callable[[str], ObjArray],
    masks: dict[str, BoolArray],
    details: dict[str, ObjArray],
    finite_cols: dict[str, BoolArray],
) -> tuple[FloatArray, FloatArray, BoolArray]:
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
        x, x_blank, x_nn, x_nf = _parse_numbers(col("lon"))
        y, y_blank, y_nn, y_nf = _parse_numbers(col("lat"))
        masks["missing_coordinates"] = x_blank | y_blank
        masks["non_numeric_coordinates"] = x_nn | y_nn
        finite_cols["lon"], finite_cols["lat"] = x_nf, y_nf
    ok = np.isfinite(x) & np.isfinite(y)
    return x, y, ok


def _to_wgs84(
    x: FloatArray,
    y: FloatArray,
    ok: BoolArray,
    src: pyproj.CRS | None,
    opts: _Options,
    masks: dict[str, BoolArray],
    notes: dict[str, BoolArray],
) -> tuple[FloatArray, FloatArray, str]:
    """Swap, transform and datum-shift usable coordinates; flag range and boundary failures."""
    lon, lat = x.copy(), y.copy()
    geographic = src is None or src.is_geographic
    if geographic:
        swapped = (
            ok
            & (x >= _SWAP_LON[0])
            & (x <= _SWAP_LON[1])
            & (y >= _SWAP_LAT[0])
            & (y <= _SWAP_LAT[1])
        )
        lon[swapped], lat[swapped] = y[swapped], x[swapped]
        notes["swapped_lon_lat"] = swapped
        if not _is_wgs84(src):
            lon[ok], lat[ok] = _transformer(src).transform(lon[ok], lat[ok])
    else:
        lon[ok], lat[ok] = _transformer(src).transform(x[ok], y[ok])
    in_range = ok & np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    if opts.datum in (Datum.GCJ02, Datum.BD09):
        box = _CHINA_BOX
        shift = in_range & (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])
        if shift.any():
            lon[shift], lat[shift] = to_wgs84(lon[shift], lat[shift], opts.datum)
    inside = np.zeros(len(lon), dtype=bool)
    inside[in_range] = shapely.intersects_xy(opts.boundary, lon[in_range], lat[in_range])
    if not geographic:
        retry = in_range & ~inside
        retry |= ok & ~in_range
        if retry.any():
            sx, sy = _transformer(src).transform(y[retry], x[retry])
            fine = np.isfinite(sx) & np.isfinite(sy) & (np.abs(sx) <= 180) & (np.abs(sy) <= 90)
            hit = np.zeros(len(sx), dtype=bool)
            hit[fine] = shapely.intersects_xy(opts.boundary, sx[fine], sy[fine])
            idx = np.flatnonzero(retry)[hit]
            lon[idx], lat[idx] = sx[hit], sy[hit]
            in_range[idx] = inside[idx] = True
            notes["swapped_lon_lat"] = np.zeros(len(lon), dtype=bool)
            notes["swapped_lon_lat"][idx] = True
    masks["coordinates_out_of_range"] = ok & ~in_range
    masks["outside_shandong"] = in_range & ~inside
    datum_in = opts.datum.value if _is_wgs84(src) else src.to_string()
    return lon, lat, datum_in


def _transformer(src: pyproj.CRS) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, _WGS84, always_xy=True)


def _check_chains(
    chain: pd.Series,
    node: pd.Series,
    chains: Mapping[str, Collection[Any]],
    masks: dict[str, BoolArray],
    notes: dict[str, BoolArray],
) -> tuple[pd.Series, pd.Series]:
    chain_map, pair_map = _chain_lookup(chains)
    chain_code = chain.map(chain_map)
    known_chain = chain_code.notna().to_numpy(dtype=bool)
    masks["unknown_chain"] = ~known_chain & ~masks["missing_chain"]
    pair = chain_code.fillna("").astype(object) + _SEP + node
    node_code = pair.map(pair_map)
    known_node = node_code.notna().to_numpy(dtype=bool)
    masks["unknown_node"] = known_chain & ~known_node & ~masks["missing_node"]
    chain_out = chain.where(~known_chain, chain_code)
    node_out = node.where(~known_node, node_code)
    notes["chain_name_resolved"] = known_chain & (chain_out != chain).to_numpy(dtype=bool)
    notes["node_name_resolved"] = known_node & (node_out != node).to_numpy(dtype=bool)
    return chain_out.astype(object), node_out.astype(object)


def _chain_lookup(chains: Mapping[str, Collection[Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """Lookups text -> chain code and ``chain<SEP>text`` -> node id (ids, then unique names)."""
    chain_map: dict[str, str] = {}
    pair_map: dict[str, str] = {}
    chain_alias: dict[str, set[str]] = {}
    node_alias: dict[str, set[str]] = {}
    for key, nodes in chains.items():
        code = str(key).strip()
        chain_map[code] = code
        for nd in nodes:
            pair_map[code + _SEP + str(nd).strip()] = str(nd).strip()
        graph_attrs = getattr(nodes, "graph", None)
        if isinstance(graph_attrs, Mapping):
            for attr in ("name_zh", "name_en"):
                if isinstance(graph_attrs.get(attr), str):
                    chain_alias.setdefault(graph_attrs[attr].strip(), set()).add(code)
        node_view = getattr(nodes, "nodes", None)
        if callable(node_view):
            for nd, data in node_view(data=True):
                for attr in ("name_zh", "name_en"):
                    label = data.get(attr) if isinstance(data, Mapping) else None
                    if isinstance(label, str):
                        node_alias.setdefault(code + _SEP + label.strip(), set()).add(
                            str(nd).strip()
                        )
    for alias, codes in chain_alias.items():
        if len(codes) == 1 and alias not in chain_map:
            chain_map[alias] = next(iter(codes))
    for alias, ids in node_alias.items():
        if len(ids) == 1 and alias not in pair_map:
            pair_map[alias] = next(iter(ids))
    return chain_map, pair_map


def _parse_adcode(values: ObjArray) -> tuple[pd.Series, BoolArray]:
    text = pd.Series(values, dtype=object).str.normalize("NFKC").str.strip()
    blank = (text == "").to_numpy(dtype=bool)
    six = text.str.extract(r"^([0-9]{6})(?:\.0+|0{6})?$", expand=False)
    invalid = ~blank & six.isna().to_numpy(dtype=bool)
    return six.astype(object).where(six.notna(), None), invalid


def _parse_year(values: ObjArray) -> tuple[pd.Series, BoolArray]:
    text = pd.Series(values, dtype=object).str.normalize("NFKC").str.strip()
    blank = (text == "").to_numpy(dtype=bool)
    digits = text.str.extract(r"^([0-9]{4})(?:\.0+)?$", expand=False)
    year = pd.to_numeric(digits, errors="coerce").astype("Int64")
    good = year.notna() & (year >= 1900) & (year <= 2100)
    good_arr = good.to_numpy(dtype=bool, na_value=False)
    return year.where(good_arr, pd.NA), ~blank & ~good_arr


def _join_codes(flags: Mapping[str, BoolArray], where: BoolArray) -> ObjArray:
    out = np.full(int(where.sum()), "", dtype=object)
    for code, m in flags.items():
        _append(out, m[where], code, ";")
    return out


def _reason_texts(
    masks: Mapping[str, BoolArray], details: Mapping[str, ObjArray], where: BoolArray
) -> tuple[ObjArray, ObjArray]:
    k = int(where.sum())
    zh = np.full(k, "", dtype=object)
    en = np.full(k, "", dtype=object)
    for code, (text_zh, text_en) in REASONS.items():
        sub = masks[code][where]
        if not sub.any():
            continue
        add_zh: Any = text_zh
        add_en: Any = text_en
        if code in details:
            d = details[code][where]
            has = d != ""
            if code in ("duplicate_id", "duplicate_firm_year"):
                add_zh = np.where(has, text_zh + "（首次出现在第 " + d + " 行）", text_zh)
                add_en = np.where(has, text_en + " (first in row " + d + ")", text_en)
            else:
                add_zh = np.where(has, text_zh + "：" + d, text_zh)
                add_en = np.where(has, text_en + ": " + d, text_en)
        _append(zh, sub, add_zh, "；")
        _append(en, sub, add_en, "; ")
    return zh, en


def _accepted_frame(
    acc: BoolArray,
    table: _Table,
    extras: list[tuple[int, str]],
    firm_id: pd.Series,
    name: pd.Series,
    lon: FloatArray,
    lat: FloatArray,
    chain: pd.Series,
    node: pd.Series,
    values: Mapping[str, FloatArray],
    adcode: pd.Series,
    year: pd.Series,
    datum_in: str,
    note_text: ObjArray,
) -> gpd.GeoDataFrame:
    k = int(acc.sum())
    data: dict[str, Any] = {
        "firm_id": firm_id.to_numpy()[acc],
        "name": name.to_numpy()[acc],
        "lon": lon[acc],
        "lat": lat[acc],
        "chain": np.asarray(chain.to_numpy(), dtype=object)[acc],
        "node": np.asarray(node.to_numpy(), dtype=object)[acc],
        "employees": values["employees"][acc],
        "output": values["output"][acc],
        "adcode": np.asarray(adcode.to_numpy(), dtype=object)[acc],
        "year": year[acc].reset_index(drop=True),
        "datum_in": np.full(k, datum_in, dtype=object),
        "location_quality": np.full(k, "exact", dtype=object),
        "row": table.rows[acc],
        "notes": note_text[acc],
    }
    for j, out_name in extras:
        column = table.cells[j][acc]
        if j in table.synthetic and not (column != "").any():
            continue
        data[out_name] = column
    frame = pd.DataFrame(data)
    for name_ in frame.columns:
        if frame[name_].dtype != object and name_ not in (
            "lon",
            "lat",
            "employees",
            "output",
            "year",
            "row",
        ):
            frame[name_] = frame[name_].astype(object)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon[acc], lat[acc]), crs=STORAGE_CRS)


def _rejected_frame(
    rej: BoolArray,
    table: _Table,
    masks: Mapping[str, BoolArray],
    details: Mapping[str, ObjArray],
    note_text: ObjArray,
) -> pd.DataFrame:
    zh, en = _reason_texts(masks, details, rej)
    data: dict[str, Any] = {
        "row": table.rows[rej],
        "reason_codes": _join_codes(masks, rej),
        "reason_zh": zh,
        "reason_en": en,
        "notes": note_text[rej],
    }
    originals: list[tuple[str, ObjArray]] = [
        (header, cells[rej]) for header, cells in zip(table.headers, table.cells, strict=True)
    ]
    if table.points is not None:
        to_text, source = table.points.to_text, table.points.source
        originals.append(
            ("geometry", np.array([to_text(source[i]) for i in np.flatnonzero(rej)], dtype=object))
        )
    used = set(_META_REJECT)
    for header, cells in originals:
        label = header if header not in used else f"{header} (source)"
        base, k = label, 2
        while label in used:
            label, k = f"{base} ({k})", k + 1
        used.add(label)
        data[label] = cells
    frame = pd.DataFrame(data)
    for column in frame.columns:
        if column != "row":
            frame[column] = frame[column].astype(object)
    return frame


def _report(progress: Progress | None, fraction: float) -> None:
    if progress is not None:
        progress(float(min(max(fraction, 0.0), 1.0)))
