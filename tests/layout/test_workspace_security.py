"""Tampered and hostile workspaces: one clear error, never a traceback, and nothing destroyed.

Issue #11 found tracebacks for a bad ``edits_json``, a missing column, an edited schema and a
text file named ``.gpkg``. Each workspace below is damaged the way a user (or another tool)
could damage it, then read through the library (a :class:`WorkspaceError`) and the CLI
(exit 2, one line on stderr); saving into it must refuse rather than destroy it.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from geo.problems import ProblemError
from layout.cli import main
from layout.scenarios import RemoveFirm, Scenario, load_scenario
from layout.workspace import Workspace, WorkspaceError


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path / "w.gpkg")
    w.save_scenario(Scenario("a", (RemoveFirm("ANCHOR-001"),), "甲"))
    w.save_scenario(Scenario("b", (RemoveFirm("ANCHOR-002"),)))
    return w


def _sql(ws: Workspace, statement: str, *args: object) -> None:
    con = sqlite3.connect(ws.path)
    try:
        con.execute(statement, args)
        con.commit()
    finally:
        con.close()


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cluster-atlas: error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def _run(ws: Workspace, name: str = "a") -> list[str]:
    return [
        "scenario",
        "run",
        "--workspace",
        str(ws.path),
        "--name",
        name,
        "--chain",
        "LED",
        "--region",
        "370783",
        "--permutations",
        "0",
    ]


@pytest.mark.parametrize(
    ("edits_json", "needle", "structural"),
    [
        ("[{not json", "not valid JSON", True),
        ("[" * 10_000 + "]" * 10_000, "nested deeper than 32", True),
        ('{"type": "remove_firm"}', "edits must be a JSON list", True),
        ("[1, 2]", "an edit must be a JSON object", True),
        ('[{"type": "remove_firm", "firm_id": ["x"]}]', "must be text", False),
        ("\xff\xfe", "not valid JSON", True),
    ],
    ids=["syntax", "deep", "object", "numbers", "list-id", "garbage"],
)
def test_damaged_edits_json(
    ws: Workspace,
    capsys: pytest.CaptureFixture[str],
    edits_json: str,
    needle: str,
    structural: bool,
) -> None:
    _sql(ws, "UPDATE scenarios SET edits_json = ? WHERE name = 'a'", edits_json)
    with pytest.raises((WorkspaceError, ValueError)) as err:
        load_scenario(ws, "a")
    assert isinstance(err.value, ProblemError) and needle in str(err.value)
    _cli(_run(ws), capsys, needle)
    # the other scenario still loads
    assert load_scenario(ws, "b").edits == (RemoveFirm("ANCHOR-002"),)
    if structural:  # the workspace cannot rebuild its edit points: a save refuses, naming it
        before = ws.path.read_bytes()
        with pytest.raises(WorkspaceError, match="scenario 'a'"):
            ws.save_scenario(Scenario("c", (RemoveFirm("ANCHOR-003"),)))
        assert ws.path.read_bytes() == before
    # deleting the damaged scenario repairs the workspace
    ws.delete_scenario("a")
    ws.save_scenario(Scenario("c", (RemoveFirm("ANCHOR-003"),)))
    assert ws.list_scenarios()["name"].tolist() == ["b", "c"]


def test_missing_column(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(ws, "ALTER TABLE scenarios DROP COLUMN edits_json")
    with pytest.raises(WorkspaceError, match="edits_json"):
        load_scenario(ws, "a")
    _cli(_run(ws), capsys, "lacks the column", "edits_json")
    _cli(["scenario", "list", "--workspace", str(ws.path)], capsys, "edits_json")


def test_tampered_values(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(ws, "UPDATE scenarios SET schema_version = 'seven' WHERE name = 'a'")
    _cli(_run(ws), capsys, "schema_version")


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ('"codec": "str"', '"codec": "eval"', "codec"),
        ('{"columns": [', '{"columns": [[', "schema"),
        ('"order": [', '"order": 5, "x": [', "schema"),
        ('"columns": [', '"columns": "', "schema"),
    ],
)
def test_edited_schema(
    ws: Workspace, capsys: pytest.CaptureFixture[str], old: str, new: str, needle: str
) -> None:
    con = sqlite3.connect(ws.path)
    try:
        key = '%<MDI key="atlas_kind">scenarios</MDI>%'
        ident, xml = con.execute(
            "SELECT id, metadata FROM gpkg_metadata WHERE metadata LIKE ?", (key,)
        ).fetchone()
        assert old in xml
        con.execute(
            "UPDATE gpkg_metadata SET metadata = ? WHERE id = ?", (xml.replace(old, new, 1), ident)
        )
        con.commit()
    finally:
        con.close()
    with pytest.raises(WorkspaceError, match=needle):
        ws.list_scenarios()
    _cli(["scenario", "list", "--workspace", str(ws.path)], capsys, "atlas_schema")


def test_schema_with_values_that_do_not_decode(ws: Workspace) -> None:
    ws.save_result("r", pd.DataFrame({"n": pd.Series([{"a": 1}, [2]], dtype=object)}))
    _sql(ws, "UPDATE r SET n = '{broken' WHERE n = '[2]'")
    with pytest.raises(WorkspaceError, match="column 'n'"):
        ws.load_result("r")


def test_a_text_file_named_gpkg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.gpkg"
    path.write_text("my notes\n", encoding="utf-8")
    ws = Workspace(path)
    with pytest.raises(WorkspaceError, match="not a GeoPackage"):
        ws.list_scenarios()
    with pytest.raises(WorkspaceError, match="not a GeoPackage"):
        ws.save_scenario(Scenario("a", (RemoveFirm("ANCHOR-001"),)))
    assert path.read_text(encoding="utf-8") == "my notes\n"  # never replaced
    edits = tmp_path / "e.json"
    edits.write_text('[{"type": "remove_firm", "firm_id": "ANCHOR-001"}]', encoding="utf-8")
    _cli(["scenario", "list", "--workspace", str(path)], capsys, "not a GeoPackage")
    _cli(
        ["scenario", "new", "--workspace", str(path), "--name", "a", "--edits", str(edits)],
        capsys,
        "not a GeoPackage",
    )
    assert path.read_text(encoding="utf-8") == "my notes\n"


def test_an_sqlite_file_that_is_not_a_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "db.gpkg"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(WorkspaceError):
        Workspace(path).save_scenario(Scenario("a", (RemoveFirm("ANCHOR-001"),)))
    assert path.read_bytes() == before


def test_workspace_that_is_a_folder_or_fifo(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "d.gpkg"
    folder.mkdir()
    fifo = tmp_path / "p.gpkg"
    os.mkfifo(fifo)
    for path, needle in ((folder, "folder"), (fifo, "not a regular file")):
        ws = Workspace(path)
        with pytest.raises(WorkspaceError, match=needle):
            ws.list_scenarios()
        with pytest.raises(ProblemError, match=needle):
            ws.save_scenario(Scenario("a", (RemoveFirm("ANCHOR-001"),)))
        _cli(["scenario", "list", "--workspace", str(path)], capsys, needle)
    assert folder.is_dir() and stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("bad", ["", "a\x00b.gpkg", "w.txt"])
def test_bad_workspace_names(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(WorkspaceError):
        Workspace(bad)
    _cli(["scenario", "list", "--workspace", bad], capsys)


def test_symlinked_workspace_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real" / "w.gpkg"
    real.parent.mkdir()
    link = tmp_path / "link.gpkg"
    os.symlink(real, link)
    with pytest.raises(ProblemError, match="symbolic link"):  # dangling: refused, not created
        Workspace(link).save_scenario(Scenario("a", (RemoveFirm("ANCHOR-001"),)))
    assert not real.exists()
    Workspace(real).save_scenario(Scenario("a", (RemoveFirm("ANCHOR-001"),)))
    Workspace(link).save_scenario(Scenario("b", (RemoveFirm("ANCHOR-002"),)))
    assert link.is_symlink()
    assert Workspace(real).list_scenarios()["name"].tolist() == ["a", "b"]
    assert sorted(p.name for p in real.parent.iterdir() if not p.name.endswith(".lock")) == [
        "w.gpkg"
    ]


def test_long_workspace_name_gets_short_temp_and_lock_names(tmp_path: Path) -> None:
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    path = tmp_path / ("w" * (limit - 8 - 5) + ".gpkg")  # room for SQLite's NAME-journal
    ws = Workspace(path)
    ws.save_scenario(Scenario("a", (RemoveFirm("ANCHOR-001"),)))
    ws.save_result("r", pd.DataFrame({"a": [1]}))
    assert ws.list_scenarios()["name"].tolist() == ["a"]
    assert all(len(os.fsencode(p.name)) <= limit for p in tmp_path.iterdir())


def test_too_long_workspace_name_is_a_clear_error(tmp_path: Path) -> None:
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    ws = Workspace(tmp_path / ("w" * limit + ".gpkg"))
    with pytest.raises(ProblemError, match="too long"):
        ws.save_scenario(Scenario("a", (RemoveFirm("ANCHOR-001"),)))
    assert list(tmp_path.iterdir()) == []


def test_workspace_columns_a_geopackage_cannot_hold(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "w.gpkg")
    with pytest.raises(WorkspaceError, match="NUL"):
        ws.save_result("r", pd.DataFrame({"a\x00b": [1]}))
    with pytest.raises(WorkspaceError, match="at most 1998"):
        ws.save_result("r", pd.DataFrame({f"c{i}": [1] for i in range(5000)}))
    assert not ws.path.exists()


def test_workspace_error_is_a_problem_error() -> None:
    assert issubclass(WorkspaceError, ProblemError)
    assert WorkspaceError.subject == ("工作区", "workspace")


def test_foreign_layers_survive_a_save(ws: Workspace) -> None:
    """A workspace that QGIS added a layer to keeps it through our saves."""
    import geopandas as gpd
    import shapely

    extra = gpd.GeoDataFrame({"x": [1]}, geometry=[shapely.Point(117, 36)], crs="EPSG:4326")
    pyogrio.write_dataframe(extra, ws.path, layer="qgis_notes", driver="GPKG", append=True)
    ws.save_scenario(Scenario("c", (RemoveFirm("ANCHOR-003"),)))
    assert "qgis_notes" in {str(n) for n in pyogrio.list_layers(ws.path)[:, 0]}
