"""The map builder: atlas layers on one offline folium map, in one language and one datum.

:func:`build_map` draws the layers bottom to top with their styles, tooltips and popups, a
choropleth with its legend, place names, a metric scale bar, the layer control (top right) and
the legend (bottom right), and fits the view to the layers, to the selected region or to what
the caller asks. :func:`selection_group` outlines one region apart from the map, for
``st_folium``'s ``feature_group_to_add``.

Datum: overlays are stored in WGS-84; over GCJ-02 tiles (Amap, or a custom service that says
so) every overlay, label and bound is shifted to GCJ-02 with
:func:`geo.datum.transform_geometries`, so it lines up with the tiles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element

from geo.datum import transform_geometries
from geo.export import geojson_dict
from geo.maps.assets import localise_assets
from geo.maps.basemaps import BASEMAPS, TileService, add_basemap, basemap_datum
from geo.maps.classify import NO_DATA_COLOUR, SCHEMES, Choropleth, class_colours, classify_values
from geo.maps.controls import ControlCaps, MetricScale, PlaceLabels, WheelAfterClick
from geo.maps.display import DEFAULT_TOLERANCE, DISPLAY_PRECISION, display_layers
from geo.maps.errors import MapError
from geo.maps.features import ID_COLUMNS, feature_collection, feature_props, tooltip_fields
from geo.maps.firms import add_firms
from geo.maps.legend import (
    LEGEND_CSS,
    LEGEND_MAX_SHARE,
    Legend,
    choropleth_legend,
    legend_html,
    point_legend,
    zone_legend,
)
from geo.maps.live import FitView, LayerControlHandle, LegendUpdate, OverlayEntry
from geo.maps.style import STATUS_COLOURS, point_style, style_for, zone_style
from geo.maps.text import assert_inert, esc, name_in
from geo.maps.topology import TopoGeoJson
from geo.maps.words import layer_title, word
from geo.problems import Problem, problem

__all__ = [
    "FIRMS_MODES",
    "LANGS",
    "build_map",
    "in_datum",
    "live_layers",
    "region_bounds",
    "selection_group",
]

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = ("zh", "en")
FIRMS_MODES: tuple[str, ...] = ("auto", "markers", "heat")
Bounds = tuple[float, float, float, float]


def _check_args(
    layers: Mapping[str, Any],
    basemap: Any,
    lang: str,
    choropleth: Choropleth | None,
    firms_mode: str,
) -> None:
    problems: list[Problem] = []
    if not isinstance(basemap, TileService) and basemap not in BASEMAPS:
        problems.append(
            problem("map_bad_option", argument="basemap", value=basemap, valid=", ".join(BASEMAPS))
        )
    elif isinstance(basemap, TileService):
        problems += basemap.problems()
    if lang not in LANGS:
        problems.append(
            problem("map_bad_option", argument="lang", value=lang, valid=", ".join(LANGS))
        )
    if firms_mode not in FIRMS_MODES:
        problems.append(
            problem(
                "map_bad_option",
                argument="firms_mode",
                value=firms_mode,
                valid=", ".join(FIRMS_MODES),
            )
        )
    for name, gdf in layers.items():
        if not isinstance(gdf, gpd.GeoDataFrame):
            problems.append(problem("map_not_a_frame", layer=name, kind=type(gdf).__name__))
        elif gdf.crs is None:
            problems.append(problem("map_no_crs", layer=name))
    if choropleth is not None:
        if choropleth.layer not in layers:
            problems.append(
                problem(
                    "map_choropleth_layer",
                    argument="choropleth.layer",
                    value=choropleth.layer,
                    valid=", ".join(layers) or "—",
                )
            )
        if choropleth.scheme not in SCHEMES:
            problems.append(
                problem(
                    "map_bad_option",
                    argument="choropleth.scheme",
                    value=choropleth.scheme,
                    valid=", ".join(SCHEMES),
                )
            )
    if problems:
        raise MapError(problems)


def in_datum(gdf: gpd.GeoDataFrame, datum: str) -> gpd.GeoDataFrame:
    """``gdf`` (any CRS) in WGS-84 lon/lat, shifted to GCJ-02 when ``datum == "gcj02"``."""
    gdf = gdf.to_crs("EPSG:4326") if not gdf.crs.equals("EPSG:4326") else gdf
    if datum == "wgs84":
        return gdf
    geoms = transform_geometries(gdf.geometry.to_numpy(), "wgs84", datum)
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs="EPSG:4326"))


def _find_region(layers: Mapping[str, gpd.GeoDataFrame], code: str) -> gpd.GeoDataFrame | None:
    for name in ("counties", "cities", "zones", "zones-2020", "province"):
        gdf = layers.get(name)
        if gdf is None:
            continue
        col = "zone_code" if name.startswith("zones") else "adcode"
        if col in gdf:
            hit = gdf[gdf[col].astype(str) == str(code)]
            if len(hit):
                return hit
    return None


def region_bounds(
    layers: Mapping[str, gpd.GeoDataFrame], code: str, *, basemap: str | TileService = "none"
) -> Bounds | None:
    """``(west, south, east, north)`` of region ``code`` among ``layers``, in the map's datum."""
    hit = _find_region(layers, code)
    if hit is None:
        return None
    x0, y0, x1, y1 = in_datum(hit, basemap_datum(basemap)).total_bounds
    return float(x0), float(y0), float(x1), float(y1)


