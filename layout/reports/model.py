"""What a report is: its sections, its lists, the :class:`Report` record and its error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.problems import ProblemError

__all__ = ["LISTS", "SECTIONS", "STAGE_NAMES", "STATUS_NAMES", "Report", "ReportError"]

# Section ids and titles (after the MOST plan outline; see module docstring).
SECTIONS: dict[str, tuple[str, str]] = {
    "status": ("一、集群发展现状", "1. Current state"),
    "chain": ("二、产业链分析", "2. Industry chain"),
    "problems": ("三、主要问题", "3. Main problems"),
    "tasks": ("四、目标和重点任务", "4. Targets and key tasks"),
    "evaluation": ("五、年度评价", "5. Yearly evaluation"),
    "sources": ("附、指标与数据来源", "Annex: metrics and sources"),
}
# The N lists: id -> (section, title_zh, title_en).
LISTS: dict[str, tuple[str, str, str]] = {
    "leading_firms": ("status", "龙头（骨干）企业", "Leading firms"),
    "strengths": ("status", "优势环节（巩固提升）", "Strengths to reinforce"),
    "nodes": ("chain", "环节状态", "Node status"),
    "supporting_firms": ("chain", "配套企业", "Supporting firms"),
    "gaps": ("problems", "缺失与断链环节（补链）", "Gaps to fill"),
    "bottlenecks": ("problems", "瓶颈环节", "Bottlenecks"),
    "targets": ("tasks", "发展目标", "Targets"),
    "sourcing": ("tasks", "补链来源（就近区域与企业）", "Sourcing targets"),
    "siting": ("tasks", "选址候选县（评分构成）", "Siting candidates (score parts)"),
    "sites": ("tasks", "新址选择（p-中位与最大覆盖）", "Site choice (p-median, MCLP)"),
    "opportunities": (
        "tasks",
        "招商方向（可行性×吸引力）",
        "Attraction targets (feasibility × attractiveness)",
    ),
    "evaluation": ("evaluation", "评价指数排名", "Index ranking"),
    "trend": ("evaluation", "逐年评价（年度趋势）", "Yearly evaluation by year (trend)"),
    "trend_transitions": (
        "evaluation",
        "环节状态变化（逐年）",
        "Node status transitions by year",
    ),
    "indicators": ("evaluation", "评价指标体系（可编辑文件）", "Indicator system (editable file)"),
    "metrics": ("sources", "指标", "Metrics"),
    "sources": ("sources", "数据与方法来源", "Sources"),
}
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "strong": ("强", "strong"),
    "weak": ("弱", "weak"),
    "missing": ("缺失", "missing"),
    "broken": ("断链", "broken"),
}
STAGE_NAMES: dict[str, tuple[str, str]] = {
    "upstream": ("上游", "upstream"),
    "midstream": ("中游", "midstream"),
    "downstream": ("下游", "downstream"),
    "support": ("配套支撑", "support"),
}


class ReportError(ProblemError):
    """Bad report arguments; ``.problems`` lists every problem (argument, value, valid values)."""

    subject = ("报告", "report")


@dataclass
class Report:
    """Everything one chain × region deliverable shows (see :data:`LISTS` for ``lists``)."""

    chain: str
    chain_name_zh: str
    chain_name_en: str
    region: str
    region_name_zh: str
    region_name_en: str
    level: str
    frame: str
    base: str
    generated: str
    synthetic: bool
    summary: dict[str, Any]
    lists: dict[str, pd.DataFrame]
    edges: pd.DataFrame
    chain_svg: str
    map_svg: str
    notes: list[str] = field(default_factory=list)
    trend_svg: str = ""
