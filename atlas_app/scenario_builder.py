"""Scenario builder of the scenarios page: the draft, its edit forms, examples, import and export.

Session keys (all ``scn_``)
---------------------------
``scn_draft_name``, ``scn_draft_desc``  the draft's name and description. Widget keys are
                      forgotten on pages that do not draw them, so these survive a visit to another
                      page; the text inputs (``scn_name``, ``scn_desc``) are seeded from them.
``scn_edits``         the draft's edits (a list of :mod:`layout.scenarios` edit objects).
``scn_problems``      problems of the last action (an edit that was refused, an upload that
                      failed); shown at once, the draft is kept as it was.
``scn_notice``        ``(label key, fields)`` of the last successful action.
``scn_ws_index``      the saved scenarios read from an uploaded workspace (per upload).

Every edit is checked with :func:`layout.scenarios.validate` against the firm table in use
before it joins the draft; the whole draft is checked again on every run of the page.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from atlas_app import loaders, state
from atlas_app.i18n import name, t
from atlas_app.planning_ui import chain_label
from atlas_app.ui import problem_text
from atlas_app.ui import show_problems as ui_problems
from geo.problems import Problem, ProblemError
from layout.scenarios import (
    AddFirm,
    AddSite,
    ChangeZoneMembership,
    Edit,
    MoveFirm,
    RemoveFirm,
    Scenario,
    ScenarioError,
    load_scenario,
    validate,
)

__all__ = [
    "EDIT_KINDS",
    "EXAMPLE_COUNTIES",
    "builder",
    "county_points",
    "draft",
    "edit_table",
    "example_scenario",
    "firm_index",
    "set_draft",
    "show_problems",
]

EDIT_KINDS: tuple[str, ...] = (
    "add_firm",
    "move_firm",
    "remove_firm",
    "add_site",
    "change_zone_membership",
)
EXAMPLE_COUNTIES = {"shouguang": "370783", "tengzhou": "370481"}  # 寿光市, 滕州市 (data/boundaries)
EXAMPLE_CHAIN, EXAMPLE_NODE = "LED", "epi"  # data/chains/nodes.csv: LED 外延片 Epitaxial wafer
_NAME_KEY, _DESC_KEY, _EDITS_KEY = "scn_draft_name", "scn_draft_desc", "scn_edits"
_PROBLEMS_KEY, _NOTICE_KEY, _WS_KEY = "scn_problems", "scn_notice", "scn_ws_index"
_DEFAULT_NAME = "scenario-1"
_FRAMES = ("2013", "2020")


# ----------------------------------------------------------------------------- cached look-ups
@st.cache_resource(max_entries=1, show_spinner=False)
def county_points() -> dict[str, tuple[float, float]]:
    """``{adcode: (lon, lat)}``: each county's representative point (inside it, WGS-84). Read-only."""
    counties = loaders.layer("counties")
    pts = counties.geometry.representative_point()
    return {
        str(a): (round(float(p.x), 6), round(float(p.y), 6))
        for a, p in zip(counties["adcode"], pts, strict=True)
    }


@st.cache_data(max_entries=4, show_spinner=False)
def firm_index(token: str, _firms: gpd.GeoDataFrame) -> pd.DataFrame:
    """firm_id, name, chain, node, lon, lat of the firm table named ``token`` (WGS-84)."""
    pts = (
        _firms.geometry.to_crs("EPSG:4326")
        if _firms.crs is not None and not _firms.crs.equals("EPSG:4326")
        else _firms.geometry
    )
    out = pd.DataFrame(
        {
            "firm_id": _firms["firm_id"].astype(str).to_numpy(),
            "name": _firms["name"].astype(str).to_numpy() if "name" in _firms else "",
            "chain": _firms["chain"].astype(str).to_numpy(),
            "node": _firms["node"].astype(str).to_numpy(),
            "lon": pts.x.to_numpy(),
            "lat": pts.y.to_numpy(),
        }
    )
    return out.drop_duplicates("firm_id").reset_index(drop=True)


