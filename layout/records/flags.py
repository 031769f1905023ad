"""Per-row flags (reject reasons or notes) with optional details in Chinese and English."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from layout.records.strings import TEXT
from layout.records.table import BoolArray, ObjArray

__all__ = ["Flags", "append_text"]


def append_text(target: ObjArray, mask: BoolArray, text: ObjArray | str, sep: str) -> None:
    """In place: ``target[mask] += sep + text`` (no separator on empty cells)."""
    idx = np.flatnonzero(mask)
    if idx.size:
        current = target[idx]
        addition = text[idx] if isinstance(text, np.ndarray) else text
        target[idx] = np.where(current == "", addition, current + sep + addition)


@dataclass
class Flags:
    """Codes set per row, in the order of a vocabulary, each with an optional detail."""

    vocabulary: Mapping[str, tuple[str, str]]
    n: int
    masks: dict[str, BoolArray] = field(default_factory=dict)
    details: dict[str, tuple[ObjArray, ObjArray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for code in self.vocabulary:
            self.masks[code] = np.zeros(self.n, dtype=bool)

    def set(
        self,
        code: str,
        mask: BoolArray,
        detail: tuple[Any, Any] | None = None,
    ) -> None:
        """OR ``mask`` into ``code`` (a vocabulary code); add its per-row detail."""
        self.masks[code] = self.masks[code] | mask
        if detail is not None:
            mine = self.details.setdefault(
                code, (np.full(self.n, "", dtype=object), np.full(self.n, "", dtype=object))
            )
            for arr, add, sep in ((mine[0], detail[0], "；"), (mine[1], detail[1], "; ")):
                has = mask & (np.asarray(add, dtype=object) != "")
                append_text(arr, has, np.asarray(add, dtype=object), sep)

    def clear(self, where: BoolArray) -> None:
        """Unset every code on the rows in ``where``."""
        for code in self.masks:
            self.masks[code] = self.masks[code] & ~where

    def any(self) -> BoolArray:
        """Rows with at least one code set."""
        out = np.zeros(self.n, dtype=bool)
        for m in self.masks.values():
            out |= m
        return out

    def _keys(self, where: BoolArray) -> np.ndarray:
        """Per row (in ``where``) an integer whose bits are the codes set (vocabulary order)."""
        key = np.zeros(int(where.sum()), dtype=np.int64)
        for bit, code in enumerate(self.vocabulary):
            m = self.masks[code][where]
            if m.any():
                key |= m.astype(np.int64) << bit
        return key

    def _detailed(self, where: BoolArray) -> BoolArray:
        """Rows (in ``where``) with a detail for a code they have."""
        out = np.zeros(int(where.sum()), dtype=bool)
        for code, (d_zh, _) in self.details.items():
            out |= self.masks[code][where] & (d_zh[where] != "")
        return out

    def codes(self, where: BoolArray) -> pa.Array:
        """``;``-joined codes of the rows in ``where`` (a pyarrow string array)."""
        codes = list(self.vocabulary)
        return _by_key(self._keys(where), lambda k: ";".join(c for b, c in enumerate(codes)
                                                             if k >> b & 1))  # fmt: skip

    def texts(self, where: BoolArray) -> tuple[pa.Array, pa.Array]:
        """Chinese and English texts (with details) of the rows in ``where`` (pyarrow arrays).

        Rows without details share their text with every row of the same codes (built once per
        combination); rows with details are written out one by one.
        """
        items = list(self.vocabulary.items())
        keys = self._keys(where)
        zh = _by_key(
            keys, lambda k: "；".join(t[0] for b, (_, t) in enumerate(items) if k >> b & 1)
        )
        en = _by_key(
            keys, lambda k: "; ".join(t[1] for b, (_, t) in enumerate(items) if k >> b & 1)
        )
        detailed = self._detailed(where)
        if not detailed.any():
            return zh, en
        rows = np.flatnonzero(where)[detailed]
        one = np.zeros(self.n, dtype=bool)
        one[rows] = True
        d_zh, d_en = self._texts_slow(one)
        mask = pa.array(detailed)
        return (pc.replace_with_mask(zh, mask, pa.array(d_zh, TEXT)),
                pc.replace_with_mask(en, mask, pa.array(d_en, TEXT)))  # fmt: skip

    def _texts_slow(self, where: BoolArray) -> tuple[ObjArray, ObjArray]:
        k = int(where.sum())
        zh = np.full(k, "", dtype=object)
        en = np.full(k, "", dtype=object)
        for code, (text_zh, text_en) in self.vocabulary.items():
            sub = self.masks[code][where]
            if not sub.any():
                continue
            add_zh: ObjArray | str = text_zh
            add_en: ObjArray | str = text_en
            if code in self.details:
                d_zh, d_en = self.details[code][0][where], self.details[code][1][where]
                add_zh = np.where(d_zh != "", text_zh + "：" + d_zh, text_zh).astype(object)
                add_en = np.where(d_en != "", text_en + ": " + d_en, text_en).astype(object)
            append_text(zh, sub, add_zh, "；")
            append_text(en, sub, add_en, "; ")
        return zh, en

    def counts(self, where: BoolArray | None = None) -> dict[str, int]:
        """Code -> number of rows (in ``where``) with it, for the codes that occur."""
        out = {}
        for code, m in self.masks.items():
            k = int((m if where is None else m & where).sum())
            if k:
                out[code] = k
        return out


def _by_key(keys: np.ndarray, text: Callable[[int], str]) -> pa.Array:
    """``[text(k) for k in keys]`` as a pyarrow string array, ``text`` called once per value."""
    if not len(keys):
        return pa.array([], TEXT)
    if not keys.any():  # no code on any row: one value, no sort
        value = pa.array([text(0)], TEXT)
        indices = pa.array(np.zeros(len(keys), dtype=np.int32))
        return pa.DictionaryArray.from_arrays(indices, value).dictionary_decode()
    uniq, inverse = np.unique(keys, return_inverse=True)
    dictionary = pa.array([text(int(k)) for k in uniq], TEXT)
    indices = pa.array(inverse.astype(np.int32))
    return pa.DictionaryArray.from_arrays(indices, dictionary).dictionary_decode()
