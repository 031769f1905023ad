"""Export: any layer or result as GeoJSON, GeoPackage, CSV or XLSX (through ``geo.export``)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from atlas_app import loaders, state
from atlas_app.i18n import t
from geo.export import FORMATS, to_csv, to_geojson, to_gpkg, to_xlsx
from geo.layers import LAYER_INFO, LAYER_NAMES

__all__ = ["MIME", "export_bytes", "export_items", "page_export", "preview"]

MIME = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_bytes(
    obj: gpd.GeoDataFrame | pd.DataFrame | dict[str, pd.DataFrame], fmt: str, stem: str
) -> tuple[bytes, str, str]:
    """Bytes, file name and MIME type of ``obj`` written as ``fmt`` by ``geo.export``.

    ``obj`` may be one table or a ``{name: table}`` dict (GeoPackage layers / XLSX sheets).
    A table without geometry asked for as GeoJSON is written as CSV instead (the caller says so).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    tables = obj if isinstance(obj, dict) else {stem: obj}
    first = next(iter(tables.values()))
    if fmt == "geojson" and not isinstance(first, gpd.GeoDataFrame):
        fmt = "csv"
    safe_stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem) or "export"
    with tempfile.TemporaryDirectory(prefix="atlas_export_") as tmp:
        path = Path(tmp) / f"{safe_stem}.{fmt}"
        if fmt == "geojson":
            to_geojson(first, path, metadata={"datum": "WGS-84 (EPSG:4326)", "name": stem})
        elif fmt == "gpkg":
            to_gpkg(tables, path)
        elif fmt == "csv":
            to_csv(first, path)
        else:
            to_xlsx(
                {
                    k: pd.DataFrame(v.drop(columns="geometry", errors="ignore"))
                    for k, v in tables.items()
                },
                path,
            )
        return path.read_bytes(), path.name, MIME[fmt]


def export_items(lang: str) -> dict[str, tuple[str, Callable[[], object]]]:
    """``{key: (label, loader)}`` of everything exportable right now (layers, firms, results)."""
    items: dict[str, tuple[str, Callable[[], object]]] = {}

    def _layer(n: str) -> Callable[[], object]:
        return lambda: loaders.layer(n)

    def _table(k: str) -> Callable[[], object]:
        df: pd.DataFrame = (cov or {})[k]
        return lambda: df.reset_index() if any(n is not None for n in df.index.names) else df

    for name in LAYER_NAMES:
        zh, en, _ = LAYER_INFO[name]
        items[f"layer:{name}"] = (
            t("ex_layer", lang, title=zh if lang == "zh" else en),
            _layer(name),
        )
    firms = state.current_firms()
    items["firms"] = (t("ex_firms", lang), lambda: firms.gdf)
    items["all_layers"] = (
        t("ex_all_layers", lang),
        lambda: {**{n: loaders.layer(n) for n in LAYER_NAMES}, "firms": firms.gdf},
    )
    chain = st.session_state.get("chain_result")
    if chain:
        items["chain_nodes"] = (
            t("ex_chain_nodes", lang, chain=chain["chain"], region=chain["region"]),
            lambda: chain["nodes"],
        )
        src = chain["sourcing"]
        items["chain_sourcing"] = (
            t("ex_chain_sourcing", lang, chain=chain["chain"], region=chain["region"]),
            lambda: (
                gpd.GeoDataFrame(
                    src, geometry=gpd.points_from_xy(src["lon"], src["lat"]), crs="EPSG:4326"
                )
                if {"lon", "lat"} <= set(src.columns)
                else src
            ),
        )
    cov = st.session_state.get("coverage_tables")
    if cov:
        for key in ("matrix", "compliance", "uncovered", "targets"):
            label = (
                t(f"ex_{key}", lang, frame=cov["frame"])
                if key == "matrix"
                else t(f"ex_{key}", lang)
            )
            items[f"coverage:{key}"] = (label, _table(key))
    last = st.session_state.get("last_import")
    if last is not None and len(last["result"].rejected):
        items["import_rejects"] = (t("ex_import_rejects", lang), lambda: last["result"].rejected)
    return items


_FORMAT_NAMES = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "csv": "CSV", "xlsx": "XLSX"}
_ID_FIELDS = ("adcode", "zone_code", "htz_id", "cluster_id", "firm_id", "region", "node")


def preview(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The first 10 rows as previewed: the id, the name in ``lang`` and the labelled fields."""
    from atlas_app.i18n import has_label
    from atlas_app.tables import Col, view

    head = pd.DataFrame(df.drop(columns="geometry", errors="ignore")).head(10)
    skip = {"name", "name_zh", "name_en"}
    cols: list[Col | str] = []
    cols += [c for c in _ID_FIELDS if c in head][:1]
    pair = ("name_zh", "name_en") if "name_zh" in head else ("name", "name_en")
    if pair[0] in head or pair[1] in head:
        cols.append(Col("name", pair=pair))
    cols += [
        str(c)
        for c in head.columns
        if c not in skip and c not in cols and has_label(f"col_{c}") and head[c].dtype != object
    ]
    return view(head, lang, cols)


def page_export(lang: str) -> None:
    """Draw the export page."""
    items = export_items(lang)
    st.caption(t("export_note", lang))
    key = st.selectbox(
        t("export_what", lang), list(items), key="export_item", format_func=lambda k: items[k][0]
    )
    fmt = st.radio(
        t("export_format", lang),
        FORMATS,
        key="export_format",
        horizontal=True,
        format_func=lambda f: _FORMAT_NAMES[f],
    )
    if key == "all_layers" and fmt != "gpkg":
        fmt = "gpkg" if fmt == "geojson" else fmt
    obj = items[key][1]()
    first = next(iter(obj.values())) if isinstance(obj, dict) else obj
    if fmt == "geojson" and not isinstance(first, gpd.GeoDataFrame):
        st.info(t("export_table_only", lang, fmt="GeoJSON"))
    n = len(first) if hasattr(first, "__len__") else 0
    st.caption(t("features", lang, n=n))
    if isinstance(first, pd.DataFrame):
        st.dataframe(preview(first, lang), hide_index=True)
        st.caption(t("export_preview_note", lang))
    stem = key.replace(":", "_")
    data, name, mime = export_bytes(obj, fmt, stem)
    st.download_button(
        t("export_download", lang, fmt=_FORMAT_NAMES[fmt]),
        data=data,
        file_name=name,
        mime=mime,
        key="dl_export",
        type="primary",
        on_click="ignore",
    )
