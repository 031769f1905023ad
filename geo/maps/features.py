"""Feature properties a map shows: escaped, in one language, with codes read as names.

Every layer's features get ``key`` (``"<layer>:<code>"``, the feature id a click reports),
``name`` (in the map's language, the other language's when missing), ``code`` and ``detail``
(a layer-specific line: a county's city, a zone's frame and size, a high-tech zone's level, a
cluster's programme and location, a firm's chain and node); ``verification``, ``source`` and
``value`` when known. Callers may give any layer ``detail_zh``/``detail_en`` columns (plain
text), which win. A point inside one county carries ``select`` (that county's adcode), so a
click on a marker selects the county under it.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from geo.export import geojson_dict
from geo.maps.display import DISPLAY_PRECISION
from geo.maps.text import esc, inert_id, name_in, plain, short, verification_flag
from geo.maps.words import code_name, htz_level_text, word
from geo.sources import evidence_badge, format_source

__all__ = ["ID_COLUMNS", "feature_collection", "feature_props", "tooltip_fields"]

ID_COLUMNS = ("adcode", "zone_code", "htz_id", "cluster_id", "firm_id", "node", "id")
_TIP_FIELDS = ("name", "code", "detail", "value", "verification")


def _detail(name: str, row: pd.Series, lang: str) -> list[str]:
    """Plain-text detail bits of one feature of layer ``name``."""
    get = row.get
    if name == "counties":
        return [name_in(get("city_name_zh"), get("city_name_en"), lang)]
    if name.startswith("zones"):
        return [word("frame_counties", lang, frame=plain(get("frame")), n=plain(get("n_counties")))]
    if name == "htz":
        return [htz_level_text(get("level"), lang)]
    if name == "clusters":
        return [
            code_name("programme", get("category"), lang),
            code_name("quality", get("location_quality"), lang),
        ]
    if name == "firms":
        node = name_in(get("node_name_zh"), get("node_name_en"), lang) or plain(get("node"))
        bits = [plain(get("chain")), node]
        if _truthy(get("synthetic")):
            bits.append(word("synthetic_firm", lang))
        return bits
    bits = []
    if "node_name_zh" in row or "node_name_en" in row:
        bits.append(name_in(get("node_name_zh"), get("node_name_en"), lang))
    elif "node_name" in row:
        bits.append(plain(get("node_name")))
    if plain(get("distance_km")):
        bits.append(word("distance_value", lang, km=f"{float(get('distance_km')):,.1f}"))
    return bits


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    try:
        return bool(value) and not pd.isna(value)
    except (TypeError, ValueError):
        return False


def _select(name: str, gdf: gpd.GeoDataFrame) -> list[str] | None:
    """The county adcode a click on each point selects (``""`` when not one county)."""
    for col in ("host_county_adcode", "host_county_adcodes", "adcode"):
        if col in gdf and name not in ("counties", "cities", "province"):
            vals = [plain(v) for v in gdf[col]]
            return [v if v.isdigit() and len(v) == 6 and not v.endswith("00") else "" for v in vals]
    return None


def feature_props(
    gdf: gpd.GeoDataFrame,
    name: str,
    lang: str,
    values: pd.Series | None = None,
    fmt: str = "{}",
) -> pd.DataFrame:
    """Escaped display properties of ``gdf`` as layer ``name``: key, name, code, detail, …

    ``values`` (indexed by the layer's id column) adds a formatted ``value``; missing values
    read "no data" in ``lang``.
    """
    n = len(gdf)
    idcol = next((c for c in ID_COLUMNS if c in gdf), None)
    code = (
        gdf[idcol].astype(str) if idcol else pd.Series([str(i) for i in range(n)], index=gdf.index)
    )
    blank = pd.Series([""] * n, index=gdf.index)
    zh = gdf["name_zh"] if "name_zh" in gdf else gdf.get("name", blank)
    en = gdf.get("name_en", blank)
    out = pd.DataFrame(index=gdf.index)
    out["key"] = [inert_id(f"{name}:{c}") for c in code]
    out["name"] = [esc(name_in(a, b, lang)) for a, b in zip(zh, en, strict=True)]
    out["code"] = [esc(c) for c in code]
    own = f"detail_{lang}"
    detail: list[str] = []
    for _, row in gdf.iterrows():
        if own in gdf and plain(row.get(own)):
            bits = [plain(row.get(own))]
        else:
            bits = _detail(name, row, lang)
        detail.append(" · ".join(esc(b) for b in bits if b))
    out["detail"] = detail
    if "verification" in gdf:
        evidence = gdf["evidence"] if "evidence" in gdf else pd.Series([None] * n, index=gdf.index)
        out["verification"] = [
            _verification(v, e, lang) for v, e in zip(gdf["verification"], evidence, strict=True)
        ]
    if "source" in gdf:  # publisher · title · date, addresses of class A-C hosts only
        out["source"] = [esc(short(format_source(v, lang=lang), 600)) for v in gdf["source"]]
    select = _select(name, gdf)
    if select is not None:
        out["select"] = select
    if values is not None:
        codes = gdf[idcol].astype(str) if idcol else code
        vals = values.reindex(codes.to_numpy())
        no_data = esc(word("no_data", lang))
        out["value"] = [esc(fmt.format(v)) if pd.notna(v) else no_data for v in vals]
    return out


def _verification(text: Any, evidence: Any, lang: str) -> str:
    """The evidence badge (facts below press read 待核实 / unverified, :mod:`geo.sources`), or
    the verification flag in words when a layer has no evidence column. The data's own notes
    (English working notes quoting Chinese names) stay in the tables and exports."""
    if plain(evidence):
        return esc(evidence_badge(evidence, lang))
    flag = verification_flag(text)
    return esc(f"{flag} {word('verified' if flag == '✓' else 'unverified', lang)}")


def tooltip_fields(props: pd.DataFrame, lang: str) -> tuple[list[str], list[str]]:
    """Tooltip fields of ``props`` that hold any text, and their (escaped) aliases in ``lang``."""
    fields = [c for c in _TIP_FIELDS if c in props]
    fields = [f for f in fields if props[f].astype(str).str.len().gt(0).any()]
    return fields, [esc(word(f"field_{f}", lang)) for f in fields]


def feature_collection(gdf: gpd.GeoDataFrame, props: pd.DataFrame) -> dict[str, Any]:
    """GeoJSON FeatureCollection of ``gdf``'s geometry with ``props``; ids are ``props.key``."""
    frame = gpd.GeoDataFrame(props, geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    doc = geojson_dict(frame, precision=DISPLAY_PRECISION)
    for feat in doc["features"]:
        feat["id"] = feat["properties"]["key"]
    return doc
