"""Labels of the monitoring page, zh and en; merged into :data:`atlas_app.i18n.LABELS`.

Keys start with ``mon_`` so they never clash with the other label tables.
"""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "page_monitor": ("年度监测", "Monitoring"),
    "mon_intro": (
        "同一产业链逐年分析：规模与企业数、增长、区位商变化、偏离-份额分解、企业进入与退出、"
        "环节缺口的出现与补上，以及按同一指标体系的年度评价、排名、预警与退出。",
        "The same chain analysed year by year: size and firm counts, growth, change in LQ, "
        "shift-share, firm entries and exits, chain gaps that open or close, and the yearly "
        "evaluation on one indicator system with ranks, warnings and exits.",
    ),
    "mon_level_county": ("县级", "Counties"),
    "mon_level_city": ("地级市", "Cities"),
    "mon_level_zone_2013": ("规划区 (2013)", "Plan zones, 2013 frame"),
    "mon_level_zone_2020": ("规划区 (2020)", "Plan zones, 2020 frame"),
    "mon_panel": ("多年企业数据", "Firm tables of several years"),
    "mon_panel_help": (
        "上传多个年份的企业表（每年一个文件，或一个含“年份”列的文件）；同一企业按统一社会信用代码"
        "（没有时按企业编号）跨年追踪。年份取自“年份”列，空缺时取文件名中的四位年份。",
        "Upload firm tables of several years (one file per year, or one file with a year "
        "column); a firm is followed across years by its unified social credit code (else its "
        "firm id). The year comes from the year column or, where blank, from the four-digit "
        "year in the file name.",
    ),
    "mon_upload": ("上传企业表 (可多选)", "Upload firm tables (several allowed)"),
    "mon_using_demo": (
        "正在使用演示面板 2019–2024（合成数据，另加无数据的真实龙头企业）；2024 年即演示数据表。",
        "Using the demonstration panel 2019–2024 (synthetic firms plus real anchor firms without "
        "figures); its 2024 table is the demonstration table.",
    ),
    "mon_using_upload": (
        "正在使用上传的面板：{n} 个文件，{years}。",
        "Using the uploaded panel: {n} file(s), {years}.",
    ),
    "mon_import_summary": (
        "读取 {read} 行：接受 {accepted} 行，拒绝 {rejected} 行。",
        "Read {read} rows: {accepted} accepted, {rejected} rejected.",
    ),
    "mon_download_rejects": ("下载被拒绝的行 (CSV)", "Download the rejected rows (CSV)"),
    "mon_m_years": ("监测年份", "Years"),
    "mon_m_value": ("全省规模 {year}", "Province size {year}"),
    "mon_m_firms": ("链上企业 {year}", "Chain firms {year}"),
    "mon_m_gaps": ("缺口 出现/补上 {first}–{last}", "Gaps opened / closed {first}–{last}"),
    "mon_m_warnings": ("{year} 年预警与建议退出", "Warnings and exits {year}"),
    "mon_cagr": ("{base}；{first}–{last} 年均增长 {v}", "{base}; CAGR {first}–{last} {v}"),
    "mon_year": ("年份", "Year"),
    "mon_year_help": (
        "拖动滑块查看各年份的地图、状态变化和排名；颜色分级在所有年份间固定，可直接比较。",
        "Move the slider to see each year's map, status changes and ranking; the colour classes "
        "are fixed over all years, so years compare directly.",
    ),
    "mon_metric": ("地图指标", "Map metric"),
    "mon_metric_value": ("产业链规模", "Chain size"),
    "mon_metric_n_firms": ("链上企业数", "Chain firms"),
    "mon_metric_lq": ("产业链区位商", "Chain LQ"),
    "mon_metric_completeness": ("链条完整度", "Chain completeness"),
    "mon_metric_composite": ("评价综合得分", "Evaluation composite"),
    "mon_map_title": ("{metric} · {chain} · {year}", "{metric} · {chain} · {year}"),
    "mon_warned_layer": ("预警 / 建议退出", "Warning / proposed exit"),
    "mon_fixed_classes": (
        "分级固定于 {first}–{last} 全部年份",
        "Classes fixed over {first}–{last}",
    ),
    "mon_timeline": ("各区域时间线", "Timeline by region"),
    "mon_timeline_note": (
        "规模最大的区域及 {year} 年有预警的区域，每格一个区域；竖线为所选年份。",
        "The largest regions and those with a warning in {year}, one panel per region; the "
        "vertical rule marks the chosen year.",
    ),
    "mon_transitions": ("环节状态变化", "Node status transitions"),
    "mon_transitions_year": ("{year} 年的变化", "Changes in {year}"),
    "mon_transitions_all": ("显示所有年份", "Show every year"),
    "mon_no_transitions": ("{year} 年没有环节状态变化。", "No node status changed in {year}."),
    "mon_first_year": (
        "{year} 年是第一年，没有可比较的上一年。",
        "{year} is the first year: there is no earlier year to compare with.",
    ),
    "mon_kind_gap_opened": ("出现缺口", "gap opened"),
    "mon_kind_gap_closed": ("缺口补上", "gap closed"),
    "mon_kind_became_strong": ("转为强", "became strong"),
    "mon_kind_lost_strength": ("不再为强", "lost strength"),
    "mon_col_year": ("年份", "Year"),
    "mon_col_region": ("区域", "Region"),
    "mon_col_node": ("环节", "Node"),
    "mon_col_change": ("变化", "Change"),
    "mon_col_from": ("原状态", "From"),
    "mon_col_to": ("新状态", "To"),
    "mon_col_reason": ("原因", "Reason"),
    "mon_col_firms": ("涉及企业", "Firms"),
    "mon_col_rank": ("{year} 排名", "Rank {year}"),
    "mon_col_rank_change": ("名次变化", "Rank change"),
    "mon_col_composite": ("综合得分", "Composite"),
    "mon_col_run": ("连续在预警区年数", "Years in band running"),
    "mon_col_verdict": ("结论", "Verdict"),
    "mon_ranking": ("年度评价排名", "Yearly evaluation ranking"),
    "mon_rule": ("预警与退出规则：{rule}", "Warning and exit rule: {rule}"),
    "mon_rule_source": (
        "阈值来自 {source}；指标体系与“评价指数”页相同（{indicators}）。只评价当年有该产业链企业的区域。",
        "Thresholds from {source}; the indicator system is that of the evaluation page "
        "({indicators}). Only regions with a firm of the chain that year are evaluated.",
    ),
    "mon_warnings": ("{year} 年预警", "Warnings in {year}"),
    "mon_no_warnings": (
        "{year} 年没有区域处于预警区。",
        "No region is in the warning band in {year}.",
    ),
    "mon_verdict_ok": ("正常", "ok"),
    "mon_verdict_watch": ("关注", "watch"),
    "mon_verdict_warning": ("预警", "warning"),
    "mon_verdict_exit": ("建议退出", "proposed for exit"),
    "mon_growth": (
        "增长与偏离-份额分解 ({first}–{last})",
        "Growth and shift-share ({first}–{last})",
    ),
    "mon_growth_note": (
        "偏离-份额（Dunn 1960）：变化 = 全省份额 + 产业结构 + 区域竞争；单位同测度基础。",
        "Shift-share (Dunn 1960): change = provincial share + industry mix + regional shift; "
        "in the unit of the measure.",
    ),
    "mon_col_value_start": ("{year} 规模", "Size {year}"),
    "mon_col_value_end": ("{year} 规模", "Size {year}"),
    "mon_col_firms_change": ("企业数", "Firms"),
    "mon_col_cagr": ("年均增长", "CAGR"),
    "mon_col_lq_change": ("区位商变化", "LQ change"),
    "mon_col_ps": ("全省份额", "Provincial share"),
    "mon_col_im": ("产业结构", "Industry mix"),
    "mon_col_rs": ("区域竞争", "Regional shift"),
    "mon_col_entries": ("进入/退出", "Entries / exits"),
    "mon_download_xlsx": ("下载监测结果 (XLSX)", "Download the monitoring results (XLSX)"),
    "mon_download_csv": ("下载逐年数据 (CSV)", "Download the by-year table (CSV)"),
}
