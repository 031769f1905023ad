"""Spreadsheet-shaped records (CSV rows, worksheet rows) to a :class:`Table`: find the header
among title rows, drop trailing blank rows, keep the source row numbers."""

from __future__ import annotations

from itertools import zip_longest

import numpy as np
import pandas as pd

from layout.records.columns import field_of
from layout.records.table import BoolArray, Table
from layout.records.vocabulary import REQUIRED_COLUMNS

__all__ = ["find_header", "grid_table"]

_HEADER_SCAN = 20


def grid_table(records: list[list[str]], *, fmt: str, ragged_is_error: bool) -> Table:
    """Find the header among the first rows and turn the rest into text columns."""
    blank = [not any(c.strip() for c in rec) for rec in records]
    end = len(records)
    while end and blank[end - 1]:
        end -= 1
    trailing = len(records) - end
    header_at = find_header(records[:end], blank)
    if header_at is None:
        return Table(
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
    columns: list[tuple[str, ...]] = (
        list(zip_longest(*body, fillvalue="")) if body else [() for _ in range(width)]
    )
    while len(columns) < width:
        columns.append(("",) * len(body))
    cells = [np.array(col, dtype=object) for col in columns]
    extra: BoolArray | None = None
    if ragged_is_error and width > len(header):
        extra = np.zeros(len(body), dtype=bool)
        for j in range(len(header), width):
            extra |= pd.Series(cells[j], dtype=object).str.strip().to_numpy() != ""
    rows = np.arange(header_at + 2, header_at + 2 + len(body), dtype=np.int64)
    return Table(
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


def find_header(records: list[list[str]], blank: list[bool]) -> int | None:
    """Index of the header row: the first naming every required field, else the one naming
    most fields among the first 20 non-blank rows (the first non-blank row when none names any)."""
    best: tuple[int, int] | None = None
    seen = 0
    for i, rec in enumerate(records):
        if blank[i]:
            continue
        fields = {field_of(c) for c in rec} - {""}
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
