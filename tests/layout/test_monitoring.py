"""Monitoring on small hand-made panels: every expected number is worked out here by hand.

The panel: chain TOY (nodes a → b) in three counties A, B, C and another chain OTH, 2022–2024.

    firm  chain node  2022      2023      2024
    F1    TOY   a     A 100     A 110     A 121
    F2    TOY   b     A  50     A  50     A  60
    F3    TOY   a     B  40     B  30     —          (exit in 2024)
    F4    TOY   b     —         B  20     B  30      (entry in 2023)
    F7    TOY   a     B  10     B  10     C  12      (moves B → C in 2024)
    F5    OTH   x     A 200     A 220     A 240
    F6    OTH   x     C 300     C 300     C 330
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from geo.boundaries import load_counties
from layout.evaluation import IndicatorError, evaluate_index, indicator_table
from layout.monitoring import (
    MonitoringError,
    MonitoringRule,
    PanelError,
    RuleError,
    analyze_years,
    apply_rule,
    cagr,
    firm_flows,
    growth_table,
    load_rule,
    monitor_chain,
    panel_from_frame,
    region_trend,
    shift_share,
    shift_share_table,
    status_transitions,
    trend_svg,
    yearly_evaluation,
    yoy_growth,
)

A, B, C = "370102", "370202", "370705"  # 历下区, 市南区, 奎文区
YEARS = (2022, 2023, 2024)
# firm -> (chain, node, {year: (county, employees)})
FIRMS = {
    "F1": ("TOY", "a", {2022: (A, 100), 2023: (A, 110), 2024: (A, 121)}),
    "F2": ("TOY", "b", {2022: (A, 50), 2023: (A, 50), 2024: (A, 60)}),
    "F3": ("TOY", "a", {2022: (B, 40), 2023: (B, 30)}),
    "F4": ("TOY", "b", {2023: (B, 20), 2024: (B, 30)}),
    "F7": ("TOY", "a", {2022: (B, 10), 2023: (B, 10), 2024: (C, 12)}),
    "F5": ("OTH", "x", {2022: (A, 200), 2023: (A, 220), 2024: (A, 240)}),
    "F6": ("OTH", "x", {2022: (C, 300), 2023: (C, 300), 2024: (C, 330)}),
}


def toy_chain() -> nx.DiGraph:
    g = nx.DiGraph(chain="TOY", name_zh="玩具链", name_en="Toy chain")
    g.add_node("a", stage="upstream", name_zh="甲", name_en="a", weight=1.0)
    g.add_node("b", stage="downstream", name_zh="乙", name_en="b", weight=1.0)
    g.add_edge("a", "b")
    return g


def toy_frame() -> gpd.GeoDataFrame:
    pts = load_counties().set_index("adcode").geometry.representative_point()
    rows = []
    for fid, (chain, node, years) in FIRMS.items():
        for year, (county, emp) in years.items():
            rows.append(
                {
                    "firm_id": fid,
                    "name": f"firm {fid}",
                    "chain": chain,
                    "node": node,
                    "employees": float(emp),
                    "output": float(emp) * 10,
                    "adcode": county,
                    "year": year,
                    "geometry": pts[county],
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


@pytest.fixture(scope="module")
def panel():  # type: ignore[no-untyped-def]
    return panel_from_frame(toy_frame())


@pytest.fixture(scope="module")
def years(panel):  # type: ignore[no-untyped-def]
    return analyze_years(panel, "TOY", level="county", graph=toy_chain())


def _value(year: int, county: str, chain: str = "TOY", node: str | None = None) -> float:
    return float(
        sum(
            ys[year][1]
            for ch, nd, ys in FIRMS.values()
            if ch == chain and (node is None or nd == node) and year in ys and ys[year][0] == county
        )
    )


def _province(year: int, chain: str | None = "TOY") -> float:
    return float(
        sum(
            ys[year][1]
            for ch, _, ys in FIRMS.values()
            if (chain is None or ch == chain) and year in ys
        )
    )


# ----------------------------------------------------------------------------- math core
def test_growth_rates_by_hand() -> None:
    s = pd.Series([200.0, 220.0, 0.0, 10.0], index=[2021, 2022, 2023, 2024])
    g = yoy_growth(s)
    assert math.isnan(g[2021]) and g[2022] == pytest.approx(0.1)
    assert g[2023] == pytest.approx(-1.0) and math.isnan(g[2024])  # from 0: undefined
    assert cagr(100.0, 144.0, 2) == pytest.approx(0.2)
    assert cagr(100.0, 0.0, 3) == -1.0 and math.isnan(cagr(0.0, 5.0, 2))


def test_shift_share_parts_by_hand_and_identity() -> None:
    # region 40 → 50; industry 400 → 600 (+50 %); all 2000 → 2200 (+10 %)
    ss = shift_share(
        np.array([40.0, 0.0]),
        np.array([50.0, 7.0]),
        industry0=400.0,
        industry1=600.0,
        total0=2000.0,
        total1=2200.0,
    )
    assert ss.loc[0, "provincial_share"] == pytest.approx(4.0)  # 40 · 0.1
    assert ss.loc[0, "industry_mix"] == pytest.approx(16.0)  # 40 · (0.5 − 0.1)
    assert ss.loc[0, "regional_shift"] == pytest.approx(-10.0)  # 40 · (0.25 − 0.5)
    assert ss.loc[1].tolist() == pytest.approx([7.0, 0.0, 0.0, 7.0])  # new presence: all RS
    parts = ss[["provincial_share", "industry_mix", "regional_shift"]].sum(axis=1)
    assert np.allclose(parts, ss["change"])


# ----------------------------------------------------------------------------- panel values
def test_by_year_values_lq_and_growth_by_hand(years) -> None:  # type: ignore[no-untyped-def]
    reg = years.regions.set_index(["region", "year"])
    for y in YEARS:
        for county in (A, B, C):
            assert reg.loc[(county, y), "value"] == pytest.approx(_value(y, county))
    assert reg.loc[(A, 2022), "n_firms"] == 2 and reg.loc[(B, 2023), "n_firms"] == 3
    # LQ_A,2022 = (150 / 350) / (200 / 700) = 1.5
    assert reg.loc[(A, 2022), "lq"] == pytest.approx((150 / 350) / (200 / 700))
    lq_a_2024 = (181 / 421) / (223 / 793)
    g = growth_table(years).set_index("region")
    assert g.loc[A, "cagr_value"] == pytest.approx((181 / 150) ** 0.5 - 1)
    assert g.loc[A, "yoy_value"] == pytest.approx(181 / 160 - 1)
    assert g.loc[B, "cagr_firms"] == pytest.approx((1 / 2) ** 0.5 - 1)  # 2 firms → 1
    assert math.isnan(g.loc[C, "cagr_value"])  # nothing in 2022
    assert g.loc[A, "lq_change"] == pytest.approx(lq_a_2024 - 1.5)


def test_shift_share_of_the_panel_by_hand(years) -> None:  # type: ignore[no-untyped-def]
    ss = shift_share_table(years).set_index("region")
    e0, e1 = _value(2022, A), _value(2024, A)  # 150 → 181
    big_g = _province(2024, None) / _province(2022, None) - 1  # 793 / 700 − 1
    g_i = _province(2024) / _province(2022) - 1  # 223 / 200 − 1
    assert (e0, e1, _province(2024, None), _province(2024)) == (150, 181, 793, 223)
    assert ss.loc[A, "provincial_share"] == pytest.approx(e0 * big_g)
    assert ss.loc[A, "industry_mix"] == pytest.approx(e0 * (g_i - big_g))
    assert ss.loc[A, "regional_shift"] == pytest.approx(e0 * (e1 / e0 - 1 - g_i))
    assert ss.loc[C, ["provincial_share", "industry_mix", "regional_shift"]].tolist() == (
        pytest.approx([0.0, 0.0, 12.0])
    )
    # node b: industry = node b of TOY (50 → 90 in the province); region A 50 → 60
    nss = shift_share_table(years, by="node").set_index(["region", "node"])
    gb = 90 / 50 - 1
    assert nss.loc[(A, "b"), "industry_mix"] == pytest.approx(50 * (gb - big_g))
    assert nss.loc[(A, "b"), "regional_shift"] == pytest.approx(50 * (60 / 50 - 1 - gb))
    sub = shift_share_table(years, start=2023, end=2024).set_index("region")
    assert sub.loc[B, "change"] == pytest.approx(30 - 60)


# ----------------------------------------------------------------------------- flows
def test_entries_exits_and_moves_by_hand(panel) -> None:  # type: ignore[no-untyped-def]
    flows = firm_flows(panel, "TOY", level="county", by="chain").set_index(["year", "region"])
    cols = ["n_before", "n_after", "entries", "exits", "moved_in", "moved_out"]
    assert flows.loc[(2023, B), cols].tolist() == [2, 3, 1, 0, 0, 0]  # F4 enters
    assert flows.loc[(2024, B), cols].tolist() == [3, 1, 0, 1, 0, 1]  # F3 exits, F7 leaves
    assert flows.loc[(2024, C), cols].tolist() == [0, 1, 0, 0, 1, 0]  # F7 arrives
    assert flows.loc[(2024, B), "exit_ids"] == "F3" and flows.loc[(2024, C), "moved_in_ids"] == "F7"
    assert flows.loc[(2023, A), cols].tolist() == [2, 2, 0, 0, 0, 0]
    # n_after = n_before + entries + moved_in − exits − moved_out everywhere
    f = flows.reset_index()
    assert (
        f["n_after"] == f["n_before"] + f["entries"] + f["moved_in"] - f["exits"] - f["moved_out"]
    ).all()
    # the province sees the exit and the entry but no move
    prov = firm_flows(panel, "TOY", level="province", by="chain").set_index("year")
    assert prov.loc[2024, ["entries", "exits", "moved_in", "moved_out"]].tolist() == [0, 1, 0, 0]


def test_gap_transitions_by_hand(panel, years) -> None:  # type: ignore[no-untyped-def]
    flows = firm_flows(panel, "TOY", level="county", by="node")
    t = status_transitions(years, flows)
    gaps = t[t["kind"].isin(["gap_opened", "gap_closed"])]
    got = set(zip(gaps["year"], gaps["region"], gaps["node"], gaps["kind"], strict=True))
    assert got == {
        (2023, B, "b", "gap_closed"),  # F4 enters at node b in B
        (2024, B, "a", "gap_opened"),  # F3 exits and F7 moves away: B has no 'a'
        (2024, C, "a", "gap_closed"),  # F7 arrives in C
    }
    row = gaps.set_index(["year", "region", "node"]).loc[(2024, B, "a")]
    assert row["firm_ids"] == "F3;F7"
    assert "1 exit(s), 1 moved" in row["reason_en"] and "退出 1 家" in row["reason_zh"]
    assert row["to_status"] in ("missing", "broken")


# ----------------------------------------------------------------------------- the rule
def test_warning_and_exit_rule_by_hand() -> None:
    bands = {
        # region: bands 2019..2024; expected verdicts worked out with warn 2 / exit 3
        "A": (
            ["warning"] * 3 + ["ok", "warning", "warning"],
            ["watch", "warning", "exit", "ok", "watch", "warning"],
        ),
        "B": (["ok"] * 6, ["ok"] * 6),
        "C": (["warning"] * 6, ["watch", "warning", "exit", "exit", "exit", "exit"]),
    }
    rows = [
        {"year": 2019 + i, "region": r, "band": b}
        for r, (seq, _) in bands.items()
        for i, b in enumerate(seq)
    ]
    out = apply_rule(pd.DataFrame(rows), MonitoringRule(warn_after=2, exit_after=3))
    for r, (_, expected) in bands.items():
        assert out[out["region"] == r]["verdict"].tolist() == expected
    c = out[(out["region"] == "C") & (out["year"] == 2024)].iloc[0]
    assert c["run"] == 6 and "2019–2024" in c["reason_zh"] and c["verdict_zh"] == "建议退出"
    # a region not evaluated in a year breaks its run
    gap = pd.DataFrame(
        {"year": [2019, 2021, 2022], "region": ["D"] * 3, "band": ["warning"] * 3}
    ).pipe(
        lambda d: pd.concat([d, pd.DataFrame({"year": [2020], "region": ["E"], "band": ["ok"]})])
    )
    got = apply_rule(gap, MonitoringRule()).set_index(["region", "year"])["run"]
    assert got[("D", 2021)] == 1 and got[("D", 2022)] == 2
    stricter = apply_rule(pd.DataFrame(rows), MonitoringRule(warn_after=1, exit_after=2))
    assert stricter[stricter["region"] == "A"]["verdict"].tolist()[:3] == [
        "warning",
        "exit",
        "exit",
    ]


def test_shipped_rule_file_and_rule_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rule = load_rule()
    assert (rule.warning_share, rule.warning_below, rule.warn_after, rule.exit_after) == (
        0.1,
        None,
        2,
        3,
    )
    bad = tmp_path / "rule.csv"
    bad.write_text(
        "parameter,value\nwarning_share,1.5\nwarn_after,3\nexit_after,2\nfoo,1\n", encoding="utf-8"
    )
    with pytest.raises(RuleError) as err:
        load_rule(bad)
    codes = [p.code for p in err.value.problems]
    assert codes == ["rule_unknown_parameter", "rule_bad_share", "rule_exit_not_after_warn"]
    assert "建议退出" not in err.value.text("zh") and "exit_after=2" in err.value.text("zh")
    with pytest.raises(RuleError):
        load_rule(tmp_path / "absent.csv")


def test_yearly_evaluation_by_hand(panel) -> None:  # type: ignore[no-untyped-def]
    # one indicator: the chain's value, min-max; only regions with a TOY firm are evaluated
    ind = pd.DataFrame(
        {
            "indicator": ["size"],
            "weight": [1.0],
            "direction": ["+"],
            "normalisation": ["minmax"],
            "source_column": ["chain_value"],
        }
    )
    ev = yearly_evaluation(panel, "TOY", graph=toy_chain(), indicators=ind, rule=MonitoringRule())
    ev = ev.set_index(["year", "region"])
    assert set(ev.loc[2022].index) == {A, B}  # C has no TOY firm before 2024
    # 2022: A 150, B 50 → composites 1, 0; the 0.1 quantile of {0, 1} is 0.1 → B in the band
    assert ev.loc[(2022, B), "composite"] == 0 and ev.loc[(2022, B), "band"] == "warning"
    # 2024: A 181, B 30, C 12 → B = 18 / 169, C = 0; the 0.1 quantile ≈ 0.0213 → only C
    assert ev.loc[(2024, B), "composite"] == pytest.approx(18 / 169)
    assert ev.loc[(2024, B), "band"] == "ok" and ev.loc[(2024, C), "band"] == "warning"
    assert [ev.loc[(y, B), "verdict"] for y in YEARS] == ["watch", "warning", "ok"]
    assert ev.loc[(2024, C), "verdict"] == "watch" and math.isnan(ev.loc[(2024, C), "rank_change"])
    assert ev.loc[(2024, B), "rank"] == 2 and ev.loc[(2024, B), "rank_change"] == 0
    # the same as scoring each year's snapshot directly
    snap = indicator_table(panel.year(2024), "TOY", graph=toy_chain())
    direct = evaluate_index(snap[snap["chain_firms"] > 0], ind)
    assert ev.loc[2024, "composite"].to_dict() == pytest.approx(direct["composite"].to_dict())
    assert ev.loc[2024, "rank"].to_dict() == direct["rank"].to_dict()


def test_region_trend_for_the_report_by_hand(panel) -> None:  # type: ignore[no-untyped-def]
    ind = pd.DataFrame(
        {
            "indicator": ["size"],
            "weight": [1.0],
            "direction": ["+"],
            "normalisation": ["minmax"],
            "source_column": ["chain_value"],
        }
    )
    tr = region_trend(panel, "TOY", B, graph=toy_chain(), indicators=ind)
    y = tr.years.set_index("year")
    assert y["value"].tolist() == [50.0, 60.0, 30.0]
    assert y.loc[2023, "entries"] == 1 and y.loc[2024, "exits"] == 1
    assert pd.isna(y.loc[2022, "entries"])  # nothing before the first year
    assert y["verdict"].tolist() == ["watch", "warning", "ok"]  # as worked out above
    assert y.loc[2024, "rank"] == 2 and y.loc[2024, "n_ranked"] == 3
    assert tr.growth["regional_shift"] == pytest.approx(
        -20 - 50 * (793 / 700 - 1) - 50 * (223 / 200 - 793 / 700)
    )
    assert set(tr.transitions["kind"]) >= {"gap_closed", "gap_opened"}
    svg = trend_svg(tr)
    assert svg.startswith("<svg") and svg.count('fill="#fcbba1"') == 2  # two years in the band
    c = region_trend(panel, "TOY", C, graph=toy_chain(), indicators=ind).years
    assert c["rank"].isna().tolist() == [True, True, False]  # C evaluated only in 2024


def test_monitor_json_shape_on_the_toy_panel(panel) -> None:  # type: ignore[no-untyped-def]
    m = monitor_chain(panel, "TOY", level="county", graph=toy_chain())
    # the yearly evaluation reuses each year's analysis: the same as computing it afresh
    fresh = yearly_evaluation(panel, "TOY", level="county", graph=toy_chain())
    pd.testing.assert_frame_equal(m.evaluation, fresh)
    with pytest.raises(IndicatorError):  # an analysis of another level is refused
        indicator_table(
            panel.year(2024), "TOY", level="city", graph=toy_chain(),
            analysis=m.years.analyses[2024],
        )  # fmt: skip
    d = m.to_dict()
    assert d["years"] == list(YEARS) and d["chain"]["code"] == "TOY"
    assert {"regions", "ranks", "warnings", "rule", "province", "data"} <= set(d)
    b = next(r for r in d["regions"] if r["region"] == B)
    assert [y["value"] for y in b["by_year"]] == [50.0, 60.0, 30.0]
    assert b["by_year"][2]["exits"] == 1 and b["by_year"][2]["moved_out"] == 1
    assert "entries" not in b["by_year"][0]  # nothing to compare the first year with
    assert b["shift_share"]["change"] == -20.0
    kinds = {(t["year"], t["node"], t["kind"]) for t in b["transitions"]}
    assert {(2023, "b", "gap_closed"), (2024, "a", "gap_opened")} <= kinds
    assert d["province"]["by_year"][0] == {
        "year": 2022,
        "chain_value": 200.0,
        "chain_firms": 4,
        "total": 700.0,
    }


# ----------------------------------------------------------------------------- bad input
def test_bad_options_are_listed_at_once(panel) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MonitoringError) as err:
        analyze_years(panel, "NOPE", level="town", base="staff")
    assert [p.code for p in err.value.problems] == [
        "unknown_chain",
        "unknown_level",
        "unknown_base",
    ]
    with pytest.raises(MonitoringError) as err:
        analyze_years(panel, "TOY", graph=toy_chain(), years=[2024, 2030])
    assert err.value.problems[0].code == "monitor_unknown_years"
    with pytest.raises(MonitoringError) as err:
        analyze_years(panel, "TOY", graph=toy_chain(), years=[2024])
    assert err.value.problems[0].code == "monitor_few_years"
    with pytest.raises(MonitoringError):
        analyze_years(panel, "TOY", graph=toy_chain(), start=2024, end=2022)


def test_panel_frame_problems() -> None:
    frame = toy_frame()
    twice = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    with pytest.raises(PanelError) as err:
        panel_from_frame(gpd.GeoDataFrame(twice, geometry="geometry", crs="EPSG:4326"))
    assert err.value.problems[0].code == "panel_duplicate_firm_year"
    assert "F1 (2022)" in str(err.value)
    no_year = frame[frame["year"] == 2022].drop(columns="year")
    with pytest.raises(PanelError) as err:
        panel_from_frame(no_year)
    assert err.value.problems[0].code == "panel_missing_columns"
    assert panel_from_frame(no_year, year=2020).years == (2020,)
    with pytest.raises(PanelError):
        panel_from_frame(pd.DataFrame(frame))  # not a GeoDataFrame
    untouched = toy_frame()
    panel_from_frame(untouched)
    assert list(untouched.columns) == list(toy_frame().columns)  # input not mutated
