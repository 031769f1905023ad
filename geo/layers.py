"""Named layers: the one registry the CLI, the app and exports read from.

Layer names are a public contract (users' scripts use them):
``province``, ``cities``, ``counties``, ``zones`` (2013 frame), ``zones-2020``, ``htz``,
``clusters``.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import pandas as pd

from geo.boundaries import load_cities, load_counties, load_province
from geo.frames import zone_polygons
from geo.sites import cluster_zones, load_clusters, load_htz

__all__ = [
    "LAYER_INFO",
    "LAYER_NAMES",
    "UnknownLayerError",
    "layer_summary",
    "load_layer",
    "zones_layer",
]


class UnknownLayerError(ValueError):
    """A layer name that does not exist; the message lists the valid names."""


def zones_layer(frame: str = "2013") -> gpd.GeoDataFrame:
    """Zone polygons of ``frame`` with counts of clusters and high-tech zones in each.

    ``n_clusters`` counts cluster records with at least one host unit in the zone;
    ``n_htz`` counts current high-tech zones whose host county is in the zone.
    """
    zones = zone_polygons(frame)
    cz = cluster_zones(frame)
    htz = load_htz()
    n_cl = cz.groupby("zone_code")["cluster_id"].nunique()
    htz_zone = htz.assign(zone=htz[f"zones_{frame}"].str.split(";")).explode("zone")
    n_htz = htz_zone.groupby("zone")["htz_id"].nunique()
    zones.insert(
        zones.columns.get_loc("area_km2"),
        "n_clusters",
        zones["zone_code"].map(n_cl).fillna(0).astype(int),
    )
    zones.insert(
        zones.columns.get_loc("area_km2"),
        "n_htz",
        zones["zone_code"].map(n_htz).fillna(0).astype(int),
    )
    return zones


LAYER_INFO: dict[str, tuple[str, str, Callable[[], gpd.GeoDataFrame]]] = {
    "province": ("省界", "Province", load_province),
    "cities": ("地级市", "Prefecture-level cities", load_cities),
    "counties": ("县级行政区", "County-level units", load_counties),
    "zones": ("两区一圈一带 (2013)", "Plan zones, 2013 frame", lambda: zones_layer("2013")),
    "zones-2020": (
        "一群两心三圈 (2020)",
        "Economic circles, 2020 frame",
        lambda: zones_layer("2020"),
    ),
    "htz": ("高新区", "High-tech zones", load_htz),
    "clusters": ("产业集群", "Industrial clusters", load_clusters),
}
LAYER_NAMES: tuple[str, ...] = tuple(LAYER_INFO)


def load_layer(name: str) -> gpd.GeoDataFrame:
    """Load the named layer (WGS-84). Unknown names raise listing the valid ones."""
    try:
        loader = LAYER_INFO[name][2]
    except KeyError:
        raise UnknownLayerError(
            f"unknown layer {name!r}: valid layers are {', '.join(LAYER_NAMES)}"
        ) from None
    gdf = loader()
    gdf.attrs["datum"] = "WGS-84"
    gdf.attrs["layer"] = name
    return gdf


def layer_summary() -> pd.DataFrame:
    """One row per layer: name, Chinese and English titles, feature count, datum, geometry type."""
    rows = []
    for name, (zh, en, _) in LAYER_INFO.items():
        gdf = load_layer(name)
        types = sorted(set(gdf.geometry.dropna().geom_type))
        rows.append(
            {
                "name": name,
                "title_zh": zh,
                "title_en": en,
                "features": len(gdf),
                "datum": "WGS-84 (EPSG:4326)",
                "geometry": "/".join(types),
                "located": int(gdf.geometry.notna().sum()),
            }
        )
    return pd.DataFrame(rows)
