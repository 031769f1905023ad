"""File-level import problems: one error class, a message code per problem, zh and en text.

Row problems never raise (they become reasons of rejected rows); what raises is a file that
cannot be read at all, a missing or ambiguous column, or an invalid argument.
"""

from __future__ import annotations

from typing import Any, NoReturn

from geo.problems import Problem, ProblemError, problem, register_messages

__all__ = ["FirmImportError", "fail", "file_problem"]

register_messages(
    {
        "records_text": ("{text}", "{text}"),
        "records_bad_argument": ("参数无效：{detail_zh}", "invalid arguments: {detail}"),
        "records_bad_boundary": (
            "参数无效：boundary 须为 WGS-84 的非空 shapely 多边形、GeoSeries 或 GeoDataFrame，"
            "而不是 {kind}；留空则使用山东省界",
            "invalid arguments: boundary must be a non-empty shapely polygon, GeoSeries or "
            "GeoDataFrame in WGS-84, got {kind}; leave it None for Shandong's outline",
        ),
        "records_bad_chains": (
            "参数无效：chains 须为 产业链 -> 环节集合 的映射，而不是 {kind}",
            "invalid arguments: chains must be a mapping chain -> collection of nodes, got {kind}",
        ),
        "records_bad_chain_nodes": (
            "参数无效：chains 的值须为环节名称的集合（set 或图），而不是字符串：{chains}",
            "invalid arguments: chains values must be collections of node names (a set or a "
            "graph), not strings: {chains}",
        ),
        "records_unreadable": ("无法读取 {path!r}：{detail}", "cannot read {path!r}: {detail}"),
        "records_buffer_unreadable": (
            "无法读取上传的数据：{detail}",
            "cannot read the buffer: {detail}",
        ),
        "records_not_a_source": (
            "path_or_buffer 须为路径、字节或类文件对象，而不是 {kind}",
            "path_or_buffer must be a path, bytes or a file-like object, got {kind}",
        ),
        "records_buffer_not_bytes": (
            "buffer.read() 返回了 {kind}，而不是字节",
            "buffer.read() returned {kind}, not bytes",
        ),
        "records_unsupported_type": (
            "不支持的文件类型 {suffix!r}{hint_zh}；支持：{formats}",
            "unsupported file type {suffix!r}{hint_en}; supported: {formats}",
        ),
        "records_undecodable": (
            "无法按 UTF-8 或 GB18030/GBK 解码此文件（第 {byte} 字节）；请另存为“CSV UTF-8”或 GBK CSV",
            "cannot decode the file as UTF-8 or GB18030/GBK (byte {byte}); "
            "save it as 'CSV UTF-8' or GBK CSV",
        ),
        "records_unknown_encoding": (
            "未知的编码 {encoding!r}：请写成例如 utf-8、gb18030、big5",
            "unknown encoding {encoding!r}: use e.g. utf-8, gb18030 or big5",
        ),
        "records_wrong_encoding": (
            "文件不是 {encoding} 编码（第 {byte} 字节无法解码）；请换一种编码",
            "the file is not {encoding} (byte {byte} does not decode); try another encoding",
        ),
        "records_unbalanced_quote": (
            "引号未闭合：第 {line} 行开始的带引号单元格一直延续到第 {end} 行，吞并了看起来像记录的行；"
            "请补上或删除该引号",
            "unbalanced quote: the quoted cell that starts on line {line} runs on to line {end} "
            "and swallows what look like records; close or remove the quote",
        ),
        "records_malformed_csv": (
            "CSV 格式错误，约在第 {line} 行：{detail}",
            "malformed CSV near line {line}: {detail}",
        ),
        "records_workbook_unreadable": (
            "无法打开工作簿：{detail}",
            "cannot open the workbook: {detail}",
        ),
        "records_no_worksheet": ("工作簿中没有工作表", "the workbook has no worksheet"),
        "records_no_such_part": (
            "没有{kind_zh} {wanted!r}；现有{kind_zh}：{names}",
            "no {kind} {wanted!r}; {kind}s are {names}",
        ),
        "records_bad_json": ("不是有效的 JSON：{detail}", "not valid JSON: {detail}"),
        "records_not_features": (
            "GeoJSON 文件须包含点要素的 FeatureCollection（或单个 Feature）",
            "a GeoJSON file must hold a FeatureCollection (or one Feature) of points",
        ),
        "records_geojson_crs": (
            "GeoJSON 的 'crs' 成员 {name!r} 不是已知的坐标参照系",
            "the GeoJSON 'crs' member {name!r} is not a known CRS",
        ),
        "records_geojson_crs_shape": (
            'GeoJSON 的 \'crs\' 成员须为 {{"type": "name", "properties": {{"name": "EPSG:…"}}}}，'
            "找到的是 {found}；RFC 7946 的 GeoJSON 不写 crs（即 WGS-84）",
            'the GeoJSON \'crs\' member must be {{"type": "name", "properties": '
            '{{"name": "EPSG:..."}}}}, found {found}; RFC 7946 GeoJSON has no crs '
            "member (WGS-84)",
        ),
        "records_gpkg_unreadable": (
            "无法打开 GeoPackage：{detail}",
            "cannot open the GeoPackage: {detail}",
        ),
        "records_gpkg_no_layer": ("GeoPackage 中没有图层", "the GeoPackage has no layer"),
        "records_layer_unreadable": (
            "无法读取图层 {layer!r}：{detail}",
            "cannot read layer {layer!r}: {detail}",
        ),
        "records_missing_columns": (
            "缺少必需的列 {missing}（可用的表头——{accepted}）；找到的列：{found}",
            "missing required column(s) {missing} (accepted headers - {accepted}); "
            "columns found: {found}",
        ),
        "records_ambiguous_column": (
            "{field} 由多列给出 {columns}：请删除或改名其中之一，或用 --columns 指定",
            "{field} is given by several columns {columns}: delete or rename one of them, or "
            "choose with --columns",
        ),
        "records_limit": (
            "文件超出上限：{what_zh}多于 {limit}={cap}{where_zh}；如确需导入，请调高上限"
            "（Python 参数 {limit}=…，命令行 {flag} N）",
            "the file has more {what} than the limit {limit}={cap}{where}; raise it if this is "
            "intended ({limit}=... in Python, {flag} N on the command line)",
        ),
        "records_bad_limit": (
            "上限 {limit}={value!r} 无效：须为不小于 1 的整数",
            "limit {limit}={value!r} is invalid: use a whole number >= 1",
        ),
        "records_half_coordinates": (
            "有 {lone} 列却没有 {other} 列（可用的表头——{accepted}）",
            "a {lone} column but no {other} column (accepted headers - {accepted})",
        ),
        "records_output_unit": (
            "列 {header!r} 的单位 {unit!r} 无法换算为万元：可用的单位 {units}；"
            '或用 --columns 指定，如 {{"{header}": "output:元"}}',
            "column {header!r}: unit {unit!r} cannot be converted to 万元 (units: {units}); "
            'or name it with --columns, e.g. {{"{header}": "output:元"}}',
        ),
        "records_columns_shape": (
            "columns 须为 源表头 -> 字段名 的映射（JSON 对象），而不是 {kind}",
            "columns must map source headers to field names (a JSON object), got {kind}",
        ),
        "records_columns_field": (
            "columns：{header!r} -> {field!r} 不是字段名；可用的字段：{valid}",
            "columns: {header!r} -> {field!r} is not a field; fields are {valid}",
        ),
        "records_columns_unit": (
            "columns：{header!r} 的单位 {unit!r} 无效；可用的单位：{units}",
            "columns: unit {unit!r} of {header!r} is not valid; units are {units}",
        ),
        "records_columns_twice": (
            "columns：字段 {field!r} 被多个表头指定（{headers}）",
            "columns: field {field!r} is given to several headers ({headers})",
        ),
        "records_columns_missing_header": (
            "columns 中的表头 {header!r} 不在文件中；找到的列：{found}",
            "columns names the header {header!r}, which is not in the file; columns found: {found}",
        ),
        "records_bad_tolerance": (
            "county_tolerance_km={value!r} 无效：须为不小于 0 的数（公里）",
            "county_tolerance_km={value!r} is invalid: use a number >= 0 (km)",
        ),
        "records_bad_id_scope": (
            "id_scope={value!r} 无效：须为 'table' 或 'year'",
            "id_scope={value!r} is invalid: use 'table' or 'year'",
        ),
        "records_bad_year": (
            "year={value!r} 无效：须为 1900 至 2100 的整数，或不给",
            "year={value!r} is invalid: use a whole number from 1900 to 2100, or None",
        ),
        "records_bad_chain_option": (
            "chain={value!r} 不是产业链代码或名称；可用：{valid}",
            "chain={value!r} is not a chain code or name; valid: {valid}",
        ),
        "records_values_shape": (
            'values 须为 {{"chain": {{取值: 产业链代码}}, "node": {{产业链代码: {{取值: 环节}}}}}}',
            'values must be {{"chain": {{value: chain code}}, "node": {{chain code: '
            "{{value: node id}}}}}}",
        ),
        "records_values_target": (
            "values：{value!r} -> {target!r} 不存在；可用：{valid}",
            "values: {value!r} -> {target!r} does not exist; valid: {valid}",
        ),
        "records_not_a_frame": (
            "df 须为 pandas DataFrame，而不是 {kind}",
            "df must be a pandas DataFrame, got {kind}",
        ),
    }
)


class FirmImportError(ProblemError):
    """A file-level import problem or an invalid argument (row problems never raise).

    A :class:`geo.problems.ProblemError`: ``.problems`` lists every problem found, each with a
    message ``code`` (``records_*``, ``datum_*``, ``crs_*``) and its Chinese and English text.
    """

    subject = ("企业数据导入", "firm import")


def file_problem(code: str, *, argument: str | None = None, **params: Any) -> Problem:
    """The problem ``code`` (registered above) with its parameters."""
    return problem(code, argument=argument, **params)


def fail(code: str, *, argument: str | None = None, **params: Any) -> NoReturn:
    """Raise :class:`FirmImportError` with the one problem ``code``."""
    raise FirmImportError([file_problem(code, argument=argument, **params)])
