"""The yearly evaluation: the index each year on one indicator system, ranks, warnings and exits.

The provincial opinion on industry bases asks for an evaluation every year and for removing
bases that fall behind ("每年……进行一次评估 … 淘汰制度"); MOST asks for a statistical monitoring
and evaluation system for clusters ("建立产业集群统计监测及考核评价体系"). Here:

1. Each panel year, :func:`layout.evaluation.indicator_table` gives the raw indicators of every
   region for the chain (from that year's firm table) and :func:`layout.evaluation.evaluate_index`
   scores them on the *same* indicator system (``data/evaluation/indicators.csv`` or the user's
   file): composite C_ry, rank (1 = best) and band (``warning`` or ``ok``). Normalisation is
   within the year, so a composite compares regions of one year; ranks compare across years.
2. ``rank_change`` = rank_{y−1} − rank_y (positive = moved up), ``composite_change`` likewise.
3. The **warning and exit rule** (thresholds in ``data/evaluation/monitoring_rule.csv``, a
   sibling of the indicator file; :func:`load_rule`): the warning band of a year is the band of
   :func:`~layout.evaluation.evaluate_index` with ``warning_share`` (the lowest quantile; default
   0.1) or a fixed ``warning_below`` score. With *run* = the number of consecutive panel years,
   up to and including y, that a region was in the band:

   * run = 0 → ``ok`` (正常);
   * 1 ≤ run < ``warn_after`` → ``watch`` (关注);
   * ``warn_after`` ≤ run < ``exit_after`` → ``warning`` (预警);
   * run ≥ ``exit_after`` → ``exit`` (建议退出, proposed for exit).

   With the shipped values (2 and 3): two years running in the band → 预警, three → 建议退出.
   Leaving the band resets the run. A region is evaluated in a year only where the chain has
   at least one firm there that year (``evaluated="present"``, the default: a region without
   the industry is not a base of it); a year without the region breaks its run.
   ``evaluated="all"`` ranks every region of the level, as the snapshot index page does.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from geo.problems import Problem, ProblemError, problem, register_messages
from layout.monitoring.panel import Panel

__all__ = [
    "RULE_PARAMETERS",
    "VERDICTS",
    "MonitoringRule",
    "RuleError",
    "apply_rule",
    "load_rule",
    "rank_changes",
    "yearly_evaluation",
]

RULE_PARAMETERS: tuple[str, ...] = ("warning_share", "warning_below", "warn_after", "exit_after")
VERDICTS: dict[str, tuple[str, str]] = {
    "ok": ("正常", "ok"),
    "watch": ("关注", "watch"),
    "warning": ("预警", "warning"),
    "exit": ("建议退出", "proposed for exit"),
}
"""Verdict code → (Chinese, English) label, from best to worst."""

register_messages(
    {
        "rule_unreadable": (
            "无法读取规则文件 {value}：{detail}；请存为 UTF-8 CSV（列 parameter, value）",
            "cannot read the rule file {value}: {detail}; save it as a UTF-8 CSV "
            "(columns parameter, value)",
        ),
        "rule_unknown_parameter": (
            "规则文件中有未知参数 {value!r}：可用 {valid}",
            "unknown parameter {value!r} in the rule file: use {valid}",
        ),
        "rule_bad_share": (
            "warning_share={value!r} 无效：应为 0 到 1 之间（不含 1）的数，如 0.1",
            "warning_share={value!r} is invalid: give a number in [0, 1), e.g. 0.1",
        ),
        "rule_bad_below": (
            "warning_below={value!r} 无效：应为有限的数，或留空",
            "warning_below={value!r} is invalid: give a finite number or leave it blank",
        ),
        "rule_bad_years": (
            "{argument}={value!r} 无效：应为不小于 1 的整数",
            "{argument}={value!r} is invalid: give a whole number of at least 1",
        ),
        "rule_exit_not_after_warn": (
            "exit_after={exit_after} 须大于 warn_after={warn_after}",
            "exit_after={exit_after} must be greater than warn_after={warn_after}",
        ),
        "rule_bad_evaluated": (
            "evaluated={value!r} 无效：可选 present, all",
            "evaluated={value!r} is invalid: use present or all",
        ),
    }
)


class RuleError(ProblemError):
    """An invalid warning and exit rule; ``.problems`` lists every problem."""

    subject = ("预警与退出规则", "the warning and exit rule")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class MonitoringRule:
    """The warning and exit rule (see the module docstring).

    Attributes
    ----------
    warning_share
        Quantile bounding each year's warning band (0.1 = lowest decile), in [0, 1).
    warning_below
        A fixed composite cut-off instead of the quantile, or ``None``.
    warn_after
        Consecutive years in the band that give 预警 (warning).
    exit_after
        Consecutive years in the band that give 建议退出 (proposed for exit); > ``warn_after``.
    source
        Where the rule came from (a file path, or ``"default"``).
    """

    warning_share: float = 0.1
    warning_below: float | None = None
    warn_after: int = 2
    exit_after: int = 3
    source: str = "default"

    def problems(self) -> list[Problem]:
        """Every problem with the rule (empty when it is valid)."""
        out = []
        ws = self.warning_share
        if not (isinstance(ws, int | float) and not isinstance(ws, bool) and 0 <= ws < 1):
            out.append(problem("rule_bad_share", argument="warning_share", value=ws))
        wb = self.warning_below
        if wb is not None and not (
            isinstance(wb, int | float) and not isinstance(wb, bool) and math.isfinite(wb)
        ):
            out.append(problem("rule_bad_below", argument="warning_below", value=wb))
        for name in ("warn_after", "exit_after"):
            v = getattr(self, name)
            if not (_whole(v) and v >= 1):
                out.append(problem("rule_bad_years", argument=name, value=v))
        if (
            _whole(self.warn_after)
            and _whole(self.exit_after)
            and self.exit_after <= self.warn_after
        ):
            out.append(
                problem(
                    "rule_exit_not_after_warn",
                    argument="exit_after",
                    exit_after=self.exit_after,
                    warn_after=self.warn_after,
                )
            )
        return out

    def check(self) -> MonitoringRule:
        """This rule, or :class:`RuleError` listing every problem."""
        problems = self.problems()
        if problems:
            raise RuleError(problems)
        return self

    def describe(self, lang: str = "en") -> str:
        """The rule in words."""
        band_zh = (
            f"综合得分低于 {self.warning_below:g}"
            if self.warning_below is not None
            else f"综合得分处于当年最低 {self.warning_share:.0%}"
        )
        band_en = (
            f"composite below {self.warning_below:g}"
            if self.warning_below is not None
            else f"composite in the year's lowest {self.warning_share:.0%}"
        )
        if lang == "zh":
            return (
                f"预警区：{band_zh}。连续 {self.warn_after} 年在预警区→预警；"
                f"连续 {self.exit_after} 年→建议退出；仅 1 年→关注。"
            )
        return (
            f"Warning band: {band_en}. {self.warn_after} consecutive years in the band → warning; "
            f"{self.exit_after} → proposed for exit; fewer → watch."
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "warning_share": self.warning_share,
            "warning_below": self.warning_below,
            "warn_after": self.warn_after,
            "exit_after": self.exit_after,
            "source": self.source,
        }


def load_rule(path: str | os.PathLike[str] | None = None) -> MonitoringRule:
    """Read and check a rule file (default ``data/evaluation/monitoring_rule.csv``).

    A UTF-8 CSV with columns ``parameter`` and ``value`` (others, e.g. names and a
    description, are kept for people); parameters :data:`RULE_PARAMETERS`, any missing one
    keeps its default; a blank ``warning_below`` means "use the quantile".

    Raises
    ------
    RuleError
        An unreadable file, unknown parameters or invalid values (all listed).
    """
    from geo.registry import data_path

    p = Path(path) if path is not None else data_path("monitoring_rule")
    shown = str(p) if path is not None else "data/evaluation/monitoring_rule.csv"
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if not {"parameter", "value"} <= set(raw.columns):
            raise ValueError("columns parameter and value are required")
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RuleError([problem("rule_unreadable", value=shown, detail=detail)]) from None
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for name, text in zip(raw["parameter"].str.strip(), raw["value"].str.strip(), strict=True):
        if name not in RULE_PARAMETERS:
            problems.append(
                problem(
                    "rule_unknown_parameter",
                    argument="parameter",
                    value=name,
                    valid=", ".join(RULE_PARAMETERS),
                )
            )
            continue
        if name == "warning_below" and text == "":
            values[name] = None
            continue
        try:
            num = float(text)
        except ValueError:
            num = text  # reported by MonitoringRule.problems with the text as given
        if name in ("warn_after", "exit_after") and isinstance(num, float) and num.is_integer():
            num = int(num)
        values[name] = num
    rule = MonitoringRule(**values, source=shown)
    raise_problems = problems + rule.problems()
    if raise_problems:
        raise RuleError(raise_problems)
    return rule


# ----------------------------------------------------------------------------- pure rules
def rank_changes(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``rank_change`` (rank_{y−1} − rank_y; positive = moved up) and ``composite_change``.

    ``table`` has ``year``, ``region``, ``rank`` and ``composite``; "y − 1" is the region's
    previous row among the table's years (NaN in the first year, or when the region was not
    evaluated the year before).
    """
    out = table.copy()
    years = sorted(out["year"].unique())
    prev_of = dict(zip(years[1:], years[:-1], strict=True))
    prev = out.set_index(["year", "region"])[["rank", "composite"]]
    keys = list(zip(out["year"].map(prev_of), out["region"], strict=True))
    before = prev.reindex(pd.MultiIndex.from_tuples(keys, names=["year", "region"]))
    out["rank_change"] = before["rank"].to_numpy() - out["rank"].to_numpy()
    out["composite_change"] = out["composite"].to_numpy() - before["composite"].to_numpy()
    return out


