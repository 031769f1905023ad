"""Seeded benchmark inputs: random points over Shandong's bounding box and a synthetic firm table.

Every case process regenerates its input from the same seed, so all engines see the same points
without passing hundreds of megabytes between processes.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt

__all__ = ["SEED", "bench_firms", "bounding_box", "firm_csv", "random_lonlat"]

FIRM_CSV_HEADER = (
    "企业编号",
    "企业名称",
    "经度",
    "纬度",
    "产业链",
    "环节",
    "从业人数",
    "产值（万元）",
)
"""Headers of the benchmark firm file (an office's Chinese headers)."""

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


def firm_csv(path: str, n: int, *, seed: int = SEED) -> str:
    """Write :func:`bench_firms` (``n`` rows) as a UTF-8 CSV with Chinese headers; return the path.

    Coordinates with 6 decimals (about 0.1 m), employees whole, output with 2 decimals.
    """
    import pandas as pd

    firms = bench_firms(n, seed=seed)
    table = pd.DataFrame(
        dict(
            zip(
                FIRM_CSV_HEADER,
                [
                    firms["firm_id"],
                    firms["name"],
                    firms.geometry.x.round(6),
                    firms.geometry.y.round(6),
                    firms["chain"],
                    firms["node"],
                    firms["employees"].astype("int64"),
                    firms["output"].round(2),
                ],
                strict=True,
            )
        )
    )
    table.to_csv(path, index=False, encoding="utf-8")
    return path
