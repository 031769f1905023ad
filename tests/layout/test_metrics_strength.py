"""Strength classes: ranked among the regions where the node is present, boundaries pinned.

Every expectation is worked by hand in the comments (linear quantiles at position p·(n − 1)
of the sorted pool) or recomputed with numpy from the rule's definition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layout.metrics import MetricInputError, strength_classes

R9 = [f"r{k}" for k in range(1, 10)]


def _case_a() -> tuple[pd.DataFrame, pd.DataFrame]:
    # x present in r1..r5 (LQ 0.5, 1, 2, 3, 4; sizes 10..50), absent in r6..r8 (LQ 0),
    # r9 an empty region (e_r = 0: LQ undefined)
    e = pd.DataFrame({"x": [10.0, 20, 30, 40, 50, 0, 0, 0, 0]}, index=R9)
    lq = pd.DataFrame({"x": [0.5, 1, 2, 3, 4, 0, 0, 0, np.nan]}, index=R9)
    return e, lq


def test_present_rule_boundaries_worked_by_hand() -> None:
    # pool r1..r5. LQ: median (pos 2) = 2, Q75 (pos 3) = 3, Q90 (pos 3.6) = 3 + .6·1 = 3.6
    # size: S25 (pos 1) = 20
    e, lq = _case_a()
    out = strength_classes(e, lq=lq).xs("x", level="industry")
    assert out["lq_significant_min"].iloc[0] == pytest.approx(2.0)
    assert out["lq_strong_min"].iloc[0] == pytest.approx(3.0)
    assert out["lq_strong10_min"].iloc[0] == pytest.approx(3.6)
    assert out["size_floor"].iloc[0] == pytest.approx(20.0)
    assert out["n_ranked"].iloc[0] == 5
    # r2: size exactly at the floor is *not* above it; r3: LQ exactly at the median passes;
    # r4: LQ exactly at the top-quartile cut-off is strong
    assert out["class"].tolist() == ["present", "present", "significant", "strong", "strong10",
                                     "absent", "absent", "absent", "no data"]  # fmt: skip
    assert out["size_ok"].tolist() == [False, False, True, True, True, False, False, False, False]
    assert out["ranked"].tolist() == [True] * 5 + [False] * 4


def test_cluster_mapping_rule_counts_absent_regions() -> None:
    # pool r1..r8 (every region with a defined LQ). LQ sorted 0,0,0,.5,1,2,3,4:
    # median (pos 3.5) = .75, Q75 (pos 5.25) = 2.25, Q90 (pos 6.3) = 3.3
    # sizes sorted 0,0,0,10,20,30,40,50: S25 (pos 1.75) = 0 — the absent regions set the floor
    e, lq = _case_a()
    out = strength_classes(e, lq=lq, rule="cluster_mapping").xs("x", level="industry")
    assert out["lq_significant_min"].iloc[0] == pytest.approx(0.75)
    assert out["lq_strong_min"].iloc[0] == pytest.approx(2.25)
    assert out["lq_strong10_min"].iloc[0] == pytest.approx(3.3)
    assert out["size_floor"].iloc[0] == 0.0
    assert out["class"].tolist() == ["present", "significant", "significant", "strong",
                                     "strong10", "absent", "absent", "absent", "no data"]  # fmt: skip


@pytest.mark.parametrize("rule", ["present", "cluster_mapping"])
def test_empty_regions_change_nothing(rule: str) -> None:
    e, lq = _case_a()
    with_empty = strength_classes(e, lq=lq, rule=rule)
    without = strength_classes(e.drop(index="r9"), lq=lq.drop(index="r9"), rule=rule)
    cols = ["class", "lq_strong_min", "size_floor", "n_ranked"]
    pd.testing.assert_frame_equal(with_empty.drop(index="r9")[cols], without[cols])
    assert with_empty.loc[("r9", "x"), "class"] == "no data"


def test_absent_regions_change_nothing_under_the_present_rule() -> None:
    e, lq = _case_a()
    more = pd.DataFrame({"x": [0.0] * 20}, index=[f"z{k}" for k in range(20)])
    e2, lq2 = pd.concat([e, more]), pd.concat([lq, more])
    a = strength_classes(e, lq=lq).xs("x", level="industry")
    b = strength_classes(e2, lq=lq2).xs("x", level="industry")
    assert b.loc[R9, "class"].tolist() == a["class"].tolist()
    assert b["lq_strong_min"].iloc[0] == a["lq_strong_min"].iloc[0]


def test_ties_among_regions_share_their_class() -> None:
    # LQ 1, 2, 3, 3, 3: Q75 (pos 3) = 3 and Q90 (pos 3.6) = 3, so the three tied at 3 are all
    # strong10; sizes 50, 60, 100, 100, 100: S25 (pos 1) = 60
    regions = ["a", "b", "c", "d", "e"]
    e = pd.DataFrame({"x": [50.0, 60, 100, 100, 100]}, index=regions)
    lq = pd.DataFrame({"x": [1.0, 2, 3, 3, 3]}, index=regions)
    out = strength_classes(e, lq=lq).xs("x", level="industry")
    assert out["class"].tolist() == ["present", "present", "strong10", "strong10", "strong10"]
    # sizes tied at the floor all fail it: 10, 20, 20, 20, 50 -> S25 = 20
    e = pd.DataFrame({"x": [10.0, 20, 20, 20, 50]}, index=regions)
    out = strength_classes(e, lq=lq).xs("x", level="industry")
    assert out["size_ok"].tolist() == [False, False, False, False, True]


def test_single_present_region_is_not_ranked_and_the_old_rule_calls_it_strong10() -> None:
    # one county of 136 has the node (one 304-employee firm); all others are absent
    index = [f"37{k:04d}" for k in range(136)]
    e = pd.DataFrame({"x": [304.0] + [0.0] * 135, "y": [1000.0] * 136}, index=index)
    new = strength_classes(e).xs("x", level="industry")
    assert new["class"].iloc[0] == "not ranked" and not new["ranked"].iloc[0]
    assert new["n_ranked"].iloc[0] == 1 and np.isnan(new["lq_strong_min"].iloc[0])
    assert (new["class"].iloc[1:] == "absent").all()
    old = strength_classes(e, rule="cluster_mapping").xs("x", level="industry")
    # the collapse the issue describes: every quantile is 0, so LQ >= 1 and size > 0 suffice
    assert old["lq_strong10_min"].iloc[0] == 0.0 and old["size_floor"].iloc[0] == 0.0
    assert old["class"].iloc[0] == "strong10"


@pytest.mark.parametrize(("present", "min_present", "ranked"), [(4, 4, True), (3, 4, False),
                                                                (3, 3, True), (1, 1, True)])  # fmt: skip
def test_min_present_boundary(present: int, min_present: int, ranked: bool) -> None:
    regions = [f"r{k}" for k in range(8)]
    x = [10.0 * (k + 1) if k < present else 0.0 for k in range(8)]
    e = pd.DataFrame({"x": x, "other": 100.0}, index=regions)
    out = strength_classes(e, min_present=min_present).xs("x", level="industry")
    assert bool(out["ranked"].iloc[0]) is ranked
    assert out["n_ranked"].iloc[0] == present
    assert ("not ranked" in set(out["class"])) is (not ranked)


def test_zero_inflated_classes_match_the_rule_written_in_numpy() -> None:
    rng = np.random.default_rng(8)
    n = 136
    x = np.where(rng.random(n) < 0.8, 0.0, rng.integers(1, 2000, n).astype(float))
    other = rng.integers(100, 50_000, n).astype(float)
    e = pd.DataFrame({"x": x, "other": other}, index=[f"c{k}" for k in range(n)])
    out = strength_classes(e).xs("x", level="industry")
    # the rule from its definition: LQ against the row sums; pool = present regions
    lq = (x / (x + other)) / (x.sum() / (x + other).sum())
    pool = x > 0
    q50, q75, q90 = np.quantile(lq[pool], [0.5, 0.75, 0.9])
    floor = np.quantile(x[pool], 0.25)
    ok = pool & (x > floor) & (lq >= 1)
    want = np.select(
        [ok & (lq >= q90), ok & (lq >= q75), ok & (lq >= q50), pool],
        ["strong10", "strong", "significant", "present"],
        "absent",
    )
    assert pool.sum() >= 4 and floor > 0 and q75 > 0  # cut-offs no longer collapse to 0
    np.testing.assert_array_equal(out["class"].to_numpy(), want)
    assert out["lq_strong_min"].iloc[0] == pytest.approx(q75)


def test_bad_rule_and_min_present_are_reported_together() -> None:
    e, _ = _case_a()
    with pytest.raises(MetricInputError) as info:
        strength_classes(e, rule="usa", min_present=0)
    codes = [p.code for p in info.value.problems]
    assert codes == ["unknown_strength_rule", "bad_min_present"]
    assert "present, cluster_mapping" in str(info.value)
    assert all(p.zh != p.en for p in info.value.problems)
