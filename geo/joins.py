"""Firm → county join: exact, vectorised, and the same answer as ``geopandas.sjoin``.

Every analysis and every scenario starts by putting firms (points) into counties. This module
does that for millions of points at array speed, with answers identical to
``geopandas.sjoin(points, counties, predicate="within")``.

How it works (``engine="grid"``)
--------------------------------
:meth:`CountyIndex.build` lays a regular lon/lat grid over the counties and classifies each
cell once:

* a cell that no county boundary touches lies wholly inside one county, or wholly outside
  all of them. Such cells form connected components (``scipy.ndimage.label``) and one
  point-in-polygon test per component labels all of its cells;
* a cell that some boundary touches is a *boundary cell*; it keeps a short list of candidate
  counties (those whose boundary passes through it, plus any that contain its centre), sorted by
  adcode.

Boundary cells are found by cutting every boundary segment into pieces no longer than half a cell
and marking the cells under each piece's bounding box widened by ``1e-9`` degrees, so a cell that
is not marked is at least that far from every boundary: rounding in the cell arithmetic (about
``1e-13`` degrees) cannot put a point in the wrong interior cell. A query is then an array
lookup; only the points that fall in boundary cells (about 2 % of the grid at the default cell
size) go through the exact GEOS test, ``shapely.contains_xy`` against their candidates. The
array work runs in one thread per CPU (numpy and shapely release the GIL); the GEOS tests run in
the calling thread, as prepared geometries are not thread-safe.

Semantics on boundaries
-----------------------
``predicate="within"`` is true only for a point in a polygon's *interior*; a point exactly on a
county edge or vertex is within no county, so ``sjoin`` leaves it unmatched. Two rules:

``boundary="none"``
    reproduce ``sjoin(predicate="within")`` exactly: boundary points get no county (NA).
``boundary="lowest_adcode"`` (default)
    a point in no county's interior but on the boundary of one or more counties goes to the
    lowest adcode among the counties it touches (shared edges and vertices, and a county's
    outer coastline). Points in an interior are unaffected, so this differs from ``sjoin`` only
    on boundary points, deterministically.

If user-supplied counties overlap (the shipped ones form an exact coverage and do not), a point
inside several counties gets the lowest adcode among them, where ``sjoin`` would return one row
per county.

Engines
-------
``"grid"``  the precomputed grid (fast path, default);
``"sjoin"`` ``geopandas.sjoin`` itself (the reference; slow);
``"dask"``  the grid lookup run per partition on the current Dask scheduler (a
``dask.distributed`` client if one is active), identical results. Needs the ``dask`` extra
(``dask-geopandas``, ``distributed``).

Examples
--------
>>> from geo.joins import join_lonlat
>>> join_lonlat([117.02, 122.50, 0.0], [36.67, 37.20, 0.0]).tolist()
['370102', '371082', nan]
"""

from __future__ import annotations

import hashlib
import itertools
import math
import numbers
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from geo._dask import active_client, default_partitions, import_dask, is_dask_collection

if TYPE_CHECKING:
    from collections.abc import Hashable

__all__ = [
    "BOUNDARY_RULES",
    "ENGINES",
    "BoundaryRule",
    "CountyIndex",
    "Engine",
    "JoinInputError",
    "join_counties",
    "join_lonlat",
]

BoundaryRule = Literal["lowest_adcode", "none"]
Engine = Literal["grid", "sjoin", "dask"]

BOUNDARY_RULES: tuple[BoundaryRule, ...] = ("lowest_adcode", "none")
ENGINES: tuple[Engine, ...] = ("grid", "sjoin", "dask")

#: Cells are marked as boundary cells within this distance (degrees) of a boundary piece.
_EPS = 1e-9
#: Default grid size aimed at; about 16 MB of int32 labels.
_TARGET_CELLS = 4_000_000
_MIN_CELL, _MAX_CELL = 5e-4, 0.05
#: Largest grid accepted (about 0.9 GB of int32 labels plus temporaries while building).
_MAX_CELLS = 200_000_000
#: Points per chunk in a lookup: bounds the temporaries (about 40 bytes per point).
_CHUNK = 1 << 20
#: EPSG codes treated as the storage CRS (CGCS2000 equals WGS-84 to centimetres).
_LONLAT_EPSG = (4326, 4490)
_OUTSIDE = -1
#: Fewest points worth a thread of their own.
_MIN_PER_THREAD = 250_000

_T = TypeVar("_T")

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


