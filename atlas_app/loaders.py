"""Thin cached loaders: each wraps one ``geo``/``layout`` call, nothing else lives here.

``st.cache_resource`` is used for read-only objects shared by every session (layers, display
geometries, chain graphs); callers must not modify what they get. ``st.cache_data`` (which
hands each caller a copy) is used for results that depend on the firm table, keyed by its token.
Every cache has ``max_entries`` so memory stays bounded.
"""

from __future__ import annotations

import hashlib
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import streamlit as st

from geo.layers import LAYER_NAMES, load_layer
from geo.maps import display_layers

__all__ = [
    "chain_analysis",
    "chain_graphs",
    "county_metrics",
    "coverage_tables",
    "demo_firms",
    "display",
    "file_token",
    "firm_metrics",
    "layer",
    "layers",
    "region_options",
]


@st.cache_resource(max_entries=1, show_spinner=False)
def layers() -> dict[str, gpd.GeoDataFrame]:
    """Every named layer at full resolution (for analysis and export). Read-only."""
    return {name: load_layer(name) for name in LAYER_NAMES}


def layer(name: str) -> gpd.GeoDataFrame:
    """One named layer at full resolution (read-only)."""
    return layers()[name]


@st.cache_resource(max_entries=4, show_spinner=False)
def display(tolerance: float) -> dict[str, gpd.GeoDataFrame]:
    """Simplified display copies of every layer, outlines coinciding (``geo.maps.display_layers``)."""
    return display_layers(layers(), tolerance=tolerance)


@st.cache_resource(max_entries=1, show_spinner=False)
def demo_firms() -> gpd.GeoDataFrame:
    """The demonstration firm table (anchors + synthetic), counties filled in. Read-only."""
    from layout.demo import demo_firms as _demo
    from layout.regions import ensure_adcode

    return ensure_adcode(_demo())


@st.cache_resource(max_entries=1, show_spinner=False)
def chain_graphs() -> dict[str, nx.DiGraph]:
    """Chain templates ``{code: DiGraph}`` (``layout.chains.load_chains``). Read-only."""
    from layout.chains import load_chains

    return load_chains()


@st.cache_data(max_entries=1, show_spinner=False)
def county_metrics() -> pd.DataFrame:
    """Per-county layer metrics indexed by adcode: area_km2, n_clusters, n_htz, n_zones."""
    from geo.frames import membership
    from geo.measure import geodesic_area_km2

    counties = layer("counties")
    out = pd.DataFrame(index=pd.Index(counties["adcode"].astype(str), name="adcode"))
    out["area_km2"] = pd.Series(geodesic_area_km2(counties), index=counties.index).to_numpy()
    for name, col in (("clusters", "n_clusters"), ("htz", "n_htz")):
        hosts = layer(name)["host_county_adcodes"].fillna("").str.split(";").explode()
        out[col] = hosts[hosts.str.len() == 6].value_counts().reindex(out.index).fillna(0).astype(int)
    memb = membership("2013")
    out["n_zones"] = memb.groupby("adcode")["zone_code"].nunique().reindex(out.index).fillna(0).astype(int)
    out["city_adcode"] = counties["city_adcode"].astype(str).to_numpy()
    return out


@st.cache_data(max_entries=8, show_spinner=False)
def firm_metrics(token: str, _firms: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per-county firm metrics (n_firms, employees, output) of the firm table named ``token``."""
    df = pd.DataFrame({"adcode": _firms["adcode"].astype("string").to_numpy()})
    for col in ("employees", "output"):
        df[col] = pd.to_numeric(_firms[col], errors="coerce").to_numpy() if col in _firms else float("nan")
    g = df.dropna(subset=["adcode"]).groupby("adcode")
    out = pd.DataFrame({"n_firms": g.size(), "employees": g["employees"].sum(min_count=1),
                        "output": g["output"].sum(min_count=1)})
    out.index = out.index.astype(str)
    return out


@st.cache_data(max_entries=32, show_spinner=False)
def chain_analysis(token: str, chain: str, base: str, _firms: gpd.GeoDataFrame, *,
                   region: str | None = None, level: str | None = None) -> Any:
    """``layout.analysis.analyze_chain`` for one region or every region of a level.

    Cached per firm table (``token``; the table itself is not hashed), chain, base and region.
    """
    from layout.analysis import analyze_chain

    return analyze_chain(_firms, chain, region=region, level=level, base=base, permutations=99)


@st.cache_data(max_entries=4, show_spinner=False)
def coverage_tables(frame: str) -> dict[str, pd.DataFrame]:
    """The coverage results of ``layout.coverage`` (matrix and counts of ``frame``)."""
    from layout import coverage

    return {
        "matrix": coverage.zone_cluster_matrix(frame),
        "counts": coverage.zone_category_counts(frame),
        "compliance": coverage.focus_compliance(),
        "uncovered": coverage.uncovered_counties(),
        "targets": coverage.target_progress(),
    }


def region_options(lang: str) -> dict[str, str]:
    """``{code: label}`` of the province, cities and counties for region pickers."""
    from atlas_app.i18n import name_both, t

    opts = {"370000": f"{t('level_province', lang)}: {name_both('山东省', 'Shandong', lang)}"}
    for name, key in (("cities", "level_city"), ("counties", "level_county")):
        g = layer(name)
        for code, zh, en in zip(g["adcode"], g["name_zh"], g["name_en"], strict=True):
            opts[str(code)] = f"{t(key, lang)}: {name_both(zh, en, lang)} ({code})"
    return opts


def file_token(data: bytes, *parts: Any) -> str:
    """A short content hash naming an uploaded file (used as a cache key)."""
    h = hashlib.sha256(data)
    for p in parts:
        h.update(str(p).encode())
    return h.hexdigest()[:16]
