"""One chain analysed in every year of a panel: the tables the change measures are built from.

For each year y of the panel, :func:`layout.analysis.analyze_chain` runs on that year's firm
table (so node status, reasons, LQ and completeness are exactly those of a snapshot analysis),
and the chain's totals are added:

* region × node: ``value`` e_irn (on the base), ``n_firms``, ``lq``, ``status`` and its
  reasons, as :func:`~layout.analysis.analyze_chain` gives them;
* region × chain: ``value`` = Σ_n e_rn, ``n_firms``, ``total`` e_r (every chain of the table,
  the denominator of the LQ), ``lq`` = (e_chain,r / e_r) / (E_chain / E) and ``completeness``;
* province: E_n per node, E_chain and E (every firm with a county, counted once).

Firms without figures (the real anchor firms) are present but add 0 to sums, as in a snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from geo.problems import ProblemError, problem, register_messages
from layout.monitoring.panel import Panel

__all__ = ["ChainYears", "MonitoringError", "analyze_years", "check_years", "region_links"]

register_messages(
    {
        "monitor_few_years": (
            "监测至少需要两个年份的企业数据，现有：{value}",
            "monitoring needs firm tables of at least two years; the panel has: {value}",
        ),
        "monitor_unknown_years": (
            "年份 {value} 不在面板中（面板年份：{valid}）",
            "year(s) {value} are not in the panel (its years: {valid})",
        ),
        "monitor_bad_span": (
            "起始年 {start} 须早于结束年 {end}",
            "the start year {start} must come before the end year {end}",
        ),
        "monitor_not_a_panel": (
            "须给出企业面板（layout.monitoring.Panel），得到 {value}",
            "give a firm panel (layout.monitoring.Panel), got {value}",
        ),
    }
)


class MonitoringError(ProblemError):
    """Bad monitoring options (chain, level, base, years); lists every problem."""

    subject = ("监测选项", "the monitoring options")


@dataclass(frozen=True)
class ChainYears:
    """One chain analysed year by year (see the module docstring).

    Attributes
    ----------
    chain, name_zh, name_en, level, frame, base
        What was analysed.
    years
        The years, ascending.
    nodes
        One row per year, region and node: ``year``, ``region``, ``node``, ``stage``,
        ``name_zh``, ``name_en``, ``status``, ``status_zh``, ``reason_zh``, ``reason_en``,
        ``n_firms``, ``value``, ``lq``, ``strength_class``, ``region_name_zh``,
        ``region_name_en``.
    regions
        One row per year and region: ``year``, ``region``, ``region_name_zh``,
        ``region_name_en``, ``value``, ``n_firms``, ``total``, ``lq``, ``completeness``.
    province
        One row per year: ``year``, ``chain_value``, ``chain_firms``, ``total`` (E) and
        ``node_values`` (dict node → E_n).
    analyses
        The :class:`~layout.analysis.ChainAnalysis` of each year.
    synthetic
        Whether synthetic demonstration rows are in use.
    """

    chain: str
    name_zh: str
    name_en: str
    level: str
    frame: str
    base: str
    years: tuple[int, ...]
    nodes: pd.DataFrame
    regions: pd.DataFrame
    province: pd.DataFrame
    analyses: dict[int, Any] = field(repr=False)
    synthetic: bool = False


def check_years(
    panel: Panel, years: Iterable[int] | None, *, start: int | None = None, end: int | None = None
) -> tuple[int, ...]:
    """The years to use (ascending, at least two), or :class:`MonitoringError`."""
    if not isinstance(panel, Panel):
        raise MonitoringError(
            [problem("monitor_not_a_panel", argument="panel", value=type(panel).__name__)]
        )
    have = panel.years
    wanted = tuple(sorted({int(y) for y in years})) if years is not None else have
    problems = []
    unknown = [y for y in (*wanted, start, end) if y is not None and y not in have]
    if unknown:
        problems.append(
            problem(
                "monitor_unknown_years",
                argument="years",
                value=", ".join(str(y) for y in dict.fromkeys(unknown)),
                valid=", ".join(str(y) for y in have) or "-",
            )
        )
    if start is not None and end is not None and start >= end:
        problems.append(problem("monitor_bad_span", argument="start", start=start, end=end))
    if not problems:
        lo = start if start is not None else min(wanted, default=None)
        hi = end if end is not None else max(wanted, default=None)
        wanted = tuple(y for y in wanted if lo is not None and hi is not None and lo <= y <= hi)
        if len(wanted) < 2:
            problems.append(
                problem(
                    "monitor_few_years",
                    argument="years",
                    value=", ".join(str(y) for y in wanted) or "-",
                )
            )
    if problems:
        raise MonitoringError(problems)
    return wanted


def region_links(firms: pd.DataFrame, *, level: str, frame: str) -> pd.DataFrame:
    """Firm row → region (:func:`layout.regions.assign_regions`) with the firm's key and node."""
    from layout.regions import assign_regions

    links = assign_regions(firms, level=level, frame=frame)
    at = links["row"].to_numpy()
    return links.assign(
        firm_key=firms["firm_key"].to_numpy()[at] if "firm_key" in firms else at,
        chain=firms["chain"].to_numpy()[at],
        node=firms["node"].to_numpy()[at],
    )