def _county_labels(lang: str, *, with_city: bool = True) -> dict[str, str]:
    g = loaders.layer("counties")
    return {
        str(a): f"{name(zh, en, lang)}{' · ' + name(czh, cen, lang) if with_city else ''} · {a}"
        for a, zh, en, czh, cen in zip(
            g["adcode"],
            g["name_zh"],
            g["name_en"],
            g["city_name_zh"],
            g["city_name_en"],
            strict=True,
        )
    }


# ----------------------------------------------------------------------------- the draft
def draft() -> Scenario:
    """The draft scenario in the session (an empty one named ``scenario-1`` at first)."""
    return Scenario(
        name=str(st.session_state.get(_NAME_KEY, _DEFAULT_NAME)).strip(),
        edits=tuple(st.session_state.get(_EDITS_KEY, [])),
        description=str(st.session_state.get(_DESC_KEY, "")),
    )


def set_draft(scenario: Scenario) -> None:
    """Make ``scenario`` the draft (call from a widget callback, before the inputs are drawn)."""
    st.session_state[_NAME_KEY] = scenario.name
    st.session_state[_DESC_KEY] = scenario.description
    st.session_state[_EDITS_KEY] = list(scenario.edits)
    st.session_state["scn_name"] = scenario.name
    st.session_state["scn_desc"] = scenario.description


def _notice(key: str, **fields: Any) -> None:
    st.session_state[_PROBLEMS_KEY] = []
    st.session_state[_NOTICE_KEY] = (key, fields)


def _refuse(problems: list[Any]) -> None:
    st.session_state[_PROBLEMS_KEY] = problems
    st.session_state[_NOTICE_KEY] = None


def example_scenario(lang: str = "zh") -> Scenario:
    """The issue's example: an epitaxial-wafer (LED ``epi``) maker in 寿光市 and a park in 滕州市.

    Both points are the counties' representative points (inside each county). The firm's
    employment (120) is a hypothetical planning figure; its output is unknown.
    """
    from geo.boundaries import load_counties

    counties = load_counties().set_index("adcode")
    sg = counties.loc[EXAMPLE_COUNTIES["shouguang"], "geometry"].representative_point()
    tz = counties.loc[EXAMPLE_COUNTIES["tengzhou"], "geometry"].representative_point()
    return Scenario(
        "shouguang-epi-tengzhou-park",
        (
            AddFirm(
                "SG-EPI-1",
                t("scn_example_firm", lang),
                round(sg.x, 6),
                round(sg.y, 6),
                EXAMPLE_CHAIN,
                EXAMPLE_NODE,
                employees=120.0,
            ),
            AddSite(
                "park", "TZ-PARK-1", t("scn_example_park", lang), round(tz.x, 6), round(tz.y, 6)
            ),
        ),
        t("scn_example_desc", lang),
    )


def _load_example(lang: str = "zh") -> None:
    example = example_scenario(lang)
    set_draft(example)
    st.session_state["chain"] = EXAMPLE_CHAIN
    _notice("scn_loaded", n=len(example.edits))


# ----------------------------------------------------------------------------- adding edits
def _free_id(prefix: str, taken: set[str]) -> str:
    k = 1
    while f"{prefix}-{k}" in taken:
        k += 1
    return f"{prefix}-{k}"


def _taken_ids(firms: gpd.GeoDataFrame) -> set[str]:
    ids = set(firms["firm_id"].astype(str))
    for e in st.session_state.get(_EDITS_KEY, []):
        if isinstance(e, AddFirm):
            ids.add(str(e.firm_id))
        if isinstance(e, AddSite):
            ids.add(str(e.site_id))
    return ids


