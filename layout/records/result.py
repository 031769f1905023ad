"""The outcome of an import: accepted GeoDataFrame, rejected table with reasons, summary."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from geo.datum import STORAGE_CRS
from geo.export import neutralise_formula
from layout.records.flags import Flags
from layout.records.strings import TEXT, TextArray
from layout.records.table import BoolArray, FloatArray, ObjArray, Table
from layout.records.vocabulary import META_REJECTED

__all__ = ["ImportResult", "accepted_frame", "rejected_frame", "write_rejects"]

_FORMULA_LEAD = r"^[=+\-@\t\r]"  # the rule of geo.export.neutralise_formula
_LONE_SIGNS = ("+", "-")


@dataclass(frozen=True)
class ImportResult:
    """Outcome of an import: every row read is in exactly one of the two tables.

    Attributes
    ----------
    accepted
        EPSG:4326 point GeoDataFrame: ``firm_id``, ``name``, ``lon``, ``lat``, ``chain``,
        ``node``, ``employees``, ``output`` (万元), ``adcode`` (the current county),
        ``year``, ``datum_in``, ``location_quality`` (``exact``, ``county`` or ``address``),
        ``row``, ``notes`` (``;``-joined :data:`NOTES` codes), ``notes_zh`` / ``notes_en``
        (the notes in words, with what was inferred), ``node_candidates`` (``;``-joined nodes
        an industry code fits, when it fits several), then the extra columns ``extra_*``.
    rejected
        ``row``, ``reason_codes`` (``;``-joined :data:`REASONS` codes), ``reason_zh``,
        ``reason_en`` (with the offending values), ``notes``, then every original column under
        its original header, as text.
    summary
        ``read``, ``accepted``, ``rejected``, ``by_reason`` (code -> rows with that code; a row
        may have several), ``by_note``, ``by_location`` (``location_quality`` -> accepted
        rows), ``encoding`` (and ``encoding_warning`` when the text may be mis-decoded),
        ``datum``, ``crs``, ``format``, ``source``, ``header_row``, ``trailing_blank_rows``,
        ``columns`` (field -> source header: the mapping used; ``columns=`` takes it back),
        ``units``, ``values`` (value -> chain code / node id mappings used, reusable as
        ``values=``), ``unknown_values``, ``extra_columns``, ``boundary`` and ``chains``
        (where the checks came from; ``chains`` is None when no chain list could be found and
        chain/node were not checked).
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
    out = pd.DataFrame(index=range(len(frame)))
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        text = column.astype("str").fillna("").reset_index(drop=True)
        lead = text.str.match(_FORMULA_LEAD).fillna(False).to_numpy(dtype=bool)
        lead = lead & ~text.isin(_LONE_SIGNS).to_numpy(dtype=bool)  # a lone sign is no formula
        out[i] = text.where(~lead, "'" + text)
    heads = [str(c) for c in frame.columns]
    out.columns = [neutralise_formula(h) for h in heads]
    target = Path(path)
    # CRLF rows: the csv writer then quotes every cell holding a bare CR or LF
    out.to_csv(
        target, index=False, encoding="utf-8-sig", errors="backslashreplace", lineterminator="\r\n"
    )
    return target


