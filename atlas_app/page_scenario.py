"""Scenarios: build a what-if (add, move or remove firms; parks and cluster sites; zone membership),
run it against the baseline and compare — two maps on the same colours, tables and downloads.

The builder lives in :mod:`atlas_app.scenario_builder`, the maps in :mod:`atlas_app.scenario_map`;
the work is :func:`layout.scenarios.run_scenario` with a cached baseline analysis.

Session keys (besides the builder's): ``chain`` (shared with the chain view), ``scn_level``,
``scn_base``, ``scn_result`` (the last run: its diff, options and prepared downloads) and
``scn_ws_file`` (the last workspace GeoPackage prepared for download).
"""

from __future__ import annotations

import json
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from atlas_app import loaders, state
from atlas_app.basemap_ui import current_basemap
from atlas_app.i18n import code_label, name, t
from atlas_app.loaders import MapSpec
from atlas_app.map_view import show_map
from atlas_app.planning_ui import DATA_NOTE, chain_label
from atlas_app.scenario_builder import builder, firm_index, node_text, show_problems
from atlas_app.scenario_map import diff_base, live_groups
from atlas_app.ui import lazy_download, text_table
from geo.maps import DEFAULT_TOLERANCE
from layout.scenarios import AddFirm, AddSite, MoveFirm, RemoveFirm, Scenario, ScenarioError

__all__ = [
    "COMPARISONS",
    "DIFF_FILES",
    "baseline_analysis",
    "diff_file",
    "diff_files",
    "edit_points",
    "map_specs",
    "page_scenario",
    "region_shapes",
]

COMPARISONS: tuple[str, ...] = ("county", "city", "zone:2013", "zone:2020")
BASES: tuple[str, ...] = ("employees", "output", "firms")
PERMUTATIONS = loaders.SCENARIO_PERMUTATIONS
_RESULT_KEY, _WS_FILE_KEY = "scn_result", "scn_ws_file"
_STATUSES = ("strong", "weak", "missing", "broken")


# ----------------------------------------------------------------------------- library calls
baseline_analysis = loaders.baseline_analysis
"""The cached baseline (it lives in :mod:`atlas_app.loaders`, whose warm-up fills it)."""


def region_shapes(level: str, frame: str) -> gpd.GeoDataFrame:
    """Display polygons of the compared regions: region (code), name_zh, name_en, geometry."""
    disp = loaders.display(DEFAULT_TOLERANCE)
    if level == "zone":
        layer = disp["zones" if frame == "2013" else "zones-2020"].rename(
            columns={"zone_code": "region"}
        )
    else:
        layer = disp["counties" if level == "county" else "cities"].rename(
            columns={"adcode": "region"}
        )
    return layer[["region", "name_zh", "name_en", "geometry"]]


