"""The report's yearly evaluation (年度评价) with the trend over the years."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from layout.cli import main
from layout.demo import demo_firms
from layout.monitoring import demo_panel, region_trend
from layout.reports import LISTS, build_report, render_html, xlsx_bytes

HEADER = "企业编号,企业名称,经度,纬度,产业链,环节,从业人数,产值（万元）"


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return build_report(demo_firms(), "LED", "370900", panel=demo_panel(), date="2025-01-01")


def test_trend_lists_are_the_monitoring_result(report) -> None:  # type: ignore[no-untyped-def]
    direct = region_trend(demo_panel(), "LED", "370900")
    got = report.lists["trend"]
    assert got["year"].tolist() == list(range(2019, 2025))
    assert got["verdict"].tolist() == direct.years["verdict"].tolist()
    assert got["rank"].tolist() == direct.years["rank"].tolist()
    assert got["composite"].tolist() == pytest.approx(direct.years["composite"].tolist())
    assert len(report.lists["trend_transitions"]) == len(direct.transitions)
    # the 2024 row is the snapshot's own evaluation (the demo table is the panel's last year)
    assert got.iloc[-1]["rank"] == report.summary["rank"]
    assert got.iloc[-1]["composite"] == pytest.approx(report.summary["composite"])
    assert report.summary["trend_years"] == "2019–2024"
    assert report.summary["trend_verdict"] == direct.years["verdict"].iloc[-1]
    assert {"trend", "trend_transitions"} <= set(LISTS)


def test_trend_in_the_html_and_the_workbook(report) -> None:  # type: ignore[no-untyped-def]
    html = render_html(report)
    section = html[html.index('<section id="evaluation">') : html.index('<section id="sources">')]
    assert "逐年评价与趋势" in section and 'class="trend"' in section
    assert all(f">{y}<" in section for y in range(2019, 2025))
    assert "<script" not in html.lower()
    verdict = report.lists["trend"]["verdict_zh"].iloc[-1]
    assert verdict in section
    sheets = pd.read_excel(io.BytesIO(xlsx_bytes(report)), sheet_name=None)
    assert sheets["trend"]["year"].tolist() == list(range(2019, 2025))
    assert sheets["trend"]["data_note"].notna().all()


def test_without_a_panel_the_section_says_a_trend_needs_several_years() -> None:
    rep = build_report(demo_firms(), "LED", "370900", date="2025-01-01")
    html = render_html(rep)
    assert "无逐年趋势" in html and "no trend" in html and 'class="trend"' not in html
    assert rep.lists["trend"].empty and rep.summary["trend_years"] is None


def test_report_cli_takes_a_panel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "led_2023.csv", tmp_path / "led_2024.csv"
    a.write_text(
        "\n".join(
            [HEADER, "L1,甲,117.05,36.67,LED,epi,100,1000", "L2,乙,117.05,36.67,LED,chip,5,50"]
        ),
        encoding="utf-8",
    )
    b.write_text("\n".join([HEADER, "L1,甲,117.05,36.67,LED,epi,120,1200"]), encoding="utf-8")
    out = tmp_path / "r.html"
    argv = ["report", "--chain", "LED", "--region", "370100", "-o", str(out), "--json"]
    assert main([*argv, "--panel", str(a), str(b)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["synthetic"] is False and d["lists"]["trend"] == 2
    text = out.read_text(encoding="utf-8")
    assert "逐年评价与趋势" in text and ">2023<" in text and ">2024<" in text
    assert "gap opened" in text  # node chip in 济南市: its only firm left in 2024
