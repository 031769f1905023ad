"""Chain analysis on a constructed two-region case and on the demonstration data."""

from __future__ import annotations

import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from geo.boundaries import load_counties
from geo.problems import ProblemError
from geo.weights import region_weights
from layout.analysis import AnalysisError, analyze_chain
from layout.analysis import sourcing as sourcing_module
from layout.demo import demo_firms
from layout.options import AnalysisOptions
from layout.regions import ensure_adcode

A, B = "370102", "370705"  # 历下区 (Jinan), 奎文区 (Weifang)


def _chain() -> nx.DiGraph:
    g = nx.DiGraph(chain="TOY", name_zh="玩具链", name_en="Toy chain")
    for node, stage in [
        ("ore", "upstream"),
        ("metal", "midstream"),
        ("parts", "midstream"),
        ("car", "downstream"),
        ("bike", "downstream"),
        ("paint", "upstream"),
    ]:
        g.add_node(node, stage=stage, name_zh=node, name_en=node, weight=1.0)
    g.add_edges_from(
        [
            ("ore", "metal"),
            ("metal", "parts"),
            ("parts", "car"),
            ("parts", "bike"),
            ("paint", "car"),
        ]
    )
    return g


def _firms() -> gpd.GeoDataFrame:
    counties = load_counties().set_index("adcode")
    pa, pb = (
        counties.loc[A, "geometry"].representative_point(),
        counties.loc[B, "geometry"].representative_point(),
    )
    rows = []
    for node in ["ore", "metal", "parts", "car", "bike", "paint"]:  # region A has the whole chain
        rows.append(("a-" + node, node, 300.0 if node == "ore" else 100.0, pa))
    for node in ["ore", "parts", "car", "bike", "paint"]:  # region B lacks 'metal'
        rows.append(("b-" + node, node, 100.0, pb))
    rows.append(("other", "x", 10_000.0, pb))  # another chain: the regional total of B
    df = pd.DataFrame(rows, columns=["firm_id", "node", "employees", "geometry"])
    df["chain"] = np.where(df["node"] == "x", "OTHER", "TOY")
    df["name"] = df["firm_id"]
    df["output"] = df["employees"] * 10
    return gpd.GeoDataFrame(df, geometry="geometry", crs="EPSG:4326")


def test_missing_articulation_node_is_broken_with_reason() -> None:
    res = analyze_chain(_firms(), "TOY", graph=_chain(), level="county", permutations=0)
    b = res.nodes[res.nodes["region"] == B].set_index("node")
    assert b.loc["metal", "status"] == "broken"
    assert "articulation" in b.loc["metal", "reason_en"] and "关节点" in b.loc["metal", "reason_zh"]
    a = res.nodes[res.nodes["region"] == A].set_index("node")
    assert (a["status"].isin(["strong", "weak"])).all()
    assert res.completeness[A] == 1.0
    assert res.completeness[B] == pytest.approx(5 / 6)
    other = res.nodes[res.nodes["region"] == "370103"]  # 市中区: no firm at all
    assert set(other["status"]) == {"missing", "broken"}
    assert res.completeness["370103"] == 0.0


def test_missing_non_critical_node_is_missing() -> None:
    firms = _firms()
    firms = firms[firms["firm_id"] != "b-paint"]
    res = analyze_chain(firms, "TOY", graph=_chain(), region=B, permutations=0)
    b = res.nodes.set_index("node")
    assert b.loc["paint", "status"] == "missing"
    assert b.loc["paint", "reason_en"] == "no firm at this node in the region"


