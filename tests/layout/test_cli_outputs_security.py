"""CLI outputs that cannot hurt: no command overwrites its inputs, its other outputs or a non-file.

Issue #11 found that ``import-firms in.csv --rejects in.csv`` replaced the input, ``-o in.csv``
turned the input into a GeoPackage, ``-o X --rejects X`` overwrote the firms with the rejects,
the atomic rename replaced a symlink or a device with a regular file, a missing rejects folder
failed after the GeoPackage was written, and a 0-accepted run left an older ``OUT.gpkg`` that
the summary named. Each case is reproduced here through ``layout.cli.main`` and must end in one
clear line on stderr, exit status 2 and nothing written (or, for the 0-accepted run, a
replaced output that the summary names).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from layout.cli import main

GOOD = "企业名称,经度,纬度,产业链,环节,从业人数,产值(万元),企业编号\n甲,119.16,36.71,LED,epi,10,100,F1\n"
BAD_ONLY = (
    "企业名称,经度,纬度,产业链,环节,从业人数,产值(万元),企业编号\n乙,abc,36.7,LED,epi,10,100,F2\n"
)
MIXED = GOOD + "乙,abc,36.7,LED,epi,10,100,F2\n"


def _csv(path: Path, text: str = MIXED) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry of ``folder`` (recursively) with its bytes, or its kind for non-files."""
    out: dict[str, bytes | str] = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            out[rel] = "link->" + os.readlink(p)
        elif p.is_dir():
            out[rel] = "dir"
        elif stat.S_ISFIFO(p.stat().st_mode):
            out[rel] = "fifo"
        else:
            out[rel] = p.read_bytes()
    return out


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cluster-atlas: error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def _import(src: Path, out: Path | str, rej: Path | str, *extra: str) -> list[str]:
    return ["import-firms", str(src), "-o", str(out), "--rejects", str(rej), *extra]


# ------------------------------------------------------------------ an output that is an input
def test_rejects_onto_the_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = _csv(tmp_path / "in.csv")
    before = _snapshot(tmp_path)
    _refused(_import(src, tmp_path / "ok.gpkg", src), capsys, "--rejects", "input")
    assert _snapshot(tmp_path) == before


def test_output_onto_the_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = _csv(tmp_path / "in.csv")
    before = _snapshot(tmp_path)
    _refused(_import(src, src, tmp_path / "rej.csv"), capsys, "-o", "input")
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("alias", ["dot", "symlink", "hardlink", "parent"])
def test_aliases_of_the_input_are_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, alias: str
) -> None:
    src = _csv(tmp_path / "in.csv")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    if alias == "dot":
        other = "./in.csv"
    elif alias == "parent":
        other = "sub/../in.csv"
    elif alias == "symlink":
        os.symlink(src, tmp_path / "link.csv")
        other = "link.csv"
    else:
        os.link(src, tmp_path / "hard.csv")
        other = "hard.csv"
    before = _snapshot(tmp_path)
    _refused(["import-firms", "in.csv", "-o", "ok.gpkg", "--rejects", other], capsys, "input")
    assert _snapshot(tmp_path) == before


def test_two_outputs_naming_one_file_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    src = _csv(tmp_path / "in.csv")
    before = _snapshot(tmp_path)
    x = tmp_path / "x.out"
    _refused(_import(src, x, x), capsys, "same file")
    assert _snapshot(tmp_path) == before


