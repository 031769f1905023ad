"""Everything the project ships or renders cites only hosts users may see, and earns "verified".

Checked with :mod:`geo.sources` (the same rules as the reference's ``check_sources.py``): no
address whose host is class D or missing from ``data/source_hosts.csv`` (a few technical hosts —
the SVG namespace, the package index — are listed in ``geo.sources.TECHNICAL_HOSTS``), no class-D
host named at all (the host table itself is the one block list), no internal working note, and no
row that says ``verified`` without official or press evidence; every fact table has an evidence
column. Scanned: the shipped files (``data/``, ``docs/``, README, CHANGELOG), every layer exported
as CSV and GeoJSON, the coverage tables, and the LED × BLUE report as HTML and XLSX (the app's
tables are checked in ``tests/app/test_shipped_sources_app.py``).

The check is shown to fail: a copy of ``data/`` with a class-D address, an unknown host, a working
note and an unearned "verified" planted in it reports each of them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.export import to_csv, to_geojson
from geo.layers import LAYER_NAMES, load_layer
from geo.sources import HostTable, host_table, table_problems, text_problems

REPO = Path(__file__).resolve().parents[1]
HOST_TABLE = Path("data") / "source_hosts.csv"
TEXT_SUFFIXES = {".md", ".html", ".json", ".geojson", ".txt", ".j2", ".css"}


def _shipped_files(root: Path) -> list[Path]:
    """Files under ``data/`` and ``docs/`` plus the top-level documents (tracked ones in a repo)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "data", "docs", "README.md", "CHANGELOG.md"],
            cwd=root, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        files = [root / f for f in out if (root / f).is_file()]
    except (OSError, subprocess.CalledProcessError):
        files = []
    # a temp copy (the planted test) is not a repository: walk it
    walked = [p for d in ("data", "docs") for p in (root / d).rglob("*") if p.is_file()]
    walked += [root / n for n in ("README.md", "CHANGELOG.md") if (root / n).is_file()]
    return sorted(set(files) | set(walked))


def check_tree(root: Path, hosts: HostTable | None = None) -> list[str]:
    """Every problem in the shipped files under ``root``."""
    hosts = hosts or host_table()
    problems: list[str] = []
    for path in _shipped_files(root):
        rel = path.relative_to(root)
        if rel == HOST_TABLE:  # the block list: names class-D hosts by design, holds no address
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            problems += [
                p for v in df["host"] for p in text_problems(f"http://{v}/", str(rel), hosts=hosts)
                if "class-D" not in p
            ]  # fmt: skip
            continue
        if path.suffix == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            problems += table_problems(df, str(rel), hosts=hosts)
        elif path.suffix == ".xlsx":
            for name, df in pd.read_excel(path, sheet_name=None, dtype=str).items():
                problems += table_problems(df.fillna(""), f"{rel}:{name}", hosts=hosts)
        elif path.suffix in TEXT_SUFFIXES:
            problems += text_problems(path.read_text(encoding="utf-8"), str(rel), hosts=hosts)
    return problems


def test_shipped_files_pass_the_source_check() -> None:
    problems = check_tree(REPO)
    assert problems == [], "\n".join(problems[:40])


def test_every_shipped_fact_table_has_evidence() -> None:
    for name in ("frames/zones.csv", "frames/membership.csv", "htz.csv", "clusters.csv",
                 "crosswalk.csv", "targets.csv", "anchors.csv", "chains/nodes.csv",
                 "chains/edges.csv", "chains/industries.csv"):  # fmt: skip
        df = pd.read_csv(REPO / "data" / name, dtype=str, keep_default_na=False)
        assert df["evidence"].isin(["official", "press", "secondary", "none"]).all(), name


def test_planted_problems_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "data", root / "data")
    (root / "docs").mkdir()
    (root / "README.md").write_text("# clean\n", encoding="utf-8")
    assert check_tree(root) == []  # the untouched copy is clean: the plants below are the cause
    blocked = host_table().blocked[0]
    htz = pd.read_csv(root / "data" / "htz.csv", dtype=str, keep_default_na=False)
    htz.loc[0, "source"] = f"{htz.loc[0, 'source']} ; http://{blocked}/copy.html"
    htz.loc[1, "source"] = "https://never-classed.example.net/page"
    weak = htz.index[htz["evidence"] == "secondary"][0]
    htz.loc[weak, "verification"] = "verified (seen in a copy)"
    htz.to_csv(root / "data" / "htz.csv", index=False)
    (root / "docs" / "note.md").write_text("doc no. from brief; see seeds/001\n", encoding="utf-8")
    problems = check_tree(root)
    assert any(f"class-D address on {blocked}" in p and "htz.csv row 1" in p for p in problems)
    assert any("never-classed.example.net" in p and "htz.csv row 2" in p for p in problems)
    assert any(f"htz.csv row {weak + 1}: says verified with evidence secondary" in p
               for p in problems)  # fmt: skip
    assert sum("internal working note" in p and "note.md" in p for p in problems) == 2
    # and a class-D host named without an address, in a rendered text
    assert text_problems(f"copied from {blocked}", "page")


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_exported_layers_pass(name: str, tmp_path: Path) -> None:
    gdf = load_layer(name)
    csv = to_csv(gdf, tmp_path / f"{name}.csv")
    geojson = to_geojson(gdf, tmp_path / f"{name}.geojson")
    back = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    problems = table_problems(back, f"{name}.csv")
    problems += text_problems(geojson.read_text(encoding="utf-8"), f"{name}.geojson")
    assert problems == []
    if "verification" in gdf:
        assert "evidence" in back.columns


def test_cli_export_htz_and_clusters_carry_evidence(tmp_path: Path) -> None:
    from layout.cli.main import main

    for layer in ("htz", "clusters"):
        out = tmp_path / f"{layer}.csv"
        assert main(["export", layer, "-o", str(out)]) == 0
        df = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert df["evidence"].isin(["official", "press", "secondary", "none"]).all()
        assert table_problems(df, out.name) == []


def test_coverage_tables_pass() -> None:
    from layout import coverage

    tables = {
        "matrix_2013": coverage.zone_cluster_matrix("2013").reset_index(),
        "matrix_2020": coverage.zone_cluster_matrix("2020").reset_index(),
        "compliance": coverage.focus_compliance(),
        "targets": coverage.target_progress(),
    }
    for name, df in tables.items():
        assert table_problems(df, name) == [], name
        assert "evidence" in df.columns, name


def test_rendered_report_passes(tmp_path: Path) -> None:
    from layout.demo import demo_firms
    from layout.reports import build_report, render_html, write_xlsx

    report = build_report(demo_firms(), "LED", "BLUE", date="2025-01-01")
    problems = text_problems(render_html(report), "report.html")
    for key, df in report.lists.items():
        problems += table_problems(df, f"list {key}")
    wb = openpyxl.load_workbook(write_xlsx(report, tmp_path / "r.xlsx"))
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        df = pd.DataFrame(rows[1:], columns=[str(c) for c in rows[0]]) if rows else pd.DataFrame()
        problems += table_problems(df.astype(object).where(df.notna(), ""), f"xlsx {ws.title}")
    assert problems == [], "\n".join(problems[:40])
