"""Coverage: zone × cluster matrix per frame, 2015 focus-cluster compliance, uncovered counties,
target progress — each readable at a glance and downloadable (CSV / XLSX)."""

from __future__ import annotations

import io
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from atlas_app import loaders
from atlas_app.i18n import LABELS, name_both, t
from atlas_app.safety import optional_module
from geo.maps import DEFAULT_TOLERANCE, build_map
from geo.sources import display_sources

__all__ = ["counts_chart", "matrix_chart", "page_coverage", "table_bytes"]


def table_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """``df`` as CSV (UTF-8 with BOM) or XLSX bytes, formula cells neutralised (geo.export)."""
    from geo.export import neutralise_frame

    safe = neutralise_frame(df.reset_index() if _named_index(df) else df)
    if fmt == "csv":
        return safe.to_csv(index=False).encode("utf-8-sig")
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name="data")
    return buf.getvalue()


def _named_index(df: pd.DataFrame) -> bool:
    return any(n is not None for n in df.index.names)


def _all_xlsx(tables: dict[str, pd.DataFrame]) -> bytes:
    from geo.export import xlsx_bytes

    return xlsx_bytes(
        {name: df.reset_index() if _named_index(df) else df for name, df in tables.items()}
    )


RELATION_COLOURS = {"in": "#08519c", "partly": "#9ecae1"}


def matrix_chart(matrix: pd.DataFrame, lang: str, *, zones: list[str]) -> alt.Chart:
    """Cluster × zone grid: dark = every host unit in the zone, light = some, blank = none."""
    labels = [
        f"{i} {name_both(a, b, lang).split(' · ')[0]}"
        for i, a, b in zip(
            matrix.index,
            matrix.get("name_zh", matrix.index),
            matrix.get("name_en", matrix.index),
            strict=True,
        )
    ]
    long = (
        pd.DataFrame(matrix[zones].to_numpy(), columns=zones)
        .assign(cluster=labels)
        .melt(id_vars="cluster", var_name="zone", value_name="relation")
    )
    long["relation"] = long["relation"].replace("", "—")
    order = labels
    return (
        alt.Chart(long)
        .mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(
            x=alt.X(
                "zone:N",
                title=t("frame", lang),
                sort=zones,
                axis=alt.Axis(orient="top", labelAngle=0),
            ),
            y=alt.Y(
                "cluster:N",
                title=None,
                sort=order,
                axis=alt.Axis(labelOverlap=False, labelLimit=180),
            ),
            color=alt.Color(
                "relation:N",
                scale=alt.Scale(
                    domain=["in", "partly", "—"],
                    range=[RELATION_COLOURS["in"], RELATION_COLOURS["partly"], "#f0f0f0"],
                ),
                legend=alt.Legend(
                    title=t("relation", lang), orient="bottom", labelExpr=_relation_expr(lang)
                ),
            ),
            tooltip=[
                alt.Tooltip("cluster:N", title=t("name", lang)),
                alt.Tooltip("zone:N", title=t("frame", lang)),
                alt.Tooltip("relation:N", title=t("relation", lang)),
            ],
        )
        .properties(height=18 * len(labels) + 40)
    )


def counts_chart(counts: pd.DataFrame, lang: str) -> alt.Chart:
    """Zones × programme category: number of clusters, as a labelled heat map."""
    long = counts.reset_index(names="zone").melt(
        id_vars="zone", var_name="category", value_name="n"
    )
    base = alt.Chart(long).encode(
        x=alt.X(
            "category:N",
            title=None,
            axis=alt.Axis(labelAngle=-40, labelOverlap=False, labelLimit=160),
        ),
        y=alt.Y("zone:N", title=None, sort=list(counts.index), axis=alt.Axis(labelOverlap=False)),
    )
    cells = base.mark_rect(stroke="#ffffff").encode(
        color=alt.Color("n:Q", scale=alt.Scale(scheme="blues"), legend=None),
        tooltip=["zone:N", "category:N", alt.Tooltip("n:Q", title=t("value", lang))],
    )
    text = base.mark_text(fontSize=12).encode(
        text="n:Q", color=alt.condition("datum.n > 10", alt.value("#ffffff"), alt.value("#08306b"))
    )
    return (cells + text).properties(height=36 * len(counts) + 30)


