"""Siting: k-site cores against hand-solved optima and enumeration; candidate scores part by part."""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point

from layout.regions import region_table
from layout.siting import (
    SCORE_WEIGHTS,
    SitingError,
    candidate_counties,
    max_cover,
    p_median,
    score_candidates,
    site_k,
)

# Candidates at 0, 5 and 10 on a line, demand at 0, 1, 9 and 10: d_ij = |x_i − c_j|.
#            c0  c1  c2
#   d0 (0)    0   5  10
#   d1 (1)    1   4   9
#   d2 (9)    9   4   1
#   d3 (10)  10   5   0
COST = np.abs(np.subtract.outer([0.0, 1.0, 9.0, 10.0], [0.0, 5.0, 10.0]))


def _enumerate_p_median(cost: np.ndarray, w: np.ndarray, p: int) -> tuple[tuple[int, ...], float]:
    best = min(
        itertools.combinations(range(cost.shape[1]), p),
        key=lambda s: (w * cost[:, list(s)].min(axis=1)).sum(),
    )
    return best, float((w * cost[:, list(best)].min(axis=1)).sum())


def _enumerate_mclp(
    cost: np.ndarray, w: np.ndarray, p: int, radius: float
) -> tuple[tuple[int, ...], float]:
    best = max(
        itertools.combinations(range(cost.shape[1]), p),
        key=lambda s: (w * (cost[:, list(s)] <= radius).any(axis=1)).sum(),
    )
    return best, float((w * (cost[:, list(best)] <= radius).any(axis=1)).sum())


def test_p_median_matches_hand_solved_optimum() -> None:
    ones = np.ones(4)
    # p=1: c0 0+1+9+10=20, c1 5+4+4+5=18, c2 10+9+1+0=20 -> c1, total 18
    one = p_median(COST, ones, 1)
    assert one.selected == (1,) and one.objective == pytest.approx(18.0)
    # p=2: {c0,c2} 0+1+1+0=2, {c0,c1} 0+1+4+5=10, {c1,c2} 5+4+1+0=10 -> {c0,c2}, total 2
    two = p_median(COST, ones, 2)
    assert two.selected == (0, 2) and two.objective == pytest.approx(2.0)
    assert two.assignment.tolist() == [0, 0, 2, 2]
    # weights move the single site: w=(4,1,1,1): c0 0+1+9+10=20, c1 20+4+4+5=33, c2 40+9+1+0=50
    heavy = p_median(COST, np.array([4.0, 1, 1, 1]), 1)
    assert heavy.selected == (0,) and heavy.objective == pytest.approx(20.0)
    for w in (ones, np.array([4.0, 1, 1, 1])):
        for p in (1, 2):
            sel, obj = _enumerate_p_median(COST, w, p)
            got = p_median(COST, w, p)
            assert got.selected == sel and got.objective == pytest.approx(obj)


def test_max_cover_matches_hand_solved_optimum() -> None:
    w = np.array([1.0, 2.0, 3.0, 4.0])
    # radius 4.5: c0 covers d0,d1 (3), c1 covers d1,d2 (5), c2 covers d2,d3 (7)
    one = max_cover(COST, w, 1, 4.5)
    assert one.selected == (2,) and one.objective == pytest.approx(7.0)
    assert one.assignment.tolist() == [-1, -1, 2, 2] and one.covered.tolist() == [
        False,
        False,
        True,
        True,
    ]
    # p=2: {c0,c2} covers all (10), {c1,c2} 9, {c0,c1} 6
    two = max_cover(COST, w, 2, 4.5)
    assert two.selected == (0, 2) and two.objective == pytest.approx(10.0)
    assert (two.assignment >= 0).all()
    for p in (1, 2):
        assert (
            max_cover(COST, w, p, 4.5).selected,
            max_cover(COST, w, p, 4.5).objective,
        ) == _enumerate_mclp(COST, w, p, 4.5)


@pytest.mark.parametrize("seed", range(5))
def test_cores_agree_with_enumeration_on_random_instances(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 100, size=(7, 5)).round(1)
    w = rng.integers(1, 10, size=7).astype(float)
    for p in (1, 2, 3):
        _, obj = _enumerate_p_median(cost, w, p)
        assert p_median(cost, w, p).objective == pytest.approx(obj)  # ties may pick another set
        _, cov = _enumerate_mclp(cost, w, p, 40.0)
        assert max_cover(cost, w, p, 40.0).objective == pytest.approx(cov)


def test_core_validation_reports_every_problem() -> None:
    bad = COST.copy()
    bad[0, 0] = np.nan
    with pytest.raises(SitingError) as err:
        p_median(bad, np.ones(3), 0)
    text = str(err.value)
    assert len(err.value.problems) == 3
    assert "finite" in text and "one weight per row" in text and "p=0" in text
    with pytest.raises(SitingError, match="between 1 and the number of candidates"):
        p_median(COST, np.ones(4), 4)
    with pytest.raises(SitingError, match="service_km"):
        max_cover(COST, np.ones(4), 1, -1.0)


# ----------------------------------------------------------------------------- geo adapter
HOME, NEXT = "370705", "370702"  # 奎文区 (hosts Weifang HTZ) and its neighbour 潍城区