class JoinInputError(ValueError):
    """Bad input to a county join; the message lists every problem found, with its fix."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) with the county join input:\n{lines}")


def _option_problems(
    *, engine: object = "grid", boundary: object = "lowest_adcode", cell_deg: object = None
) -> list[str]:
    problems = []
    if engine not in ENGINES:
        problems.append(
            f"engine={engine!r} is not one of {', '.join(ENGINES)}; "
            "use engine='grid' (fast) unless you need the sjoin reference or Dask"
        )
    if boundary not in BOUNDARY_RULES:
        problems.append(
            f"boundary={boundary!r} is not one of {', '.join(BOUNDARY_RULES)}; "
            "use 'none' to reproduce geopandas.sjoin(predicate='within') exactly"
        )
    if cell_deg is not None and not (
        isinstance(cell_deg, numbers.Real)
        and not isinstance(cell_deg, bool)
        and _MIN_CELL <= float(cell_deg) <= 1.0
    ):
        problems.append(
            f"cell_deg={cell_deg!r} must be None (automatic) or a number of degrees "
            f"in [{_MIN_CELL:g}, 1]; try 0.0025"
        )
    return problems


def _is_lonlat(crs: Any) -> bool:
    if crs is None:
        return False
    epsg = CRS.from_user_input(crs).to_epsg()
    return epsg in _LONLAT_EPSG


class CountyIndex:
    """A precomputed grid over county polygons, answering point → county by array lookup.

    Build it once with :meth:`build` (or take the cached one for the shipped counties with
    :meth:`default`) and reuse it: a lookup never rebuilds anything. The object pickles (to ship
    it to Dask workers); the grid is compressed in the pickle.

    Attributes
    ----------
    adcodes : numpy.ndarray
        County codes; a county id returned by :meth:`lookup` is a position in this array.
    geometries : numpy.ndarray
        The county (multi)polygons (shapely, prepared), in the same order.
    cell_deg : float
        Grid cell size in degrees.
    shape : tuple of int
        ``(ny, nx)`` cells.
    n_boundary_cells : int
        Cells that some county boundary touches (their points get the exact test).
    crs : pyproj.CRS
        CRS of the counties (EPSG:4326 or EPSG:4490).
    """

    def __init__(
        self,
        *,
        adcodes: npt.NDArray[np.object_],
        geometries: npt.NDArray[np.object_],
        origin: tuple[float, float],
        cell_deg: float,
        shape: tuple[int, int],
        grid: IntArray,
        candidates: IntArray,
        crs: CRS,
    ) -> None:
        self.adcodes = adcodes
        self.geometries = geometries
        self.origin = origin
        self.cell_deg = cell_deg
        self.shape = shape
        self.crs = crs
        self._grid = grid
        self._candidates = candidates
        shapely.prepare(self.geometries)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def build(cls, counties: gpd.GeoDataFrame, *, cell_deg: float | None = None) -> CountyIndex:
        """Precompute the grid for ``counties``.

        Parameters
        ----------
        counties : geopandas.GeoDataFrame
            Columns ``adcode`` (unique, non-null) and polygonal ``geometry`` in EPSG:4326
            (or EPSG:4490), e.g. :func:`geo.boundaries.load_counties`.
        cell_deg : float, optional
            Cell size in degrees. Default: about 4 million cells over the counties' bounding
            box (0.0028° ≈ 300 m for Shandong), clipped to [0.0005, 0.05].

        Returns
        -------
        CountyIndex

        Raises
        ------
        JoinInputError
            Listing every problem: missing columns, duplicate or null adcodes, non-polygonal,
            empty or invalid geometries, a missing or projected CRS, a bad ``cell_deg``.
        """
        problems = _option_problems(cell_deg=cell_deg)
        problems += _county_problems(counties)
        if problems:
            raise JoinInputError(problems)
        adcodes = np.asarray(counties["adcode"].astype(str).to_numpy(), dtype=object)
        geoms = np.array(counties.geometry.array, dtype=object)
        shapely.prepare(geoms)
        return _build(adcodes, geoms, CRS.from_user_input(counties.crs), cell_deg)

    @classmethod
    def default(cls, *, cell_deg: float | None = None) -> CountyIndex:
        """The index of the shipped counties (:func:`geo.boundaries.load_counties`), cached."""
        problems = _option_problems(cell_deg=cell_deg)
        if problems:
            raise JoinInputError(problems)
        with _CACHE_LOCK:
            hit = _SHIPPED.get(cell_deg)
        if hit is not None:
            return hit
        from geo.boundaries import load_counties

        index = cls.build(load_counties(), cell_deg=cell_deg)
        with _CACHE_LOCK:
            return _SHIPPED.setdefault(cell_deg, index)

    @classmethod
    def cached(cls, counties: gpd.GeoDataFrame, *, cell_deg: float | None = None) -> CountyIndex:
        """:meth:`build`, memoised on the content of ``counties`` (last 4 distinct inputs)."""
        problems = _option_problems(cell_deg=cell_deg)
        if not isinstance(counties, gpd.GeoDataFrame) or "adcode" not in counties.columns:
            problems += _county_problems(counties)
        if problems:
            raise JoinInputError(problems)
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update("\x1f".join(counties["adcode"].astype(str)).encode())
        for wkb in shapely.to_wkb(np.asarray(counties.geometry.array, dtype=object)):
            digest.update(wkb if wkb is not None else b"\x00")
        digest.update(str(counties.crs).encode())
        key = (digest.hexdigest(), cell_deg)
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
        if hit is not None:
            return hit
        index = cls.build(counties, cell_deg=cell_deg)
        _remember(key, index)
        return index

    # -- queries ------------------------------------------------------------------------------

    @property
    def n_boundary_cells(self) -> int:
        """Number of boundary cells."""
        return int(self._candidates.shape[0])

    @property
    def boundary_fraction(self) -> float:
        """Share of grid cells that are boundary cells."""
        return self.n_boundary_cells / float(self._grid.size)

    def lookup(
        self,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        boundary: BoundaryRule = "lowest_adcode",
        chunk_size: int = _CHUNK,
        threads: int | None = None,
    ) -> IntArray:
        """County id (position in :attr:`adcodes`) of each point; ``-1`` for none.

        Parameters
        ----------
        lon, lat : array_like of float
            WGS-84 degrees, same length. NaN gives ``-1``.
        boundary : {"lowest_adcode", "none"}
            Rule for points on a county boundary (see the module docstring).
        chunk_size : int
            Points per chunk; bounds temporary memory (about 40 bytes per point).
        threads : int, optional
            Threads for the grid arithmetic (numpy releases the GIL). Default: one per CPU,
            at most one per 250 000 points. The exact GEOS tests always run in the calling
            thread: GEOS prepared geometries are not thread-safe.

        Returns
        -------
        numpy.ndarray of int32
        """
        problems = _option_problems(boundary=boundary)
        x = np.asarray(lon, dtype=np.float64).ravel()
        y = np.asarray(lat, dtype=np.float64).ravel()
        if x.shape != y.shape:
            problems.append(f"lon has {x.size} values and lat {y.size}; pass one of each per point")
        if problems:
            raise JoinInputError(problems)
        shapely.prepare(self.geometries)  # no-op unless unpickled
        out = np.empty(x.size, dtype=np.int32)
        n_threads = _n_threads(x.size, threads)

        def grid_part(span: slice) -> None:
            out[span] = self._grid_codes(x[span], y[span])

        _map_spans(grid_part, _spans(x.size, n_threads, chunk_size), n_threads)
        sel = np.flatnonzero(out <= -2)
        step = max(int(chunk_size), 1)
        for start in range(0, sel.size, step):
            rows = sel[start : start + step]
            out[rows] = self._exact(x[rows], y[rows], -2 - out[rows], boundary)
        return out

    def _grid_codes(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Grid label of each point: county id, -1 outside, or -2 - (boundary cell number)."""
        ny, nx = self.shape
        inv = 1.0 / self.cell_deg
        fx = x - self.origin[0]
        fx *= inv
        fy = y - self.origin[1]
        fy *= inv
        ok = (fx >= 0.0) & (fx < nx) & (fy >= 0.0) & (fy < ny)  # NaN compares False
        outside = ~ok
        fx[outside] = 0.0
        fy[outside] = 0.0
        flat = fy.astype(np.int32)
        flat *= nx
        flat += fx.astype(np.int32)
        code = self._grid[flat]
        code[outside] = _OUTSIDE
        return code

    def _exact(self, x: FloatArray, y: FloatArray, cells: IntArray, boundary: str) -> IntArray:
        """Exact GEOS test of points against the candidates of their boundary cells."""
        cand = self._candidates[cells]
        res = np.full(x.size, _OUTSIDE, dtype=np.int32)
        tests = [shapely.contains_xy]
        if boundary == "lowest_adcode":
            tests.append(shapely.intersects_xy)
        for test in tests:
            for k in range(cand.shape[1]):
                rows = np.flatnonzero((res == _OUTSIDE) & (cand[:, k] >= 0))
                if not rows.size:
                    break
                county = cand[rows, k]
                hit = test(self.geometries[county], x[rows], y[rows])
                res[rows[hit]] = county[hit]
        return res

    def to_adcodes(
        self,
        ids: npt.ArrayLike,
        *,
        index: pd.Index | None = None,
        name: Hashable = "adcode",
        threads: int | None = None,
    ) -> pd.Series:
        """Turn county ids from :meth:`lookup` into a Series of adcode strings (NaN for none)."""
        ids_a = np.asarray(ids, dtype=np.int32)
        return _adcode_series(self.adcodes, ids_a, index, name, _n_threads(ids_a.size, threads))

    def counties(self) -> gpd.GeoDataFrame:
        """The indexed counties as a GeoDataFrame (``adcode``, ``geometry``)."""
        return gpd.GeoDataFrame(
            {"adcode": pd.array(self.adcodes, dtype="str")},
            geometry=gpd.GeoSeries(self.geometries, crs=self.crs).array,
            crs=self.crs,
        )

    def fingerprint(self) -> str:
        """Content hash (adcodes, geometries, grid): equal indexes have equal fingerprints."""
        token = self.__dict__.get("_token")
        if token is None:
            digest = hashlib.sha1(usedforsecurity=False)
            digest.update("\x1f".join(self.adcodes.astype(str)).encode())
            for wkb in shapely.to_wkb(self.geometries):
                digest.update(wkb)
            digest.update(repr((self.origin, self.cell_deg, self.shape)).encode())
            token = digest.hexdigest()
            self.__dict__["_token"] = token
        return token

    def __dask_tokenize__(self) -> str:
        return self.fingerprint()

    def __repr__(self) -> str:
        ny, nx = self.shape
        return (
            f"CountyIndex({self.adcodes.size} counties, {nx}×{ny} cells of "
            f"{self.cell_deg:g}°, {self.n_boundary_cells} boundary cells)"
        )

    def __getstate__(self) -> dict[str, Any]:
        import zlib

        state = dict(self.__dict__)
        grid = state.pop("_grid")
        state["_grid_z"] = (zlib.compress(grid.tobytes(), 1), grid.shape)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        import zlib

        blob, shape = state.pop("_grid_z")
        state["_grid"] = np.frombuffer(zlib.decompress(blob), dtype=np.int32).reshape(shape)
        self.__dict__.update(state)


