"""Distance-based results say when they rest on county points (issue #13): sourcing targets and
siting demand of firms imported without coordinates."""

from __future__ import annotations

import pandas as pd

from layout.analysis import analyze_chain
from layout.records import read_firms
from layout.siting import site_k


def _firms(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(
        "企业名称,经度,纬度,所属区县,所属产业链,产业链环节,从业人员\n"
        "有坐标外延,118.79,36.86,,LED,外延片,100\n"  # exact point, 寿光
        "区县芯片,,,历下区,LED,芯片,50\n"  # no coordinates: 历下区's point
        "区县封装,,,胶州市,LED,封装,40\n",
        encoding="utf-8",
    )
    res = read_firms(path)
    assert res.summary["rejected"] == 0
    assert res.accepted["location_quality"].tolist() == ["exact", "county", "county"]
    return res.accepted


def test_sourcing_marks_targets_at_county_points(tmp_path) -> None:
    firms = _firms(tmp_path)
    result = analyze_chain(firms, "LED", level="county", region="370783")
    src = result.sourcing
    firm_rows = src[src["kind"] == "firm"]
    flags = dict(zip(firm_rows["target"], firm_rows["target_at_county_point"], strict=True))
    # row-2 has its own point; row-3 and row-4 sit at the points of 历下区 and 胶州市
    assert flags == {"row-2": False, "row-3": True, "row-4": True}
    assert not src.loc[src["kind"] == "region", "target_at_county_point"].any()
    regions = result.to_dict()["regions"]
    rows = [s for r in regions for s in r["sourcing"] if s["kind"] == "firm"]
    assert {s["target"]: s["target_at_county_point"] for s in rows} == flags


def test_siting_demand_says_when_it_rests_on_county_points(tmp_path) -> None:
    firms = _firms(tmp_path)
    # chip buys from epi... demand of 'epi' = its buyers (chip): one county-located firm
    res = site_k(firms, "LED", "epi", region="370700", k=1, base="firms")
    demand = res.demand
    assert isinstance(demand, pd.DataFrame)
    assert demand["at_county_point"].tolist() == [True] * len(demand)
    assert any("sit at their county's point" in n for n in res.notes)
