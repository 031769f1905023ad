"""Library tables as the app shows and downloads them: one language, codes read as names.

Showing
    :func:`view` picks and orders the columns of a library frame, gives them headers in the
    page's language (``col_<field>`` labels), turns code columns into names
    (:func:`atlas_app.i18n.code_label`) and name pairs (``name_zh``/``name_en``) into one name.

Downloading
    :func:`table_bytes` writes CSV (UTF-8 with BOM) or XLSX whose first header row is in the
    page's language and whose second row holds the machine field names, so a person reads the
    first and a script reads the second (``pandas.read_csv(f, header=1)``). Every original
    column is kept; a code column gets a neighbour ``<field>_<lang>`` with the names. Cells that
    a spreadsheet would run as formulas are neutralised (:func:`geo.export.neutralise_formula`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from atlas_app.i18n import code_label, has_label, name, t

__all__ = [
    "Col",
    "evidence_text",
    "header",
    "reason_text",
    "source_text",
    "table_bytes",
    "verification_text",
    "view",
    "workbook",
    "xlsx_book",
    "yes_no",
]

_CLASS_NOTE = re.compile(r"\s*[（(](strong10|strong|significant)[）)]\s*$")


@dataclass(frozen=True)
class Col:
    """One shown column.

    Attributes
    ----------
    field
        The library column (or, with ``pair``, the name of the new column).
    codes
        Code domain: values shown as ``t(f"{codes}_{value}")`` names.
    pair
        ``(zh_column, en_column)``: one value in the page's language (names, reasons).
    label
        Label key of the header (default ``col_<field>``).
    """

    field: str
    codes: str | None = None
    pair: tuple[str, str] | None = None
    label: str | None = None


def verification_text(value: Any, lang: str) -> str:
    """A verification note as shown: in Chinese its status word in words (``✓ 已核实``,
    ``⚠ 部分核实`` …; the notes themselves are English working notes), in English the flag
    and the note."""
    from geo.maps import plain, verification_flag
    from geo.sources import status_word

    flag = verification_flag(value)
    text = plain(value).strip()
    if text.lower() == "synthetic":
        return f"— {t('vstatus_synthetic', lang)}"
    if lang == "zh" or not text:
        word = status_word(text) or ("verified" if flag == "✓" else "unverified")
        return f"{flag} {t(f'vstatus_{word}', lang)}"
    return f"{flag} {text}"


def source_text(value: Any, lang: str, *, synthetic: bool = False) -> str:
    """A source as shown: publisher · title · date with class A–C addresses only
    (:func:`geo.sources.format_source`); synthetic rows say so."""
    from geo.sources import format_source

    if synthetic:
        return t("source_synthetic", lang)
    return format_source(value, lang=lang)


def evidence_text(value: Any, lang: str, *, synthetic: bool = False) -> str:
    """A fact's evidence level as shown: ``✓ 官方文件`` or ``⚠ 待核实 · 二手来源`` below press
    (:func:`geo.sources.evidence_badge`); ``—`` for synthetic rows."""
    from geo.sources import evidence_badge

    return "—" if synthetic else evidence_badge(value, lang)


def reason_text(value: Any, lang: str) -> str:
    """A node's reason without the strength-class code at its end (shown in its own column)."""
    from geo.maps import plain

    return _CLASS_NOTE.sub("", plain(value))


