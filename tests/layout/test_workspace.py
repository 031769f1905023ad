"""Workspace GeoPackage: exact round trips, QGIS-readable layers, names, atomic saves under SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo.export import to_gpkg
from layout.demo import demo_firms
from layout.scenarios import (
    AddFirm,
    AddSite,
    ChangeZoneMembership,
    RemoveFirm,
    Scenario,
    load_scenario,
)
from layout.workspace import LAYER_NAME_RULE, Workspace, WorkspaceError, check_layer_name

ROOT = Path(__file__).resolve().parents[2]


def _points(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(
        {
            "firm_id": [f"F{i}" for i in range(n)],
            "name": [f"企业{i}" for i in range(n)],
            "employees": rng.integers(1, 500, n).astype(float),
            "synthetic": np.ones(n, dtype=bool),
        },
        geometry=gpd.points_from_xy(rng.uniform(116, 121, n), rng.uniform(35, 37.5, n)),
        crs="EPSG:4326",
    )


def _temps(folder: Path, name: str) -> list[Path]:
    return [p for p in folder.glob(f".{name}.*") if not p.name.endswith(".lock")]


def test_demo_firms_round_trip_exactly(tmp_path: Path) -> None:
    firms = demo_firms()
    ws = Workspace(tmp_path / "w.gpkg")
    assert ws.save_firms(firms) == "firms"
    back = ws.load_firms("firms")
    assert_geodataframe_equal(back, firms, check_crs=True, check_dtype=True)
    assert firms.equals(demo_firms())  # the input was not touched
    meta = ws.layer_metadata("firms")
    assert meta["datum"] == "WGS-84" and meta["crs"] == "EPSG:4326"
    assert (
        meta["synthetic"] == "true"
        and meta["atlas_kind"] == "firms"
        and meta["rows"] == str(len(firms))
    )
    # the plain GDAL reader sees the same points (what QGIS opens)
    raw = pyogrio.read_dataframe(ws.path, layer="firms")
    assert len(raw) == len(firms) and raw.crs.to_epsg() == 4326
    assert shapely.equals(raw.geometry.to_numpy(), firms.geometry.to_numpy()).all()


def test_awkward_columns_round_trip(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {
            "year": pd.Series([2024, pd.NA, 2020], dtype=object),
            "tags": pd.Series([["a", "b"], None, {"k": 1}], dtype=object),
            "n": pd.array([1, None, 3], dtype="Int64"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "label": pd.Series(["x", None, "名称"], dtype="str"),
            "kind": pd.Categorical(["a", "b", "a"]),
            "ratio": [0.1, np.nan, 1e-12],
        },
        geometry=[shapely.Point(117.0, 36.6), None, shapely.Point(120.3, 36.1)],
        index=pd.Index(["p", "q", "r"], name="code"),
        crs="EPSG:4490",
    )
    ws = Workspace(tmp_path / "w.gpkg")
    ws.save_result("awkward", frame)
    back = ws.load_result("awkward")
    expected = frame.set_crs("EPSG:4326", allow_override=True)  # CGCS2000 is stored as WGS-84
    assert_geodataframe_equal(back, expected, check_crs=True, check_dtype=True)


def test_projected_layer_is_stored_in_wgs84(tmp_path: Path) -> None:
    pts = _points(5).to_crs("EPSG:4549")  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
    ws = Workspace(tmp_path / "w.gpkg")
    ws.save_firms(pts, "projected")
    back = ws.load_firms("projected")
    assert back.crs.to_epsg() == 4326
    np.testing.assert_allclose(back.geometry.x, _points(5).geometry.x, atol=1e-9)


def test_layers_are_registered_for_qgis(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "w.gpkg")
    ws.save_firms(_points(20))
    ws.save_scenario(Scenario("s1", (AddFirm("N1", "新企业", 118.8, 37.0, "LED", "epi", 10.0),)))
    ws.save_result("table", pd.DataFrame({"a": [1, 2]}))
    with sqlite3.connect(ws.path) as con:
        contents = dict(con.execute("select table_name, data_type from gpkg_contents").fetchall())
        srs = dict(con.execute("select table_name, srs_id from gpkg_geometry_columns").fetchall())
    assert contents == {
        "firms": "features",
        "scenarios": "attributes",
        "scenario_edits": "features",
        "table": "attributes",
    }
    assert srs == {"firms": 4326, "scenario_edits": 4326}
    layers = ws.layers().set_index("name")
    assert layers.loc["firms", "kind"] == "firms" and layers.loc["table", "kind"] == "result"
    assert (
        layers.loc["scenario_edits", "features"] == 1 and layers.loc["firms", "datum"] == "WGS-84"
    )
    assert not list(tmp_path.glob("*.aux.xml"))  # GDAL side-car files would clutter the folder


@pytest.mark.parametrize(
    "name", ["", "寿光", "a b", "x" * 64, "gpkg_contents", "rtree_x", "a.b", 5]
)
def test_bad_names_are_refused_with_the_rule(name: object) -> None:
    with pytest.raises(WorkspaceError) as err:
        check_layer_name(name)
    assert LAYER_NAME_RULE in str(err.value) and repr(name) in str(err.value)


def test_reserved_and_kind_clashes(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "w.gpkg")
    ws.save_firms(_points(3))
    with pytest.raises(WorkspaceError, match="reserved"):
        ws.save_firms(_points(3), "scenarios")
    with pytest.raises(WorkspaceError, match="already holds firms"):
        ws.save_result("firms", pd.DataFrame({"a": [1]}))
    with pytest.raises(WorkspaceError, match="no layer 'nothing'"):
        ws.load_firms("nothing")
    ws.save_result("table", pd.DataFrame({"a": [1]}))
    with pytest.raises(WorkspaceError, match="holds result, not firms"):
        ws.load_firms("table")
    with pytest.raises(WorkspaceError, match=r"end in \.gpkg"):
        Workspace(tmp_path / "w.sqlite")
    with pytest.raises(WorkspaceError, match=r"'FID' is reserved"):
        ws.save_result("bad", pd.DataFrame({"FID": [1]}))
    with pytest.raises(WorkspaceError, match="differ only in case"):
        ws.save_result("bad", pd.DataFrame({"a": [1], "A": [2]}))
    assert ws.layers()["name"].tolist() == ["firms", "table"]


def test_scenarios_save_list_overwrite_delete(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "w.gpkg")
    s1 = Scenario(
        "tengzhou-park", (AddSite("park", "P1", "滕州园区", 117.17, 35.09),), "滕州开园区"
    )
    s2 = Scenario(
        "blue", (ChangeZoneMembership("371726", "2013", "BLUE"), RemoveFirm("ANCHOR-001"))
    )
    ws.save_scenario(s1)
    ws.save_scenario(s2)
    table = ws.list_scenarios()
    assert table["name"].tolist() == ["blue", "tengzhou-park"]
    assert table.set_index("name").loc["blue", "base_firms"] == "demo"
    assert table["n_edits"].tolist() == [2, 1] and set(table["schema_version"]) == {1}
    with pytest.raises(WorkspaceError, match="already saved"):
        ws.save_scenario(s1)
    created = table.set_index("name").loc["tengzhou-park", "created"]
    s1b = Scenario("tengzhou-park", s1.edits, "改名后的说明")
    ws.save_scenario(s1b, overwrite=True)
    assert load_scenario(ws, "tengzhou-park") == s1b
    assert ws.list_scenarios().set_index("name").loc["tengzhou-park", "created"] == created
    edits = pyogrio.read_dataframe(ws.path, layer="scenario_edits")
    assert edits["item_id"].tolist() == ["P1"] and edits["kind"].tolist() == ["park"]
    ws.delete_scenario("tengzhou-park")
    assert ws.list_scenarios()["name"].tolist() == ["blue"]
    assert len(pyogrio.read_dataframe(ws.path, layer="scenario_edits")) == 0
    with pytest.raises(WorkspaceError, match="saved scenarios are blue"):
        load_scenario(ws, "tengzhou-park")
    with pytest.raises(WorkspaceError, match="no layer 'nope'"):
        ws.save_scenario(s1, base_firms="nope")


def test_firms_file_from_import_firms_works_as_a_workspace(tmp_path: Path) -> None:
    """``cluster-atlas import-firms -o firms.gpkg`` writes through geo.export.to_gpkg: usable as is."""
    path = tmp_path / "firms.gpkg"
    to_gpkg({"firms": _points(7)}, path, metadata={"firms": {"datum_in": "gcj02"}})
    ws = Workspace(path)
    assert ws.layers().set_index("name").loc["firms", "kind"] == "foreign"
    firms = ws.load_firms()
    assert len(firms) == 7 and firms.crs.to_epsg() == 4326
    ws.save_scenario(Scenario("s", (RemoveFirm("F1"),)))
    assert ws.scenario_base("s") == "firms"
    assert ws.layer_metadata("firms")["datum_in"] == "gcj02"  # the foreign layer is kept as it was
    with pytest.raises(WorkspaceError, match="already holds foreign"):
        ws.save_firms(_points(3))


def test_failed_save_leaves_workspace_unchanged(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "w.gpkg")
    ws.save_firms(_points(10))
    before = ws.path.read_bytes()
    bad = gpd.GeoDataFrame(
        {"a": [1]}, geometry=[shapely.Point(117, 36)]
    )  # no CRS: refused mid-save
    with pytest.raises(WorkspaceError, match="no CRS"):
        ws.save_results({"good": pd.DataFrame({"x": [1]}), "bad": bad})
    assert ws.path.read_bytes() == before
    assert ws.layers()["name"].tolist() == ["firms"]
    assert _temps(tmp_path, "w.gpkg") == []


_BIG_SAVE = textwrap.dedent("""
    import sys
    import geopandas as gpd
    import numpy as np
    from layout.workspace import Workspace

    n = 600_000
    rng = np.random.default_rng(1)
    big = gpd.GeoDataFrame(
        {"firm_id": [f"B{i}" for i in range(n)], "name": ["synthetic firm name " * 3] * n,
         "employees": rng.random(n)},
        geometry=gpd.points_from_xy(rng.uniform(115, 122, n), rng.uniform(35, 38, n)), crs="EPSG:4326")
    print("ready", flush=True)
    Workspace(sys.argv[1]).save_firms(big, "firms")
    print("saved", flush=True)
