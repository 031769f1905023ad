"""Evaluation index: a user-edited indicator system, composite scores, ranking and a warning band.

A provincial opinion on special industry bases — a Jiangsu document, used here only as an example
of an evaluation approach, not as Shandong policy — asks for "统计监测和评价指标体系", "每年……进行一次
评估" and removal of bases that fail ("淘汰不合格的特色产业基地"), and for an industry relatedness index
("产业关联度评价指标体系"). This module gives the mechanics:

1. :func:`indicator_table` builds raw indicator columns per region for one chain from
   :func:`layout.analysis.analyze_chain` (completeness, strong-node share, supply-link coverage,
   chain LQ, firm count, firm HHI, distance to fill gaps, broken nodes, relatedness density).
2. The indicator system is a CSV file the user edits — ``data/evaluation/indicators.csv`` by
   default — with columns ``indicator, name_zh, name_en, weight, direction, normalisation,
   source_column, description``. :func:`load_indicators` validates it and reports every problem
   at once.
3. :func:`evaluate_index` normalises each indicator, flips those with ``direction = -`` (lower
   is better), and combines them:

   * ``minmax``: s = (x − min) / (max − min) (for ``-``: (max − x) / (max − min)); a constant
     column gives 0.5 to every region;
   * ``zscore``: s = ±(x − mean) / sd (population sd); a constant column gives 0;
   * ``rank``: s = (rank(±x) − 1) / (n − 1), average ranks for ties, in [0, 1]; a single region
     or a constant column gives 0.5;
   * a missing raw value gets the worst score observed on that indicator (counted in
     ``n_missing``);
   * composite C_r = Σ_i w_i s_ir / Σ_i w_i (OECD/JRC 2008, *Handbook on Constructing Composite
     Indicators*, §5–6: linear aggregation of normalised indicators);
   * rank 1 = highest composite (ties share the best rank);
   * band ``warning`` for the lowest: C_r ≤ the ``warning_share`` quantile of the composites
     (default 0.1: the lowest decile; with few regions that is the lowest region), or, when
     ``warning_below`` is given, C_r < ``warning_below``. When every composite is equal nobody is
     singled out. Everything else is ``ok``.

Mixing ``zscore`` with ``minmax``/``rank`` puts indicators on different scales (z-scores are
unbounded); pick one family per system unless that is intended.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geo.problems import Problem, ProblemError, problem, register_messages
from geo.registry import data_path
from layout import metrics

__all__ = [
    "DEFAULT_INDICATORS",
    "DIRECTIONS",
    "INDICATOR_COLUMNS",
    "NORMALISATIONS",
    "IndicatorError",
    "evaluate_index",
    "indicator_table",
    "load_indicators",
    "normalise",
    "validate_indicators",
]

DEFAULT_INDICATORS = data_path("evaluation_indicators")
INDICATOR_COLUMNS: tuple[str, ...] = (
    "indicator",
    "name_zh",
    "name_en",
    "weight",
    "direction",
    "normalisation",
    "source_column",
    "description",
    "description_zh",
)
DIRECTIONS: tuple[str, ...] = ("+", "-")
NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore", "rank")
_REQUIRED = ("indicator", "weight", "direction", "normalisation", "source_column")


register_messages(
    {
        "ind_file_missing": (
            "{path}：找不到文件；请给出指标 CSV 文件的路径",
            "{path}: file not found; pass the path of an indicator CSV",
        ),
        "ind_file_unreadable": (
            "{path}：不是可读取的 UTF-8 CSV（{reason}）；请另存为 UTF-8 编码的 CSV",
            "{path}: not a readable UTF-8 CSV ({reason}); save it as UTF-8 CSV",
        ),
        "ind_not_a_frame": (
            "{argument} 必须是 DataFrame 或 CSV 路径，而不是 {kind}",
            "{argument} must be a DataFrame or a CSV path, got {kind}",
        ),
        "ind_missing_column": (
            "{file}：缺少必需列 {column!r}（现有列：{present}）；必需列：{required}",
            "{file}: required column {column!r} missing (columns present: {present}); "
            "required: {required}",
        ),
        "ind_empty_id": (
            "{where_zh}：“indicator” 列为空；请给指标一个代码",
            "{where}: column 'indicator' is empty; give the indicator an id",
        ),
        "ind_duplicate_id": (
            "{where_zh}：代码重复（首次出现在 {first!r}）；指标代码必须唯一",
            "{where}: duplicate id (first at {first!r}); ids must be unique",
        ),
        "ind_bad_weight": (
            "{where_zh}：权重 {value!r} 不是 ≥ 0 的有限数；例如写 0.2（0 表示不使用该指标）",
            "{where}: weight {value!r} is not a finite number >= 0; write e.g. 0.2 (0 switches "
            "the indicator off)",
        ),
        "ind_bad_direction": (
            "{where_zh}：方向 {value!r} 不是 “+” 或 “-”（+ 越大越好，- 越小越好）",
            "{where}: direction {value!r} is not '+' or '-' ('+' = higher is better, '-' = lower "
            "is better)",
        ),
        "ind_bad_normalisation": (
            "{where_zh}：标准化方法 {value!r} 不是 {valid} 之一",
            "{where}: normalisation {value!r} is not one of {valid}",
        ),
        "ind_unknown_source": (
            "{where_zh}：数据列 {value!r} 不是表中的列（现有列：{valid}）",
            "{where}: source_column {value!r} is not a column of the table (columns: {valid})",
        ),
        "ind_source_not_numeric": (
            "{where_zh}：数据列 {value!r} 不是数值列；请指向一个数值列",
            "{where}: source_column {value!r} is not numeric; point it at a numeric column",
        ),
        "ind_no_rows": (
            "{file}：没有指标；请至少加一行",
            "{file}: no indicators; add at least one row",
        ),
        "ind_all_zero": (
            "{file}：所有权重都为 0；请至少给一个指标正的权重",
            "{file}: all weights are 0; give at least one indicator a positive weight",
        ),
        "ind_bad_share": (
            "预警比例 warning_share={value!r} 必须在 [0, 1) 内（0.1 = 最低的 10%）",
            "warning_share={value!r} must be in [0, 1) (0.1 = lowest decile)",
        ),
        "ind_bad_below": (
            "预警线 warning_below={value!r} 必须是有限数或 None",
            "warning_below={value!r} must be a finite number or None",
        ),
        "ind_bad_by": (
            "分组列 by={value!r} 不是表中的列",
            "by={value!r} is not a column of the table",
        ),
        "ind_table_not_a_frame": (
            "table 必须是 DataFrame，而不是 {kind}",
            "table must be a DataFrame, got {kind}",
        ),
    }
)


class IndicatorError(ProblemError):
    """The indicator system or the table is invalid; ``.problems`` lists every problem (message
    codes, Chinese and English; rows named as spreadsheet rows)."""

    subject = ("指标体系", "the indicator system")


# ----------------------------------------------------------------------------- indicator file
def load_indicators(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read and validate an indicator file (default :data:`DEFAULT_INDICATORS`).

    UTF-8 CSV (a byte-order mark is fine). Row numbers in errors are spreadsheet rows (header =
    row 1). ``weight`` becomes float; blank ``name_zh``/``name_en`` fall back to ``indicator``.
    """
    p = Path(path) if path is not None else DEFAULT_INDICATORS
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise IndicatorError([problem("ind_file_missing", path=p)]) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise IndicatorError([problem("ind_file_unreadable", path=p, reason=exc)]) from None
    raw.columns = [str(c).strip() for c in raw.columns]
    raw = raw.apply(lambda col: col.str.strip())
    raw.index = raw.index + 2  # spreadsheet row numbers, kept in the returned frame
    raw.attrs["file"] = str(p)
    return validate_indicators(raw)