def test_multi_layer_geopackage_input_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    src = tmp_path / "in.gpkg"
    pts = gpd.GeoDataFrame(
        {
            "企业名称": ["甲"],
            "产业链": ["LED"],
            "环节": ["epi"],
            "企业编号": ["F1"],
            "从业人数": [10],
        },
        geometry=[shapely.Point(119.16, 36.71)],
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(pts, src, layer="firms", driver="GPKG")
    pyogrio.write_dataframe(pts, src, layer="other", driver="GPKG", append=True)
    before = _snapshot(tmp_path)
    _refused(_import(src, src, tmp_path / "rej.csv"), capsys, "input")
    assert _snapshot(tmp_path) == before
    assert {str(n) for n in pyogrio.list_layers(src)[:, 0]} == {"firms", "other"}


def test_an_existing_geopackage_with_other_layers_is_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """import-firms writes a new file holding one layer `firms`: it never drops other layers."""
    src = _csv(tmp_path / "in.csv")
    atlas = tmp_path / "atlas.gpkg"
    assert main(["export", "counties", "-o", str(atlas)]) == 0
    capsys.readouterr()
    before = _snapshot(tmp_path)
    _refused(_import(src, atlas, tmp_path / "rej.csv"), capsys, "counties")
    assert _snapshot(tmp_path) == before
    # an earlier import's output (only a `firms` layer) is replaced as before
    out = tmp_path / "ok.gpkg"
    assert main(_import(src, out, tmp_path / "rej.csv")) == 0
    assert main(_import(src, out, tmp_path / "rej.csv")) == 0
    assert [str(n) for n in pyogrio.list_layers(out)[:, 0]] == ["firms"]


def test_a_text_file_named_gpkg_is_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    src = _csv(tmp_path / "in.csv")
    notes = tmp_path / "notes.gpkg"
    notes.write_text("my notes, not a GeoPackage\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    _refused(_import(src, notes, tmp_path / "rej.csv"), capsys, "not a GeoPackage")
    assert _snapshot(tmp_path) == before


# ------------------------------------------------------------------ outputs that are not files
def test_output_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = _csv(tmp_path / "in.csv")
    (tmp_path / "d.gpkg").mkdir()
    before = _snapshot(tmp_path)
    _refused(_import(src, tmp_path / "d.gpkg", tmp_path / "rej.csv"), capsys, "folder")
    _refused(["export", "counties", "-o", str(tmp_path / "d.gpkg")], capsys, "folder")
    assert _snapshot(tmp_path) == before


def test_output_that_is_a_fifo_stays_a_fifo(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = _csv(tmp_path / "in.csv")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    before = _snapshot(tmp_path)
    _refused(_import(src, tmp_path / "ok.gpkg", fifo), capsys, "not a regular file")
    _refused(["export", "counties", "-o", str(fifo)], capsys, "not a regular file")
    assert _snapshot(tmp_path) == before
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_dev_null_is_refused_before_anything_is_written(capsys: pytest.CaptureFixture) -> None:
    from geo.export import OutputError, check_outputs

    # the check runs first and does not write: only after it refuses do we run the command
    with pytest.raises(OutputError, match="not a regular file"):
        check_outputs({"-o": "/dev/null"})
    null_before = os.stat("/dev/null")
    _refused(["export", "counties", "-o", "/dev/null", "--format", "csv"], capsys, "regular file")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == null_before.st_ino


def test_output_symlink_is_followed_and_stays_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Policy: a link to a regular file is followed (the file it names is replaced atomically)."""
    real = tmp_path / "real" / "counties.geojson"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.geojson"
    os.symlink(real, link)
    assert main(["export", "counties", "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert len(json.loads(real.read_text(encoding="utf-8"))["features"]) == 136
    assert sorted(p.name for p in real.parent.iterdir()) == ["counties.geojson"]  # no temp left


def test_dangling_symlink_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    link = tmp_path / "link.geojson"
    os.symlink(tmp_path / "nowhere" / "x.geojson", link)
    before = _snapshot(tmp_path)
    _refused(["export", "counties", "-o", str(link)], capsys, "link")
    assert _snapshot(tmp_path) == before


# ------------------------------------------------------------------ names and folders
@pytest.mark.parametrize("bad", ["", "a\x00b.csv"])
def test_empty_output_and_nul_are_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.chdir(tmp_path)
    src = _csv(tmp_path / "in.csv")
    before = _snapshot(tmp_path)
    _refused(_import(src, bad, "rej.csv"), capsys, "-o")
    _refused(_import(src, "ok.gpkg", bad), capsys, "--rejects")
    _refused(["export", "counties", "-o", bad, "--format", "csv"], capsys, "-o")
    assert _snapshot(tmp_path) == before


def test_a_name_as_long_as_the_file_system_allows_works(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """The temporary file beside it is never longer than the target's name.

    A GeoPackage is an SQLite file: SQLite writes ``NAME-journal`` beside it, so its name may
    use all but 8 bytes of the limit; the CSV may use all of it.
    """
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    src = _csv(tmp_path / "in.csv")
    out = tmp_path / ("o" * (limit - 8 - 5) + ".gpkg")
    rej = tmp_path / ("r" * (limit - 4) + ".csv")
    assert main(_import(src, out, rej)) == 0
    assert len(pyogrio.read_dataframe(out)) == 1 and rej.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in.csv", out.name, rej.name])


def test_a_name_too_long_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    src = _csv(tmp_path / "in.csv")
    before = _snapshot(tmp_path)
    long = tmp_path / ("x" * limit + ".csv")
    _refused(_import(src, tmp_path / "ok.gpkg", long), capsys, "too long", str(limit))
    _refused(["export", "counties", "-o", str(long)], capsys, "too long")
    gpkg = tmp_path / ("g" * (limit - 5) + ".gpkg")  # fits, but its SQLite journal would not
    _refused(_import(src, gpkg, tmp_path / "rej.csv"), capsys, "-journal", str(limit - 8))
    assert _snapshot(tmp_path) == before


def test_missing_rejects_folder_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    src = _csv(tmp_path / "in.csv")
    before = _snapshot(tmp_path)
    _refused(
        _import(src, tmp_path / "ok.gpkg", tmp_path / "nope" / "rej.csv"),
        capsys,
        "does not exist",
    )
    assert _snapshot(tmp_path) == before  # in particular no ok.gpkg without its rejects


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """A folder nobody can write into: chmod for users, the immutable flag for root."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make a folder read-only")
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


def test_read_only_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = _csv(tmp_path / "in.csv")
    ro = tmp_path / "ro"
    ro.mkdir()
    with _read_only(ro):
        _refused(_import(src, tmp_path / "ok.gpkg", ro / "rej.csv"), capsys, "not writable")
        _refused(["export", "counties", "-o", str(ro / "c.geojson")], capsys, "not writable")
    assert not (tmp_path / "ok.gpkg").exists() and list(ro.iterdir()) == []


# ------------------------------------------------------------------ all or nothing
def test_zero_accepted_replaces_a_stale_output_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    good, bad = _csv(tmp_path / "good.csv", GOOD), _csv(tmp_path / "bad.csv", BAD_ONLY)
    out, rej = tmp_path / "ok.gpkg", tmp_path / "rej.csv"
    assert main(_import(good, out, rej)) == 0
    assert len(pyogrio.read_dataframe(out)) == 1
    capsys.readouterr()
    assert main(_import(bad, out, rej, "--json")) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["accepted"] == 0 and summary["output"] == str(out)
    assert summary["replaced"] == [str(out), str(rej)]
    # the file the summary names holds this run's result: an empty firms layer
    assert [str(n) for n in pyogrio.list_layers(out)[:, 0]] == ["firms"]
    assert len(pyogrio.read_dataframe(out)) == 0
    assert len(pd.read_csv(rej, encoding="utf-8-sig")) == 1
    assert main(_import(bad, out, rej)) == 0
    text = capsys.readouterr().out
    assert "0 firms" in text and "replaced" in text


def test_outputs_appear_together(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = _csv(tmp_path / "in.csv")
    out, rej = tmp_path / "ok.gpkg", tmp_path / "rej.csv"
    assert main(_import(src, out, rej, "--json")) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["replaced"] == []
    assert (
        len(pyogrio.read_dataframe(out)) == 1 and len(pd.read_csv(rej, encoding="utf-8-sig")) == 1
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "ok.gpkg", "rej.csv"]


# ------------------------------------------------------------------ report, export, scenario
def test_report_output_onto_its_firms_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    src = _csv(tmp_path / "firms.xlsx.html")  # whatever the name, it is the input
    before = _snapshot(tmp_path)
    _refused(
        [
            "report",
            "--chain",
            "LED",
            "--region",
            "370783",
            "--firms",
            str(src),
            "-o",
            str(src),
            "--format",
            "html",
        ],
        capsys,
        "input",
    )
    assert _snapshot(tmp_path) == before


def test_export_never_writes_into_the_shipped_data(capsys: pytest.CaptureFixture) -> None:
    from geo.registry import data_path

    target = data_path("counties")
    before = target.read_bytes()
    _refused(["export", "counties", "-o", str(target)], capsys, "input")
    assert target.read_bytes() == before


def test_scenario_edits_file_is_not_the_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    ws = tmp_path / "w.gpkg"
    edits = tmp_path / "e.json"
    edits.write_text('[{"type": "remove_firm", "firm_id": "ANCHOR-001"}]', encoding="utf-8")
    assert (
        main(["scenario", "new", "--workspace", str(ws), "--name", "a", "--edits", str(edits)]) == 0
    )
    before = _snapshot(tmp_path)
    _refused(
        ["scenario", "new", "--workspace", str(ws), "--name", "b", "--edits", str(ws)],
        capsys,
        "input",
    )
    assert _snapshot(tmp_path) == before


# ------------------------------------------------------------------ as a real process
def test_refusals_print_one_line_in_a_subprocess(tmp_path: Path) -> None:
    src = _csv(tmp_path / "in.csv")
    cases = [
        _import(src, tmp_path / "ok.gpkg", src),
        _import(src, tmp_path / "nope" / "x.gpkg", tmp_path / "rej.csv"),
        ["export", "counties", "-o", str(tmp_path)],
        ["export", "counties", "-o", ""],
    ]
    for argv in cases:
        proc = subprocess.run(
            [sys.executable, "-m", "layout.cli", *argv],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 2, (argv, proc.stderr)
        assert proc.stderr.startswith("cluster-atlas: error: ") and proc.stderr.count("\n") == 1
        assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


# ------------------------------------------------------------------ columns a GeoPackage refuses
_HEAD = "企业名称,经度,纬度,产业链,环节,从业人数,产值(万元),企业编号"
_ROW = "甲,119.16,36.71,LED,epi,10,100,F1"


def test_extra_columns_a_geopackage_cannot_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """5,000 columns: refused with one line (the importer's max_columns), nothing written."""
    extra_head = "," + ",".join(f"c{i}" for i in range(5000))
    extra_row = "," + ",".join("1" * 5000)
    src = tmp_path / "in.csv"
    src.write_text(f"{_HEAD}{extra_head}\n{_ROW}{extra_row}\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    _refused(_import(src, tmp_path / "ok.gpkg", tmp_path / "rej.csv"), capsys)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("extra_head", "extra_row", "names"),
    [
        (",Note,note", ",a,b", ["extra_Note", "extra_note_2"]),  # case duplicates
        (",a\x00b", ",a", ["extra_a b"]),  # NUL in a header
    ],
    ids=["case-duplicate", "nul"],
)
def test_extra_columns_are_given_names_a_geopackage_holds(
    tmp_path: Path, extra_head: str, extra_row: str, names: list[str]
) -> None:
    """The importer names such extra columns safely (issue #11): the GeoPackage holds them."""
    import geopandas as gpd

    src = tmp_path / "in.csv"
    src.write_text(f"{_HEAD}{extra_head}\n{_ROW}{extra_row}\n", encoding="utf-8")
    assert main(_import(src, tmp_path / "ok.gpkg", tmp_path / "rej.csv")) == 0
    back = gpd.read_file(tmp_path / "ok.gpkg", layer="firms")
    assert [c for c in back.columns if c.startswith("extra_")] == names


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_an_input_that_is_not_a_regular_file_is_refused_unopened(
    tmp_path: Path, capsys: pytest.CaptureFixture, kind: str
) -> None:
    src = tmp_path / "in.csv"
    if kind == "fifo":
        os.mkfifo(src)  # opening it would block until a writer came
    else:
        src.mkdir()
    before = _snapshot(tmp_path)
    _refused(_import(src, tmp_path / "ok.gpkg", tmp_path / "rej.csv"), capsys, "PATH")
    _refused(["analyze", "--chain", "LED", "--firms", str(src)], capsys, "--firms")
    assert _snapshot(tmp_path) == before