def yes_no(value: Any, lang: str) -> str:
    """``是``/``否`` (``yes``/``no``) for a truthy or falsy cell; blank for a missing one."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    return t("bool_True" if bool(value) else "bool_False", lang)


def header(field: str, lang: str, label: str | None = None) -> str:
    """Header of ``field`` in ``lang``: its ``col_`` label, else the field name."""
    key = label or f"col_{field}"
    return t(key, lang) if has_label(key) else field


def _unique(names: list[str], fields: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    return [f"{n} ({f})" if seen[n] > 1 else n for n, f in zip(names, fields, strict=True)]


def _plain_index(df: pd.DataFrame) -> pd.DataFrame:
    return df.reset_index() if any(n is not None for n in df.index.names) else df


def view(df: pd.DataFrame, lang: str, columns: Sequence[Col | str]) -> pd.DataFrame:
    """``df`` as shown: ``columns`` in order, headers in ``lang``, codes and names resolved.

    Columns missing from ``df`` are skipped (libraries add columns over time).
    """
    src = _plain_index(df)
    data: dict[str, Any] = {}
    heads: list[str] = []
    fields: list[str] = []
    for col in columns:
        c = Col(col) if isinstance(col, str) else col
        if c.pair is not None:
            zh, en = c.pair
            if zh not in src and en not in src:
                continue
            a = src[zh] if zh in src else pd.Series([None] * len(src), index=src.index)
            b = src[en] if en in src else pd.Series([None] * len(src), index=src.index)
            values: Any = [name(x, y, lang) for x, y in zip(a, b, strict=True)]
        elif c.field in src:
            values = src[c.field]
            if c.codes is not None:
                values = [code_label(c.codes, v, lang) for v in values]
            else:
                values = values.to_numpy()
        else:
            continue
        data[c.field] = values
        heads.append(header(c.field, lang, c.label))
        fields.append(c.field)
    out = pd.DataFrame(data, index=range(len(src)))
    out.columns = _unique(heads, fields)
    return out


def _download_frame(
    df: pd.DataFrame, lang: str, codes: Mapping[str, str], note: str | None
) -> pd.DataFrame:
    from geo.export import neutralise_frame

    src = _plain_index(df).drop(columns="geometry", errors="ignore")
    src = pd.DataFrame(src).reset_index(drop=True)
    for col, domain in codes.items():
        if col in src and f"{col}_{lang}" not in src:
            at = src.columns.get_loc(col) + 1
            src.insert(at, f"{col}_{lang}", [code_label(domain, v, lang) for v in src[col]])
    if note is not None:
        src["data_note"] = note
    return neutralise_frame(src)


def _header_rows(frame: pd.DataFrame, lang: str) -> tuple[list[str], list[str]]:
    fields = [str(c) for c in frame.columns]
    heads = []
    for f in fields:
        base, _, suffix = f.rpartition("_")
        if not has_label(f"col_{f}") and suffix == lang and base in fields:
            heads.append(
                f"{header(base, lang)}（{t('col_name', lang)}）"
                if lang == "zh"
                else f"{header(base, lang)} (name)"
            )
        else:
            heads.append(header(f, lang))
    return _unique(heads, fields), fields


def table_bytes(
    df: pd.DataFrame,
    fmt: str,
    lang: str,
    *,
    codes: Mapping[str, str] | None = None,
    synthetic: bool = False,
    sheet: str = "data",
) -> bytes:
    """``df`` as CSV or XLSX bytes: a header row in ``lang``, then the field names, then rows.

    ``codes`` maps code columns to their domain (a ``<field>_<lang>`` name column is added);
    with ``synthetic`` a ``data_note`` column says the rows derive from synthetic firms.
    """
    note = t("data_note_synthetic", lang) if synthetic else None
    frame = _download_frame(df, lang, codes or {}, note)
    heads, fields = _header_rows(frame, lang)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(heads)
        writer.writerow(fields)
        for row in frame.itertuples(index=False):
            writer.writerow(["" if _missing(v) else v for v in row])
        return buf.getvalue().encode("utf-8-sig")
    return xlsx_book({sheet: (frame, heads, fields)})


def _missing(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def xlsx_book(sheets: Mapping[str, tuple[pd.DataFrame, list[str], list[str]]]) -> bytes:
    """An XLSX workbook, one sheet per ``(frame, header row, field row)``."""
    from geo.export import xlsx_bytes

    books = {}
    for sheet, (frame, heads, fields) in sheets.items():
        body = pd.DataFrame([fields], columns=range(len(fields)))
        rows = pd.DataFrame(frame.to_numpy(dtype=object), columns=range(len(fields)))
        out = pd.concat([body, rows], ignore_index=True)
        out.columns = heads
        books[sheet] = out
    return xlsx_bytes(books)


def workbook(
    tables: Mapping[str, pd.DataFrame],
    lang: str,
    *,
    codes: Mapping[str, str] | None = None,
    synthetic: bool = False,
) -> bytes:
    """Several tables as one XLSX (same two header rows as :func:`table_bytes` on each sheet)."""
    note = t("data_note_synthetic", lang) if synthetic else None
    sheets = {}
    for name_, df in tables.items():
        frame = _download_frame(df, lang, codes or {}, note)
        heads, fields = _header_rows(frame, lang)
        sheets[name_] = (frame, heads, fields)
    return xlsx_book(sheets)
