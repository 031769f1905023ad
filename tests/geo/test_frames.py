"""Plan frames: membership counts, overlaps, dissolves, geodesic areas, zone statistics."""

from __future__ import annotations

import pytest
import shapely

from geo import frames
from geo.boundaries import load_counties, load_province
from geo.layers import zones_layer
from geo.measure import geodesic_area_km2
from geo.sources import EVIDENCE_LEVELS, is_unverified, status_word


@pytest.mark.parametrize(("zone", "n"), [("BLUE", 48), ("YRD", 19), ("CAP", 52), ("WEST", 59)])
def test_membership_counts_2013(zone: str, n: int) -> None:
    m = frames.membership("2013")
    assert (m["zone_code"] == zone).sum() == n


def test_members_are_current_units() -> None:
    codes = set(load_counties()["adcode"])
    for frame in frames.FRAMES:
        assert set(frames.membership(frame)["adcode"]) <= codes


def test_zones_overlap_and_a_county_can_be_in_three() -> None:
    m = frames.membership("2013")
    m = m[m["zone_code"] != "RES"]
    per_county = m.groupby("adcode")["zone_code"].nunique()
    assert per_county.max() == 3
    assert set(m.loc[m["adcode"] == "370502", "zone_code"]) == {"BLUE", "YRD"}  # 东营区
    zones = frames.zone_polygons("2013").set_index("zone_code")
    assert zones.loc["BLUE", "geometry"].intersection(zones.loc["YRD", "geometry"]).area > 0


def test_yrd_inferred_member_is_flagged() -> None:
    m = frames.membership("2013")
    row = m[(m["zone_code"] == "YRD") & (m["adcode"] == "370703")]  # 寒亭区
    assert row["verification"].iloc[0].startswith("inferred")
    zones = frames.zone_polygons("2013").set_index("zone_code")
    assert "370703" in zones.loc["YRD", "members_unverified"]


def test_res_group_is_flagged_unverified() -> None:
    zones = frames.zone_polygons("2013").set_index("zone_code")
    res = zones.loc["RES"]
    assert res["kind"] == "city_group"
    # the group is named in the document (known from a copy: secondary); its cities are not
    assert res["evidence"] == "secondary" and is_unverified(res["evidence"])
    assert "verified" not in res["verification"].replace("unverified", "")
    assert set(res["members_unverified"].split(";")) == set(res["members"].split(";"))
    m = frames.membership("2013")
    res_rows = m[m["zone_code"] == "RES"]
    assert set(res_rows["evidence"]) == {"none"}
    assert set(res_rows["verification"].map(status_word)) == {"inferred", "unverified"}


def test_every_membership_and_zone_has_an_evidence_level() -> None:
    for frame in frames.FRAMES:
        m = frames.membership(frame)
        assert m["evidence"].isin(EVIDENCE_LEVELS).all() and m["source"].str.len().gt(0).all()
        z = frames.zone_table(frame)
        assert z["evidence"].isin(EVIDENCE_LEVELS).all()
    # BLUE membership is stated in press (中国網 2011-01-07), the 2020 circles in a repost only
    m13 = frames.membership("2013")
    assert set(m13.loc[m13["zone_code"] == "BLUE", "evidence"]) == {"press"}
    assert set(frames.membership("2020")["evidence"]) == {"secondary"}
    assert frames.zone_table("2020")["source"].str.contains("m.yybnet.net").all()


def test_2020_circles_partition_the_province() -> None:
    m = frames.membership("2020")
    assert m["adcode"].is_unique and len(m) == 136
    assert m.groupby("zone_code").size().to_dict() == {"JIAODONG": 41, "LUNAN": 38, "SHENGHUI": 57}


@pytest.mark.parametrize("frame", ["2013", "2020"])
def test_zone_polygon_is_dissolve_and_area_is_sum_of_parts(frame: str) -> None:
    counties = load_counties()
    area = geodesic_area_km2(counties).set_axis(counties["adcode"])
    for z in frames.zone_polygons(frame).itertuples():
        codes = z.members.split(";")
        parts = counties[counties["adcode"].isin(codes)].geometry.to_numpy()
        assert shapely.equals(shapely.coverage_union_all(parts), z.geometry)
        assert z.area_km2 == pytest.approx(area[codes].sum(), abs=0.1)


def test_2020_zone_areas_sum_to_province() -> None:
    total = float(geodesic_area_km2(load_province()).iloc[0])
    assert frames.zone_polygons("2020")["area_km2"].sum() == pytest.approx(total, abs=1.0)


def test_zone_statistics_columns() -> None:
    z = zones_layer("2013").set_index("zone_code")
    assert {"n_counties", "n_cities", "n_clusters", "n_htz", "area_km2"} <= set(z.columns)
    assert z.loc["BLUE", "n_cities"] == 7  # 6 cities + 无棣/沾化 of 滨州
    assert z.loc["CAP", "n_htz"] >= 5 and z.loc["BLUE", "n_clusters"] > 0


def test_unknown_frame_lists_valid() -> None:
    with pytest.raises(frames.UnknownFrameError, match="2013, 2020"):
        frames.membership("2030")
    assert frames.frame_of("LUNAN") == "2020"
