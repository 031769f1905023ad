"""Maps drawn with streamlit-folium, prepared once per process for the same content.

``st_folium(m)`` renders the folium map on every rerun: it renders the whole figure, renders
the map again, renders every element once more to rename its JavaScript variables, and hashes
the result (on the map page about 0.4 s of every page switch, before the browser gets a byte).
Folium's render also appends to the map, so a map shared between sessions could not be handed
to ``st_folium`` as it is: each session used to get a deep copy.

:func:`show_map` does what ``st_folium`` does, once per map content: the component arguments
(the map's script, header, HTML, asset links, bounds and the component key derived from the
script) are cached (at most :data:`MAX_MAPS` for :data:`atlas_app.loaders.VIEW_TTL_S` seconds once unused; the built
map itself is not kept), and each rerun only sends them. The arguments are exactly
``st_folium``'s (``tests/app/test_map_view.py`` compares both on the same maps, with and
without a feature group to add), so the browser side is unchanged. The selection outline
(``feature_group_to_add``) is rendered on its own for each call, as ``st_folium`` does,
against a stand-in map that carries the cached map's id.

This module uses private helpers of streamlit-folium (``_component_func``, ``_get_html``,
``_get_header``, ``_get_map_string``, ``_get_feature_group_string``, ``generate_js_hash``,
``get_full_id``); the version is pinned in pyproject.toml and the comparison test fails when
they change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import branca
import folium
import folium.elements
import streamlit as st
import streamlit_folium as _sf

from atlas_app.loaders import VIEW_TTL_S, MapSpec

__all__ = ["MAX_MAPS", "PreparedMap", "prepare", "prepare_groups", "prepare_spec", "show_map"]

# the warm-up prepares one gap map per chain (18) besides the pages' own maps
MAX_MAPS = 40


@dataclass(frozen=True)
class PreparedMap:
    """What ``st_folium`` sends for one map, independent of the call's key and size."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: tuple[tuple[float | None, float | None], tuple[float | None, float | None]]
    zoom: Any
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    location: tuple[float, float] | None


def _walk(fig: Any) -> Iterable[Any]:
    if isinstance(fig, branca.colormap.ColorMap | folium.elements.JSCSSMixin):
        yield fig
    for child in getattr(fig, "_children", {}).values():
        yield from _walk(child)


def prepare(m: folium.Map) -> PreparedMap:
    """Render ``m`` as ``st_folium`` does and keep what it sends (``m`` is rendered, not copied)."""
    if not isinstance(m, folium.Map):
        raise TypeError(f"show_map draws a folium.Map, not {type(m).__name__}")
    m.get_root().render()
    m.render()
    html = _sf._get_html(m)
    header = _sf._get_header(m)
    script = _sf._get_map_string(m)
    try:
        (s, w), (n, e) = m.get_bounds()
    except AttributeError:  # pragma: no cover - st_folium's own fallback
        s = w = n = e = None
    css: list[str] = []
    js: list[str] = []
    for elem in _walk(m):
        if isinstance(elem, branca.colormap.ColorMap):
            # st_folium adds d3 for a branca colour map; those URLs are CDNs: refuse them.
            raise TypeError("show_map: branca colour maps need d3 from a CDN; use geo.maps legends")
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    loc = m.location
    return PreparedMap(
        script=script,
        header=header,
        html=html,
        map_id=_sf.get_full_id(m),
        bounds=((s, w), (n, e)),
        zoom=m.options.get("zoom"),
        css_links=tuple(dict.fromkeys(css)),
        js_links=tuple(dict.fromkeys(js)),
        location=(float(loc[0]), float(loc[1])) if loc is not None else None,
    )


@st.cache_resource(max_entries=MAX_MAPS, ttl=VIEW_TTL_S, show_spinner=False)
def _prepared(key: str, _spec: MapSpec) -> PreparedMap:
    return prepare(_spec.make())


def prepare_spec(spec: MapSpec) -> PreparedMap:
    """The prepared map of ``spec``: from the shared cache when it has a content key."""
    return prepare(spec.make()) if spec.key is None else _prepared(spec.key, spec)


@functools.lru_cache(maxsize=8 * MAX_MAPS)
def _component_key(script: str, key: str | None) -> str:
    """``generate_js_hash(script, key)``, remembered (a regex pass over the whole script)."""
    return str(_sf.generate_js_hash(script, key, False))


