"""Permutation inference that holds on zero-inflated data: ties, untestable units, FDR.

PySAL computes the statistics and draws the permutations; this module reads its simulated
values and decides what they mean, because PySAL's pseudo p-value gets three things wrong on
county data where most counties have no activity at a node:

* **Ties.** ``esda`` counts a draw as "at least as extreme" with ``sim >= observed`` and then
  folds (``min(#≥, P − #≥)``). When 11–23 % of the draws reproduce the observed statistic
  exactly (an all-zero neighbourhood drawn again), a unit whose statistic is the *lowest*
  attainable has ``#≥ = P``, so the folded count is 0 and p = 1/(P + 1) — the most significant
  result possible — and whether a tie is counted at all depends on 1e-16 rounding between the
  observed and the simulated computation. Here a draw ties when
  ``|sim − obs| ≤ TIE_RTOL · max(1, |obs|)`` (``TIE_RTOL`` = 1e-12; the smallest genuine
  difference on the shipped data is about 1e-6) and counts one half (mid-p, Lancaster 1961).
* **Direction.** The label of a local result (hot/cold, HH/LL/LH/HL) follows from where the
  observed value falls in its *own* conditional permutation distribution (more draws below
  than above: high), not from the sign of the analytical z, which is driven by the unit's own
  value (a county with a large value and all-zero neighbours has z > 0 but the lowest
  attainable neighbourhood).
* **Untestable units.** A unit with no neighbours, a zero value among all-zero neighbours
  ("nothing here or around"), or every draw tied with the observed value has no permutation
  distribution to speak of: it gets no p-value, and it is left out of the
  Benjamini–Hochberg set, where spurious small p-values would loosen the cut-off for the
  genuine ones.

Definitions (P draws, observed statistic s, simulated s_k, tolerance t = TIE_RTOL·max(1, |s|)):

    G = #{k : s_k > s + t},   L = #{k : s_k < s − t},   T = P − G − L
    p = (min(G, L) + T/2 + 1) / (P + 1)          (folded mid-p, the default)
    direction = high if G < L, low if L < G, none if G = L

This is the folded ("directed") convention of PySAL, GeoDa and spdep — the tail the
observed value falls in — with ties counted one half instead of as "more extreme"; the
``+ 1`` counts the observed arrangement as one draw at least as extreme (Davison & Hinkley
1997, §4.2), so p > 0 always. ``alternative="two-sided"`` doubles it (capped at 1);
``"greater"``/``"less"`` give one tail. FDR: Benjamini & Hochberg (1995) over the testable
units only; a unit is significant when p ≤ k·α/m, m testable units, k the largest i with
p_(i) ≤ i·α/m. Note the resolution: the smallest p is 1/(P + 1), so with m tests a lone
discovery needs P + 1 ≥ m/α (about 2,700 permutations for 136 counties at 5 %); with the
usual 999, BH can only flag groups of at least three counties at the minimum — a cluster.

>>> greater, less, ties = permutation_counts(np.array([0.0]), np.array([[0.0, 0.0, 1.0, 2.0]]))
>>> int(greater[0]), int(less[0]), int(ties[0])
(2, 0, 2)
>>> float(mid_p(greater, less, ties, 4)[0])  # (min(2, 0) + 2/2 + 1) / 5
0.4
>>> str(direction_of(greater, less)[0])  # no draw below, two above: the observed is low
'low'
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from geo.problems import problem, register_messages
from layout.metrics._validate import raise_problems

__all__ = [
    "NOT_TESTABLE",
    "TIE_RTOL",
    "bh_significant",
    "direction_of",
    "mid_p",
    "permutation_counts",
]

TIE_RTOL = 1e-12
"""Relative tolerance under which a simulated statistic ties with the observed one."""

NOT_TESTABLE: dict[str, tuple[str, str]] = {
    "no_neighbours": ("没有相邻单元", "no neighbours"),
    "zero_neighbourhood": (
        "本单元及其全部相邻单元均为0：周边没有可检验的格局",
        "zero value with all-zero neighbours: nothing here or around to test",
    ),
    "all_ties": (
        "每次置换的统计量都等于观测值：没有可比较的分布",
        "every permuted statistic equals the observed one: no distribution to compare with",
    ),
    "constant_values": ("各单元取值相同", "constant values"),
    "too_few_regions": ("区域少于3个", "fewer than 3 regions"),
    "no_permutations": ("未做置换检验（permutations=0）", "no permutations (permutations=0)"),
}
"""Why a unit is not testable: reason code → (Chinese, English)."""

register_messages(
    {
        "not_a_probability": (
            "{argument}={value!r} 无效：应为 0 到 1 之间（不含端点）的数",
            "{argument}={value!r} is invalid: give a number strictly between 0 and 1",
        ),
    }
)


def permutation_counts(
    observed: np.ndarray, simulated: np.ndarray, *, rtol: float = TIE_RTOL
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draws above, below and tied with the observed statistic, per unit.

    Parameters
    ----------
    observed
        Observed statistic per unit, shape (n,).
    simulated
        Simulated statistics, shape (n, P): row i holds unit i's P draws.
    rtol
        Relative tie tolerance: a draw ties when |s_k − s| ≤ rtol · max(1, |s|).

    Returns
    -------
    (greater, less, ties)
        Integer arrays of shape (n,), summing to P.
    """
    obs = np.asarray(observed, dtype=float).reshape(-1)
    sim = np.asarray(simulated, dtype=float).reshape(obs.size, -1)
    tol = rtol * np.maximum(1.0, np.abs(obs))
    diff = sim - obs[:, None]
    greater = (diff > tol[:, None]).sum(axis=1)
    less = (diff < -tol[:, None]).sum(axis=1)
    return greater, less, sim.shape[1] - greater - less


