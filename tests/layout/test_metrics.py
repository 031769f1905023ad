"""Metrics: hand-computed cases, invariants, independent cross-checks and degenerate inputs."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from libpysal.weights import W, lat2W
from scipy.stats import false_discovery_control

from layout.metrics import (
    MetricInputError,
    ellison_glaeser,
    getis_ord_gi_star,
    gini,
    global_moran,
    hhi,
    local_moran,
    location_quotient,
    matrix_from_long,
    spatial_gini,
    strength_classes,
    theil,
)

FAST = settings(max_examples=60, deadline=None, database=None)
# counts or amounts: 0, or between 1e-3 and 1e6 (no subnormal floats)
values_st = st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e6))


def _matrices(min_rows: int = 1) -> st.SearchStrategy[pd.DataFrame]:
    shape = st.tuples(st.integers(min_rows, 6), st.integers(1, 5))
    return shape.flatmap(lambda s: arrays(float, s, elements=values_st)).map(
        lambda a: pd.DataFrame(a, index=[f"37{i:04d}" for i in range(a.shape[0])],
                               columns=[f"i{j}" for j in range(a.shape[1])]))  # fmt: skip


def _grid_w(rows: int, cols: int, ids: list[str]) -> W:
    """Rook contiguity on a grid, with string region ids."""
    base = lat2W(rows, cols)
    return W({ids[i]: [ids[j] for j in base.neighbors[i]] for i in base.neighbors},
             id_order=ids, silence_warnings=True)  # fmt: skip


def _dense(w: W, ids: list[str]) -> np.ndarray:
    pos = {r: k for k, r in enumerate(ids)}
    m = np.zeros((len(ids), len(ids)))
    for i in ids:
        for j, wij in zip(w.neighbors[i], w.weights[i], strict=True):
            m[pos[i], pos[j]] = wij
    return m


# --------------------------------------------------------------------------- location quotient


E3 = pd.DataFrame({"x": [2.0, 0.0, 0.0], "y": [2.0, 4.0, 0.0]}, index=["a", "b", "c"])


def test_lq_hand_computed() -> None:
    # E = 8, E_x = 2, E_y = 6; e_a = 4, e_b = 4, e_c = 0 (empty region)
    # LQ_ax = (2/4)/(2/8) = 2;  LQ_ay = (2/4)/(6/8) = 2/3
    # LQ_bx = (0/4)/(2/8) = 0;  LQ_by = (4/4)/(6/8) = 4/3;  region c: NaN (e_c = 0)
    lq = location_quotient(E3)
    assert lq.loc["a", "x"] == pytest.approx(2.0)
    assert lq.loc["a", "y"] == pytest.approx(2 / 3)
    assert lq.loc["b", "x"] == 0.0
    assert lq.loc["b", "y"] == pytest.approx(4 / 3)
    assert lq.loc["c"].isna().all()
    assert lq.notna().sum().sum() == 4  # NaN only for the empty region


def test_lq_with_region_totals_and_benchmark() -> None:
    # region totals 10 and 10 (other industries included); benchmark E_x = 4, E = 40
    # LQ_ax = (2/10)/(4/40) = 2;  LQ_bx = 0;  industry z absent from benchmark and regions -> 0
    e = pd.DataFrame({"x": [2.0, 0.0], "z": [0.0, 0.0]}, index=["a", "b"])
    lq = location_quotient(
        e,
        region_totals=pd.Series({"a": 10.0, "b": 10.0}),
        benchmark=pd.Series({"x": 4.0, "z": 0.0, "other": 36.0}),
    )
    assert lq.loc["a", "x"] == pytest.approx(2.0)
    assert lq.loc["b", "x"] == 0.0 and (lq["z"] == 0).all()


def test_lq_reports_all_input_problems_at_once() -> None:
    bad = pd.DataFrame([[1.0, -1.0, np.nan]], index=["a"], columns=["x", "y", "x"])
    with pytest.raises(MetricInputError) as info:
        location_quotient(bad)
    assert len(info.value.problems) == 3  # duplicate column, NaN cell, negative cell
    with pytest.raises(MetricInputError, match="benchmark is 0"):
        location_quotient(E3, benchmark=pd.Series({"x": 0.0, "y": 5.0}))
    with pytest.raises(MetricInputError, match="DataFrame"):
        location_quotient([[1, 2]])  # type: ignore[arg-type]


@FAST
@given(_matrices())
def test_lq_share_identities(e: pd.DataFrame) -> None:
    lq = location_quotient(e)
    x = e.to_numpy()
    er, ei, total = x.sum(axis=1), x.sum(axis=0), x.sum()
    for r in range(len(e)):
        if er[r] > 0:  # Σ_i LQ_ir E_i / E = Σ_i e_ir / e_r = 1
            assert (lq.iloc[r].to_numpy() * ei / total).sum() == pytest.approx(1.0)
        else:
            assert lq.iloc[r].isna().all()
    for i in range(e.shape[1]):
        if ei[i] > 0:  # employment-weighted mean LQ of an industry is 1
            ok = er > 0
            assert (lq.iloc[ok, i].to_numpy() * er[ok] / total).sum() == pytest.approx(1.0)


def test_matrix_from_long_sums_and_fills() -> None:
    long = pd.DataFrame({"county": ["a", "a", "b", "a"], "node": ["x", "y", "x", "x"],
                         "emp": [1.0, 2.0, 3.0, 4.0]})  # fmt: skip
    m = matrix_from_long(long, region="county", industry="node", value="emp")
    assert m.loc["a", "x"] == 5.0 and m.loc["b", "y"] == 0.0
    with pytest.raises(MetricInputError, match="no column 'region'"):
        matrix_from_long(long)


# --------------------------------------------------------------------------- strength classes


def test_strength_classes_hand_computed_cluster_mapping_rule() -> None:
    # the U.S. Cluster Mapping rule: quantiles over every region with a defined LQ
    # LQ sorted: 0, .5, .8, 1, 1.2, 1.5, 2, 3 (n = 8, linear quantiles at p·(n−1)):
    #   median = (1 + 1.2)/2 = 1.1;  q75 at 5.25 -> 1.5 + .25·.5 = 1.625;  q90 at 6.3 -> 2.3
    # sizes sorted 0, 1, 10×6: q25 at 1.75 -> 1 + .75·9 = 7.75, so r1 (0) and r5 (1) are small
    regions = [f"r{k}" for k in range(1, 9)]
    lq = pd.DataFrame({"x": [0, 0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0]}, index=regions)
    e = pd.DataFrame({"x": [0.0, 10, 10, 10, 1, 10, 10, 10]}, index=regions)
    out = strength_classes(e, lq=lq, rule="cluster_mapping").xs("x", level="industry")
    assert out["class"].tolist() == ["absent", "present", "present", "present", "present",
                                     "significant", "strong", "strong10"]  # fmt: skip
    assert out["lq_significant_min"].iloc[0] == pytest.approx(1.1)
    assert out["lq_strong_min"].iloc[0] == pytest.approx(1.625)
    assert out["lq_strong10_min"].iloc[0] == pytest.approx(2.3)
    assert out["size_floor"].iloc[0] == pytest.approx(7.75)
    assert out["size_ok"].tolist() == [False, True, True, True, False, True, True, True]


def test_strength_classes_empty_region_and_bad_quantiles() -> None:
    out = strength_classes(E3)
    assert list(out.index.names) == ["region", "industry"]
    assert out.loc[("c", "x"), "class"] == "no data"
    assert out.loc[("b", "x"), "class"] == "absent"
    with pytest.raises(MetricInputError) as info:
        strength_classes(E3, strong_quantile=1.5, significant_quantile=0.95)
    assert len(info.value.problems) == 2


@FAST
@given(_matrices(min_rows=2), st.sampled_from(["present", "cluster_mapping"]), st.integers(1, 5))
def test_strength_classes_are_nested(e: pd.DataFrame, rule: str, min_present: int) -> None:
    out = strength_classes(e, rule=rule, min_present=min_present)
    assert (~out["strong10"] | out["strong"]).all()
    assert (~out["strong"] | out["significant"]).all()
    assert (~out["significant"] | (out["lq"] >= 1)).all()
    assert (~out["significant"] | (out["value"] > 0)).all()  # a strong region has activity
    assert len(out) == e.size


# --------------------------------------------------------------------------- HHI


def test_hhi_hand_computed_and_degenerate() -> None:
    firms = pd.DataFrame({
        "industry": ["x", "x", "y", "z", "z", "w", "w", "w"],
        "value": [3.0, 1.0, 5.0, 0.0, 0.0, 1.0, 1.0, 2.0],
    })  # fmt: skip
    h = hhi(firms)
    assert h["x"] == pytest.approx(0.625)  # (3/4)² + (1/4)² = 9/16 + 1/16
    assert h["y"] == 1.0  # one firm
    assert np.isnan(h["z"])  # zero total: undefined
    assert h["w"] == pytest.approx(0.375)  # .25² + .25² + .5² = 1/16 + 1/16 + 4/16
    assert h.name == "hhi"


def test_hhi_problems_reported_together() -> None:
    firms = pd.DataFrame({"industry": ["x", None], "value": [-1.0, np.nan]})
    with pytest.raises(MetricInputError) as info:
        hhi(firms)
    assert len(info.value.problems) == 3


@FAST
@given(st.lists(st.tuples(st.sampled_from("abc"), st.floats(0.001, 1e6)), min_size=1))
def test_hhi_in_unit_interval_and_matches_numpy(rows: list[tuple[str, float]]) -> None:
    firms = pd.DataFrame(rows, columns=["industry", "value"])
    h = hhi(firms)
    for ind, grp in firms.groupby("industry"):
        v = grp["value"].to_numpy()
        shares = v / v.sum()
        assert shares.sum() == pytest.approx(1.0)
        assert h[ind] == pytest.approx((shares**2).sum())
        assert 1 / len(v) - 1e-12 <= h[ind] <= 1 + 1e-12


# --------------------------------------------------------------------------- Ellison-Glaeser


def test_ellison_glaeser_hand_computed() -> None:
    # e_r = 5, 3, 2 (E = 10): x = (.5, .3, .2), Σx² = .38, 1 − Σx² = .62
    # industry x: s = (1, 0, 0); G = .5² + .3² + .2² = .38; H = .25
    #   γ = (.38 − .62·.25) / (.62·.75) = .225 / .465 = 0.48387...
    # industry o: s = (1/6, 1/2, 1/3); G = 1/9 + 1/25 + 4/225 = 38/225; H = 1 -> NaN (one firm)
    e = pd.DataFrame({"x": [4.0, 0, 0], "o": [1.0, 3, 2], "none": [0.0, 0, 0]},
                     index=["a", "b", "c"])  # fmt: skip
    out = ellison_glaeser(e, pd.Series({"x": 0.25, "o": 1.0, "none": 0.5}))
    assert out.loc["x", "gamma"] == pytest.approx(0.225 / 0.465)
    assert out.loc["x", "G"] == pytest.approx(0.38)
    assert out.loc["x", "sum_x2"] == pytest.approx(0.38)
    assert out.loc["o", "G"] == pytest.approx(38 / 225)
    assert np.isnan(out.loc["o", "gamma"]) and "H_i = 1" in out.loc["o", "reason"]
    assert np.isnan(out.loc["none", "gamma"]) and "e_i = 0" in out.loc["none", "reason"]
    assert out.loc["x", "reason"] == ""


def test_ellison_glaeser_degenerate_single_region_and_random_location() -> None:
    one = pd.DataFrame({"x": [3.0], "y": [1.0]}, index=["a"])
    out = ellison_glaeser(one, pd.Series({"x": 0.2, "y": 0.5}))
    assert out["gamma"].isna().all() and out["reason"].str.contains("single region").all()
    # industry located exactly like the aggregate with H = 0: G = 0 and γ = 0
    e = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 3.0]}, index=list("abc"))
    out = ellison_glaeser(e, pd.Series({"x": 0.0, "y": 0.0}))
    assert out["gamma"].to_numpy() == pytest.approx([0.0, 0.0])
    with pytest.raises(MetricInputError, match="no value for industries"):
        ellison_glaeser(e, pd.Series({"x": 0.1}))
    with pytest.raises(MetricInputError, match=r"\[0, 1\]"):
        ellison_glaeser(e, pd.Series({"x": 1.5, "y": 0.1}))


@FAST
@given(_matrices(min_rows=2), st.floats(0.0, 0.99))
def test_ellison_glaeser_matches_formula(e: pd.DataFrame, h: float) -> None:
    out = ellison_glaeser(e, pd.Series(h, index=e.columns))
    x = e.to_numpy()
    xr = x.sum(axis=1) / x.sum() if x.sum() > 0 else np.zeros(len(e))
    sx2 = (xr**2).sum()
    for j, ind in enumerate(e.columns):
        ei = x[:, j].sum()
        if ei == 0 or abs(sx2 - 1.0) <= 1e-12 or x.sum() == 0:
            assert np.isnan(out.loc[ind, "gamma"]) and out.loc[ind, "reason"]
            continue
        g = ((x[:, j] / ei - xr) ** 2).sum()
        assert out.loc[ind, "G"] == pytest.approx(g, abs=1e-12)
        expected = (g - (1 - sx2) * h) / ((1 - sx2) * (1 - h))
        # γ divides by (1 − Σx²)(1 − H); when that is tiny the two float evaluations may differ
        # by rounding amplified by 1 / denominator, so the tolerance follows the conditioning.
        rel = 1e-9 + 1e-14 / ((1 - sx2) * (1 - h))
        assert out.loc[ind, "gamma"] == pytest.approx(expected, rel=rel, abs=1e-9)


# --------------------------------------------------------------------------- Gini and Theil


def _gini_numpy(y: np.ndarray) -> float:
    return float(np.abs(y[:, None] - y[None, :]).sum() / (2 * len(y) ** 2 * y.mean()))


def _theil_numpy(y: np.ndarray, groups: np.ndarray) -> tuple[float, float, float]:
    s = y / y.sum()
    n = len(y)
    nz = s > 0
    total = float((s[nz] * np.log(n * s[nz])).sum())
    between = 0.0
    for g in np.unique(groups):
        sg, ng = s[groups == g].sum(), (groups == g).sum()
        if sg > 0:
            between += sg * np.log(sg * n / ng)
    return total, float(between), total - float(between)


def test_gini_hand_and_degenerate() -> None:
    assert gini([0.0, 0.0, 0.0, 4.0]) == pytest.approx(0.75)  # Σ|Δ| = 24; 24/(2·16·1)
    assert gini([0.0, 0.0]) == 0.0  # all zero: perfect equality
    assert gini(pd.Series({"370102": 5.0})) == 0.0  # one region
    with pytest.raises(MetricInputError, match="negative"):
        gini([1.0, -1.0])
    with pytest.raises(MetricInputError, match="NaN"):
        gini(pd.Series({"a": 1.0, "b": np.nan}))
    with pytest.raises(MetricInputError, match="empty"):
        gini([])


@FAST
@given(arrays(float, st.integers(2, 30), elements=values_st))
def test_gini_matches_independent_numpy(y: np.ndarray) -> None:
    g = gini(y)
    if y.sum() == 0:
        assert g == 0.0
    else:
        assert g == pytest.approx(_gini_numpy(y), abs=1e-9)
        assert -1e-12 <= g <= (len(y) - 1) / len(y) + 1e-12


@FAST
@given(arrays(float, st.integers(2, 30), elements=st.floats(0.01, 1e6)), st.data())
def test_theil_matches_independent_numpy(y: np.ndarray, data: st.DataObject) -> None:
    groups = np.array(data.draw(st.lists(st.sampled_from("pqr"), min_size=len(y),
                                         max_size=len(y))))  # fmt: skip
    out = theil(y, groups=groups)
    total, between, within = _theil_numpy(y, groups)
    assert out["total"] == pytest.approx(total, abs=1e-9)
    assert out["between"] == pytest.approx(between, abs=1e-9)
    assert out["within"] == pytest.approx(within, abs=1e-9)
    assert out["between"] + out["within"] == pytest.approx(out["total"])
    assert -1e-12 <= out["total"] <= np.log(len(y)) + 1e-9


def test_theil_groups_as_mapping_and_degenerate() -> None:
    y = pd.Series({"a": 1.0, "b": 3.0, "c": 0.0, "d": 4.0})
    out = theil(y, groups={"a": "BLUE", "b": "BLUE", "c": "WEST", "d": "WEST"})
    total, between, _ = _theil_numpy(y.to_numpy(), np.array(["B", "B", "W", "W"]))
    assert out["total"] == pytest.approx(total) and out["between"] == pytest.approx(between)
    plain = theil(y)
    assert plain["between"] == 0.0 and plain["within"] == plain["total"]
    assert theil([0.0, 0.0, 0.0]).tolist() == [0.0, 0.0, 0.0]
    assert theil([7.0], groups=["g"]).tolist() == [0.0, 0.0, 0.0]


def test_theil_rejects_overlapping_or_incomplete_partition() -> None:
    y = pd.Series({"a": 1.0, "b": 2.0})
    overlapping = pd.Series(["BLUE", "YRD", "BLUE"], index=["a", "a", "b"])
    with pytest.raises(MetricInputError, match="more than one group"):
        theil(y, groups=overlapping)
    with pytest.raises(MetricInputError, match="no group for regions"):
        theil(y, groups={"a": "BLUE"})


# --------------------------------------------------------------------------- spatial

IDS9 = [f"3701{k:02d}" for k in range(9)]
W9 = _grid_w(3, 3, IDS9)


def test_spatial_gini_components_match_numpy() -> None:
    y = pd.Series([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0], index=IDS9)
    res = spatial_gini(y, W9, permutations=99, seed=7)
    a = y.to_numpy()
    diff = np.abs(a[:, None] - a[None, :])
    neighbours = _dense(W9, IDS9) > 0
    assert res.gini == pytest.approx(_gini_numpy(a))
    assert res.neighbor_sad == pytest.approx(diff[neighbours].sum())
    assert res.non_neighbor_sad == pytest.approx(diff.sum() - diff[neighbours].sum())
    assert 0 < res.p_sim <= 1
    assert spatial_gini(y, W9, permutations=99, seed=7) == res  # reproducible
    flat = spatial_gini(pd.Series(2.0, index=IDS9), W9)
    assert (flat.gini, flat.neighbor_sad, flat.p_sim) == (0.0, 0.0, 1.0)


def test_global_moran_matches_numpy_from_w_matrix() -> None:
    rng = np.random.default_rng(1)
    ids = [f"37{k:04d}" for k in range(25)]
    w = _grid_w(5, 5, ids)
    y = pd.Series(rng.random(25) + np.repeat(np.arange(5.0), 5), index=ids)
    m = _dense(w, ids)
    m = m / m.sum(axis=1, keepdims=True)  # row-standardised
    z = y.to_numpy() - y.mean()
    expected = len(z) / m.sum() * (z @ m @ z) / (z @ z)
    res = global_moran(y.sample(frac=1.0, random_state=3), w, permutations=199, seed=5)
    moran_i = res.I
    assert moran_i == pytest.approx(expected)  # order of the Series does not matter
    assert res.expected_I == pytest.approx(-1 / 24)
    assert res.p_sim == pytest.approx(1 / 200)  # strong trend: more extreme than every draw
    assert w.transform == "O"  # input weights not mutated


def test_global_moran_seeded_and_leaves_global_rng_alone() -> None:
    y = pd.Series([1.0, 2, 1, 3, 2, 1, 2, 3, 1], index=IDS9)
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    a = global_moran(y, W9, permutations=99, seed=11)
    assert (np.random.get_state()[1] == before).all()
    b = global_moran(y, W9, permutations=99, seed=11)
    assert a == b


def test_global_moran_degenerate() -> None:
    flat = global_moran(pd.Series(1.0, index=IDS9), W9)
    assert (flat.I, flat.p_sim, flat.z_sim) == (0.0, 1.0, 0.0) and "constant" in flat.note
    islands = W({"a": [], "b": [], "c": []}, silence_warnings=True)
    none = global_moran(pd.Series({"a": 1.0, "b": 2.0, "c": 3.0}), islands)
    assert none.p_sim == 1.0 and "no neighbour" in none.note


def _hot_block() -> tuple[pd.Series, W, list[str]]:
    ids = [f"37{k:04d}" for k in range(100)]
    rng = np.random.default_rng(42)
    y = rng.random(100)
    grid = y.reshape(10, 10)
    grid[:3, :3] += 10.0  # hot corner
    grid[7:, 7:] *= 0.01  # cold corner: low values (zeros among zeros would not be testable)
    return pd.Series(grid.ravel(), index=ids), _grid_w(10, 10, ids), ids


def _bh_by_hand(p: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """Benjamini-Hochberg step-up written out: reject p_(1..k), k = max{i: p_(i) <= i·α/m}."""
    order = np.argsort(p)
    m = len(p)
    passed = [i for i in range(1, m + 1) if p[order[i - 1]] <= i * alpha / m]
    reject = np.zeros(m, bool)
    if passed:
        reject[order[: max(passed)]] = True
    return reject


def test_local_moran_matches_numpy_and_fdr() -> None:
    y, w, ids = _hot_block()
    out = local_moran(y, w, permutations=999, seed=3)
    m = _dense(w, ids)
    m = m / m.sum(axis=1, keepdims=True)
    d = y.to_numpy() - y.mean()
    lag = m @ d
    expected = (len(d) - 1) * d * lag / (d @ d)  # Anselin (1995), scale-free form
    assert out["Is"].to_numpy() == pytest.approx(expected)
    quad = np.select([(d > 0) & (lag > 0), (d <= 0) & (lag > 0), (d <= 0) & (lag <= 0)],
                     ["HH", "LH", "LL"], "HL")  # fmt: skip
    assert out["quadrant"].tolist() == quad.tolist()
    # every region here has neighbours and a non-zero value: all testable
    assert out["testable"].all() and out["p_value"].notna().all()
    # FDR: Benjamini-Hochberg written out, and scipy's adjusted p-values, agree with ours
    bh = _bh_by_hand(out["p_value"].to_numpy())
    assert out["significant"].tolist() == bh.tolist()
    assert bh.tolist() == (false_discovery_control(out["p_value"].to_numpy()) <= 0.05).tolist()
    assert out.loc[ids[11], "cluster"] == "HH" and out.loc[ids[88], "cluster"] == "LL"
    grid = out["cluster"].to_numpy().reshape(10, 10)
    assert set(grid[:3, :3].ravel()) == {"HH", "ns"} and set(grid[6:, 6:].ravel()) == {"LL", "ns"}
    assert (grid[3:6, :] == "ns").all()  # nothing in the random middle band
    assert (out.loc[~out["significant"], "cluster"] == "ns").all()
    again = local_moran(y, w, permutations=999, seed=3)
    pd.testing.assert_frame_equal(out, again)


def test_local_moran_degenerate_island_and_constant() -> None:
    flat = local_moran(pd.Series(3.0, index=IDS9), W9)
    assert (flat["cluster"] == "not testable").all() and not flat["testable"].any()
    assert (flat["reason"] == "constant_values").all() and flat["p_value"].isna().all()
    assert (flat["Is"] == 0.0).all() and (flat["p_sim"] == 1.0).all()
    neigh = {i: list(W9.neighbors[i]) for i in IDS9}
    neigh["island"] = []
    w = W(neigh, silence_warnings=True)
    # mean is exactly 5 and the centre 370104 sits on it: every permuted statistic there is 0
    y = pd.Series([1.0, 9, 1, 9, 5, 9, 1, 9, 1, 5], index=[*IDS9, "island"])
    out = local_moran(y, w, permutations=99, seed=1)
    assert out.loc["island", "quadrant"] == "none" and out.loc["island", "n_neighbours"] == 0
    assert out.loc["island", "reason"] == "no_neighbours"
    assert out.loc["370104", "reason"] == "all_ties" and out.loc["370104", "n_ties"] == 99
    assert not out.loc[["island", "370104"], "testable"].any()
    assert out.loc[["island", "370104"], "p_value"].isna().all()
    assert (out.loc[["island", "370104"], "cluster"] == "not testable").all()
    assert out.attrs["fdr_tests"] == 8  # the FDR set holds the 8 testable regions only


def test_gi_star_matches_numpy_and_finds_hot_and_cold_spots() -> None:
    y, w, ids = _hot_block()
    out = getis_ord_gi_star(y, w, permutations=999, seed=3)
    m = _dense(w, ids) + np.eye(len(ids))  # binary weights with self
    expected = m @ y.to_numpy() / y.sum()
    assert out["G"].to_numpy() == pytest.approx(expected)
    assert out.loc[ids[11], "spot"] == "hot" and out.loc[ids[88], "spot"] == "cold"
    # the label follows where G*_i falls among its own draws (fewer above: hot)
    hot = out["significant"] & (out["n_greater"] < out["n_less"])
    cold = out["significant"] & (out["n_less"] < out["n_greater"])
    assert ((out["spot"] == "hot") == hot).all() and ((out["spot"] == "cold") == cold).all()
    assert out["significant"].tolist() == _bh_by_hand(out["p_value"].to_numpy()).tolist()
    assert w.transform == "O"


def test_gi_star_degenerate_and_errors() -> None:
    zero = getis_ord_gi_star(pd.Series(0.0, index=IDS9), W9)
    assert (zero["spot"] == "not testable").all() and (zero["p_sim"] == 1.0).all()
    assert zero["p_value"].isna().all() and (zero["G"] == 0.0).all()
    flat = getis_ord_gi_star(pd.Series(2.0, index=IDS9), W9)
    assert flat.loc[IDS9[4], "G"] == pytest.approx(5 / 9)  # centre: 4 neighbours + itself
    with pytest.raises(MetricInputError, match="negative"):
        getis_ord_gi_star(pd.Series(-1.0, index=IDS9), W9)


def test_values_and_weights_must_cover_the_same_regions() -> None:
    y = pd.Series(1.0, index=[*IDS9[:-1], "999999"])
    with pytest.raises(MetricInputError) as info:
        local_moran(y, W9)
    assert "999999" in str(info.value) and IDS9[-1] in str(info.value)
    with pytest.raises(MetricInputError, match="4 entries but w has 9"):
        global_moran([1.0, 2.0, 3.0, 4.0], W9)
    with pytest.raises(MetricInputError, match="permutations=0"):
        local_moran(pd.Series(1.0, index=IDS9), W9, permutations=0)
    no_perm = global_moran(np.arange(9.0), W9, permutations=0)
    assert np.isnan(no_perm.p_sim) and no_perm.p_norm < 0.05


def test_array_values_follow_w_id_order() -> None:
    y = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0])
    out = local_moran(y, W9, permutations=99, seed=2)
    assert list(out.index) == IDS9
    shuffled = pd.Series(y, index=IDS9).iloc[::-1]
    back = local_moran(shuffled, W9, permutations=99, seed=2)
    assert list(back.index) == IDS9[::-1]
    assert back.loc[IDS9, "Is"].to_numpy() == pytest.approx(out["Is"].to_numpy())


def test_pairs_helper_is_symmetric() -> None:
    # guard for the test helper itself: rook grid is symmetric with 12 links on 3x3
    m = _dense(W9, IDS9)
    assert (m == m.T).all() and m.sum() == 24
    assert all(m[i, j] == 0 for i, j in itertools.product(range(9), repeat=2) if i == j)


def _w_from_edges(n: int, edges: list[tuple[int, int]]) -> W:
    neigh: dict[int, list[int]] = {i: [] for i in range(n)}
    for a, b in edges:
        neigh[a].append(b)
        neigh[b].append(a)
    return W(neigh, silence_warnings=True)


def _spatial_gini_weights() -> list[W]:
    from geo.weights import region_weights

    rng = np.random.default_rng(5)
    star = [(0, j) for j in range(1, 21)]  # a hub with 20 neighbours: PySAL's own loop
    dense = [(a, b) for a in range(14) for b in range(a + 1, 14) if rng.random() < 0.8]
    return [
        region_weights("county"),  # 2 to 9 neighbours
        lat2W(4, 5, rook=False),
        _w_from_edges(21, star),
        _w_from_edges(14, dense),  # 8 to 13 neighbours
        _w_from_edges(5, [(0, 1), (1, 2)]),  # islands
    ]


@pytest.mark.parametrize("which", range(5))
def test_spatial_gini_sums_are_pysals_to_the_last_bit(which: int) -> None:
    from inequality.gini import Gini_Spatial

    from layout.metrics._validate import align_weights
    from layout.metrics.inequality import _GiniSpatial

    w = _spatial_gini_weights()[which]
    rng = np.random.default_rng(which)
    for trial in range(6):
        raw = rng.gamma(0.4, 10.0 ** rng.integers(0, 7), size=w.n) * (rng.random(w.n) < 0.7)
        if trial == 5:
            raw = np.round(raw, 0)  # ties
        y, _, wi = align_weights(pd.Series(raw, index=w.id_order), w)
        wi.transform = "b"
        np.random.seed(trial)
        ref = Gini_Spatial(y, wi, permutations=49)
        ref_state = np.random.get_state()[1].copy()
        np.random.seed(trial)
        ours = _GiniSpatial(y, wi, permutations=49)
        assert np.array_equal(np.random.get_state()[1], ref_state)  # the same draws
        for name in ("g", "wg", "wcg", "wcg_share", "p_sim", "e_wcg", "z_wcg"):
            assert getattr(ours, name) == getattr(ref, name) or (
                np.isnan(getattr(ref, name)) and np.isnan(getattr(ours, name))
            ), name
        assert np.array_equal(ours.wcgp, ref.wcgp)


def test_conditional_draws_are_reused_exactly() -> None:
    from esda import crand

    import layout.metrics.spatial  # noqa: F401  (installs the reuse)

    wrapped = crand.vec_permutations
    original = wrapped.__wrapped__
    for args in [(9, 136, 199, 12345), (4, 30, 99, 7), (9, 136, 199, 12345), (4, 30, 99, 7)]:
        np.random.seed(1)
        want = original(*args)
        want_state = np.random.get_state()[1].copy()
        np.random.seed(2)  # a different state before: the draw does not depend on it
        got = wrapped(*args)
        assert np.array_equal(got, want)
        assert np.array_equal(np.random.get_state()[1], want_state)
        got[:] = -1  # a caller changing its copy changes no later draw
    assert np.array_equal(wrapped(9, 136, 199, 12345), original(9, 136, 199, 12345))