def test_lq_and_strength_in_constructed_case() -> None:
    old_rule = analyze_chain(
        _firms(),
        "TOY",
        graph=_chain(),
        level="county",
        permutations=0,
        strength_rule="cluster_mapping",
    )
    a = old_rule.nodes[old_rule.nodes["region"] == A].set_index("node")
    b = old_rule.nodes[old_rule.nodes["region"] == B].set_index("node")
    # A: e_r = 800, ore 300 -> share 3/8; province: ore 400 of 11,300 -> LQ = (3/8)/(400/11300)
    assert a.loc["ore", "lq"] == pytest.approx((300 / 800) / (400 / 11_300))
    assert b.loc["ore", "lq"] == pytest.approx((100 / 10_500) / (400 / 11_300))
    # U.S. rule: LQ in the top quartile of all 136 counties (134 of them at 0), >= 1, and size
    # above the bottom quartile (0) — so A's ore is strong
    assert a.loc["ore", "status"] == "strong" and b.loc["ore", "status"] == "weak"
    assert "LQ below 1" in b.loc["ore", "reason_en"]
    # default rule: ranked among the counties that have the node — only 2 here, fewer than 4
    res = analyze_chain(_firms(), "TOY", graph=_chain(), level="county", permutations=0)
    a = res.nodes[res.nodes["region"] == A].set_index("node")
    assert a.loc["ore", "lq"] == pytest.approx((300 / 800) / (400 / 11_300))
    assert a.loc["ore", "strength_class"] == "not ranked" and a.loc["ore", "status"] == "weak"
    assert "present in only 2 region(s)" in a.loc["ore", "reason_en"]
    assert "未分级" in a.loc["ore", "reason_zh"]
    strength = res.structure["strength"]
    assert (strength["rule"], strength["min_present"], strength["measured_over"]) == (
        "present",
        4,
        "county",
    )
    ore = next(x for x in strength["nodes"] if x["node"] == "ore")
    assert (ore["n_ranked"], ore["ranked"], ore["lq_strong_min"]) == (2, False, None)
    assert res.structure["strong_cutoffs_lq"]["ore"] is None
    # with min_present=2 the two present counties are ranked: Q75 of their LQs, by hand
    two = analyze_chain(
        _firms(), "TOY", graph=_chain(), level="county", permutations=0, min_present=2
    )
    lq_a, lq_b = (300 / 800) / (400 / 11_300), (100 / 10_500) / (400 / 11_300)
    assert two.structure["strong_cutoffs_lq"]["ore"] == pytest.approx(
        lq_b + 0.75 * (lq_a - lq_b), abs=1e-6
    )
    # sizes 300 and 100: S25 = 150, so A's ore (300, LQ ≥ cut-off ≥ 1) is strong
    a2 = two.nodes[two.nodes["region"] == A].set_index("node")
    assert a2.loc["ore", "status"] == "strong"


def test_single_present_county_is_not_ranked_at_every_node() -> None:
    firms = _firms()
    firms = firms[firms["firm_id"].str.startswith("a-") | (firms["chain"] == "OTHER")]
    res = analyze_chain(firms, "TOY", graph=_chain(), level="county", permutations=0)
    a = res.nodes[res.nodes["region"] == A]
    assert set(a["strength_class"]) == {"not ranked"} and set(a["status"]) == {"weak"}
    assert a["reason_en"].str.contains("present in only 1 region").all()
    assert all(not x["ranked"] and x["n_ranked"] == 1 for x in res.structure["strength"]["nodes"])
    province = analyze_chain(firms, "TOY", graph=_chain(), level="province", permutations=0)
    p = province.nodes.set_index("node")
    assert set(p["strength_class"]) == {"not ranked"}
    assert p["reason_en"].str.contains("present in only 1 county-level unit").all()


def test_strength_options_are_checked_with_the_other_options() -> None:
    with pytest.raises(AnalysisError) as info:
        analyze_chain(
            _firms(), "TOY", graph=_chain(), base="staff", strength_rule="usa", min_present=0
        )
    codes = sorted(p.code for p in info.value.problems)
    assert codes == ["bad_min_present", "unknown_base", "unknown_strength_rule"]


def test_sourcing_points_to_the_region_and_firm_that_have_the_node() -> None:
    res = analyze_chain(_firms(), "TOY", graph=_chain(), region=B, permutations=0)
    src = res.sourcing[res.sourcing["node"] == "metal"]
    region_row = src[src["kind"] == "region"].iloc[0]
    firm_row = src[src["kind"] == "firm"].iloc[0]
    assert region_row["target"] == A and firm_row["target"] == "a-metal"
    # Jinan 历下区 to Weifang 奎文区 is roughly 180-200 km geodesic
    assert 150 < region_row["distance_km"] < 230