def selection_group(
    layers: Mapping[str, gpd.GeoDataFrame],
    code: str,
    *,
    basemap: str | TileService = "none",
    lang: Lang | str = "zh",
) -> folium.FeatureGroup | None:
    """A feature group outlining region ``code`` (county, city or zone), or None if not found.

    Built apart from :func:`build_map` so an app can add or swap it on a live map (for
    ``st_folium``'s ``feature_group_to_add``) without re-sending the whole map.
    """
    hit = _find_region(layers, str(code))
    if hit is None:
        return None
    hit = in_datum(hit, basemap_datum(basemap))
    doc = geojson_dict(hit[["geometry"]], precision=DISPLAY_PRECISION)
    style = style_for("selection", 0)
    group = folium.FeatureGroup(name=esc(layer_title("selection", str(lang))), show=True)
    folium.GeoJson(
        doc,
        style_function=lambda _f, s=style: s,
        className="atlas-selection",
        control=False,
        interactive=False,
    ).add_to(group)
    assert_inert(group)
    return group


def _names(gdf: gpd.GeoDataFrame, lang: str) -> list[str]:
    """Each feature's name in ``lang`` (plain text), its code when it has no name."""
    codes = [str(c) for c in gdf.get("zone_code", gdf.get("adcode", pd.Series(gdf.index)))]
    zh = gdf.get("name_zh", pd.Series([None] * len(gdf)))
    en = gdf.get("name_en", pd.Series([None] * len(gdf)))
    return [name_in(a, b, lang) or c for a, b, c in zip(zh, en, codes, strict=True)]


def _label_rows(gdf: gpd.GeoDataFrame, lang: str) -> list[list[object]]:
    pts = shapely.point_on_surface(gdf.geometry.to_numpy())
    rows = []
    for p, text in zip(pts, _names(gdf, lang), strict=True):
        if p is not None and not shapely.is_empty(p) and text:
            rows.append([round(float(p.y), 5), round(float(p.x), 5), esc(text)])
    return rows