""")


@pytest.mark.slow
def test_save_killed_midway_leaves_previous_workspace_readable(tmp_path: Path) -> None:
    path = tmp_path / "w.gpkg"
    ws = Workspace(path)
    small = _points(100)
    ws.save_firms(small)
    ws.save_scenario(Scenario("keep", (AddFirm("N1", "新企业", 118.8, 37.0, "LED", "epi", 10.0),)))
    before = path.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _BIG_SAVE, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 120
        midway = False
        while time.monotonic() < deadline and proc.poll() is None:
            # the temporary copy is being filled well past the old file's size: the save is midway
            if any(
                p.stat().st_size > len(before) + 2_000_000
                for p in _temps(tmp_path, "w.gpkg")
                if p.exists()
            ):
                midway = True
                break
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        if proc.stdout is not None:
            proc.stdout.close()
    assert midway and proc.returncode == -signal.SIGKILL, (
        "the save finished before it could be killed"
    )
    assert _temps(tmp_path, "w.gpkg"), "the killed save should have left its temporary file"
    # the previous workspace is untouched and opens with plain GDAL
    assert path.read_bytes() == before
    assert {str(n) for n in pyogrio.list_layers(path)[:, 0]} == {
        "firms",
        "scenarios",
        "scenario_edits",
    }
    assert pyogrio.read_info(path, layer="firms")["features"] == 100
    assert_geodataframe_equal(Workspace(path).load_firms(), small, check_crs=True)
    assert Workspace(path).list_scenarios()["name"].tolist() == ["keep"]
    # the next save removes the stale temporary file
    Workspace(path).save_result("after", pd.DataFrame({"a": [1]}))
    assert _temps(tmp_path, "w.gpkg") == []
    assert pyogrio.read_info(path, layer="firms")["features"] == 100


_SAVER = textwrap.dedent("""
    import sys
    from layout.scenarios import RemoveFirm, Scenario
    from layout.workspace import Workspace

    ws = Workspace(sys.argv[1])
    for i in range(6):
        ws.save_scenario(Scenario(f"{sys.argv[2]}-{i}", (RemoveFirm("ANCHOR-001"),)))
""")


@pytest.mark.slow
def test_concurrent_saves_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "w.gpkg"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen([sys.executable, "-c", _SAVER, str(path), tag], env=env, cwd=ROOT)
        for tag in "ab"
    ]
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    names = Workspace(path).list_scenarios()["name"].tolist()
    assert sorted(names) == sorted(f"{t}-{i}" for t in "ab" for i in range(6))