def _add(make: Callable[[], Edit], firms: gpd.GeoDataFrame) -> None:
    """Validate the draft with one more edit; keep it only when it brings no new problem."""
    edits = list(st.session_state.get(_EDITS_KEY, []))
    edit = make()
    # A neutral valid name: the draft's name is checked (and reported) on its own.
    before: list[Any] = []
    try:
        validate(Scenario("draft", tuple(edits)), firms)
    except ScenarioError as exc:
        before = exc.problems
    try:
        validate(Scenario("draft", (*edits, edit)), firms)
    except ScenarioError as exc:
        new = [p for p in exc.problems if p not in before]
        if new:
            _refuse(new)
            return
    st.session_state[_EDITS_KEY] = [*edits, edit]
    _notice("scn_added", n=len(edits) + 1)


def _location(prefix: str) -> tuple[float, float]:
    """(lon, lat) from a location input: a county's representative point or typed WGS-84 degrees."""
    if st.session_state.get(f"{prefix}_where", "county") == "county":
        return county_points()[str(st.session_state[f"{prefix}_county"])]
    lon, lat = st.session_state.get(f"{prefix}_lon"), st.session_state.get(f"{prefix}_lat")
    return (float("nan") if lon is None else float(lon)), (
        float("nan") if lat is None else float(lat)
    )


def _location_inputs(prefix: str, lang: str) -> None:
    where = st.radio(
        t("scn_where", lang),
        ("county", "lonlat"),
        key=f"{prefix}_where",
        horizontal=True,
        format_func=lambda v: t(f"scn_where_{v}", lang),
    )
    if where == "county":
        labels = _county_labels(lang)
        st.selectbox(
            t("scn_county", lang),
            list(labels),
            key=f"{prefix}_county",
            format_func=lambda c: labels.get(c, c),
            help=t("scn_county_help", lang),
        )
    else:
        c1, c2 = st.columns(2)
        c1.number_input(
            t("scn_lon", lang), value=117.0, step=0.01, format="%.5f", key=f"{prefix}_lon"
        )
        c2.number_input(
            t("scn_lat", lang), value=36.65, step=0.01, format="%.5f", key=f"{prefix}_lat"
        )
        st.caption(t("scn_lonlat_help", lang))


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "").strip()


def _firm_options(
    firms: gpd.GeoDataFrame, token: str, chain: str, lang: str, every: bool
) -> dict[str, str]:
    idx = firm_index(token, firms)
    if not every:
        idx = idx[idx["chain"] == chain]
    opts = {
        r.firm_id: f"{r.firm_id} · {r.name} · {node_text(r.chain, r.node, lang)}"
        for r in idx.itertuples(index=False)
    }
    for e in st.session_state.get(_EDITS_KEY, []):
        if isinstance(e, AddFirm):
            opts[str(e.firm_id)] = (
                f"{e.firm_id} · {e.name} · {node_text(e.chain, e.node, lang)}"
                f"（{t('scn_added_here', lang)}）"
                if lang == "zh"
                else f"{e.firm_id} · {e.name} · {node_text(e.chain, e.node, lang)} "
                f"({t('scn_added_here', lang)})"
            )
    return opts


def node_text(chain: Any, node: Any, lang: str) -> str:
    """``LED · 外延片``: a chain code and its node by name (the code when unknown)."""
    g = loaders.chain_graphs().get(str(chain))
    if g is None or str(node) not in g:
        return f"{chain} · {node}"
    d = g.nodes[str(node)]
    return f"{chain} · {name(d.get('name_zh'), d.get('name_en'), lang)}"


def _node_label(graph: Any, node: str, lang: str) -> str:
    d = graph.nodes[node]
    return f"{name(d.get('name_zh'), d.get('name_en'), lang)} · {t('stage_' + str(d.get('stage')), lang)}"