def _polygon_style(
    name: str,
    li: int,
    frame_idx: int,
    gdf: gpd.GeoDataFrame,
    choropleth: Choropleth | None,
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    if name.startswith("zones"):
        codes = (
            gdf["zone_code"].astype(str).tolist()
            if "zone_code" in gdf
            else [str(i) for i in range(len(gdf))]
        )
        styles = {f"{name}:{c}": zone_style(c, i, frame_idx) for i, c in enumerate(codes)}

        def zone_of(f: dict[str, Any]) -> dict[str, Any]:
            return styles.get(f["id"], {})

        return zone_of
    base = style_for(name, li)
    if choropleth is not None and choropleth.layer == name:
        idcol = next(c for c in ID_COLUMNS if c in gdf)
        vals = choropleth.values.copy()
        vals.index = vals.index.astype(str)
        classes, bins = classify_values(
            vals.reindex(gdf[idcol].astype(str).to_numpy()),
            scheme=choropleth.scheme,
            k=choropleth.k,
            bins=choropleth.bins,
        )
        colours = class_colours(len(bins))
        fill = {
            f"{name}:{c}": (colours[k] if k >= 0 else NO_DATA_COLOUR)
            for c, k in zip(gdf[idcol].astype(str), classes, strict=True)
        }
        base.update(fillOpacity=0.8, weight=0.5, color="#555555")

        def coloured(f: dict[str, Any]) -> dict[str, Any]:
            return {**base, "fillColor": fill.get(f["id"], NO_DATA_COLOUR)}

        return coloured

    def plain_style(_f: dict[str, Any]) -> dict[str, Any]:
        return base

    return plain_style


def _fit_bounds(
    fit: Any,
    layers: Mapping[str, gpd.GeoDataFrame],
    selected: str | None,
    datum: str,
) -> Bounds | None:
    if isinstance(fit, tuple | list) and len(fit) == 4:
        x0, y0, x1, y1 = (float(v) for v in fit)
        if datum != "wgs84":
            box = transform_geometries(np.array([shapely.box(x0, y0, x1, y1)]), "wgs84", datum)
            x0, y0, x1, y1 = shapely.bounds(box[0])
        return float(x0), float(y0), float(x1), float(y1)
    if isinstance(fit, gpd.GeoDataFrame) and len(fit):
        x0, y0, x1, y1 = in_datum(fit, datum).total_bounds
        return float(x0), float(y0), float(x1), float(y1)
    if fit == "selected" and selected:
        hit = _find_region(layers, str(selected))
        if hit is not None:
            x0, y0, x1, y1 = in_datum(hit, datum).total_bounds
            return float(x0), float(y0), float(x1), float(y1)
    for name in ("province", "counties", "cities"):
        if name in layers and len(layers[name]):
            x0, y0, x1, y1 = in_datum(layers[name], datum).total_bounds
            return float(x0), float(y0), float(x1), float(y1)
    frames = [g for g in layers.values() if len(g)]
    if frames:
        x0, y0, x1, y1 = np.array([in_datum(g, datum).total_bounds for g in frames]).T
        return float(x0.min()), float(y0.min()), float(x1.max()), float(y1.max())
    return None


def _layer_group(
    name: str,
    gdf: gpd.GeoDataFrame,
    lang: str,
    *,
    li: int = 0,
    frame_idx: int = 0,
    show: bool = True,
    titles: Mapping[str, tuple[str, str]] | None = None,
    choropleth: Choropleth | None = None,
    firms_mode: str = "auto",
    marker_limit: int = 3000,
) -> tuple[folium.FeatureGroup, list[str], int]:
    """One layer (``gdf`` already in the map's datum) as a feature group, its legend entries and
    the next zone-frame index."""
    values = fmt = None
    if choropleth is not None and choropleth.layer == name:
        values, fmt = choropleth.values.copy(), choropleth.fmt
        values.index = values.index.astype(str)
    props = feature_props(gdf, name, lang, values, fmt or "{}")
    fields, aliases = tooltip_fields(props, lang)
    title = layer_title(name, lang, titles)
    group = folium.FeatureGroup(name=esc(title), show=show)
    legend: list[str] = []
    geom_types = set(gdf.geometry.dropna().geom_type)
    is_points = geom_types <= {"Point", "MultiPoint"} and bool(geom_types)
    if name == "firms" and is_points:
        rings = add_firms(group, gdf, props, firms_mode, marker_limit, lang=lang)
        legend.append(point_legend("#1f78b4", title))
        if rings:
            legend.append(rings)
        return group, legend, frame_idx
    doc = feature_collection(gdf, props)
    tooltip = folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True, labels=True)
    has_source = "source" in props
    popup = folium.GeoJsonPopup(
        fields=fields + (["source"] if has_source else []),
        aliases=aliases + ([esc(word("field_source", lang))] if has_source else []),
        max_width=420,
    )
    gj: folium.GeoJson
    if is_points:
        style = point_style(name)
        gj = folium.GeoJson(
            doc,
            name=None,
            marker=folium.CircleMarker(**style),
            tooltip=tooltip,
            popup=popup,
            control=False,
            className=f"atlas-{name}",
        )
        legend.append(point_legend(style["fillColor"], title))
    else:
        style_fn = _polygon_style(name, li, frame_idx, gdf, choropleth)
        if name.startswith("zones"):
            legend.append(zone_legend(name, gdf, _names(gdf, lang), frame_idx, lang))
            frame_idx += 1
        highlight = {"weight": 3, "color": "#00bcd4"} if name in ("counties", "cities") else None
        gj = TopoGeoJson(
            doc,
            style_function=style_fn,
            highlight_function=(lambda _f, h=highlight: h) if highlight else None,
            tooltip=tooltip,
            popup=popup if has_source else None,
            control=False,
            className=f"atlas-{name}",
            smooth_factor=0.5,
        )
    gj.add_to(group)
    return group, legend, frame_idx


