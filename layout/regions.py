"""Regions of every level and the assignment of firms to them.

Levels: ``county`` (136), ``city`` (16), ``zone`` (zones of a plan frame — overlapping, so a
firm can count in several zones), ``province`` (1). A region code names its level: a county or
city adcode, a zone code (BLUE, YRD, CAP, WEST, RES; SHENGHUI, JIAODONG, LUNAN) or 370000.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.boundaries import load_cities, load_counties
from geo.frames import FRAMES, frame_of, zone_table
from geo.frames import membership as frame_membership
from geo.sites import representative_points

__all__ = [
    "LEVELS",
    "PROVINCE",
    "Region",
    "RegionError",
    "assign_regions",
    "county_adcodes",
    "ensure_adcode",
    "parse_region",
    "region_table",
]

LEVELS = ("county", "city", "zone", "province")
PROVINCE = "370000"


class RegionError(ValueError):
    """An unknown level, frame or region code; the message lists what is valid."""


@dataclass(frozen=True)
class Region:
    """A region code with its level and (for zones) its plan frame."""

    code: str
    level: str
    frame: str = "2013"


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise RegionError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    return level


def parse_region(code: str) -> Region:
    """Level (and frame) of a region code.

    >>> parse_region("370705")
    Region(code='370705', level='county', frame='2013')
    >>> parse_region("LUNAN").frame
    '2020'
    """
    code = str(code).strip()
    if code == PROVINCE:
        return Region(code, "province")
    if code in set(load_cities()["adcode"]):
        return Region(code, "city")
    if code in set(load_counties()["adcode"]):
        return Region(code, "county")
    try:
        return Region(code, "zone", frame_of(code))
    except ValueError:
        pass
    zones = ", ".join(z for f in FRAMES for z in zone_table(f)["zone_code"])
    raise RegionError(
        f"unknown region {code!r}: use a county or city adcode (e.g. 370705, 370700), "
        f"a zone code ({zones}) or {PROVINCE} for the province"
    )


@cache
def _region_table(level: str, frame: str) -> pd.DataFrame:
    if level == "county":
        g = load_counties()
    elif level == "city":
        g = load_cities()
    elif level == "province":
        from geo.boundaries import load_province

        g = load_province()
    else:
        from geo.frames import zone_polygons

        g = zone_polygons(frame).rename(columns={"zone_code": "adcode"})
    pts = representative_points(g)
    return pd.DataFrame(
        {
            "region": g["adcode"].to_numpy(),
            "name_zh": g["name_zh"].to_numpy(),
            "name_en": g["name_en"].to_numpy(),
            "lon": pts.x.to_numpy(),
            "lat": pts.y.to_numpy(),
        }
    )


def region_table(level: str = "county", *, frame: str = "2013") -> pd.DataFrame:
    """Regions of a level: region code, name_zh, name_en, lon/lat of a representative point."""
    return _region_table(_check_level(level), str(frame)).copy()


def county_adcodes(firms: gpd.GeoDataFrame) -> pd.Series:
    """County adcode of every firm as a ``string`` Series; missing ones filled by a point join.

    Only firms without a valid 6-digit code and with a geometry are joined; the firm table is
    not copied.
    """
    if "adcode" not in firms:
        # no code to keep: one join of every point (missing or empty geometries give NA), not
        # an all-NA column overwritten row by row
        from geo.joins import join_counties

        joined = join_counties(firms.geometry)
        return pd.Series(joined.array, index=firms.index, copy=False).astype("string")
    codes = firms["adcode"].astype("string")
    need = (codes.isna() | (codes.str.len() != 6)).fillna(
        True
    ).to_numpy() & firms.geometry.notna().to_numpy()
    if need.any():
        from geo.joins import join_counties

        codes = codes.copy()
        codes.iloc[np.flatnonzero(need)] = join_counties(firms.geometry[need]).to_numpy()
    return codes


def ensure_adcode(firms: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Copy of ``firms`` with every located firm's county ``adcode`` filled by a point join."""
    out = firms.copy()
    out["adcode"] = county_adcodes(firms)
    return out


def assign_regions(
    firms: gpd.GeoDataFrame,
    *,
    level: str = "county",
    frame: str = "2013",
    membership: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Long table firm_row → region for ``level`` (zones: one row per zone holding the county).

    Returns a DataFrame with the firm's positional row number ``row`` and ``region``; firms
    outside every county get no row. ``membership`` (columns ``adcode``, ``zone_code``) replaces
    the shipped county → zone table of ``frame`` at level ``zone``, e.g. a scenario's edited one.
    """
    _check_level(level)
    base = pd.DataFrame(
        {"row": range(len(firms)), "adcode": county_adcodes(firms).to_numpy()}
    ).dropna()
    if level == "county":
        return base.rename(columns={"adcode": "region"})[["row", "region"]]
    if level == "province":
        return base.assign(region=PROVINCE)[["row", "region"]]
    if level == "city":
        city_of = dict(zip(load_counties()["adcode"], load_counties()["city_adcode"], strict=True))
        return base.assign(region=base["adcode"].map(city_of))[["row", "region"]].dropna()
    m = (frame_membership(frame) if membership is None else membership)[
        ["adcode", "zone_code"]
    ].drop_duplicates()
    return base.merge(m, on="adcode").rename(columns={"zone_code": "region"})[["row", "region"]]