def apply_rule(table: pd.DataFrame, rule: MonitoringRule | None = None) -> pd.DataFrame:
    """Add ``run``, ``verdict`` and its labels and reasons to a table of yearly bands.

    Parameters
    ----------
    table
        ``year``, ``region`` and ``band`` (``warning`` or ``ok``); one row per evaluated
        region and year. A region missing in a year breaks its run.
    rule
        The rule (default: :func:`load_rule` of the shipped file).

    Returns
    -------
    DataFrame
        ``table`` with ``run`` (consecutive panel years in the band up to this year),
        ``verdict`` (:data:`VERDICTS`), ``verdict_zh``, ``verdict_en``, ``reason_zh``,
        ``reason_en``.

    Examples
    --------
    >>> t = pd.DataFrame({"year": [2021, 2022, 2023, 2024], "region": ["A"] * 4,
    ...                   "band": ["warning", "warning", "warning", "ok"]})
    >>> apply_rule(t, MonitoringRule())["verdict"].tolist()
    ['watch', 'warning', 'exit', 'ok']
    """
    rule = (rule or load_rule()).check()
    out = table.copy()
    years = sorted(out["year"].unique())
    order = {y: i for i, y in enumerate(years)}
    band = out.set_index(["region", "year"])["band"].to_dict()
    runs, firsts = [], []
    for region, year in zip(out["region"], out["year"], strict=True):
        run, i = 0, order[year]
        while i >= 0 and band.get((region, years[i])) == "warning":
            run, i = run + 1, i - 1
        runs.append(run)
        firsts.append(years[i + 1] if run else None)
    out["run"] = runs
    verdict = []
    for run in runs:
        if run >= rule.exit_after:
            verdict.append("exit")
        elif run >= rule.warn_after:
            verdict.append("warning")
        elif run >= 1:
            verdict.append("watch")
        else:
            verdict.append("ok")
    out["verdict"] = verdict
    out["verdict_zh"] = [VERDICTS[v][0] for v in verdict]
    out["verdict_en"] = [VERDICTS[v][1] for v in verdict]
    zh, en = [], []
    for v, run, first, year in zip(verdict, runs, firsts, out["year"], strict=True):
        if v == "ok":
            zh.append("不在预警区")
            en.append("not in the warning band")
            continue
        span = f"{first}–{year}" if run > 1 else f"{year}"
        zh.append(f"连续 {run} 年处于预警区（{span}）：{VERDICTS[v][0]}")
        en.append(f"{run} consecutive year(s) in the warning band ({span}): {VERDICTS[v][1]}")
    out["reason_zh"], out["reason_en"] = zh, en
    return out