def _text(values: TextArray | ObjArray, mask: BoolArray | None = None) -> pd.Series:
    """The cells (where ``mask``) as a ``str`` Series; pyarrow arrays convert without copying."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        picked = values if mask is None else values.filter(pa.array(mask, type=pa.bool_()))
        return pd.Series(picked.to_pandas(), dtype="str").reset_index(drop=True)
    arr = np.asarray(values, dtype=object)
    return pd.Series(arr if mask is None else arr[mask], dtype="str")


def accepted_frame(
    acc: BoolArray,
    table: Table,
    extras: list[tuple[int, str]],
    columns: Mapping[str, Any],
    notes: Flags,
) -> gpd.GeoDataFrame:
    """The accepted rows as an EPSG:4326 point GeoDataFrame (schema, meta, then extras).

    ``columns`` holds the per-row values of every schema column (``lon``/``lat``/``employees``/
    ``output`` float arrays, ``year`` an int array with -1 for none, the others text).
    """
    lon: FloatArray = columns["lon"][acc]
    lat: FloatArray = columns["lat"][acc]
    # GEOS builds the points without the GIL: let it run while the columns are assembled
    with ThreadPoolExecutor(max_workers=1) as pool:
        points = pool.submit(shapely.points, lon, lat)
        frame = _accepted_columns(acc, table, extras, columns, notes, lon, lat)
        geometry = gpd.GeoSeries(points.result(), crs=STORAGE_CRS)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=STORAGE_CRS)


def _accepted_columns(
    acc: BoolArray,
    table: Table,
    extras: list[tuple[int, str]],
    columns: Mapping[str, Any],
    notes: Flags,
    lon: FloatArray,
    lat: FloatArray,
) -> pd.DataFrame:
    year = columns["year"][acc]
    zh, en = notes.texts(acc)
    data: dict[str, Any] = {}
    for name in ("firm_id", "name"):
        data[name] = _text(columns[name], acc)
    data["lon"], data["lat"] = lon, lat
    for name in ("chain", "node"):
        data[name] = _text(columns[name], acc)
    data["employees"] = columns["employees"][acc]
    data["output"] = columns["output"][acc]
    adcode = columns["adcode"]
    if isinstance(adcode, pa.Array):
        data["adcode"] = _text(adcode, acc)
    else:
        picked = np.asarray(adcode, dtype=object)[acc]
        picked[picked == ""] = None
        data["adcode"] = pd.Series(pa.array(picked, TEXT, from_pandas=True).to_pandas(),
                                   dtype="str")  # fmt: skip
    data["year"] = pd.array(np.where(year < 0, 0, year), dtype="Int64")
    data["year"][year < 0] = pd.NA
    data["datum_in"] = _text(columns["datum_in"], acc)
    data["location_quality"] = _text(columns["location_quality"], acc)
    data["row"] = table.rows[acc]
    data["notes"] = _text(notes.codes(acc))
    data["notes_zh"] = _text(zh)
    data["notes_en"] = _text(en)
    data["node_candidates"] = _text(columns["node_candidates"], acc)
    for j, out_name in extras:
        column = _text(table.cells[j], acc)
        if j in table.synthetic and not (column != "").any():
            continue
        data[out_name] = column
    return pd.DataFrame(data)


def rejected_frame(rej: BoolArray, table: Table, reasons: Flags, notes: Flags) -> pd.DataFrame:
    """The rejected rows: row, reason codes and texts, notes, then every original cell."""
    zh, en = reasons.texts(rej)
    data: dict[str, Any] = {
        "row": table.rows[rej],
        "reason_codes": _text(reasons.codes(rej)),
        "reason_zh": _text(zh),
        "reason_en": _text(en),
        "notes": _text(notes.codes(rej)),
    }
    originals: list[tuple[str, Any]] = [
        (header, cells) for header, cells in zip(table.headers, table.cells, strict=True)
    ]
    if table.points is not None:
        to_text, source = table.points.to_text, table.points.source
        geo = np.array([to_text(source[int(i)]) for i in np.flatnonzero(rej)], dtype=np.object_)
        originals.append(("geometry", geo))
    used = set(META_REJECTED)
    for header, cells in originals:
        label = header if header not in used else f"{header} (source)"
        base, k = label, 2
        while label in used:
            label, k = f"{base} ({k})", k + 1
        used.add(label)
        if isinstance(cells, np.ndarray) and len(cells) == int(rej.sum()):
            data[label] = pd.Series(cells, dtype="str")
        else:
            data[label] = _text(cells, rej)
    return pd.DataFrame(data)
