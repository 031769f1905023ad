"""CSV and XLSX tables whose cells cannot run as spreadsheet formulas.

Cells (and headers) that begin with ``=``, ``+``, ``-``, ``@``, tab or carriage return are
prefixed with an apostrophe so a spreadsheet shows them as text instead of running them
(OWASP "CSV injection"); a cell that is only ``+`` or ``-`` is left as it is. Files are
written atomically (:func:`geo.export.paths.atomic_path`).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from geo.export.paths import atomic_path

__all__ = ["neutralise_formula", "neutralise_frame", "to_csv", "to_xlsx", "xlsx_bytes"]

_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
_LONE_SIGNS = frozenset({"+", "-"})  # a cell that is only a sign is text, not a formula


def neutralise_formula(value: Any) -> Any:
    """Return ``value`` with a leading apostrophe if a spreadsheet would run it as a formula.

    The rule: a text cell is neutralised when it starts with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return — except a cell that is exactly one ``+`` or ``-`` (a direction or sign
    column), which no spreadsheet evaluates. Numbers are never changed.

    >>> neutralise_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("+"), neutralise_formula("-"), neutralise_formula("-1+2")
    ('+', '-', "'-1+2")
    >>> neutralise_formula(-5)
    -5
    """
    if isinstance(value, str) and value.startswith(_FORMULA_LEAD) and value not in _LONE_SIGNS:
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` (geometry dropped) with every text cell and header neutralised."""
    out = pd.DataFrame(df.drop(columns=[c for c in df.columns if c == "geometry"]))
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_formula)
    return out


def to_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the attribute table of ``df`` as UTF-8 CSV with a BOM (Excel opens Chinese right)."""
    safe = neutralise_frame(df)
    with atomic_path(path) as tmp:
        # quote every text cell so embedded CR/LF and delimiters survive a round trip
        safe.to_csv(tmp, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_NONNUMERIC)
    return Path(path)


def _write_sheets(target: Any, sheets: Mapping[str, pd.DataFrame] | pd.DataFrame) -> None:
    if isinstance(sheets, pd.DataFrame):
        sheets = {"data": sheets}
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name, df in sheets.items():
            sheet = str(name)[:31] or "sheet"
            neutralise_frame(df).to_excel(writer, sheet_name=sheet, index=False)


def to_xlsx(
    sheets: Mapping[str, pd.DataFrame] | pd.DataFrame, path: str | os.PathLike[str]
) -> Path:
    """Write one or several attribute tables to an XLSX workbook (formula cells neutralised)."""
    with atomic_path(path) as tmp:
        _write_sheets(tmp, sheets)
    return Path(path)


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame] | pd.DataFrame) -> bytes:
    """The workbook :func:`to_xlsx` would write, as bytes (e.g. for a download button)."""
    buf = io.BytesIO()
    _write_sheets(buf, sheets)
    return buf.getvalue()
