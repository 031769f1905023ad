"""Monitoring over the years: a year slider on the map, a timeline per region, status transitions
and the yearly ranking with warnings.

Everything shown comes from :func:`layout.monitoring.monitor_chain` (cached in
:func:`atlas_app.loaders.monitoring`) on the demonstration panel or on firm tables of several
years the user uploads (:func:`layout.monitoring.read_panel`: every row accepted or rejected
with a reason). Tables go through ``st.dataframe`` (text, never markup); map labels are escaped
by :mod:`geo.maps`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from atlas_app import loaders
from atlas_app.i18n import name_both, t
from atlas_app.loaders import build_map
from atlas_app.map_view import show_map
from atlas_app.planning_ui import chain_label, chain_picker
from atlas_app.tables import reason_text, table_bytes, workbook
from atlas_app.ui import lazy_download
from geo.maps import DEFAULT_TOLERANCE, Choropleth, classify_values

__all__ = [
    "LEVELS",
    "METRICS",
    "map_values",
    "page_monitor",
    "ranking_view",
    "timeline_frame",
    "transitions_view",
]

LEVELS: dict[str, tuple[str, str]] = {
    "county": ("county", "2013"),
    "city": ("city", "2013"),
    "zone-2013": ("zone", "2013"),
    "zone-2020": ("zone", "2020"),
}
METRICS: tuple[str, ...] = ("value", "n_firms", "lq", "completeness", "composite")
_FORMATS = {
    "value": "{:,.0f}",
    "n_firms": "{:,.0f}",
    "lq": "{:.2f}",
    "completeness": "{:.0%}",
    "composite": "{:.3f}",
}
_VERDICT_STYLE = {
    "watch": "background-color: #fee391",
    "warning": "background-color: #fc8d59",
    "exit": "background-color: #b30000; color: #ffffff",
}
_MAP_HEIGHT = 640
_TIMELINE_REGIONS = 12


# ----------------------------------------------------------------------------- pure views
def _whole(v: Any, *, signed: bool = False) -> str:
    """A whole number as text (``+3`` when signed), ``–`` when missing (not evaluated)."""
    if v is None or not np.isfinite(float(v)):
        return "–"
    return f"{int(v):+d}" if signed and int(v) != 0 else f"{int(v)}"


def _share(v: Any, fmt: str) -> str:
    return "–" if v is None or not np.isfinite(float(v)) else fmt.format(float(v))


def map_values(m: Any, metric: str, year: int) -> tuple[pd.Series, tuple[float, ...]]:
    """Values of ``metric`` per region in ``year`` and class bounds fixed over every year.

    ``composite`` comes from the yearly evaluation (regions evaluated that year only); the rest
    from the by-year table. Bounds: quantiles (k = 5) of the metric's values over all years.
    """
    if metric == "composite":
        ev = m.evaluation
        allv = pd.Series(ev["composite"].astype(float).to_numpy())
        now = ev[ev["year"] == year]
        vals = pd.Series(now["composite"].astype(float).to_numpy(), index=now["region"].astype(str))
    else:
        reg = m.years.regions
        allv = pd.Series(reg[metric].astype(float).to_numpy())
        now = reg[reg["year"] == year]
        vals = pd.Series(now[metric].astype(float).to_numpy(), index=now["region"].astype(str))
    _, bins = classify_values(allv, scheme="quantiles", k=5)
    return vals, tuple(bins)


def transitions_view(trans: pd.DataFrame, lang: str, *, year: int | None = None) -> pd.DataFrame:
    """Status transitions as shown: year, region, node, change, from, to, reason, firms."""
    t_ = trans if year is None else trans[trans["year"] == year]
    zh = lang == "zh"
    return pd.DataFrame(
        {
            t("mon_col_year", lang): t_["year"].astype(int).to_numpy(),
            t("mon_col_region", lang): [
                f"{name_both(a, b, lang)} ({c})"
                for a, b, c in zip(
                    t_["region_name_zh"], t_["region_name_en"], t_["region"], strict=True
                )
            ],
            t("mon_col_node", lang): [
                name_both(a, b, lang) for a, b in zip(t_["name_zh"], t_["name_en"], strict=True)
            ],
            t("mon_col_change", lang): [t(f"mon_kind_{k}", lang) for k in t_["kind"]],
            t("mon_col_from", lang): [t(f"status_{s}", lang) for s in t_["from_status"]],
            t("mon_col_to", lang): [t(f"status_{s}", lang) for s in t_["to_status"]],
            # the strength-class code at the end of a reason is the change column's word
            t("mon_col_reason", lang): [
                reason_text(r, lang) for r in (t_["reason_zh"] if zh else t_["reason_en"])
            ],
            t("mon_col_firms", lang): t_["firm_ids"].str.replace(";", ", ").to_numpy(),
        }
    )


def ranking_view(ev: pd.DataFrame, lang: str, *, year: int) -> pd.DataFrame:
    """Ranks of every evaluated region by year, with the chosen year's composite and verdict.

    One row per region evaluated in ``year`` (best first); columns: code, name, the rank of
    each year, rank change, composite, years in the band running, verdict (localised).
    """
    now = ev[ev["year"] == year].sort_values(["rank", "region"])
    ranks = ev.pivot_table(index="region", columns="year", values="rank", aggfunc="first")
    out = pd.DataFrame(
        {
            t("code", lang): now["region"].astype(str).to_numpy(),
            t("name", lang): [
                name_both(a, b, lang)
                for a, b in zip(now["region_name_zh"], now["region_name_en"], strict=True)
            ],
        }
    )
    for y in sorted(ev["year"].unique()):
        col = ranks[y].reindex(now["region"]) if y in ranks else pd.Series(np.nan, index=now.index)
        out[t("mon_col_rank", lang, year=int(y))] = [_whole(v) for v in col]
    out[t("mon_col_rank_change", lang)] = [_whole(v, signed=True) for v in now["rank_change"]]
    out[t("mon_col_composite", lang)] = now["composite"].astype(float).round(4).to_numpy()
    out[t("mon_col_run", lang)] = now["run"].astype(int).to_numpy()
    out[t("mon_col_verdict", lang)] = [t(f"mon_verdict_{v}", lang) for v in now["verdict"]]
    out.attrs["verdicts"] = now["verdict"].tolist()
    return out


def timeline_frame(m: Any, lang: str, *, year: int, n: int = _TIMELINE_REGIONS) -> pd.DataFrame:
    """Long table (region label, year, value) for the small multiples.

    The ``n`` regions with the largest chain value in any year, then the regions with a
    verdict other than ``ok`` in ``year``.
    """
    reg = m.years.regions
    top = reg.groupby("region")["value"].max().sort_values(ascending=False, kind="stable")
    chosen = [r for r in top.index[:n] if top[r] > 0]
    ev = m.evaluation
    warned = ev[(ev["year"] == year) & (ev["verdict"] != "ok")]["region"].astype(str).tolist()
    chosen += [r for r in warned if r not in chosen]
    sub = reg[reg["region"].isin(chosen)]
    labels = {
        r: f"{name_both(a, b, lang).split(' · ')[0]} ({r})"
        for r, a, b in zip(sub["region"], sub["region_name_zh"], sub["region_name_en"], strict=True)
    }
    order = {r: i for i, r in enumerate(chosen)}
    out = pd.DataFrame(
        {
            "region": sub["region"].map(labels).to_numpy(),
            "order": sub["region"].map(order).to_numpy(),
            "year": sub["year"].astype(int).to_numpy(),
            "value": sub["value"].astype(float).to_numpy(),
            "warned": sub["region"].isin(warned).to_numpy(),
        }
    )
    return out.sort_values(["order", "year"]).reset_index(drop=True)


# ----------------------------------------------------------------------------- panel choice
def _panel(lang: str) -> tuple[Any, str, bool]:
    """The panel in use: uploaded files when given, else the demonstration panel."""
    with st.expander(t("mon_panel", lang)):
        st.caption(t("mon_panel_help", lang))
        ups = st.file_uploader(
            t("mon_upload", lang),
            type=["csv", "txt", "xlsx", "geojson", "json", "gpkg"],
            accept_multiple_files=True,
            key="mon_upload",
        )
        if ups:
            files = tuple((u.name, u.getvalue()) for u in ups)
            token = loaders.file_token(b"".join(d for _, d in files), *[n for n, _ in files])
            panel = loaders.uploaded_panel(token, files)
            s = panel.summary
            st.write(
                t("mon_import_summary", lang, **{k: s[k] for k in ("read", "accepted", "rejected")})
            )
            if s["rejected"]:
                st.download_button(
                    t("mon_download_rejects", lang),
                    table_bytes(panel.rejected, "csv", lang),
                    file_name="monitor_rejects.csv",
                    mime="text/csv",
                    key="dl_mon_rejects",
                    on_click="ignore",
                )
            return panel, f"upload-{token}", panel.synthetic
    return loaders.demo_panel(), "demo", True


# ----------------------------------------------------------------------------- page parts
def _metrics(m: Any, year: int, lang: str) -> None:
    from layout.monitoring import cagr

    years = m.years.years
    prov = m.years.province.set_index("year")
    first, last = years[0], years[-1]
    growth = cagr(prov.loc[first, "chain_value"], prov.loc[last, "chain_value"], last - first)
    trans = m.transitions
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric(t("mon_m_years", lang), f"{first}–{last}")
    c2.metric(
        t("mon_m_value", lang, year=year),
        f"{prov.loc[year, 'chain_value']:,.0f}",
        help=t(
            "mon_cagr",
            lang,
            base=t(f"base_{m.years.base}", lang),
            first=first,
            last=last,
            v="–" if not np.isfinite(growth) else f"{growth:+.1%}",
        ),
    )
    c3.metric(t("mon_m_firms", lang, year=year), int(prov.loc[year, "chain_firms"]))
    opened = int((trans["kind"] == "gap_opened").sum())
    closed = int((trans["kind"] == "gap_closed").sum())
    c4.metric(t("mon_m_gaps", lang, first=years[1], last=last), f"{opened} / {closed}")
    ev = m.evaluation
    n_warn = int(((ev["year"] == year) & ev["verdict"].isin(["warning", "exit"])).sum())
    c5.metric(t("mon_m_warnings", lang, year=year), n_warn)


def _map(m: Any, metric: str, year: int, level: str, frame: str, chain: str, lang: str) -> None:
    disp = loaders.display(DEFAULT_TOLERANCE)
    if level == "zone":
        target, polys = "mon_zones", disp["zones" if frame == "2013" else "zones-2020"]
    else:
        target = "counties" if level == "county" else "cities"
        polys = disp[target]
    code_col = "zone_code" if level == "zone" else "adcode"
    values, bins = map_values(m, metric, year)
    ev = m.evaluation
    warned = ev[(ev["year"] == year) & ev["verdict"].isin(["warning", "exit"])]["region"]
    layers = {
        "province": disp["province"],
        **({"cities": disp["cities"]} if level == "county" else {}),
        target: polys,
    }
    hit = polys[polys[code_col].astype(str).isin(warned.astype(str))]
    if len(hit):
        layers["gaps"] = hit
    years = m.years.years
    label = {x: t(f"mon_metric_{metric}", x) for x in ("zh", "en")}
    choro = Choropleth(
        values,
        t("mon_map_title", "zh", metric=label["zh"], chain=chain, year=year),
        t("mon_map_title", "en", metric=label["en"], chain=chain, year=year),
        layer=target,
        scheme="quantiles",
        k=5,
        fmt=_FORMATS[metric],
        bins=bins or None,
    )
    note = t("mon_fixed_classes", lang, first=years[0], last=years[-1])
    from geo.maps import esc

    fmap = build_map(
        layers,
        lang=lang,
        choropleth=choro,
        simplified=False,
        height=_MAP_HEIGHT,
        collapsed_control=True,
        titles={
            "gaps": (t("mon_warned_layer", "zh"), t("mon_warned_layer", "en")),
            "mon_zones": (t("level_zone", "zh"), t("level_zone", "en")),
        },
        extra_legend=f"<div class='note'>{esc(note)}</div>",
    )
    show_map(fmap, key="mon_map", height=_MAP_HEIGHT, returned_objects=[])


def _timeline(m: Any, year: int, lang: str) -> None:
    st.subheader(t("mon_timeline", lang))
    st.caption(t("mon_timeline_note", lang, year=year))
    df = timeline_frame(m, lang, year=year)
    if df.empty:
        return
    title = t("mon_metric_value", lang)
    # layers without data of their own, so the facet splits every layer by region
    lines = (
        alt.Chart()
        .mark_line(point=True, color="#3182bd")
        .encode(
            x=alt.X("year:O", title=t("mon_col_year", lang)),
            y=alt.Y("value:Q", title=title),
        )
    )
    rule = (
        alt.Chart()
        .mark_rule(color="#b30000", strokeDash=[4, 3])
        .encode(x="year:O")
        .transform_filter(alt.datum.year == year)
    )
    chart = (
        alt.layer(lines, rule, data=df)
        .properties(width=150, height=90)
        .facet(
            facet=alt.Facet("region:N", title=None, sort=list(dict.fromkeys(df["region"]))),
            columns=4,
        )
        .resolve_scale(y="independent")
    )
    st.altair_chart(chart)


def _transitions(m: Any, year: int, lang: str) -> None:
    st.subheader(t("mon_transitions", lang))
    every = st.checkbox(t("mon_transitions_all", lang), key="mon_all_years")
    if year == m.years.years[0] and not every:
        st.info(t("mon_first_year", lang, year=year))
        return
    view = transitions_view(m.transitions, lang, year=None if every else year)
    if view.empty:
        st.info(t("mon_no_transitions", lang, year=year))
        return
    if not every:
        st.caption(t("mon_transitions_year", lang, year=year))
    st.dataframe(view, hide_index=True, key="mon_transitions_table", height=320)


def _ranking(m: Any, year: int, lang: str) -> None:
    from layout.evaluation import DEFAULT_INDICATORS

    st.subheader(t("mon_ranking", lang))
    st.caption(t("mon_rule", lang, rule=m.rule.describe(lang)))
    st.caption(t("mon_rule_source", lang, source=m.rule.source, indicators=DEFAULT_INDICATORS.name))
    ev = m.evaluation
    if ev.empty:
        return
    view = ranking_view(ev, lang, year=year)
    verdicts = view.attrs["verdicts"]
    styled = view.style.apply(
        lambda row: [_VERDICT_STYLE.get(verdicts[row.name], "")] * len(row), axis=1
    ).format(precision=3, subset=[t("mon_col_composite", lang)])
    st.dataframe(styled, hide_index=True, key="mon_ranking_table", height=360)
    st.markdown(f"**{t('mon_warnings', lang, year=year)}**")
    now = ev[(ev["year"] == year) & (ev["verdict"] != "ok")]
    if now.empty:
        st.info(t("mon_no_warnings", lang, year=year))
        return
    warn = pd.DataFrame(
        {
            t("code", lang): now["region"].astype(str).to_numpy(),
            t("name", lang): [
                name_both(a, b, lang)
                for a, b in zip(now["region_name_zh"], now["region_name_en"], strict=True)
            ],
            t("mon_col_verdict", lang): [t(f"mon_verdict_{v}", lang) for v in now["verdict"]],
            t("mon_col_reason", lang): (
                now["reason_zh"] if lang == "zh" else now["reason_en"]
            ).to_numpy(),
        }
    )
    st.dataframe(warn, hide_index=True, key="mon_warnings_table")


def _growth(m: Any, lang: str) -> None:
    years = m.years.years
    st.subheader(t("mon_growth", lang, first=years[0], last=years[-1]))
    st.caption(t("mon_growth_note", lang))
    g = m.growth.set_index("region")
    ss = m.shift_share.set_index("region")
    names = m.years.regions.drop_duplicates("region").set_index("region")
    keep = g.index[(g["value_start"].fillna(0) > 0) | (g["value_end"] > 0)]
    flows = m.flows.groupby("region")[["entries", "exits"]].sum()
    view = pd.DataFrame(
        {
            t("code", lang): keep.astype(str),
            t("name", lang): [
                name_both(names.loc[r, "region_name_zh"], names.loc[r, "region_name_en"], lang)
                for r in keep
            ],
            t("mon_col_value_start", lang, year=years[0]): g.loc[keep, "value_start"].to_numpy(),
            t("mon_col_value_end", lang, year=years[-1]): g.loc[keep, "value_end"].to_numpy(),
            t("mon_col_firms_change", lang): [
                f"{int(a)} → {int(b)}"
                for a, b in zip(g.loc[keep, "firms_start"], g.loc[keep, "firms_end"], strict=True)
            ],
            t("mon_col_cagr", lang): [_share(v, "{:+.1%}") for v in g.loc[keep, "cagr_value"]],
            t("mon_col_lq_change", lang): [_share(v, "{:+.2f}") for v in g.loc[keep, "lq_change"]],
            t("mon_col_ps", lang): ss.loc[keep, "provincial_share"].to_numpy(),
            t("mon_col_im", lang): ss.loc[keep, "industry_mix"].to_numpy(),
            t("mon_col_rs", lang): ss.loc[keep, "regional_shift"].to_numpy(),
            t("mon_col_entries", lang): [
                f"{int(flows['entries'].get(r, 0))} / {int(flows['exits'].get(r, 0))}" for r in keep
            ],
        }
    )
    fmt = {c: "{:,.0f}" for c in view.columns[2:4]} | {c: "{:+,.0f}" for c in view.columns[7:10]}
    st.dataframe(view.style.format(fmt, na_rep="–"), hide_index=True, key="mon_growth_table")


# code columns of the downloads that get a neighbour column with their names
_CODES = {
    "status": "status",
    "stage": "stage",
    "strength_class": "class",
    "from_status": "status",
    "to_status": "status",
    "kind": "mon_kind",
    "verdict": "mon_verdict",
    "base": "base",
}


def _downloads(m: Any, chain: str, base: str) -> dict[str, pd.DataFrame]:
    """The tables of the downloads (field names as the library gives them)."""
    by_year = m.years.regions.assign(chain=chain, level=m.years.level, base=base)
    return {
        "by_year": by_year,
        "node_by_year": m.years.nodes.drop(columns=["reason_zh", "reason_en"]),
        "growth": m.growth,
        "node_growth": m.node_growth,
        "shift_share": m.shift_share,
        "flows": m.flows,
        "transitions": m.transitions,
        "evaluation": m.evaluation,
    }


def page_monitor(lang: str) -> None:
    """Draw the monitoring page."""
    from layout.analysis import BASES

    st.caption(t("mon_intro", lang))
    panel, token, synthetic = _panel(lang)
    if token == "demo":
        st.caption(t("mon_using_demo", lang))
    else:
        years = ", ".join(str(y) for y in panel.years)
        st.caption(t("mon_using_upload", lang, n=len(panel.summary["sources"]), years=years))
    c1, c2, c3 = st.columns([3, 2, 1])
    with c1:
        chain = chain_picker(lang, key="mon_chain")
    level_key = c2.selectbox(
        t("level", lang),
        list(LEVELS),
        key="mon_level",
        format_func=lambda v: t(f"mon_level_{v.replace('-', '_')}", lang),
    )
    base = c3.selectbox(
        t("base", lang), BASES, key="mon_base", format_func=lambda b: t(f"base_{b}", lang)
    )
    level, frame = LEVELS[level_key]
    with st.spinner(t("analysing", lang)):
        m = loaders.monitoring(token, chain, level, frame, base, panel)
    span = [int(y) for y in m.years.years]
    if st.session_state.get("mon_year") not in span:
        st.session_state["mon_year"] = span[-1]
    year = int(
        st.select_slider(
            t("mon_year", lang), options=span, key="mon_year", help=t("mon_year_help", lang)
        )
    )
    _metrics(m, year, lang)
    left, right = st.columns([3, 2])
    with left:
        metric = st.selectbox(
            t("mon_metric", lang),
            METRICS,
            key="mon_metric",
            format_func=lambda v: t(f"mon_metric_{v}", lang),
        )
        st.caption(chain_label(chain, lang))
        _map(m, metric, year, level, frame, chain, lang)
    with right:
        _ranking(m, year, lang)
    _timeline(m, year, lang)
    _transitions(m, year, lang)
    _growth(m, lang)
    sheets = _downloads(m, chain, base)
    row = st.container(horizontal=True)
    stem = f"monitor_{chain}_{level_key}_{base}"
    row.download_button(
        t("mon_download_csv", lang),
        table_bytes(sheets["by_year"], "csv", lang, codes=_CODES, synthetic=synthetic),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key="dl_mon_csv",
        on_click="ignore",
    )
    lazy_download(  # the eight-sheet workbook takes seconds: made only when clicked
        row,
        t("mon_download_xlsx", lang),
        partial(workbook, sheets, lang, codes=_CODES, synthetic=synthetic),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_mon_xlsx",
        on_click="ignore",
    )