def _lines_group(
    lines: gpd.GeoDataFrame, lang: str, titles: Mapping[str, tuple[str, str]] | None
) -> tuple[folium.FeatureGroup, str]:
    props = feature_props(lines, "sourcing", lang)
    fields, aliases = tooltip_fields(props, lang)
    doc = feature_collection(lines, props)
    title = layer_title("sourcing", lang, titles)
    group = folium.FeatureGroup(name=esc(title), show=True)
    style = {"color": STATUS_COLOURS["missing"], "weight": 2, "dashArray": "6 4", "opacity": 0.9}
    TopoGeoJson(
        doc,
        style_function=lambda _f: style,
        className="atlas-sourcing",
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
        control=False,
    ).add_to(group)
    entry = (
        f'<div><span class="ln" style="border-top:3px dashed {STATUS_COLOURS["missing"]}">'
        f"</span>{esc(title)}</div>"
    )
    return group, entry


def live_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    base_layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    basemap: str | TileService = "none",
    lang: Lang | str = "zh",
    lines: gpd.GeoDataFrame | None = None,
    selected: str | None = None,
    fit: Any = None,
    titles: Mapping[str, tuple[str, str]] | None = None,
    legend_open: bool = True,
    extra_legend: str = "",
) -> list[folium.FeatureGroup]:
    """Layers for a map already drawn by :func:`build_map`, as feature groups to swap in.

    The app draws a base map once (:func:`build_map` of what stays, e.g. the province and the
    cities) and sends what changes as these groups (``st_folium``'s ``feature_group_to_add``):
    ``layers`` drawn as :func:`build_map` draws them, then the ``lines``, then the outline of
    region ``selected`` (looked up in ``layers`` and ``base_layers``). Each group lists
    itself in the map's layer control (:class:`~geo.maps.OverlayEntry`); the first one sets
    the legend to these layers' entries (:class:`~geo.maps.LegendUpdate`, ``extra_legend``
    appended) and, when ``fit`` is given (as :func:`build_map`'s ``fit``), the view
    (:class:`~geo.maps.FitView`). Overlays are in the basemap's datum, as on the base map.
    """
    lang = str(lang)
    datum = basemap_datum(basemap)
    groups: list[folium.FeatureGroup] = []
    legend: list[str] = []
    frame_idx = 0
    for li, (name, raw) in enumerate(layers.items()):
        if raw is None or len(raw) == 0:
            continue
        group, parts, frame_idx = _layer_group(
            name, in_datum(raw, datum), lang, li=li, frame_idx=frame_idx, titles=titles
        )
        groups.append(group)
        legend += parts
    if lines is not None and len(lines):
        group, entry = _lines_group(in_datum(lines, datum), lang, titles)
        groups.append(group)
        legend.append(entry)
    every = {**(base_layers or {}), **layers}
    if selected:
        outline = selection_group(every, str(selected), basemap=basemap, lang=lang)
        if outline is not None:
            groups.append(outline)
    if extra_legend:
        legend.append(extra_legend)
    bounds = _fit_bounds(fit, every, selected, datum) if fit is not None else None
    if not groups:  # still a group: it carries the legend and the view, and clears the old
        groups.append(folium.FeatureGroup(name=esc(word("layer_labels", lang)), show=True))
        groups[0].control = False
        OverlayEntry("", reset=True).add_to(groups[0])
    for i, group in enumerate(groups):
        if group.control:
            OverlayEntry(group.layer_name, reset=i == 0).add_to(group)
            group.control = False
    LegendUpdate(legend_html(legend, lang, open_=legend_open) if legend else "").add_to(groups[0])
    if bounds is not None:
        x0, y0, x1, y1 = bounds
        FitView([[y0, x0], [y1, x1]]).add_to(groups[0])
    for group in groups:
        assert_inert(group)
    return groups


