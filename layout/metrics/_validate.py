"""Input checks shared by the metrics: every problem gathered into one :class:`MetricInputError`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from libpysal.weights import W

from geo.problems import ProblemError

__all__ = [
    "MetricInputError",
    "align_weights",
    "aligned_totals",
    "check_matrix",
    "check_nonnegative",
    "check_permutations",
    "check_values",
    "raise_problems",
]


class MetricInputError(ProblemError):
    """Invalid metric input; ``.problems`` lists every problem found (argument, value, fix)."""

    subject = ("指标输入", "the metric input")


def raise_problems(problems: Sequence[str]) -> None:
    """Raise one :class:`MetricInputError` listing ``problems`` when there are any."""
    if problems:
        raise MetricInputError(problems)


def check_matrix(e: Any, name: str = "e") -> pd.DataFrame:
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
    raise_problems(problems)
    return e


def check_values(values: Any, name: str = "values") -> tuple[np.ndarray, pd.Index | None]:
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
    raise_problems(problems)
    return y, index


def check_nonnegative(y: np.ndarray, index: pd.Index | None, name: str) -> None:
    neg = y < 0
    if neg.any():
        where = list(index[neg]) if index is not None else list(np.flatnonzero(neg))
        raise_problems(
            [f"{name} has negative values at {where[:10]}; these metrics need values >= 0"]
        )


def aligned_totals(
    s: pd.Series | None, index: pd.Index, name: str, default: np.ndarray
) -> np.ndarray:
    if s is None:
        return default
    missing = index.difference(s.index)
    raise_problems(
        [f"{name} has no value for {list(missing)[:10]}; give every one a value"]
        if len(missing)
        else []
    )
    out = pd.to_numeric(s.reindex(index), errors="coerce").to_numpy(dtype=float)
    raise_problems(
        [f"{name} must be finite and >= 0"] if (~np.isfinite(out) | (out < 0)).any() else []
    )
    return out


def check_permutations(permutations: int, minimum: int) -> None:
    if not isinstance(permutations, int | np.integer) or permutations < minimum:
        raise_problems(
            [f"permutations={permutations!r} must be an integer >= {minimum} (999 is usual)"]
        )


def align_weights(values: Any, w: W) -> tuple[np.ndarray, pd.Index, W]:
    """Return values, region ids and a fresh integer-id copy of ``w`` in the values' order."""
    if hasattr(w, "to_W"):  # libpysal.graph.Graph
        w = w.to_W()
    if not isinstance(w, W):
        raise_problems([f"w must be a libpysal.weights.W, got {type(w).__name__}"])
    y, index = check_values(values)
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
    raise_problems(problems)
    pos = {rid: k for k, rid in enumerate(ids)}
    neigh = {pos[i]: [pos[j] for j in w.neighbors[i]] for i in ids}
    weights = {pos[i]: list(map(float, w.weights[i])) for i in ids}
    return y, ids, W(neigh, weights, id_order=list(range(len(ids))), silence_warnings=True)
