"""Vectorised text columns: every table column is a pyarrow string array without nulls.

The row checks work on whole columns with :mod:`pyarrow.compute` (C loops; no per-row Python),
and map the *distinct* values of a column through Python only where a lookup needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from layout.records.table import BoolArray

__all__ = [
    "TEXT",
    "TextArray",
    "as_text",
    "blank",
    "bools",
    "contains",
    "distinct",
    "empty_text",
    "fold",
    "map_distinct",
    "nfkc",
    "objects",
    "strip",
    "take",
]

TextArray: TypeAlias = Any
"""A pyarrow ``large_string`` array (``pa.Array``) without nulls (a blank cell is ``""``)."""

TEXT = pa.large_string()
"""The type of every text column: pandas' ``str`` dtype holds large strings, so columns of this
type become Series without a copy."""


def as_text(values: Iterable[Any] | pa.Array | pa.ChunkedArray) -> TextArray:
    """A column of text cells as a :data:`TextArray` (None becomes ``""``)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(
            values if isinstance(values, Sequence | np.ndarray) else list(values), type=TEXT
        )
    if values.type != TEXT:
        values = values.cast(TEXT)
    if values.null_count:
        values = pc.fill_null(values, "")
    return values


def empty_text(n: int) -> TextArray:
    """``n`` blank cells."""
    return (
        pa.array([""] * n, type=TEXT)
        if n < 1024
        else pc.cast(pa.nulls(n, TEXT).fill_null(""), TEXT)
    )


def bools(values: pa.Array | pa.ChunkedArray) -> BoolArray:
    """A pyarrow boolean array as numpy (nulls count as False)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.null_count:
        values = pc.fill_null(values, False)
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)


def objects(values: pa.Array) -> np.ndarray:
    """The cells as a numpy object array of ``str``."""
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)


def strip(values: TextArray) -> TextArray:
    """Cells without surrounding white space (Unicode white space, as ``str.strip``)."""
    return pc.utf8_trim_whitespace(values)


def blank(values: TextArray) -> BoolArray:
    """True where a cell is empty or white space only."""
    return bools(pc.equal(pc.utf8_trim_whitespace(values), ""))


def nfkc(values: TextArray) -> TextArray:
    """Unicode NFKC (full-width letters, digits, brackets and spaces become ASCII)."""
    return pc.utf8_normalize(values, form="NFKC")


def fold(values: TextArray) -> TextArray:
    """The matching key: NFKC, lower case, without any white space."""
    return pc.replace_substring_regex(pc.utf8_lower(nfkc(values)), r"\s+", "")


def contains(values: TextArray, needle: str) -> BoolArray:
    """True where a cell contains ``needle`` literally."""
    return bools(pc.match_substring(values, needle))


def take(values: TextArray, mask: BoolArray) -> TextArray:
    """The cells where ``mask`` is True."""
    return values.filter(pa.array(mask, type=pa.bool_()))


def map_distinct(values: TextArray, fn: Callable[[str], Any]) -> list[Any]:
    """``[fn(v) for v in values]``, calling ``fn`` once per distinct value."""
    encoded = values.dictionary_encode()
    mapped = [fn(v) for v in encoded.dictionary.to_pylist()]
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    table = np.empty(len(mapped), dtype=object)
    table[:] = mapped
    return list(table[indices]) if len(indices) else []


def distinct(values: TextArray) -> tuple[list[str], np.ndarray]:
    """The distinct values of a column and, per row, the position of its value among them."""
    encoded = values.dictionary_encode()
    return encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False)
