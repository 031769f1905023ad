"""Thin cached loaders: each wraps one ``geo``/``layout`` call, nothing else lives here.

``st.cache_resource`` is used for read-only objects shared by every session (layers, display
geometries, chain graphs, built maps); callers must not modify what they get. ``st.cache_data``
(which hands each caller a copy) is used for results that depend on the firm table, keyed by its
token, and for download bytes. Every cache has ``max_entries`` (and the per-view ones a ``ttl``)
so memory stays bounded.

Why: a page switch reruns the whole page script, and before these caches every rerun rebuilt
every map (``geo.maps.build_map``: GeoJSON, escaping, the inertness check) and every download
workbook, although nothing they depend on had changed (``bench/app_pages.py`` measures it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import streamlit as st

from atlas_app import ASSETS_URL
from geo.export import xlsx_bytes as _xlsx_bytes
from geo.layers import LAYER_NAMES, load_layer
from geo.maps import build_map as _build_map
from geo.maps import display_layers

__all__ = [
    "DISPLAY_DECIMALS",
    "SCENARIO_PERMUTATIONS",
    "VIEW_TTL_S",
    "MapSpec",
    "baseline_analysis",
    "build_map",
    "chain_analysis",
    "chain_graphs",
    "content_key",
    "county_metrics",
    "coverage_tables",
    "demo_firms",
    "demo_panel",
    "display",
    "file_token",
    "firm_metrics",
    "firms_for_map",
    "indicator_table",
    "layer",
    "layers",
    "map_spec",
    "monitoring",
    "opportunities",
    "proximity_matrix",
    "region_options",
    "report_files",
    "site_solutions",
    "siting_scores",
    "uploaded_panel",
    "weakest_region",
    "xlsx_bytes",
]

VIEW_TTL_S = 900  # seconds a built map or download stays cached once nobody asks for it


@st.cache_resource(max_entries=1, show_spinner=False)
def layers() -> dict[str, gpd.GeoDataFrame]:
    """Every named layer at full resolution (for analysis and export). Read-only."""
    return {name: load_layer(name) for name in LAYER_NAMES}


def layer(name: str) -> gpd.GeoDataFrame:
    """One named layer at full resolution (read-only)."""
    return layers()[name]


# Decimals of a degree kept in display geometry: 0.001° (about 100 m) is below the simplification
# tolerance (geo.maps.DEFAULT_TOLERANCE, 0.004°) and below a screen pixel up to zoom 11, so
# rounding adds no visible error; each map payload is 9-13 % smaller (bench/app_pages.py).
DISPLAY_DECIMALS = 3


@st.cache_resource(max_entries=4, show_spinner=False)
def display(tolerance: float) -> dict[str, gpd.GeoDataFrame]:
    """Simplified display copies of every layer, outlines coinciding (``geo.maps.display_layers``).

    Coordinates rounded to :data:`DISPLAY_DECIMALS` decimals (shared vertices round alike, so
    shared edges stay shared). Computed once per process and tolerance. Read-only.
    """
    return display_layers(layers(), tolerance=tolerance, precision=DISPLAY_DECIMALS)


class _NoFingerprintError(TypeError):
    """An argument whose content cannot be fingerprinted: the call is not cached."""


def _fingerprint(obj: Any, h: Any) -> None:
    """Feed the content of ``obj`` into the hash ``h`` (frames, geometries, dataclasses ...)."""
    import dataclasses

    import shapely

    if isinstance(obj, gpd.GeoDataFrame):
        h.update(b"gdf%d" % len(obj))
        _fingerprint(pd.DataFrame(obj.drop(columns=obj.geometry.name)), h)
        h.update(str(obj.crs).encode())
        for w in shapely.to_wkb(obj.geometry.to_numpy(), include_srid=False):
            h.update(b"%d:" % len(w or b""))
            h.update(w or b"")
    elif isinstance(obj, pd.DataFrame | pd.Series):
        head = (
            (list(obj.columns), list(obj.dtypes.astype(str)))
            if isinstance(obj, pd.DataFrame)
            else (obj.name, str(obj.dtype))
        )
        h.update(b"frame" + repr(head).encode())
        try:
            h.update(pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes())
        except TypeError:  # cells pandas cannot hash (dicts, lists): their pickled content
            _pickled(obj, h)
    elif isinstance(obj, Mapping):
        h.update(b"map%d" % len(obj))
        for k, v in obj.items():
            _fingerprint(k, h)
            _fingerprint(v, h)
    elif isinstance(obj, set | frozenset):
        h.update(b"set%d" % len(obj))
        for v in sorted(obj, key=repr):
            _fingerprint(v, h)
    elif isinstance(obj, list | tuple):
        h.update(b"seq%d" % len(obj))
        for v in obj:
            _fingerprint(v, h)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(type(obj).__qualname__.encode())
        for f in dataclasses.fields(obj):
            _fingerprint(f.name, h)
            _fingerprint(getattr(obj, f.name), h)
    elif obj is None or isinstance(obj, str | int | float | bool):
        h.update(repr((type(obj).__name__, obj)).encode())
    else:
        _pickled(obj, h)


def _pickled(obj: Any, h: Any) -> None:
    import pickle

    try:
        h.update(pickle.dumps(obj, protocol=5))
    except Exception as exc:  # e.g. a function: unknown content
        raise _NoFingerprintError(type(obj).__name__) from exc


def content_key(*parts: Any) -> str | None:
    """A hash of the content of ``parts`` (None when some part cannot be fingerprinted)."""
    h = hashlib.blake2b(digest_size=16)
    try:
        _fingerprint(parts, h)
    except _NoFingerprintError:
        return None
    return h.hexdigest()


@dataclass(frozen=True)
class MapSpec:
    """A map to draw: its builder, the builder's arguments and their content key.

    Nothing is built here: :func:`atlas_app.map_view.show_map` builds and prepares the map
    once per process for the same content (``key``, :func:`content_key`; None when some
    argument cannot be fingerprinted, and then the map is built for each call).
    """

    build: Callable[..., Any]  # a folium.Map, or the feature groups swapped into one
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    key: str | None

    def make(self) -> Any:
        """Build the map (a new folium map each call), or its feature groups."""
        return self.build(*self.args, **self.kwargs)


def map_spec(build: Callable[..., Any], *args: Any, **kwargs: Any) -> MapSpec:
    """The map ``build(*args, **kwargs)``, keyed by the builder's name and the arguments' content
    (keyword arguments in name order: the order they were given in does not matter)."""
    key = content_key(
        f"{build.__module__}.{build.__qualname__}", args, dict(sorted(kwargs.items()))
    )
    return MapSpec(build, args, kwargs, key)


def build_map(layers: Mapping[str, gpd.GeoDataFrame], **options: Any) -> MapSpec:
    """``geo.maps.build_map(layers, **options)`` as a :class:`MapSpec` for ``show_map``.

    Front-end assets are linked from the app's static files (:data:`atlas_app.ASSETS_URL`)
    unless ``served_assets`` says otherwise.
    """
    options.setdefault("served_assets", ASSETS_URL)
    return map_spec(_build_map, layers, **options)


@st.cache_data(max_entries=6, ttl=VIEW_TTL_S, show_spinner=False)
def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """``geo.export.xlsx_bytes`` (formula cells neutralised), once per distinct set of sheets."""
    return _xlsx_bytes(dict(sheets))


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
        out[col] = (
            hosts[hosts.str.len() == 6].value_counts().reindex(out.index).fillna(0).astype(int)
        )
    memb = membership("2013")
    out["n_zones"] = (
        memb.groupby("adcode")["zone_code"].nunique().reindex(out.index).fillna(0).astype(int)
    )
    out["city_adcode"] = counties["city_adcode"].astype(str).to_numpy()
    return out


@st.cache_data(max_entries=4, show_spinner=False)
def firms_for_map(token: str, _firms: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The firm table named ``token`` with ``node_name_zh``/``node_name_en`` for map tooltips."""
    graphs = chain_graphs()
    names = {
        (c, n): (d.get("name_zh"), d.get("name_en"))
        for c, g in graphs.items()
        for n, d in g.nodes(data=True)
    }
    keys = list(zip(_firms["chain"].astype(str), _firms["node"].astype(str), strict=True))
    out = _firms.copy()
    out["node_name_zh"] = [names.get(k, (None, None))[0] for k in keys]
    out["node_name_en"] = [names.get(k, (None, None))[1] for k in keys]
    return out


