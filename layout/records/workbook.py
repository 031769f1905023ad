"""Excel workbooks (.xlsx, .xlsm), streamed with openpyxl in read-only mode.

The sheet read is the active one (the one Excel opens on; the first visible sheet when the
active one is hidden) unless one is named. Declared dimensions are ignored (a 2 KB file may
declare ``A1:XFD1048576``): rows are streamed as they are stored, the caps checked as they
arrive, and blank rows at the end are counted, never kept. Cells that hold a formula without a
saved result (a workbook written by a program, never opened in Excel) are found by a second,
formula-reading pass, so the row can say so instead of reading as blank.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from itertools import zip_longest
from typing import Any

import numpy as np

from layout.records.cells import cell_text
from layout.records.columns import field_of
from layout.records.errors import fail
from layout.records.grid import grid_table
from layout.records.limits import Limits, exceeded
from layout.records.strings import as_text
from layout.records.table import Table

__all__ = ["pick", "read_xlsx", "sheet_names"]

_KIND_ZH = {"sheet": "工作表", "layer": "图层"}


def pick(names: list[str], wanted: str | int | None, kind: str, default: int = 0) -> str:
    """The name of the sheet/layer ``wanted`` (None = ``names[default]``, an index or a name)."""
    if wanted is None:
        return names[default]
    if (
        isinstance(wanted, int)
        and not isinstance(wanted, bool)
        and -len(names) <= wanted < len(names)
    ):
        return names[wanted]
    if isinstance(wanted, str) and wanted in names:
        return wanted
    fail(
        "records_no_such_part",
        argument=kind,
        kind=kind,
        kind_zh=_KIND_ZH.get(kind, kind),
        wanted=wanted,
        names=str(names),
    )


def _open(data: bytes, limits: Limits, *, data_only: bool = True) -> Any:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        fail("records_workbook_unreadable", detail=str(exc))
    if unpacked > limits.max_bytes:
        exceeded("max_bytes", limits.max_bytes, f"the workbook unpacks to {unpacked:,} bytes")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        fail("records_workbook_unreadable", detail=str(exc))


def _active_index(book: Any) -> int:
    sheets = book.worksheets
    try:
        active = book.active
    except (IndexError, AttributeError):
        active = None
    if active is not None and getattr(active, "sheet_state", "visible") == "visible":
        return sheets.index(active)
    visible = [
        i for i, ws in enumerate(sheets) if getattr(ws, "sheet_state", "visible") == "visible"
    ]
    return visible[0] if visible else 0


def sheet_names(data: bytes, limits: Limits | None = None) -> tuple[list[str], str]:
    """The sheets of a workbook and the one read by default (the active sheet)."""
    book = _open(data, limits or Limits())
    try:
        names = list(book.sheetnames)
        if not names:
            fail("records_no_worksheet")
        return names, names[_active_index(book)]
    finally:
        book.close()


def read_xlsx(
    data: bytes,
    layer: str | int | None,
    limits: Limits,
    header_field: Callable[[str], str] | None = None,
) -> Table:
    """A worksheet's :class:`Table` (``layer``: sheet name or index; default the active one)."""
    book = _open(data, limits)
    try:
        names = list(book.sheetnames)
        if not names:
            fail("records_no_worksheet")
        title = pick(names, layer, "sheet", _active_index(book))
        path = getattr(book[title], "_worksheet_path", None)
        formulas = _formula_cells(data, title, path, limits)
        records, widths, trailing, blank_formulas = _stream(_rows(book[title]), limits, formulas)
    finally:
        book.close()
    columns = _transpose(records, widths)
    table = grid_table(
        columns,
        fmt="xlsx",
        ragged_is_error=False,
        widths=widths,
        header_field=header_field or field_of,
    )
    table.info["trailing_blank_rows"] = int(table.info["trailing_blank_rows"]) + trailing
    table.info["sheet"] = title
    table.info["sheets"] = names
    if blank_formulas and len(table.rows):
        first = int(table.rows[0])  # sheet row of body row 0
        marks: dict[int, np.ndarray] = {}
        for r, c in blank_formulas:
            i = r - first
            if 0 <= i < len(table.rows) and c < len(table.headers):
                marks.setdefault(c, np.zeros(len(table.rows), dtype=bool))[i] = True
        table.formula_cells = marks
    return table


