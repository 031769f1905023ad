"""Datums and the CRS contract: WGS-84 in storage, GCJ-02 / BD-09 only through here.

Every layer the project stores or exports is in EPSG:4326 (WGS-84 lon/lat). CGCS2000
(EPSG:4490) differs from WGS-84 by centimetres and is accepted as equal. China's obfuscated
datums GCJ-02 ("Mars coordinates", used by Amap/Gaode, Tencent) and BD-09 (Baidu) are not
CRSs that PROJ knows; they are non-linear shifts of WGS-84 and are converted here, and nowhere
else.

Imported coordinates pass through :func:`parse_crs`, :func:`source_crs` and
:func:`import_lonlat` — the CRS contract of every import: lon/lat that look swapped are swapped
back, a declared projected CRS is transformed with ``pyproj`` (``always_xy=True``), GCJ-02 and
BD-09 are shifted only inside China's extent, and the result is tested against a boundary.

The GCJ-02 forward transform is the published algorithm (Krasovsky 1940 ellipsoid constants,
a = 6378245 m, e^2 = 0.00669342162296594323), as reproduced in e.g. ``eviltransform`` and
``prcoords``. Its inverse has no closed form; :func:`gcj02_to_wgs84` solves
``f(w) = g`` by fixed-point iteration ``w <- w - (f(w) - g)``, which contracts because the
Jacobian of the shift is tiny (|d shift / d w| < 1e-2), and stops when the round-trip residual is
below ``tol`` degrees (default 1e-10 deg, about 0.01 mm).

References
----------
* Wu, Y. (2015). *eviltransform* / *prcoords* — public implementations of the GCJ-02 shift.
* GB/T 2260 administrative codes; EPSG:4326, EPSG:4490.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from geo.problems import ProblemError, problem, register_messages

__all__ = [
    "STORAGE_CRS",
    "Datum",
    "DatumError",
    "LonLat",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "import_lonlat",
    "is_wgs84",
    "parse_crs",
    "parse_datum",
    "source_crs",
    "to_wgs84",
    "transform_geometries",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

STORAGE_CRS = "EPSG:4326"

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]


register_messages(
    {
        "datum_unknown": (
            "未知的坐标系 {value!r}：请用 {valid} 之一",
            "unknown datum {value!r}: use one of {valid}",
        ),
        "datum_not_converged": (
            "{datum} 反算未在 {max_iter} 次迭代内收敛到 {tol} 度",
            "{datum} inverse did not converge to {tol} deg in {max_iter} iterations",
        ),
        "datum_shape": (
            "经度和纬度的形状不同：{lon} 与 {lat}",
            "lon and lat differ in shape: {lon} vs {lat}",
        ),
        "crs_unreadable": (
            "crs={value!r} 不是 pyproj 能读取的坐标参照系（{detail}）；请写成例如 'EPSG:4549'",
            "crs={value!r} is not a CRS pyproj can read ({detail}); use e.g. 'EPSG:4549'",
        ),
        "crs_projected_datum": (
            "datum={datum!r} 与投影坐标 crs={value!r} 不能同时使用：GCJ-02/BD-09 是经纬度偏移；请去掉其中一个",
            "datum={datum!r} with projected crs={value!r}: GCJ-02/BD-09 are lon/lat shifts; "
            "drop one of the two",
        ),
        "crs_disagrees": (
            "crs={declared!r} 与数据声明的坐标参照系（{file}）不一致；请去掉 crs= 或修改文件",
            "crs={declared!r} disagrees with the CRS the data declares ({file}); "
            "drop crs= or fix the file",
        ),
        "crs_file_projected_datum": (
            "datum={datum!r}，但数据为投影坐标 {file}；GCJ-02/BD-09 只适用于经纬度",
            "datum={datum!r} but the data is in projected {file}; GCJ-02/BD-09 apply to "
            "lon/lat only",
        ),
    }
)


class DatumError(ProblemError):
    """An unknown datum or CRS, a datum that contradicts a CRS, or a conversion that did not
    converge (a :class:`geo.problems.ProblemError`: ``.problems`` carry codes and zh/en text)."""

    subject = ("坐标系", "datum")


class Datum(StrEnum):
    """Horizontal datums the project accepts on import.

    ``wgs84`` and ``cgcs2000`` are stored as they are; ``gcj02`` and ``bd09`` are converted to
    WGS-84 on import.
    """

    WGS84 = "wgs84"
    CGCS2000 = "cgcs2000"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def parse_datum(value: str | Datum) -> Datum:
    """Return the :class:`Datum` for ``value``; raise listing the valid names otherwise.

    >>> parse_datum("GCJ-02")
    <Datum.GCJ02: 'gcj02'>
    """
    if isinstance(value, Datum):
        return value
    key = str(value).strip().lower()
    for ch in "-_ :":
        key = key.replace(ch, "")
    aliases = {"epsg4326": "wgs84", "epsg4490": "cgcs2000", "bd09ll": "bd09", "mars": "gcj02"}
    key = aliases.get(key, key)
    try:
        return Datum(key)
    except ValueError:
        valid = ", ".join(d.value for d in Datum)
        raise DatumError(
            [problem("datum_unknown", argument="datum", value=value, valid=valid)]
        ) from None


def _shift(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 offset (d_lon, d_lat) in degrees at WGS-84 ``lon``, ``lat``."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat = dlat + common * 2.0 / 3.0
    dlat = dlat + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon = dlon + common * 2.0 / 3.0
    dlon = dlon + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    if lon_a.shape != lat_a.shape:
        raise DatumError([problem("datum_shape", lon=lon_a.shape, lat=lat_a.shape)])
    return lon_a, lat_a


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Forward GCJ-02 transform (vectorised). Points outside China are shifted too.

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees, scalars or arrays of one shape.

    Returns
    -------
    tuple of ndarray
        GCJ-02 longitude and latitude.
    """
    lon_a, lat_a = _as_arrays(lon, lat)
    dlon, dlat = _shift(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tol: float = 1e-10, max_iter: int = 30
) -> tuple[FloatArray, FloatArray]:
    """Exact (iterative) inverse of :func:`wgs84_to_gcj02`.

    Solves ``wgs84_to_gcj02(w) = g`` for ``w`` by the fixed-point iteration
    ``w_{k+1} = w_k - (f(w_k) - g)``, starting at ``w_0 = g - shift(g)``.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees.
    tol
        Stop when every point's round-trip residual ``|f(w) - g|`` is below ``tol`` degrees.
    max_iter
        Raise :class:`DatumError` if not converged after this many iterations.

    Returns
    -------
    tuple of ndarray
        WGS-84 longitude and latitude.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(117.0, 36.65)
    >>> back = wgs84_to_gcj02(lon, lat)
    >>> bool(abs(back[0] - 117.0) < 1e-9 and abs(back[1] - 36.65) < 1e-9)
    True
    """
    g_lon, g_lat = _as_arrays(lon, lat)
    dlon, dlat = _shift(g_lon, g_lat)
    w_lon, w_lat = g_lon - dlon, g_lat - dlat
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        finite = np.isfinite(e_lon) & np.isfinite(e_lat)
        if not finite.any() or np.max(np.abs(np.r_[e_lon[finite], e_lat[finite]])) < tol:
            return w_lon, w_lat
    raise DatumError([problem("datum_not_converged", datum="GCJ-02", tol=tol, max_iter=max_iter)])


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Forward BD-09 transform from GCJ-02 (Baidu's published formula)."""
    x, y = _as_arrays(lon, lat)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(
    lon: ArrayLike, lat: ArrayLike, *, tol: float = 1e-10, max_iter: int = 30
) -> tuple[FloatArray, FloatArray]:
    """Exact (iterative) inverse of :func:`gcj02_to_bd09`.

    Starts from the usual closed-form approximation and refines it by fixed-point iteration,
    as :func:`gcj02_to_wgs84` does.
    """
    b_lon, b_lat = _as_arrays(lon, lat)
    x, y = b_lon - 0.0065, b_lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(max_iter):
        f_lon, f_lat = gcj02_to_bd09(g_lon, g_lat)
        e_lon, e_lat = f_lon - b_lon, f_lat - b_lat
        g_lon, g_lat = g_lon - e_lon, g_lat - e_lat
        finite = np.isfinite(e_lon) & np.isfinite(e_lat)
        if not finite.any() or np.max(np.abs(np.r_[e_lon[finite], e_lat[finite]])) < tol:
            return g_lon, g_lat
    raise DatumError([problem("datum_not_converged", datum="BD-09", tol=tol, max_iter=max_iter)])


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 to BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 to WGS-84 (through GCJ-02), both steps exact inverses."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: ArrayLike, lat: ArrayLike, datum: str | Datum) -> tuple[FloatArray, FloatArray]:
    """Convert coordinates in ``datum`` to WGS-84 (CGCS2000 and WGS-84 pass through)."""
    d = parse_datum(datum)
    if d is Datum.GCJ02:
        return gcj02_to_wgs84(lon, lat)
    if d is Datum.BD09:
        return bd09_to_wgs84(lon, lat)
    return _as_arrays(lon, lat)


def transform_geometries(geoms: Any, src: str | Datum, dst: str | Datum = Datum.WGS84) -> Any:
    """Convert shapely geometries (one or an array) between datums, vertex by vertex.

    Identical input vertices give identical output vertices, so polygons that share edges
    still share them after conversion (a coverage stays a coverage).
    """
    s, d = parse_datum(src), parse_datum(dst)
    flat = {Datum.WGS84, Datum.CGCS2000}
    if s == d or (s in flat and d in flat):
        return geoms

    def _fn(coords: FloatArray) -> FloatArray:
        lon, lat = coords[:, 0], coords[:, 1]
        if s not in flat:
            lon, lat = to_wgs84(lon, lat, s)
        if d is Datum.GCJ02:
            lon, lat = wgs84_to_gcj02(lon, lat)
        elif d is Datum.BD09:
            lon, lat = wgs84_to_bd09(lon, lat)
        return np.column_stack([lon, lat])

    return shapely.transform(geoms, _fn)


# --------------------------------------------------------------------------------------------
# the CRS contract of imports
# --------------------------------------------------------------------------------------------

_WGS84 = pyproj.CRS.from_epsg(4326)
_SHIFTED = (Datum.GCJ02, Datum.BD09)
_SWAP_LON = (34.0, 39.0)  # a latitude of Shandong in the lon column ...
_SWAP_LAT = (114.0, 123.0)  # ... and a longitude of Shandong in the lat column
_CHINA_BOX = (72.0, 0.0, 138.0, 56.0)  # GCJ-02/BD-09 shifts are applied only in here

BoolArray = npt.NDArray[np.bool_]


def parse_crs(value: Any, *, datum: str | Datum = Datum.WGS84) -> pyproj.CRS | None:
    """The :class:`pyproj.CRS` of a user's ``crs=`` (None stays None), checked against ``datum``.

    Raises
    ------
    DatumError
        When pyproj cannot read ``value`` (code ``crs_unreadable``) or a projected CRS is given
        with the GCJ-02/BD-09 datum, which shifts lon/lat only (``crs_projected_datum``).

    >>> parse_crs("EPSG:4549").name
    'CGCS2000 / 3-degree Gauss-Kruger CM 120E'
    >>> parse_crs(None) is None
    True
    """
    if value is None:
        return None
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        raise DatumError(
            [problem("crs_unreadable", argument="crs", value=value, detail=str(exc))]
        ) from None
    d = parse_datum(datum)
    if not crs.is_geographic and d in _SHIFTED:
        raise DatumError(
            [problem("crs_projected_datum", argument="crs", value=value, datum=d.value)]
        )
    return crs


def is_wgs84(crs: pyproj.CRS | None) -> bool:
    """True for None (lon/lat as given) and for EPSG:4326 in either axis order."""
    return crs is None or crs.equals(_WGS84, ignore_axis_order=True)


def source_crs(file_crs: Any, declared: pyproj.CRS | None, datum: str | Datum) -> pyproj.CRS | None:
    """The CRS to read coordinates in: the file's when it declares one, else the user's.

    Raises
    ------
    DatumError
        When the user's ``crs=`` disagrees with the file's (``crs_disagrees``), or GCJ-02/BD-09 is
        declared for a file in a projected CRS (``crs_file_projected_datum``).
    """
    if file_crs is None:
        return declared
    found = pyproj.CRS.from_user_input(file_crs)
    if declared is not None and not found.equals(declared, ignore_axis_order=True):
        raise DatumError(
            [
                problem(
                    "crs_disagrees",
                    argument="crs",
                    declared=declared.to_string(),
                    file=found.to_string(),
                )
            ]
        )
    d = parse_datum(datum)
    if not found.is_geographic and d in _SHIFTED:
        raise DatumError(
            [
                problem(
                    "crs_file_projected_datum",
                    argument="datum",
                    datum=d.value,
                    file=found.to_string(),
                )
            ]
        )
    return found


@dataclass(frozen=True)
class LonLat:
    """Imported coordinates in WGS-84 with what happened to each.

    Attributes
    ----------
    lon, lat
        WGS-84 degrees (NaN where the input was not usable).
    swapped
        The pair looked swapped (lon/lat, or northing/easting in a projected CRS) and was swapped.
    out_of_range
        Usable numbers that are not lon/lat (|lon| > 180 or |lat| > 90 after transforming).
    outside
        Valid lon/lat outside the boundary.
    datum_in
        ``"wgs84"``/``"cgcs2000"``/``"gcj02"``/``"bd09"``, or the source CRS (``"EPSG:4549"``).
    """

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    swapped: BoolArray
    out_of_range: BoolArray
    outside: BoolArray
    datum_in: str


def _transformer(src: pyproj.CRS) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, _WGS84, always_xy=True)


