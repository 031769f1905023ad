"""Opportunities: co-location relatedness between chain nodes and a feasibility × attractiveness ranking.

The ranking is :func:`layout.opportunities.rank_opportunities` (density ω as feasibility, the
share of final products a node feeds — or its province-wide size — as attractiveness); the heat
map shows the proximity φ between items (Hidalgo et al. 2007) estimated over the 136 counties.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from atlas_app import loaders, state
from atlas_app.i18n import name, t
from atlas_app.page_coverage import table_bytes
from atlas_app.planning_ui import (
    chain_label,
    chain_picker,
    planning_region_picker,
    show_problems,
)

__all__ = ["opportunity_view", "page_opportunities", "proximity_chart"]

_TOP_HEAT = 15


def _related_text(text: str, labels: dict[str, str], lang: str) -> str:
    """``"TD:grid (0.33); …"`` with each item by name: ``"输配电·电网 (0.33)；…"``."""
    parts = []
    for part in str(text or "").split(";"):
        item, _, rest = part.strip().partition(" ")
        if item:
            parts.append(f"{labels.get(item, item)} {rest}".strip())
    return ("；" if lang == "zh" else "; ").join(parts)


def opportunity_view(opps: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ranking as shown: rank, node, the three scores, the reason, then chain, stage, figures."""
    labels = _item_labels(lang)
    return pd.DataFrame(
        {
            t("pl_rank", lang): opps["rank"].to_numpy(),
            t("node", lang): [
                name(a, b, lang) for a, b in zip(opps["name_zh"], opps["name_en"], strict=True)
            ],
            t("opp_score", lang): opps["opportunity"].to_numpy(),
            t("opp_feasibility", lang): opps["feasibility"].to_numpy(),
            t("opp_attractiveness", lang): opps["attractiveness"].to_numpy(),
            t("reason", lang): opps["reason_zh" if lang == "zh" else "reason_en"].to_numpy(),
            t("chain", lang): [
                name(a, b, lang)
                for a, b in zip(opps["chain_name_zh"], opps["chain_name_en"], strict=True)
            ],
            t("stage", lang): [
                t(f"stage_{s}", lang)
                if s in ("upstream", "midstream", "downstream", "support")
                else s
                for s in opps["stage"]
            ],
            t("n_firms", lang): opps["n_firms"].to_numpy(),
            t("opp_rca", lang): pd.to_numeric(opps["rca"], errors="coerce").round(2).to_numpy(),
            t("opp_related", lang): [_related_text(r, labels, lang) for r in opps["related"]],
        }
    )


def proximity_chart(phi: pd.DataFrame, labels: dict[str, str], lang: str) -> alt.Chart:
    """Heat map of φ between the items of ``phi`` (a square item × item frame), labelled by ``labels``."""
    items = list(phi.index)
    names = [labels.get(i, i) for i in items]
    long = (
        pd.DataFrame(phi.to_numpy(), index=names, columns=names)
        .rename_axis("a")
        .reset_index()
        .melt(id_vars="a", var_name="b", value_name="phi")
    )
    long["phi"] = long["phi"].astype(float).round(3)
    base = alt.Chart(long).encode(
        x=alt.X(
            "b:N",
            title=None,
            sort=names,
            axis=alt.Axis(labelAngle=-45, labelLimit=160, labelOverlap=False),
        ),
        y=alt.Y("a:N", title=None, sort=names, axis=alt.Axis(labelLimit=200, labelOverlap=False)),
    )
    cells = base.mark_rect(stroke="#ffffff", strokeWidth=0.5).encode(
        color=alt.Color("phi:Q", title="φ", scale=alt.Scale(scheme="blues", domain=[0, 1])),
        tooltip=[
            alt.Tooltip("a:N", title=t("node", lang)),
            alt.Tooltip("b:N", title=t("node", lang)),
            alt.Tooltip("phi:Q", title="φ", format=".2f"),
        ],
    )
    text = base.mark_text(fontSize=9).encode(
        text=alt.condition("datum.phi > 0", alt.Text("phi:Q", format=".2f"), alt.value("")),
        color=alt.condition("datum.phi > 0.5", alt.value("#ffffff"), alt.value("#08306b")),
    )
    return (cells + text).properties(width=alt.Step(30), height=alt.Step(24))


