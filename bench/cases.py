"""One benchmark case per process: ``python -m bench.cases '<json spec>'``.

Each case runs in a fresh interpreter so that its peak resident memory (``ru_maxrss``, which
sees numpy and GEOS allocations that ``tracemalloc`` misses) belongs to it alone. The case
prints one JSON line: its timings, ``peak_rss_bytes`` and where it saved its answer (county
positions as int16, ``-1`` for none) for the runner to compare engines row by row.
"""

from __future__ import annotations

import functools
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.engine import ENGINE_CASES

__all__ = ["CASES", "main", "run_case"]


def _best(fn: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    times, result = [], None
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, times


def _codes(adcodes: pd.Series) -> np.ndarray:
    from geo.boundaries import load_counties

    categories = sorted(load_counties()["adcode"])
    return pd.Categorical(
        adcodes.to_numpy(dtype=object, na_value=None), categories=categories
    ).codes.astype(np.int16)


def _local_cluster() -> Any:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
    )
    return cluster, Client(cluster)


def case_baseline(spec: dict[str, Any]) -> dict[str, Any]:
    """Interpreter + geopandas/shapely imports + the county layer: the floor under every case."""
    from geo.boundaries import load_counties

    load_counties()
    return {}


def case_join(spec: dict[str, Any]) -> dict[str, Any]:
    """Firm → county join of ``n`` random points by one method; saves the assignment."""
    import geopandas as gpd

    from bench.data import random_lonlat
    from geo.boundaries import load_counties
    from geo.joins import CountyIndex, join_counties, join_lonlat

    n, method, repeat = int(spec["n"]), spec["method"], int(spec.get("repeat", 3))
    x, y = random_lonlat(n)
    counties = load_counties()
    out: dict[str, Any] = {}
    if method.startswith(("grid", "dask")):
        t0 = time.perf_counter()
        index = CountyIndex.default()
        out["index_build_s"] = time.perf_counter() - t0
        out["cell_deg"] = index.cell_deg
        out["boundary_cells"] = index.n_boundary_cells
    if method.endswith("-gdf"):
        t0 = time.perf_counter()
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
        out["points_build_s"] = time.perf_counter() - t0
    right = counties[["adcode", "geometry"]]

    def sjoin_gdf() -> pd.Series:
        joined = gpd.sjoin(points, right, predicate="within", how="left")
        out["sjoin_rows"] = len(joined)
        return joined["adcode"]

    def sjoin_lonlat() -> pd.Series:
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
        joined = gpd.sjoin(pts, right, predicate="within", how="left")
        out["sjoin_rows"] = len(joined)
        return joined["adcode"]

    threads = spec.get("threads")
    runners: dict[str, Callable[[], pd.Series]] = {
        "grid-lonlat": lambda: join_lonlat(x, y, boundary="none", threads=threads),
        "grid-gdf": lambda: join_counties(points, boundary="none", threads=threads),
        "sjoin-gdf": sjoin_gdf,
        "sjoin-lonlat": sjoin_lonlat,
        "dask-lonlat": lambda: join_lonlat(x, y, boundary="none", engine="dask"),
    }
    if method == "dask-lonlat":
        cluster, client = _local_cluster()
        join_lonlat(x[:1000], y[:1000], engine="dask")  # warm the workers (index shipped once)
    result, times = _best(runners[method], repeat)
    if method == "dask-lonlat":
        client.close()
        cluster.close()
    out.update(seconds=min(times), all_seconds=times, points_per_s=n / min(times))
    out["duplicates"] = int(len(result) - n)
    result = result[~result.index.duplicated(keep="first")]
    codes_path = Path(spec["codes"])
    np.save(codes_path, _codes(result))
    out["codes"] = str(codes_path)
    out["matched"] = int(result.notna().sum())
    return out


def _zone_links() -> pd.DataFrame:
    from geo.frames import FRAMES, membership

    return pd.concat([membership(f)[["adcode", "zone_code"]] for f in FRAMES], ignore_index=True)