def import_lonlat(
    x: ArrayLike,
    y: ArrayLike,
    *,
    usable: ArrayLike,
    crs: pyproj.CRS | None,
    datum: str | Datum,
    boundary: Any,
    inside: Any = None,
) -> LonLat:
    """Bring imported coordinates to WGS-84: swap, transform, datum-shift, test the boundary.

    Parameters
    ----------
    x, y
        The numbers as read (lon/lat, or easting/northing in ``crs``).
    usable
        Rows whose ``x`` and ``y`` are finite numbers; the others are left alone.
    crs
        Source CRS (None = lon/lat in ``datum``), as returned by :func:`source_crs`.
    datum
        Datum of lon/lat input; GCJ-02 and BD-09 are shifted to WGS-84 inside China's extent.
    boundary
        A (prepared) shapely geometry in WGS-84: points outside it are flagged ``outside``; for
        projected input a point outside it that falls inside once its axes are swapped (the
        surveying convention X = northing) is swapped.
    inside
        Optional ``callable(lon, lat) -> bool array`` used instead of testing ``boundary``
        (e.g. a county join when the boundary is the union of the counties).

    Returns
    -------
    LonLat

    Notes
    -----
    Geographic pairs with lon in [34, 39] and lat in [114, 123] (Shandong's latitudes in the
    longitude column and vice versa) are swapped before anything else.
    """
    x_a, y_a = _as_arrays(x, y)
    ok = np.asarray(usable, dtype=bool)
    d = parse_datum(datum)
    lon, lat = x_a.copy(), y_a.copy()
    swapped = np.zeros(len(lon), dtype=bool)
    geographic = crs is None or crs.is_geographic
    if geographic:
        swapped = (
            ok
            & (x_a >= _SWAP_LON[0])
            & (x_a <= _SWAP_LON[1])
            & (y_a >= _SWAP_LAT[0])
            & (y_a <= _SWAP_LAT[1])
        )
        lon[swapped], lat[swapped] = y_a[swapped], x_a[swapped]
        if not is_wgs84(crs):
            assert crs is not None
            lon[ok], lat[ok] = _transformer(crs).transform(lon[ok], lat[ok])
    else:
        assert crs is not None
        lon[ok], lat[ok] = _transformer(crs).transform(x_a[ok], y_a[ok])
    in_range = ok & np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    if d in _SHIFTED:
        box = _CHINA_BOX
        shift = in_range & (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])
        if shift.any():
            lon[shift], lat[shift] = to_wgs84(lon[shift], lat[shift], d)

    def test(lo: Any, la: Any) -> Any:
        if inside is not None:
            return np.asarray(inside(lo, la), dtype=bool)
        return shapely.intersects_xy(boundary, lo, la)

    within = np.zeros(len(lon), dtype=bool)
    within[in_range] = test(lon[in_range], lat[in_range])
    if not geographic:
        assert crs is not None
        retry = (in_range & ~within) | (ok & ~in_range)
        if retry.any():
            sx, sy = _transformer(crs).transform(y_a[retry], x_a[retry])
            fine = np.isfinite(sx) & np.isfinite(sy) & (np.abs(sx) <= 180) & (np.abs(sy) <= 90)
            hit = np.zeros(len(sx), dtype=bool)
            hit[fine] = test(sx[fine], sy[fine])
            idx = np.flatnonzero(retry)[hit]
            lon[idx], lat[idx] = sx[hit], sy[hit]
            in_range[idx] = within[idx] = True
            swapped = np.zeros(len(lon), dtype=bool)
            swapped[idx] = True
    datum_in = d.value if is_wgs84(crs) else crs.to_string()  # type: ignore[union-attr]
    return LonLat(lon, lat, swapped, ok & ~in_range, in_range & ~within, datum_in)
