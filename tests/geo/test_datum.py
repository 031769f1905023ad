"""GCJ-02 / BD-09 conversion: round trips, an independent implementation, known offsets."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo import datum

pytestmark = pytest.mark.needs("eviltransform")
try:
    import eviltransform
except ImportError:  # the needs marker skips (or, under CI, fails) these tests
    eviltransform = None

RNG = np.random.default_rng(20150123)
LON = RNG.uniform(114.8, 122.7, 500)
LAT = RNG.uniform(34.4, 38.4, 500)
M_PER_DEG = 111_320.0


def test_forward_matches_independent_implementation() -> None:
    ours = datum.wgs84_to_gcj02(LON, LAT)
    theirs = np.array([eviltransform.wgs2gcj(la, lo) for lo, la in zip(LON, LAT, strict=True)])
    assert np.abs(ours[0] - theirs[:, 1]).max() * M_PER_DEG < 0.05
    assert np.abs(ours[1] - theirs[:, 0]).max() * M_PER_DEG < 0.05


def test_exact_inverse_round_trips_and_matches_eviltransform_exact() -> None:
    g_lon, g_lat = datum.wgs84_to_gcj02(LON, LAT)
    w_lon, w_lat = datum.gcj02_to_wgs84(g_lon, g_lat)
    assert np.abs(w_lon - LON).max() < 1e-12 and np.abs(w_lat - LAT).max() < 1e-12
    ref = np.array(
        [eviltransform.gcj2wgs_exact(la, lo) for lo, la in zip(g_lon, g_lat, strict=True)]
    )
    assert np.abs(w_lon - ref[:, 1]).max() * M_PER_DEG < 1.0
    assert np.abs(w_lat - ref[:, 0]).max() * M_PER_DEG < 1.0


def test_offset_in_shandong_is_a_few_hundred_metres() -> None:
    g_lon, g_lat = datum.wgs84_to_gcj02(LON, LAT)
    metres = np.hypot((g_lon - LON) * M_PER_DEG * np.cos(np.radians(LAT)), (g_lat - LAT) * 110_574)
    assert metres.min() > 250 and metres.max() < 700


def test_known_point_jinan_quancheng_square() -> None:
    # WGS-84 117.0130, 36.6610 -> GCJ-02, checked against eviltransform's forward transform
    lon, lat = datum.wgs84_to_gcj02(117.0130, 36.6610)
    e_lat, e_lon = eviltransform.wgs2gcj(36.6610, 117.0130)
    assert float(lon) == pytest.approx(e_lon, abs=1e-6)
    assert float(lat) == pytest.approx(e_lat, abs=1e-6)
    assert float(lon) > 117.0130 and float(lat) > 36.6610  # GCJ-02 shifts NE here


def test_bd09_round_trip_and_independent_forward() -> None:
    b_lon, b_lat = datum.wgs84_to_bd09(LON, LAT)
    theirs = np.array([eviltransform.wgs2bd(la, lo) for lo, la in zip(LON, LAT, strict=True)])
    assert np.abs(b_lon - theirs[:, 1]).max() * M_PER_DEG < 0.05
    w_lon, w_lat = datum.bd09_to_wgs84(b_lon, b_lat)
    assert np.abs(w_lon - LON).max() < 1e-9 and np.abs(w_lat - LAT).max() < 1e-9


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wgs84", datum.Datum.WGS84),
        ("WGS-84", datum.Datum.WGS84),
        ("EPSG:4326", datum.Datum.WGS84),
        ("cgcs2000", datum.Datum.CGCS2000),
        ("GCJ-02", datum.Datum.GCJ02),
        ("gcj02", datum.Datum.GCJ02),
        ("bd09", datum.Datum.BD09),
    ],
)
def test_parse_datum_accepts_common_spellings(name: str, expected: datum.Datum) -> None:
    assert datum.parse_datum(name) is expected


def test_parse_datum_error_lists_valid_names() -> None:
    with pytest.raises(datum.DatumError, match="wgs84, cgcs2000, gcj02, bd09"):
        datum.parse_datum("mercator")


def test_to_wgs84_passes_cgcs2000_through() -> None:
    lon, lat = datum.to_wgs84([117.0], [36.6], "cgcs2000")
    assert lon[0] == 117.0 and lat[0] == 36.6


def test_transform_geometries_keeps_shared_edges_shared() -> None:
    a = shapely.box(117.0, 36.0, 117.5, 36.5)
    b = shapely.box(117.5, 36.0, 118.0, 36.5)
    a2, b2 = datum.transform_geometries(np.array([a, b]), "gcj02", "wgs84")
    assert shapely.coverage_is_valid(np.array([a2, b2]))
    shared = a2.intersection(b2)
    assert shared.geom_type == "LineString" and shared.length > 0.49