def case_core(spec: dict[str, Any]) -> dict[str, Any]:
    """Join + aggregation by (region, chain, node) at county, city and zone level (ours)."""
    from bench.data import bench_firms
    from geo.boundaries import load_counties
    from geo.joins import CountyIndex
    from layout.scale import aggregate, join_firms

    n, engine = int(spec["n"]), spec["engine"]
    firms = bench_firms(n)
    cluster: Any = None
    client: Any = None
    if engine == "dask":
        cluster, client = _local_cluster()
    counties = load_counties()
    city_of = dict(zip(counties["adcode"], counties["city_adcode"], strict=True))
    zones = _zone_links()
    CountyIndex.default()  # built once per process, as in the join cases
    t0 = time.perf_counter()
    joined = join_firms(firms, engine=engine)
    t_join = time.perf_counter() - t0
    table = pd.DataFrame(joined.drop(columns="geometry"))
    table["city"] = table["adcode"].map(city_of).astype("str")
    by_zone = table.merge(zones, on="adcode", how="inner")  # zones overlap: one row per zone
    results = {
        "county": aggregate(table, engine=engine),
        "city": aggregate(table, by=("city", "chain", "node"), engine=engine),
        "zone": aggregate(by_zone, by=("zone_code", "chain", "node"), engine=engine),
    }
    total = time.perf_counter() - t0
    if client is not None:
        client.close()
        cluster.close()
    path = Path(spec["result"])
    pd.concat(results, names=["level"]).reset_index().astype({"level": "str"}).to_parquet(path)
    return {
        "seconds": total,
        "join_s": t_join,
        "aggregate_s": total - t_join,
        "result": str(path),
        "groups": int(sum(len(r) for r in results.values())),
    }


def _bench_scenario(firms: Any, chain: str) -> Any:
    """One planner's edit: an epitaxial-wafer maker added in 寿光, one chain firm moved there, one removed."""
    from geo.boundaries import load_counties
    from layout.scenarios import AddFirm, MoveFirm, RemoveFirm, Scenario

    pt = load_counties().set_index("adcode").loc["370783", "geometry"].representative_point()
    ids = firms.loc[(firms["chain"] == chain).to_numpy(), "firm_id"].astype(str).tolist()
    return Scenario(
        "bench-edit",
        edits=(
            AddFirm(
                "BENCH-NEW-1",
                "外延片企业 (bench)",
                float(pt.x),
                float(pt.y),
                chain,
                "epi",
                employees=300.0,
            ),
            MoveFirm(ids[0], float(pt.x), float(pt.y)),
            RemoveFirm(ids[1]),
        ),
    )


def case_scenario(spec: dict[str, Any]) -> dict[str, Any]:
    """One scenario edit: incremental recompute (``update_chain``) vs a full recompute, per level."""
    import json as _json

    from bench.data import bench_firms
    from geo.joins import CountyIndex, join_counties
    from layout.demo import demo_firms
    from layout.regions import ensure_adcode
    from layout.scenarios import Scenario, run_scenario

    n, chain, repeat = int(spec["n"]), spec.get("chain", "LED"), int(spec.get("repeat", 3))
    CountyIndex.default()
    if n:
        firms = bench_firms(n)
        firms["adcode"] = join_counties(firms)
    else:
        firms = ensure_adcode(demo_firms())
    scenario = _bench_scenario(firms, chain)
    out: dict[str, Any] = {"firms": len(firms), "levels": {}}
    for level in spec.get("levels", ["county", "city", "zone"]):
        opts = {"level": level, "permutations": 999}
        t0 = time.perf_counter()
        baseline, _, _ = run_scenario(None, Scenario("none"), firms, chain, **opts)
        t_base = time.perf_counter() - t0
        res = {}
        for key, inc in (("full", False), ("incremental", True)):
            (_, result, d), times = _best(
                functools.partial(
                    run_scenario,
                    None,
                    scenario,
                    firms,
                    chain,
                    baseline=baseline,
                    incremental=inc,
                    **opts,
                ),
                repeat,
            )
            res[key] = (result, d, min(times))
        same = (
            _json.dumps(res["full"][0].to_dict(), sort_keys=True, default=str)
            == _json.dumps(res["incremental"][0].to_dict(), sort_keys=True, default=str)
            and res["full"][1].to_dict() == res["incremental"][1].to_dict()
        )
        out["levels"][level] = {
            "baseline_s": t_base,
            "full_s": res["full"][2],
            "incremental_s": res["incremental"][2],
            "identical": same,
            "changed_rows": len(res["incremental"][1].nodes),
        }
    return out


