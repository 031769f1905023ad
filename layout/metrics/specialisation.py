"""Specialisation: the region x industry matrix, location quotients and strength classes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geo.problems import Problem, problem, register_messages
from layout.metrics._validate import aligned_totals, check_matrix, raise_problems

__all__ = [
    "MIN_PRESENT",
    "STRENGTH_RULES",
    "location_quotient",
    "matrix_from_long",
    "strength_classes",
    "strength_problems",
]


def matrix_from_long(
    table: pd.DataFrame, *, region: str = "region", industry: str = "industry", value: str = "value"
) -> pd.DataFrame:
    """Pivot a long table (one row per region, industry, value) to the region x industry matrix.

    Duplicate (region, industry) rows are summed; missing combinations become 0.

    >>> long = pd.DataFrame({"region": ["a", "a", "b"], "industry": ["x", "y", "x"],
    ...                      "value": [1.0, 2.0, 3.0]})
    >>> matrix_from_long(long).loc["b", "y"]
    np.float64(0.0)
    """
    missing = [c for c in (region, industry, value) if c not in table.columns]
    raise_problems(
        [
            f"table has no column {c!r} (columns: {list(table.columns)}); pass region=, "
            "industry=, value= to name yours"
            for c in missing
        ]
    )
    out = table.pivot_table(
        index=region, columns=industry, values=value, aggfunc="sum", fill_value=0.0, sort=True
    )
    out.columns.name = "industry"
    out.index.name = "region"
    return check_matrix(out.astype(float), "table")


def location_quotient(
    e: pd.DataFrame,
    *,
    region_totals: pd.Series | None = None,
    benchmark: pd.Series | None = None,
) -> pd.DataFrame:
    """Location quotient of every region and industry.

    LQ_ir = (e_ir / e_r) / (E_i / E)  (e.g. Isard 1960; Delgado, Porter & Stern 2014).

    Parameters
    ----------
    e : DataFrame
        Region x industry matrix (see module docstring).
    region_totals : Series, optional
        e_r, the regions' totals over *all* industries (index = region). Default: row sums of
        ``e``, i.e. the industries in ``e`` are the whole economy.
    benchmark : Series, optional
        The benchmark economy's values by industry; E_i is read from it for the columns of
        ``e`` and E is its sum (include an "other industries" entry so E is the full total).
        Default: the province = all regions of ``e`` (E_i = column sums, E = Σ_r e_r).

    Returns
    -------
    DataFrame
        Same shape as ``e``. LQ = 0 where e_ir = 0 in a non-empty region (also when the industry
        is absent from the benchmark, E_i = 0); NaN only for an empty region (e_r = 0), whose
        specialisation is undefined.

    Examples
    --------
    >>> e = pd.DataFrame({"x": [2.0, 0.0, 0.0], "y": [2.0, 4.0, 0.0]}, index=["a", "b", "c"])
    >>> location_quotient(e).round(2).to_dict("index")
    {'a': {'x': 2.0, 'y': 0.67}, 'b': {'x': 0.0, 'y': 1.33}, 'c': {'x': nan, 'y': nan}}
    """
    check_matrix(e)
    x = e.to_numpy(dtype=float)
    er = aligned_totals(region_totals, e.index, "region_totals", x.sum(axis=1))
    ei = aligned_totals(benchmark, e.columns, "benchmark", x.sum(axis=0))
    problems = []
    if benchmark is not None:
        bench = pd.to_numeric(benchmark, errors="coerce").to_numpy(dtype=float)
        if (~np.isfinite(bench) | (bench < 0)).any():
            problems.append(
                "benchmark has NaN, non-numeric or negative entries; give every "
                "industry of the benchmark economy a value >= 0"
            )
        total = float(np.nansum(bench))
    else:
        total = float(er.sum())
    if region_totals is not None and (er < x.sum(axis=1) - 1e-9 * np.abs(er)).any():
        problems.append(
            "region_totals is smaller than the sum of the industries in e for "
            f"{list(e.index[er < x.sum(axis=1) - 1e-9 * np.abs(er)])[:10]}; "
            "region totals must include every industry"
        )
    absent = (ei == 0) & (x > 0).any(axis=0)
    if absent.any():
        problems.append(
            f"benchmark is 0 for industries {list(e.columns[absent])} that regions "
            "have; the benchmark economy must contain them"
        )
    raise_problems(problems)
    with np.errstate(all="ignore"):
        share = x / er[:, None]
        base = ei / total if total > 0 else np.zeros_like(ei)
        lq = np.where(base[None, :] > 0, share / np.where(base > 0, base, 1.0)[None, :], 0.0)
    lq[er == 0, :] = np.nan
    return pd.DataFrame(lq, index=e.index, columns=e.columns)


STRENGTH_RULES = ("present", "cluster_mapping")
"""Which regions a node's strength cut-offs are computed over (see :func:`strength_classes`)."""

