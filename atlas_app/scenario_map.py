"""Side-by-side diff maps of a scenario: completeness on fixed class bounds, changes outlined.

Two maps compare only when a colour means the same on both. ``geo.maps.build_map`` classifies
a choropleth from the data it is given (mapclassify) and drops empty classes, so the baseline
and the scenario map would get different bounds and palettes. Here every region is coloured on
the same five equal classes of chain completeness over [0, 1] (:data:`BOUNDS`, upper bounds,
upper-inclusive like ``mapclassify.UserDefined``) with the atlas palette
(:data:`geo.maps.PALETTE`). Regions whose completeness or node status changed get a thick
outline on both maps; the scenario's located edits (added or moved firms, planned parks and
cluster sites; removed firms and the old place of moved ones on the baseline map) are points.

The map is plain folium and offline like every atlas map (:func:`geo.maps.localise_assets`);
every data string reaches the tooltips through :func:`geo.maps.esc`. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from atlas_app import ASSETS_URL
from atlas_app.i18n import name, t
from geo.export import geojson_dict
from geo.maps import (
    LEGEND_CSS,
    LEGEND_MAX_SHARE,
    NO_DATA_COLOUR,
    PALETTE,
    TOPOJSON_CLIENT,
    ControlCaps,
    LayerControlHandle,
    Legend,
    LegendUpdate,
    MetricScale,
    OverlayEntry,
    TileService,
    TopoGeoJson,
    WheelAfterClick,
    add_basemap,
    basemap_datum,
    esc,
    in_datum,
    localise_assets,
)

__all__ = [
    "BOUNDS",
    "POINT_COLOURS",
    "class_colours",
    "completeness_classes",
    "diff_base",
    "diff_groups",
    "diff_map",
    "live_groups",
]

BOUNDS: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 1.0)
CHANGED_COLOUR = "#00bcd4"
POINT_COLOURS: dict[str, str] = {
    "added_firm": "#1f78b4",
    "moved_firm": "#33a02c",
    "park": "#6a3d9a",
    "cluster": "#ff7f00",
    "removed_firm": "#e31a1c",
    "moved_from": "#b2df8a",
}
_PRECISION = 5
REGIONS_PANE = "atlasScnRegions"


def class_colours(n: int = len(BOUNDS)) -> list[str]:
    """``n`` colours spread over the atlas palette, lightest first (same rule as ``geo.maps``)."""
    idx = np.linspace(1, len(PALETTE) - 1, n).round().astype(int)
    return [PALETTE[i] for i in idx]


def completeness_classes(values: pd.Series, bounds: Iterable[float] = BOUNDS) -> pd.Series:
    """Class of each value on fixed upper bounds (0 = lowest; ``-1`` = no data).

    A value belongs to the first class whose upper bound it does not exceed; values above the
    last bound fall in the last class.

    >>> completeness_classes(pd.Series([0.0, 0.2, 0.21, 1.0, float("nan")])).tolist()
    [0, 0, 1, 4, -1]
    """
    b = np.asarray(list(bounds), dtype=float)
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    cls = np.minimum(np.searchsorted(b, v, side="left"), len(b) - 1)
    return pd.Series(np.where(np.isfinite(v), cls, -1).astype(int), index=values.index)


def _legend_html(
    title: str, classes: pd.Series | None, lang: str, point_kinds: Iterable[str], changed: int
) -> str:
    colours = class_colours()
    rows = [f"<h4>{esc(title)}</h4><div class='note'>{esc(t('scn_legend_fixed', lang))}</div>"]
    lower = 0.0
    for i, (upper, col) in enumerate(zip(BOUNDS, colours, strict=True)):
        n = "" if classes is None else f' <span class="note">({int((classes == i).sum())})</span>'
        rows.append(f'<div><i style="background:{col}"></i>{lower:.0%} – {upper:.0%}{n}</div>')
        lower = upper
    n_missing = 0 if classes is None else int((classes < 0).sum())
    if n_missing:
        rows.append(
            f'<div><i style="background:{NO_DATA_COLOUR}"></i>{esc(t("scn_no_data", lang))} '
            f'<span class="note">({n_missing})</span></div>'
        )
    if changed:
        rows.append(
            f'<div><span class="ln" style="border-top:3px solid {CHANGED_COLOUR}"></span>'
            f'{esc(t("scn_legend_changed", lang))} <span class="note">({changed})</span></div>'
        )
    for kind in point_kinds:
        rows.append(
            f'<div><i style="background:{POINT_COLOURS[kind]};border-radius:50%"></i>'
            f"{esc(t(f'scn_pt_{kind}', lang))}</div>"
        )
    summary = esc(t("scn_legend", lang))
    return f"<details open><summary>{summary}</summary>{''.join(rows)}</details>"


def _wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return (
        gdf.to_crs("EPSG:4326") if gdf.crs is not None and not gdf.crs.equals("EPSG:4326") else gdf
    )


def _features(gdf: gpd.GeoDataFrame, props: pd.DataFrame, layer: str) -> dict[str, Any]:
    frame = gpd.GeoDataFrame(
        props.reset_index(drop=True), geometry=gdf.geometry.to_numpy(), crs=gdf.crs
    )
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    doc = geojson_dict(frame, precision=_PRECISION)
    for i, feat in enumerate(doc["features"]):
        feat["id"] = f"{layer}:{feat['properties'].get('code', i)}:{i}"
    return doc


def _outline(
    gdf: gpd.GeoDataFrame | None, name: str, style: Mapping[str, Any], css: str
) -> folium.FeatureGroup | None:
    if gdf is None or not len(gdf):
        return None
    doc = geojson_dict(gdf[[gdf.geometry.name]], precision=_PRECISION)
    group = folium.FeatureGroup(name=esc(name), show=True)
    TopoGeoJson(
        doc,
        style_function=lambda _f, s=dict(style): s,
        interactive=False,
        control=False,
        className=css,
    ).add_to(group)
    return group


def _outline_groups(
    outlines: Mapping[str, gpd.GeoDataFrame], lang: str, datum: str
) -> list[folium.FeatureGroup]:
    groups = []
    for layer_name, gdf in outlines.items():
        weight = 2.5 if layer_name == "province" else 1.4
        g = _outline(
            in_datum(_wgs84(gdf), datum) if gdf is not None and len(gdf) else gdf,
            t(f"layer_{layer_name}", lang),
            {"color": "#333333", "weight": weight, "fill": False, "opacity": 0.9},
            f"atlas-scn-{layer_name}",
        )
        if g is not None:
            groups.append(g)
    return groups


class _TopoAssets(JSCSSMixin, MacroElement):
    """The TopoJSON client on a base map whose TopoJSON layers come later as feature groups."""

    default_js: list[tuple[str, str]] = [TOPOJSON_CLIENT]  # noqa: RUF012 - folium's own layout
    _template = Template("")


def _base(
    regions: gpd.GeoDataFrame,
    *,
    lang: str,
    legend: str,
    height: int,
    basemap: str | TileService,
    groups: Iterable[folium.FeatureGroup] = (),
    outlines: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> folium.Map:
    m = folium.Map(
        location=[36.3, 118.3],
        zoom_start=7,
        tiles=None,
        control_scale=False,
        height=height,
        prefer_canvas=False,
        zoom_snap=0.25,
    )
    root: Any = m.get_root()
    root.header.add_child(Element(LEGEND_CSS), name="atlas_scn_css")
    add_basemap(m, basemap, lang)
    _TopoAssets().add_to(m)
    # the coloured regions lie in a pane under the overlays (the outlines, the changed regions
    # and the points stay on top even when the regions come later, as groups swapped in)
    folium.map.CustomPane(REGIONS_PANE, z_index=350, pointer_events=True).add_to(m)
    for group in groups:
        group.add_to(m)
    for group in _outline_groups(outlines or {}, lang, basemap_datum(basemap)):
        group.add_to(m)
    MetricScale("bottomleft").add_to(m)
    Legend(legend, "bottomright").add_to(m)
    WheelAfterClick().add_to(m)
    control = folium.LayerControl(collapsed=True, position="topright")
    control.add_to(m)
    LayerControlHandle(control).add_to(m)
    ControlCaps(LEGEND_MAX_SHARE).add_to(m)
    x0, y0, x1, y1 = in_datum(_wgs84(regions), basemap_datum(basemap)).total_bounds
    if np.isfinite([x0, y0, x1, y1]).all():
        m.fit_bounds([[float(y0), float(x0)], [float(y1), float(x1)]])
    return localise_assets(m, served=ASSETS_URL)


def diff_base(
    regions: gpd.GeoDataFrame,
    *,
    lang: str,
    title: str,
    height: int = 460,
    basemap: str | TileService = "none",
    outlines: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> folium.Map:
    """The fixed part of a diff map: tiles, outlines, scale, legend, layer control and view.

    The data comes as :func:`diff_groups` (``live=True``), which the app sends to the map
    already drawn (``st_folium``'s ``feature_group_to_add``): a new run swaps the groups in and
    the legend's counts (:class:`geo.maps.LegendUpdate`) without drawing the map again. The
    view fits ``regions``; the legend lists the classes of :data:`BOUNDS` without counts;
    ``outlines`` (as for :func:`diff_map`) are drawn here, once, over the regions' pane.
    """
    return _base(
        regions,
        lang=lang,
        legend=_legend_html(title, None, lang, (), 0),
        height=height,
        basemap=basemap,
        outlines=outlines,
    )


def diff_groups(
    regions: gpd.GeoDataFrame,
    values: pd.Series | None,
    *,
    lang: str,
    title: str,
    detail: pd.Series | None = None,
    changed: Iterable[str] = (),
    outlines: Mapping[str, gpd.GeoDataFrame] | None = None,
    points: gpd.GeoDataFrame | None = None,
    fill_opacity: float = 0.8,
    basemap: str | TileService = "none",
    live: bool = True,
) -> tuple[list[folium.FeatureGroup], str]:
    """The data layers of a diff map (see :func:`diff_map`) and the legend HTML that goes with them.

    Groups, bottom to top: the regions coloured by ``values`` (none when ``values`` is None: a
    map of the edits only), the ``outlines``, the changed regions and the edit points.
    ``live=True`` (for :func:`diff_base`): each group lists itself in the map's layer control
    (:class:`geo.maps.OverlayEntry`) and the first one replaces the legend
    (:class:`geo.maps.LegendUpdate`).
    """
    datum = basemap_datum(basemap)
    regions = in_datum(_wgs84(regions), datum)
    codes = regions["region"].astype(str)
    groups: list[folium.FeatureGroup] = []
    classes: pd.Series | None = None
    if values is not None:
        vals = pd.to_numeric(values, errors="coerce").astype(float)
        vals.index = vals.index.astype(str)
        v = vals.reindex(codes.to_numpy())
        classes = completeness_classes(pd.Series(v.to_numpy(), index=codes.to_numpy()))
        colours = class_colours()
        order = np.argsort(
            -shapely.area(regions.geometry.to_numpy()), kind="stable"
        )  # small (overlapping zones) on top
        shown, scodes, sclasses, v = (
            regions.iloc[order],
            codes.iloc[order],
            classes.iloc[order],
            v.iloc[order],
        )
        extra = (
            detail.reindex(scodes.to_numpy())
            if detail is not None
            else pd.Series("", index=scodes.to_numpy())
        )
        no_data = t("scn_no_data", lang)
        props = pd.DataFrame(
            {
                "name": [
                    esc(name(a, b, lang))
                    for a, b in zip(shown["name_zh"], shown["name_en"], strict=True)
                ],
                "code": [esc(c) for c in scodes],
                "value": [
                    esc(f"{x:.0%}") if np.isfinite(x) else esc(no_data)
                    for x in v.to_numpy(dtype=float)
                ],
                "detail": [esc(x) if isinstance(x, str) else "" for x in extra.to_numpy()],
                "fill": [colours[k] if k >= 0 else NO_DATA_COLOUR for k in sclasses.to_numpy()],
            }
        )
        fields = ["name", "code", "value", "detail"]
        aliases = [esc(t(k, lang)) for k in ("name", "code", "completeness", "scn_change")]
        if not props["detail"].str.len().gt(0).any():
            fields, aliases = fields[:3], aliases[:3]
        group = folium.FeatureGroup(name=esc(title), show=True)
        TopoGeoJson(
            _features(shown, props, "regions"),
            style_function=lambda f: {
                "fillColor": f["properties"]["fill"],
                "fillOpacity": fill_opacity,
                "color": "#555555",
                "weight": 0.5,
            },
            highlight_function=lambda _f: {"weight": 3, "color": "#333333"},
            tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True, labels=True),
            control=False,
            className="atlas-scn-regions",
            smooth_factor=0.5,
            pane=REGIONS_PANE,
        ).add_to(group)
        groups.append(group)
    groups += _outline_groups(outlines or {}, lang, datum)
    wanted = {str(c) for c in changed}
    hit = regions[codes.isin(wanted).to_numpy()]
    g = _outline(
        hit,
        t("scn_legend_changed", lang),
        {"color": CHANGED_COLOUR, "weight": 3.5, "fill": False, "opacity": 1.0},
        "atlas-scn-changed",
    )
    if g is not None:
        groups.append(g)
    kinds: list[str] = []
    if points is not None and len(points):
        pts = in_datum(_wgs84(points), datum)
        kinds = [k for k in POINT_COLOURS if (pts["kind"] == k).any()]
        pprops = pd.DataFrame(
            {
                "name": [esc(x) for x in pts["label"]],
                "kind": [esc(t(f"scn_pt_{k}", lang)) for k in pts["kind"]],
                "code": [str(i) for i in range(len(pts))],
                "fill": [POINT_COLOURS.get(k, "#666666") for k in pts["kind"]],
            }
        )
        pgroup = folium.FeatureGroup(name=esc(t("scn_layer_edits", lang)), show=True)
        folium.GeoJson(
            _features(pts, pprops, "points"),
            marker=folium.CircleMarker(
                radius=7, weight=2, color="#ffffff", fill=True, fill_opacity=0.95
            ),
            style_function=lambda f: {
                "fill": True,
                "fillColor": f["properties"]["fill"],
                "color": "#ffffff",
                "weight": 2,
                "fillOpacity": 0.95,
                "radius": 7,
                "className": "atlas-scn-points",
            },
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "kind"],
                aliases=[esc(t("name", lang)), esc(t("scn_edit_type", lang))],
            ),
            control=False,
            className="atlas-scn-points",
        ).add_to(pgroup)
        groups.append(pgroup)
    legend = _legend_html(title, classes, lang, kinds, len(hit))
    if live:
        for i, group in enumerate(groups):
            group.control = False  # listed by its OverlayEntry instead
            OverlayEntry(group.layer_name, reset=i == 0).add_to(group)
        if not groups:  # still a group: it carries the legend and clears the old entries
            groups.append(folium.FeatureGroup(name=esc(title), show=True, control=False))
            OverlayEntry("", reset=True).add_to(groups[0])
        LegendUpdate(legend).add_to(groups[0])
    return groups, legend


def live_groups(regions: gpd.GeoDataFrame, values: pd.Series | None, **kwargs: Any) -> list[Any]:
    """The groups of :func:`diff_groups` with ``live=True``, for :func:`diff_base` in the app."""
    return diff_groups(regions, values, live=True, **kwargs)[0]


def diff_map(
    regions: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    lang: str,
    title: str,
    detail: pd.Series | None = None,
    changed: Iterable[str] = (),
    outlines: Mapping[str, gpd.GeoDataFrame] | None = None,
    points: gpd.GeoDataFrame | None = None,
    fill_opacity: float = 0.8,
    height: int = 460,
    basemap: str | TileService = "none",
) -> folium.Map:
    """A map of chain completeness per region on fixed bounds, changed regions outlined.

    Parameters
    ----------
    regions
        Display polygons (WGS-84) with ``region`` (code), ``name_zh``, ``name_en``.
    values
        Completeness per region code (0–1); missing or NaN = no data.
    lang
        ``"zh"`` or ``"en"`` for the legend, tooltips and layer names.
    title
        Legend title (plain text; escaped here).
    detail
        Optional plain text per region code for the tooltip (e.g. ``"27% → 36%"``).
    changed
        Region codes to outline as changed.
    outlines
        ``{"cities": gdf, "province": gdf}`` drawn as outlines over the colours (no fill, not
        interactive, so the tooltips of the regions below still show).
    points
        Points with ``kind`` (a key of :data:`POINT_COLOURS`) and ``label`` (plain text).
    fill_opacity
        Opacity of the colours (lower it for overlapping regions such as plan zones).
    height
        Map height in pixels.
    basemap
        Tiles under the map (:func:`geo.maps.add_basemap`); over GCJ-02 tiles every layer is
        shifted to GCJ-02 to match.

    Returns
    -------
    folium.Map
        Offline (every asset a ``data:`` URL). Region paths carry the class
        ``atlas-scn-regions``, changed outlines ``atlas-scn-changed``, points ``atlas-scn-points``.
        The same map as :func:`diff_base` with :func:`diff_groups` drawn on it.
    """
    groups, legend = diff_groups(
        regions,
        values,
        lang=lang,
        title=title,
        detail=detail,
        changed=changed,
        outlines=outlines,
        points=points,
        fill_opacity=fill_opacity,
        basemap=basemap,
        live=False,
    )
    return _base(regions, lang=lang, legend=legend, height=height, basemap=basemap, groups=groups)
