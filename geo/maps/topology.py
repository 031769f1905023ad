"""Polygon and line layers sent as TopoJSON: shared edges once, quantized, delta-encoded.

A county coverage sends every inner edge twice as GeoJSON (once per neighbour) and every
coordinate as a decimal number. :func:`topology` turns a FeatureCollection into a TopoJSON
``Topology`` (arcs built by the ``topojson`` package): each shared edge is one arc, and arc
points are integers on a grid of ``quantum`` degrees, each point the difference from the one
before. The grid is the coarsest of 0.001°…0.000001° on which every coordinate already lies
(display geometry is rounded, so the encoding is lossless), else 0.00001° (a vertex moves
at most 0.000005°, half a metre). Arcs are computed once per process for the same geometries
(bounded cache), so maps that share display geometry share the work.

:class:`TopoGeoJson` is a ``folium.GeoJson`` that keeps folium's behaviour — styles,
highlights, tooltips and popups are mapped over the features' ids and properties in Python as
folium does — but embeds the topology instead of the FeatureCollection, and carries a small
script that lets ``L.GeoJSON.prototype.addData`` accept a ``Topology`` by decoding it with
topojson-client (shipped by folium-offline, :mod:`geo.maps.assets`), ids and properties
intact. The swap is checked: if folium's template does not embed the data where expected, a
:class:`~geo.maps.MapError` is raised instead of sending a broken map.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import folium
import numpy as np
import shapely
from folium.elements import JSCSSMixin
from jinja2.utils import htmlsafe_json_dumps

from geo.maps.errors import MapError
from geo.problems import problem

__all__ = ["TOPOJSON_CLIENT", "TOPOLOGY_OBJECT", "TopoGeoJson", "quantum_for", "topology"]

TOPOJSON_CLIENT = (
    "topojson",
    "https://cdnjs.cloudflare.com/ajax/libs/topojson/1.6.9/topojson.min.js",
)
"""folium-offline's copy of topojson-client 1.6.9 (``topojson.feature``), by its CDN URL."""

TOPOLOGY_OBJECT = "layer"
"""Name of the one object (a GeometryCollection) in every topology :func:`topology` builds."""

_GRIDS = (3, 4, 5, 6)  # decimals tried, coarsest first
_FALLBACK_DECIMALS = 5
_ON_GRID = 1e-9  # degrees: a coordinate this close to a grid line lies on it
_CACHE_SIZE = 32
_cache: OrderedDict[str, tuple[list[Any], list[Any], list[float], list[float]]] = OrderedDict()
_lock = threading.Lock()


def quantum_for(coords: np.ndarray) -> float:
    """The grid step (degrees) for ``coords`` (``(n, 2)``): the coarsest one they lie on.

    >>> quantum_for(np.array([[117.123, 36.5], [117.2, 36.661]]))
    0.001
    >>> quantum_for(np.array([[117.1234567, 36.5]]))
    1e-05
    """
    for d in _GRIDS:
        if not len(coords) or np.abs(coords - np.round(coords, d)).max() <= _ON_GRID:
            return float(10.0**-d)
    return float(10.0**-_FALLBACK_DECIMALS)


def _key(geoms: np.ndarray, quantum: float | None) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(repr(quantum).encode())
    for wkb in shapely.to_wkb(geoms, output_dimension=2):
        h.update(len(wkb).to_bytes(8, "little"))
        h.update(wkb)
    return h.hexdigest()


def _quantize(arc: np.ndarray, origin: np.ndarray, quantum: float) -> list[list[int]]:
    q = np.round((arc - origin) / quantum).astype(np.int64)
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = np.any(q[1:] != q[:-1], axis=1)  # drop points the grid merged with the one before
    q = q[keep]
    if len(q) < 2:
        q = np.vstack([q, q])
    delta = np.vstack([q[:1], np.diff(q, axis=0)])
    out: list[list[int]] = delta.tolist()
    return out


