"""Cell text to values, vectorised: numbers (full-width digits, thousands separators, no other
separators), adcodes and years."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from layout.records.strings import TextArray, bools, nfkc, strip
from layout.records.table import BoolArray, FloatArray

__all__ = ["NUMBER", "parse_adcode", "parse_numbers", "parse_year"]

NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
"""A decimal number as the importer reads it: optional sign, digits with one optional point,
optional exponent. No underscores, no inner spaces, no separators but the thousands form."""
_THOUSANDS = r"^[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$"
_NON_FINITE = r"^[+-]?(?:nan|inf|infinity)$"


def parse_numbers(values: TextArray) -> tuple[FloatArray, BoolArray, BoolArray, BoolArray]:
    """Parse text cells to float: (values, blank, non_numeric, non_finite).

    A cell is a number when, stripped and NFKC-normalised (full-width digits and points), it is
    a plain decimal (:data:`NUMBER`) or a thousands form (``1,234.5``). ``11_7.0009`` (Python's
    ``float`` would read 117.0009), ``1,2,3`` and ``12 34`` are not numbers; ``nan``/``inf``
    text and overflowing literals (``1e400``) are non-finite.

    >>> v, b, nn, nf = parse_numbers(pa.array(["１２.5", "1,234", "11_7.0", "", "inf"]))
    >>> v[:2].tolist(), b.tolist(), nn.tolist(), nf.tolist()
    ([12.5, 1234.0], [False, False, False, True, False], [False, False, True, False, False], [False, False, False, False, True])
    """
    text = strip(values)
    n = len(text)
    is_blank = pc.equal(text, "")
    blank = bools(is_blank)
    fast = _all_plain(text, is_blank)
    if fast is not None:  # every cell a plain number (the usual machine export): one C pass
        out = np.array(fast.to_numpy(zero_copy_only=False), dtype=float)
        out[blank] = np.nan
        return out, blank, np.zeros(n, dtype=bool), ~blank & ~np.isfinite(out)
    plain = bools(pc.match_substring_regex(text, NUMBER))
    out = np.full(n, np.nan)
    if plain.any():
        out[plain] = _cast(text.filter(pa.array(plain)))
    rest = ~plain & ~blank
    non_numeric = np.zeros(n, dtype=bool)
    if rest.any():
        idx = np.flatnonzero(rest)
        sub = pc.utf8_trim_whitespace(nfkc(text.filter(pa.array(rest))))
        thousands = bools(pc.match_substring_regex(sub, _THOUSANDS))
        sub = pc.if_else(pa.array(thousands), pc.replace_substring(sub, ",", ""), sub)
        good = bools(pc.match_substring_regex(sub, NUMBER))
        if good.any():
            out[idx[good]] = _cast(sub.filter(pa.array(good)))
        words = bools(pc.match_substring_regex(sub, _NON_FINITE, ignore_case=True))
        if words.any():
            lowered = [w.lower().lstrip("+") for w in sub.filter(pa.array(words)).to_pylist()]
            out[idx[words]] = [
                np.nan if "nan" in w else (-np.inf if w[0] == "-" else np.inf) for w in lowered
            ]
        non_numeric[idx[~good & ~words]] = True
    non_finite = ~blank & ~non_numeric & ~np.isfinite(out)
    return out, blank, non_numeric, non_finite


def _all_plain(text: pa.Array, is_blank: pa.Array) -> pa.Array | None:
    """The cells cast to float when every non-blank one is a plain ASCII decimal, else None.

    pyarrow's cast accepts a little more than :data:`NUMBER` (``inf``, ``nan``, ``1e5`` forms
    with a leading ``+``): ``nan``/``inf`` spelt out are still non-finite, as documented; a
    cast that fails on any cell sends the column through the exact path.
    """
    if not len(text):
        return None
    try:
        values = pc.cast(pc.if_else(is_blank, None, text), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pc.fill_null(values, np.nan)


def _cast(text: pa.Array) -> FloatArray:
    return np.asarray(pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def parse_adcode(values: TextArray) -> tuple[TextArray, BoolArray, BoolArray]:
    """6-digit adcodes (``370102``, ``370102.0``, ``370102000000``): (codes, blank, invalid).

    ``codes`` is ``""`` where a cell is blank or invalid.
    """
    text = pc.utf8_trim_whitespace(nfkc(values))
    blank = bools(pc.equal(text, ""))
    found = pc.extract_regex(text, r"^(?P<code>[0-9]{6})(?:\.0+|0{6})?$")
    code = pc.fill_null(pc.struct_field(found, "code"), "")
    invalid = ~blank & bools(pc.equal(code, ""))
    return code, blank, invalid


def parse_year(values: TextArray) -> tuple[np.ndarray, BoolArray]:
    """Years 1900-2100 (``2023``, ``2023.0``) as a nullable integer array, and invalid cells."""
    text = pc.utf8_trim_whitespace(nfkc(values))
    blank = bools(pc.equal(text, ""))
    found = pc.struct_field(pc.extract_regex(text, r"^(?P<y>[0-9]{4})(?:\.0+)?$"), "y")
    year = pc.cast(found, pa.int64())
    good = bools(pc.and_(pc.greater_equal(year, 1900), pc.less_equal(year, 2100)))
    values_out = np.asarray(pc.fill_null(year, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return np.where(good, values_out, -1), ~blank & ~good