def _form_add_firm(lang: str, firms: gpd.GeoDataFrame, chain: str) -> None:
    graphs = loaders.chain_graphs()
    st.session_state.setdefault("scn_af_chain", chain)
    c1, c2 = st.columns(2)
    c1.text_input(
        t("scn_firm_name", lang), key="scn_af_name", placeholder=t("scn_firm_name_ph", lang)
    )
    c2.text_input(t("scn_firm_id", lang), key="scn_af_id", placeholder=t("scn_auto_id", lang))
    c3, c4 = st.columns(2)
    fchain = c3.selectbox(
        t("chain", lang),
        list(graphs),
        key="scn_af_chain",
        format_func=lambda c: chain_label(c, lang),
    )
    g = graphs[fchain]
    c4.selectbox(
        t("node", lang),
        list(g.nodes),
        key="scn_af_node",
        format_func=lambda n: _node_label(g, n, lang),
    )
    c5, c6 = st.columns(2)
    c5.number_input(
        t("scn_employees", lang), min_value=0.0, value=100.0, step=10.0, key="scn_af_emp"
    )
    c6.number_input(
        t("scn_output", lang),
        min_value=0.0,
        value=None,
        step=100.0,
        key="scn_af_out",
        placeholder=t("scn_unknown", lang),
    )
    _location_inputs("scn_af", lang)

    def make() -> Edit:
        lon, lat = _location("scn_af")
        fid = _text("scn_af_id") or _free_id("NEW", _taken_ids(firms))
        return AddFirm(
            fid,
            _text("scn_af_name"),
            lon,
            lat,
            str(st.session_state["scn_af_chain"]),
            str(st.session_state["scn_af_node"]),
            employees=st.session_state.get("scn_af_emp"),
            output=st.session_state.get("scn_af_out"),
        )

    st.button(
        t("scn_add", lang), key="scn_add_firm", type="primary", on_click=_add, args=(make, firms)
    )


def _form_move_remove(
    lang: str, firms: gpd.GeoDataFrame, token: str, chain: str, kind: str
) -> None:
    key = "scn_mv" if kind == "move_firm" else "scn_rm"
    every = st.checkbox(
        t("scn_all_firms", lang), key=f"{key}_all", help=t("scn_all_firms_help", lang)
    )
    opts = _firm_options(firms, token, chain, lang, every)
    if not opts:
        st.caption(t("scn_no_firms", lang))
        return
    st.selectbox(
        t("firm", lang),
        list(opts),
        key=f"{key}_firm",
        format_func=lambda f: opts.get(f, f),
        help=t("scn_firm_pick_help", lang),
    )
    if kind == "move_firm":
        _location_inputs(key, lang)

    def make() -> Edit:
        fid = str(st.session_state[f"{key}_firm"])
        if kind == "remove_firm":
            return RemoveFirm(fid)
        lon, lat = _location(key)
        return MoveFirm(fid, lon, lat)

    st.button(
        t("scn_add", lang),
        key=f"scn_add_{'move' if kind == 'move_firm' else 'remove'}",
        type="primary",
        on_click=_add,
        args=(make, firms),
    )


def _form_add_site(lang: str, firms: gpd.GeoDataFrame, chain: str) -> None:
    graphs = loaders.chain_graphs()
    c1, c2, c3 = st.columns([1, 2, 2])
    c1.radio(
        t("scn_site_kind", lang),
        ("park", "cluster"),
        key="scn_site_kind",
        format_func=lambda k: t(f"scn_kind_{k}", lang),
    )
    c2.text_input(
        t("scn_site_name", lang), key="scn_site_name", placeholder=t("scn_site_name_ph", lang)
    )
    c3.text_input(t("scn_site_id", lang), key="scn_site_id", placeholder=t("scn_auto_id", lang))
    for_chain = st.checkbox(t("scn_site_for_chain", lang, chain=chain), key="scn_site_for_chain")
    if for_chain:
        g = graphs[chain]
        st.multiselect(
            t("scn_site_nodes", lang),
            list(g.nodes),
            key="scn_site_nodes",
            format_func=lambda n: _node_label(g, n, lang),
            placeholder=t("choose", lang),
        )
    _location_inputs("scn_site", lang)
    st.caption(t("scn_site_note", lang))

    def make() -> Edit:
        lon, lat = _location("scn_site")
        sid = _text("scn_site_id") or _free_id("SITE", _taken_ids(firms))
        with_chain = bool(st.session_state.get("scn_site_for_chain"))
        return AddSite(
            str(st.session_state.get("scn_site_kind", "park")),
            sid,
            _text("scn_site_name"),
            lon,
            lat,
            chain=chain if with_chain else None,
            nodes=tuple(st.session_state.get("scn_site_nodes") or ()) if with_chain else (),
        )

    st.button(
        t("scn_add", lang), key="scn_add_site", type="primary", on_click=_add, args=(make, firms)
    )