def case_import(spec: dict[str, Any]) -> dict[str, Any]:
    """Import a firm CSV: ours (``read_firms``: read, check every row, locate in counties; and the
    same plus writing the GeoPackage and rejects, as ``import-firms`` does) or the peer (plain
    geopandas: read the CSV, make points, ``sjoin`` within counties, write a GeoPackage)."""
    import geopandas as gpd

    from bench.data import firm_csv
    from geo.boundaries import load_counties, shandong_outline
    from geo.joins import CountyIndex

    n, method, repeat = int(spec["n"]), spec["method"], int(spec.get("repeat", 1))
    path = Path(spec["csv"])
    if not path.exists():
        firm_csv(str(path), n)
    out_dir = Path(spec["codes"]).parent
    counties = load_counties()
    categories = sorted(counties["adcode"])
    out: dict[str, Any] = {"bytes": path.stat().st_size}

    def positions(adcodes: Any) -> np.ndarray:
        return pd.Categorical(adcodes, categories=categories).codes.astype(np.int16)

    if method.startswith("ours"):
        from layout.chains import load_chains
        from layout.records import read_firms, write_rejects

        CountyIndex.default()  # built once per process, as in the join cases
        shandong_outline()
        load_chains()

        def ours() -> Any:
            res = read_firms(str(path))
            if method == "ours-write":
                from geo.export import to_gpkg

                to_gpkg({"firms": res.accepted}, out_dir / f"ours-{n}.gpkg")
                write_rejects(res, out_dir / f"ours-{n}-rejects.csv")
            return res

        res, times = _best(ours, repeat)
        codes = np.full(n, -1, dtype=np.int16)
        rows = res.accepted["row"].to_numpy() - 2
        codes[rows] = positions(res.accepted["adcode"].to_numpy(dtype=object, na_value=None))
        # the same points under sjoin's rule for points on a shared edge (outside the timing)
        from geo.joins import join_lonlat

        within = join_lonlat(res.accepted["lon"], res.accepted["lat"], boundary="none")
        same_rule = np.full(n, -1, dtype=np.int16)
        same_rule[rows] = positions(within.to_numpy(dtype=object, na_value=None))
        np.save(spec["codes"] + ".within.npy", same_rule)
        out["codes_within"] = spec["codes"] + ".within.npy"
        out.update(read=res.summary["read"], accepted=res.summary["accepted"],
                   by_reason=res.summary["by_reason"])  # fmt: skip
    else:
        right = counties[["adcode", "geometry"]]

        def peer() -> Any:
            df = pd.read_csv(path)
            pts = gpd.GeoDataFrame(
                df, geometry=gpd.points_from_xy(df["经度"], df["纬度"]), crs="EPSG:4326"
            )
            joined = gpd.sjoin(pts, right, predicate="within", how="left")
            joined.to_file(out_dir / f"peer-{n}.gpkg", layer="firms", engine="pyogrio")
            return joined

        joined, times = _best(peer, repeat)
        joined = joined[~joined.index.duplicated(keep="first")]
        codes = positions(joined["adcode"].to_numpy(dtype=object))
    np.save(spec["codes"], codes)
    out.update(seconds=min(times), all_seconds=times, rows_per_s=n / min(times),
               codes=spec["codes"])  # fmt: skip
    return out


def case_app_pages(spec: dict[str, Any]) -> dict[str, Any]:
    """App page switches vs a bare streamlit-folium page (``bench/app_pages.py``)."""
    from bench.app_pages import case_app_pages as _case

    return _case(spec)


CASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "baseline": case_baseline,
    "join": case_join,
    "core": case_core,
    "scenario": case_scenario,
    "import": case_import,
    **ENGINE_CASES,
    "app_pages": case_app_pages,
}


def run_case(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one case in this process and add its peak memory."""
    result = CASES[spec["case"]](spec)
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result.update(spec=spec, peak_rss_bytes=self_kb * 1024, peak_rss_children_bytes=child_kb * 1024)
    return result


def main(argv: list[str] | None = None) -> int:
    """Entry point of a case process: one JSON spec in, one JSON line out."""
    args = sys.argv[1:] if argv is None else argv
    result = run_case(json.loads(args[0]))
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
