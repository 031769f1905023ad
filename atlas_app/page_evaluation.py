"""Evaluation index: the editable indicator system, composite scores, ranking and the warning band.

The indicator system (``data/evaluation/indicators.csv`` or a file the user uploads) is edited
in a table; :func:`layout.evaluation.validate_indicators` checks it (every problem listed at
once) and :func:`layout.evaluation.evaluate_index` scores the regions of the chosen level on the
raw indicators of :func:`layout.evaluation.indicator_table`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from atlas_app import loaders, state
from atlas_app.basemap_ui import current_basemap
from atlas_app.i18n import name, t
from atlas_app.loaders import build_map
from atlas_app.map_view import show_map
from atlas_app.page_coverage import table_bytes
from atlas_app.planning_ui import chain_picker, show_problems
from atlas_app.tables import workbook
from atlas_app.ui import lazy_download
from geo.maps import DEFAULT_TOLERANCE, Choropleth

__all__ = ["LEVELS", "evaluation_view", "indicator_csv", "page_evaluation", "read_indicator_upload"]

# (level, frame) choices the raw indicator table supports.
LEVELS: dict[str, tuple[str, str]] = {
    "county": ("county", "2013"),
    "city": ("city", "2013"),
    "zone-2013": ("zone", "2013"),
    "zone-2020": ("zone", "2020"),
}
_WARN_BG = "background-color: #fcbba1"
_MAP_HEIGHT = 480


def read_indicator_upload(data: bytes, name: str) -> tuple[pd.DataFrame | None, list[Any]]:
    """An uploaded indicator CSV as text cells (like ``load_indicators``), or the reason it is unreadable."""
    try:
        raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        import layout.evaluation  # noqa: F401 - registers the message codes
        from geo.problems import problem

        return None, [problem("ind_file_unreadable", path=name, reason=exc)]
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw.apply(lambda col: col.str.strip()), []


def _editor_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Editor copy: ``weight`` numeric when every weight is a number (else kept as typed text)."""
    df = raw.reset_index(drop=True).copy()
    if "weight" in df:
        num = pd.to_numeric(df["weight"], errors="coerce")
        if num.notna().all():
            df["weight"] = num.astype(float)
    return df


def _column_config(df: pd.DataFrame, lang: str) -> dict[str, Any]:
    """Editor columns: pick lists for direction and normalisation, a number for the weight.

    A column holding a value outside its choices (an uploaded file's typo) stays free text, so
    the editor shows the bad value next to the problem that names it.
    """
    from layout.evaluation import DIRECTIONS, NORMALISATIONS

    col = st.column_config
    other = "en" if lang == "zh" else "zh"
    cfg: dict[str, Any] = {
        "indicator": col.TextColumn(t("ev_col_indicator", lang), help=t("ev_help_indicator", lang)),
        f"name_{lang}": col.TextColumn(t("ev_col_name", lang)),
        "source_column": col.TextColumn(t("ev_col_source", lang), help=t("ev_help_source", lang)),
        "description_zh" if lang == "zh" else "description": col.TextColumn(
            t("ev_col_description", lang)
        ),
        # the other language's texts stay in the file but are not shown
        f"name_{other}": None,
        "description" if lang == "zh" else "description_zh": None,
    }
    for field, choices in (("direction", DIRECTIONS), ("normalisation", NORMALISATIONS)):
        label, hint = t(f"ev_col_{field}", lang), t(f"ev_help_{field}", lang)
        valid = field in df and df[field].astype(str).str.strip().isin(choices).all()
        cfg[field] = (
            col.SelectboxColumn(
                label,
                options=list(choices),
                help=hint,
                format_func=_option_label(field, lang),
            )
            if valid
            else col.TextColumn(label, help=hint)
        )
    if "weight" in df and pd.api.types.is_numeric_dtype(df["weight"]):
        cfg["weight"] = col.NumberColumn(
            t("ev_col_weight", lang),
            min_value=0.0,
            step=0.05,
            format="%.2f",
            help=t("ev_help_weight", lang),
        )
    else:
        cfg["weight"] = col.TextColumn(t("ev_col_weight", lang), help=t("ev_help_weight", lang))
    return {k: v for k, v in cfg.items() if k in df.columns}


def _option_label(field: str, lang: str) -> Callable[[Any], str]:
    """The editor's label of a ``direction``/``normalisation`` code in ``lang``."""

    def label(value: Any) -> str:
        return t(f"ev_{field}_{_slug(value)}", lang)

    return label


def _slug(value: Any) -> str:
    return {"+": "plus", "-": "minus"}.get(str(value), str(value))


