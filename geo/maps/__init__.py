"""Folium maps of the atlas layers that render with no internet and line up on Chinese tiles.

One concern per module, every public name importable from ``geo.maps``:

``assets``      front-end assets from installed packages (folium-offline), never from a CDN:
                inline ``data:`` URLs, or files an app serves (``served=``)
``topology``    polygon and line layers sent as TopoJSON (shared edges once, quantized)
``display``     coverage-simplified display geometry whose outlines coincide
``classify``    choropleth classes (mapclassify), palette
``legend``      the compact, collapsible legend control and its blocks
``basemaps``    none / OpenStreetMap / Amap / any XYZ or WMTS service with its datum; a TOML file
``controls``    metric scale bar, place-name labels, attribution note, wheel zoom after a click
``features``    escaped one-language feature properties (codes read as names)
``style``       colours and styles of layers, zones and node statuses
``words``       the map's words in Chinese and English (one catalogue; layer titles from geo.layers)
``text``        escaping for HTML and Jinja (``esc``), ``assert_inert``, one-language names
``build``       ``build_map`` and ``selection_group``
``live``        live updates of a drawn map: groups listed in its layer control, legend swapped
``errors``      ``MapError`` (a ``ProblemError`` with message codes)

Safety rules (see :mod:`geo.maps.text`): every string reaching folium goes through
:func:`esc` (HTML-escaped, braces as entities), feature ids are brace-free, and
:func:`localise_assets` — the last step of every map builder — calls :func:`assert_inert`,
which refuses a map whose data holds Jinja syntax.
"""

from __future__ import annotations

from geo.maps.assets import (
    SERVED_ASSETS,
    asset_data_url,
    localise_assets,
    map_external_urls,
    served_asset_files,
)
from geo.maps.basemaps import (
    BASEMAPS,
    BUILTIN_SERVICES,
    DATUMS,
    TileErrorNotice,
    TileService,
    add_basemap,
    basemap_datum,
    default_basemaps_path,
    load_basemaps,
    resolve_basemap,
)
from geo.maps.build import (
    FIRMS_MODES,
    LANGS,
    build_map,
    in_datum,
    live_layers,
    region_bounds,
    selection_group,
)
from geo.maps.classify import (
    NO_DATA_COLOUR,
    PALETTE,
    SCHEMES,
    Choropleth,
    class_colours,
    classify_values,
)
from geo.maps.controls import (
    COUNTY_LABEL_ZOOM,
    AttributionNote,
    ControlCaps,
    MetricScale,
    PlaceLabels,
    WheelAfterClick,
)
from geo.maps.display import (
    DEFAULT_TOLERANCE,
    DISPLAY_PRECISION,
    display_geometries,
    display_layers,
)
from geo.maps.errors import MapError
from geo.maps.features import ID_COLUMNS, feature_collection, feature_props, tooltip_fields
from geo.maps.legend import (
    LEGEND_CSS,
    LEGEND_FOLD_BELOW_PX,
    LEGEND_FOLD_NARROWER_PX,
    LEGEND_MAX_SHARE,
    Legend,
    choropleth_legend,
    legend_html,
    point_legend,
    zone_legend,
)
from geo.maps.live import FitView, LayerControlHandle, LegendUpdate, OverlayEntry
from geo.maps.style import STATUS_COLOURS, ZONE_COLOURS, point_style, style_for, zone_style
from geo.maps.text import (
    assert_inert,
    esc,
    inert_id,
    name_in,
    plain,
    short,
    verification_flag,
    walk,
)
from geo.maps.topology import TOPOJSON_CLIENT, TOPOLOGY_OBJECT, TopoGeoJson, quantum_for, topology
from geo.maps.words import WORDS, code_name, htz_level_text, layer_title, word

__all__ = [
    "BASEMAPS",
    "BUILTIN_SERVICES",
    "COUNTY_LABEL_ZOOM",
    "DATUMS",
    "DEFAULT_TOLERANCE",
    "DISPLAY_PRECISION",
    "FIRMS_MODES",
    "ID_COLUMNS",
    "LANGS",
    "LEGEND_CSS",
    "LEGEND_FOLD_BELOW_PX",
    "LEGEND_FOLD_NARROWER_PX",
    "LEGEND_MAX_SHARE",
    "NO_DATA_COLOUR",
    "PALETTE",
    "SCHEMES",
    "SERVED_ASSETS",
    "STATUS_COLOURS",
    "TOPOJSON_CLIENT",
    "TOPOLOGY_OBJECT",
    "WORDS",
    "ZONE_COLOURS",
    "AttributionNote",
    "Choropleth",
    "ControlCaps",
    "FitView",
    "LayerControlHandle",
    "Legend",
    "LegendUpdate",
    "MapError",
    "MetricScale",
    "OverlayEntry",
    "PlaceLabels",
    "TileErrorNotice",
    "TileService",
    "TopoGeoJson",
    "WheelAfterClick",
    "add_basemap",
    "assert_inert",
    "asset_data_url",
    "basemap_datum",
    "build_map",
    "choropleth_legend",
    "class_colours",
    "classify_values",
    "code_name",
    "default_basemaps_path",
    "display_geometries",
    "display_layers",
    "esc",
    "feature_collection",
    "feature_props",
    "htz_level_text",
    "in_datum",
    "inert_id",
    "layer_title",
    "legend_html",
    "live_layers",
    "load_basemaps",
    "localise_assets",
    "map_external_urls",
    "name_in",
    "plain",
    "point_legend",
    "point_style",
    "quantum_for",
    "region_bounds",
    "resolve_basemap",
    "selection_group",
    "served_asset_files",
    "short",
    "style_for",
    "tooltip_fields",
    "topology",
    "verification_flag",
    "walk",
    "word",
    "zone_legend",
    "zone_style",
]