def _rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    sheet.reset_dimensions()  # ignore the declared dimension: never pad to it
    yield from sheet.iter_rows(values_only=True)


def _stream(
    rows: Iterator[tuple[Any, ...]], limits: Limits, formulas: dict[int, list[int]]
) -> tuple[list[list[str]], list[int], int, list[tuple[int, int]]]:
    """Text records, their widths, the number of trailing blank rows (not kept) and the
    (sheet row, column) of formula cells without a saved value.

    Records are sheet rows 1, 2, ... in order (openpyxl fills gaps), so record ``i`` is sheet
    row ``i + 1``.
    """
    records: list[list[str]] = []
    widths: list[int] = []
    blank_formulas: list[tuple[int, int]] = []
    pending = 0
    cells = 0
    cap_rows = limits.max_rows + 64  # title rows and the header come on top
    for number, row in enumerate(rows, start=1):
        width = len(row)
        while width and (row[width - 1] is None or row[width - 1] == ""):
            width -= 1
        if width > limits.max_columns:
            exceeded("max_columns", limits.max_columns, f"row {number:,} has {width:,} columns")
        texts = [cell_text(v) for v in row[:width]]
        lost = [(number, c) for c in formulas.get(number, ()) if c >= width or not texts[c].strip()]
        if not lost and not any(t.strip() for t in texts):
            pending += 1
            continue
        if len(records) + pending + 1 > cap_rows:
            exceeded("max_rows", limits.max_rows, f"row {number:,}")
        if pending:
            records.extend([[] for _ in range(pending)])
            widths.extend([0] * pending)
            pending = 0
        if texts and max(map(len, texts)) > limits.max_cell_chars:
            exceeded("max_cell_chars", limits.max_cell_chars, f"row {number:,}")
        if lost:
            width = max(width, max(c for _, c in lost) + 1)
            texts += [""] * (width - len(texts))
            blank_formulas += lost
        cells += width
        if cells > limits.max_cells:
            exceeded("max_cells", limits.max_cells, f"row {number:,}")
        records.append(texts)
        widths.append(width)
    return records, widths, pending, blank_formulas


def _transpose(records: list[list[str]], widths: list[int]) -> list[Any]:
    width = max(widths, default=0)
    if not records:
        return []
    columns = list(zip_longest(*records, fillvalue=""))
    while len(columns) < width:
        columns.append(("",) * len(records))
    return [as_text(list(c)) for c in columns]


def _formula_cells(
    data: bytes, title: str, path: str | None, limits: Limits
) -> dict[int, list[int]]:
    """1-based sheet row -> 0-based columns of its formula cells (a second, formula pass)."""
    if path is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open(path) as fh:
                if not _has_formula(fh):
                    return {}
        except (KeyError, zipfile.BadZipFile, OSError):
            pass
    book = _open(data, limits, data_only=False)
    found: dict[int, list[int]] = {}
    count = 0
    try:
        for number, row in enumerate(_rows(book[title]), start=1):
            if len(row) > limits.max_columns:
                exceeded("max_columns", limits.max_columns, f"row {number:,}")
            cols = [c for c, v in enumerate(row) if isinstance(v, str) and v.startswith("=")]
            if cols:
                found[number] = cols
                count += len(cols)
                if count > limits.max_cells:
                    exceeded("max_cells", limits.max_cells, f"row {number:,}")
    finally:
        book.close()
    return found


def _has_formula(fh: Any) -> bool:
    """True when a worksheet's XML holds a formula element (``<f>``/``<f ...>``)."""
    tail = b""
    while True:
        chunk = fh.read(1 << 20)
        if not chunk:
            return False
        window = tail + chunk
        if b"<f>" in window or b"<f " in window or b":f>" in window or b":f " in window:
            return True
        tail = chunk[-8:]