def _form_zone(lang: str, firms: gpd.GeoDataFrame) -> None:
    from geo.frames import membership, zone_table

    c1, c2 = st.columns(2)
    frame = c1.radio(
        t("frame", lang),
        _FRAMES,
        key="scn_zm_frame",
        horizontal=True,
        format_func=lambda f: t(f"frame_{f}", lang),
    )
    action = c2.radio(
        t("scn_zm_action", lang),
        ("add", "remove"),
        key="scn_zm_action",
        horizontal=True,
        format_func=lambda a: t(f"scn_zm_{a}", lang),
    )
    zones = zone_table(frame)
    znames = {
        str(r.zone_code): name(r.name_zh, r.name_en, lang) for r in zones.itertuples(index=False)
    }
    st.selectbox(
        t("scn_zone", lang), list(znames), key="scn_zm_zone", format_func=lambda z: znames.get(z, z)
    )
    labels = _county_labels(lang)
    county = st.selectbox(
        t("scn_county", lang),
        list(labels),
        key="scn_zm_county",
        format_func=lambda c: labels.get(c, c),
    )
    member_of = membership(frame)
    now = sorted(member_of.loc[member_of["adcode"] == county, "zone_code"].astype(str))
    sep = "、" if lang == "zh" else ", "
    listed = sep.join(znames.get(z, z) for z in now)
    st.caption(t("scn_zm_now", lang, zones=listed or t("scn_zm_none", lang)))

    def make() -> Edit:
        return ChangeZoneMembership(
            str(st.session_state["scn_zm_county"]),
            str(st.session_state["scn_zm_frame"]),
            str(st.session_state["scn_zm_zone"]),
            action=str(st.session_state.get("scn_zm_action", action)),
        )

    st.button(
        t("scn_add", lang), key="scn_add_zone", type="primary", on_click=_add, args=(make, firms)
    )


# ----------------------------------------------------------------------------- the edit list
def _xy(edit: Edit) -> tuple[float, float] | None:
    """The edit's (lon, lat) when it has finite numbers there (an uploaded edit may not)."""
    lon, lat = getattr(edit, "lon", None), getattr(edit, "lat", None)
    ok = all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in (lon, lat)
    )
    return (float(lon), float(lat)) if ok else None  # type: ignore[arg-type]


def _figure(value: Any) -> str:
    return (
        f"{value:,.0f}" if isinstance(value, int | float) and math.isfinite(value) else str(value)
    )


