"""The importer's vocabulary: field names, header aliases, formats, reason and note codes.

Every code here is a public contract (JSON summaries, rejects files and scripts use them); each
carries its Chinese and English text.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "FIRM_COLUMNS",
    "HEADER_ALIASES",
    "META_ACCEPTED",
    "META_REJECTED",
    "NOTES",
    "OPTIONAL_COLUMNS",
    "REASONS",
    "REQUIRED_COLUMNS",
    "SUPPORTED_FORMATS",
]

REQUIRED_COLUMNS: tuple[str, ...] = (
    "firm_id",
    "name",
    "lon",
    "lat",
    "chain",
    "node",
    "employees",
    "output",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("adcode", "year")
FIRM_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

HEADER_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "firm_id": ("firm_id", "企业编号", "企业代码", "统一社会信用代码"),
        "name": ("name", "企业名称", "名称", "firm_name"),
        "lon": ("lon", "经度", "lng", "longitude", "easting", "东坐标"),
        "lat": ("lat", "纬度", "latitude", "northing", "北坐标"),
        "chain": ("chain", "产业链", "chain_code"),
        "node": ("node", "环节", "产业环节", "链条环节", "node_id"),
        "employees": ("employees", "从业人数", "从业人员", "职工人数", "employment"),
        "output": ("output", "产值(万元)", "产值（万元）", "工业总产值", "output_10k_yuan"),
        "adcode": ("adcode", "行政区划代码", "区县代码"),
        "year": ("year", "年份"),
    }
)
"""Accepted headers per field, in priority order (matched after normalisation)."""

SUPPORTED_FORMATS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "csv": (".csv", ".txt", ".tsv"),
        "xlsx": (".xlsx", ".xlsm"),
        "geojson": (".geojson", ".json"),
        "gpkg": (".gpkg",),
    }
)
"""Format name -> file extensions read_firms accepts."""

REASONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "blank_row": ("空行", "blank row"),
        "missing_id": ("缺少企业编号", "missing firm_id"),
        "duplicate_id": ("企业编号重复", "duplicate firm_id"),
        "missing_name": ("缺少企业名称", "missing name"),
        "missing_coordinates": ("缺少坐标", "missing coordinates"),
        "non_numeric_coordinates": ("坐标不是数字", "coordinates are not numbers"),
        "bad_geometry": ("几何无效（须为非空的点）", "bad geometry (must be a non-empty point)"),
        "coordinates_out_of_range": (
            "坐标超出经纬度范围（投影坐标请用 crs= 声明）",
            "coordinates outside lon/lat range (declare projected coordinates with crs=)",
        ),
        "outside_shandong": ("位置不在山东省境内", "location outside Shandong"),
        "missing_chain": ("缺少产业链", "missing chain"),
        "unknown_chain": ("未知的产业链", "unknown chain"),
        "missing_node": ("缺少产业环节", "missing chain node"),
        "unknown_node": ("该产业链没有这个环节", "node not in this chain"),
        "non_numeric_value": ("数值不是数字", "value is not a number"),
        "negative_value": ("数值为负", "negative value"),
        "non_finite": ("数值为 NaN 或无穷大", "value is NaN or infinite"),
        "invalid_adcode": (
            "行政区划代码无效（须为 6 位数字）",
            "invalid adcode (must be 6 digits)",
        ),
        "invalid_year": ("年份无效（须为 1900–2100 的整数）", "invalid year (integer 1900-2100)"),
        "extra_cells": (
            "本行单元格多于表头（可能有未加引号的逗号）",
            "more cells than header columns (an unquoted comma?)",
        ),
    }
)
"""Reject reason code -> (Chinese, English) text, in the order reasons are listed."""

NOTES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "swapped_lon_lat": (
            "经纬度疑似互换，已换回",
            "lon/lat looked swapped and were swapped back",
        ),
        "missing_employees": ("从业人数为空", "employees blank"),
        "missing_output": ("产值为空", "output blank"),
        "chain_name_resolved": ("产业链名称已换成代码", "chain name resolved to its code"),
        "node_name_resolved": ("环节名称已换成代码", "node name resolved to its id"),
    }
)
"""Note code -> (Chinese, English) text for accepted rows that carry a warning."""

META_ACCEPTED: tuple[str, ...] = ("datum_in", "location_quality", "row", "notes")
"""Columns the importer adds to accepted rows (an extra column never takes these names)."""

META_REJECTED: tuple[str, ...] = ("row", "reason_codes", "reason_zh", "reason_en", "notes")
"""Columns the importer puts before the original cells of a rejected row."""
