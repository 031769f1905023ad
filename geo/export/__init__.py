"""Standards-clean export: RFC 7946 GeoJSON, GeoPackage, CSV and XLSX, through safe outputs.

One module per concern, every public name importable from ``geo.export``:

* :mod:`geo.export.geojson` — RFC 7946: WGS-84 lon/lat, exterior rings counter-clockwise and
  holes clockwise (§3.1.6), no ``crs`` member (§4), coordinates rounded to at most 6 decimals
  (about 0.1 m, §11.2), UTF-8 with Chinese written as characters, not ``\\u`` escapes.
* :mod:`geo.export.gpkg` — GeoPackage layers; columns a GeoPackage cannot hold (5,000 columns,
  case-duplicates, NUL, ``fid``) are refused with a clear message instead of GDAL's
  ``FieldError``.
* :mod:`geo.export.tables` — CSV and XLSX whose cells beginning with ``=``, ``+``, ``-``,
  ``@``, tab or carriage return are prefixed with an apostrophe so a spreadsheet shows them as
  text instead of running them (OWASP "CSV injection").
* :mod:`geo.export.paths` — outputs that cannot hurt (never an input, another output, a
  folder, a device, a dangling link; names that fit) and atomic writes: every write goes to a
  temporary file beside the target and is renamed into place, so a crash mid-write leaves the
  previous file intact; several outputs land together or not at all.
"""

from __future__ import annotations

from geo.export.errors import ExportError, OutputError
from geo.export.geojson import geojson_dict, require_wgs84, to_geojson
from geo.export.gpkg import MAX_COLUMNS, column_problems, replace_problems, to_gpkg
from geo.export.paths import (
    atomic_path,
    atomic_paths,
    check_outputs,
    final_path,
    is_temp_name,
    lock_name,
    output_problems,
    safe_output_path,
    temp_name,
)
from geo.export.tables import neutralise_formula, neutralise_frame, to_csv, to_xlsx, xlsx_bytes

__all__ = [
    "FORMATS",
    "MAX_COLUMNS",
    "ExportError",
    "OutputError",
    "atomic_path",
    "atomic_paths",
    "check_outputs",
    "column_problems",
    "final_path",
    "geojson_dict",
    "is_temp_name",
    "lock_name",
    "neutralise_formula",
    "neutralise_frame",
    "output_problems",
    "replace_problems",
    "require_wgs84",
    "safe_output_path",
    "temp_name",
    "to_csv",
    "to_geojson",
    "to_gpkg",
    "to_xlsx",
    "xlsx_bytes",
]

FORMATS = ("geojson", "gpkg", "csv", "xlsx")
"""Export formats (the CLI's ``--format`` values)."""