def edit_table(
    edits: list[Edit] | tuple[Edit, ...], lang: str, names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """One row per edit: number, type, item, place (county of the point), details — plain text.

    ``names`` maps firm ids of the table to their names (shown for moved and removed firms).
    """
    from geo.joins import join_counties

    located = [(i, xy) for i, e in enumerate(edits) if (xy := _xy(e)) is not None]
    where: dict[int, str] = {}
    if located:
        pts = gpd.GeoSeries(
            gpd.points_from_xy([xy[0] for _, xy in located], [xy[1] for _, xy in located]),
            crs="EPSG:4326",
        )
        codes = join_counties(pts).to_numpy(dtype=object)
        labels = _county_labels(lang, with_city=False)
        for (i, (x, y)), code in zip(located, codes, strict=True):
            place = (
                labels.get(str(code), t("scn_outside", lang))
                if isinstance(code, str)
                else t("scn_outside", lang)
            )
            where[i] = f"{place} · {x:.5f}, {y:.5f}"
    rows = []
    for i, e in enumerate(edits):
        if isinstance(e, AddFirm):
            item = f"{e.firm_id} · {e.name}"
            figs = ", ".join(
                f"{t(k, lang)} {_figure(v)}"
                for k, v in (("scn_employees", e.employees), ("scn_output", e.output))
                if v is not None
            )
            detail = node_text(e.chain, e.node, lang) + (f" · {figs}" if figs else "")
        elif isinstance(e, MoveFirm | RemoveFirm):
            name = (names or {}).get(str(e.firm_id))
            item, detail = (f"{e.firm_id} · {name}" if name else str(e.firm_id)), ""
        elif isinstance(e, AddSite):
            item = f"{e.site_id} · {e.name}"
            detail = t(f"scn_kind_{e.kind}", lang) if e.kind in ("park", "cluster") else str(e.kind)
            if e.chain:
                nodes = [node_text(e.chain, n, lang).split(" · ", 1)[-1] for n in e.nodes]
                sep = "、" if lang == "zh" else ", "
                detail += f" · {e.chain}" + (f"{_colon(lang)}{sep.join(nodes)}" if nodes else "")
        else:
            county = _county_labels(lang, with_city=False).get(str(e.adcode), str(e.adcode))
            zone = _zone_name(str(e.zone_code), str(e.frame), lang)
            item = (
                f"{county} → {zone}（{e.frame}）"
                if lang == "zh"
                else f"{county} → {zone} ({e.frame})"
            )
            detail = (
                t(f"scn_zm_{e.action}", lang) if e.action in ("add", "remove") else str(e.action)
            )
        kind = getattr(e, "type", "")
        rows.append(
            {
                "#": i + 1,
                t("scn_edit_type", lang): t(f"scn_type_{kind}", lang)
                if kind in EDIT_KINDS
                else kind,
                t("scn_item", lang): item,
                t("scn_place", lang): where.get(i, ""),
                t("scn_detail", lang): detail,
            }
        )
    cols = [
        "#",
        t("scn_edit_type", lang),
        t("scn_item", lang),
        t("scn_place", lang),
        t("scn_detail", lang),
    ]
    return pd.DataFrame(rows, columns=cols)


def _colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def _zone_name(code: str, frame: str, lang: str) -> str:
    from geo.frames import zone_table

    z = zone_table(frame if frame in _FRAMES else "2013")
    hit = z[z["zone_code"].astype(str) == code]
    return name(hit["name_zh"].iloc[0], hit["name_en"].iloc[0], lang) if len(hit) else code


def _delete() -> None:
    drop = {int(i) for i in st.session_state.get("scn_del_pick") or []}
    edits = [
        e for i, e in enumerate(st.session_state.get(_EDITS_KEY, []), start=1) if i not in drop
    ]
    st.session_state[_EDITS_KEY] = edits
    st.session_state["scn_del_pick"] = []
    _notice("scn_deleted", n=len(drop))


def _clear() -> None:
    st.session_state[_EDITS_KEY] = []
    st.session_state["scn_del_pick"] = []
    _notice("scn_cleared")


# ----------------------------------------------------------------------------- import / export
def _load_json(lang: str) -> None:
    up = st.session_state.get("scn_up_json")
    if up is None:
        _refuse([t("scn_no_file", lang)])
        return
    try:  # bytes: bounded and decoded as UTF-8 by the model (GBK, binary: a clear problem)
        scenario = Scenario.from_json(up.getvalue())
    except ScenarioError as exc:
        _refuse(exc.problems)
        return
    set_draft(scenario)
    _notice("scn_loaded", n=len(scenario.edits))


def _read_workspace(data: bytes, lang: str) -> dict[str, Any]:
    """Saved scenarios of a workspace GeoPackage given as bytes (read in a temporary folder)."""
    from layout.workspace import Workspace, WorkspaceError

    out: dict[str, Any] = {"table": pd.DataFrame(), "scenarios": {}, "problems": []}
    with tempfile.TemporaryDirectory(prefix="atlas_scn_ws_") as tmp:
        path = Path(tmp) / "workspace.gpkg"
        path.write_bytes(data)
        try:
            ws = Workspace(path)
            table = ws.list_scenarios()
        except (
            WorkspaceError,
            OSError,
            RuntimeError,
            ValueError,
            KeyError,
        ) as exc:  # pyogrio: RuntimeError
            msg = " ".join(problem_text(exc, lang).split())
            out["problems"].append(t("scn_ws_unreadable", lang, msg=msg))
            return out
        for sname in table["name"].astype(str):
            try:
                out["scenarios"][sname] = load_scenario(ws, sname)
            except (ScenarioError, WorkspaceError, ValueError, KeyError) as exc:
                found = exc.problems if isinstance(exc, ProblemError) else [str(exc)]
                out["problems"].extend(  # both languages: the index outlives a language switch
                    Problem(
                        t("scn_ws_bad_scenario", "en", name=sname, problem=problem_text(p, "en")),
                        zh=t(
                            "scn_ws_bad_scenario", "zh", name=sname, problem=problem_text(p, "zh")
                        ),
                    )
                    for p in found
                )
        out["table"] = table
    return out


def _load_from_workspace(lang: str) -> None:
    index = st.session_state.get(_WS_KEY) or {}
    name = st.session_state.get("scn_ws_pick")
    scenario = index.get("scenarios", {}).get(name)
    if scenario is None:
        _refuse([t("scn_no_file", lang)])
        return
    set_draft(scenario)
    _notice("scn_loaded", n=len(scenario.edits))


def _file_stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:63] or "scenario"