@st.cache_data(max_entries=8, show_spinner=False)
def firm_metrics(token: str, _firms: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per-county firm metrics (n_firms, employees, output) of the firm table named ``token``."""
    df = pd.DataFrame({"adcode": _firms["adcode"].astype("string").to_numpy()})
    for col in ("employees", "output"):
        df[col] = (
            pd.to_numeric(_firms[col], errors="coerce").to_numpy()
            if col in _firms
            else float("nan")
        )
    g = df.dropna(subset=["adcode"]).groupby("adcode")
    out = pd.DataFrame(
        {
            "n_firms": g.size(),
            "employees": g["employees"].sum(min_count=1),
            "output": g["output"].sum(min_count=1),
        }
    )
    out.index = out.index.astype(str)
    return out


@st.cache_data(max_entries=32, show_spinner=False)
def chain_analysis(
    token: str,
    chain: str,
    base: str,
    _firms: gpd.GeoDataFrame,
    *,
    region: str | None = None,
    level: str | None = None,
) -> Any:
    """``layout.analysis.analyze_chain`` for one region or every region of a level.

    Cached per firm table (``token``; the table itself is not hashed), chain, base and region.
    """
    from layout.analysis import analyze_chain

    return analyze_chain(_firms, chain, region=region, level=level, base=base, permutations=99)


@st.cache_data(max_entries=32, show_spinner=False)
def weakest_region(token: str, chain: str, base: str, _firms: gpd.GeoDataFrame) -> str:
    """The city where ``chain`` is least complete (ties: the lower adcode) — where a
    province-wide page opens while no region is chosen.

    Completeness is C_r = Σ_n w_n·present(n, r) / Σ_n w_n (as ``layout.analysis``): a node is
    present in a city when a firm of the chain at that node lies in one of its counties. It
    needs no figures and no analysis run, so it costs a group-by.
    """
    graph = chain_graphs()[chain]
    weights = {n: float(d.get("weight", 1.0) or 1.0) for n, d in graph.nodes(data=True)}
    counties = layer("counties")
    city_of = dict(
        zip(counties["adcode"].astype(str), counties["city_adcode"].astype(str), strict=True)
    )
    mine = _firms[_firms["chain"].astype(str) == chain]
    cities = mine["adcode"].astype("string").map(city_of)
    present = pd.DataFrame({"city": cities, "node": mine["node"].astype(str)}).dropna()
    present = present[present["node"].isin(list(weights))].drop_duplicates()
    total = sum(weights.values()) or 1.0
    got = present.assign(w=present["node"].map(weights)).groupby("city")["w"].sum() / total
    table = pd.DataFrame({"region": sorted(set(city_of.values()))})
    table["completeness"] = table["region"].map(got).fillna(0.0)
    table = table.sort_values(["completeness", "region"], kind="stable")
    return str(table["region"].iloc[0])


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
    """``{code: label}`` of the province, cities and counties for region pickers (one language).

    Counties read "县级：历下区（济南市）· 370102" / "County: Lixia District (Jinan) · 370102":
    the name in the page's language, its city (same-named districts such as 市中区 stay apart)
    and the adcode (so a code can be typed to find it).
    """
    from atlas_app.i18n import name, t

    opts = {
        "370000": f"{t('level_province', lang)}{_colon(lang)}{name('山东省', 'Shandong', lang)}"
    }
    cities = layer("cities")
    for code, zh, en in zip(cities["adcode"], cities["name_zh"], cities["name_en"], strict=True):
        opts[str(code)] = f"{t('level_city', lang)}{_colon(lang)}{name(zh, en, lang)} · {code}"
    g = layer("counties")
    for code, zh, en, czh, cen in zip(
        g["adcode"], g["name_zh"], g["name_en"], g["city_name_zh"], g["city_name_en"], strict=True
    ):
        city = name(czh, cen, lang)
        inner = f"（{city}）" if lang == "zh" else f" ({city})"
        opts[str(code)] = (
            f"{t('level_county', lang)}{_colon(lang)}{name(zh, en, lang)}{inner} · {code}"
        )
    return opts


def _colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def file_token(data: bytes, *parts: Any) -> str:
    """A short content hash naming an uploaded file (used as a cache key)."""
    h = hashlib.sha256(data)
    for p in parts:
        h.update(str(p).encode())
    return h.hexdigest()[:16]


# ----------------------------------------------------------------------------- planning pages
# Added for the siting, opportunities, evaluation and report pages: each wraps one
# ``layout`` call, cached per firm table (``token``) and the options that change the result.
@st.cache_data(max_entries=32, show_spinner=False)
def siting_scores(
    token: str,
    chain: str,
    node: str,
    region: str,
    weights: tuple[tuple[str, float], ...],
    decay_km: float,
    _firms: gpd.GeoDataFrame,
) -> pd.DataFrame:
    """``layout.siting.score_candidates`` (weights as ``((part, w), ...)`` so they hash)."""
    from layout.siting import score_candidates

    return score_candidates(
        _firms, chain, node, region=region, weights=dict(weights), decay_km=decay_km
    )


@st.cache_data(max_entries=32, show_spinner=False)
def site_solutions(
    token: str,
    chain: str,
    node: str,
    region: str,
    k: int,
    service_km: float,
    base: str,
    scope: str,
    _firms: gpd.GeoDataFrame,
) -> dict[str, Any]:
    """``layout.siting.site_k`` with both methods: ``{"p-median": SiteResult, "mclp": SiteResult}``."""
    from layout.siting import METHODS, site_k

    return {
        m: site_k(
            _firms,
            chain,
            node,
            region=region,
            k=k,
            method=m,
            service_km=service_km,
            base=base,
            scope=scope,
        )
        for m in METHODS
    }


@st.cache_data(max_entries=16, show_spinner=False)
def opportunities(
    token: str,
    region: str,
    base: str,
    attractiveness: str,
    chains: tuple[str, ...] | None,
    _firms: gpd.GeoDataFrame,
) -> pd.DataFrame:
    """``layout.opportunities.rank_opportunities`` of one region (all chains when ``chains`` is None)."""
    from layout.opportunities import rank_opportunities

    return rank_opportunities(
        _firms,
        region,
        base=base,
        attractiveness=attractiveness,
        chains=list(chains) if chains is not None else None,
    )


@st.cache_data(max_entries=8, show_spinner=False)
def proximity_matrix(token: str, base: str, _firms: gpd.GeoDataFrame) -> pd.DataFrame:
    """Item × item proximity φ over the counties (``layout.opportunities.proximity``), template items."""
    from layout.opportunities import item_table, node_matrix, presence_matrix, proximity

    cols = item_table()["item"].tolist()
    values = node_matrix(_firms, level="county", base=base, items=cols)
    return proximity(presence_matrix(values)).loc[cols, cols]


@st.cache_data(max_entries=16, show_spinner=False)
def indicator_table(
    token: str, chain: str, level: str, frame: str, base: str, _firms: gpd.GeoDataFrame
) -> pd.DataFrame:
    """``layout.evaluation.indicator_table``: raw indicators of ``chain`` for every region of a level."""
    from layout.evaluation import indicator_table as _table

    return _table(_firms, chain, level=level, frame=frame, base=base)


@st.cache_data(max_entries=8, show_spinner=False)
def report_files(
    token: str, chain: str, region: str, base: str, _firms: gpd.GeoDataFrame
) -> dict[str, Any]:
    """``layout.reports.build_report`` rendered: ``{"html", "xlsx", "summary", "title_zh", ...}``."""
    from layout.reports import build_report, render_html, xlsx_bytes

    # the demonstration firms are the demo panel's last year: the report shows their trend
    panel = demo_panel() if token == "demo" else None
    rep = build_report(_firms, chain, region, base=base, panel=panel)
    return {
        "html": render_html(rep),
        "xlsx": xlsx_bytes(rep),
        "summary": dict(rep.summary),
        "chain_name_zh": rep.chain_name_zh,
        "chain_name_en": rep.chain_name_en,
        "region_name_zh": rep.region_name_zh,
        "region_name_en": rep.region_name_en,
        "synthetic": rep.synthetic,
        "notes": list(rep.notes),
        "generated": rep.generated,
        "lists": {k: len(v) for k, v in rep.lists.items()},
    }


# ----------------------------------------------------------------------------- monitoring page
@st.cache_resource(max_entries=1, show_spinner=False)
def demo_panel() -> Any:
    """The demonstration panel 2019–2024 (``layout.monitoring.demo_panel``). Read-only."""
    from layout.monitoring import demo_panel as _demo

    return _demo()


@st.cache_data(max_entries=4, show_spinner=False)
def uploaded_panel(token: str, _files: tuple[tuple[str, bytes], ...]) -> Any:
    """``layout.monitoring.read_panel`` of uploaded files ``((name, bytes), ...)``, by content."""
    import io

    from layout.monitoring import read_panel

    buffers = []
    for name, data in _files:
        buf = io.BytesIO(data)
        buf.name = name
        buffers.append(buf)
    return read_panel(buffers)


@st.cache_data(max_entries=8, show_spinner=False)
def monitoring(token: str, chain: str, level: str, frame: str, base: str, _panel: Any) -> Any:
    """``layout.monitoring.monitor_chain`` of the panel named ``token`` (not hashed itself)."""
    import dataclasses

    from layout.monitoring import monitor_chain

    m = monitor_chain(_panel, chain, level=level, frame=frame, base=base)
    # the per-year ChainAnalysis objects are not shown; dropping them keeps the cache small
    return dataclasses.replace(m, years=dataclasses.replace(m.years, analyses={}))


SCENARIO_PERMUTATIONS = 99
"""Permutations of the scenario page's baseline and runs (the page's ``PERMUTATIONS``)."""


@st.cache_resource(max_entries=16, show_spinner=False)
def baseline_analysis(
    token: str, chain: str, level: str, frame: str, base: str, _firms: Any
) -> Any:
    """The scenario page's baseline chain analysis, with the options
    :func:`layout.scenarios.run_scenario` uses. Read-only: shared, not copied.

    Cached per firm table (``token``; the table itself is not hashed), chain, level, frame and
    base. One object for every session and run (``run_scenario`` reads its baseline and does
    not change it): a copy per call, as ``st.cache_data`` gives, cost a run about 0.3 s, the
    frames' lookups rebuilt on every fresh copy.
    """
    from layout.scenarios import evaluate

    return evaluate(
        _firms,
        chain,
        region=None,
        level=level,
        frame=frame,
        base=base,
        permutations=SCENARIO_PERMUTATIONS,
    )


# ----------------------------------------------------------------------------- warm-up
# The analyses every session of the demonstration data asks for first, computed once per process
# in the background after the first page is drawn, so that a chain switch or a first scenario run
# finds them cached. ATLAS_WARM_UP=0 turns it off (the app tests do, to keep the machine free).
