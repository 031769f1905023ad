"""Firm → county join: identical to geopandas.sjoin, deterministic on boundaries, Dask agrees.

The reference everywhere is ``geopandas.sjoin`` called here directly (not through the module):
``predicate="within"`` for ``boundary="none"``, then ``predicate="intersects"`` with the lowest
adcode for the points left over under ``boundary="lowest_adcode"``.
"""

from __future__ import annotations

import pickle

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from geo.boundaries import load_counties
from geo.joins import (
    BOUNDARY_RULES,
    BoundaryRule,
    CountyIndex,
    JoinInputError,
    join_counties,
    join_lonlat,
)

ISLAND_COUNTIES = {"370614": "蓬莱区 (长岛)", "371082": "荣成市", "370211": "黄岛区"}


# -- fixtures and the independent reference -----------------------------------------------------


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    return load_counties()


@pytest.fixture(scope="module")
def coarse(counties: gpd.GeoDataFrame) -> CountyIndex:
    """A deliberately coarse grid: far more points take the exact path."""
    return CountyIndex.build(counties, cell_deg=0.03)


def _points(x: np.ndarray, y: np.ndarray, index: pd.Index | None = None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326", index=index)


def _reference(
    points: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, rule: BoundaryRule
) -> pd.Series:
    right = counties[["adcode", "geometry"]]
    within = gpd.sjoin(points, right, predicate="within", how="left")
    out = within.groupby(level=0, sort=False)["adcode"].min().reindex(points.index)
    if rule == "lowest_adcode":
        left = points[out.isna().to_numpy()]
        if len(left):
            touch = gpd.sjoin(left, right, predicate="intersects", how="inner")
            out.loc[touch.index.unique()] = touch.groupby(level=0)["adcode"].min()
    return out.astype("str").rename("adcode")


def _check(
    points: gpd.GeoDataFrame,
    counties: gpd.GeoDataFrame,
    rule: BoundaryRule,
    index: CountyIndex | None = None,
) -> pd.Series:
    """join_counties (on ``index`` if given) must equal the sjoin reference exactly."""
    got = join_counties(points, boundary=rule, counties=index)  # type: ignore[arg-type]
    pd.testing.assert_series_equal(got, _reference(points, counties, rule))
    return got


@pytest.fixture(scope="module")
def random_points(counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(20240601)
    xmin, ymin, xmax, ymax = counties.total_bounds
    n = 100_000
    index = pd.Index(rng.permutation(n) * 7 + 3, name="firm")  # not a RangeIndex
    return _points(rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n), index)


@pytest.fixture(scope="module")
def boundary_points(counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Vertices (exactly on boundaries), edge midpoints and points 1e-10° off the vertices."""
    rng = np.random.default_rng(7)
    coords = shapely.get_coordinates(counties.geometry.to_numpy())
    coords = np.unique(coords, axis=0)
    vert = coords[rng.choice(len(coords), 6_000, replace=False)]
    rings = shapely.get_rings(shapely.get_parts(counties.geometry.to_numpy()))
    ring_xy, ring_id = shapely.get_coordinates(rings, return_index=True)
    seg = np.flatnonzero(ring_id[:-1] == ring_id[1:])
    seg = seg[rng.choice(len(seg), 3_000, replace=False)]
    mid = (ring_xy[seg] + ring_xy[seg + 1]) / 2
    jitter = vert[:3_000] + rng.choice([-1e-10, 0.0, 1e-10], size=(3_000, 2))
    xy = np.vstack([vert, mid, jitter])
    return _points(xy[:, 0], xy[:, 1])


# -- identical to sjoin -------------------------------------------------------------------------


@pytest.mark.parametrize("rule", BOUNDARY_RULES)
def test_random_points_match_sjoin(
    random_points: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, rule: BoundaryRule
) -> None:
    got = _check(random_points, counties, rule)
    assert got.index.equals(random_points.index)
    assert 0.3 < got.notna().mean() < 0.7  # the bounding box is about half land


def test_random_points_match_sjoin_on_a_coarse_grid(
    random_points: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, coarse: CountyIndex
) -> None:
    for rule in BOUNDARY_RULES:
        _check(random_points, counties, rule, coarse)


@pytest.mark.parametrize("rule", BOUNDARY_RULES)
def test_boundary_points_match_the_reference(
    boundary_points: gpd.GeoDataFrame,
    counties: gpd.GeoDataFrame,
    coarse: CountyIndex,
    rule: BoundaryRule,
) -> None:
    got = _check(boundary_points, counties, rule)
    pd.testing.assert_series_equal(
        join_counties(boundary_points, boundary=rule, counties=coarse), got
    )


def test_vertices_are_within_no_county_but_touch_the_lowest(
    boundary_points: gpd.GeoDataFrame, counties: gpd.GeoDataFrame
) -> None:
    vertices = boundary_points.iloc[:6_000]
    assert join_counties(vertices, boundary="none").isna().all()  # within excludes the boundary
    lowest = join_counties(vertices, boundary="lowest_adcode")
    assert lowest.notna().all()
    # a vertex shared by three or more counties goes to the smallest of their codes
    xy = shapely.get_coordinates(counties.geometry.to_numpy(), return_index=False)
    owner = np.repeat(
        counties["adcode"].to_numpy(), shapely.get_num_coordinates(counties.geometry.to_numpy())
    )
    table = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "adcode": owner}).drop_duplicates()
    shared = table.groupby(["x", "y"])["adcode"].agg(["min", "nunique"])
    triple = shared[shared["nunique"] >= 3].head(50)
    assert len(triple) >= 10
    x, y = (triple.index.get_level_values(k).to_numpy() for k in ("x", "y"))
    got = join_lonlat(x, y, boundary="lowest_adcode")
    assert got.tolist() == triple["min"].tolist()


def test_points_exactly_on_grid_lines(counties: gpd.GeoDataFrame) -> None:
    index = CountyIndex.default()
    rng = np.random.default_rng(11)
    ny, nx = index.shape
    i, j = rng.integers(0, nx, 20_000), rng.integers(0, ny, 20_000)
    x = index.origin[0] + i * index.cell_deg
    y = index.origin[1] + j * index.cell_deg
    for rule in BOUNDARY_RULES:
        _check(_points(x, y), counties, rule)


def test_engines_agree(boundary_points: gpd.GeoDataFrame, random_points: gpd.GeoDataFrame) -> None:
    pts = pd.concat([boundary_points.iloc[::5], random_points.iloc[:5_000]])
    for rule in BOUNDARY_RULES:
        grid = join_counties(pts, boundary=rule)
        pd.testing.assert_series_equal(join_counties(pts, boundary=rule, engine="sjoin"), grid)
        lonlat = join_lonlat(pts.geometry.x, pts.geometry.y, boundary=rule, index=pts.index)
        pd.testing.assert_series_equal(lonlat, grid)


# -- islands, outside, missing, empty -----------------------------------------------------------


@pytest.mark.parametrize("adcode", sorted(ISLAND_COUNTIES))
def test_islands_go_to_their_county(counties: gpd.GeoDataFrame, adcode: str) -> None:
    geom = counties.loc[counties["adcode"] == adcode, "geometry"].iloc[0]
    parts = shapely.get_parts(geom)
    islands = parts[np.argsort(shapely.area(parts))[:-1]]  # every part but the largest
    assert len(islands) >= 5, ISLAND_COUNTIES[adcode]
    pts = gpd.GeoDataFrame(geometry=shapely.point_on_surface(islands), crs="EPSG:4326")
    for rule in BOUNDARY_RULES:
        got = _check(pts, counties, rule)
        assert (got == adcode).all(), ISLAND_COUNTIES[adcode]


def test_outside_missing_and_empty_points_are_na() -> None:
    geoms = [
        Point(0, 0),
        Point(116.4, 39.9),
        Point(123.5, 36.0),
        None,
        Point(),
        Point(117.02, 36.67),
    ]
    pts = gpd.GeoSeries(geoms, crs="EPSG:4326", index=list("abcdef"))
    for engine in ("grid", "sjoin"):
        got = join_counties(pts, engine=engine)  # type: ignore[arg-type]
        assert got.isna().tolist() == [True] * 5 + [False]
        assert got.index.tolist() == list("abcdef") and got.name == "adcode"
        assert got.iloc[-1] == "370102"  # 历下区, Jinan
    nan = join_lonlat([np.nan, 117.02, np.inf], [36.67, np.nan, 36.67])
    assert nan.isna().all()


def test_empty_input() -> None:
    empty = gpd.GeoSeries([], crs="EPSG:4326", index=pd.Index([], name="firm"))
    for engine in ("grid", "sjoin"):
        got = join_counties(empty, engine=engine)  # type: ignore[arg-type]
        assert len(got) == 0 and got.dtype == "str" and got.index.name == "firm"
    assert len(join_lonlat([], [])) == 0
    assert len(join_counties(gpd.GeoDataFrame(geometry=empty))) == 0


def test_cgcs2000_is_accepted_as_wgs84() -> None:
    pts = gpd.GeoSeries([Point(117.02, 36.67)], crs="EPSG:4490")
    assert join_counties(pts).tolist() == ["370102"]


# -- custom counties: the rules on shapes small enough to check by hand -------------------------


def _toy() -> gpd.GeoDataFrame:
    """'200' = [0,1]² with a hole filled by '300', '100' = [1,2]×[0,1], '050' = an island."""
    hole = box(0.25, 0.25, 0.75, 0.75)
    return gpd.GeoDataFrame(
        {"adcode": ["200", "100", "300", "050"]},
        geometry=[box(0, 0, 1, 1).difference(hole), box(1, 0, 2, 1), hole, box(3, 3, 3.01, 3.01)],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("cell", [None, 0.1, 0.003])
def test_toy_counties_by_hand(cell: float | None) -> None:
    toy = _toy()
    index = CountyIndex.build(toy, cell_deg=cell)
    x = [0.1, 1.5, 0.5, 3.005, 1.0, 0.25, 2.0, 1.0, 5.0, 0.25]
    y = [0.1, 0.5, 0.5, 3.005, 0.5, 0.5, 0.5, 1.0, 5.0, 0.25]
    expected_none = ["200", "100", "300", "050"] + [None] * 6
    # on the 100|200 edge -> 100; on the hole ring -> 200 < 300; outer edges -> their county;
    # (1, 1) is a corner of 200 and 100 -> 100; (5, 5) is nowhere
    expected_low = ["200", "100", "300", "050", "100", "200", "100", "100", None, "200"]
    got_none = join_lonlat(x, y, counties=index, boundary="none")
    got_low = join_lonlat(x, y, counties=index, boundary="lowest_adcode")
    assert [v if isinstance(v, str) else None for v in got_none] == expected_none
    assert [v if isinstance(v, str) else None for v in got_low] == expected_low
    pts = _points(np.array(x), np.array(y))
    for rule in BOUNDARY_RULES:
        _check(pts, toy, rule, index)


def test_overlapping_counties_give_the_lowest_adcode() -> None:
    # codes of different lengths also take the general (dictionary) string path
    over = gpd.GeoDataFrame(
        {"adcode": ["B", "AA"]}, geometry=[box(0, 0, 2, 2), box(1, 1, 3, 3)], crs="EPSG:4326"
    )
    got = join_lonlat([0.5, 1.5, 2.5, 9.0], [0.5, 1.5, 2.5, 9.0], counties=over, boundary="none")
    assert got.iloc[:3].tolist() == ["B", "AA", "AA"] and pd.isna(got.iloc[3])
    pd.testing.assert_series_equal(
        join_lonlat([0.5, 1.5, 2.5, 9.0], [0.5, 1.5, 2.5, 9.0], counties=over, engine="sjoin"), got
    )


# -- the index object ---------------------------------------------------------------------------


def test_index_is_cached_and_pickles(counties: gpd.GeoDataFrame) -> None:
    assert CountyIndex.default() is CountyIndex.default()
    assert CountyIndex.cached(counties) is CountyIndex.cached(counties.copy())
    index = CountyIndex.default()
    assert 0 < index.boundary_fraction < 0.1 and "136 counties" in repr(index)
    clone = pickle.loads(pickle.dumps(index))
    assert clone.fingerprint() == index.fingerprint()
    rng = np.random.default_rng(5)
    x, y = rng.uniform(115, 123, 20_000), rng.uniform(34, 38.5, 20_000)
    np.testing.assert_array_equal(clone.lookup(x, y), index.lookup(x, y))
    assert clone.lookup(x, y, chunk_size=777).tolist() == index.lookup(x, y).tolist()
    threaded = index.lookup(x, y, chunk_size=3_000, threads=3)  # grid part in threads
    np.testing.assert_array_equal(threaded, index.lookup(x, y, threads=1))
    pd.testing.assert_series_equal(
        index.to_adcodes(threaded, threads=4), index.to_adcodes(threaded, threads=1)
    )


# -- errors: typed, every problem at once -------------------------------------------------------


def test_errors_list_every_problem() -> None:
    pts = gpd.GeoSeries([Point(117, 36), box(0, 0, 1, 1)])  # no CRS and a polygon
    with pytest.raises(JoinInputError) as err:
        join_counties(pts, engine="spark", boundary="nearest")  # type: ignore[arg-type]
    text = str(err.value)
    for fragment in ("engine='spark'", "boundary='nearest'", "no CRS", "non-point", "Polygon"):
        assert fragment in text
    assert len(err.value.problems) == 4 and isinstance(err.value, ValueError)
    with pytest.raises(JoinInputError, match="to_crs"):
        join_counties(gpd.GeoSeries([Point(500000, 4000000)], crs="EPSG:32650"))
    with pytest.raises(JoinInputError, match="lon has 2 values and lat 1"):
        join_lonlat([1.0, 2.0], [1.0])
    with pytest.raises(JoinInputError, match="GeoSeries/GeoDataFrame"):
        join_counties(pd.DataFrame({"x": [1]}))
    bad = gpd.GeoDataFrame({"code": ["1", "1"]}, geometry=[Point(0, 0), box(0, 0, 1, 1)])
    with pytest.raises(JoinInputError) as err:
        CountyIndex.build(bad, cell_deg=-1)
    assert len(err.value.problems) == 4  # cell_deg, no adcode, no CRS, a point
    with pytest.raises(JoinInputError) as err:  # bad counties and bad points, reported together
        join_counties(gpd.GeoSeries([box(0, 0, 1, 1)], crs="EPSG:4326"), counties=bad)
    assert len(err.value.problems) == 4 and "non-point" in str(err.value)
    with pytest.raises(JoinInputError, match="prebuilt CountyIndex"):
        join_lonlat([117.0], [36.6], counties=CountyIndex.default(), cell_deg=0.01)
    with pytest.raises(JoinInputError, match="cell_deg=1e-05"):
        join_lonlat([117.0], [36.6], cell_deg=1e-5)


def test_lonlat_series_keep_their_index() -> None:
    lon = pd.Series([117.02, 0.0], index=["jinan", "null island"])
    got = join_lonlat(lon, [36.67, 0.0])
    assert got.index.tolist() == ["jinan", "null island"] and got.iloc[0] == "370102"


# -- Dask engine on a local distributed cluster -------------------------------------------------


def test_dask_engine_equals_grid_on_a_local_cluster(
    dask_client: object, random_points: gpd.GeoDataFrame, boundary_points: gpd.GeoDataFrame
) -> None:
    import dask_geopandas

    pts = pd.concat([random_points.iloc[:20_000], boundary_points.iloc[::4]])
    for rule in BOUNDARY_RULES:
        grid = join_counties(pts, boundary=rule)
        pd.testing.assert_series_equal(
            join_counties(pts, boundary=rule, engine="dask", npartitions=5), grid
        )
        lonlat = join_lonlat(
            pts.geometry.x, pts.geometry.y, boundary=rule, engine="dask", index=pts.index
        )
        pd.testing.assert_series_equal(lonlat, grid)
    small = pts.iloc[:6_000]
    lazy = join_counties(dask_geopandas.from_geopandas(small, npartitions=3, sort=False))
    pd.testing.assert_series_equal(lazy.compute(), join_counties(small))
