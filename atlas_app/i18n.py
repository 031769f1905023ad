"""Every label, legend and message of the app in Chinese and English.

``t(key, lang, **fields)`` returns the text in ``lang``; the table is checked by the tests so a
key never lacks one of the two languages. Data values (names, codes) are inserted by the caller
and never formatted as markup here.

The table is assembled from page groups (``labels_*.py``) and from the map's own catalogue
(:data:`geo.maps.WORDS`: node statuses, classification schemes, cluster programmes, location
quality, basemaps …), and layer titles come from :data:`geo.layers.LAYER_INFO` — one source
for each word, so a code reads the same on the map, in a table and in the CLI.

One language at a time: :func:`name` gives a name in the chosen language (the other
language's only when that one is missing) and :func:`code_label` a code as its name.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["LABELS", "LANGS", "code_label", "has_label", "name", "name_both", "t"]

LANGS: tuple[str, ...] = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    # shell
    "app_title": ("山东产业集群布局图谱", "Shandong Cluster Atlas"),
    "app_caption": (
        "规划框架、高新区、产业集群与产业链——离线可用",
        "Plan frames, high-tech zones, clusters and supply chains — works offline",
    ),
    "language": ("语言", "Language"),
    "page": ("页面", "Page"),
    "page_map": ("地图浏览", "Map explorer"),
    "page_chain": ("产业链", "Chain view"),
    "page_coverage": ("覆盖检查", "Coverage"),
    "page_data": ("数据导入", "Data import"),
    "page_export": ("导出", "Export"),
    "page_scenario": ("情景模拟", "Scenarios"),
    "page_siting": ("选址", "Siting"),
    "page_opportunities": ("机会排序", "Opportunities"),
    "page_evaluation": ("评价指数", "Evaluation index"),
    "page_report": ("规划成果", "Reports"),
    "selected_region": ("已选区域", "Selected region"),
    "no_region": ("全省 (未选区域)", "Whole province (no region selected)"),
    "clear_region": ("清除选择", "Clear selection"),
    "region_default_note": (
        "尚未选择区域：先显示所选产业链完整度最低的地级市，可改选其他区域或全省。",
        "No region chosen yet: showing the city where the chosen chain is least complete; pick "
        "another region or the whole province.",
    ),
    "error_friendly": (
        "出现了问题，本页未能完成。请调整选项后重试；如果问题持续，请把错误编号 {ref} 告知管理员。",
        "Something went wrong and this page could not finish. Adjust the options and try again; "
        "if it persists, give the administrator the error reference {ref}.",
    ),
    "pending_api": (
        "此功能所需的分析模块 ({module}) 尚未安装在本版本中。",
        "The analysis module this page needs ({module}) is not available in this build.",
    ),
    # banners
    "banner_demo": (
        "演示数据：企业为可复现的合成演示企业（均已标注）和真实龙头企业（无就业、产值数据），数字仅供演示，"
        "不代表真实企业。可在“数据导入”页换用您自己的企业数据。",
        "Demonstration data: reproducible synthetic firms (each labelled) plus real anchor firms "
        "(no employment or output figures); figures are for demonstration only and describe no "
        "real firm. Use your own firms on the Data import page.",
    ),
    "banner_user": (
        "正在使用上传的企业数据：{name} ({n} 家企业)。",
        "Using uploaded firm data: {name} ({n} firms).",
    ),
    "use_demo": ("改用演示数据", "Switch back to demonstration data"),
    # map page
    "basemap": ("底图", "Basemap"),
    "basemap_note": (
        "在线底图需要互联网；无底图时完全离线。高德底图为 GCJ-02 坐标，所有叠加层已随之转换以便对齐。",
        "Online basemaps need the internet; with none the map is fully offline. Amap tiles are in "
        "GCJ-02, so every overlay is shifted to GCJ-02 to line up.",
    ),
    "layers": ("图层", "Layers"),
    "firms_mode": ("企业显示方式", "Firms drawn as"),
    "firms_auto": ("自动", "Automatic"),
    "firms_markers": ("聚合点", "Clustered markers"),
    "firms_heat": ("热力图", "Heat layer"),
    "choropleth": ("分级设色", "Choropleth"),
    "metric": ("指标", "Metric"),
    "metric_none": ("不设色", "None"),
    "level": ("区域级别", "Region level"),
    "level_county": ("县级", "County"),
    "level_city": ("地级市", "City"),
    "level_province": ("全省", "Province"),
    "level_zone": ("规划区", "Plan zone"),
    "scheme": ("分类方法", "Classification scheme"),
    "classes": ("分级数", "Classes"),
    "m_completeness": ("产业链完整度 (所选产业链)", "Chain completeness (chosen chain)"),
    "m_area_km2": ("面积 (平方公里)", "Area (km²)"),
    "m_n_clusters": ("集群记录数", "Cluster records"),
    "m_n_htz": ("高新区数", "High-tech zones"),
    "m_n_zones": ("所属规划区数 (2013)", "Plan zones it belongs to (2013)"),
    "m_n_firms": ("企业数", "Firms"),
    "m_employees": ("从业人数", "Employees"),
    "m_output": ("产值 (万元)", "Output (10k yuan)"),
    "map_region_pick": (
        "选择区域 (或在地图上点击县/市)",
        "Select a region (or click a county or city on the map)",
    ),
    "map_click_hint": (
        "在地图上点击县或地级市可将其选为其他页面的分析区域；拖动、缩放不会刷新页面。",
        "Click a county or city on the map to select it for the other pages; panning and zooming do not reload the page.",
    ),
    "map_counts": ("{layers} 个图层 · {features} 个要素", "{layers} layers · {features} features"),
    "region_info": ("区域信息", "Region details"),
    "name": ("名称", "Name"),
    "code": ("代码", "Code"),
    "value": ("数值", "Value"),
    # chain page
    "chain": ("产业链", "Industry chain"),
    "region": ("区域", "Region"),
    "base": ("测度基础", "Measure"),
    "analysing": ("正在分析…", "Analysing…"),
    "base_employees": ("从业人数", "Employment"),
    "base_output": ("产值", "Output"),
    "base_firms": ("企业数", "Firm count"),
    "completeness": ("产业链完整度", "Chain completeness"),
    "n_strong": ("强环节", "Strong nodes"),
    "n_weak": ("弱环节", "Weak nodes"),
    "n_missing": ("缺失环节", "Missing nodes"),
    "n_broken": ("断链环节", "Broken nodes"),
    "stage_upstream": ("上游", "Upstream"),
    "stage_midstream": ("中游", "Midstream"),
    "stage_downstream": ("下游", "Downstream"),
    "stage_support": ("支撑", "Support"),
    "chain_graph": (
        "产业链图 (按环节阶段排列，颜色表示状态，悬停查看原因)",
        "Chain graph (by stage; colour = status; hover for the reason)",
    ),
    "gap_map": (
        "缺口地图：缺失环节最近的来源地区与企业",
        "Gap map: nearest regions and firms that have the missing nodes",
    ),
    "leading_firms": ("龙头企业", "Leading firms"),
    "supporting_firms": ("配套企业", "Supporting firms"),
    "strengths": ("优势环节", "Strengths"),
    "gaps": ("缺口环节", "Gaps"),
    "sourcing": ("补链来源", "Sourcing targets"),
    "bottlenecks": ("瓶颈环节", "Bottlenecks"),
    "no_gaps": ("该区域此产业链没有缺失环节。", "This chain has no missing nodes in this region."),
    "no_firms_region": ("该区域没有此产业链的企业。", "No firms of this chain in this region."),
    "no_strengths": ("该区域此产业链没有强环节。", "This chain has no strong node in this region."),
    "no_sourcing": (
        "没有需要补链来源的环节（全部为强环节）。",
        "No node needs sourcing here (every node is strong).",
    ),
    "no_bottlenecks": (
        "该区域此产业链没有瓶颈环节。",
        "This chain has no bottleneck in this region.",
    ),
    "gap_map_note": (
        "虚线连接本区域与最近的、有该缺失环节的地区和企业；地图已缩放到所选区域，缩小可看到全部来源。",
        "Dashed lines join the region to the nearest regions and firms that have each missing "
        "node; the map is zoomed to the region — zoom out to see every source.",
    ),
    "node": ("环节", "Node"),
    "stage": ("阶段", "Stage"),
    "status": ("状态", "Status"),
    "reason": ("原因", "Reason"),
    "lq": ("区位商", "Location quotient"),
    "n_firms": ("企业数", "Firms"),
    "distance_km": ("距离 (公里)", "Distance (km)"),
    "firm": ("企业", "Firm"),
    "download_chain": ("下载本产业链结果 (XLSX)", "Download this chain's results (XLSX)"),
    # coverage page
    "frame": ("规划框架", "Plan frame"),
    "frame_2013": ("两区一圈一带（2013）", "Two zones, one circle, one belt (2013)"),
    "frame_2020": ("一群两心三圈（2020）", "One cluster, two hearts, three circles (2020)"),
    "matrix": ("规划区 × 产业集群矩阵", "Zone × cluster matrix"),
    "compliance": ("2015 年重点集群布局核对", "2015 focus-cluster compliance"),
    "uncovered": ("无集群或未纳入规划区的县", "Counties without coverage"),
    "targets": ("目标进展", "Target progress"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_xlsx": ("下载 XLSX", "Download XLSX"),
    "download_all_xlsx": ("全部覆盖检查结果 (XLSX)", "All coverage results (XLSX)"),
    "counts": ("各规划区按计划类别的集群数", "Clusters per zone and programme"),
    "relation": ("关系", "Relation"),
    "rel_in": ("全部承载地在区内", "every host unit inside"),
    "rel_partly": ("部分在区内", "partly inside"),
    "rel_none": ("不在区内", "not inside"),
    "compliance_yes": ("符合", "Complies"),
    "compliance_partly": ("部分符合", "Partly complies"),
    "compliance_no": ("不符合", "Does not comply"),
    "compliance_unknown": ("无法判断", "Cannot tell"),
    "target_met": ("已达成", "Met"),
    "target_not_met": ("未达成", "Not met"),
    "target_no_data": ("无数据", "No data"),
    "uncovered_note": (
        "{n} 个县既不是任何集群的县级承载地，也没有高新区（“仅落到地级市的集群记录数”为只定位到该县所在地级市的集群记录）。",
        "{n} counties host no cluster at county level and no high-tech zone (“records placed "
        "only at the city” counts cluster records located only at the county's city).",
    ),
    "target_note_no_data": (
        "事实库中没有集群产值数据",
        "no cluster output figures in the fact base",
    ),
    "target_note_outcome": ("结果见《{document}》", "outcome stated in {document}"),
    "rows": ("{n} 行", "{n} rows"),
    "rows_col": ("行数", "Rows"),
    # data page
    "upload": (
        "上传企业文件 (CSV / XLSX / GeoJSON / GeoPackage)",
        "Upload a firm file (CSV / XLSX / GeoJSON / GeoPackage)",
    ),
    "upload_help": (
        "中文或英文表头均可（如 企业名称、统一社会信用代码、经度/纬度、所属区县、注册地址、所属产业链、产业链环节、"
        "从业人员、营业收入(万元)、国民经济行业代码）。需要企业名称或编号，以及坐标、区划代码、区县或地址之一。",
        "Chinese or English headers (e.g. firm name, unified social credit code, lon/lat, county, "
        "registered address, chain, node, employees, revenue (10k yuan), industry code). A firm "
        "name or id is needed, and coordinates, an adcode, a county or an address.",
    ),
    "datum": ("坐标基准", "Coordinate datum"),
    "datum_wgs84": ("WGS-84 (GPS)", "WGS-84 (GPS)"),
    "datum_cgcs2000": ("CGCS2000 (国家2000)", "CGCS2000"),
    "datum_gcj02": ("GCJ-02 (高德/腾讯)", "GCJ-02 (Amap/Tencent)"),
    "datum_bd09": ("BD-09 (百度)", "BD-09 (Baidu)"),
    "import": ("导入", "Import"),
    "importing": ("正在导入…", "Importing…"),
    "imported": (
        "导入完成：读取 {read} 行，接受 {accepted} 行，拒绝 {rejected} 行。",
        "Import finished: {read} rows read, {accepted} accepted, {rejected} rejected.",
    ),
    "import_failed": ("无法导入此文件：{msg}", "This file cannot be imported: {msg}"),
    "accepted_preview": ("已接受的企业 (前 {n} 行)", "Accepted firms (first {n} rows)"),
    "rejected_preview": (
        "被拒绝的行及原因 (前 {n} 行)",
        "Rejected rows with reasons (first {n} rows)",
    ),
    "download_rejects": ("下载被拒绝的行 (CSV)", "Download the rejected rows (CSV)"),
    "by_reason": ("按原因统计", "Count by reason"),
    "use_upload": ("在所有页面使用这些企业", "Use these firms on every page"),
    "using_upload": ("所有页面已改用上传的企业数据。", "Every page now uses the uploaded firms."),
    "current_firms": ("当前企业数据", "Firm data in use"),
    "current_firms_is": ("当前企业数据：{name}", "Firm data in use: {name}"),
    "read": ("读取", "Read"),
    "accepted": ("接受", "Accepted"),
    "rejected": ("拒绝", "Rejected"),
    # export page
    "export_what": ("要导出的内容", "What to export"),
    "export_format": ("格式", "Format"),
    "export_prepare": ("生成文件", "Prepare file"),
    "export_download": ("下载 {fmt} 文件", "Download the {fmt} file"),
    "export_preview_note": (
        "预览显示前 10 行的主要字段；文件包含全部字段，字段名为英文代码（便于 QGIS 和脚本读取）。",
        "The preview shows the main fields of the first 10 rows; the file holds every field, "
        "named by its code (as QGIS and scripts read them).",
    ),
    "export_note": (
        "GeoJSON 遵循 RFC 7946 (WGS-84)；GeoPackage 可在 QGIS 中打开；CSV/XLSX 单元格已防公式注入。",
        "GeoJSON follows RFC 7946 (WGS-84); the GeoPackage opens in QGIS; CSV/XLSX cells are "
        "protected against formula injection.",
    ),
    "export_table_only": (
        "此项为表格，不能导出为 {fmt}；已改用 CSV。",
        "This item is a table and has no {fmt} form; CSV is used instead.",
    ),
    "ex_layer": ("图层：{title}", "Layer: {title}"),
    "ex_firms": ("企业 (当前数据)", "Firms (data in use)"),
    "ex_all_layers": ("全部图层 (一个 GeoPackage)", "All layers (one GeoPackage)"),
    "ex_chain_nodes": (
        "产业链环节状态：{chain} / {region}",
        "Chain node status: {chain} / {region}",
    ),
    "ex_chain_sourcing": ("补链来源：{chain} / {region}", "Sourcing targets: {chain} / {region}"),
    "ex_matrix": ("规划区 × 集群矩阵 ({frame})", "Zone × cluster matrix ({frame})"),
    "ex_compliance": ("2015 重点集群核对", "2015 focus-cluster compliance"),
    "ex_uncovered": ("无覆盖的县", "Counties without coverage"),
    "ex_targets": ("目标进展", "Target progress"),
    "ex_import_rejects": ("上次导入被拒绝的行", "Rows rejected by the last import"),
    "features": ("{n} 个要素", "{n} features"),
}


def _merge(*tables: dict[str, tuple[str, str]]) -> None:
    """Add the label tables of page groups to :data:`LABELS`; a key defined twice is a bug."""
    for table in tables:
        clash = sorted(set(table) & set(LABELS))
        if clash:
            raise KeyError(f"labels defined twice: {clash}")
        LABELS.update(table)


def _layer_titles() -> dict[str, tuple[str, str]]:
    from geo.layers import LAYER_INFO

    return {f"layer_{name}": (zh, en) for name, (zh, en, _) in LAYER_INFO.items()}


from atlas_app.labels_import import LABELS as _IMPORT  # noqa: E402
from atlas_app.labels_monitor import LABELS as _MONITOR  # noqa: E402
from atlas_app.labels_planning import LABELS as _PLANNING  # noqa: E402
from atlas_app.labels_scenario import LABELS as _SCENARIO  # noqa: E402
from atlas_app.labels_shell import LABELS as _SHELL  # noqa: E402
from atlas_app.labels_tables import LABELS as _TABLES  # noqa: E402
from geo.maps.words import WORDS as _MAP_WORDS  # noqa: E402

_merge(
    _SCENARIO,
    _PLANNING,
    _MONITOR,
    _IMPORT,
    _TABLES,
    _SHELL,
    dict(_MAP_WORDS),
    _layer_titles(),
)


def t(key: str, lang: str = "zh", **fields: Any) -> str:
    """Text of ``key`` in ``lang`` (``"zh"`` or ``"en"``), with ``{fields}`` filled in.

    An unknown key raises ``KeyError`` (a missing label is a bug, not something to hide).
    """
    zh, en = LABELS[key]
    text = zh if lang == "zh" else en
    return text.format(**fields) if fields else text


def has_label(key: str) -> bool:
    """True when ``key`` is in the label table."""
    return key in LABELS


def _text(v: Any) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return ""
    return str(v).strip()


def name(zh: Any, en: Any, lang: str = "zh") -> str:
    """A name in ``lang``; the other language's when that one is missing: ``"历下区"``.

    The same rule as the maps (:func:`geo.maps.name_in`, which also drops an English working
    note from the end of a Chinese name).
    """
    from geo.maps import name_in

    return name_in(zh, en, lang)


def name_both(zh: Any, en: Any, lang: str = "zh") -> str:
    """Deprecated alias of :func:`name` (the app shows one language at a time since #16)."""
    return name(zh, en, lang)


def code_label(domain: str, code: Any, lang: str = "zh") -> str:
    """A code as its name: ``t(f"{domain}_{code}")`` when labelled, else the code itself.

    >>> code_label("status", "missing", "zh"), code_label("stage", "upstream", "en")
    ('缺失', 'Upstream')
    """
    key = f"{domain}_{code}"
    return t(key, lang) if key in LABELS else _text(code)