#: Indexes of the shipped counties, by cell size (never evicted).
_SHIPPED: dict[float | None, CountyIndex] = {}
#: Indexes of user-supplied counties, by content digest and cell size (least recently used out).
_CACHE: OrderedDict[tuple[str, float | None], CountyIndex] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 4


def _remember(key: tuple[str, float | None], index: CountyIndex) -> None:
    with _CACHE_LOCK:
        _CACHE[key] = index
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


def _county_problems(counties: object) -> list[str]:
    if not isinstance(counties, gpd.GeoDataFrame):
        return [
            f"counties is a {type(counties).__name__}; pass a GeoDataFrame with 'adcode' and "
            "polygon 'geometry' columns such as geo.boundaries.load_counties()"
        ]
    problems = []
    if "adcode" not in counties.columns:
        problems.append(
            f"counties has no 'adcode' column (columns: {list(counties.columns)}); "
            "rename the code column to 'adcode'"
        )
    else:
        codes = counties["adcode"]
        if codes.isna().any():
            rows = np.flatnonzero(codes.isna().to_numpy())[:5].tolist()
            problems.append(f"counties.adcode is null at rows {rows}; every county needs a code")
        dup = codes[codes.duplicated(keep=False) & codes.notna()]
        if len(dup):
            problems.append(
                f"counties.adcode has duplicates {sorted(set(dup.astype(str)))[:5]}; "
                "dissolve them first (counties.dissolve('adcode'))"
            )
    if not _is_lonlat(counties.crs):
        problems.append(
            f"counties CRS is {counties.crs}; expected EPSG:4326 (or EPSG:4490); "
            "use counties.to_crs('EPSG:4326') (or set_crs if it is lon/lat and unset)"
        )
    geoms = np.asarray(counties.geometry.array, dtype=object)
    kind = shapely.get_type_id(geoms)
    bad = np.flatnonzero(~np.isin(kind, (3, 6)) | shapely.is_empty(geoms))
    if bad.size:
        problems.append(
            f"counties geometry at rows {bad[:5].tolist()} is not a non-empty "
            "Polygon/MultiPolygon; drop or fix those rows"
        )
    elif len(geoms):
        invalid = np.flatnonzero(~shapely.is_valid(geoms))
        if invalid.size:
            problems.append(
                f"counties geometry at rows {invalid[:5].tolist()} is invalid; "
                "repair with shapely.make_valid before joining"
            )
    if len(counties) == 0:
        problems.append("counties is empty; pass at least one county")
    return problems


