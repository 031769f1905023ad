"""Coverage and policy checks."""

from __future__ import annotations

from geo.sites import load_clusters
from layout import coverage


def test_zone_cluster_matrix_both_frames() -> None:
    m13 = coverage.zone_cluster_matrix("2013")
    assert {"BLUE", "YRD", "CAP", "WEST", "RES"} <= set(m13.columns)
    assert len(m13) == len(load_clusters())
    assert m13.loc["F01", "BLUE"] == "in" and m13.loc["F01", "CAP"] == ""
    assert m13.loc["F13", "CAP"] == "partly"
    m20 = coverage.zone_cluster_matrix("2020")
    assert set(m20.loc["F01", ["SHENGHUI", "JIAODONG", "LUNAN"]]) == {"in", ""}


def test_zone_category_counts_total_matches_matrix() -> None:
    counts = coverage.zone_category_counts("2013")
    m = coverage.zone_cluster_matrix("2013")
    for zone in counts.index:
        assert counts.loc[zone, "total"] == (m[zone] != "").sum()


def test_focus_compliance_finds_the_real_mismatch() -> None:
    fc = coverage.focus_compliance().set_index("cluster_id")
    assert len(fc) == 18
    assert fc.loc["F01", "compliance"] == "yes"
    # 工程机械 is named under the resource-exhausted group, but 济宁/任城区 is not on that list
    assert fc.loc["F16", "compliance"] == "no"
    assert "RES" in fc.loc["F16", "reason_en"] and "unverified" in fc.loc["F16", "reason_en"]
    assert set(fc["compliance"]) <= {"yes", "partly", "no", "unknown"}


def test_uncovered_counties_have_no_host() -> None:
    un = coverage.uncovered_counties()
    cl = load_clusters()
    hosts = {c for v in cl["host_county_adcodes"] for c in v.split(";") if c}
    assert not set(un["adcode"]) & hosts
    assert "370705" not in set(un["adcode"])  # 奎文区 hosts 潍坊高新区 and the LED cluster
    assert 0 < len(un) < 136


def test_target_progress_is_honest_about_missing_data() -> None:
    tp = coverage.target_progress().set_index("target_id")
    assert tp.loc["T02", "status"] == "met" and tp.loc["T02", "observed"] == "5"
    assert tp.loc["T03", "status"] == "no data"
