"""Planned sites of a scenario and the hosts they add to each county.

Sites hold no firms, so they leave the chain metrics alone; they change the *host* table
(:func:`site_hosts`): a park counts as a high-tech-zone-like host (``htz_like``) of its
county, a cluster site as a cluster host, and a county with any host is no longer
"uncovered". Siting and coverage code reads :func:`site_hosts` to score candidate counties.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layout.scenarios.model import AddSite, Scenario
from layout.scenarios.validate import join_points

__all__ = ["scenario_sites", "site_changes", "site_hosts"]


def scenario_sites(scenario: Scenario) -> gpd.GeoDataFrame:
    """Point layer of the scenario's :class:`AddSite` edits with their county ``adcode``."""
    sites = [e for e in scenario.edits if isinstance(e, AddSite)]
    cols = ["scenario", "site_id", "kind", "name", "chain", "nodes", "adcode"]
    if not sites:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in cols}, geometry=gpd.GeoSeries([], crs="EPSG:4326")
        )
    lon = np.array([s.lon for s in sites], dtype=float)
    lat = np.array([s.lat for s in sites], dtype=float)
    return gpd.GeoDataFrame(
        {
            "scenario": scenario.name,
            "site_id": [s.site_id for s in sites],
            "kind": [s.kind for s in sites],
            "name": [s.name for s in sites],
            "chain": [s.chain or "" for s in sites],
            "nodes": [";".join(s.nodes) for s in sites],
            "adcode": join_points(lon, lat),
        },
        geometry=gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326"),
    )


def site_hosts(sites: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Per county: high-tech zones, parks, cluster records and cluster sites it hosts.

    Parameters
    ----------
    sites
        Scenario sites (:func:`scenario_sites`); ``None`` = the baseline (no planned site).

    Returns
    -------
    DataFrame
        One row per county: region (adcode), name_zh, name_en, htz (high-tech zones
        hosted), parks (scenario parks), htz_like = htz + parks — a park counts as a
        high-tech-zone-like host —, clusters (cluster records hosted at county level),
        cluster_sites (scenario cluster sites), covered = any of them. With ``sites=None``
        the uncovered counties are exactly :func:`layout.coverage.uncovered_counties`.
    """
    from geo.boundaries import load_counties
    from geo.sites import load_clusters, load_htz

    counties = load_counties()
    codes = counties["adcode"].tolist()

    def count(values: Iterable[str]) -> pd.Series:
        flat = [c for v in values for c in str(v).split(";") if c]
        return pd.Series(flat, dtype=object).value_counts().reindex(codes, fill_value=0).astype(int)

    htz = count(load_htz()["host_county_adcodes"])
    clusters = count(load_clusters()["host_county_adcodes"])
    sites = sites if sites is not None else scenario_sites(Scenario("none"))
    parks = count(sites.loc[sites["kind"] == "park", "adcode"].dropna())
    csites = count(sites.loc[sites["kind"] == "cluster", "adcode"].dropna())
    out = pd.DataFrame(
        {
            "region": codes,
            "name_zh": counties["name_zh"].to_numpy(),
            "name_en": counties["name_en"].to_numpy(),
            "htz": htz.to_numpy(),
            "parks": parks.to_numpy(),
            "clusters": clusters.to_numpy(),
            "cluster_sites": csites.to_numpy(),
        }
    )
    out.insert(5, "htz_like", out["htz"] + out["parks"])
    out["covered"] = (out["htz_like"] + out["clusters"] + out["cluster_sites"]) > 0
    return out


def site_changes(scenario: Scenario) -> pd.DataFrame:
    """Counties whose hosts change under ``scenario``: before/after htz_like, cluster hosts, covered."""
    before = site_hosts()
    after = site_hosts(scenario_sites(scenario))
    out = pd.DataFrame(
        {
            "region": before["region"],
            "name_zh": before["name_zh"],
            "name_en": before["name_en"],
            "htz_like_before": before["htz_like"],
            "htz_like_after": after["htz_like"],
            "cluster_hosts_before": before["clusters"] + before["cluster_sites"],
            "cluster_hosts_after": after["clusters"] + after["cluster_sites"],
            "covered_before": before["covered"],
            "covered_after": after["covered"],
        }
    )
    changed = (out["htz_like_before"] != out["htz_like_after"]) | (
        out["cluster_hosts_before"] != out["cluster_hosts_after"]
    )
    return out[changed].reset_index(drop=True)