def _item_labels(lang: str) -> dict[str, str]:
    from layout.opportunities import item_table

    items = item_table(loaders.chain_graphs())
    key = "name_zh" if lang == "zh" else "name_en"
    return {
        i: f"{c}·{n}" for i, c, n in zip(items["item"], items["chain"], items[key], strict=True)
    }


def _weakest(firms: state.FirmData) -> str:
    from atlas_app.planning_ui import current_chain

    return loaders.weakest_region(firms.token, current_chain(), "employees", firms.gdf)


def page_opportunities(lang: str) -> None:
    """Draw the opportunities page."""
    from layout.analysis import BASES
    from layout.opportunities import ATTRACTIVENESS, OpportunityError

    firms = state.current_firms()
    graphs = loaders.chain_graphs()
    c1, c2, c3, c4 = st.columns([3, 1, 2, 3])
    with c1:
        region = planning_region_picker(
            t("region", lang), lang, key="opp_region_pick", default=_weakest(firms)
        )
    base = c2.selectbox(
        t("base", lang), BASES, key="opp_base", format_func=lambda b: t(f"base_{b}", lang)
    )
    attractiveness = c3.radio(
        t("opp_attr_kind", lang),
        ATTRACTIVENESS,
        key="opp_attr",
        horizontal=True,
        format_func=lambda a: t(f"opp_attr_{a}", lang),
    )
    only = c4.multiselect(
        t("opp_chains", lang),
        list(graphs),
        key="opp_chains",
        format_func=lambda c: chain_label(c, lang),
        placeholder=t("opp_all_chains", lang),
    )
    try:
        with st.spinner(t("analysing", lang)):
            opps = loaders.opportunities(
                firms.token, region, base, attractiveness, tuple(only) or None, firms.gdf
            )
    except OpportunityError as exc:
        show_problems(exc.problems, lang)
        return
    m1, m2, m3 = st.columns(3)
    m1.metric(t("opp_n_present", lang), int(opps.attrs.get("n_present", 0)))
    m2.metric(t("opp_n_ranked", lang), len(opps))
    if len(opps):
        top = opps.iloc[0]
        m3.metric(
            t("opp_top", lang), f"{top['chain']}·{top['name_zh' if lang == 'zh' else 'name_en']}"
        )
    st.caption(t("opp_formula", lang))
    st.caption(t(f"opp_attr_note_{attractiveness}", lang))
    st.dataframe(opportunity_view(opps, lang), hide_index=True, key="opp_table")
    st.download_button(
        t("download_csv", lang),
        table_bytes(opps.assign(region=region, base=base), "csv", lang, synthetic=firms.synthetic),
        file_name=f"opportunities_{region}_{base}_{attractiveness}.csv",
        mime="text/csv",
        key="dl_opp_csv",
        on_click="ignore",
    )

    st.subheader(t("opp_heat_title", lang))
    h1, h2 = st.columns([1, 3])
    source = h1.radio(
        t("opp_heat_of", lang),
        ("chain", "top"),
        key="opp_heat_of",
        format_func=lambda s: t(f"opp_heat_{s}", lang),
    )
    with h2:
        if source == "chain":
            chain = chain_picker(lang, key="opp_heat_chain")
            items = [f"{chain}:{n}" for n in graphs[chain].nodes]
        else:
            items = opps["item"].head(_TOP_HEAT).tolist()
            st.caption(t("opp_heat_top_note", lang, n=len(items)))
    phi = loaders.proximity_matrix(firms.token, base, firms.gdf)
    items = [i for i in items if i in phi.index]
    if len(items) < 2:
        st.caption(t("opp_heat_empty", lang))
        return
    st.altair_chart(
        proximity_chart(phi.loc[items, items], _item_labels(lang), lang), width="content"
    )
    st.caption(t("opp_heat_note", lang))
