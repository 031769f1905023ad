"""The shared analysis engine: one firm table, one region assignment, aggregates per level.

``analyze_all`` / ``AnalysisRun`` must give, for every chain and level, exactly what one
``analyze_chain`` call gives; the shared aggregates must equal a plain pandas pipeline over
the joined firms; and the fast bottleneck and sourcing code must equal straightforward
reference computations (written out here, independently of the code under test).
"""

from __future__ import annotations

import json
import os

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from geo.boundaries import load_counties
from geo.frames import membership
from geo.measure import geodesic_distance_km
from layout.analysis import (
    ALL_LEVELS,
    AnalysisError,
    AnalysisRun,
    FirmTable,
    analyze_all,
    analyze_chain,
)
from layout.analysis import concentration as concentration_module
from layout.analysis.aggregate import aggregate_chain, node_values, region_links
from layout.analysis.bottlenecks import region_bottlenecks
from layout.analysis.run import _can_fork
from layout.analysis.shared import level_key
from layout.analysis.status import node_order
from layout.chains import chain_codes, load_chain
from layout.demo import demo_firms
from layout.gaps import critical_nodes, stress_test
from layout.regions import ensure_adcode, region_table

PERMS = 19  # the permutation tests are shared too; few draws keep the test quick


def _dump(result: object) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, default=str)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def firms() -> gpd.GeoDataFrame:
    return demo_firms()


@pytest.fixture(scope="module")
def run_all(firms: gpd.GeoDataFrame) -> dict[tuple[str, str, str], str]:
    results = analyze_all(firms, permutations=PERMS)
    return {(r.chain, r.level, r.frame): _dump(r) for r in results}


def test_run_covers_every_chain_at_every_level(run_all: dict) -> None:
    expected = [(c, lv, fr) for c in chain_codes() for lv, fr in ALL_LEVELS]
    assert list(run_all) == expected
    assert len(expected) == 18 * 5


@pytest.mark.parametrize("chain", list(chain_codes()))
def test_run_equals_one_analysis_per_call(
    firms: gpd.GeoDataFrame, run_all: dict, chain: str
) -> None:
    for level, frame in ALL_LEVELS:
        alone = analyze_chain(firms, chain, level=level, frame=frame, permutations=PERMS)
        assert run_all[(chain, level, frame)] == _dump(alone), (chain, level, frame)


@pytest.mark.parametrize("base", ["output", "firms"])
def test_run_equals_per_call_on_other_bases_and_rules(firms: gpd.GeoDataFrame, base: str) -> None:
    run = AnalysisRun(firms, base=base, permutations=PERMS, strength_rule="cluster_mapping")
    for chain in ("LED", "MARBIO"):
        for level, frame in ALL_LEVELS:
            alone = analyze_chain(
                firms,
                chain,
                level=level,
                frame=frame,
                base=base,
                permutations=PERMS,
                strength_rule="cluster_mapping",
            )
            assert _dump(run.analyze(chain, level=level, frame=frame)) == _dump(alone)


def test_one_region_and_an_edited_membership_in_a_run(firms: gpd.GeoDataFrame) -> None:
    run = AnalysisRun(firms, permutations=PERMS)
    m = membership("2013")
    edited = pd.concat(
        [m, pd.DataFrame({"frame": ["2013"], "zone_code": ["BLUE"], "adcode": ["370102"]})],
        ignore_index=True,
    )
    for kwargs in (
        {"region": "370705"},
        {"region": "BLUE"},
        {"region": "LUNAN"},
        {"level": "zone", "membership": edited},
        {"region": "BLUE", "membership": edited},
    ):
        a = run.analyze("LED", **kwargs)
        assert _dump(a) == _dump(analyze_chain(firms, "LED", permutations=PERMS, **kwargs))
    assert run.analyze("LED", level="zone", membership=edited).data["membership"] == "edited"


