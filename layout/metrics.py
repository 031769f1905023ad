"""Concentration, inequality and spatial-autocorrelation metrics over tidy tables (no geometry).

Input convention
----------------
``e`` is a *region x industry matrix*: a DataFrame whose index holds region codes (adcode
strings such as ``"370102"``, or zone codes) and whose columns hold industries or chain nodes;
cells are non-negative finite numbers (employment, output or firm counts, one base for the whole
table). Build it from a long table with :func:`matrix_from_long`. Per-region values for the
inequality and spatial functions are a Series indexed by region code (or an array in the order of
``w.id_order``); spatial weights are a :class:`libpysal.weights.W` whose ids are the region codes,
built by the caller (the geo adapter lives elsewhere). Notation as in DESIGN §3: e_ir value of
industry i in region r, e_r = Σ_i e_ir, E_i = Σ_r e_ir, E = Σ_r e_r.

Every function validates its input and raises one :class:`MetricInputError` listing all
problems. Degenerate inputs (empty regions, zero totals, one firm, constant values) give the
documented outputs below, never a crash or an unannounced NaN. Random permutation tests are
seeded (``seed``) and leave NumPy's global random state as they found it.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import esda
import numpy as np
import pandas as pd
from inequality.gini import Gini, Gini_Spatial
from inequality.theil import Theil, TheilD
from libpysal.weights import W

__all__ = [
    "GlobalMoran",
    "MetricInputError",
    "SpatialGini",
    "ellison_glaeser",
    "getis_ord_gi_star",
    "gini",
    "global_moran",
    "hhi",
    "local_moran",
    "location_quotient",
    "matrix_from_long",
    "spatial_gini",
    "strength_classes",
    "theil",
]

_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}  # esda Moran_Local.q (geoda_quads=False)


class MetricInputError(ValueError):
    """Invalid metric input; ``.problems`` lists every problem found (argument, value, fix)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


# --------------------------------------------------------------------------- validation


def _raise(problems: list[str]) -> None:
    if problems:
        raise MetricInputError(problems)


def _check_matrix(e: Any, name: str = "e") -> pd.DataFrame:
    if not isinstance(e, pd.DataFrame):
        raise MetricInputError(
            [
                f"{name} must be a DataFrame (index = region, columns = "
                f"industry), got {type(e).__name__}; build it with "
                "matrix_from_long()"
            ]
        )
    problems = []
    for what, labels in (("region codes", e.index), ("industry columns", e.columns)):
        if labels.has_duplicates:
            dup = sorted(map(str, labels[labels.duplicated()].unique()))[:10]
            problems.append(
                f"{name} has duplicate {what} {dup}; aggregate them first "
                "(matrix_from_long sums duplicates)"
            )
    bad = [c for c, dt in e.dtypes.items() if not pd.api.types.is_numeric_dtype(dt)]
    if bad:
        problems.append(f"{name} columns {bad} are not numeric; convert them with pd.to_numeric")
    else:
        x = e.to_numpy(dtype=float)
        for what, mask in (("non-finite (NaN/inf)", ~np.isfinite(x)), ("negative", x < 0)):
            if mask.any():
                r, c = np.argwhere(mask)[0]
                problems.append(
                    f"{name} has {int(mask.sum())} {what} cell(s), e.g. region "
                    f"{e.index[r]!r} industry {e.columns[c]!r} = {x[r, c]}; use "
                    "finite values >= 0 (0 for none)"
                )
    _raise(problems)
    return e


def _check_values(values: Any, name: str = "values") -> tuple[np.ndarray, pd.Index | None]:
    index = values.index if isinstance(values, pd.Series) else None
    try:
        y = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise MetricInputError([f"{name} must be numeric, got {values!r:.60}"]) from None
    problems = []
    if y.ndim != 1:
        problems.append(f"{name} must be one-dimensional, got shape {y.shape}")
    elif y.size == 0:
        problems.append(f"{name} is empty; pass at least one region")
    else:
        bad = ~np.isfinite(y)
        if bad.any():
            where = list(index[bad]) if index is not None else list(np.flatnonzero(bad))
            problems.append(f"{name} has NaN/inf at {where[:10]}; drop or fill those regions")
    _raise(problems)
    return y, index