@st.cache_resource(max_entries=4 * MAX_MAPS, ttl=VIEW_TTL_S, show_spinner=False)
def _prepared_groups(key: str, map_id: str, _spec: MapSpec, _prep: PreparedMap) -> str | None:
    return _feature_groups(_spec.make(), _prep)


def prepare_groups(groups: MapSpec, prep: PreparedMap) -> str | None:
    """The JavaScript of the feature groups ``groups`` for the prepared map ``prep`` (cached
    per content and map, as :func:`show_map` sends it)."""
    return _feature_groups(groups, prep)


def _feature_groups(
    groups: folium.FeatureGroup | list[folium.FeatureGroup] | MapSpec | None, prep: PreparedMap
) -> str | None:
    if groups is None:
        return None
    if isinstance(groups, MapSpec):
        if groups.key is None:
            return _feature_groups(groups.make(), prep)
        return _prepared_groups(groups.key, prep.map_id, groups, prep)
    if isinstance(groups, folium.FeatureGroup):
        groups = [groups]
    # st_folium adds the group to the map being drawn and renders it; a stand-in map with the
    # same id gives the same JavaScript without touching the shared, cached map.
    stand_in = folium.Map(location=prep.location, tiles=None)
    stand_in._id = prep.map_id.split("_", 1)[1]
    return "".join(
        _sf._get_feature_group_string(g, map=stand_in, idx=i) for i, g in enumerate(groups)
    )


def _bounds_dict(prep: PreparedMap) -> dict[str, dict[str, float | None]]:
    (s, w), (n, e) = prep.bounds
    return {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}}


_DEFAULT_KEYS = (
    "last_clicked",
    "last_object_clicked",
    "last_object_clicked_count",
    "last_object_clicked_tooltip",
    "last_object_clicked_popup",
    "all_drawings",
    "last_active_drawing",
    "bounds",
    "zoom",
    "last_circle_radius",
    "last_circle_polygon",
    "selected_layers",
    "selected_tags",
    "last_geocoder_result",
)


def show_map(
    spec: MapSpec,
    *,
    key: str,
    height: int,
    returned_objects: Iterable[str] | None = (),
    feature_group_to_add: folium.FeatureGroup | list[folium.FeatureGroup] | MapSpec | None = None,
    on_change: Callable[[], None] | None = None,
    use_container_width: bool = True,
) -> Any:
    """Draw the map ``spec`` as ``st_folium`` would, preparing it once per content.

    Parameters
    ----------
    spec
        The map (:func:`atlas_app.loaders.map_spec` / :func:`atlas_app.loaders.build_map`);
        its content key keys the cache. A spec without a key (an argument that cannot be
        fingerprinted) is built and prepared for this call only.
    key, height, returned_objects, feature_group_to_add, on_change, use_container_width
        As for ``streamlit_folium.st_folium``. ``feature_group_to_add`` may also be a
        :class:`~atlas_app.loaders.MapSpec` whose builder returns the groups: their JavaScript
        is then made once per content and map, so a rerun with the same groups sends the same
        string and the browser leaves the layers as they are. A new set of groups replaces
        the old one on the map already drawn (the map itself is not drawn again while
        ``spec`` stays the same): that is how a page sends only what changed.

    Returns
    -------
    dict
        What ``st_folium`` returns (the map's interaction state).
    """
    prep = prepare_spec(spec)
    wanted = None if returned_objects is None else set(returned_objects)
    defaults: dict[str, Any] = {k: None for k in _DEFAULT_KEYS}
    defaults["bounds"] = _bounds_dict(prep)
    defaults["zoom"] = prep.zoom
    defaults = {k: v for k, v in defaults.items() if wanted is None or k in wanted}
    hash_key = _component_key(prep.script, key)

    def _on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})
        if on_change is not None:
            on_change()

    return _sf._component_func(
        script=prep.script,
        header=prep.header,
        html=prep.html,
        id=prep.map_id,
        key=hash_key,
        height=height,
        width=None if use_container_width else 500,
        returned_objects=None if returned_objects is None else list(returned_objects),
        default=defaults,
        zoom=None,
        center=None,
        feature_group=_feature_groups(feature_group_to_add, prep),
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(prep.css_links),
        js_links=list(prep.js_links),
        on_change=_on_change,
        wrap_longitude=False,
    )
