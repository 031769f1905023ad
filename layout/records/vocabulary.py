"""The importer's vocabulary: field names, header aliases, units, formats, reason and note codes.

Every code here is a public contract (JSON summaries, rejects files and scripts use them); each
carries its Chinese and English text.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "EMPLOYEE_UNITS",
    "FIELDS",
    "FIRM_COLUMNS",
    "HEADER_ALIASES",
    "LOCATION_FIELDS",
    "LOCATION_QUALITIES",
    "META_ACCEPTED",
    "META_REJECTED",
    "NOTES",
    "OPTIONAL_COLUMNS",
    "OUTPUT_UNITS",
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
"""The schema columns of every accepted firm, in order (the file needs only an id or a name and
a location; the others may be absent and are then blank)."""

OPTIONAL_COLUMNS: tuple[str, ...] = ("adcode", "year")
FIRM_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

LOCATION_FIELDS: tuple[str, ...] = ("adcode", "county", "city", "address")
"""Fields that locate a firm without coordinates (``city`` only narrows a county name)."""

FIELDS: tuple[str, ...] = (*FIRM_COLUMNS, "county", "city", "address", "industry_code")
"""Every field a source column can be mapped to (``--columns`` / ``columns=``)."""

HEADER_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "firm_id": (
            "firm_id",
            "企业编号",
            "企业代码",
            "统一社会信用代码",
            "社会信用代码",
            "信用代码",
            "组织机构代码",
            "credit_code",
            "uscc",
        ),
        "name": (
            "name",
            "企业名称",
            "单位名称",
            "名称",
            "公司名称",
            "企业",
            "firm_name",
            "company",
            "company_name",
        ),
        "lon": ("lon", "经度", "lng", "longitude", "x", "easting", "东坐标"),
        "lat": ("lat", "纬度", "latitude", "y", "northing", "北坐标"),
        "chain": (
            "chain",
            "所属产业链",
            "产业链",
            "链条",
            "产业链名称",
            "重点产业链",
            "chain_code",
            "industry_chain",
        ),
        "node": (
            "node",
            "产业链环节",
            "环节",
            "细分领域",
            "产业环节",
            "链条环节",
            "所属环节",
            "产业链节点",
            "node_id",
        ),
        "employees": (
            "employees",
            "从业人员",
            "从业人数",
            "职工人数",
            "年末从业人员",
            "年末从业人数",
            "从业人员数",
            "employment",
            "staff",
        ),
        "output": (
            "output",
            "产值",
            "工业总产值",
            "营业收入",
            "主营业务收入",
            "营业总收入",
            "销售收入",
            "revenue",
            "output_10k_yuan",
        ),
        "adcode": (
            "adcode",
            "行政区划代码",
            "区划代码",
            "区县代码",
            "区划码",
            "行政区划码",
            "县区代码",
        ),
        "county": (
            "county",
            "所属区县",
            "区县",
            "县(市、区)",
            "县(市,区)",
            "县(区、市)",
            "县市区",
            "县区",
            "所在区县",
            "区县名称",
            "district",
        ),
        "city": ("city", "所属城市", "所属地市", "城市", "地市", "所在城市", "所在地市"),
        "address": (
            "address",
            "注册地址",
            "地址",
            "企业地址",
            "经营地址",
            "住所",
            "详细地址",
            "生产经营地址",
            "通讯地址",
        ),
        "industry_code": (
            "industry_code",
            "国民经济行业代码",
            "行业代码",
            "所属行业代码",
            "国标行业代码",
            "国民经济行业",
            "所属行业",
            "gbt4754",
        ),
        "year": ("year", "年份", "统计年份", "年度"),
    }
)
"""Accepted headers per field, in priority order (matched after normalisation: NFKC, case folded,
without spaces, ``_``, ``-``, ``*``, and without a unit in brackets such as ``(万元)``)."""

OUTPUT_UNITS: Mapping[str, float] = MappingProxyType(
    {"元": 1e-4, "千元": 0.1, "万元": 1.0, "百万元": 100.0, "千万元": 1000.0, "亿元": 1e4}
)
"""Units an output header may carry -> factor to 万元 (10,000 yuan), the unit stored."""

EMPLOYEE_UNITS: Mapping[str, float] = MappingProxyType({"人": 1.0, "个": 1.0, "万人": 1e4})
"""Units an employees header may carry -> factor to persons."""

LOCATION_QUALITIES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "exact": ("坐标", "coordinates in the file"),
        "address": ("按地址定位到区县", "placed at its county, parsed from the address"),
        "county": ("按区县定位", "placed at its county (adcode or county name)"),
    }
)
"""``location_quality`` of accepted firms -> (Chinese, English) meaning."""

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
        "duplicate_firm_year": ("同一企业同一年份重复", "duplicate firm_id in the same year"),
        "missing_name": ("缺少企业名称", "missing name"),
        "missing_coordinates": ("缺少坐标", "missing coordinates"),
        "non_numeric_coordinates": ("坐标不是数字", "coordinates are not numbers"),
        "bad_geometry": ("几何无效（须为非空的点）", "bad geometry (must be a non-empty point)"),
        "coordinates_out_of_range": (
            "坐标超出经纬度范围（投影坐标请用 crs= 声明）",
            "coordinates outside lon/lat range (declare projected coordinates with crs=)",
        ),
        "outside_shandong": ("位置不在山东省境内", "location outside Shandong"),
        "unlocatable": (
            "无法定位：没有坐标，行政区划代码、区县名称和地址也都无法确定区县",
            "cannot be located: no coordinates, and no adcode, county name or address names a "
            "county",
        ),
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
        "missing_year": (
            "缺少年份（多年面板的每一行都须有年份）",
            "missing year (every row of a multi-year panel needs one)",
        ),
        "nul_character": (
            "含有 NUL 控制字符（文件可能已损坏或不是文本）",
            "contains a NUL character (the file may be damaged or not text)",
        ),
        "formula_without_value": (
            "公式单元格没有保存计算结果（请在 Excel 中打开并保存，或复制后“粘贴为数值”）",
            "formula cell without a saved value (open and save the workbook in Excel, or paste "
            "the values)",
        ),
        "extra_cells": (
            "本行单元格多于表头（可能有未加引号的逗号）",
            "more cells than header columns (an unquoted comma?)",
        ),
    }
)
"""Reject reason code -> (Chinese, English) text, in the order reasons are listed.