# ----------------------------------------------------------------------------- adapter
def yearly_evaluation(
    panel: Panel,
    chain: str,
    *,
    level: str = "county",
    frame: str = "2013",
    base: str = "employees",
    indicators: pd.DataFrame | str | os.PathLike[str] | None = None,
    rule: MonitoringRule | str | os.PathLike[str] | None = None,
    evaluated: str = "present",
    graph: nx.DiGraph | None = None,
    years: Iterable[int] | None = None,
    start: int | None = None,
    end: int | None = None,
    analyses: dict[int, Any] | None = None,
) -> pd.DataFrame:
    """The evaluation index of every region for each year, with ranks, changes and verdicts.

    Parameters
    ----------
    panel
        The firm panel (at least two years).
    chain
        Chain code.
    level, frame, base, graph
        As in :func:`layout.evaluation.indicator_table`.
    indicators
        The indicator system (DataFrame, CSV path or ``None`` for the shipped file); the same
        for every year.
    rule
        A :class:`MonitoringRule`, a rule CSV path, or ``None`` for the shipped file.
    evaluated
        ``present`` (regions with a firm of the chain that year) or ``all``.
    years, start, end
        Restrict the years.
    analyses
        Year → :class:`~layout.analysis.ChainAnalysis` of the same options (e.g.
        :attr:`ChainYears.analyses`), reused instead of analysing each year again.

    Returns
    -------
    DataFrame
        One row per year and evaluated region, sorted by year then rank: ``year``, ``region``,
        ``region_name_zh``, ``region_name_en``, the raw indicator columns, ``score_<indicator>``,
        ``composite``, ``rank``, ``n_ranked``, ``band``, ``cutoff``, ``rank_change``,
        ``composite_change``, ``run``, ``verdict``, ``verdict_zh``, ``verdict_en``,
        ``reason_zh``, ``reason_en``. ``attrs["rule"]`` is the rule as a dict.
    """
    from layout.evaluation import evaluate_index, indicator_table, load_indicators
    from layout.monitoring.snapshots import check_years

    if evaluated not in ("present", "all"):
        raise RuleError([problem("rule_bad_evaluated", argument="evaluated", value=evaluated)])
    if rule is None or isinstance(rule, str | os.PathLike):
        rule = load_rule(rule)
    rule = rule.check()
    wanted = check_years(panel, years, start=start, end=end)
    ind = (
        load_indicators(indicators)
        if indicators is None or isinstance(indicators, str | os.PathLike)
        else indicators
    )
    parts = []
    for y in wanted:
        table = indicator_table(
            panel.year(y),
            chain,
            level=level,
            frame=frame,
            base=base,
            graph=graph,
            analysis=(analyses or {}).get(y),
        )
        if evaluated == "present":
            table = table[table["chain_firms"] > 0]
        if table.empty:
            continue
        ev = evaluate_index(
            table, ind, warning_share=rule.warning_share, warning_below=rule.warning_below
        )
        ev.index.name = "region"
        ev = ev.reset_index()
        ev.insert(0, "year", y)
        ev["n_ranked"] = len(ev)
        ev["cutoff"] = ev.attrs.get("cutoff", math.nan)
        parts.append(ev)
    if not parts:
        out = pd.DataFrame(columns=["year", "region", "composite", "rank", "band"])
    else:
        out = pd.concat(parts, ignore_index=True)
    out = apply_rule(rank_changes(out), rule)
    out.attrs["rule"] = rule.to_dict()
    out.attrs["evaluated"] = evaluated
    return out
