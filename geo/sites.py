"""High-tech zones and cluster records as located point layers, joined to the plan frames.

No coordinates are sourced for high-tech zones or clusters, so each is placed at its host
county (``location_quality = "county_centroid"``: the centroid, or a point on the surface when
the centroid falls outside) or, failing that, its host city (``"city_centroid"``). Records with
neither stay in the table with an empty geometry (``"unlocated"``). Every row keeps its
``source`` and ``verification``.
"""

from __future__ import annotations

import re
from functools import cache

import geopandas as gpd
import pandas as pd
import shapely

from geo.boundaries import load_cities, load_counties
from geo.frames import membership
from geo.registry import data_path

__all__ = ["cluster_zones", "htz_short_name", "load_clusters", "load_htz", "representative_points"]

_CODE = re.compile(r"\b37\d{4}\b")


def representative_points(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Centroid of each polygon, or a point on its surface when the centroid lies outside."""
    cent = shapely.centroid(gdf.geometry.to_numpy())
    inside = shapely.contains(gdf.geometry.to_numpy(), cent)
    pts = [
        c if ok else shapely.point_on_surface(g)
        for c, ok, g in zip(cent, inside, gdf.geometry, strict=True)
    ]
    return gpd.GeoSeries(pts, index=gdf.index, crs=gdf.crs)


@cache
def _county_points() -> dict[str, shapely.Point]:
    c = load_counties()
    return dict(zip(c["adcode"], representative_points(c), strict=True))


@cache
def _city_points() -> dict[str, shapely.Point]:
    c = load_cities()
    return dict(zip(c["adcode"], representative_points(c), strict=True))


def _codes(value: object) -> list[str]:
    return _CODE.findall(str(value)) if isinstance(value, str) else []


def _city_codes(text: object) -> list[str]:
    """City adcodes named in free text such as "青岛市 (also 烟台, 威海)"."""
    if not isinstance(text, str):
        return []
    cities = load_cities()
    return [
        c
        for c, n in zip(cities["adcode"], cities["name_zh"], strict=True)
        if n.removesuffix("市") in text
    ]


def _locate(hosts: list[str], cities: list[str]) -> tuple[shapely.Point | None, str]:
    if hosts and hosts[0] in _county_points():
        return _county_points()[hosts[0]], "county_centroid"
    if cities and cities[0] in _city_points():
        return _city_points()[cities[0]], "city_centroid"
    return None, "unlocated"


def _zones_for(units: list[str], frame: str) -> list[str]:
    m = membership(frame)
    return sorted(set(m.loc[m["adcode"].isin(units), "zone_code"]))


def _strip_brackets(text: str) -> str:
    """Remove bracketed asides, nested ones too: ``a (b(c)d) e`` -> ``a e``."""
    out, depth = [], 0
    for ch in text:
        if ch in "(（":
            depth += 1
        elif ch in ")）" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def htz_short_name(name_zh: str) -> str:
    """``济南高新技术产业开发区`` -> ``济南高新区`` (the form documents usually cite)."""
    name = _strip_brackets(name_zh)
    for long in ("火炬高技术产业开发区", "高新技术产业开发区", "高新技术产业示范区"):
        name = name.replace(long, "高新区")
    return name


@cache
def _htz() -> gpd.GeoDataFrame:
    df = pd.read_csv(data_path("htz"), dtype=str, keep_default_na=False)
    hosts = [_codes(v) for v in df["host_county_adcode"]]
    cities = [_codes(v) for v in df["host_city_adcode"]]
    located = [_locate(h, c) for h, c in zip(hosts, cities, strict=True)]
    df["host_county_adcodes"] = [";".join(h) for h in hosts]
    df["location_quality"] = [q for _, q in located]
    units = [
        h or [u for c in cs for u in _counties_of(c)] for h, cs in zip(hosts, cities, strict=True)
    ]
    df["zones_2013"] = [";".join(_zones_for(u, "2013")) for u in units]
    df["zones_2020"] = [";".join(_zones_for(u, "2020")) for u in units]
    return gpd.GeoDataFrame(df, geometry=[p for p, _ in located], crs="EPSG:4326")


@cache
def _counties_by_city() -> dict[str, list[str]]:
    c = load_counties()
    return c.groupby("city_adcode")["adcode"].apply(list).to_dict()


def _counties_of(city: str) -> list[str]:
    return _counties_by_city().get(city, [])


def load_htz(*, include_historical: bool = False) -> gpd.GeoDataFrame:
    """High-tech zones (national and provincial) as points at their host county.

    Historical rows (a provincial zone later upgraded) are left out unless asked for.
    """
    g = _htz()
    return (g if include_historical else g[g["status"] == "current"]).reset_index(drop=True).copy()


def _match_htz(text: object) -> list[str]:
    if not isinstance(text, str) or not text.strip():
        return []
    h = _htz()
    hits = []
    for hid, name in zip(h["htz_id"], h["name_zh"], strict=True):
        short = htz_short_name(name)
        full = _strip_brackets(name)
        if (full in text or short in text) and hid not in hits:
            hits.append(hid)
    return [x for x in hits if not x.startswith("SD-PHTZ-H")]


@cache
def _clusters() -> gpd.GeoDataFrame:
    df = pd.read_csv(data_path("clusters"), dtype=str, keep_default_na=False)
    hosts = [_codes(v) for v in df["host_county_adcode"]]
    cities = [
        _codes(c) or _city_codes(t)
        for c, t in zip(df["host_city_adcode"], df["host_city"], strict=True)
    ]
    located = [_locate(h, c) for h, c in zip(hosts, cities, strict=True)]
    units = [
        h or [u for c in cs for u in _counties_of(c)] for h, cs in zip(hosts, cities, strict=True)
    ]
    df["host_county_adcodes"] = [";".join(h) for h in hosts]
    df["host_city_adcodes"] = [";".join(c) for c in cities]
    df["host_level"] = [
        "county" if h else ("city" if c else "none") for h, c in zip(hosts, cities, strict=True)
    ]
    df["location_quality"] = [q for _, q in located]
    df["zones_2013"] = [";".join(_zones_for(u, "2013")) for u in units]
    df["zones_2020"] = [";".join(_zones_for(u, "2020")) for u in units]
    df["htz_ids"] = [";".join(_match_htz(t)) for t in df["host_htz"]]
    return gpd.GeoDataFrame(df, geometry=[p for p, _ in located], crs="EPSG:4326")


def load_clusters(*, include_notes: bool = False) -> gpd.GeoDataFrame:
    """Cluster records of every programme, located and joined to zones and high-tech zones.

    ``zones_2013``/``zones_2020`` list every zone that holds at least one host unit (host
    counties, or all counties of the host city when no county is named); ``htz_ids`` lists
    high-tech zones named as hosts. Rows that are notes in the reference (counts, claims) are
    left out unless ``include_notes``.
    """
    g = _clusters()
    return (g if include_notes else g[g["record_type"] == "cluster"]).reset_index(drop=True).copy()


def cluster_zones(frame: str = "2013") -> pd.DataFrame:
    """Long table cluster_id, zone_code, relation ("in" = every host unit in the zone, "partly")."""
    g = _clusters()
    m = membership(frame)
    rows = []
    for rec in g[g["record_type"] == "cluster"].itertuples():
        hosts = (
            rec.host_county_adcodes.split(";")
            if rec.host_county_adcodes
            else [u for c in rec.host_city_adcodes.split(";") if c for u in _counties_of(c)]
        )
        for zone, members in m.groupby("zone_code")["adcode"]:
            inside = [h for h in hosts if h in set(members)]
            if inside:
                rows.append(
                    {
                        "cluster_id": rec.cluster_id,
                        "zone_code": zone,
                        "relation": "in" if len(inside) == len(hosts) else "partly",
                    }
                )
    return pd.DataFrame(rows, columns=["cluster_id", "zone_code", "relation"])