``missing_chain`` and ``missing_node`` are no longer reasons to reject (chain and node are
optional; see the notes of the same name); the codes stay for files written by older versions."""

NOTES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "swapped_lon_lat": (
            "经纬度疑似互换，已换回",
            "lon/lat looked swapped and were swapped back",
        ),
        "missing_employees": ("从业人数为空", "employees blank"),
        "missing_output": ("产值为空", "output blank"),
        "figure_not_numeric": (
            "数值不是数字，已留空",
            "figure is not a number and was left blank",
        ),
        "chain_name_resolved": ("产业链名称已换成代码", "chain name resolved to its code"),
        "node_name_resolved": ("环节名称已换成代码", "node name resolved to its id"),
        "value_mapped": ("按用户的取值对应表换算", "mapped by the user's value mapping"),
        "chain_from_option": ("产业链取自 --chain 参数", "chain taken from --chain"),
        "missing_chain": ("未填产业链：只计入企业总数", "no chain: counts in the firm totals only"),
        "missing_node": (
            "未填环节：计入产业链合计，不计入任何环节",
            "no node: counts toward the chain's totals, not toward a node",
        ),
        "node_from_industry_code": (
            "环节按国民经济行业代码确定",
            "node assigned from the GB/T 4754 industry code",
        ),
        "chain_from_industry_code": (
            "产业链按国民经济行业代码确定",
            "chain assigned from the GB/T 4754 industry code",
        ),
        "node_candidates": (
            "行业代码对应多个环节，未指定环节（计入产业链，不计入环节）",
            "the industry code fits several nodes; no node assigned (counts toward the chain, "
            "not a node)",
        ),
        "industry_code_no_node": (
            "行业代码不对应本产业链的任何环节：保留在产业链中，不计入环节",
            "the industry code names no node of this chain: kept in the chain without a node",
        ),
        "invalid_industry_code": (
            "行业代码无法识别（应为 GB/T 4754-2017 代码，如 C3975），已忽略",
            "industry code not recognised (GB/T 4754-2017, e.g. C3975); ignored",
        ),
        "located_by_adcode": (
            "按行政区划代码定位到区县代表点",
            "placed at its county's representative point by adcode",
        ),
        "located_by_county": (
            "按区县名称定位到区县代表点",
            "placed at its county's representative point by county name",
        ),
        "located_by_address": (
            "按地址中的区县定位到区县代表点",
            "placed at its county's representative point by the county in its address",
        ),
        "old_unit_resolved": (
            "旧行政区划已换成现行区县",
            "a former administrative unit was resolved to the current county",
        ),
        "county_of_former_city": (
            "原地级市已撤销，按其原驻地定位（原辖区不止一个区县）",
            "former prefecture-level city: placed at its former seat (it covered more than one "
            "county)",
        ),
        "point_outside_stated_county": (
            "坐标不在所填区县内（超出容差），保留坐标",
            "the point lies outside the county the row states (beyond the tolerance); the point "
            "was kept",
        ),
        "stated_county_unknown": (
            "所填区县无法识别，已按坐标确定区县",
            "the county the row states is not recognised; the county comes from the point",
        ),
        "generated_id": (
            "没有企业编号，已按行号生成",
            "no firm_id: one was made from the row number",
        ),
        "missing_name": ("企业名称为空", "name blank"),
        "formula_without_value": (
            "附加列中的公式单元格没有保存计算结果，已留空",
            "a formula cell without a saved value in an extra column was left blank",
        ),
    }
)
"""Note code -> (Chinese, English) text for accepted rows that carry a warning or an inference."""

META_ACCEPTED: tuple[str, ...] = (
    "datum_in",
    "location_quality",
    "row",
    "notes",
    "notes_zh",
    "notes_en",
    "node_candidates",
)
"""Columns the importer adds to accepted rows (an extra column never takes these names)."""

META_REJECTED: tuple[str, ...] = ("row", "reason_codes", "reason_zh", "reason_en", "notes")
"""Columns the importer puts before the original cells of a rejected row."""
