"""Any supported source to a :class:`Table`: read the bytes, tell the format, pick the reader."""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import Any

from layout.records.errors import fail
from layout.records.features import read_geojson, read_gpkg
from layout.records.limits import Limits, exceeded
from layout.records.table import Progress, Table, report
from layout.records.textfile import read_csv
from layout.records.vocabulary import SUPPORTED_FORMATS
from layout.records.workbook import read_xlsx

__all__ = ["detect_format", "is_path", "read_bytes", "read_table"]


def is_path(obj: Any) -> bool:
    """True for a ``str`` or ``os.PathLike``."""
    return isinstance(obj, str | PathLike)


def read_bytes(
    obj: Any, source_name: str | None, max_bytes: int | None = None
) -> tuple[bytes, str | None]:
    """The bytes of a path, a bytes object or a binary file-like object, and its name."""
    if is_path(obj):
        path = Path(obj)
        try:
            size = path.stat().st_size
            if max_bytes is not None and size > max_bytes:
                exceeded("max_bytes", max_bytes, f"{size:,} bytes")
            return path.read_bytes(), source_name or str(path)
        except OSError as exc:
            fail("records_unreadable", path=str(path), detail=exc.strerror or str(exc))
    if isinstance(obj, bytes | bytearray | memoryview):
        return bytes(obj), source_name
    read = getattr(obj, "read", None)
    if not callable(read):
        fail("records_not_a_source", argument="path_or_buffer", kind=type(obj).__name__)
    try:
        content = read()
    except (OSError, ValueError) as exc:
        fail("records_buffer_unreadable", detail=str(exc))
    name = source_name or getattr(obj, "name", None)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if not isinstance(content, bytes | bytearray):
        fail("records_buffer_not_bytes", kind=type(content).__name__)
    return bytes(content), name if isinstance(name, str) else None


def detect_format(name: str | None, data: bytes) -> str:
    """``csv``, ``xlsx``, ``geojson`` or ``gpkg`` from the name's suffix, else from the bytes."""
    if name and "." in Path(name).name:
        suffix = Path(name).suffix.lower()
        for fmt, exts in SUPPORTED_FORMATS.items():
            if suffix in exts:
                return fmt
        old = suffix == ".xls"
        fail(
            "records_unsupported_type",
            suffix=suffix,
            hint_zh="（旧的 .xls：请另存为 .xlsx）" if old else "",
            hint_en=" (old .xls: save it as .xlsx)" if old else "",
            formats=_formats_text(),
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


def read_table(
    path_or_buffer: Any,
    source_name: str | None,
    layer: str | int | None,
    *,
    limits: Limits,
    encoding: str | None = None,
    header_field: Callable[[str], str] | None = None,
    progress: Progress | None = None,
) -> tuple[Table, str | None]:
    """Read a source into a :class:`Table`; return it with the source's name."""
    data, name = read_bytes(path_or_buffer, source_name, limits.max_bytes)
    fmt = detect_format(name, data)
    report(progress, 0.1)
    if fmt == "csv":
        table = read_csv(data, limits, encoding=encoding, header_field=header_field)
    elif fmt == "xlsx":
        table = read_xlsx(data, layer, limits, header_field)
    elif fmt == "geojson":
        table = read_geojson(data, limits, encoding=encoding)
    else:
        path = path_or_buffer if is_path(path_or_buffer) else None
        table = read_gpkg(data, path, layer, limits)
    if len(table.rows) > limits.max_rows:
        exceeded("max_rows", limits.max_rows, f"{len(table.rows):,} rows")
    return table, name
