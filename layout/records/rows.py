"""Row checks: every row of a :class:`Table` accepted or rejected, with reasons and notes.

All checks are whole-column operations (pyarrow compute, numpy); lookups (chains, places) are
made once per distinct value. Rows read = rows accepted + rows rejected, always.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from layout.records.chainmatch import match_chains
from layout.records.columns import ColumnMap, map_columns
from layout.records.flags import Flags
from layout.records.locate import locate
from layout.records.options import Options
from layout.records.result import ImportResult, accepted_frame, rejected_frame
from layout.records.strings import TEXT, TextArray, bools, empty_text, strip
from layout.records.table import BoolArray, Progress, Table, report
from layout.records.values import parse_numbers, parse_year
from layout.records.vocabulary import LOCATION_QUALITIES, NOTES, REASONS

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
        cmap = ColumnMap({}, [], {}, {})
    else:
        cmap = map_columns(table, opts.columns)
    fields = cmap.fields
    summary["columns"] = dict(cmap.used)
    summary["units"] = cmap.units
    empty = empty_text(n)
    stripped: dict[int, TextArray] = dict(table.stripped)

    def scol(j: int) -> TextArray:
        if j not in stripped:
            stripped[j] = strip(table.cells[j])
        return stripped[j]

    def col(name: str) -> TextArray:
        """The cells of a field, stripped of surrounding white space (blank when absent)."""
        return scol(fields[name]) if name in fields else empty

    reasons = Flags(REASONS, n)
    notes = Flags(NOTES, n)

    # blank rows carry one reason only -------------------------------------------------------
    blank_row = np.ones(n, dtype=bool)
    for j in range(len(table.cells)):
        if blank_row.any():
            blank_row &= bools(pc.equal(scol(j), ""))
    if table.points is not None:
        blank_row &= table.points.missing

    # text that cannot be stored --------------------------------------------------------------
    nul = _columns_with(table, "\x00", n) if table.may_have_nul else None
    if nul is not None:
        reasons.set("nul_character", nul[0], (nul[1], nul[1]))

    # identity ------------------------------------------------------------------------------
    firm_id = col("firm_id")
    name = col("name")
    id_blank, name_blank = bools(pc.equal(firm_id, "")), bools(pc.equal(name, ""))
    both = id_blank & name_blank
    reasons.set("missing_id", both)
    reasons.set("missing_name", both)
    if "name" in fields:
        notes.set("missing_name", name_blank & ~id_blank)
    year, invalid_year = parse_year(col("year"))
    if opts.year is not None:
        year = np.where((year < 0) & ~invalid_year, opts.year, year)
    reasons.set("invalid_year", invalid_year)
    given = ~id_blank
    key = firm_id
    dup_code = "duplicate_id"
    if opts.id_scope == "year":  # a panel: one row per firm and year
        reasons.set("missing_year", (year < 0) & ~invalid_year)
        given &= year >= 0
        sep = pa.scalar("\x1f", TEXT)
        key = pc.binary_join_element_wise(firm_id, pa.array(year.astype(str), TEXT), sep)
        dup_code = "duplicate_firm_year"
    encoded = key.dictionary_encode()  # one hash pass: repeated ids share an index
    if opts.id_scope == "year":  # rows without a year have keys of their own: count the given
        index = encoded.indices.to_numpy(zero_copy_only=False)
        repeated = len(np.unique(index[given])) < int(given.sum())
    else:
        repeated = len(encoded.dictionary) - int(id_blank.any()) < int(given.sum())
    if repeated:
        index = encoded.indices.to_numpy(zero_copy_only=False)
        order = np.argsort(index, kind="stable")
        first_pos = np.empty(len(encoded.dictionary), dtype=np.int64)
        starts = np.r_[True, index[order][1:] != index[order][:-1]]
        first_pos[index[order][starts]] = order[starts]
        first = first_pos[index]
        dup = (first != np.arange(n)) & given
        shown = np.where(dup, table.rows[first].astype(str), "").astype(object)
        reasons.set(dup_code, dup, ("首次出现在第 " + shown + " 行", "first in row " + shown))
    ids_out = firm_id
    generated = id_blank & ~name_blank
    summary["generated_ids"] = int(generated.sum())
    if generated.any():
        taken = set(firm_id.filter(pa.array(given)).to_pylist())
        made = []
        for r in table.rows[generated]:
            cand, k = f"row-{int(r)}", 2
            while cand in taken:
                cand, k = f"row-{int(r)}-{k}", k + 1
            taken.add(cand)
            made.append(cand)
        ids_out = pc.replace_with_mask(firm_id, pa.array(generated), pa.array(made, TEXT))
        if "firm_id" in fields:  # without the column, every row would say so: the summary does
            notes.set("generated_id", generated)

    # location ------------------------------------------------------------------------------
    report(progress, 0.5)
    loc = locate(table, fields, opts, col, tolerance_km=opts.tolerance_km, blank_row=blank_row)
    for code, mask in loc.reasons.items():
        reasons.set(code, mask, loc.details.get(code))
    for code, mask in loc.notes.items():
        notes.set(code, mask, loc.note_details.get(code))
    summary["crs"] = None if loc.crs is None else loc.crs.to_string()
    report(progress, 0.75)

    # chain and node ------------------------------------------------------------------------
    chain_raw, node_raw = col("chain"), col("node")
    candidates: Any = empty
    if opts.vocabulary is not None:
        code_text = col("industry_code") if "industry_code" in fields else None
        cm = match_chains(
            chain_raw,
            node_raw,
            code_text,
            opts.vocabulary,
            default_chain=opts.chain,
            user_values=opts.values,
        )
        chain, node, candidates = cm.chain, cm.node, cm.candidates
        for code, mask in cm.reasons.items():
            reasons.set(code, mask, cm.details.get(code))
        for code, mask in cm.notes.items():
            notes.set(code, mask, cm.note_details.get(code))
        coded = "industry_code" in fields
        for code in ("chain", "node"):  # only a column the file has is noted as blank
            if code not in fields and not coded:
                notes.masks[f"missing_{code}"] &= False
        summary["values"] = cm.values
        summary["unknown_values"] = cm.unknown
    else:
        chain, node = chain_raw, node_raw
        if opts.chain:
            chain = pc.if_else(pc.equal(chain, ""), pa.scalar(opts.chain, TEXT), chain)
        summary["values"] = {"chain": {}, "node": {}}
        summary["unknown_values"] = {"chain": [], "node": {}}

    # figures -------------------------------------------------------------------------------
    figures: dict[str, np.ndarray] = {}
    negative: dict[str, BoolArray] = {}
    for key in ("employees", "output"):
        text = col(key)
        v, is_blank, non_numeric, non_finite = parse_numbers(text)
        bad = non_numeric | non_finite
        if bad.any():
            shown = _shown(text, bad, n)
            notes.set(
                "figure_not_numeric",
                bad,
                (key + " = “" + shown + "”", key + " = " + _quoted(shown)),
            )
            v = np.where(bad, np.nan, v)
        factor = float(cmap.units.get(key, {}).get("factor", 1.0))  # type: ignore[arg-type]
        figures[key] = v * factor if factor != 1.0 else v
        if key in fields:
            notes.set(f"missing_{key}", is_blank)
        negative[key] = np.isfinite(v) & (v < 0)
    neg_any = negative["employees"] | negative["output"]
    if neg_any.any():
        which = np.where(
            negative["employees"] & negative["output"],
            "employees, output",
            np.where(negative["employees"], "employees", "output"),
        ).astype(object)
        reasons.set("negative_value", neg_any, (which, which))

    if table.extra_cells is not None:
        reasons.set("extra_cells", table.extra_cells)
    _formulas(table, cmap, reasons, notes)

    # blank rows: one reason only ------------------------------------------------------------
    reasons.clear(blank_row)
    notes.clear(blank_row)
    reasons.set("blank_row", blank_row)
    report(progress, 0.9)

    rejected_mask = reasons.any()
    acc = ~rejected_mask
    columns = {
        "firm_id": ids_out,
        "name": name,
        "lon": loc.lon,
        "lat": loc.lat,
        "chain": chain,
        "node": node,
        "employees": figures["employees"],
        "output": figures["output"],
        "adcode": loc.adcode,
        "year": year,
        "datum_in": loc.datum_in,
        "location_quality": loc.quality,
        "node_candidates": candidates,
    }
    accepted = accepted_frame(acc, table, cmap.extras, columns, notes)
    rejected = rejected_frame(rejected_mask, table, reasons, notes)
    quality = loc.quality[acc]
    summary.update(
        {
            "read": n,
            "accepted": int(acc.sum()),
            "rejected": int(rejected_mask.sum()),
            "by_reason": reasons.counts(),
            "by_note": notes.counts(acc),
            "by_location": {
                q: int((quality == q).sum()) for q in LOCATION_QUALITIES if (quality == q).any()
            },
            "extra_columns": [nm for _, nm in cmap.extras if nm in accepted.columns],
        }
    )
    report(progress, 1.0)
    return ImportResult(accepted=accepted, rejected=rejected, summary=summary)


def _shown(text: TextArray, mask: BoolArray, n: int) -> np.ndarray:
    out = np.full(n, "", dtype=object)
    out[mask] = [v.strip()[:80] for v in text.filter(pa.array(mask)).to_pylist()]
    return out


def _quoted(values: np.ndarray) -> np.ndarray:
    return np.asarray([repr(v) if v else "" for v in values], dtype=object)


def _columns_with(table: Table, needle: str, n: int) -> tuple[BoolArray, np.ndarray] | None:
    """Rows with ``needle`` in any cell, and the headers of those cells."""
    rows = np.zeros(n, dtype=bool)
    where = np.full(n, "", dtype=object)
    for header, cells in zip(table.headers, table.cells, strict=True):
        hit = bools(pc.match_substring(cells, needle))
        if hit.any():
            rows |= hit
            label = header.replace("\x00", "\\0")
            where[hit] = np.where(where[hit] == "", label, where[hit] + ", " + label)
    return (rows, where) if rows.any() else None


_BLANK_BECAUSE = {
    "lon": ("missing_coordinates",),
    "lat": ("missing_coordinates",),
    "firm_id": ("missing_id",),
    "name": ("missing_name",),
}


def _formulas(table: Table, cmap: ColumnMap, reasons: Flags, notes: Flags) -> None:
    """Formula cells without a saved value: a reason in a mapped column (instead of the blank
    cell's own reason, which would mislead), a note in an extra column."""
    field_of = {j: f for f, j in cmap.fields.items()}
    for j, mask in table.formula_cells.items():
        label = np.full(len(mask), table.headers[j], dtype=object)
        if j in field_of:
            for code in _BLANK_BECAUSE.get(field_of[j], ()):
                reasons.masks[code] &= ~mask
            reasons.set("formula_without_value", mask, (label, label))
        else:
            notes.set("formula_without_value", mask, (label, label))