def _import_export(lang: str, scenario: Scenario) -> None:
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('scn_json_head', lang)}**")
        st.download_button(
            t("scn_dl_json", lang),
            data=scenario.to_json().encode("utf-8"),
            file_name=f"{_file_stem(scenario.name)}.json",
            mime="application/json",
            key="scn_dl_json",
            on_click="ignore",
        )
        st.file_uploader(t("scn_up_json", lang), type=["json"], key="scn_up_json")
        st.button(t("scn_load_json", lang), key="scn_load_json", on_click=_load_json, args=(lang,))
    with right:
        st.markdown(f"**{t('scn_ws_head', lang)}**")
        st.caption(t("scn_ws_note", lang))
        up = st.file_uploader(t("scn_up_ws", lang), type=["gpkg"], key="scn_up_ws")
        if up is None:
            st.session_state.pop(_WS_KEY, None)
            return
        index = st.session_state.get(_WS_KEY)
        if not index or index.get("file_id") != up.file_id:
            index = {"file_id": up.file_id, **_read_workspace(up.getvalue(), lang)}
            st.session_state[_WS_KEY] = index
        if index["problems"]:
            show_problems(index["problems"], lang)
        table = index["table"]
        if not len(table):
            st.caption(t("scn_ws_empty", lang))
            return
        shown = table[
            [c for c in ("name", "description", "n_edits", "base_firms", "created") if c in table]
        ]
        st.dataframe(
            shown.rename(
                columns={
                    "name": t("name", lang),
                    "description": t("scn_desc", lang),
                    "n_edits": t("scn_n_edits", lang),
                    "base_firms": t("scn_base_firms", lang),
                    "created": t("scn_created", lang),
                }
            ),
            hide_index=True,
        )
        names = list(index["scenarios"])
        if names:
            st.selectbox(t("scn_ws_pick", lang), names, key="scn_ws_pick")
            st.button(
                t("scn_ws_load", lang),
                key="scn_ws_load",
                on_click=_load_from_workspace,
                args=(lang,),
            )