def _toy() -> nx.DiGraph:
    g = nx.DiGraph(chain="TOY", name_zh="玩具链", name_en="Toy chain")
    for node, stage in [
        ("ore", "upstream"),
        ("metal", "midstream"),
        ("parts", "midstream"),
        ("car", "downstream"),
    ]:
        g.add_node(node, stage=stage, name_zh=node + "环节", name_en=node, weight=1.0)
    g.add_edges_from([("ore", "metal"), ("metal", "parts"), ("parts", "car")])
    return g


def _points() -> pd.DataFrame:
    return region_table("county").set_index("region")


def _firms() -> gpd.GeoDataFrame:
    pts = _points()
    rows = [("f1", "ore", HOME, 100.0), ("f2", "parts", NEXT, 300.0), ("f3", "car", NEXT, 50.0)]
    return gpd.GeoDataFrame(
        {
            "firm_id": [r[0] for r in rows],
            "name": [r[0] for r in rows],
            "chain": "TOY",
            "node": [r[1] for r in rows],
            "adcode": [r[2] for r in rows],
            "employees": [r[3] for r in rows],
        },
        geometry=[Point(pts.loc[r[2], "lon"], pts.loc[r[2], "lat"]) for r in rows],
        crs="EPSG:4326",
    )


def test_candidate_counties_by_level() -> None:
    assert len(candidate_counties("BLUE")) == 48
    assert len(candidate_counties("370700")) == 12  # Weifang's county-level units
    assert len(candidate_counties("370000")) == 136
    near = candidate_counties(HOME)
    assert near[0] == HOME and NEXT in near and len(near) > 2


def test_score_parts_are_the_documented_formula() -> None:
    table = score_candidates(_firms(), "TOY", "metal", region=HOME, graph=_toy()).set_index(
        "adcode"
    )
    pts = _points()
    home = table.loc[HOME]
    # neighbours of metal: ore (in HOME) and parts (in NEXT)
    assert home["neighbour_nodes"] == 0.5 and home["neighbours_present"] == "ore"
    assert table.loc[NEXT, "neighbours_present"] == "parts"
    assert home["htz"] == 1 and "潍坊高新区" in home["htz_names"] and table.loc[NEXT, "htz"] == 0
    _, _, metres = Geod(ellps="WGS84").inv(
        pts.loc[HOME, "lon"], pts.loc[HOME, "lat"], pts.loc[NEXT, "lon"], pts.loc[NEXT, "lat"]
    )
    assert home["dist_buyers_km"] == pytest.approx(metres / 1000, abs=0.05)
    assert home["dist_suppliers_km"] == 0.0
    expected = (0.4 * 0.5 + 0.2 * 1 + 0.2 * np.exp(-metres / 1000 / 50) + 0.2 * 1.0) / sum(
        SCORE_WEIGHTS.values()
    )
    assert home["score"] == pytest.approx(expected, abs=1e-4)
    assert table["score"].is_monotonic_decreasing and table["rank"].tolist() == list(
        range(1, len(table) + 1)
    )
    assert (
        "相邻环节 1/2" in home["reason_zh"]
        and "1 of 2 neighbouring chain nodes" in home["reason_en"]
    )
    assert table.attrs["weights"] == SCORE_WEIGHTS


def test_weights_change_the_ranking_and_final_products_skip_buyers() -> None:
    htz_only = score_candidates(
        _firms(), "TOY", "metal", region=HOME, graph=_toy(), weights={"htz": 1.0}
    )
    assert htz_only.iloc[0]["adcode"] == HOME and set(htz_only["score"]) <= {0.0, 1.0}
    car = score_candidates(_firms(), "TOY", "car", region=HOME, graph=_toy())
    assert (car["s_buyers"] == 0).all() and car["dist_buyers_km"].isna().all()
    assert "no buyer node in the chain" in car.loc[0, "reason_en"]


def test_site_k_puts_the_site_at_the_buyers() -> None:
    res = site_k(_firms(), "TOY", "metal", region=HOME, k=1, graph=_toy())
    assert res.demand_kind == "buyers" and res.demand_nodes == ["parts"]
    assert res.sites["adcode"].tolist() == [NEXT] and res.objective == pytest.approx(0.0)
    cover = site_k(
        _firms(), "TOY", "metal", region=HOME, k=1, method="mclp", service_km=1.0, graph=_toy()
    )
    assert cover.sites["adcode"].tolist() == [NEXT] and cover.covered_weight_share == 1.0
    final = site_k(_firms(), "TOY", "car", region=HOME, k=1, graph=_toy())
    assert final.demand_kind == "suppliers" and final.demand_nodes == ["parts"]


def test_site_k_errors_are_gathered() -> None:
    with pytest.raises(SitingError) as err:
        site_k(_firms(), "TOY", "nope", region="NOWHERE", k=0, method="x", base="y", graph=_toy())
    assert len(err.value.problems) == 5
    with pytest.raises(SitingError, match="no located firm"):
        site_k(_firms()[_firms()["node"] != "parts"], "TOY", "metal", region=HOME, graph=_toy())