def edit_points(
    scenario: Scenario, firms: pd.DataFrame, *, lang: str = "en"
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Points of the located edits: (on the baseline map, on the scenario map).

    Baseline: removed firms and the old place of moved ones. Scenario: added and moved firms
    (where they end up), planned parks and cluster sites. ``firms`` is a :func:`firm_index`
    table (firm_id, name, lon, lat). Columns: kind, label (plain text), geometry.
    """
    where = firms.set_index("firm_id")[["name", "lon", "lat"]]
    added: dict[str, list[Any]] = {}
    moved: dict[str, tuple[float, float]] = {}
    removed: list[str] = []
    sites: list[AddSite] = []
    for e in scenario.edits:
        if isinstance(e, AddFirm):
            added[e.firm_id] = [e.name, e.lon, e.lat, node_text(e.chain, e.node, lang)]
        elif isinstance(e, MoveFirm):
            if e.firm_id in added:
                added[e.firm_id][1:3] = [e.lon, e.lat]
            else:
                moved[str(e.firm_id)] = (e.lon, e.lat)
        elif isinstance(e, RemoveFirm):
            if e.firm_id in added:
                del added[e.firm_id]
            else:
                removed.append(str(e.firm_id))
                moved.pop(str(e.firm_id), None)
        elif isinstance(e, AddSite):
            sites.append(e)
    before: list[tuple[str, str, float, float]] = []
    after: list[tuple[str, str, float, float]] = []
    for fid in removed:
        if fid in where.index:
            r = where.loc[fid]
            before.append(
                ("removed_firm", f"{fid} · {r['name']}", float(r["lon"]), float(r["lat"]))
            )
    for fid, (x, y) in moved.items():
        name = str(where.loc[fid, "name"]) if fid in where.index else ""
        if fid in where.index:
            before.append(
                (
                    "moved_from",
                    f"{fid} · {name}",
                    float(where.loc[fid, "lon"]),
                    float(where.loc[fid, "lat"]),
                )
            )
        after.append(("moved_firm", f"{fid} · {name}", float(x), float(y)))
    for fid, (name, x, y, what) in added.items():
        after.append(("added_firm", f"{fid} · {name} · {what}", float(x), float(y)))
    for s in sites:
        after.append(
            (
                s.kind if s.kind in ("park", "cluster") else "park",
                f"{s.site_id} · {s.name}",
                float(s.lon),
                float(s.lat),
            )
        )

    def frame(rows: list[tuple[str, str, float, float]]) -> gpd.GeoDataFrame:
        rows = [r for r in rows if np.isfinite(r[2]) and np.isfinite(r[3])]
        return gpd.GeoDataFrame(
            {"kind": [r[0] for r in rows], "label": [r[1] for r in rows]},
            geometry=gpd.points_from_xy([r[2] for r in rows], [r[3] for r in rows]),
            crs="EPSG:4326",
        )

    return frame(before), frame(after)


DIFF_FILES = ("json", "csv", "geojson")


def diff_file(name: str, d: Any, scenario: Scenario, *, synthetic: bool, lang: str = "en") -> bytes:
    """One download of a diff: ``json`` (the diff and the scenario), ``csv`` (changed nodes,
    formula-safe, a header row in ``lang`` over the field names) or ``geojson`` (regions with
    completeness before/after). Each says so when the firms are synthetic. The page makes
    each only when its button is clicked (:func:`atlas_app.ui.lazy_download`)."""
    from atlas_app.tables import table_bytes
    from geo.export import to_geojson

    if name == "json":
        doc = {**d.to_dict(), "scenario_definition": scenario.to_dict()}
        if synthetic:
            doc["data_note"] = DATA_NOTE
        return json.dumps(doc, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    if name == "csv":
        codes = {
            "status_before": "status",
            "status_after": "status",
            "class_before": "class",
            "class_after": "class",
        }
        return table_bytes(d.nodes, "csv", lang, codes=codes, synthetic=synthetic)
    if name != "geojson":
        raise ValueError(f"diff_file: name must be one of {DIFF_FILES}, not {name!r}")
    regions = d.regions_frame()
    if synthetic:
        regions = regions.assign(data_note=DATA_NOTE)
    with tempfile.TemporaryDirectory(prefix="atlas_scn_") as tmp:
        path = to_geojson(
            regions,
            Path(tmp) / "regions.geojson",
            metadata={
                "datum": "WGS-84 (EPSG:4326)",
                "scenario": scenario.name,
                "chain": d.chain,
                "level": d.level,
                "frame": d.frame,
                "base": d.base,
                **({"data_note": DATA_NOTE} if synthetic else {}),
            },
        )
        return path.read_bytes()


def diff_files(
    d: Any, scenario: Scenario, *, synthetic: bool, lang: str = "en"
) -> dict[str, bytes]:
    """Every download of a diff at once (:func:`diff_file` of each of :data:`DIFF_FILES`)."""
    return {n: diff_file(n, d, scenario, synthetic=synthetic, lang=lang) for n in DIFF_FILES}


# ----------------------------------------------------------------------------- options and run
def _options(lang: str) -> tuple[str, str, str, str]:
    graphs = loaders.chain_graphs()
    if st.session_state.get("chain") not in graphs:
        st.session_state.pop("chain", None)  # e.g. an unknown code from a link
    c1, c2, c3 = st.columns([2, 2, 1])
    chain = c1.selectbox(
        t("chain", lang), list(graphs), key="chain", format_func=lambda c: chain_label(c, lang)
    )
    comp = c2.selectbox(
        t("scn_level", lang),
        COMPARISONS,
        key="scn_level",
        format_func=lambda v: _comparison_label(v, lang),
        help=t("scn_level_help", lang),
    )
    base = c3.selectbox(
        t("base", lang), BASES, key="scn_base", format_func=lambda b: t(f"base_{b}", lang)
    )
    level, _, frame = comp.partition(":")
    return str(chain), level, frame or "2013", str(base)


def _comparison_label(value: str, lang: str) -> str:
    level, _, frame = value.partition(":")
    return t(f"level_{level}", lang) + (f" · {t(f'frame_{frame}', lang)}" if frame else "")


def _run_key(
    firms: state.FirmData, scenario: Scenario, chain: str, level: str, frame: str, base: str
) -> tuple:
    return (firms.token, scenario.to_json(), chain, level, frame, base)


def _run(
    lang: str,
    firms: state.FirmData,
    scenario: Scenario,
    chain: str,
    level: str,
    frame: str,
    base: str,
) -> None:
    from layout.scenarios import run_scenario

    try:
        with st.spinner(t("scn_running", lang)):
            baseline = baseline_analysis(firms.token, chain, level, frame, base, firms.gdf)
            _, _, d = run_scenario(
                None,
                scenario,
                firms.gdf,
                chain,
                level=level,
                frame=frame,
                base=base,
                permutations=PERMUTATIONS,
                baseline=baseline,
            )
    except ScenarioError as exc:
        show_problems(exc.problems, lang)
        return
    st.session_state[_RESULT_KEY] = {
        "key": _run_key(firms, scenario, chain, level, frame, base),
        "diff": d,
        "scenario": scenario,
        "chain": chain,
        "level": level,
        "frame": frame,
        "base": base,
        "synthetic": firms.synthetic,
    }


def _workspace(
    lang: str,
    firms: state.FirmData,
    scenario: Scenario,
    chain: str,
    level: str,
    frame: str,
    base: str,
) -> None:
    """A GeoPackage workspace holding the scenario and its result layers, for download."""
    from layout.scenarios import run_scenario
    from layout.workspace import DEMO_BASE, Workspace, WorkspaceError

    try:
        with (
            st.spinner(t("scn_ws_building", lang)),
            tempfile.TemporaryDirectory(prefix="atlas_scn_ws_") as tmp,
        ):
            ws = Workspace(Path(tmp) / "workspace.gpkg")
            base_firms = DEMO_BASE
            if not firms.demo:  # the edits refer to this table: ship it so the scenario replays
                base_firms = ws.save_firms(firms.gdf, "firms", source=firms.name)
            baseline = baseline_analysis(firms.token, chain, level, frame, base, firms.gdf)
            run_scenario(
                ws,
                scenario,
                firms.gdf,
                chain,
                level=level,
                frame=frame,
                base=base,
                permutations=PERMUTATIONS,
                baseline=baseline,
                base_firms=base_firms,
            )
            data = ws.path.read_bytes()
    except ScenarioError as exc:
        show_problems(exc.problems, lang)
        return
    except WorkspaceError as exc:
        show_problems(exc.problems, lang)
        return
    st.session_state[_WS_FILE_KEY] = {
        "key": _run_key(firms, scenario, chain, level, frame, base),
        "data": data,
        "name": f"{scenario.name}_{chain}.gpkg",
    }


# ----------------------------------------------------------------------------- result tables
def _names(zh: pd.Series, en: pd.Series, lang: str) -> list[str]:
    return [name(a, b, lang) for a, b in zip(zh, en, strict=True)]


def _status(value: Any, lang: str) -> str:
    return t(f"status_{value}", lang) if value in _STATUSES else "—"


def _nodes_table(d: Any, lang: str) -> pd.DataFrame:
    n = d.nodes
    return pd.DataFrame(
        {
            t("region", lang): _names(n["region_name_zh"], n["region_name_en"], lang),
            t("code", lang): n["region"].astype(str).to_numpy(),
            t("node", lang): _names(n["name_zh"], n["name_en"], lang),
            t("scn_status_before", lang): [_status(s, lang) for s in n["status_before"]],
            t("scn_status_after", lang): [_status(s, lang) for s in n["status_after"]],
            t("scn_firms_before", lang): pd.to_numeric(
                n["n_firms_before"], errors="coerce"
            ).to_numpy(),
            t("scn_firms_after", lang): pd.to_numeric(
                n["n_firms_after"], errors="coerce"
            ).to_numpy(),
            t("scn_value_before", lang): pd.to_numeric(n["value_before"], errors="coerce")
            .round(2)
            .to_numpy(),
            t("scn_value_after", lang): pd.to_numeric(n["value_after"], errors="coerce")
            .round(2)
            .to_numpy(),
            t("scn_lq_before", lang): pd.to_numeric(n["lq_before"], errors="coerce")
            .round(2)
            .to_numpy(),
            t("scn_lq_after", lang): pd.to_numeric(n["lq_after"], errors="coerce")
            .round(2)
            .to_numpy(),
            t("scn_class_before", lang): [code_label("class", v, lang) for v in n["class_before"]],
            t("scn_class_after", lang): [code_label("class", v, lang) for v in n["class_after"]],
        }
    )


def _touched_regions(d: Any) -> pd.DataFrame:
    comp = d.completeness
    counts = d.nodes.groupby("region").size()
    hit = comp[comp["changed"] | comp["region"].isin(counts.index)].copy()
    hit["nodes_changed"] = hit["region"].map(counts).fillna(0).astype(int).to_numpy()
    return hit.reset_index(drop=True)


def _regions_table(d: Any, lang: str) -> pd.DataFrame:
    hit = _touched_regions(d)
    return pd.DataFrame(
        {
            t("region", lang): _names(hit["region_name_zh"], hit["region_name_en"], lang),
            t("code", lang): hit["region"].astype(str).to_numpy(),
            t("scn_comp_before", lang): hit["before"].to_numpy(dtype=float),
            t("scn_comp_after", lang): hit["after"].to_numpy(dtype=float),
            t("scn_comp_delta", lang): hit["delta"].to_numpy(dtype=float),
            t("scn_nodes_changed", lang): hit["nodes_changed"].to_numpy(),
        }
    )


def _concentration_table(d: Any, lang: str) -> pd.DataFrame:
    c = d.concentration
    return pd.DataFrame(
        {
            t("scn_metric", lang): [t(f"scn_conc_{m}", lang) for m in c["metric"]],
            t("scn_before", lang): c["before"].to_numpy(dtype=float),
            t("scn_after", lang): c["after"].to_numpy(dtype=float),
            t("scn_delta", lang): c["delta"].to_numpy(dtype=float),
        }
    )


def _sites_table(d: Any, lang: str) -> pd.DataFrame:
    s = d.sites
    yes, no = t("scn_yes", lang), t("scn_no", lang)
    return pd.DataFrame(
        {
            t("region", lang): _names(s["name_zh"], s["name_en"], lang),
            t("code", lang): s["region"].astype(str).to_numpy(),
            t("scn_htz_before", lang): s["htz_like_before"].to_numpy(),
            t("scn_htz_after", lang): s["htz_like_after"].to_numpy(),
            t("scn_hosts_before", lang): s["cluster_hosts_before"].to_numpy(),
            t("scn_hosts_after", lang): s["cluster_hosts_after"].to_numpy(),
            t("scn_covered_before", lang): [yes if v else no for v in s["covered_before"]],
            t("scn_covered_after", lang): [yes if v else no for v in s["covered_after"]],
        }
    )


def _pct(v: Any) -> str:
    return f"{float(v):.0%}" if v is not None and np.isfinite(float(v)) else "—"


def _num(v: Any, digits: int = 4) -> str:
    return f"{float(v):.{digits}f}" if v is not None and np.isfinite(float(v)) else "—"


def summary_lines(d: Any, lang: str) -> list[str]:
    """The diff in sentences in ``lang``: each changed (region, node), completeness, hosts and
    the province concentration (the library's :meth:`summary` has both languages in a line)."""
    lines: list[str] = []
    comp = d.completeness.set_index("region")
    done: set[str] = set()
    for rec in d.nodes.itertuples(index=False):
        line = t(
            "scn_sum_node",
            lang,
            region=name(rec.region_name_zh, rec.region_name_en, lang),
            node=name(rec.name_zh, rec.name_en, lang),
            before=_status(rec.status_before, lang),
            after=_status(rec.status_after, lang),
        )
        if rec.n_firms_before != rec.n_firms_after and rec.status_before == rec.status_after:
            line += t("scn_sum_firms", lang, before=rec.n_firms_before, after=rec.n_firms_after)
        if rec.region not in done and rec.region in comp.index and comp.loc[rec.region, "changed"]:
            line += t(
                "scn_sum_comp_tail",
                lang,
                before=_pct(comp.loc[rec.region, "before"]),
                after=_pct(comp.loc[rec.region, "after"]),
            )
            done.add(rec.region)
        lines.append(line)
    for rec in d.completeness[d.completeness["changed"]].itertuples(index=False):
        if rec.region not in done:
            lines.append(
                t(
                    "scn_sum_comp",
                    lang,
                    region=name(rec.region_name_zh, rec.region_name_en, lang),
                    before=_pct(rec.before),
                    after=_pct(rec.after),
                )
            )
    for rec in d.sites.itertuples(index=False):
        line = t(
            "scn_sum_site",
            lang,
            region=name(rec.name_zh, rec.name_en, lang),
            htz_before=rec.htz_like_before,
            htz_after=rec.htz_like_after,
            hosts_before=rec.cluster_hosts_before,
            hosts_after=rec.cluster_hosts_after,
        )
        if rec.covered_after and not rec.covered_before:
            line += t("scn_sum_covered", lang)
        lines.append(line)
    moved = d.concentration[d.concentration["delta"].fillna(0) != 0]
    if len(moved):
        sep = "，" if lang == "zh" else ", "
        parts = sep.join(
            f"{t(f'scn_conc_{m}', lang)} {_num(b)} → {_num(a)}"
            for m, b, a in zip(moved["metric"], moved["before"], moved["after"], strict=True)
        )
        lines.append(t("scn_sum_conc", lang, parts=parts))
    if d.lq_only.get("rows"):
        lines.append(
            t(
                "scn_lq_only",
                lang,
                n=int(d.lq_only["rows"]),
                x=f"{float(d.lq_only['max_abs_shift']):.3f}",
            )
        )
    return lines or [t("scn_sum_none", lang)]


# ----------------------------------------------------------------------------- result view
def _metrics(d: Any, lang: str) -> None:
    conc = d.concentration.set_index("metric")
    cols = st.columns(6)
    cols[0].metric(t("scn_m_nodes", lang), len(d.nodes), help=t("scn_m_nodes_help", lang))
    cols[1].metric(
        t("scn_m_regions", lang),
        int(d.completeness["changed"].sum()),
        help=t("scn_m_regions_help", lang),
    )
    cols[2].metric(t("scn_m_sites", lang), len(d.sites), help=t("scn_m_sites_help", lang))
    for col, metric in zip(cols[3:], ("hhi_chain", "gini", "moran_i"), strict=True):
        after, delta = float(conc.loc[metric, "after"]), float(conc.loc[metric, "delta"])
        col.metric(
            t(f"scn_conc_{metric}", lang),
            f"{after:.4f}" if np.isfinite(after) else "—",
            delta=f"{delta:+.4f}" if np.isfinite(delta) and delta != 0 else None,
            delta_color="off",
            help=t("scn_m_conc_help", lang),
        )


def map_specs(
    result: dict[str, Any] | None,
    firms: state.FirmData,
    lang: str,
    draft: Scenario,
    options: tuple[str, str, str, str],
    basemap: Any = "none",
) -> tuple[MapSpec, dict[str, MapSpec]]:
    """The scenario page's two maps: their shared base and each one's layers.

    Each map's base (tiles, outlines, legend, layer control, view) depends only on the
    comparison level, the language and the tiles; it is drawn once, and what a run changes (colours, outlines of
    changed regions, edit points, the legend's title and counts) goes to the maps already drawn
    as feature groups (:func:`atlas_app.map_view.show_map`), so neither a chain switch nor a
    run draws the maps again. Without a result: the baseline's colours (``options`` = chain,
    level, frame, base) on the left, the draft's edit points on the right.

    Returns
    -------
    (MapSpec, dict)
        The base and ``{"baseline": layers, "scenario": layers}``.
    """
    chain, level, frame, base = options
    if result is not None:
        d = result["diff"]
        chain, level, frame = result["chain"], d.level, d.frame
        comp = d.completeness.set_index("region")
        before, after = comp["before"], comp["after"]
        changed = set(d.nodes["region"].astype(str)) | set(comp.index[comp["changed"]].astype(str))
        detail: pd.Series | None = pd.Series(
            {
                str(r): f"{b:.0%} → {a:.0%}"
                for r, b, a in zip(comp.index, comp["before"], comp["after"], strict=True)
                if str(r) in changed and np.isfinite(b) and np.isfinite(a)
            },
            dtype=object,
        )
        scenario = result["scenario"]
        chain_name = name(d.name_zh, d.name_en, lang)
    else:
        baseline = baseline_analysis(firms.token, chain, level, frame, base, firms.gdf)
        before = baseline.completeness
        after = None
        changed, detail, scenario = set(), None, draft
        graph = loaders.chain_graphs()[chain]
        chain_name = name(graph.graph.get("name_zh"), graph.graph.get("name_en"), lang)
    shapes = region_shapes(level, frame)
    disp = loaders.display(DEFAULT_TOLERANCE)
    outlines = {"province": disp["province"]}
    if level != "city":
        outlines = {"cities": disp["cities"], **outlines}
    before_pts, after_pts = edit_points(scenario, firm_index(firms.token, firms.gdf), lang=lang)
    title = t("scn_legend_title", lang, chain=chain_name)
    # the base does not name the chain: a chain switch swaps the groups (and the legend) only
    spec = loaders.map_spec(
        diff_base,
        shapes,
        lang=lang,
        title=t("completeness", lang),
        height=460,
        basemap=basemap,
        outlines=outlines,
    )
    opacity = 0.55 if level == "zone" else 0.8
    layers = {
        which: loaders.map_spec(
            live_groups,
            shapes,
            values,
            lang=lang,
            title=title,
            detail=detail,
            changed=changed,
            points=pts,
            fill_opacity=opacity,
            basemap=basemap,
        )
        for which, values, pts in (
            ("baseline", before, before_pts),
            ("scenario", after, after_pts),
        )
    }
    return spec, layers


def _maps(
    result: dict[str, Any] | None,
    firms: state.FirmData,
    lang: str,
    draft: Scenario,
    options: tuple[str, str, str, str],
) -> None:
    """The baseline and the scenario map, side by side, at the same place before and after a
    run (:func:`map_specs`)."""
    spec, layers = map_specs(result, firms, lang, draft, options, current_basemap())
    for col, which in zip(st.columns(2), ("baseline", "scenario"), strict=True):
        with col:
            head = "scn_map_draft" if which == "scenario" and result is None else f"scn_map_{which}"
            st.markdown(f"**{t(head, lang)}**")
            show_map(
                spec,
                key=f"scn_map_{which}",
                height=460,
                returned_objects=[],
                feature_group_to_add=layers[which],
            )
    st.caption(t("scn_maps_note" if result is not None else "scn_maps_draft_note", lang))


def _downloads(result: dict[str, Any], lang: str) -> None:
    stem = f"{result['scenario'].name or 'scenario'}_{result['chain']}"
    c1, c2, c3 = st.columns(3)
    for col, kind, label, suffix, mime in (
        (c1, "json", "scn_dl_diff", "diff.json", "application/json"),
        (c2, "csv", "scn_dl_nodes", "changes.csv", "text/csv"),
        (c3, "geojson", "scn_dl_regions", "regions.geojson", "application/geo+json"),
    ):
        make = partial(
            diff_file,
            kind,
            result["diff"],
            result["scenario"],
            synthetic=result["synthetic"],
            lang=lang,
        )
        lazy_download(
            col,
            t(label, lang),
            make,
            file_name=f"{stem}_{suffix}",
            mime=mime,
            key=label,
            on_click="ignore",
        )
    if result["synthetic"]:
        st.caption(t("scn_dl_synthetic", lang))


def _result_head(result: dict[str, Any], lang: str, current: tuple) -> None:
    d = result["diff"]
    st.subheader(t("scn_result", lang))
    comparison = _comparison_label(f"zone:{d.frame}" if d.level == "zone" else d.level, lang)
    st.text(
        " · ".join(
            (
                result["scenario"].name,
                chain_label(result["chain"], lang),
                comparison,
                t(f"base_{d.base}", lang),
            )
        )
    )
    if result["key"] != current:
        st.info(t("scn_stale", lang), icon=":material/update:")
    _metrics(d, lang)


def _details(result: dict[str, Any], lang: str) -> None:
    d = result["diff"]
    st.markdown(f"**{t('scn_summary', lang)}**")
    lines = summary_lines(d, lang)
    text_table(
        pd.DataFrame({t("scn_summary_line", lang): lines}),
        max_rows=len(lines),
        css_class="atlas-tt atlas-scn-summary",
    )
    pct = st.column_config.NumberColumn(format="percent")
    tabs = st.tabs(
        [
            t("scn_tab_nodes", lang, n=len(d.nodes)),
            t("scn_tab_regions", lang),
            t("scn_tab_concentration", lang),
            t("scn_tab_sites", lang, n=len(d.sites)),
        ]
    )
    with tabs[0]:
        if len(d.nodes):
            st.dataframe(_nodes_table(d, lang), hide_index=True)
        else:
            st.caption(t("scn_no_node_change", lang))
    with tabs[1]:
        regions = _regions_table(d, lang)
        if len(regions):
            st.dataframe(
                regions,
                hide_index=True,
                column_config={
                    t("scn_comp_before", lang): pct,
                    t("scn_comp_after", lang): pct,
                    t("scn_comp_delta", lang): pct,
                },
            )
        else:
            st.caption(t("scn_no_region_change", lang))
    with tabs[2]:
        st.dataframe(_concentration_table(d, lang), hide_index=True)
    with tabs[3]:
        if len(d.sites):
            st.dataframe(_sites_table(d, lang), hide_index=True)
        else:
            st.caption(t("scn_no_site_change", lang))
    lq = d.lq_only
    if lq.get("rows"):
        st.caption(t("scn_lq_only", lang, n=int(lq["rows"]), x=f"{float(lq['max_abs_shift']):.3f}"))
    _downloads(result, lang)


# ----------------------------------------------------------------------------- the page
def page_scenario(lang: str) -> None:
    """Draw the scenarios page.

    Every part above the maps sits in its own container, so the maps keep their place on the
    page whatever the builder, the notices or the result show: the browser keeps the maps
    drawn, and a run or an edit only swaps their layers (:func:`_maps`).
    """
    firms = state.current_firms()
    with st.container():
        chain, level, frame, base = _options(lang)
        scenario, problems = builder(lang, firms, chain)
    current = _run_key(firms, scenario, chain, level, frame, base)
    with st.container():
        _run_section(lang, firms, scenario, problems, current, (chain, level, frame, base))
    result = st.session_state.get(_RESULT_KEY) or None
    with st.container():
        if result:
            _result_head(result, lang, current)
        else:
            st.caption(t("scn_not_run", lang))
    _maps(result, firms, lang, scenario, (chain, level, frame, base))
    if result:
        _details(result, lang)


def _run_section(
    lang: str,
    firms: state.FirmData,
    scenario: Scenario,
    problems: list[Any],
    current: tuple,
    options: tuple[str, str, str, str],
) -> None:
    chain, level, frame, base = options
    st.subheader(t("scn_run_head", lang))
    c1, c2, c3 = st.columns([1, 1, 2])
    run = c1.button(
        t("scn_run", lang), key="scn_run", type="primary", disabled=bool(problems), width="stretch"
    )
    build = c2.button(
        t("scn_ws_build", lang),
        key="scn_ws_build",
        disabled=bool(problems),
        width="stretch",
        help=t("scn_ws_build_help", lang),
    )
    if problems:
        c3.caption(t("scn_fix_first", lang))
    if run:
        _run(lang, firms, scenario, chain, level, frame, base)
    if build:
        _workspace(lang, firms, scenario, chain, level, frame, base)
    ws_file = st.session_state.get(_WS_FILE_KEY)
    if ws_file and ws_file["key"] == current:
        st.download_button(
            t("scn_dl_ws", lang),
            data=ws_file["data"],
            file_name=ws_file["name"],
            mime="application/geopackage+sqlite3",
            key="scn_dl_ws",
            on_click="ignore",
        )
