"""Resource caps of one import: what a file may make the importer allocate.

Every reader stops as soon as a cap is passed and raises :class:`FirmImportError` naming the
limit, the value found and how to raise it (the keyword argument and the CLI flag).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, NoReturn

from geo.problems import Problem
from layout.records.errors import FirmImportError, file_problem

__all__ = ["DEFAULT_LIMITS", "Limits", "exceeded", "limit_problems"]


@dataclass(frozen=True)
class Limits:
    """Caps of one import (keyword arguments of :func:`layout.records.read_firms`).

    Attributes
    ----------
    max_rows
        Data rows (records below the header; trailing blank rows are skipped and not counted).
    max_columns
        Columns of a sheet or CSV (Excel allows 16,384; a GeoPackage layer about 2,000).
    max_cell_chars
        Characters in one cell (Excel's own limit is 32,767).
    max_cells
        Rows x columns kept in memory.
    max_bytes
        Bytes of the file, and of the uncompressed parts of a workbook.
    """

    max_rows: int = 1_000_000
    max_columns: int = 1_000
    max_cell_chars: int = 32_767
    max_cells: int = 50_000_000
    max_bytes: int = 1_073_741_824

    def problems(self) -> list[Problem]:
        """One problem per cap that is not a positive whole number."""
        return limit_problems(self)


DEFAULT_LIMITS = Limits()
"""The caps used when none are given."""

_FLAGS = {f.name: "--" + f.name.replace("_", "-") for f in fields(Limits)}
_WHAT = {
    "max_rows": ("数据行", "data rows"),
    "max_columns": ("列", "columns"),
    "max_cell_chars": ("单元格字符数", "characters in a cell"),
    "max_cells": ("单元格总数", "cells"),
    "max_bytes": ("字节", "bytes"),
}


def limit_problems(limits: Any) -> list[Problem]:
    """Problems of a :class:`Limits` (each cap must be a whole number >= 1)."""
    out = []
    for f in fields(Limits):
        value = getattr(limits, f.name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            out.append(
                file_problem("records_bad_limit", argument=f.name, limit=f.name, value=value)
            )
    return out


def exceeded(limit: str, cap: int, where: str = "", where_zh: str = "") -> NoReturn:
    """Raise :class:`FirmImportError`: the cap ``limit`` (= ``cap``) was passed at ``where``."""
    raise FirmImportError(
        [
            file_problem(
                "records_limit",
                argument=limit,
                limit=limit,
                flag=_FLAGS[limit],
                cap=f"{cap:,}",
                where=f" ({where})" if where else "",
                where_zh=f"（{where_zh or where}）" if (where_zh or where) else "",
                what=_WHAT[limit][1],
                what_zh=_WHAT[limit][0],
            )
        ]
    )
