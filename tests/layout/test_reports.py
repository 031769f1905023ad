"""Chain × region report: every section and list, escaping, no external assets, XLSX sheets, CLI."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import networkx as nx
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from layout import cli
from layout.demo import demo_firms
from layout.regions import region_table
from layout.reports import (
    LISTS,
    SECTIONS,
    Report,
    build_report,
    chain_svg,
    render_html,
    write_html,
    write_xlsx,
)

XSS = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://example.com","x")'


@pytest.fixture(scope="module")
def report() -> Report:
    firms = demo_firms()
    pt = region_table("county").set_index("region").loc["370705"]
    evil = gpd.GeoDataFrame(
        {
            "firm_id": ["EVIL-1"],
            "name": [XSS],
            "name_en": [FORMULA],
            "chain": ["LED"],
            "node": ["epi"],
            "employees": [5000.0],
            "output": [1.0],
            "adcode": ["370705"],
            "synthetic": [False],
            "location_quality": ["exact"],
            "source": ["@SUM(A1)"],
            "verification": ["unverified"],
        },
        geometry=[Point(pt["lon"], pt["lat"])],
        crs="EPSG:4326",
    )
    both = gpd.GeoDataFrame(
        pd.concat([firms, evil], ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    return build_report(both, "LED", "BLUE", date="2025-01-01")


def test_report_has_every_section_and_list(report: Report) -> None:
    page = render_html(report)
    for sid, (zh, en) in SECTIONS.items():
        assert f'<section id="{sid}">' in page and zh in page and en in page
    for key, (_, zh, _en) in LISTS.items():
        assert f'id="list-{key}"' in page and zh in page
    # after the MOST plan outline: current state, chain, problems, targets and tasks
    assert (
        page.index('id="status"')
        < page.index('id="chain"')
        < page.index('id="problems"')
        < page.index('id="tasks"')
    )
    assert page.count("<svg") == 2 and 'class="chain-map"' in page and 'class="region-map"' in page
    assert "合成示例数据" in page and "Synthetic demonstration data" in page  # banner
    assert "@media print" in page and "page-break-before" in page


def test_report_content_follows_the_analysis(report: Report) -> None:
    gaps = set(report.lists["gaps"]["node"])
    assert gaps == {"display", "lighting"}  # LED in BLUE on the demo data
    assert set(report.lists["siting"]["node"]) == gaps and set(report.lists["sites"]["method"]) == {
        "p-median",
        "mclp",
    }
    lead = report.lists["leading_firms"]
    assert not lead["synthetic"].iloc[0] and XSS in set(lead["name"])  # real firms first
    assert report.summary["rank"] >= 1 and report.summary["band"] in {"ok", "warning"}
    assert (report.lists["sources"]["flag"].isin(["✓", "⚠"])).all()


def test_firm_names_are_escaped_and_nothing_is_fetched(report: Report) -> None:
    page = render_html(report)
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert (
        "<script" not in page.lower()
        and "<link" not in page.lower()
        and "<iframe" not in page.lower()
    )
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)  # no external asset
    assert not re.search(r"""url\(\s*["']?(https?:)?//""", page, re.I)
    for cdn in ("jsdelivr", "unpkg", "cdnjs"):
        assert cdn not in page


def test_write_html_is_utf8(report: Report, tmp_path: Path) -> None:
    path = write_html(report, tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "半导体发光" in text


def test_xlsx_has_the_sheets_and_no_formula_cells(report: Report, tmp_path: Path) -> None:
    path = write_xlsx(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["summary", "chain_map", "chain_edges"]
    assert set(LISTS) <= set(wb.sheetnames)
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (
                    f"formula in {ws.title}!{cell.coordinate}: {cell.value!r}"
                )
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert "'" + FORMULA in texts and "'@SUM(A1)" in texts and XSS in texts
    grid = pd.read_excel(path, sheet_name="chain_map")
    assert grid["stage"].dropna().tolist() == ["upstream", "midstream", "downstream", "support"]


def test_chain_svg_escapes_node_names() -> None:
    g = nx.DiGraph()
    g.add_node("a", stage="upstream", name_zh="<b>甲</b>", name_en="A & co")
    g.add_node("b", stage="downstream", name_zh="乙", name_en="B")
    g.add_edge("a", "b")
    nodes = pd.DataFrame(
        {
            "node": ["a", "b"],
            "status": ["strong", "missing"],
            "n_firms": [2, 0],
            "reason_zh": ["<script>", ""],
            "reason_en": ["x", "y"],
        }
    )
    svg = chain_svg(g, nodes)
    assert (
        "<b>" not in svg
        and "&lt;b&gt;甲&lt;/b&gt;" in svg
        and "A &amp; co" in svg
        and "<script>" not in svg
    )
    assert 'stroke-dasharray="5 4"' in svg  # the link into a missing node is drawn as a gap


def test_cli_report_writes_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "led.xlsx"
    assert cli.main(["report", "--chain", "LED", "--region", "370705", "-o", str(out)]) == 0
    assert out.stat().st_size > 0 and "wrote xlsx report LED" in capsys.readouterr().out
    assert "leading_firms" in openpyxl.load_workbook(out).sheetnames


def test_cli_report_errors_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["report", "--chain", "NOPE", "--region", "MARS", "-o", str(tmp_path / "x.pdf")]
    )
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert (
        "unknown chain 'NOPE'" in err
        and "unknown region 'MARS'" in err
        and "--format html or xlsx" in err
    )
    assert not (tmp_path / "x.pdf").exists()


def test_region_without_the_chain_still_reports() -> None:
    firms = demo_firms()
    rep = build_report(
        firms[firms["adcode"].astype(str) != "370102"], "LED", "370102", date="2025-01-01"
    )
    assert rep.summary["firms"] == 0 and rep.summary["completeness"] == 0.0
    assert rep.lists["leading_firms"].empty and len(rep.lists["gaps"]) == 11
    assert len(rep.lists["siting"]) > 0 and len(rep.lists["sourcing"]) > 0
    page = render_html(rep)
    assert "无 · none" in page and "历下区" in page