def validate_indicators(
    indicators: pd.DataFrame, *, table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Check an indicator system (and, given ``table``, its source columns); return a clean copy.

    Problems found — all reported at once in one :class:`IndicatorError`: missing required
    columns, empty or duplicate indicator ids, weights that are not finite numbers >= 0, all
    weights 0, a direction other than ``+``/``-``, a normalisation other than minmax, zscore,
    rank, and (with ``table``) a source column the table lacks or that is not numeric. Rows
    are named by spreadsheet row for a file read with :func:`load_indicators` (``attrs["file"]``),
    else by the frame's index.
    """
    problems: list[Problem] = []
    if not isinstance(indicators, pd.DataFrame):
        raise IndicatorError(
            [problem("ind_not_a_frame", argument="indicators", kind=type(indicators).__name__)]
        )
    df = indicators.copy()
    file = str(df.attrs.get("file", "")) or "indicators"
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise IndicatorError(
            [
                problem(
                    "ind_missing_column",
                    argument=c,
                    file=file,
                    column=c,
                    present=", ".join(map(str, df.columns)),
                    required=", ".join(_REQUIRED),
                )
                for c in missing
            ]
        )
    for col in ("name_zh", "name_en", "description", "description_zh"):
        if col not in df.columns:
            df[col] = ""
    seen: dict[str, Any] = {}
    weights = []
    for row, rec in df.iterrows():
        ind = str(rec["indicator"]).strip()
        if "file" in df.attrs:
            where, where_zh = f"{file}, row {row}", f"{file} 第 {row} 行"
        else:
            where, where_zh = f"indicators index {row!r}", f"指标表索引 {row!r}"
        if ind:
            where, where_zh = f"{where} (indicator {ind!r})", f"{where_zh}（指标 {ind}）"
        at = {"where": where, "where_zh": where_zh}
        if not ind:
            problems.append(problem("ind_empty_id", argument="indicator", **at))
        elif ind in seen:
            problems.append(
                problem("ind_duplicate_id", argument="indicator", first=seen[ind], **at)
            )
        else:
            seen[ind] = row
        try:
            w = float(rec["weight"])
        except (TypeError, ValueError):
            w = math.nan
        if not math.isfinite(w) or w < 0:
            problems.append(problem("ind_bad_weight", argument="weight", value=rec["weight"], **at))
        weights.append(w)
        if str(rec["direction"]).strip() not in DIRECTIONS:
            problems.append(
                problem("ind_bad_direction", argument="direction", value=rec["direction"], **at)
            )
        if str(rec["normalisation"]).strip() not in NORMALISATIONS:
            problems.append(
                problem(
                    "ind_bad_normalisation",
                    argument="normalisation",
                    value=rec["normalisation"],
                    valid=", ".join(NORMALISATIONS),
                    **at,
                )
            )
        src = str(rec["source_column"]).strip()
        if table is not None:
            if src not in table.columns:
                problems.append(
                    problem(
                        "ind_unknown_source",
                        argument="source_column",
                        value=src,
                        valid=", ".join(map(str, table.columns)),
                        **at,
                    )
                )
            elif not pd.api.types.is_numeric_dtype(table[src]) and not pd.api.types.is_bool_dtype(
                table[src]
            ):
                problems.append(
                    problem("ind_source_not_numeric", argument="source_column", value=src, **at)
                )
    finite = [w for w in weights if math.isfinite(w) and w >= 0]
    if len(df) == 0:
        problems.append(problem("ind_no_rows", file=file))
    elif len(finite) == len(weights) and sum(finite) <= 0:
        problems.append(problem("ind_all_zero", file=file))
    if problems:
        raise IndicatorError(problems)
    df["weight"] = weights
    for col in ("indicator", "direction", "normalisation", "source_column"):
        df[col] = df[col].astype(str).str.strip()
    for col in ("name_zh", "name_en"):
        df[col] = [
            str(v) if str(v).strip() else i for v, i in zip(df[col], df["indicator"], strict=True)
        ]
    return df


# ----------------------------------------------------------------------------- scoring
def normalise(values: pd.Series, *, method: str = "minmax", direction: str = "+") -> pd.Series:
    """Normalised score of one indicator (see module docstring); NaN stays NaN.

    >>> normalise(pd.Series([0.0, 5.0, 10.0]), direction="-").tolist()
    [1.0, 0.5, 0.0]
    >>> normalise(pd.Series([3.0, 1.0, 2.0]), method="rank").tolist()
    [1.0, 0.0, 0.5]
    """
    if method not in NORMALISATIONS:
        raise IndicatorError(
            [
                problem(
                    "ind_bad_normalisation",
                    argument="method",
                    value=method,
                    valid=", ".join(NORMALISATIONS),
                    where="method",
                    where_zh="method",
                )
            ]
        )
    if direction not in DIRECTIONS:
        raise IndicatorError(
            [
                problem(
                    "ind_bad_direction",
                    argument="direction",
                    value=direction,
                    where="direction",
                    where_zh="direction",
                )
            ]
        )
    x = pd.to_numeric(values, errors="coerce").astype(float)
    x = x if direction == "+" else -x
    ok = x.dropna()
    if method == "minmax":
        lo, hi = (ok.min(), ok.max()) if len(ok) else (np.nan, np.nan)
        out = (x - lo) / (hi - lo) if len(ok) and hi > lo else x * 0 + 0.5
    elif method == "zscore":
        sd = float(ok.std(ddof=0)) if len(ok) else 0.0
        out = (x - ok.mean()) / sd if sd > 0 else x * 0
    else:
        n = len(ok)
        r = x.rank(method="average")
        out = (r - 1) / (n - 1) if n > 1 and ok.nunique() > 1 else x * 0 + 0.5
    return out.rename(values.name)


def evaluate_index(
    table: pd.DataFrame,
    indicators: pd.DataFrame | str | os.PathLike[str] | None = None,
    *,
    warning_share: float = 0.1,
    warning_below: float | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Composite score, rank and band of every row (region or cluster) of ``table``.

    Parameters
    ----------
    table
        One row per evaluated unit (index = region code or cluster id), with the raw indicator
        columns named in the indicator file's ``source_column`` (e.g. :func:`indicator_table`).
    indicators
        The indicator system: a DataFrame, a CSV path, or ``None`` for the shipped default.
    warning_share
        Quantile that bounds the warning band (0.1 = lowest decile), in [0, 1).
    warning_below
        An absolute composite cut-off instead of the quantile.
    by
        A column of ``table`` to evaluate within (e.g. ``"year"``: each year normalised,
        composed and ranked on its own).

    Returns
    -------
    DataFrame
        Same index as ``table``, best first: the name columns (``name_zh``/``name_en`` or
        ``region_name_zh``/``region_name_en`` if present), ``by``, the raw source columns,
        ``score_<indicator>`` for each indicator, ``composite``, ``rank``, ``band``,
        ``n_missing``. ``attrs`` has the weights, rule and cut-off used.

    Examples
    --------
    Raising a weight swaps the top two: A leads on x, B on y, C is low on both.

    >>> t = pd.DataFrame({"x": [10.0, 0.0, 2.0], "y": [0.0, 10.0, 2.0]}, index=["A", "B", "C"])
    >>> ind = pd.DataFrame({"indicator": ["x", "y"], "weight": [0.6, 0.4], "direction": ["+", "+"],
    ...                     "normalisation": ["minmax", "minmax"], "source_column": ["x", "y"]})
    >>> evaluate_index(t, ind)[["composite", "rank", "band"]].round(2).to_dict("index")
    {'A': {'composite': 0.6, 'rank': 1, 'band': 'ok'}, 'B': {'composite': 0.4, 'rank': 2, 'band': 'ok'}, 'C': {'composite': 0.2, 'rank': 3, 'band': 'warning'}}
    >>> ind["weight"] = [0.4, 0.6]
    >>> evaluate_index(t, ind)["rank"].to_dict()
    {'B': 1, 'A': 2, 'C': 3}
    """
    problems: list[Problem] = []
    if not isinstance(table, pd.DataFrame):
        raise IndicatorError([problem("ind_table_not_a_frame", kind=type(table).__name__)])
    if not (isinstance(warning_share, int | float) and 0 <= warning_share < 1):
        problems.append(problem("ind_bad_share", argument="warning_share", value=warning_share))
    if warning_below is not None and not (
        isinstance(warning_below, int | float) and math.isfinite(warning_below)
    ):
        problems.append(problem("ind_bad_below", argument="warning_below", value=warning_below))
    if by is not None and by not in table.columns:
        problems.append(problem("ind_bad_by", argument="by", value=by))
    if problems:
        raise IndicatorError(problems)
    if indicators is None or isinstance(indicators, str | os.PathLike):
        ind = load_indicators(indicators)
    else:
        ind = indicators
    ind = validate_indicators(ind, table=table)
    if by is not None:
        parts = [
            evaluate_index(
                g.drop(columns=by), ind, warning_share=warning_share, warning_below=warning_below
            ).assign(**{by: key})
            for key, g in table.groupby(by, sort=True)
        ]
        out = pd.concat(parts) if parts else pd.DataFrame()
        return out[[by, *[c for c in out.columns if c != by]]]

    w = ind.set_index("indicator")["weight"]
    scores = {}
    n_missing = pd.Series(0, index=table.index)
    for rec in ind.itertuples():
        s = normalise(table[rec.source_column], method=rec.normalisation, direction=rec.direction)
        miss = s.isna()
        n_missing += miss.astype(int)
        worst = s.min() if s.notna().any() else 0.0
        scores[f"score_{rec.indicator}"] = s.where(~miss, worst)
    score_df = pd.DataFrame(scores, index=table.index)
    weights = np.array([w[c.removeprefix("score_")] for c in score_df.columns], dtype=float)
    composite = pd.Series(
        score_df.to_numpy(dtype=float) @ weights / weights.sum(), index=table.index
    )
    rank = composite.rank(method="min", ascending=False).astype(int)
    equal = len(composite) == 0 or np.isclose(composite.max(), composite.min(), rtol=0, atol=1e-12)
    if warning_below is not None:
        cut = float(warning_below)
        warned = composite < cut
        rule = f"composite < {cut:g}"
    else:
        cut = float(np.quantile(composite, warning_share)) if len(composite) else math.nan
        warned = composite <= cut + 1e-12
        rule = f"composite <= {warning_share:g} quantile of composites ({cut:.4f})"
    if equal:
        warned = composite * 0 > 1  # all equal: nobody is singled out
    names = [
        c for c in ("name_zh", "name_en", "region_name_zh", "region_name_en") if c in table.columns
    ]
    raw = list(dict.fromkeys(ind["source_column"]))
    out = pd.concat([table[names + raw], score_df], axis=1)
    out["composite"] = composite
    out["rank"] = rank
    out["band"] = np.where(warned, "warning", "ok")
    out["n_missing"] = n_missing
    order = np.lexsort((np.asarray(out.index.astype(str)), out["rank"].to_numpy()))
    out = out.iloc[order]
    out.attrs.update(
        weights=w.to_dict(),
        rule=rule,
        cutoff=cut,
        directions=ind.set_index("indicator")["direction"].to_dict(),
        normalisations=ind.set_index("indicator")["normalisation"].to_dict(),
    )
    return out


# ----------------------------------------------------------------------------- raw indicators
def indicator_table(
    firms: gpd.GeoDataFrame,
    chain: str,
    *,
    level: str = "county",
    frame: str = "2013",
    base: str = "employees",
    graph: nx.DiGraph | None = None,
    with_density: bool = True,
    analysis: Any = None,
) -> pd.DataFrame:
    """Raw indicator columns for every region of ``level`` and one chain.

    Columns (index ``region``): ``region_name_zh``, ``region_name_en``, ``completeness``,
    ``strong_share`` (strong nodes / nodes), ``linkage`` (edges with both ends present /
    edges), ``chain_lq`` ((e_chain,r / e_r) / (E_chain / E), province benchmark), ``chain_firms``,
    ``chain_value`` (on ``base``), ``firm_hhi`` (Σ_k (e_k / e_chain,r)²; NaN without positive
    figures), ``gap_distance_km`` (mean over missing/broken nodes of the km to the nearest firm
    that has the node; 0 with no gap), ``n_missing``, ``n_broken`` and, with ``with_density``,
    ``chain_density`` (mean relatedness density ω_rn of the chain's nodes, see
    :mod:`layout.opportunities`).

    ``analysis`` may pass the :class:`~layout.analysis.ChainAnalysis` of the same firms, chain,
    level, frame and base (every region of the level) so it is not computed again (the yearly
    evaluation of :mod:`layout.monitoring` does).
    """
    from layout.analysis import analyze_chain, node_values
    from layout.chains import load_chain
    from layout.opportunities import density, node_matrix, presence_matrix, proximity
    from layout.regions import assign_regions, region_table

    g = graph if graph is not None else load_chain(chain)
    if analysis is not None:
        same = (analysis.chain, analysis.level, analysis.base) == (chain, level, base) and (
            level != "zone" or str(analysis.frame) == str(frame)
        )
        if not same or len(analysis.regions) != len(region_table(level, frame=frame)):
            raise IndicatorError(
                [
                    f"analysis is of {analysis.chain}/{analysis.level}/{analysis.base}, not of "
                    f"{chain}/{level}/{base} over every region; pass the matching analysis or none"
                ]
            )
        a = analysis
    else:
        a = analyze_chain(
            firms, chain, level=level, frame=frame, base=base, graph=g, permutations=0
        )
    nodes = a.nodes
    regions = a.regions
    present = (
        nodes.assign(p=nodes["n_firms"] > 0)
        .pivot_table(index="region", columns="node", values="p", aggfunc="first")
        .reindex(regions)
    )
    n_nodes = g.number_of_nodes()
    edges = list(g.edges)
    linkage = pd.Series(
        [
            sum(bool(present.loc[r, u] and present.loc[r, v]) for u, v in edges) / len(edges)
            if edges
            else np.nan
            for r in regions
        ],
        index=regions,
    )
    status = nodes.groupby("region")["status"]
    strong = status.apply(lambda s: (s == "strong").sum()).reindex(regions, fill_value=0)
    n_missing = status.apply(lambda s: s.isin(["missing", "broken"]).sum()).reindex(
        regions, fill_value=0
    )
    n_broken = status.apply(lambda s: (s == "broken").sum()).reindex(regions, fill_value=0)
    chain_firms = nodes.groupby("region")["n_firms"].sum().reindex(regions, fill_value=0)

    items = [f"{chain}:{n}" for n in g.nodes]
    values = node_matrix(firms, level=level, frame=frame, base=base)
    prov = node_matrix(firms, level="province", base=base)
    in_chain = [c for c in values.columns if c in set(items)]
    chain_value = values[in_chain].sum(axis=1).reindex(regions, fill_value=0.0)
    totals = values.sum(axis=1).reindex(regions, fill_value=0.0)
    e_chain, e_all = float(prov[in_chain].to_numpy().sum()), float(prov.to_numpy().sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        chain_lq = (chain_value / totals) / (e_chain / e_all) if e_chain > 0 else chain_value * 0.0
    chain_lq = chain_lq.where(totals > 0)

    mine = firms[firms["chain"] == chain]
    links = assign_regions(mine, level=level, frame=frame)
    vals = node_values(mine, base=base).to_numpy()[links["row"].to_numpy()]
    fv = pd.DataFrame({"industry": links["region"].to_numpy(), "value": vals})
    hhi = metrics.hhi(fv, by="industry", value="value") if len(fv) else pd.Series(dtype=float)
    hhi = hhi.reindex(regions)

    gaps = nodes[nodes["status"].isin(["missing", "broken"])][["region", "node"]]
    src = a.sourcing[a.sourcing["kind"] == "firm"].groupby(["region", "node"])["distance_km"].min()
    gap_km = []
    for r in regions:
        ds = [src.get((r, n), np.nan) for n in gaps.loc[gaps["region"] == r, "node"]]
        ds = [d for d in ds if np.isfinite(d)]
        no_gap = (gaps["region"] == r).sum() == 0
        gap_km.append(0.0 if no_gap else (float(np.mean(ds)) if ds else np.nan))

    names = nodes.drop_duplicates("region").set_index("region")
    out = pd.DataFrame(
        {
            "region_name_zh": names["region_name_zh"].reindex(regions),
            "region_name_en": names["region_name_en"].reindex(regions),
            "completeness": a.completeness.reindex(regions).astype(float),
            "strong_share": strong / n_nodes,
            "linkage": linkage,
            "chain_lq": chain_lq.astype(float),
            "chain_firms": chain_firms.astype(int),
            "chain_value": chain_value.astype(float),
            "firm_hhi": hhi.astype(float),
            "gap_distance_km": pd.Series(gap_km, index=regions).round(1),
            "n_missing": n_missing.astype(int),
            "n_broken": n_broken.astype(int),
        },
        index=pd.Index(regions, name="region"),
    )
    if with_density:
        cols = list(values.columns)
        phi = proximity(presence_matrix(node_matrix(firms, level="county", base=base, items=cols)))
        bench = prov.iloc[0]
        m = presence_matrix(values, benchmark=bench)
        om = density(m, phi)[in_chain] if in_chain else pd.DataFrame(index=values.index)
        out["chain_density"] = om.mean(axis=1).reindex(regions).astype(float)
    out.attrs.update(chain=chain, level=level, frame=frame, base=base)
    return out