def mid_p(
    greater: np.ndarray,
    less: np.ndarray,
    ties: np.ndarray,
    permutations: int,
    *,
    alternative: Literal["folded", "two-sided", "greater", "less"] = "folded",
) -> np.ndarray:
    """Mid-p permutation p-value from the counts of :func:`permutation_counts`.

    ``greater``: p_high = (G + T/2 + 1)/(P + 1) (is the observed value unusually high?);
    ``less``: p_low = (L + T/2 + 1)/(P + 1); ``folded`` (default): min(p_high, p_low), the
    tail the observed value falls in; ``two-sided``: min(1, 2·min(p_high, p_low)).
    """
    g, lo, t = (np.asarray(a, dtype=float) for a in (greater, less, ties))
    p_high = (g + t / 2 + 1) / (permutations + 1)
    p_low = (lo + t / 2 + 1) / (permutations + 1)
    if alternative == "greater":
        return p_high
    if alternative == "less":
        return p_low
    folded = np.minimum(p_high, p_low)
    return folded if alternative == "folded" else np.minimum(1.0, 2 * folded)


def direction_of(greater: np.ndarray, less: np.ndarray) -> np.ndarray:
    """``high`` where fewer draws lie above the observed value than below, ``low`` where fewer
    lie below, ``none`` where as many lie on each side."""
    g, lo = np.asarray(greater), np.asarray(less)
    return np.where(g < lo, "high", np.where(lo < g, "low", "none"))


def bh_significant(
    p: np.ndarray, testable: np.ndarray, *, alpha: float = 0.05
) -> tuple[np.ndarray, float, int]:
    """Benjamini–Hochberg decisions over the testable units only.

    Parameters
    ----------
    p
        p-values (ignored where not ``testable``; may be NaN there).
    testable
        Which units were tested.
    alpha
        The false discovery rate, in (0, 1).

    Returns
    -------
    (significant, threshold, m)
        ``significant`` = testable and p ≤ threshold; ``threshold`` = k·α/m for the largest k
        with p_(k) ≤ k·α/m among the m testable p-values (0.0 when there is no such k).
    """
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise_problems([problem("not_a_probability", argument="fdr_alpha", value=alpha)])
    p = np.asarray(p, dtype=float)
    testable = np.asarray(testable, dtype=bool)
    tested = np.sort(p[testable])
    m = int(tested.size)
    threshold = 0.0
    if m:
        below = np.flatnonzero(tested <= alpha * np.arange(1, m + 1) / m)
        if below.size:
            threshold = float(alpha * (below[-1] + 1) / m)
    with np.errstate(invalid="ignore"):
        significant = testable & (p <= threshold) & (threshold > 0)
    return significant, threshold, m