MIN_PRESENT = 4
"""Default minimum of present regions for ranking: a top quartile needs 1/(1 − 0.75) = 4."""

register_messages(
    {
        "unknown_strength_rule": (
            "未知的强弱判定规则 {value!r}：可选 {valid}",
            "unknown strength rule {value!r}: valid rules are {valid}",
        ),
        "bad_min_present": (
            "min_present={value!r} 无效：应为不小于 1 的整数",
            "min_present={value!r} is invalid: use a whole number of at least 1",
        ),
    }
)


def strength_problems(rule: Any, min_present: Any, *, argument: str = "rule") -> list[Problem]:
    """Problems with a strength rule (one of :data:`STRENGTH_RULES`) and ``min_present``."""
    out = []
    if rule not in STRENGTH_RULES:
        out.append(
            problem(
                "unknown_strength_rule",
                argument=argument,
                value=rule,
                valid=", ".join(STRENGTH_RULES),
            )
        )
    if not (
        isinstance(min_present, int) and not isinstance(min_present, bool) and min_present >= 1
    ):
        out.append(problem("bad_min_present", argument="min_present", value=min_present))
    return out


def strength_classes(
    e: pd.DataFrame,
    *,
    lq: pd.DataFrame | None = None,
    rule: str = "present",
    min_present: int = MIN_PRESENT,
    strong_quantile: float = 0.75,
    size_quantile: float = 0.25,
    significant_quantile: float = 0.5,
    strong10_quantile: float = 0.9,
) -> pd.DataFrame:
    """Classify each region-industry as strong / significant / strong10.

    Per industry i, over its *ranked regions* R_i, with Q_p the p-quantile (linear
    interpolation) of LQ_ir and S_p of e_ir for r ∈ R_i:

    * ``size_ok``     = e_ir > S_size_quantile  (size strictly above the bottom quartile)
    * ``significant`` = LQ_ir >= Q_significant_quantile (median) and LQ_ir >= 1 and size_ok
    * ``strong``      = LQ_ir >= Q_strong_quantile (top quartile) and LQ_ir >= 1 and size_ok
    * ``strong10``    = LQ_ir >= Q_strong10_quantile (top decile) and LQ_ir >= 1 and size_ok

    so strong10 ⊆ strong ⊆ significant; an LQ exactly at a cut-off passes, a size exactly at
    the floor does not.

    ``rule`` says what R_i is:

    * ``"present"`` (default): the regions where the industry is present, e_ir > 0. When fewer
      than ``min_present`` regions have it, the industry is **not ranked** — its present
      regions get class ``not ranked`` and the thresholds are NaN (a top quartile of one, two
      or three regions names no real top; default 4 = 1/(1 − 0.75)).
    * ``"cluster_mapping"``: every region with a defined LQ (non-empty), absent ones included
      — the U.S. Cluster Mapping Project's strong-cluster rule (Delgado, Porter & Stern 2014,
      *Research Policy* 43(10); clustermapping.us methodology) as DESIGN §3 first set it out.
      ``min_present`` does not apply.

    Why the departure: on county data most regions have no activity at a given node (over 75 %
    of Shandong's 136 counties for every chain node of the demonstration data), so under the
    U.S. rule every LQ quartile and the size floor are 0 and "strong" collapses to LQ ≥ 1 and
    e_ir > 0 — a single small firm becomes strong10. The U.S. rule was designed for a
    benchmark (EAs or counties of the whole U.S., with traded clusters present in most of
    them) where that does not happen; ranking among the present regions restores what the
    quartiles are meant to say.

    ``class`` is the highest that holds, else ``not ranked`` (present, too few present
    regions under ``"present"``), ``present`` (e_ir > 0), ``absent`` (e_ir = 0) or
    ``no data`` (empty region, LQ undefined).

    Returns
    -------
    DataFrame
        Indexed by (region, industry); columns value, lq, ranked (the region is in R_i and
        the industry is ranked), size_ok, significant, strong, strong10, class, the
        thresholds used (lq_significant_min, lq_strong_min, lq_strong10_min, size_floor) and
        n_ranked (|R_i|). ``attrs``: rule, min_present. ``.reset_index()`` gives a flat tidy
        table.

    Examples
    --------
    Five present regions of six: the cut-offs come from the five (LQ 1…5: median 3, Q75 = 4,
    Q90 = 4.6; sizes 10…50: S25 = 20) — the absent region does not pull them to 0; region a
    (size 10) is not above the floor. With two present regions the industry is not ranked:

    >>> e = pd.DataFrame({"x": [10.0, 20, 30, 40, 50, 0], "y": [0.0, 0, 0, 0, 5, 5]},
    ...                  index=list("abcdef"))
    >>> lq = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 0], "y": [0.0, 0, 0, 0, 2, 2]}, index=e.index)
    >>> out = strength_classes(e, lq=lq)
    >>> out.xs("x", level="industry")["class"].tolist()
    ['present', 'present', 'significant', 'strong', 'strong10', 'absent']
    >>> float(out.loc[("a", "x"), "lq_strong_min"]), float(out.loc[("a", "x"), "size_floor"])
    (4.0, 20.0)
    >>> out.xs("y", level="industry")["class"].tolist()
    ['absent', 'absent', 'absent', 'absent', 'not ranked', 'not ranked']
    """
    check_matrix(e)
    qs = {
        "size_quantile": size_quantile,
        "significant_quantile": significant_quantile,
        "strong_quantile": strong_quantile,
        "strong10_quantile": strong10_quantile,
    }
    problems: list[str] = [f"{k}={v!r} must be in [0, 1]" for k, v in qs.items() if not 0 <= v <= 1]
    if not significant_quantile <= strong_quantile <= strong10_quantile:
        problems.append(
            "need significant_quantile <= strong_quantile <= strong10_quantile, got "
            f"{significant_quantile}, {strong_quantile}, {strong10_quantile}"
        )
    problems += strength_problems(rule, min_present)
    raise_problems(problems)
    if lq is None:
        lq = location_quotient(e)
    elif not (lq.index.equals(e.index) and lq.columns.equals(e.columns)):
        raise_problems(
            [
                "lq must have the same regions (index) and industries (columns) as e; compute "
                "it with location_quotient(e, ...)"
            ]
        )
    x, q = e.to_numpy(dtype=float), lq.to_numpy(dtype=float)
    ok = ~np.isnan(q)
    pool = ok & (x > 0) if rule == "present" else ok  # the regions each column is ranked over
    n_ranked = pool.sum(axis=0)
    cols = n_ranked >= (min_present if rule == "present" else 1)
    # significant, strong, strong10 LQ minima; size floor (linear interpolation over the pool)
    thresholds = np.full((4, x.shape[1]), np.nan)
    if cols.any():
        levels = [significant_quantile, strong_quantile, strong10_quantile]
        thresholds[:3, cols] = np.nanquantile(np.where(pool, q, np.nan)[:, cols], levels, axis=0)
        thresholds[3, cols] = np.nanquantile(
            np.where(pool, x, np.nan)[:, cols], size_quantile, axis=0
        )
    lq_sig, lq_strong, lq_10, floor = thresholds
    ranked = pool & cols[None, :]
    with np.errstate(invalid="ignore"):
        size_ok = ranked & (x > floor)
        base = size_ok & (q >= 1)
        sig, strong, s10 = base & (q >= lq_sig), base & (q >= lq_strong), base & (q >= lq_10)
    present = x > 0
    cls = np.select(
        [s10, strong, sig, ~ok, present & ~cols[None, :], present],
        ["strong10", "strong", "significant", "no data", "not ranked", "present"],
        "absent",
    )
    reps = (x.shape[0], 1)
    out = pd.DataFrame(
        {
            "value": x.ravel(),
            "lq": q.ravel(),
            "ranked": ranked.ravel(),
            "size_ok": size_ok.ravel(),
            "significant": sig.ravel(),
            "strong": strong.ravel(),
            "strong10": s10.ravel(),
            "class": cls.ravel(),
            "lq_significant_min": np.tile(lq_sig, reps).ravel(),
            "lq_strong_min": np.tile(lq_strong, reps).ravel(),
            "lq_strong10_min": np.tile(lq_10, reps).ravel(),
            "size_floor": np.tile(floor, reps).ravel(),
            "n_ranked": np.tile(n_ranked, reps).ravel(),
        },
        index=pd.MultiIndex.from_product([e.index, e.columns], names=["region", "industry"]),
    )
    out.attrs.update(rule=rule, min_present=min_present)
    return out
