"""Delimited text files (CSV, TSV, semicolon): decode, parse, cap, check quotes.

Two parsers give the same records: pyarrow's multi-threaded CSV reader for regular files (every
record with the same number of fields, no empty line inside), and Python's :mod:`csv` module,
streamed with the caps checked as it goes, for everything else (title rows, ragged rows, empty
lines). Both follow Python's ``csv`` dialect: ``"`` quotes, ``""`` inside quotes, cells may hold
line breaks.

A quoted cell that spans several lines *and* holds lines that look like records (as many
delimiters as a record has) is an unbalanced quote: the file is refused, naming the line, rather
than importing ten records merged into one cell.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from itertools import zip_longest

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from layout.records.columns import field_of
from layout.records.encoding import decode_text
from layout.records.errors import fail
from layout.records.grid import grid_table
from layout.records.limits import Limits, exceeded
from layout.records.strings import TEXT, TextArray, as_text, bools
from layout.records.table import Table

__all__ = ["read_csv"]

_DELIMITERS = (",", "\t", ";")
_FIELD_LIMIT = threading.Lock()  # csv.field_size_limit is process-wide


def read_csv(
    data: bytes,
    limits: Limits,
    *,
    encoding: str | None = None,
    header_field: Callable[[str], str] | None = None,
    engine: str = "auto",
) -> Table:
    """A CSV/TSV file's :class:`Table` (delimiter from the first non-blank line).

    ``engine``: ``"auto"`` (pyarrow, falling back to Python's csv), ``"python"`` or ``"arrow"``
    (for tests: the arrow parser or an error).
    """
    if len(data) > limits.max_bytes:
        exceeded("max_bytes", limits.max_bytes, f"{len(data):,} bytes")
    field = header_field or field_of
    columns = None
    text: str | None = None
    info: dict[str, object] = {}
    utf8 = _looks_utf8(data) if encoding is None else None
    if utf8 is not None and engine in ("auto", "arrow"):
        # UTF-8 (the common case): pyarrow parses the bytes as they are and checks the UTF-8;
        # the whole text is decoded only if it refuses the file
        info = {"encoding": utf8}
        delimiter = _delimiter(data[:65536].decode("utf-8", errors="ignore"))
        raw = data[3:] if utf8 == "utf-8-sig" else data
        columns = _arrow_columns(raw, delimiter, limits)
    if columns is None:
        text, decoded = decode_text(data, encoding)
        info = dict(decoded)
        delimiter = _delimiter(text)
        if engine in ("auto", "arrow") and utf8 is None:
            columns = _arrow_columns(text.encode("utf-8"), delimiter, limits)
    if columns is None and engine == "arrow":
        raise ValueError("the arrow parser cannot read this file")
    if columns is not None:
        table = grid_table(columns, fmt="csv", ragged_is_error=True, header_field=field)
    else:
        assert text is not None
        records = _python_records(text, delimiter, limits)
        widths = [len(r) for r in records]
        table = grid_table(
            _transpose(records), fmt="csv", ragged_is_error=True, widths=widths, header_field=field
        )
    if b'"' in data or (text is not None and '"' in text):  # without quotes, no cell spans lines
        _check_quotes(table, delimiter)
    table.info.update(info)
    table.info["delimiter"] = delimiter
    if not str(info.get("encoding", "")).startswith("utf-16"):
        table.may_have_nul = b"\x00" in data  # one C scan instead of one per column
    return table


def _looks_utf8(data: bytes) -> str | None:
    """``utf-8``/``utf-8-sig`` when the start of ``data`` is UTF-8 (None: decide by decoding)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    head = data[:65536]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the sample's end
            return None
    return "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"


def _delimiter(text: str) -> str:
    first_line = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _arrow_columns(raw: bytes, delimiter: str, limits: Limits) -> list[TextArray] | None:
    """Columns parsed by pyarrow from UTF-8 ``raw``, or None when the file is not regular or
    not valid UTF-8 (the caller falls back)."""
    import pyarrow.csv as pacsv

    head = raw[: 1 << 20].decode("utf-8", errors="ignore")
    try:
        first = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), None)
    except csv.Error:
        return None
    if not first:
        return None
    k = len(first)
    if k > limits.max_columns:
        exceeded("max_columns", limits.max_columns, f"{k:,} columns")
    names = [f"c{j}" for j in range(k)]
    quoted = b'"' in raw  # without quotes no cell can hold a line break: parse in parallel
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=quoted, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, TEXT),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowCapacityError):
        return None
    if table.num_rows > limits.max_rows + 64:
        exceeded("max_rows", limits.max_rows, f"{table.num_rows:,} records")
    if table.num_rows * k > limits.max_cells:
        exceeded("max_cells", limits.max_cells, f"{table.num_rows:,} x {k:,}")
    columns = [as_text(table.column(j)) for j in range(k)]
    longest = max((pc.max(pc.utf8_length(c)).as_py() or 0 for c in columns), default=0)
    if longest > limits.max_cell_chars:
        exceeded("max_cell_chars", limits.max_cell_chars, f"a cell of {longest:,} characters")
    return columns


