"""Spreadsheet-shaped records (CSV rows, worksheet rows) to a :class:`Table`: find the header
among title rows, drop trailing blank rows, keep the source row numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow.compute as pc

from layout.records.columns import field_of
from layout.records.strings import TextArray, blank, bools, strip
from layout.records.table import BoolArray, Table

__all__ = ["find_header", "grid_table"]

_HEADER_SCAN = 20


def grid_table(
    columns: list[TextArray],
    *,
    fmt: str,
    ragged_is_error: bool,
    widths: Sequence[int] | None = None,
    header_field: Callable[[str], str] = field_of,
) -> Table:
    """Find the header among the first rows and keep the rest as text columns.

    ``columns`` hold every record (title rows and header included), padded with ``""``;
    ``widths`` is the number of cells each record really had (None: all had every column);
    ``header_field`` names the field a header gives ('' for none), for finding the header row.
    """
    n = len(columns[0]) if columns else 0
    is_blank = np.ones(n, dtype=bool)
    stripped = [strip(col) for col in columns]
    for col in stripped:
        is_blank &= bools(pc.equal(col, ""))
    nonblank = np.flatnonzero(~is_blank)
    end = int(nonblank[-1]) + 1 if len(nonblank) else 0
    trailing = n - end
    info: dict[str, object] = {"header_row": None, "trailing_blank_rows": trailing}
    if not len(nonblank):
        return Table([], [], np.zeros(0, np.int64), fmt, info=info)
    scan = nonblank[:_HEADER_SCAN]
    head_rows = [[col[int(i)].as_py() for col in columns] for i in scan]
    k_widths = [widths[int(i)] if widths is not None else len(columns) for i in scan]
    trimmed = [r[:w] for r, w in zip(head_rows, k_widths, strict=True)]
    header_at = int(scan[find_header(trimmed, header_field)])
    header_len = widths[header_at] if widths is not None else len(columns)
    header = [col[header_at].as_py() for col in columns[:header_len]]
    width = header_len
    if widths is not None and end > header_at + 1:
        width = max(header_len, max(widths[header_at + 1 : end]))
    headers: list[str] = []
    synthetic: set[int] = set()
    for j in range(width):
        text = header[j].strip() if j < header_len else ""
        if not text:
            text = f"column_{j + 1}"
            synthetic.add(j)
        headers.append(text)
    length = end - header_at - 1
    cells = [col.slice(header_at + 1, length) for col in columns[:width]]
    extra: BoolArray | None = None
    if ragged_is_error and width > header_len:
        extra = np.zeros(length, dtype=bool)
        for j in range(header_len, width):
            extra |= ~blank(cells[j])
    rows = np.arange(header_at + 2, header_at + 2 + length, dtype=np.int64)
    info["header_row"] = header_at + 1
    table = Table(headers, cells, rows, fmt, extra_cells=extra, synthetic=synthetic, info=info)
    table.stripped = {j: col.slice(header_at + 1, length) for j, col in enumerate(stripped[:width])}
    return table


def find_header(records: list[list[str]], header_field: Callable[[str], str] = field_of) -> int:
    """Position (in ``records``, the first non-blank rows) of the header row: the first naming
    the id or the name *and* a location, else the one naming most fields, else the first."""
    best: tuple[int, int] | None = None
    for i, rec in enumerate(records):
        fields = {header_field(c) for c in rec} - {""}
        if {"firm_id", "name"} & fields and {"lon", "adcode", "county", "address"} & fields:
            return i
        if best is None or len(fields) > best[0]:
            best = (len(fields), i)
    return best[1] if best is not None and best[0] else 0
