"""High-tech zones and clusters: location quality, flags kept, joins to counties/zones/HTZ."""

from __future__ import annotations

from geo import sites


def test_htz_points_at_host_county_with_quality() -> None:
    htz = sites.load_htz()
    assert (htz["level"].str.startswith("national")).sum() == 13
    assert set(htz["location_quality"]) == {"county_centroid"}
    assert htz.geometry.notna().all()
    jinan = htz.set_index("htz_id").loc["SD-NHTZ-01"]
    assert jinan["host_county_adcodes"] == "370102" and "CAP" in jinan["zones_2013"]


def test_historical_htz_rows_only_on_request() -> None:
    assert len(sites.load_htz(include_historical=True)) > len(sites.load_htz())


def test_unverified_rows_stay_flagged() -> None:
    htz = sites.load_htz()
    assert htz["verification"].str.contains("unverified").any()
    cl = sites.load_clusters()
    assert cl["verification"].str.contains("unverified").any()
    assert cl["source"].str.len().gt(0).all()


def test_focus_clusters_joined() -> None:
    cl = sites.load_clusters().set_index("cluster_id")
    assert len(cl.filter(regex="^F", axis=0)) == 18
    assert cl.loc["F01", "htz_ids"] == "SD-NHTZ-05"  # 潍坊高新区
    assert cl.loc["F01", "zones_2013"] == "BLUE" and cl.loc["F01", "zones_2020"] == "JIAODONG"
    assert cl.loc["F12", "host_county_adcodes"] == "370116;370117"
    assert cl.loc["N03", "location_quality"] == "city_centroid"


def test_cluster_points_lie_in_their_host_county() -> None:
    from geo.boundaries import load_counties

    counties = load_counties().set_index("adcode")
    cl = sites.load_clusters()
    placed = cl[cl["location_quality"] == "county_centroid"]
    for rec in placed.itertuples():
        host = rec.host_county_adcodes.split(";")[0]
        assert counties.loc[host, "geometry"].contains(rec.geometry), rec.cluster_id


def test_cluster_zones_relation() -> None:
    cz = sites.cluster_zones("2013")
    f13 = cz[cz["cluster_id"] == "F13"].set_index("zone_code")["relation"]
    assert (
        f13["WEST"] == "in" and f13["CAP"] == "partly"
    )  # 禹城 is in CAP and WEST, 临沂/济宁 only WEST


def test_htz_short_name() -> None:
    assert sites.htz_short_name("威海火炬高技术产业开发区") == "威海高新区"


def test_htz_short_name_nested_brackets() -> None:
    assert sites.htz_short_name("寿光高新技术产业开发区 (潍坊(寿光)高新区)") == "寿光高新区"
