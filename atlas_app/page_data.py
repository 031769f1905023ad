"""Data import: upload a firm list as an office has it, check how its columns are read, import,
map the values that were not recognised, and use the firms on every page.

Step 1 shows the importer's guess for every column (``layout.records.guess_columns``) and lets the
user change it, save it as JSON and load it again; a workbook gets a sheet picker. Step 2 imports
(``layout.records.read_firms``) with a progress bar and shows the summary: rows read, accepted and
rejected, reasons, how firms were located, units and encoding. Step 3 lists the distinct chain and
node values that were not recognised; the user maps them and imports again (the mapping can be
saved and reused too).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from atlas_app import loaders, state
from atlas_app.i18n import t
from atlas_app.tables import Col, view
from atlas_app.ui import md_text, problem_text, text_table

__all__ = [
    "DATUMS",
    "ENCODINGS",
    "MAX_UPLOAD_MB",
    "UPLOAD_TYPES",
    "accepted_view",
    "guess_file",
    "import_file",
    "page_data",
    "rejects_csv",
]

UPLOAD_TYPES: tuple[str, ...] = ("csv", "xlsx", "geojson", "json", "gpkg")
DATUMS: tuple[str, ...] = ("wgs84", "cgcs2000", "gcj02", "bd09")
ENCODINGS: tuple[str, ...] = ("", "utf-8", "gb18030", "big5")
MAX_UPLOAD_MB = 50
PREVIEW_ROWS = 20
_IGNORE = ""
_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030", "big5": "Big5"}
_UNIT_KEYS = {"元": "yuan", "千元": "k_yuan", "万元": "10k_yuan", "百万元": "m_yuan",
              "千万元": "10m_yuan", "亿元": "100m_yuan"}  # fmt: skip
_CODE_NAME = re.compile(r"(?<![A-Za-z0-9_])([a-z][a-z0-9_]*)（([^（）]*)）")


def _on_disk(data: bytes, name: str, fn: Callable[[Path], Any]) -> Any:
    """Run ``fn`` on the upload written to a temporary file (GDAL reads GeoPackages from disk)."""
    suffix = Path(name).suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory(prefix="atlas_upload_") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        return fn(path)


def import_file(
    data: bytes,
    name: str,
    datum: str,
    progress: Any = None,
    *,
    columns: Mapping[str, str | None] | None = None,
    values: Mapping[str, Any] | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
) -> Any:
    """``layout.records.read_firms`` on uploaded bytes."""
    from layout.records import read_firms

    return _on_disk(
        data,
        name,
        lambda path: read_firms(
            path,
            datum=datum,
            source_name=name,
            progress=progress,
            columns=columns,
            values=values,
            layer=sheet,
            encoding=encoding or None,
        ),
    )


def guess_file(
    data: bytes, name: str, *, sheet: str | None = None, encoding: str | None = None
) -> Any:
    """``layout.records.guess_columns`` on uploaded bytes: headers, guesses, sheets."""
    from layout.records import guess_columns

    return _on_disk(
        data,
        name,
        lambda path: guess_columns(path, source_name=name, layer=sheet, encoding=encoding or None),
    )


def rejects_csv(result: Any) -> bytes:
    """The rejected rows with their reasons as CSV bytes (``layout.records.write_rejects``)."""
    from layout.records import write_rejects

    with tempfile.TemporaryDirectory(prefix="atlas_rejects_") as tmp:
        path = write_rejects(result, Path(tmp) / "rejected.csv")
        return Path(path).read_bytes()


def _field_label(field: str, lang: str) -> str:
    """A target field by its name (the English UI adds the field code the JSON mapping holds)."""
    if field == _IGNORE:
        return t("imp_ignore", lang)
    return t(f"imp_f_{field}", lang) if lang == "zh" else f"{t(f'imp_f_{field}', lang)} · {field}"


def _encoding_name(encoding: str) -> str:
    """An encoding by its usual name (``gb18030`` → ``GB18030``)."""
    return _ENCODING_NAMES.get(str(encoding).lower().replace("_", "-"), str(encoding))


def _unit_name(unit: str, lang: str) -> str:
    """A unit of money as the importer names it (元, 万元 …), in English words on the English UI."""
    return (
        unit
        if lang == "zh"
        else t(f"imp_unit_{_UNIT_KEYS[unit]}", lang)
        if unit in _UNIT_KEYS
        else unit
    )


def _zh_reason(text: str) -> str:
    """A Chinese reason with ``code（name）`` pairs of chain nodes read as the name alone."""
    return _CODE_NAME.sub(
        lambda m: m.group(2) if m.group(1) in _node_codes() else m.group(0), str(text)
    )


def _node_codes() -> frozenset[str]:
    return frozenset(str(n) for g in loaders.chain_graphs().values() for n in g.nodes)


def _reset(prefix: str) -> None:
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def _mapping_step(
    data: bytes, name: str, token: str, lang: str
) -> tuple[dict[str, Any], Any] | None:
    """Sheet, encoding and column mapping (step 1); returns the import options and the guess."""
    from layout.records import FIELDS

    if st.session_state.get("import_token") != token:  # a new file: forget the old choices
        _reset("map_")
        _reset("unk_")
        st.session_state.pop("import_values", None)
        st.session_state.pop("upload_sheet", None)
        st.session_state["import_token"] = token
    st.markdown(f"**{t('imp_mapping', lang)}**")
    st.caption(t("imp_mapping_help", lang))
    encoding = st.selectbox(
        t("imp_encoding_pick", lang),
        ENCODINGS,
        key="upload_encoding",
        format_func=lambda e: _encoding_name(e) if e else t("imp_encoding_auto", lang),
    )
    sheet = st.session_state.get("upload_sheet")
    from layout.records import FirmImportError

    cache_key = (token, sheet, encoding)
    if st.session_state.get("import_view") != cache_key:  # another sheet: other headers
        _reset("map_")
        st.session_state["import_view"] = cache_key
    cache = st.session_state.setdefault("import_guess", {})
    try:
        if cache_key not in cache:
            cache.clear()
            cache[cache_key] = guess_file(data, name, sheet=sheet, encoding=encoding)
        guess = cache[cache_key]
    except FirmImportError as exc:
        st.error(t("imp_guess_failed", lang, msg=md_text(problem_text(exc, lang))))
        return None
    if guess.sheets and len(guess.sheets) > 1 and Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        if st.session_state.get("upload_sheet") not in guess.sheets:
            st.session_state["upload_sheet"] = guess.sheet
        st.selectbox(
            t("imp_sheet", lang), guess.sheets, key="upload_sheet", help=t("imp_sheet_help", lang)
        )
    if guess.header_row:
        st.caption(t("imp_header_row", lang, row=guess.header_row, n=guess.rows))
    loaded = st.file_uploader(t("imp_load_mapping", lang), type=["json"], key="mapping_upload")
    if loaded is not None and st.session_state.get("mapping_loaded") != loaded.file_id:
        try:
            saved = json.loads(loaded.getvalue().decode("utf-8-sig"))
            if not isinstance(saved, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            st.error(t("imp_mapping_bad", lang, msg=md_text(str(exc))))
        else:
            for i, header in enumerate(guess.headers):
                if header in saved:
                    field = saved[header] or _IGNORE
                    st.session_state[f"map_{i}"] = field if field in FIELDS else _IGNORE
            st.session_state["mapping_loaded"] = loaded.file_id
    options = [_IGNORE, *FIELDS]
    mapping: dict[str, str | None] = {}
    head = st.columns([2, 3])
    head[0].markdown(f"*{t('imp_column', lang)}*")
    head[1].markdown(f"*{t('imp_field', lang)}*")
    for i, header in enumerate(guess.headers):
        key = f"map_{i}"
        if key not in st.session_state:
            st.session_state[key] = guess.guess.get(header) or _IGNORE
        left, right = st.columns([2, 3])
        left.text(header)
        chosen = right.selectbox(
            header,
            options,
            key=key,
            format_func=lambda f: _field_label(f, lang),
            label_visibility="collapsed",
        )
        mapping[header] = chosen or None
    st.download_button(
        t("imp_save_mapping", lang),
        json.dumps({h: f for h, f in mapping.items() if f}, ensure_ascii=False, indent=2),
        file_name=f"{Path(name).stem}_columns.json",
        mime="application/json",
        key="dl_mapping",
        on_click="ignore",
    )
    options_out = {"columns": mapping, "sheet": sheet, "encoding": encoding}
    return options_out, guess


def _summary(result: Any, lang: str) -> None:
    from layout.records import REASONS

    s = result.summary
    st.success(t("imported", lang, read=s["read"], accepted=s["accepted"], rejected=s["rejected"]))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("read", lang), s["read"])
    c2.metric(t("accepted", lang), s["accepted"])
    c3.metric(t("rejected", lang), s["rejected"])
    if s.get("encoding"):
        st.caption(t("imp_encoding", lang, encoding=_encoding_name(s["encoding"])))
    if s.get("encoding_warning"):
        st.warning(t("imp_big5", lang))
    if s.get("by_location"):
        st.markdown(f"**{t('imp_by_location', lang)}**")
        text_table(
            pd.DataFrame(
                {
                    t("imp_quality", lang): [t(f"imp_q_{q}", lang) for q in s["by_location"]],
                    t("rows_col", lang): list(s["by_location"].values()),
                }
            ),
            css_class="atlas-tt atlas-by-location",
        )
    for unit in (s.get("units") or {}).values():
        key = "imp_unit_assumed" if unit.get("assumed") else "imp_unit_line"
        st.caption(
            t(
                key,
                lang,
                header=unit["header"],
                unit=_unit_name(unit["unit"], lang),
                factor=unit["factor"],
            )
        )
    if s.get("by_reason"):
        st.markdown(f"**{t('by_reason', lang)}**")
        words = [REASONS.get(c, (c, c))[0 if lang == "zh" else 1] for c in s["by_reason"]]
        text_table(
            pd.DataFrame(
                {
                    t("reason", lang): words,
                    t("rows_col", lang): list(s["by_reason"].values()),
                }
            )
        )


def _unknown_values(result: Any, lang: str) -> dict[str, Any] | None:
    """Step 3: the distinct unknown chain/node values -> a value mapping (None: nothing to map)."""
    unknown = result.summary.get("unknown_values") or {}
    items: list[tuple[str, str, str]] = [("chain", "", v) for v in unknown.get("chain", [])]
    for chain, values in (unknown.get("node") or {}).items():
        items += [("node", chain, v) for v in values]
    if not items:
        return None
    graphs = loaders.chain_graphs()
    st.markdown(f"**{t('imp_unknown', lang)}**")
    st.caption(t("imp_unknown_help", lang))
    mapping: dict[str, Any] = {"chain": {}, "node": {}}
    for i, (kind, chain, value) in enumerate(items):
        left, mid, right = st.columns([2, 2, 3])
        left.text(value)
        mid.text(
            t("imp_kind_chain", lang) if kind == "chain" else t("imp_kind_node", lang, chain=chain)
        )
        if kind == "chain":
            targets = list(graphs)
            label = {
                c: f"{c} · {graphs[c].graph.get('name_zh' if lang == 'zh' else 'name_en', c)}"
                for c in targets
            }  # chain codes are names that stay Latin (LED …)
        else:
            graph = graphs.get(chain)
            targets = list(graph.nodes) if graph is not None else []
            # nodes by name in Chinese (node codes are English words); code · name in English
            label = (
                {
                    n: graph.nodes[n].get("name_zh", n)
                    if lang == "zh"
                    else f"{n} · {graph.nodes[n].get('name_en', n)}"
                    for n in targets
                }
                if graph is not None
                else {}
            )
        chosen = right.selectbox(
            t("imp_map_value", lang, value=value),
            ["", *targets],
            key=f"unk_{i}",
            format_func=_leave_or(label, lang),
            label_visibility="collapsed",
        )
        if chosen and kind == "chain":
            mapping["chain"][value] = chosen
        elif chosen:
            mapping["node"].setdefault(chain, {})[value] = chosen
    return mapping


def _leave_or(labels: Mapping[str, str], lang: str) -> Callable[[Any], str]:
    """Label of a target, or "leave rejected" for the blank choice."""
    return lambda x: labels.get(x, t("imp_leave", lang))


def _merge_values(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"chain": dict((old or {}).get("chain", {})), "node": {}}
    for chain, table in ((old or {}).get("node") or {}).items():
        out["node"][chain] = dict(table)
    out["chain"].update(new.get("chain", {}))
    for chain, table in (new.get("node") or {}).items():
        out["node"].setdefault(chain, {}).update(table)
    return out


def _run_import(data: bytes, name: str, datum: str, opts: dict[str, Any], lang: str) -> None:
    from layout.records import FirmImportError

    bar = st.progress(0.0, text=t("importing", lang))

    def _progress(fraction: float) -> None:
        f = min(max(float(fraction), 0.0), 1.0)
        bar.progress(f, text=t("imp_progress", lang, pct=round(f * 100)))

    values = st.session_state.get("import_values")
    try:
        result = import_file(
            data,
            name,
            datum,
            progress=_progress,
            columns=opts["columns"],
            values=values,
            sheet=opts["sheet"],
            encoding=opts["encoding"],
        )
    except FirmImportError as exc:
        bar.empty()
        st.error(t("import_failed", lang, msg=md_text(problem_text(exc, lang))))
        st.session_state.pop("last_import", None)
        return
    s = result.summary
    bar.progress(
        1.0,
        text=t("imported", lang, read=s["read"], accepted=s["accepted"], rejected=s["rejected"]),
    )
    st.session_state["last_import"] = {
        "name": name,
        "token": loaders.file_token(
            data,
            datum,
            json.dumps(opts, sort_keys=True, default=str),
            json.dumps(values or {}, sort_keys=True),
        ),
        "result": result,
    }
    _reset("unk_")


def accepted_view(acc: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Accepted firms as previewed: row, id, name, chain, node (by name), figures, county, how the
    firm was located and the importer's note, in the page's language."""
    graphs = loaders.chain_graphs()
    df = acc.copy()
    if {"chain", "node"} <= set(df.columns):
        names = [
            (graphs[c].nodes[n].get("name_zh"), graphs[c].nodes[n].get("name_en"))
            if c in graphs and n in graphs[c]
            else (n, n)
            for c, n in zip(df["chain"].astype(str), df["node"].astype(str), strict=True)
        ]
        df["node_name_zh"] = [a for a, _ in names]
        df["node_name_en"] = [b for _, b in names]
    if "adcode" in df:
        counties = loaders.layer("counties").set_index("adcode")
        codes = df["adcode"].astype("string").fillna("")
        df["county_zh"] = codes.map(counties["name_zh"]).to_numpy()
        df["county_en"] = codes.map(counties["name_en"]).to_numpy()
    return view(
        df,
        lang,
        [
            "row",
            "firm_id",
            "name",
            "chain",
            Col("node_name", pair=("node_name_zh", "node_name_en")),
            "employees",
            "output",
            Col("county", pair=("county_zh", "county_en")),
            "adcode",
            Col("location_quality", codes="imp_q", label="imp_located"),
            Col("notes", pair=("notes_zh", "notes_en"), label="imp_note"),
        ],
    )


