"""Concentration of industries: firm HHI and the Ellison-Glaeser agglomeration index."""

from __future__ import annotations

import numpy as np
import pandas as pd

from layout.metrics._validate import aligned_totals, check_matrix, raise_problems

__all__ = ["ellison_glaeser", "hhi"]


def hhi(
    firms: pd.DataFrame, *, by: str | list[str] = "industry", value: str = "value"
) -> pd.Series:
    """Herfindahl-Hirschman index of firm concentration per group (industry or chain node).

    HHI_i = Σ_k (e_k / e_i)², e_i = Σ_k e_k over the firms k of group i (Herfindahl 1950;
    Ellison & Glaeser 1997 use it as H_i). With n firms of positive value HHI ∈ [1/n, 1];
    one firm gives 1. A group whose firms all have value 0 has no size to share: HHI = NaN.

    >>> firms = pd.DataFrame({"industry": ["x", "x", "y"], "value": [3.0, 1.0, 5.0]})
    >>> hhi(firms).to_dict()   # x: 0.75² + 0.25² = 0.625
    {'x': 0.625, 'y': 1.0}
    """
    keys = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*keys, value] if c not in firms.columns]
    raise_problems(
        [
            f"firms has no column {c!r} (columns: {list(firms.columns)}); pass by= / value="
            for c in missing
        ]
    )
    v = pd.to_numeric(firms[value], errors="coerce")
    checks = (
        (~np.isfinite(v.to_numpy(dtype=float)), f"firms[{value!r}] is non-numeric/NaN/inf"),
        ((v < 0).to_numpy(), f"firms[{value!r}] is negative"),
        (firms[keys].isna().any(axis=1).to_numpy(), f"firms has no {keys} value"),
    )
    raise_problems(
        [
            f"{what} at rows {list(firms.index[bad])[:10]}; fix or drop those firms"
            for bad, what in checks
            if bad.any()
        ]
    )
    grouped = v.groupby([firms[k] for k in keys])
    total = grouped.transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        sq = (v / total) ** 2
    out = sq.groupby([firms[k] for k in keys]).sum(min_count=1)
    out[grouped.sum() == 0] = np.nan
    return out.rename("hhi")


def ellison_glaeser(
    e: pd.DataFrame, firm_hhi: pd.Series, *, region_totals: pd.Series | None = None
) -> pd.DataFrame:
    """Ellison-Glaeser agglomeration index γ_i of every industry.

    γ_i = [G_i − (1 − Σ_r x_r²) H_i] / [(1 − Σ_r x_r²)(1 − H_i)],
    G_i = Σ_r (s_ir − x_r)², s_ir = e_ir / e_i, x_r = e_r / E
    (Ellison & Glaeser 1997, *J. Political Economy* 105(5), 889-927). x_r should be the region's
    share of aggregate (e.g. all-manufacturing) activity: pass ``region_totals`` when ``e`` holds
    only some industries. γ ≈ 0: as concentrated as random location; > 0.05 is usually read as
    highly agglomerated.

    Parameters
    ----------
    e : DataFrame
        Region x industry matrix.
    firm_hhi : Series
        H_i by industry (e.g. from :func:`hhi`), values in [0, 1]; must cover e's columns.
    region_totals : Series, optional
        e_r over all industries (default: row sums of ``e``).

    Returns
    -------
    DataFrame
        Indexed by industry: gamma, G, H, sum_x2, reason. gamma is NaN exactly when reason is
        non-empty: no activity (e_i = 0), H_i = 1 or NaN (one firm / no firm data), or
        Σ x_r² = 1 (a single region holds everything, e.g. only one region).
    """
    check_matrix(e)
    missing = e.columns.difference(firm_hhi.index)
    raise_problems(
        [f"firm_hhi has no value for industries {list(missing)}; compute hhi() for them"]
        if len(missing)
        else []
    )
    h = pd.to_numeric(firm_hhi.reindex(e.columns), errors="coerce").to_numpy(dtype=float)
    out_of_range = (h < 0) | (h > 1 + 1e-12)
    raise_problems(
        [
            f"firm_hhi must lie in [0, 1]; industries {list(e.columns[out_of_range])} are "
            "outside (HHI of shares is in [1/n, 1])"
        ]
        if out_of_range.any()
        else []
    )
    x = e.to_numpy(dtype=float)
    er = aligned_totals(region_totals, e.index, "region_totals", x.sum(axis=1))
    sum_x2 = float(((er / er.sum()) ** 2).sum()) if er.sum() > 0 else 1.0
    ei = x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = x / ei[None, :]
        xr = er / er.sum() if er.sum() > 0 else np.zeros_like(er)
        g = ((s - xr[:, None]) ** 2).sum(axis=0)
        gamma = (g - (1 - sum_x2) * h) / ((1 - sum_x2) * (1 - h))
    reason = np.select(
        [
            ei == 0,
            np.isclose(sum_x2, 1.0, rtol=0, atol=1e-12) | (sum_x2 > 1),
            np.isnan(h),
            np.isclose(h, 1.0, rtol=0, atol=1e-12),
        ],
        [
            "no activity in the industry (e_i = 0)",
            "a single region holds all activity (Σ x_r² = 1): γ undefined",
            "H_i is NaN (no firm values)",
            "one firm holds the whole industry (H_i = 1): γ undefined",
        ],
        "",
    )
    gamma = np.where(reason == "", gamma, np.nan)
    g = np.where(ei == 0, np.nan, g)
    return pd.DataFrame(
        {"gamma": gamma, "G": g, "H": h, "sum_x2": sum_x2, "reason": reason},
        index=pd.Index(e.columns, name="industry"),
    )
