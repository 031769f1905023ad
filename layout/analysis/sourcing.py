"""Sourcing for gaps: the nearest regions and firms that have a missing, broken or weak node.

Distances are geodesic km on WGS-84 (:func:`geo.measure.geodesic_distance_km`). With many
gap × target pairs a k-d tree on the unit sphere proposes candidates and the ellipsoidal
distances decide, with a margin that keeps the answer exact (:func:`nearest`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.measure import geodesic_distance_km

__all__ = ["at_county_point", "nearest", "nearest_brute", "nearest_sources"]

_BRUTE_PAIRS = 250_000  # below this many gap × target pairs, all distances are computed
_SPHERE_KM = 6371.0088  # mean Earth radius (IUGG)
_SPHERE_SLACK = 0.01  # |WGS-84 geodesic / great circle − 1| < 0.5 %: a 1 % margin is safe


def _unit_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def nearest_brute(
    glon: np.ndarray, glat: np.ndarray, tlon: np.ndarray, tlat: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and geodesic km of the k nearest targets of each gap point, from every distance."""
    dist = geodesic_distance_km(glon[:, None], glat[:, None], tlon[None, :], tlat[None, :])
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(dist, order, axis=1)


def nearest(
    glon: np.ndarray, glat: np.ndarray, tlon: np.ndarray, tlat: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and geodesic km of the k nearest targets for each gap point.

    Exact: equal to sorting every geodesic distance (ties broken by target order). Small
    problems compute them all. Large ones ask a k-d tree on the unit sphere for
    m = 4k + 16 candidates by great-circle distance, measure those on the ellipsoid, and keep
    a gap point's answer only if its k-th distance is below (1 − 1 %) × the m-th candidate's
    great-circle distance — every other target is farther than that on the ellipsoid too;
    the rare points that fail the test are measured against all targets.
    """
    n_t = len(tlon)
    k = min(k, n_t)
    m = min(n_t, 4 * k + 16)
    if len(glon) * n_t <= _BRUTE_PAIRS or m == n_t:
        return nearest_brute(glon, glat, tlon, tlat, k)
    from scipy.spatial import cKDTree

    chord, cand = cKDTree(_unit_xyz(tlon, tlat)).query(_unit_xyz(glon, glat), k=m)
    dist = geodesic_distance_km(
        np.repeat(glon[:, None], m, axis=1),
        np.repeat(glat[:, None], m, axis=1),
        tlon[cand],
        tlat[cand],
    )
    pick = np.lexsort((cand, dist), axis=1)[:, :k]  # by distance, ties by target order
    order, best = np.take_along_axis(cand, pick, axis=1), np.take_along_axis(dist, pick, axis=1)
    bound = 2 * _SPHERE_KM * np.arcsin(np.minimum(chord[:, -1] / 2, 1.0)) * (1 - _SPHERE_SLACK)
    redo = np.flatnonzero(best[:, -1] >= bound)
    if len(redo):
        order[redo], best[redo] = nearest_brute(glon[redo], glat[redo], tlon, tlat, k)
    return order, best


def nearest_sources(
    table: pd.DataFrame,
    firms: gpd.GeoDataFrame,
    mine: pd.DataFrame,
    rt: pd.DataFrame,
    regions: list[str],
    k: int,
    only: set[str] | None = None,
) -> pd.DataFrame:
    """Nearest regions (same level) and firms that have each missing, broken or weak node.

    ``table`` is the node table (:func:`layout.analysis.status.node_table` with region names),
    ``mine`` the chain's firm links (:func:`layout.analysis.aggregate.aggregate_chain`), ``rt``
    the level's region table with representative points. ``only``: the nodes to compute
    (default all); ``mine`` must hold their firm links.

    ``target_at_county_point`` says when a firm's distance rests on its county's point, not
    on the firm's own: firms imported without coordinates (``location_quality`` ``county`` or
    ``address``; see :mod:`layout.records`). Region targets are always representative points.
    """
    cols = [
        "region",
        "node",
        "kind",
        "target",
        "target_name_zh",
        "target_name_en",
        "target_status",
        "distance_km",
        "lon",
        "lat",
        "target_at_county_point",
    ]
    pts = rt.set_index("region")
    gaps = table[
        table["region"].isin(regions) & table["status"].isin(["missing", "broken", "weak"])
    ]
    if only is not None:
        gaps = gaps[gaps["node"].isin(only)]
    have = table[table["n_firms"] > 0]
    parts = []
    for node, grp in gaps.groupby("node", sort=False):
        g_codes = grp["region"].to_numpy()
        glon, glat = pts.loc[g_codes, "lon"].to_numpy(), pts.loc[g_codes, "lat"].to_numpy()
        donors = have[have["node"] == node]
        if len(donors):
            d_codes = donors["region"].to_numpy()
            dlon, dlat = pts.loc[d_codes, "lon"].to_numpy(), pts.loc[d_codes, "lat"].to_numpy()
            order, dist = nearest(glon, glat, dlon, dlat, k + 1)
            same = d_codes[order] == g_codes[:, None]  # a weak region is its own donor: skip it
            for j in range(order.shape[1]):
                pick = order[:, j]
                ok = ~same[:, j]
                parts.append(
                    pd.DataFrame(
                        {
                            "region": g_codes[ok],
                            "node": node,
                            "kind": "region",
                            "rank": j,
                            "target": d_codes[pick][ok],
                            "target_name_zh": donors["region_name_zh"].to_numpy()[pick][ok],
                            "target_name_en": donors["region_name_en"].to_numpy()[pick][ok],
                            "target_status": donors["status"].to_numpy()[pick][ok],
                            "distance_km": dist[:, j][ok].round(1),
                            "lon": dlon[pick][ok],
                            "lat": dlat[pick][ok],
                            "target_at_county_point": False,
                        }
                    )
                )
        rows = mine.loc[mine["node"] == node, "row"].drop_duplicates().to_numpy()
        geoms = firms.geometry.iloc[rows]
        located = geoms.notna().to_numpy()
        rows, geoms = rows[located], geoms[located]
        if len(rows):
            flon, flat = geoms.x.to_numpy(), geoms.y.to_numpy()
            order, dist = nearest(glon, glat, flon, flat, k)
            for j in range(order.shape[1]):
                pick = rows[order[:, j]]
                info = _target_info(firms, pick)
                parts.append(
                    pd.DataFrame(
                        {
                            "region": g_codes,
                            "node": node,
                            "kind": "firm",
                            "rank": j,
                            **info,
                            "distance_km": dist[:, j].round(1),
                            "lon": flon[order[:, j]],
                            "lat": flat[order[:, j]],
                            "target_at_county_point": at_county_point(firms, pick),
                        }
                    )
                )
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["region", "node", "kind", "rank"], kind="stable")
    out = out.groupby(["region", "node", "kind"], sort=False).head(k)
    return out[cols].reset_index(drop=True)


def at_county_point(firms: gpd.GeoDataFrame, rows: np.ndarray) -> np.ndarray:
    """True for the firms (positions ``rows``) located at their county's point, not their own."""
    if "location_quality" not in firms:
        return np.zeros(len(rows), dtype=bool)
    quality = firms["location_quality"].iloc[rows]
    return quality.isin(["county", "address"]).to_numpy(dtype=bool)


def _target_info(firms: gpd.GeoDataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Id, names and status (real / synthetic / hypothetical) of the firms at positions ``rows``."""
    sub = firms.iloc[rows]
    name = sub["name"].astype(str).to_numpy()
    name_en = (
        (sub["name_en"].fillna(sub["name"]) if "name_en" in sub else sub["name"])
        .astype(str)
        .to_numpy()
    )
    syn = (
        sub["synthetic"].fillna(False).astype(bool).to_numpy()
        if "synthetic" in sub
        else np.zeros(len(sub), bool)
    )
    hypo = (
        sub["verification"].astype(str).str.contains("hypothetical").to_numpy()
        if "verification" in sub
        else np.zeros(len(sub), bool)
    )
    return {
        "target": sub["firm_id"].astype(str).to_numpy(),
        "target_name_zh": name,
        "target_name_en": name_en,
        "target_status": np.where(syn, "synthetic", np.where(hypo, "hypothetical", "real")),
    }
