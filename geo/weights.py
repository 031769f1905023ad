"""Spatial weights for regions (libpysal), the geo adapter for layout.metrics' spatial statistics."""

from __future__ import annotations

import warnings
from functools import cache

from libpysal import weights

from geo.boundaries import load_cities, load_counties

__all__ = ["region_weights"]


@cache
def _queen(level: str) -> weights.W:
    gdf = load_counties() if level == "county" else load_cities()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands; we attach them below
        w = weights.Queen.from_dataframe(
            gdf, ids=gdf["adcode"].tolist(), use_index=False, silence_warnings=True
        )
        if w.islands:
            knn = weights.KNN.from_dataframe(
                gdf.set_geometry(gdf.representative_point()), k=1, ids=gdf["adcode"].tolist()
            )
            w = weights.attach_islands(w, knn)
    return w


def region_weights(level: str = "county") -> weights.W:
    """Queen contiguity weights of the county or city coverage, ids = adcodes.

    Units without a land neighbour (none in Shandong's current coverage) are joined to their
    nearest neighbour so every region has one.
    """
    if level not in ("county", "city"):
        raise ValueError(f"spatial weights exist for 'county' or 'city', not {level!r}")
    return _queen(level)
