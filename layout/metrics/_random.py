"""Seeded permutation draws: PySAL draws from NumPy's global RNG; seed it and restore it after."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import numpy as np

__all__ = ["seeded"]


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