def _arcs_of(
    geoms: np.ndarray, quantum: float | None
) -> tuple[list[Any], list[Any], list[float], list[float]]:
    """``(arcs, [(type, "arcs" or "coordinates", value)] per geometry, scale, translate)``.

    Cached per process by the geometries' WKB (read-only: maps share the lists).
    """
    key = _key(geoms, quantum)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    topo: dict[str, Any] = {"arcs": [], "objects": {"data": {"geometries": []}}}
    if len(geoms):
        import topojson  # imported on first use: a few hundred milliseconds

        topo = topojson.Topology(
            list(geoms),
            prequantize=False,
            topoquantize=False,
            presimplify=False,
            toposimplify=False,
        ).to_dict()
    raw = [np.asarray(a, dtype=float)[:, :2] for a in topo["arcs"]]
    objs = topo["objects"]["data"]["geometries"]
    points = [
        np.asarray(g["coordinates"], dtype=float).reshape(-1, 2) for g in objs if "coordinates" in g
    ]
    coords = np.concatenate(raw + points) if raw or points else np.zeros((0, 2))
    step = quantum if quantum is not None else quantum_for(coords)
    decimals = max(0, round(float(-np.log10(step))))
    origin = np.round(coords.min(axis=0), decimals) if len(coords) else np.zeros(2)
    arcs = [_quantize(a, origin, step) for a in raw]
    shapes: list[Any] = [None] * len(geoms)
    for g in objs:
        if "coordinates" in g:  # a point: positions quantized, not delta-encoded
            q = np.round((np.asarray(g["coordinates"], dtype=float) - origin) / step)
            shapes[int(g["id"])] = (g["type"], "coordinates", q.astype(np.int64).tolist())
        else:
            shapes[int(g["id"])] = (g["type"], "arcs", g.get("arcs"))
    if any(x is None for x in shapes):
        raise MapError([problem("map_topology_geometry", count=shapes.count(None))])
    value = (arcs, shapes, [step, step], [float(origin[0]), float(origin[1])])
    with _lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def topology(collection: Mapping[str, Any], *, quantum: float | None = None) -> dict[str, Any]:
    """A TopoJSON ``Topology`` of a GeoJSON FeatureCollection, every id and property kept.

    Parameters
    ----------
    collection
        ``{"type": "FeatureCollection", "features": [...]}``; features without a geometry
        become geometry objects of type ``null``; points keep quantized positions (sent as
        they are, they gain little: ``build_map`` keeps point layers as GeoJSON).
    quantum
        Grid step in degrees; ``None`` picks the coarsest grid every coordinate lies on
        (:func:`quantum_for`), so rounded display geometry is encoded without loss.

    Returns
    -------
    dict
        One object, :data:`TOPOLOGY_OBJECT`, a GeometryCollection whose geometries follow the
        features in order with their ``id`` and ``properties``; arcs quantized and
        delta-encoded (``transform``), ``bbox`` in degrees.
    """
    features = list(collection.get("features", []))
    # GEOS reads GeoJSON text far faster than shapely.geometry.shape builds from dicts
    geoms = np.array(
        [
            shapely.from_geojson(json.dumps(f["geometry"])) if f.get("geometry") else None
            for f in features
        ],
        dtype=object,
    )
    present = np.array([g is not None and not shapely.is_empty(g) for g in geoms], dtype=bool)
    arcs, shapes, scale, translate = _arcs_of(geoms[present], quantum)
    objects: list[dict[str, Any]] = []
    pos = iter(shapes)
    for f, has in zip(features, present, strict=True):
        obj: dict[str, Any] = {"type": None}
        if has:
            kind, field, value = next(pos)
            obj = {"type": kind, field: value}
        if "id" in f:
            obj["id"] = f["id"]
        obj["properties"] = f.get("properties") or {}
        objects.append(obj)
    x0, y0, x1, y1 = shapely.total_bounds(geoms[present]) if present.any() else (0.0, 0.0, 0.0, 0.0)
    return {
        "arcs": arcs,
        "bbox": [float(x0), float(y0), float(x1), float(y1)],
        "objects": {TOPOLOGY_OBJECT: {"type": "GeometryCollection", "geometries": objects}},
        "transform": {"scale": scale, "translate": translate},
        "type": "Topology",
    }


# Lets L.GeoJSON (and so folium's GeoJson) take a TopoJSON Topology: each object decoded by
# topojson-client, which keeps every geometry's id and properties on its feature. Idempotent:
# a page with several topology layers patches Leaflet once.
_DECODER_JS = """
(function () {
    var proto = L.GeoJSON.prototype;
    if (proto._atlasTopology) { return; }
    var addData = proto.addData;
    proto.addData = function (data) {
        if (data && data.type === "Topology") {
            for (var name in data.objects) {
                addData.call(this, topojson.feature(data, data.objects[name]));
            }
            return this;
        }
        return addData.call(this, data);
    };
    proto._atlasTopology = true;
})();
"""

_PLACEHOLDER = {"atlas_topology": "placeholder", "type": "Topology"}


class _TopologyTemplate:
    """folium's GeoJson template, its script embedding the topology instead of the features."""

    def __init__(self, base: Any) -> None:
        self._base = base
        self._module: SimpleNamespace | None = None

    def render(self, *args: Any, **kwargs: Any) -> str:
        out: str = self._base.render(*args, **kwargs)
        return out

    @property
    def module(self) -> SimpleNamespace:
        if self._module is None:
            base = self._base.module
            names = {k: v for k, v in vars(base).items() if k in ("header", "html")}
            self._module = SimpleNamespace(**names, script=self._script(base.script))
        return self._module

    @staticmethod
    def _script(macro: Any) -> Any:
        def script(this: TopoGeoJson, kwargs: Any = None) -> str:
            saved = this.data
            this.data = _PLACEHOLDER
            try:
                out = str(macro(this, kwargs))
            finally:
                this.data = saved
            call = f"{this.get_name()}_add({htmlsafe_json_dumps(_PLACEHOLDER)});"
            if out.count(call) != 1:
                raise MapError([problem("map_topology_template", layer=this.get_name())])
            body = htmlsafe_json_dumps(this.topology, separators=(",", ":"))
            return _DECODER_JS + out.replace(call, f"{this.get_name()}_add({body});")

        return script


class TopoGeoJson(JSCSSMixin, folium.GeoJson):
    """A ``folium.GeoJson`` of a FeatureCollection sent to the browser as TopoJSON.

    Takes the arguments of ``folium.GeoJson`` (``data`` a FeatureCollection dict) and
    ``quantum`` (see :func:`topology`). Styles, highlights, tooltips and popups behave as
    folium's; ``data`` keeps the features' ids and properties (geometry dropped: it lives in
    :attr:`topology`). Bounds come from the topology's ``bbox``.
    """

    default_js: list[tuple[str, str]] = [TOPOJSON_CLIENT]  # noqa: RUF012 - folium's own layout
    _template = _TopologyTemplate(folium.GeoJson._template)

    def __init__(
        self, data: Mapping[str, Any], *, quantum: float | None = None, **kwargs: Any
    ) -> None:
        self.topology = topology(data, quantum=quantum)
        light = {
            "type": "FeatureCollection",
            "features": [
                {k: v for k, v in f.items() if k != "geometry"} | {"geometry": None}
                for f in data.get("features", [])
            ],
        }
        super().__init__(light, **kwargs)

    def _get_self_bounds(self) -> list[list[float | None]]:
        x0, y0, x1, y1 = self.topology["bbox"]
        return [[y0, x0], [y1, x1]]
