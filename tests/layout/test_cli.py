"""The cluster-atlas CLI: layers --json, export, one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
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
        (
            ["export", "roads", "-o", "x.geojson"],
            "valid layers are province, cities, counties, zones, zones-2020, htz, clusters, all",
        ),
        (
            ["export", "counties", "-o", "x.shp"],
            "pass --format with one of geojson, gpkg, csv, xlsx",
        ),
        (
            ["export", "counties", "-o", "x.geojson", "--format", "shp"],
            "valid formats are geojson, gpkg, csv, xlsx",
        ),
        (["export", "all", "-o", "x.csv"], "use --format gpkg"),
        (["export", "counties"], "required"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_errors_are_one_line_exit_2(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_console_script_runs_as_subprocess(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "layout.cli", "export", "nope", "-o", str(tmp_path / "a")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "valid layers" in proc.stderr


def test_analyze_led_json_on_demo_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "--chain", "LED", "--json", "--permutations", "99"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["chain"]["code"] == "LED" and d["level"] == "county" and len(d["regions"]) == 136
    node = d["regions"][0]["nodes"][0]
    assert {"node", "status", "reason_zh", "reason_en", "n_firms", "lq"} <= set(node)
    assert "completeness" in d["regions"][0] and "hhi_chain" in d["concentration"]


def test_analyze_one_zone(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "analyze",
                "--chain",
                "LED",
                "--region",
                "BLUE",
                "--base",
                "output",
                "--json",
                "--permutations",
                "99",
            ]
        )
        == 0
    )
    d = json.loads(capsys.readouterr().out)
    assert [r["region"] for r in d["regions"]] == ["BLUE"] and d["base"] == "output"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["analyze", "--chain", "XX"], "valid chains are LED"),
        (
            ["analyze", "--chain", "LED", "--base", "profit"],
            "valid bases are employees, output, firms",
        ),
        (
            ["analyze", "--chain", "LED", "--level", "town"],
            "valid levels are county, city, zone, province",
        ),
        (["analyze", "--chain", "LED", "--region", "999999"], "unknown region"),
        (
            ["import-firms", "nofile.csv", "-o", "x.gpkg", "--rejects", "r.csv", "--datum", "utm"],
            "unknown datum",
        ),
    ],
)
def test_analysis_errors_exit_2(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert needle in capsys.readouterr().err


def test_coverage_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d) == {
        "zone_cluster_matrix",
        "zone_category_counts",
        "focus_compliance",
        "uncovered_counties",
        "target_progress",
    }
    assert len(d["focus_compliance"]) == 18


def test_import_firms_accounting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "firms.csv"
    src.write_text(
        "企业名称,经度,纬度,产业链,环节,从业人数,产值(万元),企业编号\n"
        "甲,119.16,36.71,LED,epi,10,100,F1\n"
        "乙,abc,36.7,LED,epi,10,100,F2\n"
        "丙,100.0,20.0,LED,epi,10,100,F3\n"
        "丁,119.16,36.71,LED,nosuch,10,100,F4\n",
        encoding="utf-8",
    )
    out, rej = tmp_path / "ok.gpkg", tmp_path / "rej.csv"
    assert main(["import-firms", str(src), "-o", str(out), "--rejects", str(rej), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["read"] == 4 and summary["accepted"] == 1 and summary["rejected"] == 3
    assert summary["read"] == summary["accepted"] + summary["rejected"]
    assert len(pyogrio.read_dataframe(out)) == 1
    assert len(pd.read_csv(rej, encoding="utf-8-sig")) == 3