def test_bottlenecks_single_firm_and_stress() -> None:
    res = analyze_chain(_firms(), "TOY", graph=_chain(), region=A, permutations=0)
    kinds = set(res.bottlenecks["kind"])
    assert {"single_firm", "articulation", "stress"} <= kinds
    stress = res.bottlenecks[res.bottlenecks["kind"] == "stress"].iloc[0]
    assert stress["node"] == "ore"


def test_zone_and_province_levels() -> None:
    firms = _firms()
    res = analyze_chain(firms, "TOY", graph=_chain(), region="CAP", permutations=0)  # 历下 in CAP
    assert res.level == "zone" and res.completeness["CAP"] == 1.0
    res = analyze_chain(firms, "TOY", graph=_chain(), region="JIAODONG", permutations=0)  # 奎文
    assert res.frame == "2020" and res.nodes.set_index("node").loc["metal", "status"] == "broken"
    res = analyze_chain(firms, "TOY", graph=_chain(), level="province", permutations=0)
    assert res.completeness["370000"] == 1.0
    assert "county-level unit" in res.nodes.iloc[0]["reason_en"]


def test_bases_and_errors() -> None:
    firms = _firms()
    by_firms = analyze_chain(firms, "TOY", graph=_chain(), region=A, base="firms", permutations=0)
    assert by_firms.nodes["value"].tolist() == [1.0] * 6
    by_output = analyze_chain(firms, "TOY", graph=_chain(), region=A, base="output", permutations=0)
    assert by_output.nodes.set_index("node").loc["ore", "value"] == 3000.0
    with pytest.raises(AnalysisError, match="employees, output, firms"):
        analyze_chain(firms, "TOY", graph=_chain(), base="profit")
    with pytest.raises(AnalysisError, match="is a county"):
        analyze_chain(firms, "TOY", graph=_chain(), region=A, level="city")


def test_errors_list_every_problem_with_codes_and_options_value() -> None:
    firms = _firms()
    with pytest.raises(AnalysisError) as info:
        analyze_chain(firms, "TOY", graph=_chain(), base="profit", level="town", k_nearest=0)
    err = info.value
    assert isinstance(err, ProblemError) and isinstance(err, ValueError)
    assert sorted(p.code for p in err.problems) == [
        "not_positive_int",
        "unknown_base",
        "unknown_level",
    ]
    assert all(p.zh and p.zh != p.en for p in err.problems)  # Chinese text for every problem
    opts = AnalysisOptions(region=A, base="output", permutations=0)
    by_options = analyze_chain(firms, "TOY", graph=_chain(), options=opts)
    by_keywords = analyze_chain(
        firms, "TOY", graph=_chain(), region=A, base="output", permutations=0
    )
    assert by_options.to_dict() == by_keywords.to_dict()
    with pytest.raises(AnalysisError, match="not both") as info:
        analyze_chain(firms, "TOY", graph=_chain(), options=opts, base="firms")
    assert info.value.problems[0].code == "options_and_keywords"


def test_empty_firm_table_gives_defined_results() -> None:
    empty = _firms().iloc[0:0]
    res = analyze_chain(empty, "TOY", graph=_chain(), region=A, permutations=0)
    assert set(res.nodes["status"]) <= {"missing", "broken"}
    assert res.completeness[A] == 0.0
    assert "note" in res.concentration