def build_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    basemap: str | TileService = "none",
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
    fit: Any = "layers",
    labels: bool = True,
    legend_open: bool = True,
    served_assets: str | None = None,
) -> folium.Map:
    """An offline folium map of the given layers, in the chosen basemap's datum and language.

    Parameters
    ----------
    layers
        ``{name: GeoDataFrame}`` in WGS-84, drawn bottom to top in order. Known names get
        their own style: province, cities, counties, zones, zones-2020, htz, clusters, firms,
        gaps, selection; others a default style.
    basemap
        ``"none"`` (no tiles: works offline), ``"osm"`` (OpenStreetMap, WGS-84), ``"amap"``
        (高德 tiles, GCJ-02) or a :class:`~geo.maps.TileService` (XYZ/WMTS with its datum).
        Over GCJ-02 tiles every overlay is shifted to GCJ-02 to match; when tiles fail to load
        the map says so in words.
    choropleth
        Colour ``choropleth.layer`` by a metric with a legend (mapclassify classes).
    lang
        ``"zh"`` or ``"en"``: every label, legend entry, tooltip and name in that language.
    visible
        Layers shown at first (others are listed, unticked, in the layer control); default all.
    selected
        Region code (adcode or zone code) to outline as the current selection.
    titles
        Optional ``{name: (title_zh, title_en)}`` for the layer control.
    firms_mode
        ``"markers"`` (clustered markers), ``"heat"`` (heat layer) or ``"auto"`` (markers up to
        ``marker_limit`` firms, heat beyond).
    lines
        Optional line layer (e.g. sourcing links) with ``name_zh``/``name_en`` and details.
    height
        CSS height of the map.
    simplified
        Run :func:`~geo.maps.display_layers` first (``False`` when the layers already are
        display copies).
    tolerance
        Simplification tolerance in degrees.
    extra_legend
        Pre-escaped HTML appended to the legend.
    collapsed_control
        Fold the layer control into an icon (for small maps).
    fit
        What the first view shows: ``"layers"`` (the province, counties or cities, else all
        layers), ``"selected"`` (the region ``selected``), a GeoDataFrame, or
        ``(west, south, east, north)`` in WGS-84.
    labels
        Label city names (and county names when zoomed in) from the cities/counties layers.
    legend_open
        Start with the legend unfolded (it folds itself on maps lower than 420 px).
    served_assets
        ``None``: Leaflet and the other front-end assets inline as ``data:`` URLs (a saved
        HTML map opens offline from disk). A URL prefix where an app serves
        :func:`~geo.maps.served_asset_files`: the map links them there instead
        (:func:`~geo.maps.localise_assets`).

    Returns
    -------
    folium.Map
        With every front-end asset pointing at shipped offline copies
        (:func:`~geo.maps.localise_assets`).

    Notes
    -----
    Polygon and line layers are sent as TopoJSON (:class:`~geo.maps.TopoGeoJson`: shared edges
    once, quantized without loss); points as GeoJSON. Each feature carries
    ``id = "<layer>:<code>"`` so a click handler (``st_folium``'s
    ``last_active_drawing``) tells which region was clicked; points inside one county carry
    that county's adcode as ``select``.
    """
    _check_args(layers, basemap, str(lang), choropleth, firms_mode)
    lang = str(lang)
    shown = set(layers if visible is None else visible)
    if simplified:
        layers = display_layers(layers, tolerance=tolerance)

    m = folium.Map(
        location=[36.3, 118.3],
        zoom_start=7,
        tiles=None,
        control_scale=False,
        height=height,
        prefer_canvas=False,
        zoom_snap=0.25,
    )
    root: Any = m.get_root()  # a branca Figure
    root.header.add_child(Element(LEGEND_CSS), name="atlas_css")
    datum = basemap_datum(basemap)
    datum_name = word("tile_datum_gcj02" if datum == "gcj02" else "tile_datum_wgs84", lang)
    note = (
        f"{esc(word('attribution_boundaries', lang))} · "
        f"{esc(word('attribution_datum', lang, datum=datum_name))}"
    )
    add_basemap(m, basemap, lang, note=note)

    legend: list[str] = []
    frame_idx = 0
    drawn: dict[str, gpd.GeoDataFrame] = {}
    for li, (name, raw) in enumerate(layers.items()):
        if raw is None or len(raw) == 0:
            continue
        gdf = in_datum(raw, datum)
        drawn[name] = gdf
        group, parts, frame_idx = _layer_group(
            name,
            gdf,
            lang,
            li=li,
            frame_idx=frame_idx,
            show=name in shown,
            titles=titles,
            choropleth=choropleth,
            firms_mode=firms_mode,
            marker_limit=marker_limit,
        )
        legend += parts
        group.add_to(m)

    if lines is not None and len(lines):
        group, entry = _lines_group(in_datum(lines, datum), lang, titles)
        group.add_to(m)
        legend.append(entry)

    if labels and ("cities" in drawn or "counties" in drawn):
        big = _label_rows(drawn["cities"], lang) if "cities" in drawn else []
        small = _label_rows(drawn["counties"], lang) if "counties" in drawn else []
        PlaceLabels(big, small, name=esc(word("layer_labels", lang))).add_to(m)

    if selected:
        outline = selection_group(layers, str(selected), basemap=basemap, lang=lang)
        if outline is not None:
            outline.add_to(m)

    parts = []
    if choropleth is not None:
        parts.append(choropleth_legend(choropleth, lang))
    parts += legend
    if extra_legend:
        parts.append(extra_legend)
    MetricScale("bottomleft").add_to(m)
    if parts:
        Legend(legend_html(parts, lang, open_=legend_open), "bottomright").add_to(m)
    WheelAfterClick().add_to(m)
    control = folium.LayerControl(collapsed=collapsed_control, position="topright")
    control.add_to(m)
    LayerControlHandle(control).add_to(m)  # for layers swapped in later (live_layers)
    ControlCaps(LEGEND_MAX_SHARE).add_to(m)
    bounds = _fit_bounds(fit, layers, selected, datum)
    if bounds is not None:
        x0, y0, x1, y1 = bounds
        FitView([[y0, x0], [y1, x1]]).add_to(m)  # not animated: see FitView
    return localise_assets(m, served=served_assets)
