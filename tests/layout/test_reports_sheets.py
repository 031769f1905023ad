"""The report workbook holds the report's own values, sheet by sheet, read back with openpyxl."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from layout.demo import demo_firms
from layout.reports import LISTS, Report, build_report, write_xlsx


@pytest.fixture(scope="module")
def report() -> Report:
    return build_report(demo_firms(), "LED", "BLUE", date="2025-01-01")


@pytest.fixture(scope="module")
def workbook(report: Report, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path: Path = tmp_path_factory.mktemp("xlsx") / "r.xlsx"
    return openpyxl.load_workbook(write_xlsx(report, path))


def _sheet(wb: openpyxl.Workbook, name: str) -> pd.DataFrame:
    rows = list(wb[name].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _same(a: object, b: object) -> bool:
    if a is None or (isinstance(a, float) and np.isnan(a)) or a == "":
        return b is None or (isinstance(b, float) and np.isnan(b)) or b == ""
    if isinstance(a, int | float | np.number) and not isinstance(a, bool):
        return b is not None and not isinstance(b, str) and bool(np.isclose(float(a), float(b)))
    return str(a).removeprefix("'") == str(b).removeprefix("'")


def test_summary_sheet_holds_the_summary(report: Report, workbook: openpyxl.Workbook) -> None:
    got = _sheet(workbook, "summary").set_index("key")["value"]
    assert got["chain"] == "LED" and got["region"] == "BLUE"
    assert got["generated"] == report.generated
    assert str(got["synthetic_data"]).startswith("yes")
    for key, value in report.summary.items():
        assert _same(value if isinstance(value, int | float) else str(value), got[key]), key


@pytest.mark.parametrize("key", LISTS)
def test_every_list_sheet_holds_its_list(
    key: str, report: Report, workbook: openpyxl.Workbook
) -> None:
    want = report.lists.get(key, pd.DataFrame())
    want = want.drop(columns=[c for c in ("geometry",) if c in want.columns]).reset_index(drop=True)
    got = _sheet(workbook, key)
    assert list(got.columns) == [*want.columns, "data_note"]  # synthetic note last
    assert got["data_note"].notna().all()
    if want.empty:
        assert len(got) == 1  # the note's own row
        return
    assert len(got) == len(want)
    for col in want.columns:
        for i, (a, b) in enumerate(zip(want[col], got[col], strict=True)):
            assert _same(a, b), (key, col, i, a, b)


def test_chain_edges_sheet_holds_the_edges(report: Report, workbook: openpyxl.Workbook) -> None:
    got = _sheet(workbook, "chain_edges")
    want = report.edges.reset_index(drop=True)
    assert len(got) == len(want) > 0
    for col in want.columns:
        assert all(_same(a, b) for a, b in zip(want[col], got[col], strict=True)), col
