"""Row checks: every row of a :class:`Table` accepted or rejected, with reasons and notes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from layout.records.chainmatch import check_chains
from layout.records.columns import map_columns
from layout.records.locate import coordinates, table_crs, to_storage
from layout.records.options import Options
from layout.records.result import (
    ImportResult,
    accepted_frame,
    append_text,
    join_codes,
    rejected_frame,
)
from layout.records.table import BoolArray, FloatArray, ObjArray, Progress, Table, report
from layout.records.values import parse_adcode, parse_numbers, parse_year, strip
from layout.records.vocabulary import NOTES, REASONS

__all__ = ["check_rows"]


def check_rows(
    table: Table, opts: Options, *, source: str | None, progress: Progress | None
) -> ImportResult:
    """Map the columns, check every row and build the :class:`ImportResult`."""
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
        mapping, extras = map_columns(table)
        src_crs = table_crs(table, opts)
    summary["columns"] = {k: table.headers[j] for k, j in sorted(mapping.items())}
    empty = np.full(n, "", dtype=object)

    def col(name: str) -> ObjArray:
        return table.cells[mapping[name]] if name in mapping else empty

    masks: dict[str, BoolArray] = {code: np.zeros(n, dtype=bool) for code in REASONS}
    details: dict[str, ObjArray] = {}
    notes: dict[str, BoolArray] = {code: np.zeros(n, dtype=bool) for code in NOTES}
    finite_cols: dict[str, BoolArray] = {}

    # identity --------------------------------------------------------------------------
    firm_id = strip(col("firm_id"))
    name = strip(col("name"))
    masks["missing_id"] = (firm_id == "").to_numpy(dtype=bool)
    masks["missing_name"] = (name == "").to_numpy(dtype=bool)
    has_id = ~masks["missing_id"]
    dup = firm_id.duplicated(keep="first").to_numpy(dtype=bool) & has_id
    masks["duplicate_id"] = dup
    if dup.any():
        first = pd.Series(table.rows).groupby(firm_id.to_numpy()).transform("min").to_numpy()
        details["duplicate_id"] = np.where(dup, first.astype(str), "").astype(object)

    # coordinates -----------------------------------------------------------------------
    x, y, coord_ok = coordinates(table, col, masks, details, finite_cols)
    report(progress, 0.55)
    located = to_storage(x, y, coord_ok, src_crs, opts, masks, notes)
    lon, lat, datum_in = located.lon, located.lat, located.datum_in
    summary["crs"] = None if src_crs is None else src_crs.to_string()
    report(progress, 0.75)

    # chain and node --------------------------------------------------------------------
    chain = strip(col("chain"))
    node = strip(col("node"))
    masks["missing_chain"] = (chain == "").to_numpy(dtype=bool)
    masks["missing_node"] = (node == "").to_numpy(dtype=bool)
    if opts.chains is not None:
        chain, node = check_chains(chain, node, opts.chains, masks, notes)

    # values ----------------------------------------------------------------------------
    values: dict[str, FloatArray] = {}
    nn_cols: dict[str, BoolArray] = {}
    neg_cols: dict[str, BoolArray] = {}
    for key in ("employees", "output"):
        v, blank, non_numeric, non_finite = parse_numbers(col(key))
        values[key] = v
        notes[f"missing_{key}"] = blank
        nn_cols[key], finite_cols[key] = non_numeric, non_finite
        neg_cols[key] = np.isfinite(v) & (v < 0)
    _collect(masks, details, "non_numeric_value", nn_cols)
    _collect(masks, details, "negative_value", neg_cols)
    _collect(masks, details, "non_finite", finite_cols)

    adcode, masks["invalid_adcode"] = parse_adcode(col("adcode"))
    year, masks["invalid_year"] = parse_year(col("year"))
    if table.extra_cells is not None:
        masks["extra_cells"] = table.extra_cells

    # blank rows carry one reason only ---------------------------------------------------
    blank_row = masks["missing_id"] & masks["missing_name"]  # only these can be blank rows
    for cells in table.cells:
        if blank_row.any():
            blank_row[blank_row] = strip(cells[blank_row]).to_numpy() == ""
    if table.points is not None:
        blank_row &= table.points.missing
    for code in masks:
        masks[code] = masks[code] & ~blank_row
    for code in notes:
        notes[code] = notes[code] & ~blank_row
    masks["blank_row"] = blank_row
    report(progress, 0.9)

    rejected_mask = np.zeros(n, dtype=bool)
    for m in masks.values():
        rejected_mask |= m
    note_text = join_codes(notes, np.ones(n, dtype=bool))
    acc = ~rejected_mask

    accepted = accepted_frame(
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
    rejected = rejected_frame(rejected_mask, table, masks, details, note_text)
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
    report(progress, 1.0)
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
        append_text(detail, m, column, ", ")
    details[code] = detail
