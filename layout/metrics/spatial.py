"""Spatial autocorrelation: global Moran's I, local Moran (LISA) and Getis-Ord Gi* (PySAL esda).

PySAL computes every statistic and draws every permutation (seeded); the p-values, directions,
"not testable" flags and FDR decisions are read from its simulated values by
:mod:`layout.metrics.inference`, whose docstring says what PySAL's pseudo p-value gets wrong on
zero-inflated data and how the tie rule is defined. PySAL's own ``p_sim`` is kept beside
``p_value`` for comparison; decisions use ``p_value``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import esda
import numpy as np
import pandas as pd
from libpysal.weights import W

from layout.metrics._random import reuse_conditional_draws, seeded
from layout.metrics._validate import align_weights, check_nonnegative, check_permutations
from layout.metrics.inference import (
    TIE_RTOL,
    bh_significant,
    direction_of,
    mid_p,
    permutation_counts,
)

__all__ = ["GlobalMoran", "getis_ord_gi_star", "global_moran", "local_moran"]

reuse_conditional_draws()  # LISA and Gi* of every chain draw the same neighbour ids: once

_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}  # esda Moran_Local.q (geoda_quads=False)


@dataclass(frozen=True)
class GlobalMoran:
    """Global Moran's I with permutation inference; ``note`` explains a degenerate result.

    ``p_sim`` is PySAL's folded pseudo p-value ((min(#≥, #<) + 1)/(P + 1), ties counted as
    "≥"), kept as it was; ``p_value`` is the folded mid-p of
    :mod:`layout.metrics.inference` (NaN when not testable or without permutations),
    ``direction`` ``clustered`` (I above most draws), ``dispersed`` (below) or ``none``, and
    ``n_greater``/``n_less``/``n_ties`` count the draws above, below and tied with I.
    """

    I: float  # noqa: E741  (the statistic's name)
    expected_I: float  # noqa: N815
    z_sim: float
    p_sim: float
    p_norm: float
    n: int
    permutations: int
    note: str = ""
    p_value: float = np.nan
    direction: str = "none"
    n_greater: int = 0
    n_less: int = 0
    n_ties: int = 0
    testable: bool = False
    tie_rtol: float = TIE_RTOL


def global_moran(
    values: Any, w: W, *, permutations: int = 999, seed: int = 12345, transformation: str = "r"
) -> GlobalMoran:
    """Global Moran's I of regional values (PySAL ``esda.Moran``).

    I = (n / S0) · Σ_i Σ_j w_ij z_i z_j / Σ_i z_i², z = y − ȳ, S0 = Σ w_ij, with w row-standardised
    by default (Moran 1950; Cliff & Ord 1981), tested against ``permutations`` random
    relocations of the values. ``p_value`` = (min(G, L) + T/2 + 1)/(P + 1) with G, L, T the
    draws above, below and tied with I (folded mid-p, :mod:`layout.metrics.inference`);
    ``p_sim`` is PySAL's folded pseudo p-value, kept for comparison.

    Degenerate input (constant values, fewer than 3 regions, or no neighbour pairs): I = 0,
    z_sim = 0, p_sim = p_norm = 1, ``testable`` False, ``p_value`` NaN and ``note`` says why —
    there is no pattern to detect. With ``permutations=0`` only the analytical p_norm
    (two-sided) is given; p_sim, z_sim and p_value are NaN.

    >>> from libpysal.weights import lat2W
    >>> trend = global_moran(np.arange(9.0), lat2W(3, 3), permutations=99, seed=1)
    >>> trend.direction, trend.n_greater, trend.p_value   # no draw above I: 1/100
    ('clustered', 0, 0.01)
    """
    check_permutations(permutations, 0)
    y, _, wi = align_weights(values, w)
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
    with seeded(seed):
        m = esda.Moran(y, wi, transformation=transformation, permutations=permutations)
    if not permutations:
        return GlobalMoran(
            float(m.I), float(m.EI), np.nan, np.nan, float(m.p_norm), n, 0, testable=True
        )
    g, lo, t = permutation_counts(np.array([m.I]), np.asarray(m.sim, dtype=float)[None, :])
    testable = bool(t[0] < permutations)
    return GlobalMoran(
        float(m.I),
        float(m.EI),
        float(m.z_sim),
        float(m.p_sim),
        float(m.p_norm),
        n,
        permutations,
        "" if testable else "every permuted I equals the observed one: no spatial pattern",
        p_value=float(mid_p(g, lo, t, permutations)[0]) if testable else np.nan,
        direction={"high": "clustered", "low": "dispersed"}.get(
            str(direction_of(g, lo)[0]), "none"
        ),
        n_greater=int(g[0]),
        n_less=int(lo[0]),
        n_ties=int(t[0]),
        testable=testable,
    )


def _local_inference(
    observed: np.ndarray,
    simulated: np.ndarray,
    y: np.ndarray,
    neighbours: list[np.ndarray],
    permutations: int,
    fdr_alpha: float,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Testability, counts, mid-p, direction and FDR decisions of a local statistic.

    ``simulated`` is (n, P); ``neighbours[i]`` the positions of unit i's neighbours (not i).
    """
    n = y.size
    card = np.array([len(nb) for nb in neighbours])
    zero_hood = np.array(
        [y[i] == 0 and len(nb) > 0 and bool(np.all(y[nb] == 0)) for i, nb in enumerate(neighbours)]
    )
    g, lo, t = permutation_counts(observed, simulated)
    reason = np.select(
        [card == 0, zero_hood, t == permutations],
        ["no_neighbours", "zero_neighbourhood", "all_ties"],
        "",
    )
    testable = reason == ""
    p = np.where(testable, mid_p(g, lo, t, permutations), np.nan)
    sig, threshold, m = bh_significant(p, testable, alpha=fdr_alpha)
    cols = {
        "n_neighbours": card,
        "testable": testable,
        "reason": reason,
        "n_greater": g,
        "n_less": lo,
        "n_ties": t,
        "p_value": p,
        "direction": np.where(testable, direction_of(g, lo), "none"),
        "significant": sig,
    }
    attrs = {
        "fdr_threshold": threshold,
        "fdr_alpha": fdr_alpha,
        "fdr_tests": m,
        "permutations": permutations,
        "tie_rtol": TIE_RTOL,
        "n": n,
    }
    return cols, attrs


