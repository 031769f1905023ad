"""Administrative layers: counts, tiling, nesting, datum of the shipped coordinates, crosswalk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from geo import boundaries
from geo.measure import geodesic_area_km2

try:
    import eviltransform
except ImportError:  # the needs marker skips (or, under CI, fails) these tests
    eviltransform = None
SAMPLE = Path(__file__).parents[1] / "data" / "gcj02_source_sample.json"


def test_counts_and_codes() -> None:
    counties, cities, province = (
        boundaries.load_counties(),
        boundaries.load_cities(),
        boundaries.load_province(),
    )
    assert len(counties) == 136 and counties["adcode"].is_unique
    assert len(cities) == 16 and len(province) == 1
    assert counties["adcode"].str.fullmatch(r"37\d{4}").all()
    assert set(counties["city_adcode"]) == set(cities["adcode"])
    assert cities["n_counties"].sum() == 136
    assert counties.crs.to_epsg() == 4326
    assert counties[["name_zh", "name_en"]].notna().all().all()


def test_counties_tile_the_province_without_gaps_or_overlaps() -> None:
    counties = boundaries.load_counties()
    geoms = counties.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)  # no overlaps, edges match exactly
    union = shapely.coverage_union_all(geoms)
    province = boundaries.load_province().geometry.iloc[0]
    assert shapely.equals(union, province)


def test_cities_are_dissolves_of_their_counties() -> None:
    counties = boundaries.load_counties()
    for city in boundaries.load_cities().itertuples():
        members = counties.loc[counties["city_adcode"] == city.adcode].geometry.to_numpy()
        assert shapely.equals(shapely.coverage_union_all(members), city.geometry), city.name_zh


def test_geodesic_area_of_province_and_cities_equals_sum_of_parts() -> None:
    counties, cities = boundaries.load_counties(), boundaries.load_cities()
    province = boundaries.load_province()
    county_area = geodesic_area_km2(counties)
    total = float(geodesic_area_km2(province).iloc[0])
    assert total == pytest.approx(county_area.sum(), rel=1e-9)
    assert 150_000 < total < 165_000  # Shandong: about 158,000 km² of land
    by_city = county_area.groupby(counties["city_adcode"]).sum()
    city_area = geodesic_area_km2(cities).set_axis(cities["adcode"])
    np.testing.assert_allclose(city_area.sort_index(), by_city.sort_index(), rtol=1e-9)


@pytest.mark.needs("eviltransform")
def test_shipped_coordinates_are_wgs84_converted_from_gcj02_source() -> None:
    raw = json.loads(SAMPLE.read_text(encoding="utf-8"))["geometries"]
    counties = boundaries.load_counties().set_index("adcode")
    for code, gj in raw.items():
        src = shapely.get_coordinates(shapely.from_geojson(json.dumps(gj)))
        ours = shapely.get_coordinates(counties.loc[code, "geometry"])
        ref = np.array([eviltransform.gcj2wgs_exact(lat, lon) for lon, lat in src])[:, ::-1]
        # same vertices (as sets of rounded points): ours match the independent inverse within 1 m
        ours_set = {tuple(p) for p in np.round(ours, 6)}
        ref_round = np.round(ref, 6)
        dist_m = []
        for p_ref in ref_round[:: max(1, len(ref_round) // 200)]:
            d = np.hypot(*(ours - p_ref).T).min() * 111_320
            dist_m.append(d)
        assert max(dist_m) < 1.0, code
        assert len(ours_set) > 0.9 * len({tuple(p) for p in np.round(src, 6)})
        shift = np.hypot(
            (src[:, 0] - ref[:, 0]) * 111_320 * np.cos(np.radians(ref[:, 1])),
            (src[:, 1] - ref[:, 1]) * 110_574,
        )
        assert shift.min() > 300 and shift.max() < 600, code


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("370102", ["370102"]),
        ("莱芜市", ["370116", "370117"]),
        ("即墨市", ["370215"]),
        ("370802", ["370811"]),  # 济宁市中区 merged into 任城区
        ("济宁市中区", ["370811"]),
        ("长岛县", ["370614"]),
        ("枣庄市市中区", ["370402"]),
    ],
)
def test_resolve_unit_through_crosswalk(query: str, expected: list[str]) -> None:
    assert boundaries.resolve_unit(query) == expected


def test_resolve_unit_ambiguous_and_unknown() -> None:
    with pytest.raises(boundaries.UnknownUnitError, match="ambiguous"):
        boundaries.resolve_unit("市中区")
    with pytest.raises(boundaries.UnknownUnitError, match="6-digit"):
        boundaries.resolve_unit("Atlantis")
