"""Inequality across regions: Gini, spatial Gini (Rey & Smith) and Theil with its decomposition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from inequality.gini import Gini, Gini_Spatial
from inequality.theil import Theil, TheilD
from libpysal.weights import W

from layout.metrics._random import seeded
from layout.metrics._validate import (
    align_weights,
    check_nonnegative,
    check_permutations,
    check_values,
    raise_problems,
)

__all__ = ["SpatialGini", "gini", "spatial_gini", "theil"]


def gini(values: Any) -> float:
    """Gini coefficient of non-negative regional values (PySAL ``inequality.gini.Gini``).

    G = Σ_i Σ_j |y_i − y_j| / (2 n² ȳ)  (relative mean difference; max (n − 1)/n).
    All-zero values or a single region: 0 (perfect equality).

    >>> gini([0.0, 0.0, 0.0, 4.0])
    0.75
    """
    y, index = check_values(values)
    check_nonnegative(y, index, "values")
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
    check_permutations(permutations, 0)
    y, ids, wi = align_weights(values, w)
    check_nonnegative(y, ids, "values")
    if y.size < 2 or np.ptp(y) == 0:
        return SpatialGini(gini(y), 0.0, 0.0, 0.0, 1.0 if permutations else np.nan, permutations)
    wi.transform = "b"
    with seeded(seed):
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
    y, index = check_values(values)
    check_nonnegative(y, index, "values")
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
            raise_problems(
                [
                    f"groups lists regions {dup} in more than one group; zones overlap, so pick "
                    "one group per region (e.g. the county's primary zone)"
                ]
            )
        regions = index if index is not None else pd.RangeIndex(n)
        missing = regions.difference(s.index)
        raise_problems(
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
        raise_problems(
            [f"groups has {arr.size} entries for {n} values"] if arr.shape != (n,) else []
        )
    raise_problems(["groups has missing (NaN/None) entries"] if pd.isna(arr).any() else [])
    return np.asarray(pd.factorize(arr)[0])