def _python_records(text: str, delimiter: str, limits: Limits) -> list[list[str]]:
    """Records parsed by Python's csv, streamed: caps are checked as rows arrive; blank records
    at the end are counted but never kept (only their number, as ``[]`` placeholders)."""
    with _FIELD_LIMIT:
        old = csv.field_size_limit(limits.max_cell_chars + 1)
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            records: list[list[str]] = []
            pending = 0  # blank records not yet known to be inside the data
            cells = 0
            cap_rows = limits.max_rows + 64  # title rows and the header come on top
            try:
                for rec in reader:
                    if len(rec) > limits.max_columns:
                        exceeded(
                            "max_columns",
                            limits.max_columns,
                            f"{len(rec):,} cells on line {reader.line_num:,}",
                        )
                    if not any(c.strip() for c in rec):
                        pending += 1
                        continue
                    if len(records) + pending + 1 > cap_rows:
                        exceeded("max_rows", limits.max_rows, f"line {reader.line_num:,}")
                    if pending:
                        records.extend([[]] * pending)
                        pending = 0
                    cells += len(rec)
                    if cells > limits.max_cells:
                        exceeded("max_cells", limits.max_cells, f"line {reader.line_num:,}")
                    records.append(rec)
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    exceeded("max_cell_chars", limits.max_cell_chars, f"line {reader.line_num:,}")
                fail("records_malformed_csv", line=reader.line_num, detail=str(exc))
        finally:
            csv.field_size_limit(old)
    records.extend([[]] * pending)  # trailing blank records: grid_table counts and drops them
    return records


def _transpose(records: list[list[str]]) -> list[TextArray]:
    width = max((len(r) for r in records), default=0)
    if not records:
        return []
    columns = list(zip_longest(*records, fillvalue=""))
    while len(columns) < width:
        columns.append(("",) * len(records))
    return [as_text(list(c)) for c in columns]


def _check_quotes(table: Table, delimiter: str) -> None:
    """Refuse a file whose quoted cell swallowed records (see the module docstring)."""
    k = len(table.headers)
    if k < 3 or not len(table.rows):
        return
    need = max(2, k - 2)
    for cells in table.cells:
        multi = bools(pc.match_substring(cells, "\n"))
        if not multi.any():
            continue
        for i in np.flatnonzero(multi):
            value = cells[int(i)].as_py()
            lines = value.splitlines()
            if any(line.count(delimiter) >= need for line in lines[1:]):
                start = _line_of(table, int(i))
                fail("records_unbalanced_quote", line=start, end=start + len(lines) - 1)


def _line_of(table: Table, i: int) -> int:
    """Physical line where body record ``i`` (0-based) starts (line breaks inside the title
    and header rows are not counted: they are rare, and the line is then a little early)."""
    breaks = np.zeros(i, dtype=np.int64)
    for cells in table.cells:
        if i:
            breaks += np.asarray(
                pc.count_substring(cells.slice(0, i), "\n").to_numpy(zero_copy_only=False)
            )
    header = int(table.info.get("header_row") or 1)
    return header + 1 + i + int(breaks.sum())
