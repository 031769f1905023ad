"""Excel workbooks (.xlsx, .xlsm) read with openpyxl in read-only mode, cached values only."""

from __future__ import annotations

import io

from layout.records.cells import cell_text
from layout.records.errors import fail
from layout.records.grid import grid_table
from layout.records.table import Table

__all__ = ["pick", "read_xlsx"]

_KIND_ZH = {"sheet": "工作表", "layer": "图层"}


def pick(names: list[str], wanted: str | int | None, kind: str) -> str:
    """The name of the sheet/layer ``wanted`` (None = the first, an index or a name) of ``names``."""
    if wanted is None:
        return names[0]
    if isinstance(wanted, int) and -len(names) <= wanted < len(names):
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


def read_xlsx(data: bytes, layer: str | int | None) -> Table:
    """A worksheet's :class:`Table` (``layer``: sheet name or index; default the first)."""
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        fail("records_workbook_unreadable", detail=str(exc))
    try:
        names = book.sheetnames
        sheets = book.worksheets
        if not sheets:
            fail("records_no_worksheet")
        sheet = book[pick(names, layer, "sheet")]
        records = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        title = sheet.title
    finally:
        book.close()
    table = grid_table(records, fmt="xlsx", ragged_is_error=False)
    table.info["sheet"] = title
    return table
