"""Chain × region report: every section and list, escaping, no external assets, XLSX sheets, CLI."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import networkx as nx
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.sources import EVIDENCE_LEVELS, is_unverified, table_problems
from layout import cli
from layout.demo import demo_firms
from layout.evaluation import DEFAULT_INDICATORS
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
    annex = report.lists["sources"]
    facts = annex[annex["evidence"] != ""]
    assert facts["evidence"].isin(EVIDENCE_LEVELS).all() and len(facts) >= 5
    # a visible mark exactly on the facts below press
    assert (facts["mark"].str.contains("待核实") == facts["evidence"].map(is_unverified)).all()
    assert (annex.loc[annex["evidence"] == "", "mark"] == "").all()


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


def test_annex_lists_each_fact_once_with_its_evidence(report: Report) -> None:
    annex = report.lists["sources"]
    assert not annex.duplicated(["kind", "item"]).any()
    kinds = set(annex["kind"])
    assert {"zone", "cluster", "firm", "high-tech zone", "chain template", "method"} <= kinds
    zone = annex[annex["kind"] == "zone"].iloc[0]
    assert zone["evidence"] == "press" and zone["mark"] == ""  # BLUE: 中国網 2011-01-07
    firms = annex[annex["kind"] == "firm"]
    real = report.lists["leading_firms"]
    real = real[~real["synthetic"].astype(bool)]
    assert len(firms) == real[["name", "node"]].drop_duplicates().shape[0]
    # the Jiangsu document is an example of an evaluation approach, never Shandong policy
    jiangsu = annex[annex["item"].str.contains("Jiangsu")]
    assert len(jiangsu) == 1 and "not Shandong policy" in jiangsu["item"].iloc[0]
    assert jiangsu["evidence"].iloc[0] == ""
    problems = table_problems(annex, "annex")  # only the planted firm's user text is flagged
    assert problems and all("example.com" in p for p in problems)


def test_synthetic_is_said_on_every_section_and_sheet(report: Report, tmp_path: Path) -> None:
    page = render_html(report)
    for sid in SECTIONS:
        body = page.split(f'<section id="{sid}">', 1)[1].split("</section>", 1)[0]
        assert "synthetic demonstration data" in body, sid
    wb = openpyxl.load_workbook(write_xlsx(report, tmp_path / "s.xlsx"))
    for ws in wb.worksheets:
        header = [c.value for c in ws[1]]
        assert header[-1] == "data_note", ws.title
        col = len(header)
        notes = [ws.cell(row=i, column=col).value for i in range(2, ws.max_row + 1)]
        assert notes and all("synthetic" in str(n) for n in notes), ws.title


def test_xlsx_direction_column_reads_plus_minus(report: Report, tmp_path: Path) -> None:
    path = write_xlsx(report, tmp_path / "d.xlsx")
    ind = pd.read_excel(path, sheet_name="indicators", dtype=str)
    assert set(ind["direction"]) == {"+", "-"}
    shipped = pd.read_csv(DEFAULT_INDICATORS, dtype=str)
    assert ind["direction"].tolist() == shipped["direction"].tolist()


def test_chain_map_labels_are_whole(report: Report) -> None:
    svg = report.chain_svg
    assert "…" not in svg
    texts = re.findall(r'<text[^>]*class="(nz|ne)"[^>]*>([^<]*)</text>', svg)
    zh = "".join(t for c, t in texts if c == "nz")
    en = "".join(t for c, t in texts if c == "ne").replace(" ", "")
    for rec in report.lists["nodes"].itertuples():
        assert html.escape(rec.name_zh) in zh
        assert html.escape(rec.name_en).replace(" ", "") in en


def test_region_map_fits_its_frame(report: Report) -> None:
    svg = report.map_svg
    width, height = (
        float(v) for v in re.search(r'<rect width="([\d.]+)" height="([\d.]+)"', svg).groups()
    )
    xs, ys = [], []
    for d in re.findall(r'<path d="([^"]+)"', svg):
        for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", d):
            xs.append(float(x))
            ys.append(float(y))
    assert xs and min(xs) >= 0 and max(xs) <= width and min(ys) >= 0 and max(ys) <= height
    legend = [float(y) for y in re.findall(r"translate\([\d.]+,([\d.]+)\)", svg)]
    assert legend and min(legend) > height  # the legend sits below every county


def test_print_styles(report: Report) -> None:
    page = render_html(report)
    css = page.split("<style>", 1)[1].split("</style>", 1)[0]
    assert '"Noto Sans CJK SC"' in css.split("font-family:", 1)[1].split(";", 1)[0]
    rule = re.search(r"td\.band-warning\{([^}]*)\}", css).group(1)
    assert "background:#d73027" in rule and "color:#fff" in rule  # white on red
    # page 1 holds the header and the first section, not the header alone
    assert re.search(r"section:first-of-type\{break-before:auto", css)


def test_font_stack_is_satisfied_by_debian_noto_cjk() -> None:
    fc = shutil.which("fc-match")
    if fc is None or not Path("/usr/share/fonts/opentype/noto").exists():
        pytest.skip("fontconfig or fonts-noto-cjk not installed")
    out = subprocess.run([fc, "Noto Sans CJK SC"], capture_output=True, text=True, check=True)
    assert "Noto Sans CJK" in out.stdout