def page_data(lang: str) -> None:
    """Draw the data import page."""
    firms = state.current_firms()
    # the name is the uploaded file's: Markdown-escaped so it shows as typed
    shown = md_text(firms.name) if not firms.demo else t("shell_demo_data", lang)
    st.caption(t("current_firms_is", lang, name=shown))
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
    opts: dict[str, Any] | None = None
    if up is not None:
        data = up.getvalue()
        token = loaders.file_token(data, up.name)
        step = _mapping_step(data, up.name, token, lang)
        if step is not None:
            opts, _ = step
            st.markdown(f"**{t('imp_step_import', lang)}**")
            if st.button(t("import", lang), key="do_import", type="primary"):
                _run_import(data, up.name, datum, opts, lang)
    last = st.session_state.get("last_import")
    if last is None:
        return
    result = last["result"]
    _summary(result, lang)
    new_values = _unknown_values(result, lang)
    if new_values is not None and up is not None and opts is not None:
        c1, c2 = st.columns(2)
        if c1.button(t("imp_rerun", lang), key="do_reimport"):
            st.session_state["import_values"] = _merge_values(
                st.session_state.get("import_values"), new_values
            )
            _run_import(up.getvalue(), up.name, datum, opts, lang)
            st.rerun()
        used = _merge_values(st.session_state.get("import_values"), new_values)
        c2.download_button(
            t("imp_save_values", lang),
            json.dumps(used, ensure_ascii=False, indent=2),
            file_name="values.json",
            mime="application/json",
            key="dl_values",
            on_click="ignore",
        )
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
                "location_quality",
                "notes_zh",
                "notes_en",
            )
            if c in acc
        ]
        text_table(
            accepted_view(pd.DataFrame(acc[cols].head(PREVIEW_ROWS)), lang),
            max_rows=PREVIEW_ROWS,
            css_class="atlas-tt atlas-accepted",
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
        rej_frame = pd.DataFrame(rej)
        if lang == "zh" and "reason_zh" in rej_frame:
            rej_frame["reason_zh"] = [_zh_reason(r) for r in rej_frame["reason_zh"]]
        shown_rej = view(rej_frame, lang, ["row", Col("reason", pair=("reason_zh", "reason_en"))])
        text_table(shown_rej, max_rows=PREVIEW_ROWS, css_class="atlas-tt atlas-rejected")
        st.download_button(
            t("download_rejects", lang),
            rejects_csv(result),
            file_name=f"{Path(last['name']).stem}_rejected.csv",
            mime="text/csv",
            key="dl_rejects",
            on_click="ignore",
        )
