"""Sourcing for gaps: the nearest regions and firms that have a missing, broken or weak node.

Distances are geodesic km on WGS-84 (:func:`geo.measure.geodesic_distance_km`). With many
gap × target pairs a k-d tree on the unit sphere proposes candidates and the ellipsoidal
distances decide, with a margin that keeps the answer exact (:func:`nearest`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.measure import geodesic_distance_km
from layout.regions import region_table

__all__ = [
    "Targets",
    "at_county_point",
    "nearest",
    "nearest_brute",
    "nearest_sources",
    "region_distances",
]

_BRUTE_PAIRS = 2_000  # up to this many gap × target pairs, all distances are computed
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
    glon: np.ndarray,
    glat: np.ndarray,
    tlon: np.ndarray,
    tlat: np.ndarray,
    k: int,
    *,
    tree: Callable[[], Any] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and geodesic km of the k nearest targets for each gap point.

    Exact: equal to sorting every geodesic distance (ties broken by target order). Small
    problems compute them all. Large ones ask a k-d tree on the unit sphere for
    m = 4k + 16 candidates by great-circle distance, measure on the ellipsoid those that can
    be among the k nearest (great-circle distance within (1 + 1 %)/(1 − 1 %) of the k-th
    candidate's), and keep a gap point's answer only if its k-th distance is below
    (1 − 1 %) × the m-th candidate's great-circle distance — every other target is farther
    than that on the ellipsoid too (the geodesic on WGS-84 and the great circle on the mean
    sphere differ by less than 0.5 % in Shandong).
    Points that fail the test (far from dense targets, where many candidates lie within 1 %
    of each other) ask again for 4 × as many candidates, until the test holds or every
    target is a candidate. ``tree``: a function returning the k-d tree of the targets' unit
    vectors when the caller keeps one (:class:`Targets`), so repeated searches over the same
    targets build it once.
    """
    n_t = len(tlon)
    k = min(k, n_t)
    m = min(n_t, 4 * k + 16)
    if len(glon) * n_t <= _BRUTE_PAIRS or m == n_t:
        return nearest_brute(glon, glat, tlon, tlat, k)
    if tree is None:
        from scipy.spatial import cKDTree

        kd = cKDTree(_unit_xyz(tlon, tlat))
    else:
        kd = tree()
    order = np.zeros((len(glon), k), dtype=np.int64)
    best = np.zeros((len(glon), k))
    todo = np.arange(len(glon))
    while len(todo):
        if m >= n_t:  # every target a candidate: measure them all
            order[todo], best[todo] = nearest_brute(glon[todo], glat[todo], tlon, tlat, k)
            break
        chord, cand = kd.query(_unit_xyz(glon[todo], glat[todo]), k=m)
        gc = 2 * _SPHERE_KM * np.arcsin(np.minimum(chord / 2, 1.0))  # ascending per row
        # only candidates that could be among the k nearest are measured: the k-th nearest
        # is at most gc_k (1 + s) away on the ellipsoid, and a candidate beyond
        # gc_k (1 + s) / (1 − s) on the sphere is farther than that (ties included)
        near = gc <= gc[:, k - 1 : k] * (1 + _SPHERE_SLACK) / (1 - _SPHERE_SLACK)
        i, j = np.nonzero(near)
        gi = todo[i]
        dist = np.full(cand.shape, np.inf)
        dist[i, j] = geodesic_distance_km(glon[gi], glat[gi], tlon[cand[i, j]], tlat[cand[i, j]])
        pick = np.lexsort((cand, dist), axis=1)[:, :k]  # by distance, ties by target order
        o, d = np.take_along_axis(cand, pick, axis=1), np.take_along_axis(dist, pick, axis=1)
        ok = d[:, -1] < gc[:, -1] * (1 - _SPHERE_SLACK)  # every other target is farther
        order[todo[ok]], best[todo[ok]] = o[ok], d[ok]
        todo, m = todo[~ok], min(n_t, 4 * m)
    return order, best


@functools.cache
def region_distances(level: str, frame: str = "2013") -> np.ndarray:
    """Geodesic km between the representative points of every two regions of a level (read
    only; rows and columns in :func:`layout.regions.region_table` order)."""
    rt = region_table(level, frame=frame)
    lon, lat = rt["lon"].to_numpy(), rt["lat"].to_numpy()
    dist = geodesic_distance_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    dist.setflags(write=False)
    return dist


