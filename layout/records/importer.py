"""The two entry points: :func:`read_firms` (files and buffers) and :func:`read_firms_frame`."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from os import PathLike
from typing import Any

import pandas as pd

from geo.datum import Datum
from layout.records.errors import fail
from layout.records.features import frame_table
from layout.records.options import check_options
from layout.records.readers import read_table
from layout.records.result import ImportResult
from layout.records.rows import check_rows
from layout.records.table import Progress, report

__all__ = ["read_firms", "read_firms_frame"]


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
        as a collection, and its ``name_zh``/``name_en`` attributes are accepted as names).
        Default: ``layout.chains.load_chains()``, else ``data/chains/nodes.csv``; when neither
        exists chain and node are not checked (``summary["chains"] is None``).
    source_name
        Name reported in the summary and used to tell the format of a buffer.
    progress
        Optional ``callable(fraction)`` called with increasing values in [0, 1].
    layer
        XLSX sheet or GeoPackage layer (name or 0-based index); default the first one.

    Returns
    -------
    ImportResult
        ``summary["read"] == summary["accepted"] + summary["rejected"]``.

    Raises
    ------
    FirmImportError
        Unreadable or undecodable file, unsupported format, missing or ambiguous required
        columns, invalid arguments. Row problems never raise.
    """
    if isinstance(path_or_buffer, pd.DataFrame):
        return read_firms_frame(
            path_or_buffer,
            datum=datum,
            crs=crs,
            boundary=boundary,
            chains=chains,
            source_name=source_name,
            progress=progress,
        )
    report(progress, 0.0)
    options = check_options(datum, crs, boundary, chains)
    table, name = read_table(path_or_buffer, source_name, layer, progress)
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
) -> ImportResult:
    """Check an already-loaded DataFrame (or point GeoDataFrame) as :func:`read_firms` does.

    Parameters
    ----------
    df
        The table; not modified. Missing values (None, NaN, NA) count as blank cells. A
        GeoDataFrame's active geometry gives lon/lat in its CRS (``crs=`` must agree).
    first_row
        Row number reported for the first record (default 2: header on row 1).
    datum, crs, boundary, chains, source_name, progress
        As in :func:`read_firms`.

    Returns
    -------
    ImportResult
    """
    report(progress, 0.0)
    options = check_options(datum, crs, boundary, chains)
    if not isinstance(df, pd.DataFrame):
        fail("records_not_a_frame", argument="df", kind=type(df).__name__)
    table = frame_table(df, first_row)
    report(progress, 0.4)
    return check_rows(table, options, source=source_name, progress=progress)
