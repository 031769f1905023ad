"""Firm panels: firm tables of several years imported as one table, each firm followed by its id.

A *panel* is a firm table with one row per firm and year. It comes as one file holding several
years (a ``year`` / 年份 column), as several files (one per year, or each holding some years),
or as a frame built in code. Every row read is accepted or rejected with a reason
(``summary["read"] == summary["accepted"] + summary["rejected"]``):

* rows are checked by :func:`layout.records.read_firms` with ``id_scope="year"``: a firm id may
  repeat across years but not within one (``duplicate_firm_year``), and a row needs a year
  (``missing_year``);
* a file without a year column (or with blank year cells) takes its year from the mapping key
  (``read_panel({2023: "firms.csv"})``) or, failing that, from the one four-digit year
  (1900–2100) in its file name (``firms_2023.csv``);
* across files, a firm-year already read from an earlier file is rejected
  (``duplicate_firm_year``, naming the first file and row).

**Following a firm.** The key ``firm_key`` that follows a firm across years is its unified
social credit code (统一社会信用代码, GB 32100-2015: 18 characters, the last a check character)
where the table has one — as the id column itself or as a separate column — and the code's
check character is right; otherwise ``firm_id``. A firm id that carries a valid code in some
rows of the panel takes that code in its other rows too. ``key_source`` says which key each
row uses; codes with a wrong check character are counted in ``summary["invalid_credit_codes"]``
and noted on the row (``notes`` gains ``invalid_credit_code``).

The demonstration panel (:func:`demo_panel`) is the synthetic table of
``data/demo/firms_panel_synthetic.csv`` (2019–2024; every row ``synthetic = True``; built by
``scripts/build_demo.py``) plus the real anchor firms, present in every year without figures.
Its 2024 rows are exactly today's demonstration table (:func:`layout.demo.demo_firms`).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.problems import ProblemError, problem, register_messages

__all__ = [
    "CREDIT_CODE_HEADERS",
    "PANEL_COLUMNS",
    "Panel",
    "PanelError",
    "demo_panel",
    "is_credit_code",
    "panel_from_frame",
    "read_panel",
]

PANEL_COLUMNS: tuple[str, ...] = ("firm_id", "chain", "node", "year", "geometry")
"""Columns a panel frame must have (plus ``employees``/``output`` for those bases)."""

CREDIT_CODE_HEADERS: tuple[str, ...] = (
    "统一社会信用代码",
    "社会信用代码",
    "信用代码",
    "uscc",
    "creditcode",
    "unifiedsocialcreditcode",
)
"""Headers (after normalisation: NFKC, no spaces/``_``/``-``, case-folded) of a credit-code column."""

_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
_CODE_VALUE = {c: i for i, c in enumerate(_CODE_CHARS)}
_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_YEAR_IN_NAME = re.compile(r"(?<![0-9])(19[0-9]{2}|20[0-9]{2}|2100)(?![0-9])")

register_messages(
    {
        "panel_no_sources": (
            "没有给出企业数据文件：请给出一个或多个文件路径",
            "no firm file given: pass one or more file paths",
        ),
        "panel_bad_year_key": (
            "{value!r} 不是年份：映射的键须为 1900–2100 的整数",
            "{value!r} is not a year: mapping keys must be whole numbers from 1900 to 2100",
        ),
        "panel_unreadable": (
            "无法读取 {value}：{detail}",
            "cannot read {value}: {detail}",
        ),
        "panel_missing_columns": (
            "企业表缺少列 {value}（须有 {valid}）",
            "the firm table lacks column(s) {value} (needs {valid})",
        ),
        "panel_bad_years": (
            "第 {value} 行的年份缺失或不是 1900–2100 的整数；每行都须有年份",
            "row(s) {value}: the year is missing or not a whole number from 1900 to 2100; "
            "every row needs one",
        ),
        "panel_duplicate_firm_year": (
            "同一企业同一年份出现多次：{value}；每个企业每年只能有一行",
            "the same firm appears more than once in a year: {value}; keep one row per firm and year",
        ),
        "panel_not_a_frame": (
            "企业面板须为 GeoDataFrame，得到 {value}",
            "a firm panel must be a GeoDataFrame, got {value}",
        ),
    }
)


class PanelError(ProblemError):
    """A panel that cannot be built (no files, unreadable file, bad frame); lists every problem."""

    subject = ("企业面板", "the firm panel")


def is_credit_code(code: str) -> bool:
    """Whether ``code`` is a unified social credit code with a correct check character.

    GB 32100-2015: 18 characters from ``0-9 A-H J-N P-R T U W X Y``; with c_i the value of
    character i (0–30) and weights w_i = 3^i mod 31 (i = 0…16), the check character is
    c_18 = (31 − Σ_i c_i·w_i mod 31) mod 31.

    >>> is_credit_code("91350100M000100Y43")
    True
    >>> is_credit_code("91350100M000100Y44")
    False
    """
    if not isinstance(code, str) or len(code) != 18:
        return False
    if any(c not in _CODE_VALUE for c in code):
        return False
    values = [_CODE_VALUE[c] for c in code]
    total = sum(v * w for v, w in zip(values[:17], _CODE_WEIGHTS, strict=True))
    return values[17] == (31 - total % 31) % 31


@dataclass(frozen=True)
class Panel:
    """Firm rows of several years, one per firm and year.

    Attributes
    ----------
    firms
        GeoDataFrame (EPSG:4326): the firm columns, ``year`` (int), ``firm_key`` (the id that
        follows a firm across years), ``key_source`` (``uscc`` or ``firm_id``) and
        ``panel_source`` (the file or frame a row came from).
    rejected
        Every rejected row: ``panel_source``, ``row``, ``reason_codes``, ``reason_zh``,
        ``reason_en`` and the original cells.
    summary
        ``read``, ``accepted``, ``rejected``, ``by_reason``, ``sources`` (one summary per
        file), ``years``, ``firms_by_year``, ``keys`` (rows by ``key_source``),
        ``invalid_credit_codes``, ``synthetic``.
    """

    firms: gpd.GeoDataFrame
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def years(self) -> tuple[int, ...]:
        """The panel's years, ascending."""
        return tuple(int(y) for y in sorted(self.firms["year"].unique()))

    @property
    def synthetic(self) -> bool:
        """Whether synthetic demonstration rows are in the panel."""
        return bool(self.summary.get("synthetic", False))

    def year(self, year: int) -> gpd.GeoDataFrame:
        """The firm table of one year (a copy), ready for :func:`layout.analysis.analyze_chain`."""
        out = self.firms[self.firms["year"] == year].reset_index(drop=True)
        gdf = gpd.GeoDataFrame(out, geometry="geometry", crs=self.firms.crs)
        gdf.attrs["synthetic"] = self.synthetic
        return gdf


