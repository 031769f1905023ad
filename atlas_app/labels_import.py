"""Labels of the data-import page, zh and en; merged into :data:`atlas_app.i18n.LABELS`.

Keys start with ``imp_`` so they never clash with the other label tables. Field names, reason
and note codes are shown through these labels, never raw, on the Chinese page.
"""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "imp_sheet": ("工作表", "Sheet"),
    "imp_sheet_help": (
        "默认读取 Excel 打开时显示的工作表；可在此改选。",
        "By default the sheet Excel opens on is read; choose another here.",
    ),
    "imp_mapping": ("第 1 步：核对列的对应关系", "Step 1: check how the columns are read"),
    "imp_mapping_help": (
        "每一列的猜测如下；如有不对，请改选。需要企业名称或企业编号，以及坐标、行政区划代码、区县或地址之一。",
        "Each column's guess is shown; change any that is wrong. The file needs a firm name or "
        "id, and coordinates, an adcode, a county or an address.",
    ),
    "imp_header_row": (
        "表头在第 {row} 行，下面有 {n} 行数据。",
        "Header on row {row}, {n} data rows below it.",
    ),
    "imp_column": ("文件中的列", "Column in the file"),
    "imp_field": ("读作", "Read as"),
    "imp_ignore": ("（不使用，原样保留）", "(not used; kept as it is)"),
    "imp_save_mapping": ("保存列对应关系 (JSON)", "Save the column mapping (JSON)"),
    "imp_load_mapping": ("载入已保存的列对应关系 (JSON)", "Load a saved column mapping (JSON)"),
    "imp_mapping_bad": ("无法读取此对应关系文件：{msg}", "This mapping file cannot be read: {msg}"),
    "imp_guess_failed": ("无法读取此文件：{msg}", "This file cannot be read: {msg}"),
    "imp_step_import": ("第 2 步：导入", "Step 2: import"),
    "imp_by_location": ("按定位方式统计", "Count by how firms are located"),
    "imp_quality": ("定位方式", "Located by"),
    "imp_units": ("数值单位", "Units"),
    "imp_unit_line": (
        "{header}：{unit}，换算为万元 ×{factor}",
        "{header}: {unit}, converted to 10k yuan ×{factor}",
    ),
    "imp_unit_assumed": (
        "{header}：表头没有单位，按万元读取",
        "{header}: no unit in the header, read as 10k yuan",
    ),
    "imp_unit_yuan": ("元", "yuan"),
    "imp_unit_k_yuan": ("千元", "1,000 yuan"),
    "imp_unit_10k_yuan": ("万元", "10k yuan"),
    "imp_unit_m_yuan": ("百万元", "million yuan"),
    "imp_unit_10m_yuan": ("千万元", "10 million yuan"),
    "imp_unit_100m_yuan": ("亿元", "100 million yuan"),
    "imp_map_value": ("“{value}”对应为", "Map “{value}” to"),
    "imp_encoding": ("文字编码：{encoding}", "Text encoding: {encoding}"),
    "imp_big5": (
        "此文件按 GB18030 解码，但看起来像繁体 Big5 编码；如企业名称显示为乱码，请在下方选择 Big5 后重新导入。",
        "The file was decoded as GB18030 but looks like Big5; if names look garbled, choose "
        "Big5 below and import again.",
    ),
    "imp_encoding_pick": ("文字编码", "Text encoding"),
    "imp_encoding_auto": ("自动识别", "Detect"),
    "imp_unknown": (
        "第 3 步：未识别的产业链和环节取值",
        "Step 3: chain and node values that were not recognised",
    ),
    "imp_unknown_help": (
        "为每个取值选择对应的产业链或环节，然后重新导入；对应关系会记入导入摘要，也可保存后再次使用。",
        "Choose the chain or node each value means, then import again; the mapping goes into "
        "the summary and can be saved and reused.",
    ),
    "imp_value": ("文件中的取值", "Value in the file"),
    "imp_kind_chain": ("产业链", "Chain"),
    "imp_kind_node": ("{chain} 的环节", "Node of {chain}"),
    "imp_map_to": ("对应到", "Means"),
    "imp_leave": ("（保持拒绝）", "(leave rejected)"),
    "imp_rerun": ("按这些对应关系重新导入", "Import again with these values"),
    "imp_save_values": ("保存取值对应关系 (JSON)", "Save the value mapping (JSON)"),
    "imp_values_used": ("已使用的取值对应：{n} 个", "Value mappings used: {n}"),
    "imp_note": ("说明", "Notes"),
    "imp_located": ("定位", "Location"),
    "imp_progress": ("正在导入：{pct}%", "Importing: {pct}%"),
    # field names (the importer's codes) as users read them
    "imp_f_firm_id": ("企业编号 / 统一社会信用代码", "Firm id / credit code"),
    "imp_f_name": ("企业名称", "Firm name"),
    "imp_f_lon": ("经度", "Longitude"),
    "imp_f_lat": ("纬度", "Latitude"),
    "imp_f_chain": ("产业链", "Chain"),
    "imp_f_node": ("产业链环节", "Chain node"),
    "imp_f_employees": ("从业人员", "Employees"),
    "imp_f_output": ("产值 / 营业收入", "Output / revenue"),
    "imp_f_adcode": ("行政区划代码", "Adcode"),
    "imp_f_year": ("年份", "Year"),
    "imp_f_county": ("所属区县", "County"),
    "imp_f_city": ("所属城市", "City"),
    "imp_f_address": ("地址", "Address"),
    "imp_f_industry_code": ("国民经济行业代码", "Industry code (GB/T 4754)"),
    # location qualities
    "imp_q_exact": ("坐标（精确点）", "Coordinates (exact point)"),
    "imp_q_county": ("区县代表点（按区划代码或区县名）", "County point (adcode or county name)"),
    "imp_q_address": ("区县代表点（按地址）", "County point (from the address)"),
}
