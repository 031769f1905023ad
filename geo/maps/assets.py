"""Front-end assets from installed packages, never from a CDN.

folium points every ``<script>``/``<link>`` at public CDNs (jsdelivr, cdnjs, …), which do not
load offline and are often unreachable from mainland networks and government intranets. The
maintained package ``folium-offline`` (import name ``offlinefolium``) ships folium's front-end
assets (Leaflet, Leaflet.markercluster, Leaflet.heat, …) keyed by those same URLs.
:func:`localise_assets` swaps every URL of a map for a ``data:`` URL built from that table, so
nothing is fetched from the network: ``streamlit-folium`` loads the ``js_links`` it is given with
``<script src=…>`` (inline ``<script>`` in its header is injected with ``innerHTML`` and never
runs), and a ``data:`` URL is loaded in place. A URL with no shipped copy raises
:class:`~geo.maps.MapError` instead of silently going to a CDN.

Served: inline copies make every map carry Leaflet (about 220 KB of base64). An app that serves
the assets itself passes ``served=<URL prefix>``: each asset is then ``<prefix><file name>``
(:data:`SERVED_ASSETS`), loaded once and cached by the browser; :func:`served_asset_files`
gives the exact bytes to serve. Another shipped asset stays inline; a URL with no shipped copy
is still an error, never a CDN.
Standalone HTML (``m.save``) keeps the default, inline copies that open offline from disk.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

import folium

from geo.maps.errors import MapError
from geo.maps.text import assert_inert, walk
from geo.problems import problem

__all__ = [
    "SERVED_ASSETS",
    "asset_data_url",
    "localise_assets",
    "map_external_urls",
    "served_asset_files",
]

# Leaflet alone draws everything build_map adds; jQuery, Bootstrap and Font Awesome (whose CSS
# also points at web fonts that are not shipped) are folium defaults for icon markers we do not
# use.
_MAP_ASSETS = ("leaflet", "leaflet_css")

_CLUSTER = "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/"
SERVED_ASSETS: Mapping[str, str] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet.css",
    "https://cdnjs.cloudflare.com/ajax/libs/topojson/1.6.9/topojson.min.js": "topojson.min.js",
    f"{_CLUSTER}leaflet.markercluster.js": "leaflet.markercluster.js",
    f"{_CLUSTER}MarkerCluster.css": "MarkerCluster.css",
    f"{_CLUSTER}MarkerCluster.Default.css": "MarkerCluster.Default.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates/"
    "leaflet_heat.min.js": "leaflet_heat.min.js",
}
"""Every asset an atlas map loads (Leaflet, topojson-client, marker clusters, heat layer):
CDN URL -> the file name it is served under by an app (``localise_assets(m, served=...)``)."""


def _resource_table() -> Mapping[str, str]:
    """The URL -> file-content table that folium-offline ships with its package."""
    try:
        from offlinefolium import elements as _offline
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise MapError([problem("map_offline_missing")]) from exc
    table = getattr(_offline, "_res", None)
    if not isinstance(table, Mapping) or not table:
        raise MapError([problem("map_offline_layout")])
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
        raise MapError([problem("map_no_offline_copy", url=url)])
    mime = "text/css" if url.split("?")[0].endswith(".css") else "text/javascript"
    payload = base64.b64encode(table[url].encode("utf-8")).decode("ascii")
    return f"data:{mime};charset=utf-8;base64,{payload}"


def served_asset_files() -> dict[str, bytes]:
    """``{file name: bytes}`` of every :data:`SERVED_ASSETS` file, from folium-offline's copies.

    What an app serves at the prefix it passes to :func:`localise_assets` (the atlas app keeps
    them in ``static/``, checked against this by the tests).
    """
    table = _resource_table()
    missing = [u for u in SERVED_ASSETS if u not in table]
    if missing:
        raise MapError([problem("map_no_offline_copy", url=u) for u in missing])
    return {name: table[url].encode("utf-8") for url, name in SERVED_ASSETS.items()}


def _served_url(url: str, served: str) -> str:
    """``served + file name`` for a served asset; any other shipped asset inline (still offline)."""
    name = SERVED_ASSETS.get(url)
    if name is None or url not in _resource_table():
        return asset_data_url(url)  # a data: URL, or MapError when nothing is shipped
    return served + name


def localise_assets(m: folium.Map, *, served: str | None = None) -> folium.Map:
    """Point every JS/CSS asset of ``m`` and its children at shipped offline copies (in place).

    The map's own list is cut to Leaflet's JS and CSS; plug-ins keep theirs. Every map builder
    calls this last, so it also checks the map is inert (:func:`~geo.maps.assert_inert`).

    Parameters
    ----------
    m
        The map.
    served
        ``None`` (default): inline ``data:`` URLs, for HTML opened from disk. A URL prefix
        (e.g. ``"../../app/static/"``): each asset at ``served + SERVED_ASSETS[url]``, for an
        app that serves :func:`served_asset_files` there.

    Returns
    -------
    folium.Map
        ``m``.
    """
    assert_inert(m)

    def local(url: str) -> str:
        return asset_data_url(url) if served is None else _served_url(url, served)

    for el in walk(m):
        if isinstance(el, folium.Map):
            el.default_js = [(n, u) for n, u in el.default_js if n in _MAP_ASSETS]
            el.default_css = [(n, u) for n, u in el.default_css if n in _MAP_ASSETS]
        for attr in ("default_js", "default_css"):
            links = getattr(el, attr, None)
            if links:
                setattr(el, attr, [(name, local(url)) for name, url in links])
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
