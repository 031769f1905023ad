"""Coverage: zone × cluster matrix per frame, 2015 focus-cluster compliance, uncovered counties,
target progress — each readable at a glance in one language and downloadable (CSV / XLSX with
a header row in the page's language over the field names)."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from atlas_app import loaders
from atlas_app.basemap_ui import current_basemap
from atlas_app.chain_graph import wrap_label
from atlas_app.i18n import LABELS, code_label, name, t
from atlas_app.loaders import build_map
from atlas_app.map_view import show_map
from atlas_app.safety import optional_module
from atlas_app.tables import Col, evidence_text, source_text, verification_text, view, workbook
from atlas_app.tables import table_bytes as _table_bytes
from atlas_app.ui import lazy_download
from geo.maps import DEFAULT_TOLERANCE

__all__ = [
    "compliance_view",
    "counts_chart",
    "matrix_chart",
    "matrix_view",
    "page_coverage",
    "table_bytes",
    "target_view",
    "uncovered_view",
    "zone_names",
]


@st.cache_data(max_entries=16, ttl=900, show_spinner=False)
def table_bytes(df: pd.DataFrame, fmt: str, lang: str = "en", **kwargs: Any) -> bytes:
    """``df`` as CSV (UTF-8 with BOM) or XLSX bytes with a header row in ``lang`` over the field
    names, formula cells neutralised (:func:`atlas_app.tables.table_bytes`)."""
    return _table_bytes(df, fmt, lang, **kwargs)


def zone_names(frame: str, lang: str) -> dict[str, str]:
    """``{zone_code: name}`` of the zones of ``frame`` in ``lang``."""
    from geo.frames import zone_table

    z = zone_table(frame)
    return {
        str(c): name(a, b, lang)
        for c, a, b in zip(z["zone_code"], z["name_zh"], z["name_en"], strict=True)
    }


def _all_zone_names(lang: str) -> dict[str, str]:
    return {**zone_names("2013", lang), **zone_names("2020", lang)}


def cluster_name(zh: Any, en: Any, lang: str) -> str:
    """A cluster's name in ``lang`` (:func:`atlas_app.i18n.name`: no English note in Chinese).

    >>> cluster_name("淄博高新区 创新型产业集群试点 (industry not stated)", "Zibo HTZ", "zh")
    '淄博高新区 创新型产业集群试点'
    """
    return name(zh, en, lang)


RELATION_COLOURS = {"in": "#08519c", "partly": "#9ecae1"}


def matrix_chart(matrix: pd.DataFrame, lang: str, *, zones: list[str]) -> alt.Chart:
    """Cluster × zone grid: dark = every host unit in the zone, light = some, blank = none."""
    names = zone_names("2013", lang) | zone_names("2020", lang)
    labels = [
        f"{i} {cluster_name(a, b, lang)}"
        for i, a, b in zip(
            matrix.index,
            matrix.get("name_zh", matrix.index),
            matrix.get("name_en", matrix.index),
            strict=True,
        )
    ]
    zone_labels = [wrap_label(names.get(z, z), width=16, lines=4) for z in zones]
    long = (
        pd.DataFrame(matrix[zones].to_numpy(), columns=zone_labels)
        .assign(cluster=labels)
        .melt(id_vars="cluster", var_name="zone", value_name="relation")
    )
    long["relation"] = long["relation"].replace("", "—")
    long["relation_text"] = [_relation(r, lang) for r in long["relation"]]
    return (
        alt.Chart(long)
        .mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(
            x=alt.X(
                "zone:N",
                title=None,
                sort=zone_labels,
                axis=alt.Axis(
                    orient="top",
                    labelAngle=0,
                    labelExpr="split(datum.label, '\\n')",
                    labelLimit=0,
                    labelOverlap=False,
                    labelFontSize=10,
                    labelBaseline="line-bottom",
                ),
            ),
            y=alt.Y(
                "cluster:N",
                title=None,
                sort=labels,
                axis=alt.Axis(labelOverlap=False, labelLimit=260),
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
                alt.Tooltip("zone:N", title=t("col_zone", lang)),
                alt.Tooltip("relation_text:N", title=t("relation", lang)),
            ],
        )
        .properties(height=18 * len(labels) + 40, width="container")
    )


def _relation(value: Any, lang: str) -> str:
    return {"in": t("rel_in", lang), "partly": t("rel_partly", lang)}.get(
        str(value), t("rel_none", lang)
    )


def counts_chart(counts: pd.DataFrame, lang: str) -> alt.Chart:
    """Programme × zone: number of clusters, as a labelled heat map (one row per programme).

    Programmes run down the side (their names are long in both languages and read across);
    the zones, at most five, run along the top.
    """
    names = _all_zone_names(lang)
    zones = [str(z) for z in counts.index]
    zone_labels = [wrap_label(names.get(z, z), width=24, lines=3) for z in zones]
    cats = [str(c) for c in counts.columns]
    cat_labels = [
        t("col_total", lang) if c == "total" else code_label("programme", c, lang) for c in cats
    ]
    frame = counts.copy()
    frame.index = zone_labels
    frame.columns = cat_labels
    long = frame.reset_index(names="zone").melt(
        id_vars="zone", var_name="programme", value_name="n"
    )
    base = alt.Chart(long).encode(
        x=alt.X(
            "zone:N",
            title=None,
            sort=zone_labels,
            axis=alt.Axis(
                orient="top",
                labelAngle=0,
                labelExpr="split(datum.label, '\\n')",
                labelLimit=0,
                labelOverlap=False,
                labelBaseline="line-bottom",
            ),
        ),
        y=alt.Y(
            "programme:N",
            title=None,
            sort=cat_labels,
            axis=alt.Axis(labelOverlap=False, labelLimit=280),
        ),
    )
    cells = base.mark_rect(stroke="#ffffff").encode(
        color=alt.Color("n:Q", scale=alt.Scale(scheme="blues"), legend=None),
        tooltip=[
            alt.Tooltip("zone:N", title=t("col_zone", lang)),
            alt.Tooltip("programme:N", title=t("col_category", lang)),
            alt.Tooltip("n:Q", title=t("value", lang)),
        ],
    )
    text = base.mark_text(fontSize=12).encode(
        text="n:Q", color=alt.condition("datum.n > 10", alt.value("#ffffff"), alt.value("#08306b"))
    )
    return (cells + text).properties(height=alt.Step(28), width="container")


def _relation_expr(lang: str) -> str:
    words = {"in": t("rel_in", lang), "partly": t("rel_partly", lang), "—": t("rel_none", lang)}
    return "({" + ", ".join(f"'{k}': '{v}'" for k, v in words.items()) + "})[datum.label]"


def matrix_view(matrix: pd.DataFrame, zones: list[str], lang: str) -> pd.DataFrame:
    """The matrix table as shown: id, name, programme, then one column per zone (named)."""
    df = matrix.reset_index()
    df["name"] = [
        cluster_name(a, b, lang) for a, b in zip(df["name_zh"], df["name_en"], strict=True)
    ]
    if "evidence" in df:
        df["evidence"] = [evidence_text(v, lang) for v in df["evidence"]]
    out = view(df, lang, ["cluster_id", "name", Col("category", codes="programme"), "evidence"])
    names = _all_zone_names(lang)
    for z in zones:
        out[names.get(z, z)] = [_relation(v, lang) if v else "" for v in df[z]]
    return out


def _host_zones(text: Any, lang: str) -> str:
    names = _all_zone_names(lang)
    parts = []
    for item in str(text or "").split(";"):
        code, _, rel = item.partition(":")
        if code:
            rel_text = _relation(rel, lang)
            parts.append(
                f"{names.get(code, code)}（{rel_text}）"
                if lang == "zh"
                else f"{names.get(code, code)} ({rel_text})"
            )
    return "、".join(parts) if lang == "zh" else "; ".join(parts)


def compliance_view(comp: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The 2015 compliance table as shown: cluster, named zone, host zones, result, reason."""
    df = comp.copy()
    names = _all_zone_names(lang)
    df["named_zone"] = [names.get(str(z), str(z)) for z in df["named_zone"]]
    df["host_zones"] = [_host_zones(v, lang) for v in df["host_zones"]]
    df["verification"] = [verification_text(v, lang) for v in df["verification"]]
    if "evidence" in df:
        df["evidence"] = [evidence_text(v, lang) for v in df["evidence"]]
    df["name"] = [
        cluster_name(a, b, lang) for a, b in zip(df["name_zh"], df["name_en"], strict=True)
    ]
    return view(
        df,
        lang,
        [
            "cluster_id",
            "name",
            "named_zone",
            "host_zones",
            Col("compliance", codes="compliance"),
            Col("reason", pair=("reason_zh", "reason_en")),
            "verification",
            "evidence",
        ],
    )


