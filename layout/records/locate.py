"""Where each row is: coordinates (through the CRS contract in :mod:`geo.datum`), else the
county its adcode, county name or address names.

Order per row: usable coordinates give an *exact* point (``location_quality = "exact"``) and
its county by point-in-polygon (:func:`geo.joins.join_lonlat`); a row without coordinates is
placed at the representative point of the county named by its adcode (current or former, through
the crosswalk), else its county name, else the county in its address (``"county"`` for the first
two, ``"address"`` for the last). A point that lies outside the county its row states, by more
than ``county_tolerance_km``, keeps its point with a note. Rows that name no county are rejected
(``unlocatable``) with the text that was tried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyproj
import shapely

from geo.datum import DatumError, import_lonlat, source_crs
from layout.records.errors import FirmImportError
from layout.records.options import Options
from layout.records.places import Place, places, resolve_addresses
from layout.records.strings import TEXT, TextArray, blank, distinct, strip
from layout.records.table import BoolArray, FloatArray, ObjArray, Table
from layout.records.values import parse_adcode, parse_numbers

__all__ = ["Location", "locate", "table_crs"]

_GEOD = pyproj.Geod(ellps="WGS84")
Texts = tuple[np.ndarray, np.ndarray]


@dataclass
class Location:
    """Per-row outcome of locating."""

    lon: FloatArray
    lat: FloatArray
    adcode: ObjArray
    quality: ObjArray
    datum_in: ObjArray
    reasons: dict[str, BoolArray] = field(default_factory=dict)
    details: dict[str, Texts] = field(default_factory=dict)
    notes: dict[str, BoolArray] = field(default_factory=dict)
    note_details: dict[str, Texts] = field(default_factory=dict)
    crs: pyproj.CRS | None = None


def table_crs(table: Table, opts: Options) -> pyproj.CRS | None:
    """The CRS the table's coordinates are in (the file's, else ``crs=``), checked against both."""
    try:
        return source_crs(table.crs, opts.crs, opts.datum)
    except DatumError as exc:
        raise FirmImportError(exc.problems) from None


@cache
def _county_geometry() -> tuple[dict[str, tuple[float, float]], dict[str, shapely.Geometry]]:
    from geo.boundaries import load_counties
    from geo.sites import representative_points

    counties = load_counties()
    pts = representative_points(counties)
    points = {
        str(a): (float(p.x), float(p.y)) for a, p in zip(counties["adcode"], pts, strict=True)
    }
    shapes = dict(zip(counties["adcode"].astype(str), counties.geometry, strict=True))
    return points, shapes


def _texts(n: int) -> Texts:
    return np.full(n, "", dtype=object), np.full(n, "", dtype=object)


def _set(target: Texts, where: BoolArray, zh: np.ndarray | str, en: np.ndarray | str) -> None:
    for arr, add, sep in ((target[0], zh, "；"), (target[1], en, "; ")):
        idx = np.flatnonzero(where)
        if not idx.size:
            continue
        addition = add[idx] if isinstance(add, np.ndarray) else add
        arr[idx] = np.where(arr[idx] == "", addition, arr[idx] + sep + addition)


def locate(
    table: Table,
    fields: dict[str, int],
    opts: Options,
    col: Callable[[str], TextArray],
    *,
    tolerance_km: float,
    blank_row: BoolArray,
) -> Location:
    """Locate every row (see the module docstring)."""
    n = len(table.rows)
    reasons: dict[str, BoolArray] = {}
    details: dict[str, Texts] = {}
    notes: dict[str, BoolArray] = {}
    note_details: dict[str, Texts] = {}

    # coordinates as read -------------------------------------------------------------------
    pts = table.points
    has_xy = pts is not None or ("lon" in fields and "lat" in fields)
    if pts is not None:
        x, y = pts.x.copy(), pts.y.copy()
        none = pts.missing.copy()
        reasons["missing_coordinates"] = pts.missing.copy()
        reasons["bad_geometry"] = pts.bad.copy()
        details["bad_geometry"] = (pts.bad_detail, pts.bad_detail)
        usable = ~(pts.missing | pts.bad)
        nf = usable & ~(np.isfinite(x) & np.isfinite(y))
        nf_zh = np.where(~np.isfinite(x), "lon", "lat").astype(object)
        details["non_finite"] = (nf_zh, nf_zh.copy())
        reasons["non_finite"] = nf
    elif has_xy:
        x, x_blank, x_nn, x_nf = parse_numbers(col("lon"))
        y, y_blank, y_nn, y_nf = parse_numbers(col("lat"))
        none = x_blank & y_blank
        reasons["missing_coordinates"] = x_blank | y_blank
        reasons["non_numeric_coordinates"] = x_nn | y_nn
        details["non_numeric_coordinates"] = _values_detail(
            [("lon", col("lon"), x_nn), ("lat", col("lat"), y_nn)], n
        )
        reasons["non_finite"] = x_nf | y_nf
        names = np.where(x_nf & y_nf, "lon, lat", np.where(x_nf, "lon", "lat")).astype(object)
        details["non_finite"] = (names, names.copy())
    else:
        x = y = np.full(n, np.nan)
        none = np.ones(n, dtype=bool)
    ok = np.isfinite(x) & np.isfinite(y) & ~none

    # the county the row states ----------------------------------------------------------------
    stated, method, tried = _stated(fields, col, n, reasons, notes)
    has_stated = stated != ""
    loc_fields = [f for f in ("adcode", "county", "address") if f in fields]
    fallback = none & has_stated
    if loc_fields:
        unlocatable = none & ~has_stated & ~blank_row
        reasons["missing_coordinates"] = (
            reasons.get("missing_coordinates", np.zeros(n, bool)) & ~none
        )
        reasons["unlocatable"] = unlocatable
        details["unlocatable"] = tried
    elif not has_xy:
        reasons["missing_coordinates"] = np.ones(n, dtype=bool)

    # exact points --------------------------------------------------------------------------
    src = table_crs(table, opts) if has_xy else opts.crs
    inside = None
    calls: list[ObjArray] = []
    if opts.boundary_label == "geo.boundaries.shandong_outline":
        # the outline is the union of the counties: the (fast) county join is the same test,
        # and its answer is each exact point's county
        from geo.joins import join_lonlat

        def inside(lo: FloatArray, la: FloatArray) -> BoolArray:
            codes = join_lonlat(lo, la).to_numpy(dtype=object, na_value=None)
            calls.append(codes)
            return np.asarray(pd.notna(codes), dtype=bool)

    result = import_lonlat(
        x, y, usable=ok, crs=src, datum=opts.datum, boundary=opts.boundary, inside=inside
    )
    lon, lat = result.lon, result.lat
    notes["swapped_lon_lat"] = result.swapped
    reasons["coordinates_out_of_range"] = result.out_of_range
    reasons["outside_shandong"] = result.outside
    exact = ok & ~result.out_of_range & ~result.outside
    adcode = np.full(n, None, dtype=object)
    if exact.any() and len(calls) == 1:  # no axis retry: the boundary test gave the counties
        in_range = ok & ~result.out_of_range
        adcode[in_range] = calls[0]
        adcode[~exact] = None
    elif exact.any():
        from geo.joins import join_lonlat

        joined = join_lonlat(lon[exact], lat[exact]).to_numpy(dtype=object, na_value=None)
        adcode[exact] = joined
    _compare(exact, adcode, stated, lon, lat, tolerance_km, notes, note_details, n)
    notes["old_unit_resolved"] &= ~exact  # the point decides, not the stated unit
    notes["county_of_former_city"] &= ~exact
    if loc_fields:
        notes["stated_county_unknown"] = exact & ~has_stated & (tried[0] != "")
        note_details["stated_county_unknown"] = tried

    # county points -------------------------------------------------------------------------
    quality = np.full(n, "", dtype=object)
    quality[exact] = "exact"
    datum_in = np.full(n, "", dtype=object)
    datum_in[ok] = result.datum_in
    if fallback.any():
        rep, _ = _county_geometry()
        codes = stated[fallback]
        lon[fallback] = [rep[c][0] for c in codes]
        lat[fallback] = [rep[c][1] for c in codes]
        adcode[fallback] = codes
        quality[fallback] = np.where(method[fallback] == "address", "address", "county")
        for how in ("adcode", "county", "address"):
            notes[f"located_by_{how}"] = fallback & (method == how)
    return Location(lon, lat, adcode, quality, datum_in, reasons, details, notes, note_details, src)


def _values_detail(cols: list[tuple[str, TextArray, BoolArray]], n: int) -> Texts:
    out = _texts(n)
    for name, values, mask in cols:
        if mask.any():
            shown = np.asarray(values.filter(pa.array(mask)).to_pylist(), dtype=object)
            full = np.full(n, "", dtype=object)
            full[mask] = [f"{name} = {v.strip()!r}" for v in shown]
            _set(out, mask, full, full)
    return out


def _per_row(decided: list[Place | None], idx: np.ndarray) -> tuple[ObjArray, ...]:
    """Per-row (code or "", old, former city, problem zh, problem en) from distinct places."""
    k = len(decided)
    code = np.full(k, "", dtype=object)
    old = np.zeros(k, dtype=bool)
    former = np.zeros(k, dtype=bool)
    zh = np.full(k, "", dtype=object)
    en = np.full(k, "", dtype=object)
    for j, place in enumerate(decided):
        if place is None:
            continue
        code[j] = place.adcode or ""
        old[j], former[j] = place.old, place.former_city
        zh[j] = f"（{place.problem_zh}）" if place.problem_zh else ""
        en[j] = f" ({place.problem_en})" if place.problem_en else ""
    return code[idx], old[idx], former[idx], zh[idx], en[idx]


def _stated(
    fields: dict[str, int],
    col: Callable[[str], TextArray],
    n: int,
    reasons: dict[str, BoolArray],
    notes: dict[str, BoolArray],
) -> tuple[ObjArray, ObjArray, Texts]:
    """Current county each row states ("" for none), by which field, and what was tried."""
    pl = places()
    stated = np.full(n, "", dtype=object)
    method = np.full(n, "", dtype=object)
    tried = _texts(n)
    notes["old_unit_resolved"] = np.zeros(n, dtype=bool)
    notes["county_of_former_city"] = np.zeros(n, dtype=bool)

    def apply(how: str, per_row: tuple[ObjArray, ...], present: BoolArray, what: Texts) -> None:
        code, old, former, zh, en = per_row
        todo = present & (stated == "")
        hit = todo & (code != "")
        stated[hit], method[hit] = code[hit], how
        notes["old_unit_resolved"] |= hit & old
        notes["county_of_former_city"] |= hit & former
        miss = todo & ~hit
        _set(tried, miss, what[0] + zh, what[1] + en)

    city = strip(col("city")) if "city" in fields else None
    if "address" in fields and "county" in fields:  # the address's city names a county's city
        found_city = pl.in_addresses(strip(col("address")))[1]
        city = found_city if city is None else pc.if_else(pc.equal(city, ""), found_city, city)
    if "adcode" in fields:
        code, is_blank, invalid = parse_adcode(col("adcode"))
        reasons["invalid_adcode"] = invalid
        values, idx = distinct(code)
        per = _per_row([pl.by_adcode(c) if c else None for c in values], idx)
        labels = np.asarray(code.to_pylist(), dtype=object)
        apply("adcode", per, ~is_blank & ~invalid, ("行政区划代码 " + labels, "adcode " + labels))
    if "county" in fields:
        county = strip(col("county"))
        present = ~blank(county)
        combo = (
            county
            if city is None
            else pc.binary_join_element_wise(county, city, pa.scalar("\x1f", TEXT))
        )
        values, idx = distinct(combo)
        per = _per_row(
            [pl.by_name(*v.split("\x1f")) if v.split("\x1f")[0] else None for v in values], idx
        )
        labels = np.asarray(county.to_pylist(), dtype=object)
        apply("county", per, present, ("区县“" + labels + "”", "county " + _quoted(labels)))
    if "address" in fields:
        address = strip(col("address"))
        present = ~blank(address)
        decided, idx = resolve_addresses(address, city)
        labels = np.asarray(address.to_pylist(), dtype=object)
        none = np.array([d is None for d in decided], dtype=bool)[idx] if n else np.zeros(0, bool)
        zh_what = np.where(none, "地址“" + labels + "”中没有可识别的区县", "地址“" + labels + "”")
        en_what = np.where(
            none, "address " + _quoted(labels) + " names no county", "address " + _quoted(labels)
        )
        apply(
            "address",
            _per_row(decided, idx),
            present,
            (zh_what.astype(object), en_what.astype(object)),
        )
    return stated, method, tried


def _quoted(labels: np.ndarray) -> np.ndarray:
    return np.asarray([repr(v) for v in labels], dtype=object)


def _compare(
    exact: BoolArray,
    adcode: ObjArray,
    stated: ObjArray,
    lon: FloatArray,
    lat: FloatArray,
    tolerance_km: float,
    notes: dict[str, BoolArray],
    note_details: dict[str, Texts],
    n: int,
) -> None:
    """Note points that lie outside the county their row states, beyond the tolerance."""
    differ = exact & (stated != "") & (adcode != stated)
    far = np.zeros(n, dtype=bool)
    if not differ.any():
        notes["point_outside_stated_county"] = far
        return
    texts = _texts(n)
    if differ.any():
        _, shapes = _county_geometry()
        pl = places()
        for i in np.flatnonzero(differ):
            shape = shapes[stated[i]]
            point = shapely.Point(lon[i], lat[i])
            near = shapely.shortest_line(point, shape).coords[-1]
            _, _, metres = _GEOD.inv(lon[i], lat[i], near[0], near[1])
            km = metres / 1000.0
            if km > tolerance_km:
                far[i] = True
                where = pl.label(adcode[i]) if adcode[i] in pl.counties else "—"
                texts[0][i] = f"点位于 {where}，距所填的 {pl.label(stated[i])} {km:.1f} 公里"
                texts[1][i] = (
                    f"the point is in {where}, {km:.1f} km from the stated {pl.label(stated[i])}"
                )
            elif adcode[i] is None:
                adcode[i] = stated[i]
    notes["point_outside_stated_county"] = far
    note_details["point_outside_stated_county"] = texts
