"""Reports: the chain × region deliverable (printable HTML and an XLSX workbook) from the app.

:func:`layout.reports.build_report` builds it (the same as ``cluster-atlas report``), cached per
firm table, chain, region and base. The preview shows the HTML in an iframe loaded from a
``data:`` URL — an opaque origin, so it can reach nothing of the app — with a content security
policy that forbids scripts and any external load; the report itself has no script and escapes
every data string (``render_html``).
"""

from __future__ import annotations

import base64

import streamlit as st

from atlas_app import loaders, state
from atlas_app.i18n import name_both, t
from atlas_app.planning_ui import chain_picker, planning_region_picker, show_problems

__all__ = ["PREVIEW_CSP", "page_report", "preview_src"]

PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
_PREVIEW_HEIGHT = 900
_RESULT_KEY = "report_generated"
_XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def preview_src(html_text: str) -> str:
    """A ``data:`` URL of the report with a script-free content security policy added to its head."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{PREVIEW_CSP}">'
    text = (
        html_text.replace("<head>", "<head>" + meta, 1)
        if "<head>" in html_text
        else meta + html_text
    )
    return "data:text/html;charset=utf-8;base64," + base64.b64encode(text.encode("utf-8")).decode(
        "ascii"
    )


def _weakest(firms: state.FirmData) -> str:
    from atlas_app.planning_ui import current_chain

    return loaders.weakest_region(firms.token, current_chain(), "employees", firms.gdf)


def page_report(lang: str) -> None:
    """Draw the report page."""
    from layout.analysis import BASES
    from layout.reports import ReportError

    firms = state.current_firms()
    c1, c2, c3 = st.columns([2, 3, 1])
    with c1:
        chain = chain_picker(lang, key="report_chain")
    with c2:
        region = planning_region_picker(
            t("region", lang), lang, key="report_region_pick", default=_weakest(firms)
        )
    base = c3.selectbox(
        t("base", lang), BASES, key="report_base", format_func=lambda b: t(f"base_{b}", lang)
    )
    st.caption(t("rep_note", lang))
    wanted = (firms.token, chain, region, base)
    if st.button(
        t("rep_generate", lang),
        key="report_generate",
        type="primary",
        icon=":material/description:",
    ):
        try:
            with st.spinner(t("rep_generating", lang)):
                loaders.report_files(firms.token, chain, region, base, firms.gdf)
        except ReportError as exc:
            show_problems(exc.problems, lang)
            return
        st.session_state[_RESULT_KEY] = wanted
    if st.session_state.get(_RESULT_KEY) != wanted:
        st.info(t("rep_press", lang), icon=":material/info:")
        return
    files = loaders.report_files(firms.token, chain, region, base, firms.gdf)
    title = (
        f"{name_both(files['chain_name_zh'], files['chain_name_en'], lang)} × "
        f"{name_both(files['region_name_zh'], files['region_name_en'], lang)}"
    )
    st.subheader(t("rep_title", lang))
    st.text(title)
    s = files["summary"]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(
        t("completeness", lang),
        f"{s['completeness']:.0%}" if s["completeness"] == s["completeness"] else "—",
    )
    m2.metric(t("n_firms", lang), int(s["firms"]))
    m3.metric(t("rep_gaps", lang), int(s.get("n_missing", 0)) + int(s.get("n_broken", 0)))
    m4.metric(t("rep_rank", lang), f"{s['rank']} / {s['n_ranked']}")
    if files["synthetic"]:
        st.caption(t("rep_synthetic", lang))
    row = st.container(horizontal=True)
    stem = f"report_{chain}_{region}"
    row.download_button(
        t("rep_download_html", lang),
        files["html"].encode("utf-8"),
        file_name=f"{stem}.html",
        mime="text/html",
        key="dl_report_html",
        on_click="ignore",
        icon=":material/download:",
    )
    row.download_button(
        t("rep_download_xlsx", lang),
        files["xlsx"],
        file_name=f"{stem}.xlsx",
        mime=_XLSX_MIME,
        key="dl_report_xlsx",
        on_click="ignore",
        icon=":material/download:",
    )
    if files["notes"]:  # the library's notes are English (a node, a method, the problem)
        if lang == "zh":
            st.caption(t("rep_notes_zh", lang, n=len(files["notes"])))
        else:
            for note in files["notes"]:
                st.text(note)
    # The deliverable is one document in both languages (layout.reports); the page around it
    # speaks one language, so the preview opens on request.
    with st.expander(t("rep_preview_open", lang), expanded=False):
        st.caption(t("rep_print", lang))
        st.iframe(preview_src(files["html"]), height=_PREVIEW_HEIGHT, alt=t("rep_preview", lang))
