"""Scenarios: exact diffs on the demonstration data, JSON/workspace round trips, validation, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geo.boundaries import load_counties
from geo.frames import membership
from layout import cli
from layout.analysis import ChainAnalysis, analyze_chain
from layout.coverage import uncovered_counties
from layout.demo import demo_firms
from layout.scenarios import (
    AddFirm,
    AddSite,
    ChangeZoneMembership,
    MoveFirm,
    RemoveFirm,
    Scenario,
    ScenarioError,
    apply,
    assign_zone_regions,
    diff,
    edit_from_dict,
    evaluate,
    load_scenario,
    run_scenario,
    scenario_membership,
    site_changes,
    site_hosts,
    validate,
)
from layout.workspace import Workspace

SHOUGUANG, TENGZHOU, JUANCHENG = "370783", "370481", "371726"  # 寿光市, 滕州市, 鄄城县


def _point(adcode: str) -> tuple[float, float]:
    geom = load_counties().set_index("adcode").loc[adcode, "geometry"].representative_point()
    return float(geom.x), float(geom.y)


@pytest.fixture(scope="module")
def firms() -> gpd.GeoDataFrame:
    return demo_firms()


@pytest.fixture(scope="module")
def baseline(firms: gpd.GeoDataFrame) -> ChainAnalysis:
    return analyze_chain(firms, "LED", level="county", permutations=0)


def _status_changes(a: ChainAnalysis, b: ChainAnalysis) -> set[tuple[str, str]]:
    """Independent check: (region, node) whose status or firm count differs."""
    m = a.nodes.merge(b.nodes, on=["region", "node"], suffixes=("_a", "_b"))
    hit = (m["status_a"] != m["status_b"]) | (m["n_firms_a"] != m["n_firms_b"])
    return set(zip(m.loc[hit, "region"], m.loc[hit, "node"], strict=True))


def test_firm_at_missing_node_turns_it_present_and_the_diff_says_exactly_that(
    firms: gpd.GeoDataFrame, baseline: ChainAnalysis
) -> None:
    lon, lat = _point(SHOUGUANG)
    scenario = Scenario(
        "shouguang-mo",
        (AddFirm("S-1", "寿光MO源厂", lon, lat, "LED", "mo_gas", 50.0),),
        "寿光引进MO源企业",
    )
    base, result, d = run_scenario(None, scenario, firms, "LED", permutations=0, baseline=baseline)
    assert base is baseline
    before = baseline.nodes.set_index(["region", "node"]).loc[(SHOUGUANG, "mo_gas")]
    assert before["status"] == "missing" and before["n_firms"] == 0
    # exactly one (region, node) row changed, in the diff and by an independent comparison
    assert list(zip(d.nodes["region"], d.nodes["node"], strict=True)) == [(SHOUGUANG, "mo_gas")]
    assert _status_changes(baseline, result) == {(SHOUGUANG, "mo_gas")}
    row = d.nodes.iloc[0]
    assert (row["status_before"], row["status_after"]) == ("missing", "weak")
    assert (row["n_firms_before"], row["n_firms_after"], row["value_after"]) == (0, 1, 50.0)
    # completeness rises in that county and nowhere else
    changed = d.completeness[d.completeness["changed"]]
    assert changed["region"].tolist() == [SHOUGUANG]
    assert changed["before"].iloc[0] == pytest.approx(3 / 11) and changed["after"].iloc[
        0
    ] == pytest.approx(4 / 11)
    assert (result.completeness.drop(SHOUGUANG) == baseline.completeness.drop(SHOUGUANG)).all()
    assert d.summary()[0] == (
        "寿光市 MO源/特气: 缺失 → 弱 / Shouguang City mo_gas: missing → weak; "
        "completeness 0.27 → 0.36"
    )
    # province totals moved, so other LQs shifted: counted, not listed as changes
    assert d.lq_only["rows"] > 0 and 0 < d.lq_only["max_abs_shift"] < 1
    conc = d.concentration.set_index("metric")
    assert conc.loc["chain_value", "delta"] == pytest.approx(50.0)
    assert conc.loc["hhi_chain", "after"] == pytest.approx(result.concentration["hhi_chain"])
    assert d.changed and json.loads(json.dumps(d.to_dict()))["nodes"][0]["node"] == "mo_gas"


def test_a_run_leaves_its_baseline_unchanged(firms: gpd.GeoDataFrame) -> None:
    """The app shares one baseline between sessions and runs (``st.cache_resource``): a run of
    every kind of edit must read it, never change it."""
    import copy
    import dataclasses

    baseline = analyze_chain(firms, "LED", level="county", permutations=19)
    snapshot = copy.deepcopy(baseline)
    lon, lat = _point(SHOUGUANG)
    first = str(firms.loc[firms["chain"] == "LED", "firm_id"].iloc[0])
    scenario = Scenario(
        "every-kind",
        (
            AddFirm("S-9", "新厂", lon, lat, "LED", "epi", 50.0),
            MoveFirm(first, lon, lat),
            AddSite("park", "P-9", "园区", lon, lat),
        ),
    )
    run_scenario(None, scenario, firms, "LED", permutations=19, baseline=baseline)
    for field in dataclasses.fields(baseline):
        now, then = getattr(baseline, field.name), getattr(snapshot, field.name)
        if isinstance(now, pd.DataFrame | pd.Series):
            assert now.equals(then), field.name
        elif isinstance(now, dict | list | str | float | int | tuple):
            assert json.dumps(now, sort_keys=True, default=str) == json.dumps(
                then, sort_keys=True, default=str
            ), field.name


def test_epitaxial_firm_in_shouguang_strengthens_a_present_node(firms: gpd.GeoDataFrame) -> None:
    """The demo data already has a (weak) epi firm in 寿光: one more makes it strong; completeness stays.

    Under the U.S. Cluster Mapping rule (kept selectable; the incremental run keeps the
    baseline's rule), where the county cut-offs of a zero-inflated node are 0, so any LQ ≥ 1
    and positive size is strong. The default rule ranks among the present counties instead
    (tests/layout/test_analysis.py, tests/layout/test_metrics.py).
    """
    baseline = analyze_chain(
        firms, "LED", level="county", permutations=0, strength_rule="cluster_mapping"
    )
    lon, lat = _point(SHOUGUANG)
    scenario = Scenario(
        "shouguang-epi", (AddFirm("S-2", "外延片厂", lon, lat, "LED", "epi", 50.0),)
    )
    _, result, d = run_scenario(None, scenario, firms, "LED", permutations=0, baseline=baseline)
    assert _status_changes(baseline, result) == {(SHOUGUANG, "epi")}
    assert d.nodes[
        ["region", "node", "status_before", "status_after", "n_firms_before", "n_firms_after"]
    ].values.tolist() == [[SHOUGUANG, "epi", "weak", "strong", 1, 2]]
    assert not d.completeness["changed"].any()


def test_apply_is_pure_and_replays_edits_in_order(firms: gpd.GeoDataFrame) -> None:
    snapshot = firms.copy()
    sx, sy = _point(SHOUGUANG)
    tx, ty = _point(TENGZHOU)
    scenario = Scenario(
        "mix",
        (
            AddFirm("N-1", "新企业", sx, sy, "LED", "chip"),
            MoveFirm("N-1", tx, ty),  # an added firm can be moved by a later edit
            MoveFirm("ANCHOR-001", sx, sy),
            RemoveFirm("ANCHOR-002"),
        ),
    )
    out = apply(scenario, firms)
    assert_geodataframe_equal(firms, snapshot)  # input untouched
    assert len(out) == len(firms) and out.index.equals(pd.RangeIndex(len(out)))
    assert (out.dtypes == firms.dtypes).all()
    by_id = out.set_index("firm_id")
    assert by_id.loc["N-1", "adcode"] == TENGZHOU and np.isnan(by_id.loc["N-1", "employees"])
    assert not by_id.loc["N-1", "synthetic"] and "scenario" in by_id.loc["N-1", "verification"]
    assert by_id.loc["ANCHOR-001", "adcode"] == SHOUGUANG
    assert "ANCHOR-002" not in by_id.index
    untouched = out[~out["firm_id"].isin(["N-1", "ANCHOR-001"])].reset_index(drop=True)
    expected = firms[firms["firm_id"] != "ANCHOR-002"]
    expected = expected[expected["firm_id"] != "ANCHOR-001"].reset_index(drop=True)
    assert_geodataframe_equal(untouched, expected)


def test_scenario_json_and_workspace_round_trip_identically(
    tmp_path: Path, firms: gpd.GeoDataFrame
) -> None:
    sx, sy = _point(SHOUGUANG)
    tx, ty = _point(TENGZHOU)
    scenario = Scenario(
        "everything_1",
        (
            AddFirm("S-1", "寿光外延片厂", sx, sy, "LED", "epi", 120, 3500.5),
            MoveFirm("ANCHOR-001", tx, ty),
            RemoveFirm("ANCHOR-002"),
            AddSite("park", "P-1", "滕州高新园", tx, ty),
            AddSite("cluster", "C-1", "寿光LED集群", sx, sy, "LED", ("epi", "chip")),
            ChangeZoneMembership(JUANCHENG, "2013", "BLUE", "add"),
        ),
        "寿光 + 滕州：引进外延片企业并开园区",
    )
    text = scenario.to_json()
    assert Scenario.from_json(text) == scenario and Scenario.from_json(text).to_json() == text
    assert json.loads(text)["schema_version"] == 1 and "寿光" in text  # Chinese kept as characters
    assert [edit_from_dict(e.to_dict()) for e in scenario.edits] == list(scenario.edits)
    validate(scenario, firms)
    ws = Workspace(tmp_path / "w.gpkg")
    ws.save_scenario(scenario)
    again = load_scenario(Workspace(tmp_path / "w.gpkg"), "everything_1")
    assert again == scenario and again.to_json() == text
    assert isinstance(again.edits[0].employees, float) and again.edits[4].nodes == ("epi", "chip")
    stored = ws._scenario_table().set_index("name").loc["everything_1", "edits_json"]
    assert stored == json.dumps(
        json.loads(text)["edits"], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    # an int and a float coordinate serialise alike
    assert (
        Scenario("x", (MoveFirm("a", 118, 37),)).to_json()
        == Scenario("x", (MoveFirm("a", 118.0, 37.0),)).to_json()
    )


def test_validation_reports_every_problem_at_once(firms: gpd.GeoDataFrame) -> None:
    sx, sy = _point(SHOUGUANG)
    bad = Scenario(
        "bad name!",
        (
            AddFirm(
                "ANCHOR-001", "", 116.4, 39.9, "LEDX", "epi", -5.0
            ),  # dup id, no name, Beijing, chain, employees
            AddFirm("N-2", "ok", sx, sy, "LED", "wafer"),  # node not in chain
            MoveFirm("NOPE", sx, sy),  # unknown firm
            RemoveFirm("NOPE-2"),  # unknown firm
            AddSite("stadium", "P", "x", sx, sy, None, ("epi",)),  # kind, nodes without chain
            ChangeZoneMembership("999999", "2013", "BLUE"),  # county
            ChangeZoneMembership(SHOUGUANG, "2013", "MARS"),  # zone
            ChangeZoneMembership(SHOUGUANG, "2030", "BLUE"),  # frame
            ChangeZoneMembership(JUANCHENG, "2013", "BLUE", "remove"),  # not a member
        ),
    )
    with pytest.raises(ScenarioError) as err:
        validate(bad, firms)
    problems = err.value.problems
    needles = [
        "scenario name 'bad name!'",
        "'ANCHOR-001' already exists",
        "name '' must be non-empty",
        "chain 'LEDX' is unknown",
        "employees -5.0",
        "lies outside Shandong",
        "node 'wafer' is not in chain LED",
        "firm_id 'NOPE' is not in the firm table",
        "firm_id 'NOPE-2'",
        "kind 'stadium' is unknown",
        "given without a chain",
        "adcode '999999'",
        "zone 'MARS' is not in frame 2013",
        "frame '2030' is unknown",
        f"county {JUANCHENG} is not in zone BLUE",
    ]
    for needle in needles:
        assert sum(needle in p for p in problems) == 1, (needle, problems)
    assert len(problems) == len(needles)
    assert f"{len(needles)} problems in scenario:" in str(err.value)
    with pytest.raises(ScenarioError):
        apply(bad, firms)  # apply validates first


def test_bad_scenario_json_is_reported_whole() -> None:
    with pytest.raises(ScenarioError) as err:
        Scenario.from_dict(
            {
                "schema_version": 9,
                "name": "x",
                "edits": [
                    {"type": "teleport"},
                    {"type": "add_firm", "firm_id": "a", "colour": "red"},
                ],
            }
        )
    text = "\n".join(err.value.problems)
    assert "schema_version 9" in text and "edit type 'teleport'" in text
    assert "unknown key(s) colour" in text and "missing key(s) name, lon, lat, chain, node" in text
    with pytest.raises(ScenarioError, match="not valid JSON"):
        Scenario.from_json("{not json")


def test_zone_membership_edit_moves_a_county_into_a_zone(firms: gpd.GeoDataFrame) -> None:
    # 鄄城县 (WEST) has an LED display firm; the Blue Economic Zone has none
    scenario = Scenario("blue-juancheng", (ChangeZoneMembership(JUANCHENG, "2013", "BLUE", "add"),))
    m = scenario_membership(scenario, "2013")
    assert set(m.loc[m["adcode"] == JUANCHENG, "zone_code"]) == {"WEST", "BLUE"}
    assert len(m) == len(membership("2013")) + 1
    base, result, d = run_scenario(
        None, scenario, firms, "LED", level="zone", frame="2013", permutations=0
    )
    rows = d.nodes.set_index(["region", "node"])
    assert set(d.nodes["region"]) == {"BLUE"}
    assert rows.loc[("BLUE", "display"), "status_before"] == "missing"
    assert rows.loc[("BLUE", "display"), "status_after"] in ("weak", "strong")
    in_county = ((firms["adcode"] == JUANCHENG) & (firms["chain"] == "LED")).sum()
    assert (
        result.nodes.groupby("region")["n_firms"].sum()
        - base.nodes.groupby("region")["n_firms"].sum()
    ).to_dict() == {"BLUE": in_county, "CAP": 0, "RES": 0, "WEST": 0, "YRD": 0}
    changed = d.completeness[d.completeness["changed"]]
    assert changed["region"].tolist() == ["BLUE"] and (changed["delta"] > 0).all()
    assert (
        "membership edited"
        in result.nodes.loc[result.nodes["region"] == "BLUE", "reason_en"].iloc[0]
    )
    assert result.data["membership"] == "edited by a scenario"


@pytest.mark.parametrize(("chain", "frame"), [("LED", "2013"), ("NEV", "2020")])
def test_membership_aware_path_matches_analyze_chain(
    firms: gpd.GeoDataFrame, chain: str, frame: str
) -> None:
    """With the shipped membership, the zone recomputation agrees with layout.analysis exactly."""
    ref = analyze_chain(firms, chain, level="zone", frame=frame, permutations=0)
    ours = evaluate(
        firms, chain, level="zone", frame=frame, membership=membership(frame), permutations=0
    )
    cols = ["region", "node", "status", "n_firms", "value", "lq", "strength_class"]
    pd.testing.assert_frame_equal(ours.nodes[cols], ref.nodes[cols])
    pd.testing.assert_series_equal(ours.completeness, ref.completeness)
    assert ours.concentration == ref.concentration
    assert (
        ours.data["membership"] == "shipped"
        and not ours.nodes["reason_en"].str.contains("edited").any()
    )


def test_assign_zone_regions_counts_overlaps(firms: gpd.GeoDataFrame) -> None:
    links = assign_zone_regions(firms, membership("2013"))
    from layout.regions import assign_regions

    ref = (
        assign_regions(firms, level="zone", frame="2013")
        .sort_values(["row", "region"])
        .reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(links, ref)


def test_park_in_tengzhou_is_a_host_and_leaves_chain_metrics_alone(
    firms: gpd.GeoDataFrame, baseline: ChainAnalysis
) -> None:
    tx, ty = _point(TENGZHOU)
    scenario = Scenario("tengzhou-park", (AddSite("park", "P-1", "滕州高新园", tx, ty),))
    base, result, d = run_scenario(None, scenario, firms, "LED", permutations=0, baseline=baseline)
    assert result is base  # no firm edit: nothing to recompute
    assert d.nodes.empty and not d.completeness["changed"].any()
    assert d.sites.to_dict(orient="records") == [
        {
            "region": TENGZHOU,
            "name_zh": "滕州市",
            "name_en": "Tengzhou City",
            "htz_like_before": 0,
            "htz_like_after": 1,
            "cluster_hosts_before": 2,
            "cluster_hosts_after": 2,
            "covered_before": True,
            "covered_after": True,
        }
    ]
    assert d.summary()[0].startswith("滕州市 高新区类载体 0 → 1")


def test_site_hosts_agree_with_coverage_and_sites_cover_a_county() -> None:
    hosts = site_hosts()
    uncovered = set(uncovered_counties()["adcode"])
    assert set(hosts.loc[~hosts["covered"], "region"]) == uncovered
    target = sorted(uncovered)[0]
    x, y = _point(target)
    changes = site_changes(
        Scenario("c", (AddSite("cluster", "C", "新集群", x, y, "LED", ("epi",)),))
    )
    assert changes["region"].tolist() == [target]
    assert not changes["covered_before"].iloc[0] and changes["covered_after"].iloc[0]


def test_diff_refuses_different_options(firms: gpd.GeoDataFrame, baseline: ChainAnalysis) -> None:
    other = analyze_chain(firms, "LED", level="county", base="firms", permutations=0)
    with pytest.raises(ScenarioError, match="base differs"):
        diff(baseline, other)
    one = analyze_chain(firms, "LED", region=SHOUGUANG, permutations=0)
    with pytest.raises(ScenarioError, match="regions differs"):
        diff(baseline, one)
    same = diff(baseline, baseline)
    assert not same.changed and same.summary() == ["与基线相同 / no change against the baseline"]


def test_run_scenario_saves_results_in_the_workspace(
    tmp_path: Path, firms: gpd.GeoDataFrame, baseline: ChainAnalysis
) -> None:
    lon, lat = _point(SHOUGUANG)
    scenario = Scenario("sg", (AddFirm("S-1", "寿光MO源厂", lon, lat, "LED", "mo_gas", 50.0),))
    ws = Workspace(tmp_path / "w.gpkg")
    run_scenario(ws, scenario, firms, "LED", permutations=0, baseline=baseline)
    assert load_scenario(ws, "sg") == scenario
    assert set(ws.layers()["name"]) == {
        "scenarios",
        "scenario_edits",
        "sg_LED_changes",
        "sg_LED_regions",
    }
    changes = ws.load_result("sg_LED_changes")
    assert changes[["region", "node", "status_after"]].values.tolist() == [
        [SHOUGUANG, "mo_gas", "weak"]
    ]
    regions = ws.load_result("sg_LED_regions")
    assert isinstance(regions, gpd.GeoDataFrame) and len(regions) == 136
    assert regions.loc[regions["region"] == SHOUGUANG, "nodes_changed"].iloc[0] == 1
    assert ws.layer_metadata("sg_LED_regions")["synthetic"] == "true"  # derived from the demo table
    other = Scenario("sg", (RemoveFirm("ANCHOR-001"),))
    with pytest.raises(ScenarioError, match="different scenario named 'sg'"):
        run_scenario(ws, other, firms, "LED", permutations=0, baseline=baseline)


def test_cli_new_list_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lon, lat = _point(SHOUGUANG)
    edits = tmp_path / "edits.json"
    edits.write_text(
        json.dumps(
            [AddFirm("S-1", "寿光MO源厂", lon, lat, "LED", "mo_gas", 50.0).to_dict()],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    ws = str(tmp_path / "w.gpkg")
    assert (
        cli.main(
            [
                "scenario",
                "new",
                "--workspace",
                ws,
                "--name",
                "sg",
                "--edits",
                str(edits),
                "--description",
                "寿光",
                "--json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["base_firms"] == "demo"
    assert cli.main(["scenario", "list", "--workspace", ws, "--json"]) == 0
    assert [s["name"] for s in json.loads(capsys.readouterr().out)["scenarios"]] == ["sg"]
    assert (
        cli.main(
            [
                "scenario",
                "run",
                "--workspace",
                ws,
                "--name",
                "sg",
                "--chain",
                "LED",
                "--region",
                SHOUGUANG,
                "--permutations",
                "0",
                "--json",
                "--save",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert [(n["region"], n["node"], n["status_after"]) for n in out["nodes"]] == [
        (SHOUGUANG, "mo_gas", "weak")
    ]
    assert out["summary"][0].startswith("寿光市 MO源/特气: 缺失 → 弱")
    assert "sg_LED_changes" in set(Workspace(ws).layers()["name"])


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (
            ["scenario", "run", "--workspace", "W", "--name", "x", "--chain", "NOPE"],
            "valid chains are",
        ),
        (
            ["scenario", "run", "--workspace", "missing.gpkg", "--name", "x", "--chain", "LED"],
            "no scenario 'x'",
        ),
        (["scenario", "new", "--workspace", "w.gpkg", "--name", "x"], "required"),
        (["scenario"], "required"),
    ],
)
def test_cli_errors_are_one_line(
    argv: list[str],
    needle: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_cli_new_reports_all_edit_problems_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edits = tmp_path / "edits.json"
    edits.write_text(
        json.dumps(
            [
                {"type": "remove_firm", "firm_id": "NOPE"},
                {"type": "move_firm", "firm_id": "ANCHOR-001", "lon": 0, "lat": 0},
            ]
        ),
        encoding="utf-8",
    )
    assert (
        cli.main(
            [
                "scenario",
                "new",
                "--workspace",
                str(tmp_path / "w.gpkg"),
                "--name",
                "x",
                "--edits",
                str(edits),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1 and "2 problems" in err and "NOPE" in err and "outside Shandong" in err
    )
    assert not (tmp_path / "w.gpkg").exists()