def analyze_years(
    panel: Panel,
    chain: str,
    *,
    level: str = "county",
    frame: str = "2013",
    base: str = "employees",
    graph: nx.DiGraph | None = None,
    years: Iterable[int] | None = None,
    start: int | None = None,
    end: int | None = None,
) -> ChainYears:
    """Analyse ``chain`` in every region of ``level`` for each year of ``panel``.

    Parameters
    ----------
    panel
        A :class:`~layout.monitoring.Panel` with at least two years.
    chain
        Chain code (``LED``, ``PU``, …).
    level, frame, base, graph
        As in :func:`layout.analysis.analyze_chain` (``level``: county, city, zone, province).
    years, start, end
        Restrict to some years, or to the span ``start``–``end``.

    Raises
    ------
    MonitoringError
        Fewer than two years, years not in the panel, or bad chain, level, frame or base.
    """
    from layout.analysis import analyze_chain, node_values
    from layout.chains import load_chain
    from layout.checks import base_problems, chain_problems, frame_problems, level_problems

    problems = (
        chain_problems(chain if graph is None else None)
        + level_problems(level)
        + frame_problems(frame)
        + base_problems(base)
    )
    if problems:
        raise MonitoringError(problems)
    wanted = check_years(panel, years, start=start, end=end)
    g = graph if graph is not None else load_chain(chain)
    analyses, node_parts, region_parts, province = {}, [], [], []
    for y in wanted:
        firms = panel.year(y)
        a = analyze_chain(
            firms, chain, level=level, frame=frame, base=base, graph=g, permutations=0
        )
        analyses[y] = a
        nodes = a.nodes.drop(columns=["weight"]).assign(year=y)
        node_parts.append(nodes)
        values = node_values(firms, base=base).to_numpy()
        links = region_links(firms, level=level, frame=frame)
        totals = (
            pd.Series(values[links["row"].to_numpy()])
            .groupby(links["region"].to_numpy())
            .sum()
            .reindex(a.regions, fill_value=0.0)
        )
        prov = region_links(firms, level="province", frame=frame)
        pv = values[prov["row"].to_numpy()]
        in_chain = (prov["chain"] == chain).to_numpy()
        e_all, e_chain = float(pv.sum()), float(pv[in_chain].sum())
        per_node = pd.Series(pv[in_chain]).groupby(prov["node"].to_numpy()[in_chain]).sum()
        province.append(
            {
                "year": y,
                "chain_value": e_chain,
                "chain_firms": int(in_chain.sum()),
                "total": e_all,
                "node_values": {str(k): float(v) for k, v in per_node.items()},
            }
        )
        by_region = nodes.groupby("region", sort=False)
        chain_value = by_region["value"].sum().reindex(a.regions)
        with np.errstate(divide="ignore", invalid="ignore"):
            lq = (chain_value / totals) / (e_chain / e_all) if e_chain > 0 else chain_value * np.nan
        first = by_region[["region_name_zh", "region_name_en"]].first().reindex(a.regions)
        region_parts.append(
            pd.DataFrame(
                {
                    "year": y,
                    "region": a.regions,
                    "region_name_zh": first["region_name_zh"].to_numpy(),
                    "region_name_en": first["region_name_en"].to_numpy(),
                    "value": chain_value.to_numpy(dtype=float),
                    "n_firms": by_region["n_firms"].sum().reindex(a.regions).to_numpy(dtype=int),
                    "total": totals.to_numpy(dtype=float),
                    "lq": lq.where(totals > 0).to_numpy(dtype=float),
                    "completeness": a.completeness.reindex(a.regions).to_numpy(dtype=float),
                }
            )
        )
    nodes = pd.concat(node_parts, ignore_index=True)
    nodes = nodes[["year", *[c for c in nodes.columns if c != "year"]]]
    last = analyses[wanted[-1]]
    return ChainYears(
        chain=chain,
        name_zh=last.name_zh,
        name_en=last.name_en,
        level=last.level,
        frame=frame,
        base=base,
        years=wanted,
        nodes=nodes,
        regions=pd.concat(region_parts, ignore_index=True),
        province=pd.DataFrame(province),
        analyses=analyses,
        synthetic=panel.synthetic,
    )
