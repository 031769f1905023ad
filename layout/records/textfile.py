"""Delimited text files: decoding (UTF-16, UTF-8 with or without BOM, GB18030) and CSV parsing."""

from __future__ import annotations

import csv
import io

from layout.records.errors import fail
from layout.records.grid import grid_table
from layout.records.table import Table

__all__ = ["decode", "read_csv"]


def decode(data: bytes) -> tuple[str, str]:
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
        fail("records_undecodable", byte=exc.start)


def read_csv(data: bytes) -> Table:
    """A CSV/TSV file's :class:`Table` (delimiter from the first non-blank line)."""
    text, encoding = decode(data)
    first_line = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        fail("records_malformed_csv", line=reader.line_num, detail=str(exc))
    table = grid_table(records, fmt="csv", ragged_is_error=True)
    table.info["encoding"] = encoding
    table.info["delimiter"] = delimiter
    return table
