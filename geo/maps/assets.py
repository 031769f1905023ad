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
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

import folium

from geo.maps.errors import MapError
from geo.maps.text import assert_inert, walk
from geo.problems import problem

__all__ = ["asset_data_url", "localise_assets", "map_external_urls"]

# Leaflet alone draws everything build_map adds; jQuery, Bootstrap and Font Awesome (whose CSS
# also points at web fonts that are not shipped) are folium defaults for icon markers we do not
# use.
_MAP_ASSETS = ("leaflet", "leaflet_css")


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


def localise_assets(m: folium.Map) -> folium.Map:
    """Point every JS/CSS asset of ``m`` and its children at shipped offline copies (in place).

    The map's own list is cut to Leaflet's JS and CSS; plug-ins keep theirs. Every map builder
    calls this last, so it also checks the map is inert (:func:`~geo.maps.assert_inert`).
    Returns ``m``.
    """
    assert_inert(m)
    for el in walk(m):
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
