"""Demonstration data: anchors are real and carry no figures; synthetic rows are flagged."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from geo.boundaries import load_counties
from layout.chains import load_chains
from layout.demo import demo_firms, locate_anchors, synthetic_firms

ROOT = Path(__file__).parents[2]


def test_anchors_have_no_invented_figures() -> None:
    a = locate_anchors()
    assert len(a) == 78 and not a["synthetic"].any()
    assert a["employees"].isna().all() and a["output"].isna().all()
    assert a["location_quality"].str.startswith(("county_centroid", "city_centroid")).all()
    assert a.set_index("firm_id").loc["ANCHOR-001", "adcode"] == "370705"  # 浪潮华光 at 潍坊高新区


def test_synthetic_rows_are_flagged_and_named() -> None:
    s = synthetic_firms()
    assert s["synthetic"].all()
    assert s["name"].str.contains("synthetic").all() and s["name"].str.startswith("合成示例").all()
    assert s["source"].str.contains("not real firms").all()


def test_synthetic_points_lie_in_their_county_and_nodes_exist() -> None:
    s = synthetic_firms()
    counties = load_counties().set_index("adcode")
    inside = [
        counties.loc[c, "geometry"].contains(p)
        for c, p in zip(s["adcode"], s.geometry, strict=True)
    ]
    assert all(inside)
    chains = load_chains()
    assert all(n in chains[c] for c, n in zip(s["chain"], s["node"], strict=True))


def test_synthetic_table_is_reproducible_from_the_seed() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_demo
    finally:
        sys.path.pop(0)
    rebuilt = build_demo.build(build_demo.SEED)
    shipped = pd.read_csv(ROOT / "data" / "demo" / "firms_synthetic.csv", dtype={"adcode": str})
    pd.testing.assert_frame_equal(rebuilt.reset_index(drop=True), shipped, check_dtype=False)


def test_denser_near_focus_cluster_host() -> None:
    s = synthetic_firms()
    led = s[s["chain"] == "LED"]
    # F01's host 奎文区 (潍坊高新区) should hold more LED firms than an average county
    assert (led["adcode"] == "370705").sum() > 3 * len(led) / 136


def test_demo_firms_combines_both() -> None:
    d = demo_firms()
    assert d.crs.to_epsg() == 4326
    assert (
        d["synthetic"].sum() == len(synthetic_firms())
        and (~d["synthetic"].astype(bool)).sum() == 78
    )