# ----------------------------------------------------------------------------- keys
def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-*]+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def _credit_column(firms: pd.DataFrame, id_header: str | None) -> pd.Series | None:
    """The credit-code cells of a table: its id column if that is the code, else an extra column."""
    wanted = {_header_key(h) for h in CREDIT_CODE_HEADERS}
    if id_header is not None and _header_key(id_header) in wanted:
        return firms["firm_id"]
    for col in firms.columns:
        name = str(col).removeprefix("extra_")
        if col != "firm_id" and _header_key(name) in wanted:
            return firms[col]
    return None


def _normalise_code(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    return unicodedata.normalize("NFKC", str(v)).strip().upper()


def _with_keys(firms: pd.DataFrame, codes: pd.Series | None) -> tuple[pd.DataFrame, int]:
    """Add ``firm_key``/``key_source``; return the frame and the number of invalid codes."""
    ids = firms["firm_id"].astype(str)
    text = codes.map(_normalise_code) if codes is not None else pd.Series("", index=firms.index)
    valid = text.map(is_credit_code)
    invalid = (text != "") & ~valid
    by_id = dict(zip(ids[valid], text[valid], strict=True))  # a firm id's code, from any year
    key = [c if ok else by_id.get(i, i) for i, c, ok in zip(ids, text, valid, strict=True)]
    out = firms.copy()
    out["firm_key"] = key
    out["key_source"] = [
        "uscc" if ok or i in by_id else "firm_id" for i, ok in zip(ids, valid, strict=True)
    ]
    if invalid.any() and "notes" in out.columns:
        notes = out["notes"].fillna("").astype(str)
        out.loc[invalid, "notes"] = [
            (n + ";" if n else "") + "invalid_credit_code" for n in notes[invalid]
        ]
    return out, int(invalid.sum())


# ----------------------------------------------------------------------------- reading files
def _year_of(name: str) -> int | None:
    found = set(_YEAR_IN_NAME.findall(Path(name).stem))
    return int(found.pop()) if len(found) == 1 else None


def _sources(
    sources: str | os.PathLike[str] | Sequence[Any] | Mapping[Any, Any],
) -> list[tuple[Any, int | None]]:
    if isinstance(sources, str | os.PathLike):
        items: list[tuple[Any, Any]] = [(sources, None)]
    elif isinstance(sources, Mapping):
        items = [(path, key) for key, path in sources.items()]
    else:
        items = [(s, None) for s in sources]
    problems = []
    if not items:
        problems.append(problem("panel_no_sources", argument="sources"))
    out = []
    for path, key in items:
        year = None
        if key is not None:
            ok = isinstance(key, int | np.integer) and not isinstance(key, bool)
            if not ok and isinstance(key, str) and key.strip().isdigit():
                key, ok = int(key), True
            if not ok or not 1900 <= int(key) <= 2100:
                problems.append(problem("panel_bad_year_key", argument="sources", value=key))
                continue
            year = int(key)
        elif isinstance(path, str | os.PathLike):
            year = _year_of(str(path))
        elif getattr(path, "name", None):  # an upload: a buffer with a file name
            year = _year_of(str(path.name))
        out.append((path, year))
    if problems:
        raise PanelError(problems)
    return out


def read_panel(
    sources: str | os.PathLike[str] | Sequence[Any] | Mapping[int, Any],
    *,
    datum: str = "wgs84",
    crs: Any = None,
    boundary: Any = None,
    chains: Any = None,
) -> Panel:
    """Import firm files of several years as one :class:`Panel`.

    Parameters
    ----------
    sources
        A path, a list of paths, or ``{year: path}`` (the year for rows whose year cell is
        blank). Any format :func:`layout.records.read_firms` reads (CSV, XLSX, GeoJSON,
        GeoPackage); a binary buffer with a ``name`` (an upload) or a DataFrame is accepted
        in a list or mapping too.
    datum, crs, boundary, chains
        As in :func:`layout.records.read_firms`, for every file.

    Returns
    -------
    Panel
        ``summary["read"] == summary["accepted"] + summary["rejected"]``.

    Raises
    ------
    PanelError
        No sources, a bad year key, or a file that cannot be read at all (every such file
        is listed).
    """
    from layout.records import FirmImportError, read_firms

    items = _sources(sources)
    parts, rejects, per_source, problems = [], [], [], []
    for i, (path, year) in enumerate(items):
        is_path = isinstance(path, str | os.PathLike)
        label = str(path) if is_path else str(getattr(path, "name", "") or f"source {i + 1}")
        try:
            res = read_firms(
                path,
                datum=datum,
                crs=crs,
                boundary=boundary,
                chains=chains,
                id_scope="year",
                year=year,
                source_name=None if is_path else label,
            )
        except (FirmImportError, OSError) as exc:
            detail = str(exc).splitlines()[0]
            problems.append(
                problem("panel_unreadable", argument="sources", value=label, detail=detail)
            )
            continue
        codes = _credit_column(res.accepted, res.summary.get("columns", {}).get("firm_id"))
        acc = pd.DataFrame(res.accepted)
        if codes is not None:
            acc["_code"] = codes.to_numpy()
        acc.insert(0, "panel_source", label)
        parts.append(acc)
        rej = res.rejected.copy()
        rej.insert(0, "panel_source", label)
        rejects.append(rej)
        per_source.append(
            {"source": label, "year": year}
            | {k: res.summary[k] for k in ("read", "accepted", "rejected", "by_reason")}
        )
    if problems:
        raise PanelError(problems)
    firms = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    firms, invalid = _with_keys(firms, firms.get("_code"))
    firms = firms.drop(columns=["_code"], errors="ignore")
    firms["year"] = firms["year"].astype(int)
    dup = firms.duplicated(["firm_key", "year"], keep="first")
    if dup.any():
        rejects.append(_cross_file_duplicates(firms, dup))
        firms = firms[~dup].reset_index(drop=True)
    flagged = _flagged(firms)
    if flagged.any():  # e.g. the shipped demonstration panel read as a file
        firms["synthetic"] = flagged.to_numpy()
    gdf = gpd.GeoDataFrame(firms, geometry="geometry", crs="EPSG:4326")
    rejected = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame()
    by_reason: dict[str, int] = {}
    for s in per_source:
        for k, v in s["by_reason"].items():
            by_reason[k] = by_reason.get(k, 0) + v
    if dup.any():
        by_reason["duplicate_firm_year"] = by_reason.get("duplicate_firm_year", 0) + int(dup.sum())
    read = sum(s["read"] for s in per_source)
    summary = {
        "read": read,
        "accepted": len(gdf),
        "rejected": read - len(gdf),
        "by_reason": by_reason,
        "sources": per_source,
        "invalid_credit_codes": invalid,
        "synthetic": bool(flagged.any()),
    }
    return _finish(gdf, rejected, summary)


def _flagged(firms: pd.DataFrame) -> pd.Series:
    """Rows a file marks as synthetic (a ``synthetic`` column read as ``extra_synthetic``)."""
    for col in ("synthetic", "extra_synthetic"):
        if col in firms.columns:
            text = firms[col].astype(str).str.strip().str.casefold()
            return text.isin(["true", "1", "yes", "是"])
    return pd.Series(False, index=firms.index)


def _cross_file_duplicates(firms: pd.DataFrame, dup: pd.Series) -> pd.DataFrame:
    """Rejected rows for firm-years already read from an earlier file (values as text)."""
    first = firms[~dup].set_index(["firm_key", "year"])[["panel_source", "row"]]
    rows = firms[dup]
    where = [first.loc[(k, y)] for k, y in zip(rows["firm_key"], rows["year"], strict=True)]
    keep = [c for c in rows.columns if c not in ("geometry", "firm_key", "key_source")]
    out = rows[keep].astype(object).where(rows[keep].notna(), "").astype(str)
    out.insert(1, "reason_codes", "duplicate_firm_year")
    out.insert(
        2,
        "reason_zh",
        [f"同一企业同一年份重复（首次出现在 {w['panel_source']} 第 {w['row']} 行）" for w in where],
    )
    out.insert(
        3,
        "reason_en",
        [
            f"duplicate firm_id in the same year (first in {w['panel_source']}, row {w['row']})"
            for w in where
        ],
    )
    return out.reset_index(drop=True)


def _finish(gdf: gpd.GeoDataFrame, rejected: pd.DataFrame, summary: dict[str, Any]) -> Panel:
    gdf = gdf.sort_values(["year"], kind="stable").reset_index(drop=True)
    summary = dict(summary)
    summary["years"] = [int(y) for y in sorted(gdf["year"].unique())]
    summary["firms_by_year"] = {int(y): int(n) for y, n in gdf.groupby("year").size().items()}
    summary["keys"] = {str(k): int(v) for k, v in gdf["key_source"].value_counts().items()}
    return Panel(firms=gdf, rejected=rejected, summary=summary)


# ----------------------------------------------------------------------------- frames in code
def panel_from_frame(
    firms: gpd.GeoDataFrame, *, year: int | None = None, source_name: str = "frame"
) -> Panel:
    """A :class:`Panel` from a firm GeoDataFrame already in memory (not modified).

    Parameters
    ----------
    firms
        Firm rows with ``firm_id``, ``chain``, ``node``, ``year`` (or ``year=`` for all rows)
        and point geometries in EPSG:4326; a credit-code column is used as described above.
    year
        Year of rows whose ``year`` is missing.
    source_name
        Label kept in ``panel_source``.

    Raises
    ------
    PanelError
        Missing columns, rows without a valid year, or a firm twice in one year (all listed).
    """
    if not isinstance(firms, gpd.GeoDataFrame):
        raise PanelError(
            [problem("panel_not_a_frame", argument="firms", value=type(firms).__name__)]
        )
    df = firms.copy()
    if "year" not in df.columns and year is not None:
        df["year"] = year
    missing = [c for c in PANEL_COLUMNS if c not in df.columns and c != "geometry"]
    if missing:
        raise PanelError(
            [
                problem(
                    "panel_missing_columns",
                    argument="firms",
                    value=", ".join(missing),
                    valid=", ".join(PANEL_COLUMNS),
                )
            ]
        )
    years = pd.to_numeric(df["year"], errors="coerce")
    if year is not None:
        years = years.fillna(year)
    bad = ~(years.notna() & (years % 1 == 0) & years.between(1900, 2100))
    problems = []
    if bad.any():
        rows = ", ".join(str(i) for i in df.index[bad][:10]) + (" …" if bad.sum() > 10 else "")
        problems.append(problem("panel_bad_years", argument="firms", value=rows))
    else:
        df["year"] = years.astype(int)
        df, _ = _with_keys(df, _credit_column(df, None))
        dup = df.duplicated(["firm_key", "year"], keep=False)
        if dup.any():
            pairs = sorted(
                {f"{k} ({y})" for k, y in zip(df["firm_key"][dup], df["year"][dup], strict=True)}
            )
            text = ", ".join(pairs[:10]) + (" …" if len(pairs) > 10 else "")
            problems.append(problem("panel_duplicate_firm_year", argument="firms", value=text))
    if problems:
        raise PanelError(problems)
    df["panel_source"] = source_name
    synthetic = bool(firms.attrs.get("synthetic", False)) or (
        "synthetic" in df and bool(df["synthetic"].fillna(False).astype(bool).any())
    )
    gdf = gpd.GeoDataFrame(df, geometry=firms.geometry.name, crs=firms.crs)
    summary = {
        "read": len(gdf),
        "accepted": len(gdf),
        "rejected": 0,
        "by_reason": {},
        "sources": [{"source": source_name, "year": year, "read": len(gdf)}],
        "invalid_credit_codes": 0,
        "synthetic": synthetic,
    }
    return _finish(gdf, pd.DataFrame(), summary)


# ----------------------------------------------------------------------------- demonstration
@cache
def _demo_panel() -> Panel:
    from geo.registry import data_path
    from layout.demo import locate_anchors

    df = pd.read_csv(data_path("demo_panel"), dtype={"adcode": str, "firm_id": str})
    df["synthetic"] = True
    synthetic = gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(df.pop("lon"), df.pop("lat")), crs="EPSG:4326"
    )
    anchors = locate_anchors()
    years = sorted(synthetic["year"].unique())
    parts = []
    for y in years:  # anchors first, as in layout.demo.demo_firms
        parts.append(anchors.assign(year=int(y)))
        parts.append(synthetic[synthetic["year"] == y])
    gdf = gpd.GeoDataFrame(
        pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    gdf.attrs["synthetic"] = True
    return panel_from_frame(gdf, source_name="demo")


def demo_panel() -> Panel:
    """The demonstration panel 2019–2024: synthetic firms (labelled) plus real anchors each year.

    The anchors are real firms without published figures: present in every year, their
    employment and output NaN (never invented). The 2024 table equals
    :func:`layout.demo.demo_firms` row for row (anchors then synthetic firms); only the
    anchors' ``year`` is filled in.
    """
    p = _demo_panel()
    return Panel(firms=p.firms.copy(), rejected=p.rejected.copy(), summary=dict(p.summary))
