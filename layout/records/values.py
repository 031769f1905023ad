"""Cell text to values: numbers (full-width digits, thousands separators), adcodes, years."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from layout.records.table import BoolArray, FloatArray, ObjArray

__all__ = ["parse_adcode", "parse_numbers", "parse_year", "strip"]

_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")


def strip(values: ObjArray) -> pd.Series:
    """The cells without surrounding white space, as an object Series."""
    return pd.Series(values, dtype=object).str.strip()


def parse_numbers(values: ObjArray) -> tuple[FloatArray, BoolArray, BoolArray, BoolArray]:
    """Parse text cells to float: (values, blank, non_numeric, non_finite).

    A cell is a number if Python's ``float`` reads it after stripping spaces, or after NFKC
    normalisation (full-width digits and points) and removing thousands separators
    (``1,234.5``). ``nan``/``inf`` text and overflowing literals (``1e400``) are non-finite.
    One pass in Python: pandas' object-dtype string methods loop in Python as well.
    """
    n = len(values)
    out = np.full(n, np.nan)
    blank = np.zeros(n, dtype=bool)
    non_numeric = np.zeros(n, dtype=bool)
    for i, cell in enumerate(values):
        text = cell.strip()
        if not text:
            blank[i] = True
            continue
        try:
            out[i] = float(text)
        except ValueError:
            text = unicodedata.normalize("NFKC", text).strip()
            if _THOUSANDS.fullmatch(text):
                text = text.replace(",", "")
            try:
                out[i] = float(text)
            except ValueError:
                non_numeric[i] = True
    non_finite = ~blank & ~non_numeric & ~np.isfinite(out)
    return out, blank, non_numeric, non_finite


def parse_adcode(values: ObjArray) -> tuple[pd.Series, BoolArray]:
    """6-digit adcodes (``370102``, ``370102.0``, ``370102000000``) and the invalid cells."""
    text = pd.Series(values, dtype=object).str.normalize("NFKC").str.strip()
    blank = (text == "").to_numpy(dtype=bool)
    six = text.str.extract(r"^([0-9]{6})(?:\.0+|0{6})?$", expand=False)
    invalid = ~blank & six.isna().to_numpy(dtype=bool)
    return six.astype(object).where(six.notna(), None), invalid


def parse_year(values: ObjArray) -> tuple[pd.Series, BoolArray]:
    """Years 1900-2100 (``2023``, ``2023.0``) as Int64 and the invalid cells."""
    text = pd.Series(values, dtype=object).str.normalize("NFKC").str.strip()
    blank = (text == "").to_numpy(dtype=bool)
    digits = text.str.extract(r"^([0-9]{4})(?:\.0+)?$", expand=False)
    year = pd.to_numeric(digits, errors="coerce").astype("Int64")
    good = year.notna() & (year >= 1900) & (year <= 2100)
    good_arr = good.to_numpy(dtype=bool, na_value=False)
    return year.where(good_arr, pd.NA), ~blank & ~good_arr