# ----------------------------------------------------------------------------- the page part
def show_problems(problems: list[Any], lang: str) -> None:
    """Every problem at once, in ``lang``; the heading says the draft was kept
    (:func:`atlas_app.ui.show_problems`)."""
    ui_problems(problems, t("scn_problems", lang, n=len(problems)), lang)


def _name_inputs(lang: str) -> None:
    st.session_state.setdefault(_NAME_KEY, _DEFAULT_NAME)
    st.session_state.setdefault(_DESC_KEY, "")
    st.session_state["scn_name"] = st.session_state[_NAME_KEY]
    st.session_state["scn_desc"] = st.session_state[_DESC_KEY]

    def _sync(widget: str, target: str) -> None:
        st.session_state[target] = st.session_state[widget]

    c1, c2 = st.columns([1, 2])
    c1.text_input(
        t("scn_name", lang),
        key="scn_name",
        help=t("scn_name_help", lang),
        on_change=_sync,
        args=("scn_name", _NAME_KEY),
    )
    c2.text_input(
        t("scn_desc", lang), key="scn_desc", on_change=_sync, args=("scn_desc", _DESC_KEY)
    )


def builder(lang: str, firms: state.FirmData, chain: str) -> tuple[Scenario, list[str]]:
    """Draw the builder; return the draft and its problems against ``firms`` (empty when valid)."""
    st.session_state.setdefault(_EDITS_KEY, [])
    st.subheader(t("scn_builder", lang))
    top = st.columns([3, 1])
    with top[0]:
        _name_inputs(lang)
    with top[1]:
        st.button(
            t("scn_example", lang),
            key="scn_example",
            on_click=_load_example,
            args=(lang,),
            help=t("scn_example_help", lang),
            width="stretch",
        )
    tabs = st.tabs([t(f"scn_type_{k}", lang) for k in EDIT_KINDS])
    with tabs[0]:
        _form_add_firm(lang, firms.gdf, chain)
    with tabs[1]:
        _form_move_remove(lang, firms.gdf, firms.token, chain, "move_firm")
    with tabs[2]:
        _form_move_remove(lang, firms.gdf, firms.token, chain, "remove_firm")
    with tabs[3]:
        _form_add_site(lang, firms.gdf, chain)
    with tabs[4]:
        _form_zone(lang, firms.gdf)

    action_problems = st.session_state.get(_PROBLEMS_KEY) or []
    if action_problems:
        show_problems(action_problems, lang)
    notice = st.session_state.get(_NOTICE_KEY)
    if notice and not action_problems:
        st.success(t(notice[0], lang, **notice[1]), icon=":material/check:")
        st.session_state[_NOTICE_KEY] = None

    scenario = draft()
    st.markdown(f"**{t('scn_edits', lang, n=len(scenario.edits))}**")
    if scenario.edits:
        idx = firm_index(firms.token, firms.gdf)
        wanted = {str(e.firm_id) for e in scenario.edits if isinstance(e, MoveFirm | RemoveFirm)}
        names = dict(
            idx.loc[idx["firm_id"].isin(wanted), ["firm_id", "name"]].itertuples(index=False)
        )
        st.dataframe(edit_table(scenario.edits, lang, names), hide_index=True)
        c1, c2, c3 = st.columns([3, 1, 1])
        c1.multiselect(
            t("scn_del_pick", lang),
            list(range(1, len(scenario.edits) + 1)),
            key="scn_del_pick",
            placeholder=t("choose", lang),
        )
        c2.button(t("scn_delete", lang), key="scn_delete", on_click=_delete, width="stretch")
        c3.button(t("scn_clear", lang), key="scn_clear", on_click=_clear, width="stretch")
    else:
        st.caption(t("scn_no_edits", lang))
    problems: list[Any] = []
    try:
        validate(scenario, firms.gdf)
    except ScenarioError as exc:
        problems = exc.problems
    if problems:
        st.markdown(f"**{t('scn_draft_invalid', lang)}**")
        show_problems(problems, lang)
    with st.expander(t("scn_io", lang)):
        _import_export(lang, scenario)
    return scenario, problems
