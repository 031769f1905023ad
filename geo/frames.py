"""Plan frames: versioned, overlapping zones built as dissolves of member counties.

Frames
------
``2013``  两区一圈一带: BLUE (蓝色经济区), YRD (黄河三角洲), CAP (省会城市群经济圈), WEST (西部经济隆起带),
          plus RES, the 2015 document's resource-exhausted-city group (membership unverified).
``2020``  一群两心三圈: SHENGHUI (省会经济圈), JIAODONG (胶东经济圈), LUNAN (鲁南经济圈).

A county may belong to several zones of one frame; the membership table keeps that
many-to-many relation and each zone polygon is the coverage union of its members.
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import pandas as pd
import shapely

from geo.boundaries import load_counties
from geo.measure import geodesic_area_km2
from geo.registry import data_path
from geo.sources import STRONG_EVIDENCE

__all__ = ["FRAMES", "UnknownFrameError", "frame_of", "membership", "zone_polygons", "zone_table"]

FRAMES = {
    "2013": "两区一圈一带 (2013) + 2015 resource-exhausted group",
    "2020": "一群两心三圈 (2020)",
}


class UnknownFrameError(ValueError):
    """A frame or zone code that does not exist; the message lists the valid ones."""


def _check_frame(frame: str) -> str:
    frame = str(frame)
    if frame not in FRAMES:
        raise UnknownFrameError(f"unknown plan frame {frame!r}: use one of {', '.join(FRAMES)}")
    return frame


@cache
def _membership_all() -> pd.DataFrame:
    return pd.read_csv(data_path("membership"), dtype=str, keep_default_na=False)


@cache
def _zones_all() -> pd.DataFrame:
    return pd.read_csv(data_path("zones"), dtype=str, keep_default_na=False)


def membership(frame: str = "2013") -> pd.DataFrame:
    """County-to-zone membership of ``frame``.

    Columns: frame, zone_code, adcode, county_name, verification, evidence (of that one
    membership: official, press, secondary or none), source, notes.
    """
    m = _membership_all()
    return m[m["frame"] == _check_frame(frame)].reset_index(drop=True)


def zone_table(frame: str = "2013") -> pd.DataFrame:
    """Zone attributes (names, approving document, scope, source, verification, evidence)."""
    z = _zones_all()
    return z[z["frame"] == _check_frame(frame)].reset_index(drop=True)


def frame_of(zone_code: str) -> str:
    """The frame a zone code belongs to (zone codes are unique across frames)."""
    z = _zones_all()
    hit = z.loc[z["zone_code"] == zone_code, "frame"]
    if hit.empty:
        raise UnknownFrameError(
            f"unknown zone {zone_code!r}: use one of {', '.join(z['zone_code'])}"
        )
    return str(hit.iloc[0])


def zone_polygons(
    frame: str = "2013", *, counties: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Zones of ``frame`` as dissolves of their member counties, with geodesic area and counts.

    Columns: frame, zone_code, name_zh, name_en, kind, n_counties, n_cities, area_km2, members
    (';'-joined adcodes), members_unverified (members whose membership rests on evidence below
    ``press``), approval_doc, approval_date, source, verification, evidence, geometry.
    """
    counties = load_counties() if counties is None else counties
    memb = membership(frame)
    rows = []
    geoms = []
    for z in zone_table(frame).itertuples():
        codes = memb.loc[memb["zone_code"] == z.zone_code, "adcode"]
        part = counties[counties["adcode"].isin(codes)]
        geoms.append(shapely.coverage_union_all(part.geometry.to_numpy()))
        unverified = memb.loc[
            (memb["zone_code"] == z.zone_code) & ~memb["evidence"].isin(STRONG_EVIDENCE),
            "adcode",
        ]
        rows.append(
            {
                "frame": frame,
                "zone_code": z.zone_code,
                "name_zh": z.name_zh,
                "name_en": z.name_en,
                "kind": z.kind,
                "n_counties": len(part),
                "n_cities": part["city_adcode"].nunique(),
                "members": ";".join(sorted(codes)),
                "members_unverified": ";".join(sorted(unverified)),
                "approval_doc": z.approval_doc,
                "approval_date": z.approval_date,
                "source": z.source,
                "verification": z.verification,
                "evidence": z.evidence,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    gdf.insert(gdf.columns.get_loc("members"), "area_km2", geodesic_area_km2(gdf).round(1))
    gdf.attrs["datum"] = "WGS-84"
    return gdf
