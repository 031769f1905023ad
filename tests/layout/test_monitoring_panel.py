"""Panels from files (one or several, years in a column or a file name), firms followed by their
unified social credit code, and the shipped demonstration panel."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from layout.analysis import analyze_chain
from layout.demo import demo_firms
from layout.monitoring import (
    PanelError,
    demo_panel,
    firm_flows,
    is_credit_code,
    read_panel,
)

ROOT = Path(__file__).parents[2]
HEADER = "企业编号,企业名称,经度,纬度,产业链,环节,从业人数,产值（万元）"
CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _with_check(first17: str) -> str:
    """A credit code with its GB 32100-2015 check character, computed here independently."""
    total = sum(CHARS.index(c) * (3**i % 31) for i, c in enumerate(first17))
    return first17 + CHARS[(31 - total % 31) % 31]


def _row(fid: str, name: str, node: str = "epi", emp: int = 10, lon: float = 117.05) -> str:
    return f"{fid},{name},{lon},36.65,LED,{node},{emp},{emp * 10}"


def test_credit_code_check_character() -> None:
    assert is_credit_code("91350100M000100Y43")  # the example code of GB 32100-2015
    code = _with_check("91370100MA3C00001")
    assert is_credit_code(code)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert not is_credit_code(wrong)
    assert not is_credit_code("91370100MA3C0000I" + code[-1])  # I is not allowed
    assert not is_credit_code("123")


def test_one_multi_year_file(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    path.write_text(
        "\n".join(
            [
                HEADER + ",年份",
                _row("A1", "甲", emp=10) + ",2022",
                _row("A1", "甲", emp=12) + ",2023",
                _row("A1", "甲", emp=13) + ",2023",  # the same firm twice in 2023
                _row("A2", "乙") + ",",  # no year in a panel
                _row("A3", "丙") + ",2023",
            ]
        ),
        encoding="utf-8",
    )
    p = read_panel(path)
    s = p.summary
    assert (s["read"], s["accepted"], s["rejected"]) == (5, 3, 2)
    assert s["by_reason"] == {"duplicate_firm_year": 1, "missing_year": 1}
    assert p.years == (2022, 2023) and s["firms_by_year"] == {2022: 1, 2023: 2}
    assert sorted(p.rejected["row"].tolist()) == [4, 5]
    assert "first in row 3" in p.rejected.set_index("row").loc[4, "reason_en"]
    assert p.year(2023).set_index("firm_id").loc["A1", "employees"] == 12


def test_several_files_year_from_name_mapping_and_cross_file_duplicates(tmp_path: Path) -> None:
    a = tmp_path / "led_2022.csv"
    b = tmp_path / "led_2023.csv"
    c = tmp_path / "extra.csv"
    a.write_text("\n".join([HEADER, _row("A1", "甲"), _row("A2", "乙")]), encoding="utf-8")
    b.write_text("\n".join([HEADER, _row("A1", "甲", emp=20)]), encoding="utf-8")
    c.write_text(
        "\n".join([HEADER + ",年份", _row("A2", "乙", emp=99) + ",2022"]), encoding="utf-8"
    )
    p = read_panel([a, b, c])
    assert p.years == (2022, 2023)
    assert p.summary["read"] == 4 and p.summary["accepted"] == 3 and p.summary["rejected"] == 1
    rej = p.rejected.iloc[0]
    assert rej["reason_codes"] == "duplicate_firm_year" and str(a) in rej["reason_en"]
    assert p.year(2022).set_index("firm_id").loc["A2", "employees"] == 10  # the first one kept
    # the year can come from a mapping key instead of the name
    m = read_panel({2020: a, 2021: b})  # the key wins over the year in the name
    assert m.years == (2020, 2021)
    with pytest.raises(PanelError) as err:
        read_panel({"soon": a, 1800: b})
    assert [q.code for q in err.value.problems] == ["panel_bad_year_key", "panel_bad_year_key"]
    with pytest.raises(PanelError) as err:
        read_panel([tmp_path / "absent.csv", tmp_path / "gone.csv"])
    assert [q.code for q in err.value.problems] == ["panel_unreadable", "panel_unreadable"]
    with pytest.raises(PanelError):
        read_panel([])


def test_firms_followed_by_credit_code_across_renumbered_ids(tmp_path: Path) -> None:
    code = _with_check("91370100MA3C00001")
    other = _with_check("91370100MA3C00002")
    bad = other[:-1] + ("0" if other[-1] != "0" else "1")  # wrong check character
    y22 = tmp_path / "y2022.csv"
    y23 = tmp_path / "y2023.csv"
    y22.write_text(
        "\n".join(
            [
                HEADER + ",统一社会信用代码",
                _row("OLD-1", "甲", emp=10) + f",{code}",
                _row("OLD-2", "乙") + f",{bad}",
            ]
        ),
        encoding="utf-8",
    )
    y23.write_text(
        "\n".join(
            [
                HEADER + ",统一社会信用代码",
                _row("NEW-9", "甲", emp=11) + f",{code.lower()}",  # same firm, new office number
                _row("OLD-2", "乙") + f",{bad}",
            ]
        ),
        encoding="utf-8",
    )
    p = read_panel([y22, y23])
    keys = p.firms.set_index(["year", "firm_id"])
    assert keys.loc[(2022, "OLD-1"), "firm_key"] == code == keys.loc[(2023, "NEW-9"), "firm_key"]
    assert keys.loc[(2022, "OLD-2"), "key_source"] == "firm_id"  # bad check character
    assert p.summary["invalid_credit_codes"] == 2
    assert "invalid_credit_code" in keys.loc[(2022, "OLD-2"), "notes"]
    flows = firm_flows(p, "LED", level="province", by="chain").set_index("year")
    assert flows.loc[2023, ["entries", "exits"]].tolist() == [0, 0]  # nobody came or went


# ----------------------------------------------------------------------------- demo panel
@pytest.fixture(scope="module")
def demo():  # type: ignore[no-untyped-def]
    return demo_panel()


def test_demo_panel_latest_year_is_todays_demo_table(demo) -> None:  # type: ignore[no-untyped-def]
    assert demo.years == tuple(range(2019, 2025)) and demo.synthetic
    latest = demo.year(2024)
    today = demo_firms()
    cols = [c for c in today.columns if c != "year"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(latest[cols]), pd.DataFrame(today[cols]), check_dtype=False
    )
    assert (latest["year"] == 2024).all()
    a = analyze_chain(latest, "LED", level="city", permutations=0).to_dict()
    b = analyze_chain(today, "LED", level="city", permutations=0).to_dict()
    assert a == b


def test_demo_panel_rows_flagged_and_anchors_without_figures(demo) -> None:  # type: ignore[no-untyped-def]
    f = demo.firms
    syn = f[f["synthetic"].astype(bool)]
    real = f[~f["synthetic"].astype(bool)]
    assert syn["name"].str.startswith("合成示例企业").all()
    assert syn["name"].str.endswith("(synthetic)").all()
    assert syn["source"].str.contains("not real firms").all()
    assert real["firm_id"].str.startswith("ANCHOR-").all()
    assert real["employees"].isna().all() and real["output"].isna().all()
    per_year = real.groupby("year")["firm_id"].apply(frozenset)
    assert per_year.nunique() == 1 and len(per_year.iloc[0]) == len(demo_firms()) - len(
        demo_firms(include_anchors=False)
    )


def test_demo_panel_has_entries_exits_moves_and_province_gaps(demo) -> None:  # type: ignore[no-untyped-def]
    f = demo.firms[demo.firms["synthetic"].astype(bool)]
    years = {y: set(g["firm_key"]) for y, g in f.groupby("year")}
    entries = sum(len(years[y] - years[y - 1]) for y in range(2020, 2025))
    exits = sum(len(years[y - 1] - years[y]) for y in range(2020, 2025))
    assert entries > 100 and exits > 100
    place = f.pivot_table(index="firm_key", columns="year", values="adcode", aggfunc="first")
    moved = (place.nunique(axis=1) > 1).sum()
    assert moved > 20
    nodes = f.groupby(["chain", "node", "year"]).size().unstack(fill_value=0)
    opened = ((nodes.shift(axis=1) > 0) & (nodes == 0)).to_numpy().any()
    closed = ((nodes.shift(axis=1) == 0) & (nodes > 0)).iloc[:, 1:].to_numpy().any()
    assert opened and closed  # some province-wide gaps open and some close


def test_demo_panel_rebuild_is_identical() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_demo
    finally:
        sys.path.pop(0)
    latest = pd.read_csv(ROOT / "data" / "demo" / "firms_synthetic.csv", dtype={"adcode": str})
    rebuilt = build_demo.build_panel(latest, build_demo.SEED)
    shipped = pd.read_csv(
        ROOT / "data" / "demo" / "firms_panel_synthetic.csv", dtype={"adcode": str}
    )
    pd.testing.assert_frame_equal(rebuilt.reset_index(drop=True), shipped, check_dtype=False)
    last = shipped[shipped["year"] == 2024].reset_index(drop=True)
    pd.testing.assert_frame_equal(last, latest, check_dtype=False)
