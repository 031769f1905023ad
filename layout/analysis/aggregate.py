"""Aggregation: firms → region links → region × node matrices of one chain.

The one step every part of a chain analysis starts from: each firm is linked to the regions of
a level (:func:`region_links`; zones overlap, so a firm can link to several), and the links are
summed into the region × node value matrix ``e`` and firm-count matrix ``n`` of a chain plus the
all-chain regional totals e_r (:func:`aggregate_chain`, or :func:`chain_matrices` from the firm
table directly). :func:`province_benchmark` gives the province values (each firm once) that
location quotients compare against.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.frames import membership as frame_membership
from geo.problems import raise_if
from layout.analysis.errors import AnalysisError
from layout.checks import base_problems
from layout.regions import assign_regions, region_table

__all__ = [
    "ChainMatrices",
    "aggregate_chain",
    "chain_mask",
    "chain_matrices",
    "counties_of",
    "membership_pairs",
    "node_values",
    "province_benchmark",
    "region_links",
    "rows_in_counties",
    "take_rows",
]


def node_values(firms: pd.DataFrame, *, base: str) -> pd.Series:
    """Per-firm value on ``base`` (``firms`` = 1 each; missing figures = 0).

    Raises
    ------
    AnalysisError
        When ``base`` is not one of ``employees``, ``output``, ``firms``.
    """
    raise_if(base_problems(base), AnalysisError)
    if base == "firms":
        return pd.Series(1.0, index=firms.index)
    return pd.to_numeric(firms[base], errors="coerce").fillna(0.0).clip(lower=0.0)


def region_links(
    firms: gpd.GeoDataFrame,
    level: str,
    frame: str,
    membership: pd.DataFrame | None,
    rows: np.ndarray | None = None,
    regions: set[str] | None = None,
) -> pd.DataFrame:
    """Firm row → region links (:func:`assign_regions`), optionally for a subset of rows and regions.

    ``rows`` are positions in ``firms``; the returned ``row`` column always refers to ``firms``.
    Links keep the row order of ``firms`` within each region, so sums over a subset equal, to
    the last bit, the sums over the whole table.
    """
    if rows is None:
        links = assign_regions(firms, level=level, frame=frame, membership=membership)
    else:
        links = assign_regions(firms.iloc[rows], level=level, frame=frame, membership=membership)
        links = links.assign(row=rows[links["row"].to_numpy()])
    if regions is not None:
        links = links[links["region"].isin(regions)]
    return links


def aggregate_chain(
    firms: gpd.GeoDataFrame,
    links: pd.DataFrame,
    values: np.ndarray,
    chain: str,
    regions: list[str],
    nodes: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.DataFrame]:
    """Region × node value ``e`` and count ``n`` of ``chain``, all-chain totals, and the chain's links.

    ``links`` from :func:`region_links`, ``values`` the per-firm values (:func:`node_values`)
    as an array in the order of ``firms``. The chain's links come back with a ``node`` column.
    """
    at = links["row"].to_numpy()
    links = links.assign(value=values[at])
    totals = links.groupby("region")["value"].sum().reindex(regions, fill_value=0.0)
    mine = links[chain_mask(firms, chain)[at]]
    mine = mine.assign(node=take_rows(firms["node"], mine["row"].to_numpy()))
    e = mine.pivot_table(
        index="region", columns="node", values="value", aggfunc="sum", fill_value=0.0
    )
    n = mine.pivot_table(
        index="region", columns="node", values="row", aggfunc="count", fill_value=0
    )
    e = e.reindex(index=regions, columns=nodes, fill_value=0.0).astype(float)
    n = n.reindex(index=regions, columns=nodes, fill_value=0).astype(int)
    return e, n, totals, mine


@dataclass(frozen=True)
class ChainMatrices:
    """Region × node matrices of one chain at one level (see :func:`chain_matrices`).

    Attributes
    ----------
    e
        Value e_ir (regions × nodes, float).
    n
        Firm count (regions × nodes, int).
    totals
        All-chain regional totals e_r (indexed by region).
    links
        The chain's firm → region links (``row``, ``region``, ``value``, ``node``).
    """

    e: pd.DataFrame
    n: pd.DataFrame
    totals: pd.Series
    links: pd.DataFrame


def chain_matrices(
    firms: gpd.GeoDataFrame,
    chain: str,
    *,
    nodes: list[str],
    level: str = "county",
    frame: str = "2013",
    membership: pd.DataFrame | None = None,
    values: np.ndarray | None = None,
    base: str = "employees",
    regions: list[str] | None = None,
) -> ChainMatrices:
    """Region × node matrices of ``chain`` over every region of ``level`` (or ``regions``).

    A pure function of the firm table (with ``adcode`` filled, see
    :func:`layout.regions.ensure_adcode`) and the region assignment (level, frame,
    membership). ``values`` (per-firm, in the order of ``firms``) defaults to
    :func:`node_values` on ``base``.
    """
    if values is None:
        values = node_values(firms, base=base).to_numpy()
    if regions is None:
        regions = region_table(level, frame=frame)["region"].tolist()
    e, n, totals, links = aggregate_chain(
        firms, region_links(firms, level, frame, membership), values, chain, regions, nodes
    )
    return ChainMatrices(e, n, totals, links)


def chain_mask(firms: pd.DataFrame, chain: str) -> np.ndarray:
    """Boolean mask of the firms of ``chain`` (compared in the column's own storage, e.g. Arrow)."""
    return (firms["chain"] == chain).to_numpy(dtype=bool, na_value=False)


def take_rows(col: pd.Series, rows: np.ndarray) -> np.ndarray:
    """``col`` at positions ``rows`` as numpy, converting only those rows (not the whole column)."""
    return col.iloc[rows].to_numpy()


def counties_of(
    regions: set[str], level: str, frame: str, membership: pd.DataFrame | None
) -> set[str]:
    """County adcodes whose firms count in any of ``regions`` (a level's region codes)."""
    if level == "county":
        return set(regions)
    if level == "city":
        from geo.boundaries import load_counties

        c = load_counties()
        return set(c.loc[c["city_adcode"].isin(regions), "adcode"])
    if level == "province":
        return set(region_table("county")["region"])
    m = frame_membership(frame) if membership is None else membership
    return set(m.loc[m["zone_code"].isin(regions), "adcode"])


def rows_in_counties(codes: pd.Series, counties: set[str]) -> np.ndarray:
    """Positions of the firms whose county adcode (``codes``) is in ``counties``."""
    return np.flatnonzero(codes.isin(counties).to_numpy(dtype=bool, na_value=False))


def membership_pairs(membership: pd.DataFrame | None, frame: str) -> set[tuple[str, str]]:
    """(adcode, zone) pairs of the zones of ``frame`` in a membership table (``None``: the shipped one)."""
    membership = frame_membership(frame) if membership is None else membership
    zones = set(region_table("zone", frame=frame)["region"])
    m = membership[membership["zone_code"].isin(zones)]
    return set(zip(m["adcode"], m["zone_code"], strict=True))


def province_benchmark(
    firms: pd.DataFrame, codes: pd.Series, values: np.ndarray, chain: str, nodes: list[str]
) -> pd.Series:
    """Province value of each node of ``chain`` and ``__other__`` (the rest), each firm once.

    Zones overlap, so summing zones would double count; the province counts every firm with a
    county once (the rows :func:`assign_regions` places in the province); ``codes`` are the
    firms' :func:`~layout.regions.county_adcodes`.
    """
    located = codes.notna().to_numpy(dtype=bool)
    mine = located & chain_mask(firms, chain)
    node_total = (
        pd.Series(values[mine])
        .groupby(take_rows(firms["node"], np.flatnonzero(mine)))
        .sum()
        .reindex(nodes, fill_value=0.0)
    )
    total = float(pd.Series(values[located]).sum())
    return pd.concat([node_total, pd.Series({"__other__": total - float(node_total.sum())})])
