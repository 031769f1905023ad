"""Specialisation: the region x industry matrix, location quotients and strength classes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from layout.metrics._validate import aligned_totals, check_matrix, raise_problems

__all__ = ["location_quotient", "matrix_from_long", "strength_classes"]


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


def strength_classes(
    e: pd.DataFrame,
    *,
    lq: pd.DataFrame | None = None,
    strong_quantile: float = 0.75,
    size_quantile: float = 0.25,
    significant_quantile: float = 0.5,
    strong10_quantile: float = 0.9,
) -> pd.DataFrame:
    """Classify each region-industry as strong / significant / strong10 (U.S. Cluster Mapping).

    Over the regions of one level with a defined LQ (empty regions excluded), per industry i,
    with Q_p the p-quantile (linear interpolation) of LQ_i· and S_p of e_i·:

    * ``size_ok``     = e_ir > S_size_quantile  (size above the bottom quartile)
    * ``significant`` = LQ_ir >= Q_significant_quantile (median) and LQ_ir >= 1 and size_ok
    * ``strong``      = LQ_ir >= Q_strong_quantile (top quartile) and LQ_ir >= 1 and size_ok
    * ``strong10``    = LQ_ir >= Q_strong10_quantile (top decile) and LQ_ir >= 1 and size_ok

    so strong10 ⊆ strong ⊆ significant. ``class`` is the highest that holds, else ``present``
    (e_ir > 0), ``absent`` (e_ir = 0) or ``no data`` (empty region). The rule follows the U.S.
    Cluster Mapping Project's strong-cluster definition (Delgado, Porter & Stern 2014,
    *Research Policy* 43(10); clustermapping.us methodology) as set out in DESIGN §3.

    Returns
    -------
    DataFrame
        Indexed by (region, industry); columns value, lq, size_ok, significant, strong, strong10,
        class and the thresholds used (lq_significant_min, lq_strong_min, lq_strong10_min,
        size_floor). ``.reset_index()`` gives a flat tidy table.
    """
    check_matrix(e)
    qs = {
        "size_quantile": size_quantile,
        "significant_quantile": significant_quantile,
        "strong_quantile": strong_quantile,
        "strong10_quantile": strong10_quantile,
    }
    problems = [f"{k}={v!r} must be in [0, 1]" for k, v in qs.items() if not 0 <= v <= 1]
    if not significant_quantile <= strong_quantile <= strong10_quantile:
        problems.append(
            "need significant_quantile <= strong_quantile <= strong10_quantile, got "
            f"{significant_quantile}, {strong_quantile}, {strong10_quantile}"
        )
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
    thresholds = np.full(
        (4, x.shape[1]), np.nan
    )  # significant, strong, strong10 LQ minima; size floor
    cols = ok.any(axis=0)
    if (
        cols.any()
    ):  # each column's quantiles over its regions with a defined LQ (linear interpolation)
        qs = [significant_quantile, strong_quantile, strong10_quantile]
        thresholds[:3, cols] = np.nanquantile(q[:, cols], qs, axis=0)
        thresholds[3, cols] = np.nanquantile(
            np.where(ok, x, np.nan)[:, cols], size_quantile, axis=0
        )
    lq_sig, lq_strong, lq_10, floor = thresholds
    with np.errstate(invalid="ignore"):
        size_ok = ok & (x > floor)
        base = size_ok & (q >= 1)
        sig, strong, s10 = base & (q >= lq_sig), base & (q >= lq_strong), base & (q >= lq_10)
    cls = np.select(
        [s10, strong, sig, ~ok, x > 0],
        ["strong10", "strong", "significant", "no data", "present"],
        "absent",
    )
    reps = (x.shape[0], 1)
    out = pd.DataFrame(
        {
            "value": x.ravel(),
            "lq": q.ravel(),
            "size_ok": size_ok.ravel(),
            "significant": sig.ravel(),
            "strong": strong.ravel(),
            "strong10": s10.ravel(),
            "class": cls.ravel(),
            "lq_significant_min": np.tile(lq_sig, reps).ravel(),
            "lq_strong_min": np.tile(lq_strong, reps).ravel(),
            "lq_strong10_min": np.tile(lq_10, reps).ravel(),
            "size_floor": np.tile(floor, reps).ravel(),
        },
        index=pd.MultiIndex.from_product([e.index, e.columns], names=["region", "industry"]),
    )
    return out