def uncovered_view(unc: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Counties without coverage as shown: adcode, county, city, records only at the city."""
    df = unc.copy()
    cities = loaders.layer("cities").set_index("adcode")
    codes = df["city_adcode"].astype(str)
    df["city_zh"] = codes.map(cities["name_zh"]).to_numpy()
    df["city_en"] = codes.map(cities["name_en"]).to_numpy()
    return view(
        df,
        lang,
        [
            "adcode",
            Col("name", pair=("name_zh", "name_en")),
            Col("city_name", pair=("city_zh", "city_en")),
            "city_level_clusters",
        ],
    )


_CN_NUM = {"11": "十一", "12": "十二", "13": "十三", "14": "十四", "15": "十五"}
_ORD = {"11": "11th", "12": "12th", "13": "13th", "14": "14th", "15": "15th"}


def horizon_text(value: Any, lang: str) -> str:
    """A target's horizon in words: ``End of 12th FYP (2015)`` → “十二五”末（2015）.

    >>> horizon_text("13th FYP (2016-2020)", "zh")
    '“十三五”时期（2016-2020）'
    """
    text = "" if value is None else str(value).strip()
    m = re.fullmatch(r"End of (\d+)th FYP \((\d{4})\)", text)
    if m and m.group(1) in _CN_NUM:
        plan = (_CN_NUM if lang == "zh" else _ORD)[m.group(1)]
        return t("horizon_end_of_fyp", lang, plan=plan, year=m.group(2))
    m = re.fullmatch(r"(\d+)th FYP \(([\d\-–]+)\)", text)
    if m and m.group(1) in _CN_NUM:
        plan = (_CN_NUM if lang == "zh" else _ORD)[m.group(1)]
        return t("horizon_fyp", lang, plan=plan, years=m.group(2))
    return text


def _target_zh(text: str) -> str:
    """The document's own Chinese words quoted in a target's English paraphrase (the last
    bracket holding Chinese), else the paraphrase."""
    quotes = re.findall(r"[（(]([^()（）]*[\u3400-\u9fff][^()（）]*)[)）]", text)
    return quotes[-1] if quotes else text


def _value_zh(text: str) -> str:
    out = re.sub(r"(\d+) new", r"新增 \1 个", text)
    out = re.sub(r"(\d+) over 100bn", r"\1 个过千亿", out)
    return out.replace("; ", "；")


def _note(note: Any, status: Any, lang: str) -> str:
    text = "" if note is None else str(note)
    if lang == "en":
        return text
    if text.startswith("no cluster output figures"):
        return t("target_note_no_data", lang)
    m = re.match(r"outcome stated in (.+?) \(", text)
    if m:
        return t("target_note_outcome", lang, document=m.group(1))
    return (
        t(f"target_{str(status).replace(' ', '_')}", lang) if f"target_{status}" in LABELS else ""
    )


def target_view(targets: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Target progress as shown: id, document, horizon, target, value, observed, status, note."""
    df = targets.copy()
    df["horizon"] = [horizon_text(v, lang) for v in df["horizon"]]
    df["goal"] = [_target_zh(str(v)) if lang == "zh" else str(v) for v in df["target"]]
    df["value"] = [_value_zh(str(v)) if lang == "zh" else str(v) for v in df["value"]]
    df["unit"] = [code_label("unit", u, lang) for u in df["unit"]]
    df["note"] = [_note(n, s, lang) for n, s in zip(df["note"], df["status"], strict=True)]
    df["status"] = [t(f"target_{str(s).replace(' ', '_')}", lang) for s in df["status"]]
    df["source"] = [source_text(v, lang) for v in df["source"]]
    df["verification"] = [verification_text(v, lang) for v in df["verification"]]
    if "evidence" in df:
        df["evidence"] = [evidence_text(v, lang) for v in df["evidence"]]
    return view(
        df,
        lang,
        [
            "target_id",
            "document",
            "horizon",
            "goal",
            "value",
            "unit",
            "observed",
            "status",
            "note",
            "source",
            "verification",
            "evidence",
        ],
    )


_CODES = {"category": "programme", "compliance": "compliance", "status": "target"}


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
        table_bytes(df, "csv", lang, codes=_CODES),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"dl_{stem}_csv",
        on_click="ignore",
    )
    row.download_button(
        t("download_xlsx", lang),
        table_bytes(df, "xlsx", lang, codes=_CODES),
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
        basemap=current_basemap(),
        lang=lang,
        simplified=False,
        height=420,
        collapsed_control=True,
        titles={"gaps": (t("uncovered", "zh"), t("uncovered", "en"))},
    )
    show_map(m, key="coverage_map", height=420, returned_objects=[])


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
    lazy_download(
        st,
        t("download_all_xlsx", lang),
        partial(workbook, tables, lang, codes=_CODES),
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
        st.dataframe(matrix_view(tables["matrix"], zones, lang), hide_index=True, height=720)
        _downloads(tables["matrix"], f"zone_cluster_matrix_{frame}", lang)
    st.markdown(f"**{t('counts', lang)}**")
    st.altair_chart(counts_chart(tables["counts"], lang), width="stretch")

    st.subheader(t("compliance", lang))
    _status_metrics(tables["compliance"]["compliance"], lang, "compliance")
    st.dataframe(compliance_view(tables["compliance"], lang), hide_index=True)
    _downloads(tables["compliance"], "focus_compliance_2015", lang)

    st.subheader(t("uncovered", lang))
    st.caption(t("uncovered_note", lang, n=len(tables["uncovered"])))
    left, right = st.columns([1, 1])
    with left:
        st.dataframe(uncovered_view(tables["uncovered"], lang), hide_index=True)
        _downloads(tables["uncovered"], "uncovered_counties", lang)
    with right:
        _uncovered_map(tables["uncovered"], lang)

    st.subheader(t("targets", lang))
    _status_metrics(tables["targets"]["status"], lang, "target")
    st.dataframe(target_view(tables["targets"], lang), hide_index=True)
    _downloads(tables["targets"], "target_progress", lang)
