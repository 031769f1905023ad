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
from layout.metrics.inference import mid_p, permutation_counts

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
    over ordered neighbour / non-neighbour pairs.

    Attributes
    ----------
    gini
        The Gini coefficient G.
    neighbor_sad, non_neighbor_sad
        Sums of absolute differences over neighbour and non-neighbour pairs.
    non_neighbor_share
        Kept under PySAL's name (``wcg_share``) but **not a share**: the non-neighbour
        *component in Gini units*, non_neighbor_sad / (2 n² ȳ), so that it and the neighbour
        component add up to ``gini``. Same number as ``non_neighbor_gini``.
    non_neighbor_gini
        The non-neighbour component in Gini units (= ``non_neighbor_share``).
    non_neighbor_fraction
        The share of inequality that is between non-neighbours,
        non_neighbor_sad / (neighbor_sad + non_neighbor_sad) ∈ [0, 1] (0 when G = 0).
    p_sim
        PySAL's folded pseudo p-value (ties counted as "≥"), kept for comparison.
    p_value
        One-sided mid-p that non-neighbour inequality is *larger* than under random relocation
        (Rey & Smith's alternative): (G + T/2 + 1)/(P + 1), G draws above, T tied
        (:mod:`layout.metrics.inference`); NaN when not testable or permutations = 0.
    n_greater, n_ties
        Draws with a larger / tied non-neighbour sum.
    testable
        False for constant values or a single region (every component 0).
    permutations
        Random relocations drawn.
    """

    gini: float
    neighbor_sad: float
    non_neighbor_sad: float
    non_neighbor_share: float
    p_sim: float
    permutations: int
    non_neighbor_gini: float = 0.0
    non_neighbor_fraction: float = 0.0
    p_value: float = np.nan
    n_greater: int = 0
    n_ties: int = 0
    testable: bool = False


def spatial_gini(values: Any, w: W, *, permutations: int = 99, seed: int = 12345) -> SpatialGini:
    """Spatial Gini of regional values with binary weights (PySAL ``Gini_Spatial``).

    G = Σ_i Σ_j |y_i − y_j| / (2 n² ȳ) split into neighbour pairs (w_ij ≠ 0) and
    non-neighbour pairs (Rey & Smith 2013); the non-neighbour sum is tested against
    ``permutations`` random relocations of the values (PySAL's draws, seeded), with ties
    counted one half (see :class:`SpatialGini`). ``w`` is read as binary contiguity (non-zero
    weight = neighbour). Constant values or a single region: every component 0, p_sim = 1,
    not testable.

    One 9 in the corner of a 3 × 3 rook grid, zeros elsewhere: 16 ordered pairs differ by 9
    (SAD 144, 2 n² ȳ = 162), 4 of them neighbour pairs (SAD 36):

    >>> from libpysal.weights import lat2W
    >>> sg = spatial_gini(np.array([0.0, 0, 0, 0, 0, 0, 0, 0, 9]), lat2W(3, 3), permutations=19)
    >>> round(sg.gini, 4), round(sg.non_neighbor_gini, 4), sg.non_neighbor_fraction
    (0.8889, 0.6667, 0.75)
    """
    check_permutations(permutations, 0)
    y, ids, wi = align_weights(values, w)
    check_nonnegative(y, ids, "values")
    if y.size < 2 or np.ptp(y) == 0:
        return SpatialGini(gini(y), 0.0, 0.0, 0.0, 1.0 if permutations else np.nan, permutations)
    wi.transform = "b"
    with seeded(seed):
        res = _GiniSpatial(y, wi, permutations=permutations)
    total = float(res.wg) + float(res.wcg)
    extra: dict[str, Any] = {}
    if permutations:
        g, lo, t = permutation_counts(np.array([res.wcg]), np.asarray(res.wcgp)[None, :])
        extra = {
            "p_value": float(mid_p(g, lo, t, permutations, alternative="greater")[0]),
            "n_greater": int(g[0]),
            "n_ties": int(t[0]),
        }
    return SpatialGini(
        float(res.g),
        float(res.wg),
        float(res.wcg),
        float(res.wcg_share),
        float(res.p_sim) if permutations else np.nan,
        permutations,
        non_neighbor_gini=float(res.wcg_share),
        non_neighbor_fraction=float(res.wcg) / total if total > 0 else 0.0,
        testable=True,
        **extra,
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


class _GiniSpatial(Gini_Spatial):
    """PySAL's ``Gini_Spatial`` (its statistics and its draws) with the neighbour-pair sum of
    every region done at once instead of one NumPy call per region.

    ``_calc`` returns Σ_i Σ_{j ∈ N(i)} |x_i − x_j| with the very floating-point operations of
    PySAL's loop: each region's terms summed in neighbour order as ``ndarray.sum`` sums them
    (left to right below 8 terms; from 8 to 15, NumPy's eight partial sums combined pairwise,
    then the rest left to right), the regions' sums added in the weights' order — so every
    result, permutations included, is bit for bit PySAL's (tested against it).
    """

    def _calc(self, x: np.ndarray, w: W) -> Any:
        if "_plan" not in self.__dict__:
            self.__dict__["_plan"] = _pair_plan(w)
        plan: dict[str, Any] | None = self.__dict__["_plan"]
        if plan is None:  # ids that do not index the values, or 16+ neighbours: PySAL's loop
            return super()._calc(x, w)
        x = np.asarray(x, dtype=float)
        sums = np.zeros(plan["n"])
        for rows, own, nb, width in plan["groups"]:
            terms = np.abs(x[own][:, None] - x[nb])  # padded with the region itself: 0 terms
            if width < 8:
                acc = terms[:, 0]
                for k in range(1, width):
                    acc = acc + terms[:, k]
            else:
                r = [terms[:, k] for k in range(8)]
                acc = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
                for k in range(8, width):
                    acc = acc + terms[:, k]
            sums[rows] = acc
        if not plan["n"]:
            return 0.0
        return np.cumsum(sums)[-1]  # Python's running ``sad_sum += …``, left to right


def _pair_plan(w: W) -> dict[str, Any] | None:
    """Regions of ``w`` grouped by neighbour count (< 8, 8–15), neighbours padded per group."""
    items = list(w.neighbors.items())
    if not all(isinstance(i, int | np.integer) for i, _ in items) or any(
        len(js) >= 16 for _, js in items
    ):
        return None
    groups = []
    for lo, width in ((0, 7), (8, 15)):
        rows = [k for k, (_, js) in enumerate(items) if lo <= len(js) <= width]
        if not rows:
            continue
        own = np.array([items[k][0] for k in rows], dtype=np.int64)
        nb = np.repeat(own[:, None], width, axis=1)
        for r, k in enumerate(rows):
            js = items[k][1]
            nb[r, : len(js)] = js
        groups.append((np.array(rows, dtype=np.int64), own, nb, width))
    return {"n": len(items), "groups": groups}