def _relation_expr(lang: str) -> str:
    words = {"in": t("rel_in", lang), "partly": t("rel_partly", lang), "—": t("rel_none", lang)}
    return "({" + ", ".join(f"'{k}': '{v}'" for k, v in words.items()) + "})[datum.label]"


def _status_metrics(series: pd.Series, lang: str, prefix: str) -> None:
    counts = series.astype(str).value_counts()
    cols = st.columns(max(len(counts), 1))
    for col, (value, n) in zip(cols, counts.items(), strict=False):
        key = f"{prefix}_{value.replace(' ', '_')}"
        label = t(key, lang) if key in LABELS else value
        col.metric(label, int(n))


def _downloads(df: pd.DataFrame, stem: str, lang: str) -> None:
    row = st.container(horizontal=True)
    row.download_button(
        t("download_csv", lang),
        table_bytes(df, "csv"),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"dl_{stem}_csv",
        on_click="ignore",
    )
    row.download_button(
        t("download_xlsx", lang),
        table_bytes(df, "xlsx"),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dl_{stem}_xlsx",
        on_click="ignore",
    )


def _uncovered_map(uncovered: pd.DataFrame, lang: str) -> None:
    code_col = next((c for c in ("adcode", "county_adcode", "code") if c in uncovered), None)
    if code_col is None:
        return
    disp = loaders.display(DEFAULT_TOLERANCE)
    counties = disp["counties"]
    hit = counties[counties["adcode"].isin(uncovered[code_col].astype(str))]
    layers: dict[str, Any] = {"province": disp["province"], "counties": counties}
    if len(hit):
        layers["gaps"] = hit
    m = build_map(
        layers,
        lang=lang,
        simplified=False,
        height=380,
        collapsed_control=True,
        titles={"gaps": (t("uncovered", "zh"), t("uncovered", "en"))},
    )
    st_folium(m, key="coverage_map", height=380, use_container_width=True, returned_objects=[])


def page_coverage(lang: str) -> None:
    """Draw the coverage page."""
    if optional_module("layout.coverage", lang) is None:
        return
    from geo.frames import zone_table

    frame = st.radio(
        t("frame", lang),
        ("2013", "2020"),
        key="coverage_frame",
        horizontal=True,
        format_func=lambda f: t(f"frame_{f}", lang),
    )
    tables = loaders.coverage_tables(frame)
    st.download_button(
        t("download_all_xlsx", lang),
        _all_xlsx(tables),
        file_name=f"coverage_{frame}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_coverage_all",
        on_click="ignore",
    )
    st.session_state["coverage_tables"] = {"frame": frame, **tables}

    st.subheader(t("matrix", lang))
    zones = [z for z in zone_table(frame)["zone_code"] if z in tables["matrix"].columns]
    left, right = st.columns([3, 2])
    with left:
        st.altair_chart(matrix_chart(tables["matrix"], lang, zones=zones), width="stretch")
    with right:
        st.markdown(f"**{t('counts', lang)}**")
        st.altair_chart(counts_chart(tables["counts"], lang), width="stretch")
        st.dataframe(display_sources(tables["matrix"], lang=lang))
        _downloads(tables["matrix"], f"zone_cluster_matrix_{frame}", lang)

    st.subheader(t("compliance", lang))
    _status_metrics(tables["compliance"]["compliance"], lang, "compliance")
    comp = tables["compliance"]
    reason = "reason_zh" if lang == "zh" else "reason_en"
    cols = [
        c
        for c in (
            "cluster_id",
            "name_zh",
            "name_en",
            "named_zone",
            "host_zones",
            "compliance",
            reason,
            "verification",
            "evidence",
        )
        if c in comp
    ]
    st.dataframe(display_sources(comp[cols], lang=lang), hide_index=True)
    _downloads(comp, "focus_compliance_2015", lang)

    st.subheader(t("uncovered", lang))
    st.caption(t("uncovered_note", lang, n=len(tables["uncovered"])))
    left, right = st.columns([1, 1])
    with left:
        st.dataframe(tables["uncovered"], hide_index=True)
        _downloads(tables["uncovered"], "uncovered_counties", lang)
    with right:
        _uncovered_map(tables["uncovered"], lang)

    st.subheader(t("targets", lang))
    _status_metrics(tables["targets"]["status"], lang, "target")
    st.dataframe(display_sources(tables["targets"], lang=lang), hide_index=True)
    _downloads(tables["targets"], "target_progress", lang)
