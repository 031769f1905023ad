"""Seeded permutation draws: PySAL draws from NumPy's global RNG; seed it and restore it after."""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["reuse_conditional_draws", "seeded"]


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
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


_DRAWS_KEPT = 8
_draws_lock = threading.Lock()


def reuse_conditional_draws() -> None:
    """Let esda's conditional randomisation (LISA, Gi*) reuse its draws for equal arguments.

    ``esda.crand.vec_permutations(max_card, n, permutations, seed)`` seeds NumPy's global RNG
    with ``seed`` and draws the same (permutations × max_card) neighbour ids every time it is
    called with the same four numbers — for every chain's LISA and Gi* over the same counties
    and seed. Without numba it is a Python loop over the permutations, so it is wrapped (once,
    idempotently) to keep the last few draws with the RNG state they leave: a repeat call
    returns a copy of the same ids and leaves NumPy's RNG exactly as the draw would, so every
    result is unchanged (tested against esda's own function).
    """
    try:
        from esda import crand
    except ImportError:  # pragma: no cover - esda is a dependency
        return
    original = crand.vec_permutations
    if getattr(original, "_reuses_draws", False):
        return
    kept: OrderedDict[tuple[int, int, int, int], tuple[np.ndarray, Any]] = OrderedDict()

    def vec_permutations(max_card: int, n: int, k_replications: int, seed: int) -> np.ndarray:
        try:
            key = (int(max_card), int(n), int(k_replications), int(seed))
        except (TypeError, ValueError):
            return original(max_card, n, k_replications, seed)
        with _draws_lock:
            hit = kept.get(key)
            if hit is not None:
                kept.move_to_end(key)
                np.random.set_state(hit[1])
                return hit[0].copy()
        ids = original(max_card, n, k_replications, seed)
        with _draws_lock:
            kept[key] = (ids.copy(), np.random.get_state())
            while len(kept) > _DRAWS_KEPT:
                kept.popitem(last=False)
        return ids

    wrapped: Callable[..., np.ndarray] = vec_permutations
    wrapped._reuses_draws = True  # type: ignore[attr-defined]
    wrapped.__wrapped__ = original  # type: ignore[attr-defined]
    crand.vec_permutations = wrapped
