"""Data import: upload a firm file with its datum, see what was accepted and rejected and why."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from atlas_app import loaders, state
from atlas_app.i18n import t
from atlas_app.ui import md_text, problem_text, text_table

__all__ = ["DATUMS", "MAX_UPLOAD_MB", "UPLOAD_TYPES", "import_file", "page_data", "rejects_csv"]

UPLOAD_TYPES: tuple[str, ...] = ("csv", "xlsx", "geojson", "json", "gpkg")
DATUMS: tuple[str, ...] = ("wgs84", "cgcs2000", "gcj02", "bd09")
MAX_UPLOAD_MB = 50
PREVIEW_ROWS = 20


def import_file(data: bytes, name: str, datum: str, progress: Any = None) -> Any:
    """``layout.records.read_firms`` on uploaded bytes (written to a temporary file first, so
    GeoPackages, which GDAL reads from disk, work like the other formats)."""
    from layout.records import read_firms

    suffix = Path(name).suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory(prefix="atlas_upload_") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        return read_firms(path, datum=datum, source_name=name, progress=progress)


def rejects_csv(result: Any) -> bytes:
    """The rejected rows with their reasons as CSV bytes (``layout.records.write_rejects``)."""
    from layout.records import write_rejects

    with tempfile.TemporaryDirectory(prefix="atlas_rejects_") as tmp:
        path = write_rejects(result, Path(tmp) / "rejected.csv")
        return Path(path).read_bytes()


def _summary(result: Any, lang: str) -> None:
    s = result.summary
    st.success(t("imported", lang, read=s["read"], accepted=s["accepted"], rejected=s["rejected"]))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("read", lang), s["read"])
    c2.metric(t("accepted", lang), s["accepted"])
    c3.metric(t("rejected", lang), s["rejected"])
    if s.get("by_reason"):
        from layout.records import REASONS

        st.markdown(f"**{t('by_reason', lang)}**")
        words = [
            REASONS.get(code, (code, code))[0 if lang == "zh" else 1] for code in s["by_reason"]
        ]
        text_table(
            pd.DataFrame(
                {
                    t("reason", lang): words,
                    t("code", lang): list(s["by_reason"]),
                    t("rows_col", lang): list(s["by_reason"].values()),
                }
            )
        )


def page_data(lang: str) -> None:
    """Draw the data import page."""
    firms = state.current_firms()
    # the name is the uploaded file's: Markdown-escaped so it shows as typed
    st.caption(
        t("current_firms", lang) + ": " + (md_text(firms.name) if not firms.demo else "demo")
    )
    up = st.file_uploader(
        t("upload", lang),
        type=list(UPLOAD_TYPES),
        key="upload",
        help=t("upload_help", lang),
        max_upload_size=MAX_UPLOAD_MB,
    )
    datum = st.selectbox(
        t("datum", lang), DATUMS, key="upload_datum", format_func=lambda d: t(f"datum_{d}", lang)
    )
    if up is not None and st.button(t("import", lang), key="do_import", type="primary"):
        data = up.getvalue()
        bar = st.progress(0.0, text=t("importing", lang))

        def _progress(fraction: float) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=t("importing", lang))

        from layout.records import FirmImportError

        try:
            result = import_file(data, up.name, datum, progress=_progress)
        except FirmImportError as exc:
            bar.empty()
            st.error(t("import_failed", lang, msg=md_text(problem_text(exc, lang))))
            return
        bar.progress(
            1.0,
            text=t(
                "imported",
                lang,
                read=result.summary["read"],
                accepted=result.summary["accepted"],
                rejected=result.summary["rejected"],
            ),
        )
        st.session_state["last_import"] = {
            "name": up.name,
            "token": loaders.file_token(data, datum),
            "result": result,
        }
    last = st.session_state.get("last_import")
    if last is None:
        return
    result = last["result"]
    _summary(result, lang)
    acc = result.accepted
    if len(acc):
        st.markdown(f"**{t('accepted_preview', lang, n=min(PREVIEW_ROWS, len(acc)))}**")
        cols = [
            c
            for c in (
                "row",
                "firm_id",
                "name",
                "chain",
                "node",
                "employees",
                "output",
                "adcode",
                "notes",
            )
            if c in acc
        ]
        text_table(
            pd.DataFrame(acc[cols]), max_rows=PREVIEW_ROWS, css_class="atlas-tt atlas-accepted"
        )
        if st.button(t("use_upload", lang), key="use_upload"):
            from layout.regions import ensure_adcode

            st.session_state["firms_upload"] = {
                "name": last["name"],
                "token": last["token"],
                "gdf": ensure_adcode(acc),
                "summary": result.summary,
            }
            st.success(t("using_upload", lang))
            st.rerun()
    rej = result.rejected
    if len(rej):
        st.markdown(f"**{t('rejected_preview', lang, n=min(PREVIEW_ROWS, len(rej)))}**")
        reason = "reason_zh" if lang == "zh" else "reason_en"
        cols = [c for c in ("row", "reason_codes", reason) if c in rej]
        text_table(
            pd.DataFrame(rej[cols]), max_rows=PREVIEW_ROWS, css_class="atlas-tt atlas-rejected"
        )
        st.download_button(
            t("download_rejects", lang),
            rejects_csv(result),
            file_name=f"{Path(last['name']).stem}_rejected.csv",
            mime="text/csv",
            key="dl_rejects",
            on_click="ignore",
        )
