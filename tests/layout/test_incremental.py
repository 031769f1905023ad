"""Incremental scenarios: ``update_chain`` equals a full recompute and recomputes only what it touches.

Random scenarios (seeded) over the demonstration data — firms added at, moved to and removed
from random counties, in the analysed chain and in others, plus zone-membership edits — are run
twice: incrementally (``run_scenario(incremental=True)``, i.e. ``layout.analysis.update_chain``
on the cached baseline) and from scratch (``incremental=False``). Every table and dict of the
two results must be identical. Spies then check that an edit in one county recomputes the
bottlenecks of that county only and leaves the permutation statistics alone when the chain's
county totals did not move.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.boundaries import load_counties
from geo.frames import membership, zone_table
from layout.analysis import ChainAnalysis, analyze_chain, update_chain
from layout.analysis import assemble as assemble_module
from layout.analysis import concentration as concentration_module
from layout.chains import load_chain
from layout.demo import demo_firms
from layout.regions import ensure_adcode
from layout.scenarios import (
    AddFirm,
    ChangeZoneMembership,
    MoveFirm,
    RemoveFirm,
    Scenario,
    apply,
    run_scenario,
)

CHAIN = "LED"
SHOUGUANG = "370783"


@pytest.fixture(scope="module")
def firms() -> gpd.GeoDataFrame:
    return ensure_adcode(demo_firms())


@pytest.fixture(scope="module")
def county_points() -> pd.DataFrame:
    c = load_counties()
    pts = c.geometry.representative_point()
    return pd.DataFrame(
        {"adcode": c["adcode"].to_numpy(), "lon": pts.x.to_numpy(), "lat": pts.y.to_numpy()}
    )


def _random_scenario(
    seed: int, firms: gpd.GeoDataFrame, pts: pd.DataFrame, frame: str | None
) -> Scenario:
    rng = np.random.default_rng(seed)
    led = list(load_chain(CHAIN).nodes)
    edits: list = []
    ids = firms["firm_id"].astype(str).to_numpy()
    used: set[str] = set()
    for i in range(int(rng.integers(1, 6))):
        kind = rng.choice(["add", "add_other", "move", "remove"])
        p = pts.iloc[int(rng.integers(len(pts)))]
        if kind in ("add", "add_other"):
            chain, node = (
                (CHAIN, str(rng.choice(led)))
                if kind == "add"
                else ("PU", str(rng.choice(list(load_chain("PU").nodes))))
            )
            edits.append(
                AddFirm(
                    f"T-{seed}-{i}",
                    f"test firm {i}",
                    float(p.lon),
                    float(p.lat),
                    chain,
                    node,
                    employees=float(rng.integers(10, 3000)),
                    output=None,
                )
            )
            continue
        fid = str(rng.choice(ids))
        while fid in used:
            fid = str(rng.choice(ids))
        used.add(fid)
        edits.append(
            MoveFirm(fid, float(p.lon), float(p.lat)) if kind == "move" else RemoveFirm(fid)
        )
    if frame is not None:
        zones = zone_table(frame)["zone_code"].tolist()
        m = membership(frame)
        z = str(rng.choice(zones))
        inside = m.loc[m["zone_code"] == z, "adcode"].tolist()
        outside = sorted(set(pts["adcode"]) - set(inside))
        edits.append(ChangeZoneMembership(str(rng.choice(outside)), frame, z, "add"))
        edits.append(ChangeZoneMembership(str(rng.choice(inside)), frame, z, "remove"))
    return Scenario(f"random-{seed}", edits=tuple(edits))


def _same(a: ChainAnalysis, b: ChainAnalysis) -> None:
    pd.testing.assert_frame_equal(a.nodes, b.nodes)
    pd.testing.assert_series_equal(a.completeness, b.completeness)
    pd.testing.assert_frame_equal(
        a.bottlenecks.reset_index(drop=True), b.bottlenecks.reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(
        a.sourcing.reset_index(drop=True), b.sourcing.reset_index(drop=True)
    )
    assert json.dumps(a.concentration, sort_keys=True) == json.dumps(
        b.concentration, sort_keys=True
    )
    assert a.structure == b.structure
    assert a.data == b.data
    assert a.regions == b.regions


CASES = [
    pytest.param({"level": "county"}, None, id="county"),
    pytest.param({"level": "city"}, None, id="city"),
    pytest.param({"level": "zone", "frame": "2013"}, "2013", id="zone-2013+membership"),
    pytest.param({"level": "zone", "frame": "2020"}, "2020", id="zone-2020+membership"),
    pytest.param({"region": SHOUGUANG}, None, id="one-county"),
    pytest.param({"region": "BLUE"}, "2013", id="one-zone+membership"),
    pytest.param({"level": "province"}, None, id="province-fallback"),
]


@pytest.mark.parametrize(("options", "frame"), CASES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_equals_full_recompute(
    firms: gpd.GeoDataFrame,
    county_points: pd.DataFrame,
    options: dict,
    frame: str | None,
    seed: int,
) -> None:
    scenario = _random_scenario(seed * 7 + len(options), firms, county_points, frame)
    opts = {"permutations": 99, **options}
    baseline, _, _ = run_scenario(None, Scenario("none"), firms, CHAIN, **opts)
    _, inc, d_inc = run_scenario(None, scenario, firms, CHAIN, baseline=baseline, **opts)
    _, full, d_full = run_scenario(
        None, scenario, firms, CHAIN, baseline=baseline, incremental=False, **opts
    )
    _same(inc, full)
    assert d_inc.to_dict() == d_full.to_dict()
    assert len(scenario.edits) >= 1


def test_chained_updates_equal_one_full_analysis(
    firms: gpd.GeoDataFrame, county_points: pd.DataFrame
) -> None:
    """update_chain on the result of update_chain: the matrices it keeps stay exact."""
    a = analyze_chain(firms, CHAIN, level="city", permutations=99)
    table = firms
    for seed in (11, 12, 13):
        scenario = _random_scenario(seed, table, county_points, None)
        edited = apply(scenario, table)
        ids = {e.firm_id for e in scenario.edits}
        a = update_chain(
            a,
            edited,
            removed=table[table["firm_id"].isin(ids)],
            added=edited[edited["firm_id"].isin(ids)],
        )
        table = edited
    _same(a, analyze_chain(table, CHAIN, level="city", permutations=99))


def test_one_firm_recomputes_only_its_county(
    firms: gpd.GeoDataFrame, county_points: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = analyze_chain(firms, CHAIN, level="county", permutations=99)
    calls: dict[str, list] = {"bottlenecks": [], "spatial": 0, "sourcing": []}
    real_b, real_s, real_src = (
        assemble_module.region_bottlenecks,
        concentration_module.spatial_statistics,
        assemble_module.nearest_sources,
    )

    def spy_b(g, n, e, regions, crit):
        calls["bottlenecks"].append(list(regions))
        return real_b(g, n, e, regions, crit)

    def spy_s(*args, **kwargs):
        calls["spatial"] += 1
        return real_s(*args, **kwargs)

    def spy_src(*args, only=None, **kwargs):
        calls["sourcing"].append(only)
        return real_src(*args, only=only, **kwargs)

    # patched where they are looked up: the modules that call them
    monkeypatch.setattr(assemble_module, "region_bottlenecks", spy_b)
    monkeypatch.setattr(concentration_module, "spatial_statistics", spy_s)
    monkeypatch.setattr(assemble_module, "nearest_sources", spy_src)
    p = county_points.set_index("adcode").loc[SHOUGUANG]
    # a firm of another chain: LED's county totals do not move, so no permutation test reruns
    other = Scenario(
        "pu",
        edits=(
            AddFirm(
                "T-PU",
                "PU maker",
                float(p.lon),
                float(p.lat),
                "PU",
                next(iter(load_chain("PU").nodes)),
                employees=500.0,
            ),
        ),
    )
    _, res, _ = run_scenario(
        None, other, firms, CHAIN, level="county", permutations=99, baseline=baseline
    )
    assert calls["bottlenecks"] == [[SHOUGUANG]]
    assert calls["spatial"] == 0
    # a firm of the chain at a node Shouguang lacks: that county's bottlenecks, one spatial rerun
    missing = baseline.nodes[
        (baseline.nodes["region"] == SHOUGUANG) & (baseline.nodes["n_firms"] == 0)
    ]["node"]
    node = str(missing.iloc[0])
    calls.update(bottlenecks=[], spatial=0, sourcing=[])
    led = Scenario(
        "led",
        edits=(
            AddFirm("T-LED", "LED maker", float(p.lon), float(p.lat), CHAIN, node, employees=500.0),
        ),
    )
    _, res, d = run_scenario(
        None, led, firms, CHAIN, level="county", permutations=99, baseline=baseline
    )
    assert calls["bottlenecks"] == [[SHOUGUANG]]
    assert calls["spatial"] == 1
    assert calls["sourcing"] and node in calls["sourcing"][0]
    assert len(calls["sourcing"][0]) < len(load_chain(CHAIN))  # not every node
    row = res.nodes[(res.nodes["region"] == SHOUGUANG) & (res.nodes["node"] == node)].iloc[0]
    assert row["n_firms"] == 1 and row["status"] in ("weak", "strong")
    assert ((d.nodes["region"] == SHOUGUANG) & (d.nodes["node"] == node)).any()


def test_analysis_without_matrices_falls_back_to_full(
    firms: gpd.GeoDataFrame, county_points: pd.DataFrame
) -> None:
    baseline = analyze_chain(firms, CHAIN, level="city", permutations=99)
    baseline._state = None  # e.g. an analysis rebuilt from elsewhere
    scenario = _random_scenario(5, firms, county_points, None)
    _, inc, _ = run_scenario(
        None, scenario, firms, CHAIN, level="city", permutations=99, baseline=baseline
    )
    _same(inc, analyze_chain(apply(scenario, firms), CHAIN, level="city", permutations=99))
