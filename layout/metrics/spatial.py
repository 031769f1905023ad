"""Spatial autocorrelation: global Moran's I, local Moran (LISA) and Getis-Ord Gi* (PySAL esda)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import esda
import numpy as np
import pandas as pd
from libpysal.weights import W

from layout.metrics._random import seeded
from layout.metrics._validate import (
    align_weights,
    check_nonnegative,
    check_permutations,
    raise_problems,
)

__all__ = ["GlobalMoran", "getis_ord_gi_star", "global_moran", "local_moran"]

_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}  # esda Moran_Local.q (geoda_quads=False)


def _fdr_significant(p: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    if not 0 < alpha < 1:
        raise_problems([f"fdr_alpha={alpha!r} must be in (0, 1)"])
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
    check_permutations(permutations, 1)
    y, ids, wi = align_weights(values, w)
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
        out = pd.DataFrame(
            {"value": y, "G": g, "z": 0.0, "p_sim": 1.0, "significant": False, "spot": "ns"},
            index=ids,
        )
        out.attrs["fdr_threshold"] = fdr_alpha / n
        return out
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
    p = np.where(_tied(gl.sim, gl.Gs), 1.0, gl.p_sim)
    sig, thr = _fdr_significant(p, fdr_alpha)
    spot = np.where(sig & (gl.Zs > 0), "hot", np.where(sig & (gl.Zs < 0), "cold", "ns"))
    out = pd.DataFrame(
        {"value": y, "G": gl.Gs, "z": gl.Zs, "p_sim": p, "significant": sig, "spot": spot},
        index=ids,
    )
    out.attrs["fdr_threshold"] = thr
    return out