class Targets:
    """Target points of nearest searches, with their k-d tree built on first use (once)."""

    def __init__(self, lon: np.ndarray, lat: np.ndarray) -> None:
        self.lon, self.lat = lon, lat
        self._tree: Any = None

    def __len__(self) -> int:
        return len(self.lon)

    def tree(self) -> Any:
        """The k-d tree of the points' unit vectors (scipy ``cKDTree``)."""
        if self._tree is None:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(_unit_xyz(self.lon, self.lat))
        return self._tree


_COLUMNS = [
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


def nearest_sources(
    table: pd.DataFrame,
    firms: gpd.GeoDataFrame | Mapping[str, pd.Series],
    targets_of: Callable[[str], tuple[np.ndarray, Targets]],
    rt: pd.DataFrame,
    regions: list[str],
    k: int,
    only: set[str] | None = None,
    *,
    distances: np.ndarray | None = None,
) -> pd.DataFrame:
    """Nearest regions (same level) and firms that have each missing, broken or weak node.

    ``table`` is the node table (:func:`layout.analysis.status.node_table` with region names)
    and ``firms`` the firm table (or its columns ``firm_id``, ``name`` and, when there,
    ``name_en``, ``synthetic``, ``verification``, ``location_quality`` by name);
    ``targets_of(node)`` gives the positions in ``firms`` of the chain's located firms at
    ``node`` linked to a region of the level, ascending, with their points
    (:meth:`layout.analysis.shared.FirmTable.node_firms`); ``rt`` is the level's region table
    with representative points and ``distances`` its region-to-region geodesic km
    (:func:`region_distances`, else measured as needed). ``only``: the nodes to compute
    (default all).

    Rows: for each gap (region, node), up to ``k`` regions (the region itself skipped) and
    ``k`` firms, nearest first; sorted by region, node and kind (``firm`` before ``region``).

    ``target_at_county_point`` says when a firm's distance rests on its county's point, not
    on the firm's own: firms imported without coordinates (``location_quality`` ``county`` or
    ``address``; see :mod:`layout.records`). Region targets are always representative points.
    """
    at = pd.Index(rt["region"].to_numpy())
    rlon, rlat = rt["lon"].to_numpy(), rt["lat"].to_numpy()
    t_region = table["region"].to_numpy(dtype=object)
    t_node = table["node"].to_numpy(dtype=object)
    t_status = table["status"].to_numpy(dtype=object)
    # object arrays: pandas' Arrow-string isin builds one Arrow scalar per wanted value
    gap = pd.Index(t_region).isin(list(regions)) & pd.Index(t_status).isin(
        ["missing", "broken", "weak"]
    )
    if only is not None:
        gap &= pd.Index(t_node).isin(list(only))
    have = table["n_firms"].to_numpy() > 0
    d_all = np.flatnonzero(have)
    d_node = pd.Index(t_node[d_all])
    names_zh = table["region_name_zh"].to_numpy(dtype=object)
    names_en = table["region_name_en"].to_numpy(dtype=object)
    parts: list[dict[str, Any]] = []
    firm_rows: list[np.ndarray] = []
    g_all = np.flatnonzero(gap)
    g_codes_of, g_nodes = pd.factorize(t_node[g_all])  # nodes in order of first appearance
    for c, node in enumerate(g_nodes):
        g = g_all[g_codes_of == c]
        g_codes = t_region[g]
        g_at = at.get_indexer(g_codes)
        glon, glat = rlon[g_at], rlat[g_at]
        d = d_all[d_node == node]
        if len(d):
            d_codes = t_region[d]
            d_at = at.get_indexer(d_codes)
            dlon, dlat = rlon[d_at], rlat[d_at]
            if distances is None:
                order, dist = nearest(glon, glat, dlon, dlat, k + 1)
            else:  # every distance, as nearest_brute measures them, from the level's matrix
                dist = distances[np.ix_(g_at, d_at)]
                order = np.argsort(dist, axis=1, kind="stable")[:, : min(k + 1, len(d))]
                dist = np.take_along_axis(dist, order, axis=1)
            same = d_codes[order] == g_codes[:, None]  # a weak region is its own donor: skip it
            for j in range(order.shape[1]):
                pick, ok = d[order[:, j]], ~same[:, j]
                parts.append(
                    {
                        "region": g_codes[ok],
                        "node": node,
                        "kind": "region",
                        "rank": j,
                        "target": t_region[pick][ok],
                        "target_name_zh": names_zh[pick][ok],
                        "target_name_en": names_en[pick][ok],
                        "target_status": t_status[pick][ok],
                        "distance_km": dist[:, j][ok].round(1),
                        "lon": dlon[order[:, j]][ok],
                        "lat": dlat[order[:, j]][ok],
                        "target_at_county_point": False,
                    }
                )
        rows, targets = targets_of(str(node))
        if len(rows):
            order, dist = nearest(glon, glat, targets.lon, targets.lat, k, tree=targets.tree)
            for j in range(order.shape[1]):
                firm_rows.append(rows[order[:, j]])
                parts.append(
                    {
                        "region": g_codes,
                        "node": node,
                        "kind": "firm",
                        "rank": j,
                        "target": None,
                        "target_name_zh": None,
                        "target_name_en": None,
                        "target_status": None,
                        "distance_km": dist[:, j].round(1),
                        "lon": targets.lon[order[:, j]],
                        "lat": targets.lat[order[:, j]],
                        "target_at_county_point": None,
                    }
                )
    if not parts:
        return pd.DataFrame(columns=_COLUMNS)
    sizes = [len(p["region"]) for p in parts]
    out = {
        c: np.concatenate(
            [
                np.full(size, p[c], dtype=object if c != "rank" else np.int64)
                if np.ndim(p[c]) == 0
                else p[c]
                for p, size in zip(parts, sizes, strict=True)
            ]
        )
        for c in [*_COLUMNS, "rank"]
    }
    if firm_rows:  # the firms' ids, names, status and location, taken from the table once
        is_firm = out["kind"] == "firm"
        for name, v in _target_info(firms, np.concatenate(firm_rows)).items():
            out[name][is_firm] = v
    # sorted by region, node, kind, rank (stable); the first k of each (region, node, kind)
    keys = [np.array(out[c].tolist(), dtype=str) for c in ("kind", "node", "region")]
    order = np.lexsort([out["rank"], *keys])
    group = np.stack([x[order] for x in keys])
    starts = np.r_[True, (group[:, 1:] != group[:, :-1]).any(axis=0)]
    first = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    order = order[np.arange(len(order)) - first < k]
    return pd.DataFrame(
        {
            c: out[c][order] if c in ("distance_km", "lon", "lat") else out[c][order].tolist()
            for c in _COLUMNS
        }
    )


def at_county_point(
    firms: gpd.GeoDataFrame | Mapping[str, pd.Series], rows: np.ndarray
) -> np.ndarray:
    """True for the firms (positions ``rows``) located at their county's point, not their own."""
    if "location_quality" not in firms:
        return np.zeros(len(rows), dtype=bool)
    quality = firms["location_quality"].iloc[rows]
    return quality.isin(["county", "address"]).to_numpy(dtype=bool)


def _target_info(
    firms: gpd.GeoDataFrame | Mapping[str, pd.Series], rows: np.ndarray
) -> dict[str, np.ndarray]:
    """Id, names, status (real / synthetic / hypothetical) and location flag of firms at ``rows``.

    Each column is taken at ``rows`` alone (not the whole frame: the firm table can be large).
    """

    def col(name: str) -> pd.Series:
        return firms[name].iloc[rows]

    name_s = col("name")
    name = name_s.astype(str).to_numpy()
    name_en = (
        (col("name_en").fillna(name_s) if "name_en" in firms else name_s).astype(str).to_numpy()
    )
    syn = (
        col("synthetic").fillna(False).astype(bool).to_numpy()
        if "synthetic" in firms
        else np.zeros(len(rows), bool)
    )
    hypo = (
        col("verification").astype(str).str.contains("hypothetical").to_numpy()
        if "verification" in firms
        else np.zeros(len(rows), bool)
    )
    return {
        "target": col("firm_id").astype(str).to_numpy(),
        "target_name_zh": name,
        "target_name_en": name_en,
        "target_status": np.where(syn, "synthetic", np.where(hypo, "hypothetical", "real")),
        "target_at_county_point": at_county_point(firms, rows),
    }
