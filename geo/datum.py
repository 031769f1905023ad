"""Datums and the CRS contract: WGS-84 in storage, GCJ-02 / BD-09 only through here.

Every layer the project stores or exports is in EPSG:4326 (WGS-84 lon/lat). CGCS2000
(EPSG:4490) differs from WGS-84 by centimetres and is accepted as equal. China's obfuscated
datums GCJ-02 ("Mars coordinates", used by Amap/Gaode, Tencent) and BD-09 (Baidu) are not
CRSs that PROJ knows; they are non-linear shifts of WGS-84 and are converted here, and nowhere
else.

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

from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

__all__ = [
    "STORAGE_CRS",
    "Datum",
    "DatumError",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "parse_datum",
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


class DatumError(ValueError):
    """Raised for an unknown datum name or a conversion that did not converge."""


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
        raise DatumError(f"unknown datum {value!r}: use one of {valid}") from None


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
        raise DatumError(f"lon and lat differ in shape: {lon_a.shape} vs {lat_a.shape}")
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
    raise DatumError(f"GCJ-02 inverse did not converge to {tol} deg in {max_iter} iterations")


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
    raise DatumError(f"BD-09 inverse did not converge to {tol} deg in {max_iter} iterations")


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