def test_permutation_tests_run_once_per_chain(
    firms: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    real = concentration_module.spatial_statistics

    def spy(chain_total: pd.Series, **kwargs: object) -> dict:
        calls.append(chain_total.sum())
        return real(chain_total, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concentration_module, "spatial_statistics", spy)
    out = analyze_all(firms, chains=["LED", "PU"], permutations=PERMS, concurrent=False)
    assert len(out) == 10 and len(calls) == 2
    # the five levels of a chain carry the same (county-measured) concentration
    assert all(a.concentration == out[0].concentration for a in out[:5])


CONCURRENT_CHAINS = ["LED", "PU", "MARBIO"]


@pytest.mark.skipif(not _can_fork(), reason="needs the fork start method")
def test_tests_measured_ahead_in_a_child_equal_those_measured_here(
    firms: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = analyze_all(firms, chains=CONCURRENT_CHAINS, permutations=PERMS, concurrent=False)
    calls: list[object] = []
    real = concentration_module.spatial_statistics

    def spy(chain_total: pd.Series, **kwargs: object) -> dict:
        calls.append(os.getpid())  # the child's calls land in the child's copy of the list
        return real(chain_total, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concentration_module, "spatial_statistics", spy)
    ahead = analyze_all(firms, chains=CONCURRENT_CHAINS, permutations=PERMS, concurrent=True)
    assert calls == []  # nothing measured in this process: every test came from the child
    assert [_dump(a) for a in ahead] == [_dump(h) for h in here]


@pytest.mark.skipif(not _can_fork(), reason="needs the fork start method")
def test_a_chain_the_child_fails_on_is_measured_here(
    firms: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    real = concentration_module.spatial_statistics
    calls: list[object] = []

    def fails_in_child(chain_total: pd.Series, **kwargs: object) -> dict:
        if os.getpid() != parent and chain_total.sum() == totals["PU"]:
            raise RuntimeError("the child fails on PU")
        calls.append(chain_total.sum())
        return real(chain_total, **kwargs)  # type: ignore[arg-type]

    here = analyze_all(firms, chains=CONCURRENT_CHAINS, permutations=PERMS, concurrent=False)
    totals = {a.chain: a.concentration["chain_value"] for a in here}
    monkeypatch.setattr(concentration_module, "spatial_statistics", fails_in_child)
    ahead = analyze_all(firms, chains=CONCURRENT_CHAINS, permutations=PERMS, concurrent=True)
    assert calls == [totals["PU"]]  # PU alone measured here
    assert [_dump(a) for a in ahead] == [_dump(h) for h in here]


def test_results_of_a_run_share_no_mutable_part(firms: gpd.GeoDataFrame) -> None:
    county, city = analyze_all(firms, chains=["LED"], levels=ALL_LEVELS[:2], permutations=PERMS)
    before = json.dumps(city.concentration, sort_keys=True)
    county.concentration["local"][0]["lisa"]["Is"] = "changed"
    county.concentration["moran"]["I"] = "changed"
    assert json.dumps(city.concentration, sort_keys=True) == before


def test_run_options_are_checked_together(firms: gpd.GeoDataFrame) -> None:
    with pytest.raises(AnalysisError) as info:
        AnalysisRun(firms, base="staff", permutations=-1, strength_rule="usa")
    codes = sorted(p.code for p in info.value.problems)
    assert codes == ["not_positive_int", "unknown_base", "unknown_strength_rule"]
    run = AnalysisRun(firms, permutations=PERMS)
    with pytest.raises(AnalysisError) as info:
        run.analyze("LED", level="town", frame="1999")
    assert len(info.value.problems) == 2


# -- the shared aggregates against a plain pandas pipeline ------------------------------------


def _odd_firms() -> gpd.GeoDataFrame:
    """Demo firms plus rows every aggregate must treat as the single analysis does: outside
    every county, no node, an adcode that is no county, and a chain of its own."""
    f = ensure_adcode(demo_firms())
    extra = f.iloc[:4].copy()
    extra["firm_id"] = ["X-1", "X-2", "X-3", "X-4"]
    extra["adcode"] = [None, extra["adcode"].iloc[1], "999999", extra["adcode"].iloc[3]]
    extra.loc[extra.index[0], "geometry"] = None  # no location at all
    extra["node"] = [extra["node"].iloc[0], None, extra["node"].iloc[2], "x"]
    extra["chain"] = ["LED", "LED", "LED", "OTHER"]
    extra["employees"] = [5.0, 7.0, 11.0, 13.0]
    return gpd.GeoDataFrame(pd.concat([f, extra], ignore_index=True), crs=f.crs)


def _pandas_sums(f: pd.DataFrame, level: str, frame: str) -> tuple[pd.DataFrame, pd.Series]:
    """Sum and count by (region, chain, node) and all-chain totals of a level, the pandas way."""
    df = pd.DataFrame(
        {
            "adcode": f["adcode"],
            "chain": f["chain"],
            "node": f["node"],
            "v": node_values(f, base="employees"),
        }
    ).dropna(subset=["adcode"])
    regions = region_table(level, frame=frame)["region"].tolist()
    if level == "county":
        df = df.assign(region=df["adcode"])
    elif level == "city":
        c = load_counties()
        df = df.assign(
            region=df["adcode"].map(dict(zip(c["adcode"], c["city_adcode"], strict=True)))
        )
    elif level == "province":
        df = df.assign(region="370000")
    else:
        m = membership(frame)[["adcode", "zone_code"]]
        df = df.merge(m, on="adcode").rename(columns={"zone_code": "region"})
    df = df[df["region"].isin(regions)]
    by = df.dropna(subset=["chain", "node"]).groupby(["region", "chain", "node"])["v"]
    sums = pd.DataFrame({"sum": by.sum(), "count": by.size()})
    return sums, df.groupby("region")["v"].sum().reindex(regions, fill_value=0.0)


@pytest.mark.parametrize("level,frame", ALL_LEVELS)
def test_level_aggregates_equal_a_pandas_groupby(level: str, frame: str) -> None:
    f = _odd_firms()
    ft = FirmTable(f)
    agg = ft.level(level_key(level, frame))
    sums, totals = _pandas_sums(f, level, frame)
    assert agg.regions == region_table(level, frame=frame)["region"].tolist()
    np.testing.assert_array_equal(agg.totals, totals.to_numpy())  # same terms, same order
    ours = {
        (agg.regions[i], chain, node): (agg.sums[i, j], agg.counts[i, j])
        for (chain, node), j in ft.pairs.items()
        for i in range(len(agg.regions))
        if agg.counts[i, j] > 0
    }
    assert ours == {k: (r["sum"], r["count"]) for k, r in sums.iterrows()}
    assert ("999999", "LED") not in {(r, c) for r, c, _ in ours}  # no county, no county sum
    if level == "province":  # ... but the province counts every firm with an adcode
        assert totals.iloc[0] == pytest.approx(f.loc[f["adcode"].notna(), "employees"].sum())


@pytest.mark.parametrize("level,frame", ALL_LEVELS)
def test_matrices_equal_aggregate_chain_to_the_last_bit(level: str, frame: str) -> None:
    f = _odd_firms()
    ft = FirmTable(f, base="output")
    values = node_values(f, base="output").to_numpy()
    regions = region_table(level, frame=frame)["region"].tolist()
    links = region_links(f, level, frame, None)
    for chain in ("LED", "MARBIO", "PU"):
        nodes = node_order(load_chain(chain))
        e0, n0, t0, _ = aggregate_chain(f, links, values, chain, regions, nodes)
        e1, n1, t1 = ft.matrices(chain, nodes, level_key(level, frame))
        pd.testing.assert_frame_equal(e1, e0, check_exact=True)
        pd.testing.assert_frame_equal(n1, n0, check_exact=True)
        pd.testing.assert_series_equal(t1, t0, check_exact=True, check_names=False)
        # row and column sums depend on the memory layout (numpy sums contiguous runs
        # pairwise): the shared matrices keep the layout of the per-chain ones
        np.testing.assert_array_equal(e1.sum(axis=1).to_numpy(), e0.sum(axis=1).to_numpy())
        np.testing.assert_array_equal(e1.to_numpy().sum(axis=0), e0.to_numpy().sum(axis=0))


# -- bottlenecks and sourcing against straightforward references ---------------------------


def _bottlenecks_reference(
    g: nx.DiGraph, n: pd.DataFrame, e: pd.DataFrame, regions: list[str], crit: dict[str, str]
) -> pd.DataFrame:
    """Region by region with layout.gaps.stress_test, as the analysis first did it."""
    rows = []
    for r in regions:
        present = [x for x in g if n.loc[r, x] > 0]
        for x in present:
            if n.loc[r, x] == 1:
                rows.append([r, x, "single_firm", float(e.loc[r, x])])
            if x in crit:
                rows.append([r, x, crit[x], float(e.loc[r, x])])
        st = stress_test(g, present, {x: float(e.loc[r, x]) for x in present})
        for rec in st.head(3).itertuples():
            rows.append([r, rec.node, "stress", float(rec.value_downstream)])
    return pd.DataFrame(rows, columns=["region", "node", "kind", "value"])


@pytest.mark.parametrize("level", ["county", "city"])
def test_bottlenecks_equal_stress_test_region_by_region(level: str) -> None:
    f = ensure_adcode(demo_firms())
    ft = FirmTable(f)
    for chain in chain_codes():
        g = load_chain(chain)
        e, n, _ = ft.matrices(chain, node_order(g), level_key(level, "2013"))
        regions, crit = list(e.index), critical_nodes(g)
        ours = region_bottlenecks(g, n, e, regions, crit)
        ref = _bottlenecks_reference(g, n, e, regions, crit)
        pd.testing.assert_frame_equal(
            ours[["region", "node", "kind", "value"]], ref, check_exact=True, check_dtype=False
        )
        assert ours["detail_en"].notna().all() and ours["detail_zh"].notna().all()


def test_bottlenecks_on_random_present_sets() -> None:
    g = nx.gnp_random_graph(9, 0.3, seed=4, directed=True)
    g = nx.DiGraph([(str(a), str(b)) for a, b in g.edges if a < b])  # acyclic
    nodes = sorted(g)
    rng = np.random.default_rng(1)
    n = pd.DataFrame(rng.integers(0, 3, (40, len(nodes))), columns=nodes)
    n.index = [f"r{i}" for i in range(40)]
    e = n * rng.uniform(0, 50, n.shape)
    crit = critical_nodes(g)
    ours = region_bottlenecks(g, n, e, list(n.index), crit)
    ref = _bottlenecks_reference(g, n, e, list(n.index), crit)
    pd.testing.assert_frame_equal(
        ours[["region", "node", "kind", "value"]], ref, check_exact=True, check_dtype=False
    )


def _sourcing_reference(
    res: object, f: gpd.GeoDataFrame, level: str, frame: str, k: int = 3
) -> pd.DataFrame:
    """Every distance measured: for each gap, the k nearest other regions that have the node
    and the k nearest firms at the node (ties by region order and firm order)."""
    table = res.nodes  # type: ignore[attr-defined]
    rt = region_table(level, frame=frame)
    point = dict(zip(rt["region"], zip(rt["lon"], rt["lat"], strict=True), strict=True))
    linked = set(region_links(f, level, frame, None)["row"])
    xs, ys = f.geometry.x.to_numpy(), f.geometry.y.to_numpy()
    ids, nodes = f["firm_id"].astype(str).to_numpy(), f["node"].to_numpy()
    has_point = f.geometry.notna().to_numpy()
    chain_rows = np.flatnonzero((f["chain"] == res.chain).to_numpy())  # type: ignore[attr-defined]
    gaps = table.loc[table["status"].isin(["missing", "broken", "weak"]), ["region", "node"]]
    firms_at, donors_at = {}, {}
    for x in set(gaps["node"]):
        firms_at[x] = [i for i in chain_rows if nodes[i] == x and i in linked and has_point[i]]
        donors_at[x] = table.loc[(table["node"] == x) & (table["n_firms"] > 0), "region"].tolist()
    rows = []
    for r, x in gaps.itertuples(index=False):
        lon, lat = point[r]
        donors = [d for d in donors_at[x] if d != r]
        dl = np.array([point[d] for d in donors]).reshape(-1, 2)
        n = len(donors)
        d = geodesic_distance_km(np.full(n, lon), np.full(n, lat), dl[:, 0], dl[:, 1])
        for i in np.argsort(d, kind="stable")[:k]:
            rows.append([r, x, "region", donors[i], np.round(d[i], 1)])
        at = firms_at[x]
        d = geodesic_distance_km(np.full(len(at), lon), np.full(len(at), lat), xs[at], ys[at])
        for i in np.argsort(d, kind="stable")[:k]:
            rows.append([r, x, "firm", ids[at[i]], np.round(d[i], 1)])
    out = pd.DataFrame(rows, columns=["region", "node", "kind", "target", "distance_km"])
    return out.sort_values(["region", "node", "kind"], kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("level,frame", [("county", "2013"), ("zone", "2013"), ("city", "2013")])
def test_sourcing_equals_measuring_every_distance(level: str, frame: str) -> None:
    f = ensure_adcode(demo_firms())
    run = AnalysisRun(f, permutations=0)
    for chain in ("LED", "PU", "MARBIO"):
        res = run.analyze(chain, level=level, frame=frame)
        ours = res.sourcing[["region", "node", "kind", "target", "distance_km"]]
        ref = _sourcing_reference(res, f, level, frame)
        pd.testing.assert_frame_equal(
            ours.reset_index(drop=True), ref, check_exact=True, check_dtype=False
        )


def test_county_codes_of_a_table_without_adcodes_are_the_joins(firms: gpd.GeoDataFrame) -> None:
    from geo.joins import join_counties
    from layout.regions import county_adcodes

    bare = firms.drop(columns="adcode", errors="ignore").reset_index(drop=True)
    bare.loc[[3, 5], "geometry"] = None
    got = county_adcodes(bare)
    assert str(got.dtype) == "string" and got.index.equals(bare.index)
    assert got.isna().tolist()[3] and got.isna().tolist()[5] and got.notna().sum() > 100
    # the other path (an adcode column with nothing valid in it) joins the same firms
    blank = bare.assign(adcode=pd.Series(pd.NA, index=bare.index, dtype="string"))
    assert got.equals(county_adcodes(blank))
    joined = join_counties(bare.geometry)
    assert got.fillna("").tolist() == joined.fillna("").tolist()


@pytest.mark.parametrize("concurrent", [False, True])
def test_an_unknown_chain_fails_in_its_turn(firms: gpd.GeoDataFrame, concurrent: bool) -> None:
    from layout.chains import ChainTemplateError

    got = []
    with pytest.raises(ChainTemplateError):
        for a in AnalysisRun(firms, permutations=PERMS).iter_all(
            ["LED", "NOPE"], concurrent=concurrent
        ):
            got.append(a.chain)
    assert got == ["LED"] * len(ALL_LEVELS)  # LED's analyses came out before the error
