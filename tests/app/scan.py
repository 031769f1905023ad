"""Every text an AppTest run shows: labels, options, messages, table headers and cells, chart
titles and the words of the maps (layer names, legend, tooltips, place names).

Used by the one-language tests (``test_one_language.py``) and handy when localising a page::

    from scan import page_texts
    for where, text in page_texts(at): ...
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd

__all__ = ["map_texts", "page_texts", "vega_texts"]

_TAG = re.compile(r"<[^>]+>")
_SKIP_PROTO = {
    "json_args",
    "spec",
    "datasets",
    "data",
    "url",
    "deferred_file_id",  # a deferred download's file id (atlas_app.ui.lazy_download)
    "id",
    "key",
    "form_id",
    "tag",
    "icon",
    "type",
    "format",
    "raw_value",
    "default",
    "value",
    "mime_type",
    "file_name",
    "component_name",
}
# element kinds read by their own readers below (tables, maps, charts)
_OWN_READERS = {
    "dataframe",
    "arrow_data_frame",
    "data_editor",
    "component_instance",
    "arrow_vega_lite_chart",
    "vega_lite_chart",
}
_STYLE = re.compile(r"<style\b.*?</style>", flags=re.S | re.I)


def _plain(text: str) -> str:
    return html.unescape(_TAG.sub(" ", _STYLE.sub(" ", text)))


def _proto_strings(msg: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """String fields of a protobuf message, recursively (ids, URLs and payloads skipped)."""
    from google.protobuf.message import Message

    for field, value in msg.ListFields():
        name = field.name
        if name in _SKIP_PROTO:
            continue
        where = f"{path}.{name}" if path else name
        if field.type == field.TYPE_STRING:
            items = value if field.is_repeated else [value]
            for v in items:
                if v:
                    yield where, str(v)
        elif field.type == field.TYPE_MESSAGE:
            items = value if field.is_repeated else [value]
            for v in items:
                if isinstance(v, Message):
                    yield from _proto_strings(v, where)


def map_texts(script: str) -> list[str]:
    """The visible words of an st_folium map script: layer names, legend, tooltips, labels."""
    out: list[str] = []
    # legend, tile-error text and attribution: JSON string literals fed to innerHTML
    for m in re.finditer(r"innerHTML = (\"(?:[^\"\\]|\\.)*\")", script):
        out.append(_plain(json.loads(m.group(1))))
    for m in re.finditer(r"addAttribution\((\"(?:[^\"\\]|\\.)*\")\)", script):
        out.append(_plain(json.loads(m.group(1))))
    for m in re.finditer(r"\"attribution\": (\"(?:[^\"\\]|\\.)*\")", script):
        out.append(_plain(json.loads(m.group(1))))
    for m in re.finditer(r"\}\)\(map_\w+, \[[^\]]*\], (\"(?:[^\"\\]|\\.)*\")\);", script):
        out.append(_plain(json.loads(m.group(1))))
    # layer control entries: "name" : feature_group_…
    for m in re.finditer(
        r"\"((?:[^\"\\]|\\.)*)\" : (?:feature_group|atlas_place_labels|tile_layer)", script
    ):
        out.append(_plain(json.loads(f'"{m.group(1)}"')))
    # tooltip aliases and feature properties shown in tooltips
    for m in re.finditer(r"aliases: (\[[^\]]*\])", script):
        out += [_plain(a) for a in json.loads(m.group(1))]
    for m in re.finditer(r"_add\((\{.*\"(?:FeatureCollection|Topology)\"\})\);$", script, re.M):
        doc = json.loads(m.group(1))
        # GeoJSON features, or the geometries of a TopoJSON layer (geo.maps.TopoGeoJson)
        feats = doc.get("features") or [
            g for obj in doc.get("objects", {}).values() for g in obj.get("geometries", [])
        ]
        for feat in feats:
            props = feat.get("properties") or {}
            for k in ("name", "detail", "value", "verification", "kind"):
                if props.get(k):
                    out.append(_plain(str(props[k])))
    # place names
    for m in re.finditer(r"(\[\[[-0-9.]+, [-0-9.]+, \"(?:[^\"\\]|\\.)*\"\].*?\]\])", script):
        try:
            out += [_plain(r[2]) for r in json.loads(m.group(1))]
        except (ValueError, IndexError):
            continue
    return out


def _used_fields(enc: Any) -> list[tuple[str, str]]:
    """(channel, field) of nominal fields whose values a chart shows as text."""
    out = []
    if not isinstance(enc, dict):
        return out
    for channel, spec in enc.items():
        specs = spec if isinstance(spec, list) else [spec]
        for s in specs:
            if not isinstance(s, dict) or "field" not in s:
                continue
            if channel in ("tooltip", "text") or (
                channel in ("x", "y")
                and s.get("type") == "nominal"
                and "labelExpr" not in (s.get("axis") or {})
            ):
                out.append((channel, str(s["field"])))
    return out


def vega_texts(spec_json: str, datasets: dict[str, pd.DataFrame]) -> list[str]:
    """Titles, legend/axis label expressions and the shown field values of a Vega-Lite chart."""
    spec = json.loads(spec_json)
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("title",) and isinstance(v, str):
                    out.append(v)
                elif k == "labelExpr" and isinstance(v, str):
                    pairs = re.findall(r"'[^']*'\s*:\s*'([^']*)'", v)  # ({'code': 'name'})
                    out.extend(pairs or re.findall(r"'([^']*)'", v))
                elif k == "encoding":
                    for _, field in _used_fields(v):
                        for df in datasets.values():
                            if field in df:
                                out.extend(str(x) for x in df[field].dropna().unique())
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    return out


def _arrow_frames(proto: Any) -> dict[str, pd.DataFrame]:
    import pyarrow as pa

    frames = {}
    for ds in getattr(proto, "datasets", []):
        try:
            data = ds.data.data if hasattr(ds.data, "data") else ds.data
            frames[ds.name] = pa.ipc.open_stream(data).read_all().to_pandas()
        except Exception:  # pragma: no cover - a dataset in another encoding: skip it
            continue
    return frames


def _frame_texts(element: Any) -> list[tuple[str, str]]:
    """Headers and text cells of a table as shown: column config applied (hidden columns left
    out, labels for headers, option labels for pick-list cells)."""
    df = element.value
    try:
        config = json.loads(element.proto.columns or "{}")
    except (AttributeError, ValueError):
        config = {}
    out: list[tuple[str, str]] = []
    for c in df.columns:
        cfg = config.get(str(c)) or {}
        if cfg.get("hidden"):
            continue
        out.append(("dataframe.header", str(cfg.get("label") or c)))
        col = df[c]
        if not (col.dtype == object or pd.api.types.is_string_dtype(col)):
            continue
        labels = {
            str(o.get("value")): str(o.get("label"))
            for o in (cfg.get("type_config") or {}).get("options") or []
            if isinstance(o, dict)
        }
        out += [("dataframe.cell", labels.get(str(v), str(v))) for v in col.dropna().unique()]
    return out


def page_texts(at: Any) -> list[tuple[str, str]]:
    """``(where, text)`` for everything the AppTest run ``at`` shows (see the module notes)."""
    out: list[tuple[str, str]] = []

    def visit(node: Any) -> None:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", type(node).__name__)
        if proto is not None and kind not in _OWN_READERS:
            for where, text in _proto_strings(proto):
                if kind == "html" or (where.endswith("body") and "<" in text):
                    text = _plain(text)
                out.append((f"{kind}.{where}", text))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                visit(child)

    visit(at._tree)
    for df_el in at.dataframe:
        out += _frame_texts(df_el)
    for comp in at.get("component_instance"):
        if comp.proto.component_name == "streamlit_folium.st_folium":
            args = json.loads(comp.proto.json_args)
            out += [("map", text) for text in map_texts(args.get("script", ""))]
            if args.get("feature_group"):
                out += [("map.selection", text) for text in map_texts(args["feature_group"])]
    for chart in at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart"):
        proto = chart.proto
        out += [("chart", text) for text in vega_texts(proto.spec, _arrow_frames(proto))]
    return [(w, t) for w, t in out if t and t.strip()]