def test_demo_json_keeps_old_keys_and_says_which_local_results_were_testable() -> None:
    res = analyze_chain(demo_firms(), "MARBIO", permutations=99)
    d = json.loads(json.dumps(res.to_dict()))
    c = d["concentration"]
    old_moran = {"I", "expected_I", "z_sim", "p_sim", "p_norm", "n", "permutations", "note"}
    assert old_moran <= set(c["moran"]) and {"p_value", "testable", "n_ties"} <= set(c["moran"])
    old_sg = {"gini", "neighbor_sad", "non_neighbor_sad", "non_neighbor_share", "p_sim"}
    assert old_sg <= set(c["spatial_gini"])
    sg = c["spatial_gini"]
    assert sg["non_neighbor_gini"] == sg["non_neighbor_share"]  # the component, Gini units
    assert sg["non_neighbor_fraction"] == pytest.approx(
        sg["non_neighbor_sad"] / (sg["neighbor_sad"] + sg["non_neighbor_sad"]), abs=1e-6
    )
    for key in ("lisa_clusters", "gi_star_spots", "hot_spots", "cold_spots", "inference"):
        assert key in c
    local = c["local"]
    assert len(local) == 136 and len({r["region"] for r in local}) == 136
    for rec in local:
        for stat in ("lisa", "gi_star"):
            r = rec[stat]
            assert isinstance(r["testable"], bool)
            assert (r["p_value"] is None) is (not r["testable"])
            assert (r["reason"] is None) is r["testable"]
            assert r["n_greater"] + r["n_less"] + r["n_ties"] == 99
    # the aggregates agree with the per-county records
    lisa_nt = sum(not r["lisa"]["testable"] for r in local)
    assert c["lisa_clusters"].get("not testable", 0) == lisa_nt
    assert c["inference"]["lisa"]["testable"] == 136 - lisa_nt
    hot = sorted(r["region"] for r in local if r["gi_star"]["spot"] == "hot")
    assert c["hot_spots"] == hot
    # the county values are the chain's county totals, aggregated here independently
    firms = ensure_adcode(demo_firms())
    mine = firms[firms["chain"] == "MARBIO"]
    totals = pd.to_numeric(mine["employees"], errors="coerce").fillna(0).groupby(mine["adcode"])
    by_county = totals.sum()
    value = {rec["region"]: rec["value"] for rec in local}
    w = region_weights("county")
    for rec in local:
        assert rec["value"] == pytest.approx(float(by_county.get(rec["region"], 0.0)))
        # not testable as "zero among zeros" exactly when the county and its neighbours are 0
        zeros = value[rec["region"]] == 0 and all(value[j] == 0 for j in w.neighbors[rec["region"]])
        assert (rec["lisa"]["reason"] == "zero_neighbourhood") is zeros
        assert (rec["gi_star"]["reason"] == "zero_neighbourhood") is zeros


def test_demo_led_json_shape() -> None:
    res = analyze_chain(demo_firms(), "LED", permutations=99)
    d = res.to_dict()
    assert d["chain"]["code"] == "LED" and len(d["regions"]) == 136
    assert d["data"]["synthetic_in_use"] is True
    reg = next(r for r in d["regions"] if r["region"] == B)
    assert {n["status"] for n in reg["nodes"]} <= {"strong", "weak", "missing", "broken"}
    assert all(n["reason_zh"] and n["reason_en"] for n in reg["nodes"])
    assert 0 <= reg["completeness"] <= 1
    assert {"hhi_chain", "gini", "theil", "moran"} <= set(d["concentration"])
    theil = d["concentration"]["theil"]
    assert theil["total"] == pytest.approx(theil["between"] + theil["within"])
    assert all(0 <= n["hhi"] <= 1 for n in d["concentration"]["nodes"] if n["hhi"] is not None)


@pytest.mark.parametrize("seed", range(6))
def test_nearest_with_kdtree_prefilter_equals_all_pairs(seed: int) -> None:
    """The k-d tree path of sourcing gives exactly the all-pairs geodesic answer, ties included."""
    rng = np.random.default_rng(seed)
    n_gap, n_target = 200, 6000  # above the brute-force threshold
    glon, glat = rng.uniform(114.8, 122.7, n_gap), rng.uniform(34.4, 38.4, n_gap)
    tlon, tlat = rng.uniform(114.8, 122.7, n_target), rng.uniform(34.4, 38.4, n_target)
    if seed % 2:  # many targets on the same spots: ties broken by target order
        tlon, tlat = np.round(tlon, 1), np.round(tlat, 1)
    assert n_gap * n_target > sourcing_module._BRUTE_PAIRS
    for k in (1, 3, 5):
        fast, fast_d = sourcing_module.nearest(glon, glat, tlon, tlat, k)
        slow, slow_d = sourcing_module.nearest_brute(glon, glat, tlon, tlat, k)
        np.testing.assert_array_equal(fast, slow)
        np.testing.assert_array_equal(fast_d, slow_d)
