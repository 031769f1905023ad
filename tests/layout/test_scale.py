"""Scale-out engines: Dask gives bit-identical joins, aggregates and imports.

Aggregation is checked against an independent reference (a Python loop of ``math.fsum`` per
group, and a plain pandas groupby to a tolerance), and the Dask engine against the pandas
engine with ``check_exact=True``: float sums must agree to the last bit, not within a tolerance.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layout.scale import ScaleError, aggregate, join_firms, read_firms_many

CODES = np.array(["370102", "370211", "371082", "370614", None], dtype=object)


def _firms(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    employees = rng.lognormal(3, 2, n)
    employees[rng.random(n) < 0.1] = np.nan  # unreported figures
    return pd.DataFrame(
        {
            "adcode": pd.array(CODES[rng.integers(0, len(CODES), n)], dtype="str"),
            "chain": pd.array(np.array(["LED", "PU", "LIB"])[rng.integers(0, 3, n)], dtype="str"),
            "node": pd.array(np.array(["a", "b", "c", "d"])[rng.integers(0, 4, n)], dtype="str"),
            "employees": employees,
            "output": rng.lognormal(8, 3, n) * rng.choice([1.0, 1e-6, 1e6], n),  # wide range
            "n_lines": rng.integers(0, 50, n),
        }
    )


def test_aggregate_by_hand() -> None:
    df = pd.DataFrame(
        {
            "adcode": ["370102", "370102", None, "370211"],
            "chain": ["LED"] * 4,
            "node": ["epi", "epi", "epi", "chip"],
            "employees": [10.0, np.nan, 5.0, np.nan],
        }
    )
    out = aggregate(df, values=["employees"]).reset_index()
    assert out["adcode"].tolist()[:2] == ["370102", "370211"] and pd.isna(out["adcode"].iloc[2])
    assert out["n_firms"].tolist() == [2, 1, 1]
    assert out["employees"].tolist() == [10.0, 0.0, 5.0]
    assert out["employees_n"].tolist() == [1, 0, 1]
    assert out["n_firms"].sum() == len(df)  # missing keys are a group: totals reconcile


def test_aggregate_matches_independent_references() -> None:
    df = _firms(20_000, 1)
    out = aggregate(df, values=["employees", "output", "n_lines"])
    ref = df.groupby(["adcode", "chain", "node"], dropna=False)
    np.testing.assert_array_equal(out["n_firms"], ref.size().to_numpy())
    np.testing.assert_array_equal(out["n_lines"], ref["n_lines"].sum().to_numpy())
    assert out["n_lines"].dtype == np.int64
    np.testing.assert_allclose(out["employees"], ref["employees"].sum().to_numpy(), rtol=1e-12)
    exact = {key: math.fsum(g["output"].tolist()) for key, g in ref}
    assert out["output"].tolist() == [exact[k] for k in out.index]


def test_aggregate_does_not_depend_on_row_order() -> None:
    df = _firms(30_000, 4)
    shuffled = df.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(aggregate(shuffled), aggregate(df), check_exact=True)
    by_sorted = df.sort_values("chain", kind="stable")  # pandas' own sum changes here
    pd.testing.assert_frame_equal(
        aggregate(by_sorted, by=["chain"]), aggregate(df, by=["chain"]), check_exact=True
    )


def test_aggregate_non_finite_values() -> None:
    df = pd.DataFrame({"k": ["a", "a", "b", "b", "c"], "v": [np.inf, 1.0, np.inf, -np.inf, 1e308]})
    df2 = pd.concat([df, pd.DataFrame({"k": ["c"], "v": [1e308]})], ignore_index=True)
    out = aggregate(df2, by=["k"], values=["v"])
    assert out["v"].tolist()[:2] == [np.inf, pytest.approx(np.nan, nan_ok=True)]
    assert np.isnan(out.loc["b", "v"]) and out.loc["c", "v"] == np.inf


def test_aggregate_errors_list_every_problem() -> None:
    df = pd.DataFrame({"adcode": ["1"], "chain": ["x"], "note": ["text"]})
    with pytest.raises(ScaleError) as err:
        aggregate(df, by=("adcode", "chain", "node"), values=("note", "output"), engine="spark")
    assert len(err.value.problems) == 3
    for fragment in ("engine='spark'", "['node', 'output']", "not numeric"):
        assert fragment in str(err.value)


def test_dask_aggregate_is_bit_identical(dask_client: object) -> None:
    import dask.dataframe as dd

    df = _firms(60_000, 2)
    ref = aggregate(df, values=["employees", "output", "n_lines"])
    for npartitions in (1, 3, 8):
        got = aggregate(
            df, values=["employees", "output", "n_lines"], engine="dask", npartitions=npartitions
        )
        pd.testing.assert_frame_equal(got, ref, check_exact=True)
    lazy = dd.from_pandas(df.iloc[:8_000], npartitions=4, sort=False)
    got = aggregate(lazy, values=["employees", "output"], engine="dask")
    pd.testing.assert_frame_equal(
        got, aggregate(lazy.compute(), values=["employees", "output"]), check_exact=True
    )
    by_chain = aggregate(df, by=["chain"], values=["output"], engine="dask")
    pd.testing.assert_frame_equal(
        by_chain, aggregate(df, by=["chain"], values=["output"]), check_exact=True
    )


def test_dask_join_firms_is_identical(dask_client: object) -> None:
    import dask_geopandas

    rng = np.random.default_rng(3)
    n = 20_000
    firms = gpd.GeoDataFrame(
        {"firm_id": np.arange(n).astype(str), "adcode": "999999"},
        geometry=gpd.points_from_xy(rng.uniform(114.8, 122.7, n), rng.uniform(34.4, 38.4, n)),
        crs="EPSG:4326",
    )
    ref = join_firms(firms)
    assert (ref["adcode"] != "999999").all() and firms["adcode"].eq("999999").all()
    pd.testing.assert_frame_equal(join_firms(firms, engine="dask"), ref)
    import dask

    with dask.config.set({"dataframe.convert-string": False}):  # keep pandas' str dtype
        lazy = join_firms(
            dask_geopandas.from_geopandas(firms.iloc[:5_000], npartitions=2, sort=False)
        )
    pd.testing.assert_frame_equal(lazy.compute(), ref.iloc[:5_000])


def _write_csv(path: object, rows: list[list[object]]) -> None:
    head = ["firm_id", "name", "lon", "lat", "chain", "node", "employees", "output"]
    pd.DataFrame(rows, columns=head).to_csv(path, index=False)


def test_read_firms_many_engines_agree(tmp_path: object, dask_client: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    chains = {"LED": {"epi", "chip"}}
    opts = {"boundary": shapely.box(114.8, 34.37, 122.72, 38.41), "chains": chains}
    _write_csv(
        folder / "a.csv",
        [
            ["A1", "甲", 117.0, 36.6, "LED", "epi", 10, 100],
            ["A2", "乙", 0.0, 0.0, "LED", "epi", 5, 50],
        ],
    )
    _write_csv(
        folder / "b.csv",
        [
            ["A1", "丙", 120.3, 36.1, "LED", "chip", 3, 30],
            ["B2", "丁", 121.4, 37.4, "LED", "nope", 1, 1],
        ],
    )
    paths = [folder / "a.csv", folder / "b.csv"]
    ref = read_firms_many(paths, **opts)
    got = read_firms_many(paths, engine="dask", **opts)
    assert ref.summary["read"] == 4 == ref.summary["accepted"] + ref.summary["rejected"]
    assert ref.summary["duplicate_ids_across_files"] == ["A1"]
    assert ref.summary["by_reason"] == {"outside_shandong": 1, "unknown_node": 1}
    pd.testing.assert_frame_equal(got.accepted, ref.accepted)
    pd.testing.assert_frame_equal(got.rejected, ref.rejected)
    assert got.summary == ref.summary
    with pytest.raises(ScaleError, match="not found"):
        read_firms_many([folder / "missing.csv"])
