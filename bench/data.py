"""Seeded benchmark inputs: random points over Shandong's bounding box and a synthetic firm table.

Every case process regenerates its input from the same seed, so all engines see the same points
without passing hundreds of megabytes between processes.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt

__all__ = ["SEED", "bench_firms", "bounding_box", "random_lonlat"]

SEED = 20240601


def bounding_box() -> tuple[float, float, float, float]:
    """Shandong's bounding box (minx, miny, maxx, maxy) in WGS-84 degrees."""
    from geo.boundaries import load_counties

    xmin, ymin, xmax, ymax = load_counties().total_bounds
    return float(xmin), float(ymin), float(xmax), float(ymax)


def random_lonlat(
    n: int, *, seed: int = SEED
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``n`` points uniform over Shandong's bounding box (about half of them on land)."""
    xmin, ymin, xmax, ymax = bounding_box()
    rng = np.random.default_rng(seed)
    return rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)


def bench_firms(n: int, *, seed: int = SEED) -> gpd.GeoDataFrame:
    """``n`` synthetic firms resampled from the shipped synthetic demonstration table.

    Each firm copies the chain, node and figures of a random demonstration firm, scaled by a
    log-normal factor, at its location jittered by N(0, 0.03°) (so firms spill across county
    lines as real ones do). ``adcode`` is left empty: the analysis must join it.
    """
    from layout.demo import synthetic_firms

    base = synthetic_firms()
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(base), n)
    x = base.geometry.x.to_numpy()[pick] + rng.normal(0.0, 0.03, n)
    y = base.geometry.y.to_numpy()[pick] + rng.normal(0.0, 0.03, n)
    employees = np.round(base["employees"].to_numpy(dtype=float)[pick] * rng.lognormal(0, 0.5, n))
    output = base["output"].to_numpy(dtype=float)[pick] * rng.lognormal(0, 0.5, n)
    firms = gpd.GeoDataFrame(
        {
            "firm_id": np.char.add("BENCH-", np.arange(n).astype(str)).astype(object),
            "name": np.char.add("合成企业", np.arange(n).astype(str)).astype(object),
            "chain": base["chain"].to_numpy()[pick],
            "node": base["node"].to_numpy()[pick],
            "employees": employees,
            "output": output,
            "synthetic": True,
        },
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:4326",
    )
    return firms
