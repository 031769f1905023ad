"""The outcome of an import: accepted GeoDataFrame, rejected table with reasons, summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.datum import STORAGE_CRS
from geo.export import neutralise_formula
from layout.records.cells import cell_text
from layout.records.table import BoolArray, FloatArray, ObjArray, Table
from layout.records.vocabulary import META_REJECTED, REASONS

__all__ = [
    "ImportResult",
    "accepted_frame",
    "append_text",
    "join_codes",
    "reason_texts",
    "rejected_frame",
    "write_rejects",
]


@dataclass(frozen=True)
class ImportResult:
    """Outcome of an import: every row read is in exactly one of the two tables.

    Attributes
    ----------
    accepted
        EPSG:4326 point GeoDataFrame: the schema columns, ``datum_in``, ``location_quality``
        (``"exact"``), ``row``, ``notes`` (``;``-joined :data:`NOTES` codes), then the extra
        columns ``extra_*``.
    rejected
        ``row``, ``reason_codes`` (``;``-joined :data:`REASONS` codes), ``reason_zh``,
        ``reason_en``, ``notes``, then every original column under its original header, as text.
    summary
        ``read``, ``accepted``, ``rejected``, ``by_reason`` (code -> rows with that code; a row
        may have several), ``by_note``, ``encoding``, ``datum``, ``crs``, ``format``, ``source``,
        ``header_row``, ``trailing_blank_rows``, ``columns`` (field -> source header),
        ``boundary`` and ``chains`` (where the checks came from; ``chains`` is None when no
        chain list could be found and chain/node were not checked).
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    summary: dict[str, Any]


def write_rejects(result: ImportResult, path: str | PathLike[str]) -> Path:
    """Write ``result.rejected`` to a CSV (UTF-8 with BOM, so Excel opens it) and return the path.

    Every cell and header that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading apostrophe so that spreadsheet programs show it as text instead of
    running it as a formula (OWASP "CSV injection").

    Parameters
    ----------
    result
        An :class:`ImportResult`.
    path
        Target file.

    Returns
    -------
    pathlib.Path
    """
    frame = result.rejected
    out = pd.DataFrame(
        {
            i: [neutralise_formula(cell_text(v)) for v in frame.iloc[:, i]]
            for i in range(frame.shape[1])
        },
        dtype=object,
    )
    out.columns = [neutralise_formula(str(c)) for c in frame.columns]
    target = Path(path)
    # CRLF rows: the csv writer then quotes every cell holding a bare CR or LF
    out.to_csv(
        target, index=False, encoding="utf-8-sig", errors="backslashreplace", lineterminator="\r\n"
    )
    return target


def append_text(target: ObjArray, mask: BoolArray, text: Any, sep: str) -> None:
    """In place: ``target[mask] += sep + text`` (no separator on empty cells)."""
    idx = np.flatnonzero(mask)
    if idx.size:
        current = target[idx]
        addition = text[idx] if isinstance(text, np.ndarray) else text
        target[idx] = np.where(current == "", addition, current + sep + addition)


def join_codes(flags: Mapping[str, BoolArray], where: BoolArray) -> ObjArray:
    """``;``-joined codes whose flag is set, for the rows in ``where``."""
    out = np.full(int(where.sum()), "", dtype=object)
    for code, m in flags.items():
        append_text(out, m[where], code, ";")
    return out


def reason_texts(
    masks: Mapping[str, BoolArray], details: Mapping[str, ObjArray], where: BoolArray
) -> tuple[ObjArray, ObjArray]:
    """Chinese and English reasons (with their details) of the rows in ``where``."""
    k = int(where.sum())
    zh = np.full(k, "", dtype=object)
    en = np.full(k, "", dtype=object)
    for code, (text_zh, text_en) in REASONS.items():
        sub = masks[code][where]
        if not sub.any():
            continue
        add_zh: Any = text_zh
        add_en: Any = text_en
        if code in details:
            d = details[code][where]
            has = d != ""
            if code == "duplicate_id":
                add_zh = np.where(has, text_zh + "（首次出现在第 " + d + " 行）", text_zh)
                add_en = np.where(has, text_en + " (first in row " + d + ")", text_en)
            else:
                add_zh = np.where(has, text_zh + "：" + d, text_zh)
                add_en = np.where(has, text_en + ": " + d, text_en)
        append_text(zh, sub, add_zh, "；")
        append_text(en, sub, add_en, "; ")
    return zh, en


def accepted_frame(
    acc: BoolArray,
    table: Table,
    extras: list[tuple[int, str]],
    firm_id: pd.Series,
    name: pd.Series,
    lon: FloatArray,
    lat: FloatArray,
    chain: pd.Series,
    node: pd.Series,
    values: Mapping[str, FloatArray],
    adcode: pd.Series,
    year: pd.Series,
    datum_in: str,
    note_text: ObjArray,
) -> gpd.GeoDataFrame:
    """The accepted rows as an EPSG:4326 point GeoDataFrame (schema, meta, then extras)."""
    k = int(acc.sum())
    data: dict[str, Any] = {
        "firm_id": firm_id.to_numpy()[acc],
        "name": name.to_numpy()[acc],
        "lon": lon[acc],
        "lat": lat[acc],
        "chain": np.asarray(chain.to_numpy(), dtype=object)[acc],
        "node": np.asarray(node.to_numpy(), dtype=object)[acc],
        "employees": values["employees"][acc],
        "output": values["output"][acc],
        "adcode": np.asarray(adcode.to_numpy(), dtype=object)[acc],
        "year": year[acc].reset_index(drop=True),
        "datum_in": np.full(k, datum_in, dtype=object),
        "location_quality": np.full(k, "exact", dtype=object),
        "row": table.rows[acc],
        "notes": note_text[acc],
    }
    for j, out_name in extras:
        column = table.cells[j][acc]
        if j in table.synthetic and not (column != "").any():
            continue
        data[out_name] = column
    frame = pd.DataFrame(data)
    for name_ in frame.columns:
        if frame[name_].dtype != object and name_ not in (
            "lon",
            "lat",
            "employees",
            "output",
            "year",
            "row",
        ):
            frame[name_] = frame[name_].astype(object)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon[acc], lat[acc]), crs=STORAGE_CRS)


def rejected_frame(
    rej: BoolArray,
    table: Table,
    masks: Mapping[str, BoolArray],
    details: Mapping[str, ObjArray],
    note_text: ObjArray,
) -> pd.DataFrame:
    """The rejected rows: row, reason codes and texts, notes, then every original cell."""
    zh, en = reason_texts(masks, details, rej)
    data: dict[str, Any] = {
        "row": table.rows[rej],
        "reason_codes": join_codes(masks, rej),
        "reason_zh": zh,
        "reason_en": en,
        "notes": note_text[rej],
    }
    originals: list[tuple[str, ObjArray]] = [
        (header, cells[rej]) for header, cells in zip(table.headers, table.cells, strict=True)
    ]
    if table.points is not None:
        to_text, source = table.points.to_text, table.points.source
        originals.append(
            (
                "geometry",
                np.array([to_text(source[int(i)]) for i in np.flatnonzero(rej)], dtype=np.object_),
            )
        )
    used = set(META_REJECTED)
    for header, cells in originals:
        label = header if header not in used else f"{header} (source)"
        base, k = label, 2
        while label in used:
            label, k = f"{base} ({k})", k + 1
        used.add(label)
        data[label] = cells
    frame = pd.DataFrame(data)
    for column in frame.columns:
        if column != "row":
            frame[column] = frame[column].astype(object)
    return frame
