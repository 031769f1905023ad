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
            "{field} 由多列给出 {columns}",
            "{field} is given by several columns {columns}",
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
