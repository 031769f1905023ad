"""Choropleth classes: mapclassify schemes, the palette and the no-data colour.

Only deterministic mapclassify schemes are offered (k-means ``natural_breaks`` varies run to
run). Colours are ColorBrewer YlOrRd (Brewer, C. A., colorbrewer2.org, Apache-2.0 licence).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geo.maps.errors import MapError
from geo.problems import problem

__all__ = [
    "NO_DATA_COLOUR",
    "PALETTE",
    "SCHEMES",
    "Choropleth",
    "class_colours",
    "classify_values",
]

# Deterministic mapclassify schemes only (k-means "natural_breaks" varies run to run).
SCHEMES: tuple[str, ...] = (
    "quantiles",
    "equal_interval",
    "fisher_jenks",
    "head_tail_breaks",
    "std_mean",
    "box_plot",
    "maximum_breaks",
)
# ColorBrewer YlOrRd, 9 classes (Brewer, C. A., colorbrewer2.org, Apache-2.0 licence).
PALETTE: tuple[str, ...] = (
    "#ffffcc",
    "#ffeda0",
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#fc4e2a",
    "#e31a1c",
    "#bd0026",
    "#800026",
)
NO_DATA_COLOUR = "#d9d9d9"


@dataclass(frozen=True)
class Choropleth:
    """A metric to colour a polygon layer by.

    Attributes
    ----------
    values
        Numbers indexed by region code (adcode strings); regions absent or NaN are "no data".
    title_zh, title_en
        Legend title in each language.
    layer
        Layer to colour (``"counties"`` or ``"cities"``).
    scheme
        One of :data:`SCHEMES` (mapclassify).
    k
        Number of classes (lowered to the number of distinct values when fewer).
    fmt
        Format of class bounds in the legend and values in tooltips.
    bins
        Fixed upper class bounds (ascending) instead of classifying ``values`` — e.g. bounds
        computed once over every year so the colours of a year slider stay comparable.
    """

    values: pd.Series
    title_zh: str
    title_en: str
    layer: str = "counties"
    scheme: str = "quantiles"
    k: int = 5
    fmt: str = "{:,.2f}"
    extra: dict[str, Any] = field(default_factory=dict)
    bins: tuple[float, ...] | None = None


_MC_NAMES = {
    "quantiles": "Quantiles",
    "equal_interval": "EqualInterval",
    "fisher_jenks": "FisherJenks",
    "head_tail_breaks": "HeadTailBreaks",
    "std_mean": "StdMean",
    "box_plot": "BoxPlot",
    "maximum_breaks": "MaximumBreaks",
}


def classify_values(
    values: pd.Series,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
) -> tuple[pd.Series, list[float]]:
    """Class of each value (0 = lowest; ``-1`` = no data) and the upper bound of each class.

    Wraps :mod:`mapclassify` (Rey, Stephens & Laura 2017, *mapclassify*, PySAL). ``k`` is cut
    to the number of distinct finite values so no class is empty; a single distinct value
    gives one class. With fixed ``bins`` (ascending upper bounds) a value falls in the first
    class whose bound it does not exceed (values above the last bound in the last class) and
    every class is kept, empty or not.

    >>> classify_values(pd.Series([0.0, 1.0, 2.5, 9.0]), bins=[1.0, 2.0, 3.0])[0].tolist()
    [0, 0, 2, 2]
    """
    import mapclassify

    if bins is not None:
        b = np.asarray(sorted(float(x) for x in bins), dtype=float)
        v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        cls = np.minimum(np.searchsorted(b, v, side="left"), max(len(b) - 1, 0))
        ok = np.isfinite(v) & (len(b) > 0)
        return pd.Series(np.where(ok, cls, -1).astype(int), index=values.index), b.tolist()

    problems = []
    if scheme not in SCHEMES:
        problems.append(
            problem("map_bad_option", argument="scheme", value=scheme, valid=", ".join(SCHEMES))
        )
    if not isinstance(k, int | np.integer) or not 2 <= int(k) <= len(PALETTE):
        problems.append(problem("map_bad_classes", argument="k", value=k, low=2, high=len(PALETTE)))
    if problems:
        raise MapError(problems)
    v = pd.to_numeric(values, errors="coerce").astype(float)
    finite = v[np.isfinite(v)]
    classes = pd.Series(-1, index=v.index, dtype=int)
    n_unique = int(finite.nunique())
    if n_unique == 0:
        return classes, []
    if n_unique == 1:
        classes[finite.index] = 0
        return classes, [float(finite.iloc[0])]
    kk = min(int(k), n_unique)
    kwargs: dict[str, Any] = {}
    if scheme in ("quantiles", "equal_interval", "fisher_jenks", "maximum_breaks"):
        kwargs["k"] = kk
    with warnings.catch_warnings():
        # Fisher-Jenks falls back to pure Python without numba; fine for a few hundred regions.
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        # With many ties (e.g. counts) quantile bins coincide and mapclassify lowers k itself;
        # the legend shows the classes actually formed.
        warnings.filterwarnings("ignore", message="Not enough unique values", category=UserWarning)
        clf = getattr(mapclassify, _MC_NAMES[scheme])(finite.to_numpy(), **kwargs)
    bins = [float(b) for b in clf.bins]
    yb = np.asarray(clf.yb, dtype=int)
    # Drop classes nobody falls in (e.g. box-plot outlier classes) and renumber.
    used = sorted(set(yb.tolist()))
    remap = {old: new for new, old in enumerate(used)}
    classes[finite.index] = [remap[c] for c in yb]
    return classes, [bins[i] for i in used]


def class_colours(n: int) -> list[str]:
    """``n`` colours spread over :data:`PALETTE`, lightest first (one class: a middle colour).

    >>> class_colours(3)
    ['#ffeda0', '#fd8d3c', '#800026']
    """
    if n <= 0:
        return []
    if n == 1:
        return [PALETTE[4]]
    idx = np.linspace(1, len(PALETTE) - 1, n).round().astype(int)
    return [PALETTE[i] for i in idx]