def _untestable(y: np.ndarray, reason: str, fdr_alpha: float) -> tuple[dict[str, Any], dict]:
    """Columns and attrs for an input where no unit is testable (constant values, n < 3)."""
    n = y.size
    cols = {
        "n_neighbours": np.zeros(n, int),
        "testable": False,
        "reason": reason,
        "n_greater": 0,
        "n_less": 0,
        "n_ties": 0,
        "p_value": np.nan,
        "direction": "none",
        "significant": False,
    }
    attrs = {"fdr_threshold": 0.0, "fdr_alpha": fdr_alpha, "fdr_tests": 0, "tie_rtol": TIE_RTOL}
    return cols, attrs


def _neighbours(wi: W) -> list[np.ndarray]:
    return [np.array([j for j in wi.neighbors[i] if j != i], dtype=int) for i in range(wi.n)]


_LISA_LABEL = {
    ("high", True): "HH",
    ("high", False): "LL",
    ("low", True): "HL",
    ("low", False): "LH",
}


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
    Analysis* 27(2); PySAL ``esda.Moran_Local``, conditional permutation with ``seed``: z_i
    fixed, the neighbours drawn from the other regions).

    Inference (:mod:`layout.metrics.inference`): a region is *not testable* with no
    neighbours, with a zero value among all-zero neighbours, or when every draw ties with
    I_i; otherwise p_value = (min(G, L) + T/2 + 1)/(P + 1) (folded mid-p) and the region is
    significant when p_value passes Benjamini–Hochberg at ``fdr_alpha`` over the testable
    regions. A significant region's cluster follows from where I_i falls in its own
    permutation distribution (``direction`` high: positive local association, HH if z_i > 0
    else LL; low: negative, HL if z_i > 0 else LH) — not from the quadrant, which can
    disagree when the lag is near its conditional mean.

    Returns
    -------
    DataFrame
        Indexed by region: value, z, lag_z, Is, quadrant (HH, LH, LL, HL of z and its lag;
        ``none`` for an island or constant input), n_neighbours, testable, reason (a key of
        :data:`~layout.metrics.inference.NOT_TESTABLE`, ``""`` when testable), n_greater,
        n_less, n_ties, p_sim (PySAL's folded pseudo p-value, for comparison), p_value (NaN
        when not testable), direction (high, low, none), significant, cluster (HH, LL, LH, HL
        when significant, ``ns``, or ``not testable``). ``attrs``: fdr_threshold (the BH
        cut-off k·α/m, 0 when nothing passes), fdr_alpha, fdr_tests (m), permutations,
        tie_rtol.

    Examples
    --------
    An island and a zero among zeros are not testable and get no p-value:

    >>> from libpysal.weights import W
    >>> w = W({"a": ["b"], "b": ["a", "c"], "c": ["b"], "d": []}, silence_warnings=True)
    >>> out = local_moran(pd.Series({"a": 0.0, "b": 0.0, "c": 5.0, "d": 1.0}), w, permutations=9)
    >>> out[["testable", "reason", "cluster"]].loc[["a", "d"]].values.tolist()
    [[False, 'zero_neighbourhood', 'not testable'], [False, 'no_neighbours', 'not testable']]
    """
    check_permutations(permutations, 1)
    y, ids, wi = align_weights(values, w)
    n = y.size
    if np.ptp(y) == 0 or n < 3:
        cols, attrs = _untestable(y, "constant_values" if n >= 3 else "too_few_regions", fdr_alpha)
        out = pd.DataFrame(
            {"value": y, "z": 0.0, "lag_z": 0.0, "Is": 0.0, "quadrant": "none"}
            | cols
            | {"p_sim": 1.0, "cluster": "not testable"},
            index=ids,
        )
        out["n_neighbours"] = [len(nb) for nb in _neighbours(wi)]
        out.attrs.update(attrs, permutations=permutations)
        return _local_columns(out, "cluster")
    with seeded(seed):
        lm = esda.Moran_Local(
            y,
            wi,
            transformation=transformation,
            permutations=permutations,
            seed=seed,
            n_jobs=1,
            keep_simulations=True,
        )
    cols, attrs = _local_inference(
        np.asarray(lm.Is, dtype=float), lm.rlisas, y, _neighbours(wi), permutations, fdr_alpha
    )
    islands = cols["n_neighbours"] == 0
    quad = np.where(islands, "none", [_QUADRANTS[int(q)] for q in lm.q])
    label = np.array(
        [
            _LISA_LABEL.get((d, bool(z > 0)), "ns")
            for d, z in zip(cols["direction"], lm.z, strict=True)
        ]
    )
    cluster = np.where(cols["testable"], np.where(cols["significant"], label, "ns"), "not testable")
    out = pd.DataFrame(
        {
            "value": y,
            "z": lm.z,
            "lag_z": lm.w.sparse @ lm.z,
            "Is": lm.Is,
            "quadrant": quad,
            **cols,
            "p_sim": lm.p_sim,
            "cluster": cluster,
        },
        index=ids,
    )
    out.attrs.update(attrs)
    return _local_columns(out, "cluster")


def _local_columns(out: pd.DataFrame, label: str) -> pd.DataFrame:
    """Columns in a fixed order: the statistic's own first, then the inference, then the label."""
    inference = [
        "n_neighbours",
        "testable",
        "reason",
        "n_greater",
        "n_less",
        "n_ties",
        "p_sim",
        "p_value",
        "direction",
        "significant",
    ]
    own = [c for c in out.columns if c not in (*inference, label)]
    return out[[*own, *inference, label]]


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
    z is the analytical z-score. Inference as in :func:`local_moran` (conditional
    permutation: y_i fixed, the neighbours drawn from the other regions; not testable with no
    neighbours, a zero value among all-zero neighbours, or all draws tied; BH over the
    testable regions). A significant region is ``hot`` when G*_i lies above most of its own
    draws and ``cold`` when below — the sign of z is not used, since it follows the region's
    own value (a large value among all-zero neighbours has z > 0 yet the lowest attainable
    neighbourhood). Values must be >= 0.

    Returns
    -------
    DataFrame
        Indexed by region: value, G, z, then the inference columns of :func:`local_moran`
        (n_neighbours excludes the region itself) and spot (hot, cold, ns, not testable);
        the same ``attrs``. Constant or all-zero input: z = 0, p_sim = 1, nothing testable
        (G = Σ_j w_ij / n, or 0 when all values are 0).
    """
    check_permutations(permutations, 1)
    y, ids, wi = align_weights(values, w)
    check_nonnegative(y, ids, "values")
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
        cols, attrs = _untestable(y, "constant_values" if n >= 3 else "too_few_regions", fdr_alpha)
        out = pd.DataFrame(
            {"value": y, "G": g, "z": 0.0} | cols | {"p_sim": 1.0, "spot": "not testable"},
            index=ids,
        )
        out["n_neighbours"] = [len(nb) for nb in _neighbours(wi)]
        out.attrs.update(attrs, permutations=permutations)
        return _local_columns(out, "spot")
    with seeded(seed):
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
    cols, attrs = _local_inference(
        np.asarray(gl.Gs, dtype=float), gl.rGs, y, _neighbours(wi), permutations, fdr_alpha
    )
    spot = np.where(
        cols["testable"],
        np.where(
            cols["significant"],
            np.where(
                cols["direction"] == "high",
                "hot",
                np.where(cols["direction"] == "low", "cold", "ns"),
            ),
            "ns",
        ),
        "not testable",
    )
    out = pd.DataFrame(
        {"value": y, "G": gl.Gs, "z": gl.Zs, **cols, "p_sim": gl.p_sim, "spot": spot},
        index=ids,
    )
    out.attrs.update(attrs)
    return _local_columns(out, "spot")
