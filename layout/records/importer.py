"""The two entry points: :func:`read_firms` (files and buffers) and :func:`read_firms_frame`."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any

import pandas as pd

from geo.datum import Datum
from layout.records.columns import as_header_map, guess_fields, header_field_with
from layout.records.errors import fail
from layout.records.features import frame_table
from layout.records.limits import DEFAULT_LIMITS, Limits
from layout.records.options import check_options
from layout.records.readers import read_table
from layout.records.result import ImportResult
from layout.records.rows import check_rows
from layout.records.table import Progress, report

__all__ = ["ColumnGuess", "guess_columns", "read_firms", "read_firms_frame"]


@dataclass(frozen=True)
class ColumnGuess:
    """What the importer would do with a file's columns, before importing it.

    Attributes
    ----------
    headers
        The source headers, in file order (``column_<n>`` for a blank one).
    guess
        Header -> the field it would be mapped to, or None (kept as an extra column).
    header_row
        Row of the header (CSV/XLSX; title rows above it are skipped).
    sheets, sheet
        A workbook's sheets and the one read (the active one unless ``layer`` names another);
        a GeoPackage's layer; None for other formats.
    rows
        Data rows below the header.
    """

    headers: list[str]
    guess: dict[str, str | None]
    header_row: int | None
    sheets: list[str] | None
    sheet: str | None
    rows: int


def read_firms(
    path_or_buffer: str | PathLike[str] | Any,
    *,
    datum: str | Datum = "wgs84",
    crs: Any = None,
    boundary: Any = None,
    chains: Mapping[str, Collection[Any]] | None = None,
    source_name: str | None = None,
    progress: Progress | None = None,
    layer: str | int | None = None,
    columns: Mapping[str, str | None] | None = None,
    values: Mapping[str, Any] | None = None,
    chain: str | None = None,
    encoding: str | None = None,
    county_tolerance_km: float = 2.0,
    id_scope: str = "table",
    year: int | None = None,
    max_rows: int = DEFAULT_LIMITS.max_rows,
    max_columns: int = DEFAULT_LIMITS.max_columns,
    max_cell_chars: int = DEFAULT_LIMITS.max_cell_chars,
    max_cells: int = DEFAULT_LIMITS.max_cells,
    max_bytes: int = DEFAULT_LIMITS.max_bytes,
) -> ImportResult:
    """Read a firm table from CSV, XLSX, GeoJSON or GeoPackage and check every row.

    Parameters
    ----------
    path_or_buffer
        A path, or a binary file-like object (e.g. a Streamlit upload). A DataFrame is passed
        on to :func:`read_firms_frame`.
    datum
        Datum of lon/lat input: ``wgs84`` (default), ``cgcs2000``, ``gcj02`` or ``bd09``;
        GCJ-02 and BD-09 are converted to WGS-84 with :func:`geo.datum.to_wgs84`.
    crs
        CRS of the coordinates when they are not WGS-84 lon/lat (e.g. ``"EPSG:4549"``), read by
        :class:`pyproj.CRS`. A GeoPackage or GeoJSON that declares its CRS is read in that CRS;
        ``crs`` must then agree with it.
    boundary
        Province outline (shapely polygon, GeoSeries or GeoDataFrame, WGS-84). Default:
        ``geo.boundaries.shandong_outline()``, or Shandong's bounding box when that module is
        not installed (``summary["boundary"]`` says which).
    chains
        Valid chain -> nodes (``Mapping[str, Collection[str]]``; a ``networkx`` graph works
        as a collection, and its names, synonyms and GB/T 4754 codes are used).
        Default: ``layout.chains.load_chains()``, else ``data/chains/nodes.csv``; when neither
        exists chain and node are not checked (``summary["chains"] is None``).
    source_name
        Name reported in the summary and used to tell the format of a buffer.
    progress
        Optional ``callable(fraction)`` called with increasing values in [0, 1].
    layer
        XLSX sheet or GeoPackage layer (name or 0-based index); default the active sheet of a
        workbook (the one Excel opens on) and the first layer of a GeoPackage.
    columns
        Source header -> field (see :data:`layout.records.vocabulary.FIELDS`; ``None`` ignores a
        column; ``"output:元"`` names the unit), overriding the guessed mapping; the summary's
        ``columns`` (field -> header) is accepted as it is.
    values
        ``{"chain": {text: chain code}, "node": {chain code: {text: node id}}}``: values to map
        before the names and synonyms are tried. The summary's ``values`` is in this form.
    chain
        Chain code (or name) for rows whose chain is blank, e.g. a single-chain list.
    encoding
        Text encoding of a CSV or GeoJSON (e.g. ``"big5"``); default: detected (UTF-16/UTF-8
        with a BOM, UTF-8, then GB18030, with a warning when it looks like Big5).
    county_tolerance_km
        A point farther than this from the county its row states gets a note (the point is
        kept).
    id_scope
        ``"table"`` (default: ``firm_id`` is unique in the file, a repeat is ``duplicate_id``)
        or ``"year"`` for a multi-year panel (one row per firm and year: the key is ``firm_id``
        + ``year``, a repeat is ``duplicate_firm_year`` and a row without a year is
        ``missing_year``). See :mod:`layout.monitoring.panel`.
    year
        Year given to rows whose ``year`` cell is blank (e.g. a file holding one year); an
        invalid year cell is still rejected.
    max_rows, max_columns, max_cell_chars, max_cells, max_bytes
        Caps (see :class:`layout.records.limits.Limits`); a file beyond one is refused with an
        error naming it.

    Returns
    -------
    ImportResult
        ``summary["read"] == summary["accepted"] + summary["rejected"]``.

    Raises
    ------
    FirmImportError
        Unreadable or undecodable file, unsupported format, a file beyond a cap, missing or
        ambiguous columns, invalid arguments. Row problems never raise.
    """
    limits = Limits(max_rows, max_columns, max_cell_chars, max_cells, max_bytes)
    columns = as_header_map(columns)
    if isinstance(path_or_buffer, pd.DataFrame):
        return read_firms_frame(
            path_or_buffer,
            datum=datum,
            crs=crs,
            boundary=boundary,
            chains=chains,
            source_name=source_name,
            progress=progress,
            columns=columns,
            values=values,
            chain=chain,
            county_tolerance_km=county_tolerance_km,
            id_scope=id_scope,
            year=year,
            max_rows=max_rows,
            max_columns=max_columns,
        )
    report(progress, 0.0)
    options = check_options(
        datum,
        crs,
        boundary,
        chains,
        columns=columns,
        values=values,
        chain=chain,
        limits=limits,
        encoding=encoding,
        tolerance_km=county_tolerance_km,
        id_scope=id_scope,
        year=year,
    )
    table, name = read_table(
        path_or_buffer,
        source_name,
        layer,
        limits=limits,
        encoding=encoding,
        header_field=header_field_with(columns),
        progress=progress,
    )
    report(progress, 0.4)
    return check_rows(table, options, source=name, progress=progress)


def read_firms_frame(
    df: pd.DataFrame,
    *,
    datum: str | Datum = "wgs84",
    crs: Any = None,
    boundary: Any = None,
    chains: Mapping[str, Collection[Any]] | None = None,
    source_name: str | None = None,
    progress: Progress | None = None,
    first_row: int = 2,
    columns: Mapping[str, str | None] | None = None,
    values: Mapping[str, Any] | None = None,
    chain: str | None = None,
    county_tolerance_km: float = 2.0,
    id_scope: str = "table",
    year: int | None = None,
    max_rows: int = DEFAULT_LIMITS.max_rows,
    max_columns: int = DEFAULT_LIMITS.max_columns,
) -> ImportResult:
    """Check an already-loaded DataFrame (or point GeoDataFrame) as :func:`read_firms` does.

    Parameters
    ----------
    df
        The table; not modified. Missing values (None, NaN, NA) count as blank cells. A
        GeoDataFrame's active geometry gives lon/lat in its CRS (``crs=`` must agree).
    first_row
        Row number reported for the first record (default 2: header on row 1).
    datum, crs, boundary, chains, source_name, progress, columns, values, chain
        As in :func:`read_firms`.
    county_tolerance_km, id_scope, year, max_rows, max_columns
        As in :func:`read_firms`.

    Returns
    -------
    ImportResult
    """
    report(progress, 0.0)
    limits = Limits(max_rows=max_rows, max_columns=max_columns)
    columns = as_header_map(columns)
    options = check_options(
        datum,
        crs,
        boundary,
        chains,
        columns=columns,
        values=values,
        chain=chain,
        limits=limits,
        tolerance_km=county_tolerance_km,
        id_scope=id_scope,
        year=year,
    )
    if not isinstance(df, pd.DataFrame):
        fail("records_not_a_frame", argument="df", kind=type(df).__name__)
    if len(df) > limits.max_rows:
        from layout.records.limits import exceeded

        exceeded("max_rows", limits.max_rows, f"{len(df):,} rows")
    if df.shape[1] > limits.max_columns:
        from layout.records.limits import exceeded

        exceeded("max_columns", limits.max_columns, f"{df.shape[1]:,} columns")
    table = frame_table(df, first_row)
    report(progress, 0.4)
    return check_rows(table, options, source=source_name, progress=progress)


def guess_columns(
    path_or_buffer: str | PathLike[str] | Any,
    *,
    source_name: str | None = None,
    layer: str | int | None = None,
    encoding: str | None = None,
    columns: Mapping[str, str | None] | None = None,
) -> ColumnGuess:
    r"""Read a file and say how its columns would be mapped (for a mapping step before import).

    ``columns`` (a user's mapping) only helps to find the header row; the guess shown is the
    importer's own. Raises :class:`FirmImportError` as :func:`read_firms` does for a file it
    cannot read.

    Examples
    --------
    >>> data = "title\n企业名称,营业收入(万元),备注\n甲,1,x\n".encode()
    >>> g = guess_columns(data, source_name="a.csv")
    >>> g.guess, g.header_row
    ({'企业名称': 'name', '营业收入(万元)': 'output', '备注': None}, 2)
    """
    table, _ = read_table(path_or_buffer, source_name, layer, limits=Limits(),
                          encoding=encoding, header_field=header_field_with(columns))  # fmt: skip
    fields = guess_fields(table)
    guess = {h: fields.get(j) for j, h in enumerate(table.headers)}
    sheets = table.info.get("sheets") or ([table.info["layer"]] if "layer" in table.info else None)
    sheet = table.info.get("sheet") or table.info.get("layer")
    return ColumnGuess(list(table.headers), guess, table.info.get("header_row"), sheets, sheet,
                       len(table.rows))  # fmt: skip