def _auto_cell(bounds: FloatArray) -> float:
    width, height = float(bounds[2] - bounds[0]), float(bounds[3] - bounds[1])
    cell = math.sqrt(max(width * height, 1e-12) / _TARGET_CELLS)
    return float(min(max(cell, _MIN_CELL), _MAX_CELL))


def _build(
    adcodes: npt.NDArray[np.object_],
    geoms: npt.NDArray[np.object_],
    crs: CRS,
    cell_deg: float | None,
) -> CountyIndex:
    from scipy import ndimage

    bounds = shapely.total_bounds(geoms)
    cell = float(cell_deg) if cell_deg is not None else _auto_cell(bounds)
    # one empty cell of margin on every side, so the outermost cells are "outside"
    x0, y0 = float(bounds[0]) - cell, float(bounds[1]) - cell
    nx = math.ceil((bounds[2] - x0) / cell) + 2
    ny = math.ceil((bounds[3] - y0) / cell) + 2
    if nx * ny > _MAX_CELLS:
        raise JoinInputError(
            [
                f"cell_deg={cell:g} gives {nx}×{ny} cells over these counties "
                f"(at most {_MAX_CELLS:,}); use a larger cell_deg"
            ]
        )
    n = geoms.size
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(adcodes.astype(str), kind="stable")] = np.arange(n)

    cell_ids, county_ids = _boundary_marks(geoms, x0, y0, cell, nx)
    marked = np.zeros(nx * ny, dtype=bool)
    marked[cell_ids] = True

    # interior and outside cells: one label per connected component of unmarked cells
    comp, _ = ndimage.label(~marked.reshape(ny, nx))
    comp = comp.ravel()
    first = np.unique(comp, return_index=True)[1]  # first cell of component 0 (marked), 1, 2...
    rep = first[1:] if comp[first[0]] == 0 else first
    comp_county = _containing(geoms, rank, *_centres(rep, x0, y0, cell, nx))
    grid = np.full(nx * ny, _OUTSIDE, dtype=np.int32)
    lut = np.concatenate([[_OUTSIDE], comp_county]).astype(np.int32)
    grid[:] = lut[comp]

    # boundary cells: candidates = counties marking the cell + any containing its centre
    bcells = np.flatnonzero(marked)
    grid[bcells] = -2 - np.arange(bcells.size, dtype=np.int32)
    bpos = np.searchsorted(bcells, cell_ids)
    centre_county = _containing(geoms, rank, *_centres(bcells, x0, y0, cell, nx))
    inside = np.flatnonzero(centre_county >= 0)
    pair_cell = np.concatenate([bpos, inside])
    pair_county = np.concatenate([county_ids, centre_county[inside]])
    key = np.unique(pair_cell.astype(np.int64) * n + rank[pair_county])
    pair_cell, pair_rank = key // n, key % n
    by_rank = np.argsort(rank)
    starts = np.searchsorted(pair_cell, np.arange(bcells.size))
    slot = np.arange(pair_cell.size) - starts[pair_cell]
    kmax = int(slot.max()) + 1 if slot.size else 1
    candidates = np.full((bcells.size, kmax), _OUTSIDE, dtype=np.int32)
    candidates[pair_cell, slot] = by_rank[pair_rank]

    return CountyIndex(
        adcodes=adcodes,
        geometries=geoms,
        origin=(x0, y0),
        cell_deg=cell,
        shape=(ny, nx),
        grid=grid,
        candidates=candidates,
        crs=crs,
    )


