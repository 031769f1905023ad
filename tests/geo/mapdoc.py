"""The features a rendered folium map embeds, GeoJSON or TopoJSON, for the map tests.

Polygon and line layers reach the page as TopoJSON (``geo.maps.TopoGeoJson``); points as
GeoJSON. :func:`page_features` reads both from ``NAME_add({...});`` calls and decodes a topology
here, independently of ``geo.maps.topology`` and of topojson-client: arcs un-delta-encoded,
scaled and translated (a point's position only scaled and translated), stitched per ring (a negative index ``~i`` is arc ``i`` reversed; each
arc after the first drops its first point, the end of the one before).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["decode_arcs", "decode_topology", "page_features"]

_ADD = re.compile(r"_add\((\{.*\})\);$", flags=re.M)


def decode_arcs(topo: dict[str, Any]) -> list[list[list[float]]]:
    """Every arc of ``topo`` as absolute ``[lon, lat]`` points."""
    t = topo.get("transform")
    out = []
    for arc in topo["arcs"]:
        if t is None:
            out.append([list(map(float, p[:2])) for p in arc])
            continue
        (sx, sy), (tx, ty) = t["scale"], t["translate"]
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append([x * sx + tx, y * sy + ty])
        out.append(pts)
    return out


def _line(arcs: list[list[list[float]]], refs: list[int]) -> list[list[float]]:
    pts: list[list[float]] = []
    for k, i in enumerate(refs):
        seg = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts += seg if k == 0 else seg[1:]
    return pts


def _position(topo: dict[str, Any], p: list[float]) -> list[float]:
    t = topo.get("transform")
    if t is None:
        return [float(p[0]), float(p[1])]
    (sx, sy), (tx, ty) = t["scale"], t["translate"]
    return [p[0] * sx + tx, p[1] * sy + ty]


def _geometry(
    topo: dict[str, Any], arcs: list[list[list[float]]], obj: dict[str, Any]
) -> dict[str, Any] | None:
    kind = obj.get("type")
    refs = obj.get("arcs")
    if kind is None:
        return None
    if kind == "Point":
        return {"type": kind, "coordinates": _position(topo, obj["coordinates"])}
    if kind == "MultiPoint":
        return {"type": kind, "coordinates": [_position(topo, p) for p in obj["coordinates"]]}
    if kind == "LineString":
        return {"type": kind, "coordinates": _line(arcs, refs)}
    if kind in ("MultiLineString", "Polygon"):
        return {"type": kind, "coordinates": [_line(arcs, r) for r in refs]}
    if kind == "MultiPolygon":
        return {"type": kind, "coordinates": [[_line(arcs, r) for r in p] for p in refs]}
    raise AssertionError(f"unexpected topology geometry {kind}")


def decode_topology(topo: dict[str, Any]) -> list[dict[str, Any]]:
    """GeoJSON features of every object of ``topo`` (ids and properties as stored)."""
    assert topo["type"] == "Topology"
    arcs = decode_arcs(topo)
    feats = []
    for obj in topo["objects"].values():
        for g in obj["geometries"]:
            feat = {"type": "Feature", "properties": g.get("properties") or {}}
            if "id" in g:
                feat["id"] = g["id"]
            feat["geometry"] = _geometry(topo, arcs, g)
            feats.append(feat)
    return feats


def page_features(html: str, layer: str | None = None) -> list[dict[str, Any]]:
    """Features of every GeoJSON/TopoJSON layer in a rendered map (of ``layer`` if given)."""
    out: list[dict[str, Any]] = []
    for m in _ADD.finditer(html):
        try:
            doc = json.loads(m.group(1))
        except ValueError:
            continue
        if doc.get("type") == "Topology":
            feats = decode_topology(doc)
        elif doc.get("type") == "FeatureCollection":
            feats = doc["features"]
        else:
            continue
        out += [f for f in feats if layer is None or str(f.get("id", "")).startswith(f"{layer}:")]
    return out
