"""The cluster-atlas CLI: layers --json, export, one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

from layout.cli import main


def test_layers_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers", "--json"]) == 0
    layers = {row["name"]: row for row in json.loads(capsys.readouterr().out)["layers"]}
    assert layers["counties"]["features"] == 136 and layers["cities"]["features"] == 16
    assert layers["province"]["features"] == 1
    assert all(row["datum"].startswith("WGS-84") for row in layers.values())
    assert {"zones", "zones-2020", "htz", "clusters"} <= set(layers)


def test_export_counties_geojson(tmp_path: Path) -> None:
    out = tmp_path / "c.geojson"
    assert main(["export", "counties", "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["features"]) == 136


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "gpkg", "geojson"])
def test_export_each_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"z.{fmt}"
    assert main(["export", "zones", "-o", str(out), "--format", fmt]) == 0
    assert out.stat().st_size > 0


def test_export_all_is_one_geopackage(tmp_path: Path) -> None:
    out = tmp_path / "all.gpkg"
    assert main(["export", "all", "-o", str(out)]) == 0
    assert len(pyogrio.list_layers(out)) == 7


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["export", "roads", "-o", "x.geojson"], "valid layers are province, cities, counties, zones, zones-2020, htz, clusters, all"),
        (["export", "counties", "-o", "x.shp"], "pass --format with one of geojson, gpkg, csv, xlsx"),
        (["export", "counties", "-o", "x.geojson", "--format", "shp"], "valid formats are geojson, gpkg, csv, xlsx"),
        (["export", "all", "-o", "x.csv"], "use --format gpkg"),
        (["export", "counties"], "required"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_errors_are_one_line_exit_2(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_console_script_runs_as_subprocess(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "layout.cli", "export", "nope", "-o", str(tmp_path / "a")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "valid layers" in proc.stderr
