"""Demonstration firm table: real anchor firms (no figures) + a synthetic table (labelled so).

* **Anchors** (``data/anchors.csv``) are publicly known firms at a chain node. They are placed
  at their host county — a named county, the host county of a named high-tech zone, or a
  development zone whose county the cluster records give — and otherwise at their host city,
  with ``location_quality`` saying which. Their employment and output are unknown: NaN, never
  invented. ``synthetic = False``.
* **Synthetic firms** (``data/demo/firms_synthetic.csv``) are generated reproducibly by
  ``scripts/build_demo.py`` from a seed; ``synthetic = True`` on every row, and the app shows a
  banner whenever they are in use.
"""

from __future__ import annotations

import re
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.boundaries import UnknownUnitError, load_cities, resolve_unit
from geo.registry import data_path
from geo.sites import htz_short_name, load_htz, representative_points

__all__ = ["DEMO_COLUMNS", "demo_firms", "locate_anchors", "synthetic_firms"]

DEMO_COLUMNS = [
    "firm_id",
    "name",
    "chain",
    "node",
    "employees",
    "output",
    "adcode",
    "year",
    "synthetic",
    "location_quality",
    "source",
    "verification",
]

# Development zones that are not high-tech zones, placed in the county the cluster records give
# (clusters.csv F02: 烟台经济技术开发区 administratively in 福山区; F05: 东营经济技术开发区 in 东营区).
_DEV_ZONES = {
    "烟台经济技术开发区": "370611",
    "东营经济技术开发区": "370502",
    "东营经开区": "370502",
}


def _try_unit(token: str) -> str | None:
    for cand in (token, token + "市", token + "县", token + "区"):
        try:
            codes = resolve_unit(cand)
        except UnknownUnitError:
            continue
        if len(codes) == 1:
            return codes[0]
    return None


@cache
def _htz_hosts() -> dict[str, str]:
    htz = load_htz()
    return {
        htz_short_name(n): h.split(";")[0]
        for n, h in zip(htz["name_zh"], htz["host_county_adcodes"], strict=True)
    }


def _anchor_county(place: str, city: str) -> tuple[str | None, str]:
    place = re.sub(r"[（(].*?[)）]", "", place).strip()
    for token in [t.strip() for t in place.split("/") if t.strip()]:
        if token in _htz_hosts():
            return _htz_hosts()[token], "county_centroid (host county of the high-tech zone)"
        if token in _DEV_ZONES:
            return _DEV_ZONES[token], "county_centroid (county of the development zone)"
        code = _try_unit(token)
        if code:
            return code, "county_centroid"
    inner = re.findall(r"[（(](.*?)[)）]", city)
    for token in inner:
        code = _try_unit(token)
        if code:
            return code, "county_centroid"
    return None, "city_centroid"


@cache
def _anchors() -> gpd.GeoDataFrame:
    from geo.boundaries import load_counties

    raw = pd.read_csv(data_path("anchors"), dtype=str, keep_default_na=False)
    counties = load_counties().set_index("adcode")
    county_pts = representative_points(counties)
    cities = load_cities()
    city_pts = dict(zip(cities["name_zh"], representative_points(cities), strict=True))
    rows, geoms = [], []
    for i, rec in enumerate(raw.itertuples(), start=1):
        code, quality = _anchor_county(rec.county_or_zone, rec.city)
        city_name = re.sub(r"[（(].*", "", rec.city).strip()
        if code is not None:
            geom = county_pts[code]
        elif city_name in city_pts:
            geom = city_pts[city_name]
        else:
            geom, quality = None, "unlocated"
        rows.append(
            {
                "firm_id": f"ANCHOR-{i:03d}",
                "name": rec.firm_zh,
                "name_en": rec.firm_en,
                "chain": rec.industry_code,
                "node": rec.node_id,
                "employees": np.nan,
                "output": np.nan,
                "adcode": code,
                "city": city_name,
                "year": pd.NA,
                "synthetic": False,
                "location_quality": quality,
                "source": rec.source,
                "verification": rec.verification,
                "evidence": rec.evidence,
            }
        )
        geoms.append(geom)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


def locate_anchors() -> gpd.GeoDataFrame:
    """Real anchor firms at their host county (or city), figures NaN (copy)."""
    return _anchors().copy()


@cache
def _synthetic() -> gpd.GeoDataFrame:
    df = pd.read_csv(data_path("demo_firms"), dtype={"adcode": str, "firm_id": str})
    df["synthetic"] = True
    return gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(df.pop("lon"), df.pop("lat")), crs="EPSG:4326"
    )


def synthetic_firms() -> gpd.GeoDataFrame:
    """The seeded synthetic demonstration table (every row ``synthetic = True``)."""
    return _synthetic().copy()


def demo_firms(*, include_anchors: bool = True) -> gpd.GeoDataFrame:
    """Anchors (real, no figures) followed by the synthetic firms, as one GeoDataFrame.

    Anchors without a county (placed at a city) keep ``adcode`` empty; analysis joins them to
    the county their point falls in.
    """
    parts = [_synthetic()]
    if include_anchors:
        parts.insert(0, _anchors())
    out = pd.concat(parts, ignore_index=True)
    gdf = gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
    gdf.attrs["synthetic"] = True
    return gdf