def indicator_csv(ind: pd.DataFrame) -> bytes:
    """The edited indicator system as UTF-8 CSV that :func:`layout.evaluation.load_indicators` reads back.

    Text cells are formula-neutralised (``geo.export``) except a bare ``+`` or ``-`` in
    ``direction``: a lone sign is no formula, and the apostrophe would make the file invalid.
    """
    from geo.export import neutralise_formula

    out = ind.reset_index(drop=True).copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            keep = (
                out[col].isin(["+", "-"])
                if col == "direction"
                else pd.Series(False, index=out.index)
            )
            out[col] = [
                v if k else neutralise_formula(v) for v, k in zip(out[col], keep, strict=True)
            ]
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    return out.to_csv(index=False).encode("utf-8-sig")


def evaluation_view(ev: pd.DataFrame, ind: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The result as shown: code, name, composite, rank, band, then each indicator's score and raw value."""
    zh = ev.get("region_name_zh", ev.get("name_zh", pd.Series("", index=ev.index)))
    en = ev.get("region_name_en", ev.get("name_en", pd.Series("", index=ev.index)))
    out = pd.DataFrame(
        {
            t("code", lang): ev.index.astype(str),
            t("name", lang): [name(a, b, lang) for a, b in zip(zh, en, strict=True)],
            t("ev_composite", lang): ev["composite"].astype(float).round(4).to_numpy(),
            t("pl_rank", lang): ev["rank"].to_numpy(),
            t("ev_band", lang): [t(f"ev_band_{b}", lang) for b in ev["band"]],
        }
    )
    names = {
        rec.indicator: name(rec.name_zh, rec.name_en, lang) or rec.indicator
        for rec in ind.itertuples()
    }
    for rec in ind.itertuples():
        out[t("ev_score_of", lang, name=names[rec.indicator])] = (
            ev[f"score_{rec.indicator}"].astype(float).round(3).to_numpy()
        )
    by_source: dict[str, str] = {}
    for rec in ind.itertuples():
        by_source.setdefault(rec.source_column, names[rec.indicator])
    for src, label in by_source.items():
        out[t("ev_raw_of", lang, name=label)] = (
            pd.to_numeric(ev[src], errors="coerce").round(4).to_numpy()
        )
    return out


def warning_rule(ev: pd.DataFrame, share: float, lang: str) -> str:
    """The warning rule of ``ev`` in words (the library states it in English)."""
    cut = float(ev.attrs.get("cutoff", float("nan")))
    if len(ev) and ev["band"].eq("ok").all() and ev["composite"].nunique() <= 1:
        return t("ev_rule_equal", lang)
    return t("ev_rule_share", lang, share=f"{share:g}", cut=f"{cut:.4f}")


def _style(view: pd.DataFrame, lang: str) -> Any:
    band = t("ev_band", lang)
    warn = t("ev_band_warning", lang)
    styler = view.style.apply(
        lambda row: [_WARN_BG if row[band] == warn else ""] * len(row), axis=1
    )
    return styler.format(
        precision=3, thousands=",", subset=list(view.columns[2:3]) + list(view.columns[5:])
    )


def _indicator_editor(lang: str) -> tuple[pd.DataFrame | None, str]:
    """The indicator system: upload or default, edited in a table; returns (edited frame, file name)."""
    from layout.evaluation import DEFAULT_INDICATORS

    st.subheader(t("ev_system", lang))
    st.caption(t("ev_system_note", lang))
    up = st.file_uploader(
        t("ev_upload", lang), type=["csv"], key="ev_upload", help=t("ev_upload_help", lang)
    )
    if up is not None:
        data = up.getvalue()
        name, token = up.name, loaders.file_token(data, up.name)
        raw, problems = read_indicator_upload(data, name)
        if raw is None:
            show_problems(problems, lang)
            return None, name
    else:
        raw = pd.read_csv(
            DEFAULT_INDICATORS, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        name, token = DEFAULT_INDICATORS.name, "default"
    frame = _editor_frame(raw)
    edited = st.data_editor(
        frame,
        key=f"ev_editor_{token}",
        num_rows="dynamic",
        hide_index=True,
        column_config=_column_config(frame, lang),
        width="stretch",
    )
    st.download_button(
        t("ev_download_indicators", lang),
        indicator_csv(_blank_text(edited)),
        file_name="indicators.csv",
        mime="text/csv",
        key="dl_ev_indicators",
        on_click="ignore",
    )
    return _blank_text(edited), name


def _blank_text(df: pd.DataFrame) -> pd.DataFrame:
    """Cells of rows added in the editor arrive as None: make text cells empty strings."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].fillna("").astype(str)
    return out


def _evaluation_map(ev: pd.DataFrame, level: str, frame: str, chain: str, lang: str) -> None:
    """Composite by region (choropleth) with the warning band drawn on top."""
    disp = loaders.display(DEFAULT_TOLERANCE)
    if level == "zone":
        # zone layers are drawn as outlines by build_map; under another name they take the colours
        target, polys = "eval_zones", disp["zones" if frame == "2013" else "zones-2020"]
    else:
        target = "counties" if level == "county" else "cities"
        polys = disp[target]
    code_col = "zone_code" if level == "zone" else "adcode"
    warned = ev.index[ev["band"] == "warning"].astype(str)
    # outlines under the coloured layer, as on the map explorer, so hovering names the coloured region
    layers = {
        "province": disp["province"],
        **({"cities": disp["cities"]} if level == "county" else {}),
        target: polys,
    }
    hit = polys[polys[code_col].astype(str).isin(warned)]
    if len(hit):
        layers["gaps"] = hit
    values = pd.Series(ev["composite"].astype(float).to_numpy(), index=ev.index.astype(str))
    choro = Choropleth(
        values,
        f"{t('ev_composite', 'zh')} · {chain}",
        f"{t('ev_composite', 'en')} · {chain}",
        layer=target,
        scheme="quantiles",
        k=5,
        fmt="{:.3f}",
    )
    titles = {
        "gaps": (t("ev_band_layer", "zh"), t("ev_band_layer", "en")),
        "eval_zones": (t("level_zone", "zh"), t("level_zone", "en")),
    }
    m = build_map(
        layers,
        basemap=current_basemap(),
        lang=lang,
        choropleth=choro,
        simplified=False,
        height=_MAP_HEIGHT,
        collapsed_control=True,
        titles=titles,
    )
    show_map(m, key="ev_map", height=_MAP_HEIGHT, returned_objects=[])


def page_evaluation(lang: str) -> None:
    """Draw the evaluation index page."""
    from layout.analysis import BASES
    from layout.evaluation import IndicatorError, evaluate_index, validate_indicators

    firms = state.current_firms()
    c1, c2, c3, c4 = st.columns([3, 2, 1, 2])
    with c1:
        chain = chain_picker(lang, key="ev_chain")
    level_key = c2.selectbox(
        t("level", lang),
        list(LEVELS),
        key="ev_level",
        format_func=lambda v: t(f"ev_level_{v.replace('-', '_')}", lang),
    )
    base = c3.selectbox(
        t("base", lang), BASES, key="ev_base", format_func=lambda b: t(f"base_{b}", lang)
    )
    share = float(
        c4.slider(
            t("ev_warning_share", lang),
            0.0,
            0.5,
            0.1,
            0.05,
            key="ev_share",
            help=t("ev_warning_help", lang),
        )
    )
    level, frame = LEVELS[level_key]

    edited, file_name = _indicator_editor(lang)
    if edited is None:
        return
    with st.spinner(t("analysing", lang)):
        table = loaders.indicator_table(firms.token, chain, level, frame, base, firms.gdf)
    ind = edited.reset_index(drop=True)
    ind.index = ind.index + 2  # spreadsheet rows (header = row 1), as load_indicators names them
    ind.attrs["file"] = file_name
    try:
        ind = validate_indicators(ind, table=table)
        ev = evaluate_index(table, ind, warning_share=share)
    except IndicatorError as exc:
        show_problems(exc.problems, lang)
        return

    st.subheader(t("ev_result", lang, chain=chain))
    st.caption(t("ev_weights_note", lang))
    n_warn = int((ev["band"] == "warning").sum())
    m1, m2, m3 = st.columns(3)
    m1.metric(t("ev_n_units", lang), len(ev))
    m2.metric(t("ev_n_warning", lang), n_warn)
    m3.metric(t("ev_cutoff", lang), f"{float(ev.attrs.get('cutoff', float('nan'))):.3f}")
    st.caption(t("ev_rule", lang) + " " + warning_rule(ev, share, lang))
    view = evaluation_view(ev, ind, lang)
    left, right = st.columns([1, 1])
    with left:
        st.dataframe(_style(view, lang), hide_index=True, key="ev_table", height=_MAP_HEIGHT)
    with right:
        _evaluation_map(ev, level, frame, chain, lang)
    result = ev.reset_index().assign(chain=chain, level=level, frame=frame, base=base)
    codes = {"band": "ev_band"}
    row = st.container(horizontal=True)
    stem = f"evaluation_{chain}_{level_key}_{base}"
    row.download_button(
        t("download_csv", lang),
        table_bytes(result, "csv", lang, codes=codes, synthetic=firms.synthetic),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key="dl_ev_csv",
        on_click="ignore",
    )
    sheets = {
        "evaluation": result,
        "indicators": ind.reset_index(drop=True),
        "raw_indicators": table.reset_index(),
    }
    lazy_download(
        row,
        t("download_xlsx", lang),
        partial(workbook, sheets, lang, codes=codes, synthetic=firms.synthetic),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_ev_xlsx",
        on_click="ignore",
    )