def _boundary_marks(
    geoms: npt.NDArray[np.object_], x0: float, y0: float, cell: float, nx: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(cell, county) pairs for every cell within ``_EPS`` of a county's boundary."""
    parts, part_county = shapely.get_parts(shapely.boundary(geoms), return_index=True)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    seg = np.flatnonzero(part[:-1] == part[1:])
    county = part_county[part[seg]]
    ax, ay = coords[seg, 0], coords[seg, 1]
    dx, dy = coords[seg + 1, 0] - ax, coords[seg + 1, 1] - ay
    # pieces no longer than half a cell: each piece's box spans at most 2×2 cells
    pieces = np.maximum(np.ceil(np.maximum(np.abs(dx), np.abs(dy)) / (0.5 * cell)), 1)
    pieces = pieces.astype(np.int64)
    owner = np.repeat(np.arange(seg.size), pieces)
    j = np.arange(owner.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    t0, t1 = j / pieces[owner], (j + 1) / pieces[owner]
    px0, px1 = ax[owner] + t0 * dx[owner], ax[owner] + t1 * dx[owner]
    py0, py1 = ay[owner] + t0 * dy[owner], ay[owner] + t1 * dy[owner]
    ix0 = np.floor((np.minimum(px0, px1) - _EPS - x0) / cell).astype(np.int64)
    ix1 = np.floor((np.maximum(px0, px1) + _EPS - x0) / cell).astype(np.int64)
    iy0 = np.floor((np.minimum(py0, py1) - _EPS - y0) / cell).astype(np.int64)
    iy1 = np.floor((np.maximum(py0, py1) + _EPS - y0) / cell).astype(np.int64)
    n = int(geoms.size)
    c = county[owner]
    keys = np.unique(
        np.concatenate([(iy * nx + ix) * n + c for ix in (ix0, ix1) for iy in (iy0, iy1)])
    )
    return keys // n, keys % n


def _centres(
    cells: npt.NDArray[np.int64], x0: float, y0: float, cell: float, nx: int
) -> tuple[FloatArray, FloatArray]:
    x = x0 + (cells % nx + 0.5) * cell
    y = y0 + (cells // nx + 0.5) * cell
    return x.astype(np.float64), y.astype(np.float64)


def _containing(
    geoms: npt.NDArray[np.object_], rank: npt.NDArray[np.int64], x: FloatArray, y: FloatArray
) -> IntArray:
    """Lowest-adcode county whose interior contains each point; -1 for none."""
    out = np.full(x.size, _OUTSIDE, dtype=np.int32)
    if not x.size:
        return out
    tree = shapely.STRtree(geoms)
    pt, county = tree.query(shapely.points(x, y), predicate="within")
    pt, county = _lowest_per_point(pt, county, rank)
    out[pt] = county
    return out


def _lowest_per_point(
    pt: npt.NDArray[np.int64], county: npt.NDArray[np.int64], rank: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For (point, county) pairs, keep the county of lowest adcode rank for each point."""
    order = np.lexsort((rank[county], pt))
    pt, county = pt[order], county[order]
    first = np.flatnonzero(np.r_[True, pt[1:] != pt[:-1]]) if pt.size else pt
    return pt[first], county[first]


def _adcode_series(
    adcodes: npt.NDArray[np.object_],
    ids: IntArray,
    index: pd.Index | None,
    name: Hashable,
    threads: int = 1,
) -> pd.Series:
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow ships with pandas' str dtype in practice
        padded = np.concatenate([adcodes, np.array([None], dtype=object)])
        values: Any = padded[np.where(ids < 0, adcodes.size, ids)]
    else:
        encoded = [str(code).encode() for code in adcodes]
        width = len(encoded[0]) if encoded else 0
        if encoded and all(len(b) == width for b in encoded):  # adcodes: all 6 bytes
            table = np.frombuffer(b"".join(encoded), dtype=np.uint8).reshape(-1, width)

            def decode(span: slice) -> Any:  # Arrow string buffers built directly in numpy
                part = ids[span]
                valid = part >= 0
                offsets = np.zeros(part.size + 1, dtype=np.int32)
                np.cumsum(valid, out=offsets[1:])
                offsets *= width
                return pa.StringArray.from_buffers(
                    part.size,
                    pa.py_buffer(offsets),
                    pa.py_buffer(table[part[valid]]),
                    pa.py_buffer(np.packbits(valid, bitorder="little")),
                )
        else:
            dictionary = pa.array([b.decode() for b in encoded], type=pa.string())

            def decode(span: slice) -> Any:
                part = ids[span]
                codes = pa.array(part, mask=part < 0, type=pa.int32())
                return pa.DictionaryArray.from_arrays(codes, dictionary).dictionary_decode()

        chunks = _map_spans(decode, _spans(ids.size, threads, _CHUNK), threads)
        values = pa.chunked_array(chunks, type=pa.string())
    return pd.Series(pd.array(values, dtype="str"), index=index, name=name, copy=False)


def _n_threads(n: int, threads: int | None) -> int:
    """``threads``, or one per CPU this process may use, at most one per 250 000 items."""
    if threads is not None:
        return max(int(threads), 1)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8, n // _MIN_PER_THREAD))


def _spans(n: int, parts: int, max_size: int) -> list[slice]:
    """``n`` items cut into at least ``parts`` contiguous slices of at most ``max_size``."""
    k = max(parts, math.ceil(n / max(max_size, 1)), 1)
    bounds = np.linspace(0, n, k + 1).astype(np.int64)
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]


def _map_spans(fn: Callable[[slice], _T], spans: list[slice], threads: int) -> list[_T]:
    if threads <= 1 or len(spans) <= 1:
        return [fn(span) for span in spans]
    with ThreadPoolExecutor(max_workers=min(threads, len(spans))) as pool:
        return list(pool.map(fn, spans))


# -- public functions ---------------------------------------------------------------------------


def _resolve_index(
    counties: gpd.GeoDataFrame | CountyIndex | None, cell_deg: float | None, problems: list[str]
) -> CountyIndex | None:
    """The index to use; on bad ``counties`` add its problems and return None."""
    if isinstance(counties, CountyIndex):
        if cell_deg is not None and cell_deg != counties.cell_deg:
            problems.append(
                f"cell_deg={cell_deg!r} cannot apply to a prebuilt CountyIndex "
                f"(cell {counties.cell_deg:g}°); drop cell_deg or build a new index"
            )
        return counties
    try:
        if counties is None:
            return CountyIndex.default(cell_deg=cell_deg)
        return CountyIndex.cached(counties, cell_deg=cell_deg)
    except JoinInputError as exc:
        problems.extend(p for p in exc.problems if p not in problems)
        return None


def join_lonlat(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    counties: gpd.GeoDataFrame | CountyIndex | None = None,
    engine: Engine = "grid",
    cell_deg: float | None = None,
    boundary: BoundaryRule = "lowest_adcode",
    index: pd.Index | None = None,
    npartitions: int | None = None,
    threads: int | None = None,
) -> pd.Series:
    """County adcode of each WGS-84 lon/lat pair.

    Parameters
    ----------
    lon, lat : array_like of float
        Longitude and latitude in degrees, WGS-84 (convert GCJ-02/BD-09 first with
        :func:`geo.datum.to_wgs84`). NaN gives NA.
    counties : GeoDataFrame or CountyIndex, optional
        Default: the shipped counties, with a cached index. A GeoDataFrame is indexed once and
        memoised on its content; pass a :class:`CountyIndex` to control that yourself.
    engine : {"grid", "sjoin", "dask"}
        See the module docstring; all three give identical results.
    cell_deg : float, optional
        Grid cell size for ``engine="grid"``/``"dask"`` (default: automatic).
    boundary : {"lowest_adcode", "none"}
        Rule for points exactly on a county boundary; ``"none"`` reproduces
        ``geopandas.sjoin(predicate="within")``.
    index : pandas.Index, optional
        Index of the result (default ``RangeIndex``).
    npartitions : int, optional
        Partitions for ``engine="dask"`` (default: 2 per worker thread, at least 1).
    threads : int, optional
        Threads for ``engine="grid"`` (default: one per CPU, at most one per 250 000 points;
        ``1`` for a single thread). Results do not depend on it.

    Returns
    -------
    pandas.Series
        Named ``adcode``, dtype ``str``, NaN where a point is in no county.

    Raises
    ------
    JoinInputError
        Listing every problem with the arguments.
    """
    problems = _option_problems(engine=engine, boundary=boundary, cell_deg=cell_deg)
    try:
        x = np.asarray(lon, dtype=np.float64).ravel()
        y = np.asarray(lat, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise JoinInputError(
            [
                f"lon/lat must be numbers ({exc}); coerce with "
                "pandas.to_numeric(..., errors='coerce')"
            ]
        ) from None
    if x.shape != y.shape:
        problems.append(f"lon has {x.size} values and lat {y.size}; pass one of each per point")
    if index is None and isinstance(lon, pd.Series):
        index = lon.index
    if index is not None and len(index) != x.size:
        problems.append(f"index has {len(index)} labels for {x.size} points; pass one per point")
    cidx = _resolve_index(counties, cell_deg, problems)
    if problems or cidx is None:
        raise JoinInputError(problems)
    ids = _ids(
        cidx, x, y, None, engine=engine, boundary=boundary, npartitions=npartitions, threads=threads
    )
    return cidx.to_adcodes(ids, index=index, threads=threads)


def join_counties(
    points: gpd.GeoSeries | gpd.GeoDataFrame | Any,
    *,
    counties: gpd.GeoDataFrame | CountyIndex | None = None,
    engine: Engine = "grid",
    cell_deg: float | None = None,
    boundary: BoundaryRule = "lowest_adcode",
    npartitions: int | None = None,
    threads: int | None = None,
) -> pd.Series | Any:
    """County adcode of each point: the firm → county join.

    Same assignment as ``geopandas.sjoin(points, counties, predicate="within")`` for every
    point not exactly on a county boundary; boundary points follow ``boundary`` (see the module
    docstring; ``"none"`` reproduces ``sjoin`` exactly, ``"lowest_adcode"`` is the default).

    Parameters
    ----------
    points : GeoSeries or GeoDataFrame (or their dask-geopandas counterparts)
        Point geometries in EPSG:4326 (or EPSG:4490). Missing or empty geometries give NA;
        any other geometry type is an error.
    counties, engine, cell_deg, boundary, npartitions, threads
        As in :func:`join_lonlat`.

    Returns
    -------
    pandas.Series
        Named ``adcode``, dtype ``str``, index aligned with ``points``, NaN where a point is in
        no county. For a dask-geopandas input, a lazy dask Series (computed with ``.compute()``).

    Raises
    ------
    JoinInputError
        Listing every problem: wrong type, non-point geometries (with row positions), a missing
        or different CRS, bad options.

    Examples
    --------
    >>> import geopandas as gpd
    >>> pts = gpd.GeoSeries.from_xy([117.02, 122.5], [36.67, 37.2], crs="EPSG:4326")
    >>> join_counties(pts).tolist()
    ['370102', '371082']
    """
    problems = _option_problems(engine=engine, boundary=boundary, cell_deg=cell_deg)
    cidx = _resolve_index(counties, cell_deg, problems)
    if is_dask_collection(points):
        if problems or cidx is None:
            raise JoinInputError(problems)
        return _join_dask_collection(points, cidx, boundary=boundary)
    if not isinstance(points, gpd.GeoSeries | gpd.GeoDataFrame):
        problems.append(
            f"points is a {type(points).__name__}; pass a GeoSeries/GeoDataFrame of "
            "points, or lon/lat arrays to join_lonlat"
        )
        raise JoinInputError(problems)
    geoseries = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    problems += _crs_problems(geoseries.crs, cidx.crs if cidx is not None else None)
    geoms = np.asarray(geoseries.array, dtype=object)
    n_threads = _n_threads(geoms.size, threads)
    x, y, geom_problems = _point_xy(geoms, n_threads)
    problems += geom_problems
    if problems or cidx is None:
        raise JoinInputError(problems)
    ids = _ids(
        cidx,
        x,
        y,
        geoms,
        engine=engine,
        boundary=boundary,
        npartitions=npartitions,
        threads=n_threads,
    )
    return cidx.to_adcodes(ids, index=points.index, threads=n_threads)


def _crs_problems(crs: Any, county_crs: CRS | None) -> list[str]:
    if crs is None:
        return [
            "points have no CRS; set it (points.set_crs('EPSG:4326')) if the coordinates are "
            "WGS-84 lon/lat, or convert GCJ-02/BD-09 with geo.datum first"
        ]
    if not _is_lonlat(crs):
        return [
            f"points CRS is {CRS.from_user_input(crs).to_string()}, counties are "
            f"{county_crs.to_string() if county_crs is not None else 'EPSG:4326'}; "
            "reproject with points.to_crs('EPSG:4326')"
        ]
    return []


def _point_xy(
    geoms: npt.NDArray[np.object_], threads: int = 1
) -> tuple[FloatArray, FloatArray, list[str]]:
    """x, y of point geometries (NaN for missing/empty); problems for other geometry types."""
    x = np.empty(geoms.size, dtype=np.float64)
    y = np.empty(geoms.size, dtype=np.float64)

    def coords(span: slice) -> None:  # read-only on immutable points: safe in threads
        part = geoms[span]
        try:  # fast path: NaN for None and for non-point geometries, an error for empty points
            x[span], y[span] = shapely.get_x(part), shapely.get_y(part)
        except shapely.errors.GEOSException:
            full = np.flatnonzero(~shapely.is_empty(part))
            xs, ys = np.full(part.size, np.nan), np.full(part.size, np.nan)
            xs[full], ys[full] = shapely.get_x(part[full]), shapely.get_y(part[full])
            x[span], y[span] = xs, ys

    _map_spans(coords, _spans(geoms.size, threads, _CHUNK), threads)
    nan = np.flatnonzero(np.isnan(x))
    if nan.size:
        kind = shapely.get_type_id(geoms[nan])
        bad = nan[(kind != -1) & ((kind != 0) | ~shapely.is_empty(geoms[nan]))]
        if bad.size:
            first = np.unique(shapely.get_type_id(geoms[bad]), return_index=True)[1]
            names = ", ".join(geoms[bad[i]].geom_type for i in first)
            return (
                x,
                y,
                [
                    f"points has {bad.size} non-point geometries ({names}) at "
                    f"positions {bad[:5].tolist()}; use .representative_point() or "
                    ".centroid (in a projected CRS) to turn them into points"
                ],
            )
    return x, y, []


def _ids(
    cidx: CountyIndex,
    x: FloatArray,
    y: FloatArray,
    geoms: npt.NDArray[np.object_] | None,
    *,
    engine: str,
    boundary: str,
    npartitions: int | None,
    threads: int | None,
) -> IntArray:
    rule = cast(BoundaryRule, boundary)
    if engine == "grid":
        return cidx.lookup(x, y, boundary=rule, threads=threads)
    if engine == "sjoin":
        return _sjoin_ids(cidx, x, y, geoms, boundary=rule)
    return _lookup_dask(cidx, x, y, boundary=rule, npartitions=npartitions)


def _sjoin_ids(
    cidx: CountyIndex,
    x: FloatArray,
    y: FloatArray,
    geoms: npt.NDArray[np.object_] | None,
    *,
    boundary: BoundaryRule,
) -> IntArray:
    """The reference: ``geopandas.sjoin`` (``within``, then ``intersects`` for leftovers)."""
    if geoms is None:
        geoms = np.asarray(gpd.points_from_xy(x, y), dtype=object)
    pts = gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms, crs=cidx.crs).array, crs=cidx.crs)
    right = cidx.counties()
    rank = np.empty(cidx.adcodes.size, dtype=np.int64)
    rank[np.argsort(cidx.adcodes.astype(str), kind="stable")] = np.arange(cidx.adcodes.size)
    out = np.full(len(pts), _OUTSIDE, dtype=np.int32)
    predicates = ["within"] + (["intersects"] if boundary == "lowest_adcode" else [])
    for predicate in predicates:
        todo = np.flatnonzero(out == _OUTSIDE)
        if not todo.size:
            break
        joined = gpd.sjoin(pts.iloc[todo], right, predicate=predicate, how="inner")
        pos = np.asarray(joined.index)  # pts has a RangeIndex: labels are positions
        pos, county = _lowest_per_point(pos, joined["index_right"].to_numpy(), rank)
        out[pos] = county
    return out


# -- Dask engine (optional dependency: the ``dask`` extra) --------------------------------------


def _lookup_block(cidx: CountyIndex, x: FloatArray, y: FloatArray, boundary: str) -> IntArray:
    return cidx.lookup(x, y, boundary=cast(BoundaryRule, boundary), threads=1)


def _lookup_dask(
    cidx: CountyIndex,
    x: FloatArray,
    y: FloatArray,
    *,
    boundary: BoundaryRule,
    npartitions: int | None,
) -> IntArray:
    """Grid lookup over lon/lat blocks as Dask tasks.

    On a ``dask.distributed`` client the index is broadcast once to every worker and the blocks
    are scattered (no large task graph); otherwise the blocks run as ``dask.delayed`` tasks on
    the current local scheduler.
    """
    dask = import_dask(JoinInputError)
    if not x.size:
        return np.empty(0, dtype=np.int32)
    client = active_client()
    size = math.ceil(x.size / default_partitions(npartitions, client))
    starts = range(0, x.size, size)
    if client is not None:
        shared = client.scatter(cidx, broadcast=True, hash=False)
        xs = client.scatter([x[i : i + size] for i in starts], hash=False)
        ys = client.scatter([y[i : i + size] for i in starts], hash=False)
        futures = client.map(
            _lookup_block, [shared] * len(xs), xs, ys, [boundary] * len(xs), pure=False
        )
        return np.concatenate(client.gather(futures))
    shared = dask.delayed(cidx, pure=True)
    task = dask.delayed(_lookup_block, pure=True)
    blocks = [task(shared, x[i : i + size], y[i : i + size], boundary) for i in starts]
    return np.concatenate(dask.compute(*blocks))


def _join_partition(geometry: gpd.GeoSeries, cidx: CountyIndex, boundary: str) -> pd.Series:
    problems = _crs_problems(geometry.crs, cidx.crs)
    x, y, geom_problems = _point_xy(np.asarray(geometry.array, dtype=object))
    if problems or geom_problems:
        raise JoinInputError(problems + geom_problems)
    ids = cidx.lookup(x, y, boundary=cast(BoundaryRule, boundary), threads=1)
    return cidx.to_adcodes(ids, index=geometry.index, threads=1)


def _join_dask_collection(points: Any, cidx: CountyIndex, *, boundary: BoundaryRule) -> Any:
    """Lazy join of a dask-geopandas GeoSeries/GeoDataFrame: a dask Series of adcodes."""
    dask = import_dask(JoinInputError)
    geometry = points.geometry if hasattr(points, "geometry") else points
    problems = _crs_problems(geometry.crs, cidx.crs)
    if problems:
        raise JoinInputError(problems)
    meta = pd.Series(pd.array([], dtype="str"), name="adcode")
    return geometry.map_partitions(
        _join_partition, dask.delayed(cidx, pure=True), boundary, meta=meta
    )
