"""Import firm records (CSV, XLSX, GeoJSON, GeoPackage) into a checked WGS-84 point layer.

Every row read ends in exactly one of two tables: ``accepted`` (a GeoDataFrame in EPSG:4326)
or ``rejected`` (every original cell as text, with stable reason codes and a reason in Chinese
and English), so ``read == accepted + rejected`` always holds. Row-level problems never raise;
only file-level problems (unreadable file, unsupported format, missing required columns) and
invalid arguments raise :class:`FirmImportError`.

Columns
-------
``firm_id``, ``name``, ``lon``, ``lat``, ``chain``, ``node``, ``employees``, ``output``
(产值, 万元) are required; ``adcode`` and ``year`` are optional. Headers are matched after
Unicode NFKC normalisation (full-width parentheses and spaces become ASCII), removal of spaces,
``_``, ``-``, ``*`` and zero-width characters, and case folding; the aliases, in priority order,
are in :data:`HEADER_ALIASES`. When several aliases of one field are present the first in that
order is used and the others are kept as extra columns. Any other column is kept, renamed
``extra_<header>`` (``extra_column_<n>`` for a column without a header).

Coordinates
-----------
WGS-84 and CGCS2000 lon/lat are stored as they are; GCJ-02 and BD-09 are converted with
:func:`geo.datum.to_wgs84` when declared (``datum=``); projected coordinates are transformed
from ``crs=`` with ``pyproj.Transformer(..., always_xy=True)``. Lon/lat pairs that look swapped
(lon in [34, 39] and lat in [114, 123]) are swapped back and the row carries the note
``swapped_lon_lat``; projected pairs that fall outside the boundary but inside it once swapped
(the surveying X = northing convention) are treated the same way.

Row numbers
-----------
CSV/XLSX: the spreadsheet row (header = row 1, or the row the header was found on when title
rows precede it). GeoJSON/GeoPackage: the 1-based feature number. DataFrames: position + 2,
the row the record would have in a sheet written by ``to_csv(index=False)``.

Examples
--------
>>> import pandas as pd
>>> from shapely import box
>>> frame = pd.DataFrame({"企业编号": ["A1", "A2"], "企业名称": ["甲", "乙"],
...                       "经度": [117.0, None], "纬度": [36.6, 36.6], "产业链": ["LED", "LED"],
...                       "环节": ["epi", "epi"], "从业人数": [10, 5], "产值（万元）": [100, 50]})
>>> res = read_firms_frame(frame, boundary=box(114, 34, 123, 39), chains={"LED": {"epi"}})
>>> res.summary["read"], res.summary["accepted"], res.summary["by_reason"]
(2, 1, {'missing_coordinates': 1})
"""

from layout.records.errors import FirmImportError
from layout.records.importer import ColumnGuess, guess_columns, read_firms, read_firms_frame
from layout.records.limits import DEFAULT_LIMITS, Limits
from layout.records.result import ImportResult, write_rejects
from layout.records.vocabulary import (
    FIELDS,
    FIRM_COLUMNS,
    HEADER_ALIASES,
    LOCATION_QUALITIES,
    NOTES,
    OPTIONAL_COLUMNS,
    REASONS,
    REQUIRED_COLUMNS,
    SUPPORTED_FORMATS,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FIELDS",
    "FIRM_COLUMNS",
    "HEADER_ALIASES",
    "LOCATION_QUALITIES",
    "NOTES",
    "OPTIONAL_COLUMNS",
    "REASONS",
    "REQUIRED_COLUMNS",
    "SUPPORTED_FORMATS",
    "ColumnGuess",
    "FirmImportError",
    "ImportResult",
    "Limits",
    "guess_columns",
    "read_firms",
    "read_firms_frame",
    "write_rejects",
]
