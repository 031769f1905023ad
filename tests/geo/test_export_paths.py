"""geo.export.paths and to_gpkg: safe outputs, bounded temp names, all-or-nothing writes, columns."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import export
from geo.export import (
    ExportError,
    OutputError,
    atomic_path,
    atomic_paths,
    check_outputs,
    is_temp_name,
    lock_name,
    temp_name,
    to_gpkg,
)
from geo.problems import ProblemError


def _pts(**cols: list[object]) -> gpd.GeoDataFrame:
    n = len(next(iter(cols.values()))) if cols else 1
    return gpd.GeoDataFrame(cols or None, geometry=[shapely.Point(117, 36)] * n, crs="EPSG:4326")


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=120).filter(lambda s: "/" not in s and "\x00" not in s))
def test_temp_and_lock_names_are_never_longer_than_the_target(name: str) -> None:
    budget = max(len(os.fsencode(name)), 32)
    tmp = temp_name(name, "0123abcd")
    assert len(os.fsencode(tmp)) <= budget and tmp.startswith(".") and "/" not in tmp
    assert len(os.fsencode(lock_name(name))) <= budget
    assert is_temp_name(tmp, name) and not is_temp_name(name, name)
    assert not is_temp_name(lock_name(name), name)


def test_temp_names_keep_the_suffix_gdal_needs() -> None:
    assert temp_name("atlas.gpkg", "deadbeef") == ".atlas.gpkg.deadbeef.gpkg"
    long = "长" * 80 + ".gpkg"  # 245 bytes: the head is cut on a character boundary
    tmp = temp_name(long, "deadbeef")
    assert tmp.endswith(".deadbeef.gpkg") and len(os.fsencode(tmp)) <= len(os.fsencode(long))
    tmp.encode("utf-8")  # whole characters only


def test_check_outputs_lists_every_problem_at_once(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    src = tmp_path / "in.csv"
    src.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError) as err:
        check_outputs(
            {
                "-o": "",
                "--a": tmp_path / "d",
                "--b": tmp_path / "nope" / "x.csv",
                "--c": src,
                "--d": tmp_path / "same.csv",
                "--e": tmp_path / "." / "same.csv",
            },
            inputs={"PATH": src},
        )
    codes = sorted(p.code for p in err.value.problems)
    assert codes == [
        "output_empty",
        "output_folder_missing",
        "output_is_dir",
        "output_is_input",
        "output_twice",
    ]
    assert isinstance(err.value, ProblemError) and isinstance(err.value, ExportError)
    assert all(p.zh != p.en for p in err.value.problems)


def test_check_outputs_returns_the_file_a_link_names(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("x", encoding="utf-8")
    os.symlink(real, tmp_path / "link.csv")
    assert check_outputs({"-o": tmp_path / "link.csv"}) == {"-o": real}


def test_an_output_inside_an_input_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="inside the input folder"):
        check_outputs({"-o": tmp_path / "a" / ".." / "x.csv"}, inputs={"data": tmp_path})


def test_library_writers_follow_links_and_refuse_devices(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": ["=1+1", "x"]})
    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    os.symlink(real, tmp_path / "link.csv")
    export.to_csv(df, tmp_path / "link.csv")
    assert (tmp_path / "link.csv").is_symlink()
    assert "'=1+1" in real.read_text(encoding="utf-8-sig")
    fifo = tmp_path / "p.csv"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="FIFO"):
        export.to_csv(df, fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    with pytest.raises(OutputError, match="character device"), atomic_path("/dev/null"):
        pytest.fail("the body must not run for a device")
    # the library creates a missing folder (the CLI refuses one)
    export.to_csv(df, tmp_path / "new" / "sub" / "t.csv")
    assert (tmp_path / "new" / "sub" / "t.csv").exists()


def test_atomic_paths_land_together_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_paths([a, b]) as (ta, tb):
        ta.write_text("new a", encoding="utf-8")
        raise RuntimeError("the second writer failed")
    assert a.read_text(encoding="utf-8") == "old a" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temp left

    real_replace = os.replace
    calls: list[int] = []

    def flaky(src: object, dst: object) -> None:
        calls.append(1)
        if len(calls) == 2:  # the second rename fails after the first landed
            raise OSError(28, "No space left on device")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OutputError, match="No space left"), atomic_paths([a, b]) as (ta, tb):
        ta.write_text("new a", encoding="utf-8")
        tb.write_text("new b", encoding="utf-8")
    monkeypatch.setattr(os, "replace", real_replace)
    assert a.read_text(encoding="utf-8") == "old a" and not b.exists()  # rolled back
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_a_writer_that_writes_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="produced no file"), atomic_path(tmp_path / "x.csv"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_to_gpkg_refuses_columns_a_geopackage_cannot_hold(tmp_path: Path) -> None:
    out = tmp_path / "x.gpkg"
    cases = {
        "five thousand": pd.DataFrame({f"c{i}": [1] for i in range(5000)}),
        "case duplicate": pd.DataFrame([[1, 2]], columns=["Name", "name"]),
        "duplicate": pd.DataFrame([[1, 2]], columns=["a", "a"]),
        "nul": pd.DataFrame([[1]], columns=["a\x00b"]),
        "fid": pd.DataFrame([[1]], columns=["FID"]),
        "empty": pd.DataFrame([[1]], columns=[""]),
    }
    codes = {
        "five thousand": "gpkg_too_many_columns",
        "case duplicate": "gpkg_column_duplicate",
        "duplicate": "gpkg_column_duplicate",
        "nul": "gpkg_column_nul",
        "fid": "gpkg_column_reserved",
        "empty": "gpkg_column_not_text",
    }
    for key, frame in cases.items():
        layer = gpd.GeoDataFrame(frame, geometry=[shapely.Point(117, 36)], crs="EPSG:4326")
        with pytest.raises(ExportError) as err:
            to_gpkg({"firms": layer}, out)
        assert [p.code for p in err.value.problems] == [codes[key]], key
        assert not out.exists() and list(tmp_path.iterdir()) == []
    # the largest layer a GeoPackage holds is written
    wide = gpd.GeoDataFrame(
        pd.DataFrame({f"c{i}": [1] for i in range(export.MAX_COLUMNS)}),
        geometry=[shapely.Point(117, 36)],
        crs="EPSG:4326",
    )
    to_gpkg({"wide": wide}, out)
    assert len(pyogrio.read_info(out, layer="wide")["fields"]) == export.MAX_COLUMNS


def test_replace_problems_protects_what_an_existing_file_holds(tmp_path: Path) -> None:
    path = tmp_path / "x.gpkg"
    assert export.replace_problems(path, ["firms"]) == []  # nothing there
    path.write_bytes(b"")
    assert export.replace_problems(path, ["firms"]) == []  # empty: nothing to lose
    path.write_text("notes", encoding="utf-8")
    assert [p.code for p in export.replace_problems(path, ["firms"])] == ["output_not_gpkg"]
    to_gpkg({"firms": _pts(a=[1]), "other": _pts(a=[2])}, path)
    [p] = export.replace_problems(path, ["firms"], argument="-o")
    assert p.code == "output_gpkg_other_layers" and "other" in p
    assert export.replace_problems(path, ["firms", "other"]) == []


def test_empty_firms_layer_is_written(tmp_path: Path) -> None:
    empty = gpd.GeoDataFrame(
        {"firm_id": pd.Series([], dtype=object)}, geometry=gpd.GeoSeries([], crs="EPSG:4326")
    )
    to_gpkg({"firms": empty}, tmp_path / "e.gpkg")
    assert pyogrio.read_info(tmp_path / "e.gpkg", layer="firms")["features"] == 0


def test_safe_output_path_refuses_escapes_and_nul(tmp_path: Path) -> None:
    assert export.safe_output_path("a.csv", tmp_path) == tmp_path.resolve() / "a.csv"
    with pytest.raises(ExportError, match="leaves the folder"):
        export.safe_output_path("../a.csv", tmp_path)
    with pytest.raises(ExportError, match="NUL"):
        export.safe_output_path("a\x00.csv", tmp_path)
