"""Labels of the siting, opportunities, evaluation and report pages, zh and en; merged into :data:`atlas_app.i18n.LABELS`.

Keys start with ``pl_`` (shared), ``sit_`` (siting), ``opp_`` (opportunities), ``ev_``
(evaluation) or ``rep_`` (report) so they never clash with the other label tables.
"""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # shared
    "pl_rank": ("排名", "Rank"),
    "pl_problems": (
        "输入有 {n} 个问题，请逐条修改：",
        "The input has {n} problem(s); fix each of them:",
    ),
    "pl_problem": ("问题", "Problem"),
    "pl_zone_note": (
        "规划区只用于选址、机会、评价和规划成果页；其他页面仍使用侧栏中的已选区域。",
        "A plan zone applies to the siting, opportunities, evaluation and report pages; the other pages keep "
        "the region shown in the sidebar.",
    ),
    # siting
    "sit_node": (
        "要布局的环节 (缺失/断链环节排在前面)",
        "Node to site (missing and broken nodes first)",
    ),
    "sit_node_help": (
        "列表按本区域的环节状态排序：断链、缺失、弱、强。",
        "Listed by the node's status in this region: broken, missing, weak, strong.",
    ),
    "sit_gaps_here": (
        "本区域此产业链有 {n} 个缺失或断链环节。",
        "This chain has {n} missing or broken node(s) in this region.",
    ),
    "sit_weights": ("评分权重与距离衰减", "Score weights and distance decay"),
    "sit_s_neighbours": ("相邻环节", "Neighbouring nodes"),
    "sit_s_htz": ("高新区", "High-tech zone"),
    "sit_s_buyers": ("靠近买方", "Near buyers"),
    "sit_s_suppliers": ("靠近供应商", "Near suppliers"),
    "sit_decay": ("距离衰减 (公里)", "Distance decay (km)"),
    "sit_formula": (
        "得分 = Σ 权重 × 分项 / Σ 权重。相邻环节 = 本县已有的上下游相邻环节占比；高新区 = 本县有国家或省级高新区为 1；"
        "靠近买方/供应商 = exp(−最近下游/上游企业的大地线距离 / 衰减距离)，衰减 50 公里时 50 公里外为 0.37。"
        "无法测量的距离项对所有候选县都记 0，不改变排序。",
        "Score = Σ weight × part / Σ weight. Neighbouring nodes = share of the node's supplier and buyer nodes "
        "already in the county; high-tech zone = 1 if the county hosts a national or provincial zone; near "
        "buyers/suppliers = exp(−geodesic km to the nearest buyer/supplier firm / decay), so with a 50 km decay a "
        "firm 50 km away gives 0.37. A distance part that cannot be measured scores 0 for every candidate and "
        "leaves the ranking unchanged.",
    ),
    "sit_candidates": ("候选县评分：{node}", "Candidate counties for {node}"),
    "sit_n_candidates": ("候选县数", "Candidate counties"),
    "sit_best": ("得分最高", "Best candidate"),
    "sit_best_score": ("最高得分", "Best score"),
    "sit_county": ("县级行政区", "County"),
    "sit_score": ("选址得分", "Siting score"),
    "sit_neighbours_present": ("本县已有的相邻环节", "Neighbouring nodes present"),
    "sit_htz_names": ("高新区名称", "High-tech zones"),
    "sit_dist_buyers": ("最近买方 (公里)", "Nearest buyer (km)"),
    "sit_dist_suppliers": ("最近供应商 (公里)", "Nearest supplier (km)"),
    "sit_n_at_node": ("本县该环节已有企业", "Firms already at the node"),
    "sit_download": ("下载候选县评分 (CSV)", "Download the candidate scores (CSV)"),
    "sit_layer_top": ("得分前三的候选县", "Top 3 candidates"),
    "sit_layer_chosen": ("选中的县", "Chosen counties"),
    "sit_layer_demand": ("需求企业", "Demand firms"),
    "sit_layer_sources": ("新址 (县代表点)", "New sites (county points)"),
    "sit_layer_sourcing": ("需求企业 → 服务新址", "Demand firm → serving site"),
    "sit_k_title": (
        "新建 k 个站点：p-中位与最大覆盖",
        "k new sites: p-median and maximal covering",
    ),
    "sit_k_note": (
        "需求 = 该环节下游买方环节的已定位企业 (终端产品则用上游供应环节)，按测度基础加权；候选 = 本区域的候选县；"
        "成本 = 大地线距离 (公里)。p-中位最小化加权总距离 (Hakimi 1964)；最大覆盖在服务半径内覆盖最多需求 "
        "(Church & ReVelle 1974)；用 PySAL spopt 求解。",
        "Demand = located firms at the node's buyer nodes (its supplier nodes for a final product), weighted by the "
        "measure; candidates = the region's candidate counties; cost = geodesic km. p-median minimises the total "
        "weighted distance (Hakimi 1964); maximal covering covers the most demand within the service radius "
        "(Church & ReVelle 1974); solved with PySAL spopt.",
    ),
    "sit_k": ("站点数 k", "Number of sites k"),
    "sit_k_one": ("只有一个候选县：k = 1。", "Only one candidate county: k = 1."),
    "sit_radius": ("服务半径 (公里)", "Service radius (km)"),
    "sit_scope": ("需求范围", "Demand from"),
    "sit_scope_province": ("全省", "Whole province"),
    "sit_scope_region": ("仅本区域", "This region only"),
    "sit_map_method": ("地图显示", "Map shows"),
    "sit_method": ("方法", "Method"),
    "sit_method_p-median": ("p-中位", "p-median"),
    "sit_method_mclp": ("最大覆盖", "Maximal covering"),
    "sit_chosen": ("选中的县", "Chosen counties"),
    "sit_objective": ("目标值", "Objective"),
    "sit_objective_unit": ("目标含义", "Objective is"),
    "sit_objective_p-median": (
        "加权总距离 (权重 × 公里，越小越好)",
        "total weighted distance (weight × km, lower is better)",
    ),
    "sit_objective_mclp": (
        "半径内覆盖的需求权重 (越大越好)",
        "demand weight covered within the radius (higher is better)",
    ),
    "sit_covered_weight": ("覆盖的需求权重占比", "Covered share of demand weight"),
    "sit_covered_firms": ("覆盖的需求企业占比", "Covered share of demand firms"),
    "sit_n_demand": ("需求企业数", "Demand firms"),
    "sit_demand_weight": ("服务的需求权重", "Demand weight served"),
    "sit_covered_weight_abs": ("半径内覆盖的权重", "Weight covered within the radius"),
    "sit_mean_km": ("加权平均距离 (公里)", "Weighted mean distance (km)"),
    "sit_demand_buyers": ("下游买方", "buyers"),
    "sit_demand_suppliers": ("上游供应商", "suppliers"),
    "sit_demand_is": (
        "需求：{kind} 环节 {nodes} 的 {n} 家已定位企业。",
        "Demand: {n} located firm(s) at the {kind} node(s) {nodes}.",
    ),
    "sit_solving": ("正在求解…", "Solving…"),
    "sit_zero_weights": (
        "需求企业在所选测度上都为 0 或缺失，任何选址都同样最优；可改用“企业数”测度。",
        "Every demand firm has 0 or no figure on the chosen measure, so any site is optimal; use the firm-count measure.",
    ),
    "sit_download_sites": ("下载 k 个站点的结果 (CSV)", "Download the k-site results (CSV)"),
    # opportunities
    "opp_attr_kind": ("吸引力", "Attractiveness"),
    "opp_attr_reach": ("可供给的终端产品", "Final products fed"),
    "opp_attr_size": ("全省规模", "Province-wide size"),
    "opp_attr_note_reach": (
        "吸引力 = 该环节可供给的本链终端产品数 / 本链终端产品总数。",
        "Attractiveness = final products of its chain the node feeds / all final products of the chain.",
    ),
    "opp_attr_note_size": (
        "吸引力 = 该环节全省规模 / 最大环节的全省规模 (按测度基础)。",
        "Attractiveness = the node's province-wide size / that of the largest node (on the measure).",
    ),
    "opp_chains": ("只排这些产业链的环节", "Rank nodes of these chains only"),
    "opp_all_chains": ("全部产业链", "All chains"),
    "opp_n_present": (
        "本区域已专业化的环节 (RCA ≥ 1)",
        "Nodes the region specialises in (RCA ≥ 1)",
    ),
    "opp_n_ranked": ("待发展环节", "Nodes ranked"),
    "opp_top": ("首选", "Top opportunity"),
    "opp_formula": (
        "邻近度 φ(i,j) = min(P(i|j), P(j|i)) = 同时专业化于 i 和 j 的县数 / max(专业化于 i 的县数, 专业化于 j 的县数)，"
        "在全省 136 个县上估计 (Hidalgo 等 2007)；专业化 = 区位商 RCA ≥ 1。密度 ω(r,i) = Σ_j M(r,j)·φ(i,j) / Σ_j φ(i,j)，"
        "即该环节的关联中本区域已具备的份额 (Hausmann & Hidalgo 2011)。可行性 = ω；机会 = 可行性 × 吸引力。",
        "Proximity φ(i,j) = min(P(i|j), P(j|i)) = counties specialised in both i and j / max(counties specialised "
        "in i, in j), estimated over the 136 counties (Hidalgo et al. 2007); specialised = RCA ≥ 1. Density "
        "ω(r,i) = Σ_j M(r,j)·φ(i,j) / Σ_j φ(i,j), the share of the node's relatedness the region already has "
        "(Hausmann & Hidalgo 2011). Feasibility = ω; opportunity = feasibility × attractiveness.",
    ),
    "opp_item": ("环节代码", "Item"),
    "opp_feasibility": ("可行性 (密度 ω)", "Feasibility (density ω)"),
    "opp_attractiveness": ("吸引力", "Attractiveness"),
    "opp_score": ("机会得分", "Opportunity"),
    "opp_rca": ("区位商 RCA", "RCA"),
    "opp_related": ("最相关的已有环节 (φ)", "Closest nodes present (φ)"),
    "opp_heat_title": ("环节间的邻近度 φ", "Proximity φ between nodes"),
    "opp_heat_of": ("热力图显示", "Heat map of"),
    "opp_heat_chain": ("一条产业链的环节", "One chain's nodes"),
    "opp_heat_top": ("排名靠前的机会", "Top-ranked opportunities"),
    "opp_heat_top_note": ("排名前 {n} 的环节。", "The {n} top-ranked nodes."),
    "opp_heat_empty": ("没有足够的环节绘制热力图。", "Too few nodes for a heat map."),
    "opp_heat_note": (
        "颜色越深表示两个环节越常在同一批县同时形成专业化；对角线记为 0。",
        "Darker = the two nodes are more often specialised in the same counties; the diagonal is 0.",
    ),
    # evaluation
    "ev_level_county": ("县级", "Counties"),
    "ev_level_city": ("地级市", "Cities"),
    "ev_level_zone_2013": ("规划区 (2013)", "Plan zones, 2013 frame"),
    "ev_level_zone_2020": ("规划区 (2020)", "Plan zones, 2020 frame"),
    "ev_warning_share": ("预警带 (最低的比例)", "Warning band (lowest share)"),
    "ev_warning_help": (
        "综合得分不高于该分位数的单元进入预警带 (0.1 = 最低的 10%)；全部相同时无人预警。",
        "Units whose composite is at or below this quantile are in the warning band (0.1 = lowest 10%); "
        "nobody is flagged when all composites are equal.",
    ),
    "ev_system": ("评价指标体系 (可编辑)", "Indicator system (editable)"),
    "ev_system_note": (
        "直接在表中修改权重、方向（+ 越大越好，− 越小越好）和标准化方法（最小–最大、标准分数、百分位名次），可增删行；"
        "也可上传自己的指标文件 (CSV)，并下载修改后的文件。",
        "Edit weights, direction (+ higher is better, − lower is better) and normalisation (minmax, zscore, "
        "rank) in the table, add or delete rows; or upload your own indicator file (CSV) and download the edited one.",
    ),
    "ev_upload": ("上传指标文件 (CSV)", "Upload an indicator file (CSV)"),
    "ev_upload_help": (
        "UTF-8 编码的 CSV，列与下载的指标文件相同（指标代码、中英文名称、权重、方向、标准化、数据列、中英文说明）。",
        "Columns: indicator, name_zh, name_en, weight, direction, normalisation, source_column, description (UTF-8).",
    ),
    "ev_col_indicator": ("指标代码", "Indicator"),
    "ev_col_weight": ("权重", "Weight"),
    "ev_col_direction": ("方向", "Direction"),
    "ev_col_normalisation": ("标准化", "Normalisation"),
    "ev_col_source": ("数据列", "Source column"),
    "ev_col_name": ("名称", "Name"),
    "ev_direction_plus": ("+ 越大越好", "+ higher is better"),
    "ev_direction_minus": ("− 越小越好", "− lower is better"),
    "ev_normalisation_minmax": ("最小–最大标准化", "min–max"),
    "ev_normalisation_zscore": ("标准分数", "z-score"),
    "ev_normalisation_rank": ("百分位名次", "percentile rank"),
    "ev_score_of": ("{name}（得分）", "{name} (score)"),
    "ev_raw_of": ("{name}（原始值）", "{name} (raw)"),
    "ev_rule_share": (
        "综合得分不高于全部单元综合得分的 {share} 分位数（{cut}）即进入预警带。",
        "composite ≤ the {share} quantile of all composites ({cut}).",
    ),
    "ev_rule_equal": (
        "全部单元综合得分相同，无人进入预警带。",
        "All composites are equal: nobody is in the warning band.",
    ),
    "ev_col_description": ("说明", "Description"),
    "ev_help_indicator": ("唯一的指标代码", "A unique indicator id"),
    "ev_help_weight": ("非负数；0 表示不使用该指标", "A number ≥ 0; 0 switches the indicator off"),
    "ev_help_direction": ("+ 越大越好；- 越小越好", "+ higher is better; - lower is better"),
    "ev_help_normalisation": ("最小–最大、标准分数或百分位名次", "minmax, zscore or rank"),
    "ev_help_source": ("原始指标表中的列名", "Column of the raw indicator table"),
    "ev_download_indicators": (
        "下载修改后的指标文件 (CSV)",
        "Download the edited indicator file (CSV)",
    ),
    "ev_result": ("综合得分与排名：{chain}", "Composite scores and ranking: {chain}"),
    "ev_weights_note": (
        "综合得分 = Σ 权重 × 标准化得分 / Σ 权重 (OECD/JRC 2008)；排名 1 为最好。改变权重会改变排名，表格随之更新。",
        "Composite = Σ weight × normalised score / Σ weight (OECD/JRC 2008); rank 1 is best. Changing a weight "
        "changes the ranking: the table follows your edits.",
    ),
    "ev_n_units": ("参评单元", "Units evaluated"),
    "ev_n_warning": ("预警带单元", "In the warning band"),
    "ev_cutoff": ("预警线 (综合得分)", "Warning cut-off (composite)"),
    "ev_rule": ("预警规则：", "Warning rule:"),
    "ev_composite": ("综合得分", "Composite score"),
    "ev_band": ("评价带", "Band"),
    "ev_band_ok": ("正常", "ok"),
    "ev_band_warning": ("预警", "warning"),
    "ev_band_layer": ("预警带 (最低)", "Warning band (lowest)"),
    # report
    "rep_note": (
        "规划成果按创新型产业集群发展规划提纲组织：现状、产业链、问题、目标和任务、年度评价、数据来源；"
        "HTML 可在浏览器中“打印 → 另存为 PDF”，XLSX 含产业链图、各清单、指标与来源。",
        "The deliverable follows the cluster development plan outline: current state, chain, problems, targets "
        "and tasks, yearly evaluation, sources. Print the HTML to PDF from a browser; the XLSX holds the chain "
        "map, the lists, the metrics and the sources.",
    ),
    "rep_generate": ("生成规划成果", "Generate"),
    "rep_generating": (
        "正在生成 (产业链分析、选址、机会、评价)…",
        "Generating (chain analysis, siting, opportunities, evaluation)…",
    ),
    "rep_press": (
        "选择产业链和区域后点击“生成规划成果”。",
        "Choose a chain and a region, then press Generate.",
    ),
    "rep_title": ("规划成果", "Deliverable"),
    "rep_gaps": ("缺失与断链环节", "Missing and broken nodes"),
    "rep_rank": ("评价指数排名", "Index rank"),
    "rep_synthetic": (
        "成果由合成演示数据计算，文件中已注明，不代表真实企业。",
        "Computed from synthetic demonstration data; the files say so and describe no real firm.",
    ),
    "rep_download_html": ("下载 HTML (可打印为 PDF)", "Download HTML (printable to PDF)"),
    "rep_download_xlsx": ("下载 XLSX 工作簿", "Download the XLSX workbook"),
    "rep_print": (
        "预览 (与下载的 HTML 相同；打印请先下载后在浏览器中打开)",
        "Preview (the same HTML as the download; to print, open the download in a browser)",
    ),
    "rep_preview": ("规划成果预览", "Report preview"),
    "rep_notes_zh": (
        "有 {n} 项选址或机会分析未能完成（例如缺少需求企业），成果文件的相应清单为空。",
        "{n} siting or opportunity step(s) could not run; the matching lists are empty.",
    ),
    "rep_preview_open": (
        "预览规划成果（成果文件为中英双语）",
        "Preview the deliverable (the document is in Chinese and English)",
    ),
}