def _check_nonnegative(y: np.ndarray, index: pd.Index | None, name: str) -> None:
    neg = y < 0
    if neg.any():
        where = list(index[neg]) if index is not None else list(np.flatnonzero(neg))
        _raise([f"{name} has negative values at {where[:10]}; these metrics need values >= 0"])


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
    _raise(
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
    return _check_matrix(out.astype(float), "table")


# --------------------------------------------------------------------------- specialisation


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
    _check_matrix(e)
    x = e.to_numpy(dtype=float)
    er = _aligned(region_totals, e.index, "region_totals", x.sum(axis=1))
    ei = _aligned(benchmark, e.columns, "benchmark", x.sum(axis=0))
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
    _raise(problems)
    with np.errstate(all="ignore"):
        share = x / er[:, None]
        base = ei / total if total > 0 else np.zeros_like(ei)
        lq = np.where(base[None, :] > 0, share / np.where(base > 0, base, 1.0)[None, :], 0.0)
    lq[er == 0, :] = np.nan
    return pd.DataFrame(lq, index=e.index, columns=e.columns)


def _aligned(s: pd.Series | None, index: pd.Index, name: str, default: np.ndarray) -> np.ndarray:
    if s is None:
        return default
    missing = index.difference(s.index)
    _raise(
        [f"{name} has no value for {list(missing)[:10]}; give every one a value"]
        if len(missing)
        else []
    )
    out = pd.to_numeric(s.reindex(index), errors="coerce").to_numpy(dtype=float)
    _raise([f"{name} must be finite and >= 0"] if (~np.isfinite(out) | (out < 0)).any() else [])
    return out


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
    _check_matrix(e)
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
    _raise(problems)
    if lq is None:
        lq = location_quotient(e)
    elif not (lq.index.equals(e.index) and lq.columns.equals(e.columns)):
        _raise(
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


# --------------------------------------------------------------------------- concentration


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
    _raise(
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
    _raise(
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
    _check_matrix(e)
    missing = e.columns.difference(firm_hhi.index)
    _raise(
        [f"firm_hhi has no value for industries {list(missing)}; compute hhi() for them"]
        if len(missing)
        else []
    )
    h = pd.to_numeric(firm_hhi.reindex(e.columns), errors="coerce").to_numpy(dtype=float)
    out_of_range = (h < 0) | (h > 1 + 1e-12)
    _raise(
        [
            f"firm_hhi must lie in [0, 1]; industries {list(e.columns[out_of_range])} are "
            "outside (HHI of shares is in [1/n, 1])"
        ]
        if out_of_range.any()
        else []
    )
    x = e.to_numpy(dtype=float)
    er = _aligned(region_totals, e.index, "region_totals", x.sum(axis=1))
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


# --------------------------------------------------------------------------- inequality


def gini(values: Any) -> float:
    """Gini coefficient of non-negative regional values (PySAL ``inequality.gini.Gini``).

    G = Σ_i Σ_j |y_i − y_j| / (2 n² ȳ)  (relative mean difference; max (n − 1)/n).
    All-zero values or a single region: 0 (perfect equality).

    >>> gini([0.0, 0.0, 0.0, 4.0])
    0.75
    """
    y, index = _check_values(values)
    _check_nonnegative(y, index, "values")
    if y.sum() == 0 or y.size == 1:
        return 0.0
    return float(Gini(y).g)


@dataclass(frozen=True)
class SpatialGini:
    """Spatial Gini decomposition (Rey & Smith 2013, *Letters in Spatial and Regional Science*).

    gini = (neighbor_sad + non_neighbor_sad) / (2 n² ȳ), where *_sad are sums of |y_i − y_j|
    over ordered neighbour / non-neighbour pairs; p_sim tests whether non-neighbour inequality
    is larger than under random relocation (NaN when permutations = 0).
    """

    gini: float
    neighbor_sad: float
    non_neighbor_sad: float
    non_neighbor_share: float
    p_sim: float
    permutations: int


def spatial_gini(values: Any, w: W, *, permutations: int = 99, seed: int = 12345) -> SpatialGini:
    """Spatial Gini of regional values with binary weights (PySAL ``Gini_Spatial``).

    ``w`` is read as binary contiguity (non-zero weight = neighbour). Constant values or a single
    region: every component 0 and p_sim = 1.
    """
    _check_permutations(permutations, 0)
    y, ids, wi = _align(values, w)
    _check_nonnegative(y, ids, "values")
    if y.size < 2 or np.ptp(y) == 0:
        return SpatialGini(gini(y), 0.0, 0.0, 0.0, 1.0 if permutations else np.nan, permutations)
    wi.transform = "b"
    with _seeded(seed):
        res = Gini_Spatial(y, wi, permutations=permutations)
    return SpatialGini(
        float(res.g),
        float(res.wg),
        float(res.wcg),
        float(res.wcg_share),
        float(res.p_sim) if permutations else np.nan,
        permutations,
    )


def theil(
    values: Any, *, groups: Mapping[Any, Any] | pd.Series | Sequence[Any] | None = None
) -> pd.Series:
    """Theil's T with its between-group / within-group decomposition (PySAL ``Theil``, ``TheilD``).

    T = Σ_r s_r ln(n s_r), s_r = y_r / Σ y;  between = Σ_g s_g ln(n s_g / n_g);
    within = T − between = Σ_g s_g T_g (Theil 1967; Shorrocks 1980).

    ``groups`` maps each region to exactly one group (a partition). Plan zones overlap, so the
    caller must first choose a partition, e.g. each county's primary zone; a region listed in two
    groups is an error. Without ``groups``: between = 0, within = total. All-zero values or one
    region: all 0.

    Returns
    -------
    Series
        Index total, between, within; name ``theil``.
    """
    y, index = _check_values(values)
    _check_nonnegative(y, index, "values")
    part = None if groups is None else _partition(groups, index, y.size)
    if y.sum() == 0 or y.size == 1:
        t = bg = 0.0
    elif part is None:
        t, bg = float(np.ravel(Theil(y).T)[0]), 0.0
    else:
        res = TheilD(y, part)
        t, bg = float(np.ravel(res.T)[0]), float(np.ravel(res.bg)[0])
    return pd.Series({"total": t, "between": bg, "within": t - bg}, name="theil")


def _partition(groups: Any, index: pd.Index | None, n: int) -> np.ndarray:
    if isinstance(groups, pd.Series | Mapping):
        s = groups if isinstance(groups, pd.Series) else pd.Series(dict(groups))
        if s.index.has_duplicates:
            dup = sorted(map(str, s.index[s.index.duplicated()].unique()))[:10]
            _raise(
                [
                    f"groups lists regions {dup} in more than one group; zones overlap, so pick "
                    "one group per region (e.g. the county's primary zone)"
                ]
            )
        regions = index if index is not None else pd.RangeIndex(n)
        missing = regions.difference(s.index)
        _raise(
            [
                f"groups has no group for regions {list(missing)[:10]}; the partition must be "
                "exhaustive"
            ]
            if len(missing)
            else []
        )
        arr = s.reindex(regions).to_numpy()
    else:
        arr = np.asarray(groups)
        _raise([f"groups has {arr.size} entries for {n} values"] if arr.shape != (n,) else [])
    _raise(["groups has missing (NaN/None) entries"] if pd.isna(arr).any() else [])
    return np.asarray(pd.factorize(arr)[0])


# --------------------------------------------------------------------------- spatial


def _align(values: Any, w: W) -> tuple[np.ndarray, pd.Index, W]:
    """Return values, region ids and a fresh integer-id copy of ``w`` in the values' order."""
    if hasattr(w, "to_W"):  # libpysal.graph.Graph
        w = w.to_W()
    if not isinstance(w, W):
        _raise([f"w must be a libpysal.weights.W, got {type(w).__name__}"])
    y, index = _check_values(values)
    ids = pd.Index(w.id_order) if index is None else index
    problems = []
    if index is None and y.size != w.n:
        problems.append(f"values has {y.size} entries but w has {w.n} regions")
    elif index is not None:
        if index.has_duplicates:
            problems.append(f"values has duplicate regions {list(index[index.duplicated()])[:10]}")
        extra, lack = index.difference(w.id_order), pd.Index(w.id_order).difference(index)
        if len(extra) or len(lack):
            problems.append(
                f"values and w cover different regions: not in w {list(extra)[:10]}, "
                f"no value for {list(lack)[:10]}; align them (same region codes)"
            )
    _raise(problems)
    pos = {rid: k for k, rid in enumerate(ids)}
    neigh = {pos[i]: [pos[j] for j in w.neighbors[i]] for i in ids}
    weights = {pos[i]: list(map(float, w.weights[i])) for i in ids}
    return y, ids, W(neigh, weights, id_order=list(range(len(ids))), silence_warnings=True)


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed NumPy's global RNG (PySAL draws from it), quiet PySAL's float noise, restore after."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message="The alternative hypothesis", category=DeprecationWarning
            )
            yield
    finally:
        np.random.set_state(state)


def _check_permutations(permutations: int, minimum: int) -> None:
    if not isinstance(permutations, int | np.integer) or permutations < minimum:
        _raise([f"permutations={permutations!r} must be an integer >= {minimum} (999 is usual)"])


def _fdr_significant(p: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    if not 0 < alpha < 1:
        _raise([f"fdr_alpha={alpha!r} must be in (0, 1)"])
    threshold = float(esda.fdr(p, alpha))  # Benjamini-Hochberg cut-off
    return p < threshold, threshold


def _tied(sim: np.ndarray | None, observed: np.ndarray) -> np.ndarray:
    """Regions whose every permuted statistic equals the observed one: no test, p = 1."""
    if sim is None:
        return np.zeros(observed.shape, bool)
    return np.all(np.isclose(sim, observed[None, :], rtol=0, atol=1e-12), axis=0)


@dataclass(frozen=True)
class GlobalMoran:
    """Global Moran's I with permutation inference; ``note`` explains a degenerate result."""

    I: float  # noqa: E741  (the statistic's name)
    expected_I: float  # noqa: N815
    z_sim: float
    p_sim: float
    p_norm: float
    n: int
    permutations: int
    note: str = ""


def global_moran(
    values: Any, w: W, *, permutations: int = 999, seed: int = 12345, transformation: str = "r"
) -> GlobalMoran:
    """Global Moran's I of regional values (PySAL ``esda.Moran``).

    I = (n / S0) · Σ_i Σ_j w_ij z_i z_j / Σ_i z_i², z = y − ȳ, S0 = Σ w_ij, with w row-standardised
    by default (Moran 1950; Cliff & Ord 1981). p_sim is the folded pseudo p-value of
    ``permutations`` random relocations ((min(#≥, #<) + 1) / (permutations + 1)).

    Degenerate input (constant values, fewer than 3 regions, or no neighbour pairs): I = 0,
    z_sim = 0, p_sim = p_norm = 1 and ``note`` says why — there is no pattern to detect.
    With ``permutations=0`` only the analytical p_norm (two-sided) is given; p_sim and z_sim
    are NaN.
    """
    _check_permutations(permutations, 0)
    y, _, wi = _align(values, w)
    n = int(y.size)
    ei = -1.0 / (n - 1) if n > 1 else 0.0
    note = (
        "constant values"
        if np.ptp(y) == 0
        else "fewer than 3 regions"
        if n < 3
        else "no neighbour pairs in w"
        if wi.s0 == 0
        else ""
    )
    if note:
        return GlobalMoran(0.0, ei, 0.0, 1.0, 1.0, n, permutations, note + ": no spatial pattern")
    with _seeded(seed):
        m = esda.Moran(y, wi, transformation=transformation, permutations=permutations)
    p_sim = float(m.p_sim) if permutations else np.nan
    z_sim = float(m.z_sim) if permutations else np.nan
    return GlobalMoran(float(m.I), float(m.EI), z_sim, p_sim, float(m.p_norm), n, permutations)


def local_moran(
    values: Any,
    w: W,
    *,
    permutations: int = 999,
    seed: int = 12345,
    fdr_alpha: float = 0.05,
    transformation: str = "r",
) -> pd.DataFrame:
    """Local Moran's I (LISA) per region with quadrants and FDR-controlled significance.

    I_i = (n − 1) z_i Σ_j w_ij z_j / Σ_k z_k², z standardised (Anselin 1995, *Geographical
    Analysis* 27(2); PySAL ``esda.Moran_Local``, conditional permutation with ``seed``).
    Significance: p_sim below the Benjamini-Hochberg cut-off at ``fdr_alpha`` (``esda.fdr``).

    Returns
    -------
    DataFrame
        Indexed by region: value, z, lag_z, Is, p_sim, quadrant (HH, LH, LL, HL; ``none`` for
        an island or constant input), significant, cluster (quadrant if significant else
        ``ns``); ``attrs["fdr_threshold"]``. Constant input: Is = 0, p_sim = 1, no clusters.
        A region whose permuted statistics all equal the observed one (an island, or a value
        exactly at the mean) gets p_sim = 1 rather than PySAL's spurious 1/(permutations + 1).
    """
    _check_permutations(permutations, 1)
    y, ids, wi = _align(values, w)
    n = y.size
    if np.ptp(y) == 0 or n < 3:
        out = pd.DataFrame(
            {
                "value": y,
                "z": 0.0,
                "lag_z": 0.0,
                "Is": 0.0,
                "p_sim": 1.0,
                "quadrant": "none",
                "significant": False,
                "cluster": "ns",
            },
            index=ids,
        )
        out.attrs["fdr_threshold"] = fdr_alpha / n
        return out
    with _seeded(seed):
        lm = esda.Moran_Local(
            y,
            wi,
            transformation=transformation,
            permutations=permutations,
            seed=seed,
            n_jobs=1,
            keep_simulations=True,
        )
    islands = np.array([wi.cardinalities[i] == 0 for i in range(n)])
    p = np.where(_tied(lm.sim, lm.Is) | islands, 1.0, lm.p_sim)
    sig, thr = _fdr_significant(p, fdr_alpha)
    quad = np.where(islands, "none", [_QUADRANTS[int(q)] for q in lm.q])
    out = pd.DataFrame(
        {
            "value": y,
            "z": lm.z,
            "lag_z": lm.w.sparse @ lm.z,
            "Is": lm.Is,
            "p_sim": p,
            "quadrant": quad,
            "significant": sig,
            "cluster": np.where(sig, quad, "ns"),
        },
        index=ids,
    )
    out.attrs["fdr_threshold"] = thr
    return out


def getis_ord_gi_star(
    values: Any,
    w: W,
    *,
    permutations: int = 999,
    seed: int = 12345,
    fdr_alpha: float = 0.05,
    transform: str = "B",
) -> pd.DataFrame:
    """Getis-Ord Gi* hot and cold spots (PySAL ``esda.G_Local`` with ``star``).

    G*_i = Σ_j w_ij y_j / Σ_j y_j with each region its own neighbour (w_ii = 1 added), binary
    weights by default (Getis & Ord 1992; Ord & Getis 1995, *Geographical Analysis* 27(4)).
    z is the analytical z-score; p_sim the conditional-permutation pseudo p-value; a region is
    ``hot`` (``cold``) when p_sim is below the Benjamini-Hochberg cut-off at ``fdr_alpha`` and
    z > 0 (z < 0). Values must be >= 0.

    Returns
    -------
    DataFrame
        Indexed by region: value, G, z, p_sim, significant, spot (hot, cold, ns);
        ``attrs["fdr_threshold"]``. Constant or all-zero input: z = 0, p_sim = 1, no spots
        (G = Σ_j w_ij / n, or 0 when all values are 0).
    """
    _check_permutations(permutations, 1)
    y, ids, wi = _align(values, w)
    _check_nonnegative(y, ids, "values")
    n = y.size
    neigh = {i: sorted(set(wi.neighbors[i]) | {i}) for i in range(n)}
    own = {i: dict(zip(wi.neighbors[i], wi.weights[i], strict=True)) for i in range(n)}
    ws = W(
        neigh,
        {i: [own[i].get(j, 1.0) for j in neigh[i]] for i in range(n)},
        id_order=list(range(n)),
        silence_warnings=True,
    )
    if np.ptp(y) == 0 or n < 3:
        ws.transform = transform
        g = ws.sparse @ y / y.sum() if y.sum() > 0 else np.zeros(n)
        out = pd.DataFrame(
            {"value": y, "G": g, "z": 0.0, "p_sim": 1.0, "significant": False, "spot": "ns"},
            index=ids,
        )
        out.attrs["fdr_threshold"] = fdr_alpha / n
        return out
    with _seeded(seed):
        gl = esda.G_Local(
            y,
            ws,
            transform=transform,
            permutations=permutations,
            star=None,
            keep_simulations=True,
            n_jobs=1,
            seed=seed,
        )
    p = np.where(_tied(gl.sim, gl.Gs), 1.0, gl.p_sim)
    sig, thr = _fdr_significant(p, fdr_alpha)
    spot = np.where(sig & (gl.Zs > 0), "hot", np.where(sig & (gl.Zs < 0), "cold", "ns"))
    out = pd.DataFrame(
        {"value": y, "G": gl.Gs, "z": gl.Zs, "p_sim": p, "significant": sig, "spot": spot},
        index=ids,
    )
    out.attrs["fdr_threshold"] = thr
    return out
