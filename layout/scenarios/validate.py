"""Check a scenario against the firm table and the shipped layers: every problem at once."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.problems import Problem, problem, register_messages
from layout.scenarios.errors import ScenarioError
from layout.scenarios.model import (
    ACTIONS,
    EDIT_TYPES,
    SITE_KINDS,
    AddFirm,
    AddSite,
    ChangeZoneMembership,
    MoveFirm,
    RemoveFirm,
    Scenario,
    field_problems,
    where,
)
from layout.workspace import LAYER_NAME_RULE, WorkspaceError, check_layer_name

__all__ = ["join_points", "validate"]

register_messages(
    {
        "scn_bad_name": (
            "情景名称 {value!r} 无效：请使用 {rule}（例如 'shouguang-epi'）；中文请写在说明中",
            "scenario name {value!r} is not a valid name: use {rule} (e.g. 'shouguang-epi'); "
            "put Chinese text in the description instead",
        ),
        "scn_firm_id_text": (
            "{where_zh}：firm_id {value!r} 必须是非空文本",
            "{where}: firm_id {value!r} must be non-empty text",
        ),
        "scn_firm_id_exists": (
            "{where_zh}：firm_id {value!r} 已存在：请换一个新编号（例如 '{example}'）",
            "{where}: firm_id {value!r} already exists: choose a new id (e.g. '{example}')",
        ),
        "scn_name_text": (
            "{where_zh}：name {value!r} 必须是非空文本",
            "{where}: name {value!r} must be non-empty text",
        ),
        "scn_unknown_chain": (
            "{where_zh}：产业链 {value!r} 未知；可选 {valid}",
            "{where}: chain {value!r} is unknown; valid chains: {valid}",
        ),
        "scn_unknown_node": (
            "{where_zh}：环节 {value!r} 不在产业链 {chain} 中；其环节为 {valid}",
            "{where}: node {value!r} is not in chain {chain}; its nodes: {valid}",
        ),
        "scn_bad_figure": (
            "{where_zh}：{field} {value!r} 必须是 ≥ 0 的数或 null（未知）",
            "{where}: {field} {value!r} must be a number >= 0 or null (unknown)",
        ),
        "scn_bad_point": (
            "{where_zh}：经纬度 ({lon!r}, {lat!r}) 必须是有限的数（WGS-84 度）",
            "{where}: lon/lat ({lon!r}, {lat!r}) must be finite numbers (WGS-84 degrees)",
        ),
        "scn_unknown_firm": (
            "{where_zh}：firm_id {value!r} 不在企业表中（也不是之前的修改新增的）：请使用已有的 firm_id，例如 {example!r}",
            "{where}: firm_id {value!r} is not in the firm table (nor added by an earlier edit): "
            "use an existing firm_id, e.g. {example!r}",
        ),
        "scn_unknown_site_kind": (
            "{where_zh}：载体类型 {value!r} 未知：可选 {valid}",
            "{where}: kind {value!r} is unknown: use one of {valid}",
        ),
        "scn_site_id_text": (
            "{where_zh}：site_id {value!r} 必须是非空文本",
            "{where}: site_id {value!r} must be non-empty text",
        ),
        "scn_site_id_twice": (
            "{where_zh}：site_id {value!r} 重复使用：每个载体需有自己的编号",
            "{where}: site_id {value!r} is used twice: give each site its own id",
        ),
        "scn_nodes_without_chain": (
            "{where_zh}：给出了环节 {nodes} 却没有产业链：请同时设置 chain",
            "{where}: nodes {nodes} given without a chain: set chain too",
        ),
        "scn_unknown_action": (
            "{where_zh}：操作 {value!r} 未知：可选 {valid}",
            "{where}: action {value!r} is unknown: use one of {valid}",
        ),
        "scn_unknown_adcode": (
            "{where_zh}：{value!r} 不是山东的县级行政区划代码：请用 6 位县级代码，例如 370783（寿光市）",
            "{where}: adcode {value!r} is not a county-level unit of Shandong: use a 6-digit "
            "county adcode such as 370783 (寿光市)",
        ),
        "scn_unknown_frame": (
            "{where_zh}：规划框架 {value!r} 未知：可选 {valid}",
            "{where}: frame {value!r} is unknown: use one of {valid}",
        ),
        "scn_unknown_zone": (
            "{where_zh}：区域 {value!r} 不在 {frame} 框架中：可选 {valid}",
            "{where}: zone {value!r} is not in frame {frame}: use one of {valid}",
        ),
        "scn_already_member": (
            "{where_zh}：县 {adcode} 已在区域 {zone}（{frame}）中：请删去此项修改",
            "{where}: county {adcode} is already in zone {zone} ({frame}): drop the edit",
        ),
        "scn_not_member": (
            "{where_zh}：县 {adcode} 不在区域 {zone}（{frame}）中：无可移除",
            "{where}: county {adcode} is not in zone {zone} ({frame}): nothing to remove",
        ),
        "scn_not_an_edit": (
            "{where_zh}：不是修改对象；可选 {types}",
            "{where}: not an edit object; use one of {types}",
        ),
        "scn_outside": (
            "{where_zh}：点 ({x}, {y}) 在山东省外：请给出省内的 WGS-84 经纬度（约东经 114.8–122.7°、北纬 34.4–38.4°）；GCJ-02/BD-09 请先转换",
            "{where}: point ({x}, {y}) lies outside Shandong: give WGS-84 lon/lat inside the "
            "province (about 114.8–122.7 E, 34.4–38.4 N); convert GCJ-02/BD-09 first",
        ),
        "scn_no_county": (
            "{where_zh}：点 ({x}, {y}) 不在任何县级行政区内（海岸或边界缝隙）：请移到县内陆地上",
            "{where}: point ({x}, {y}) is in no county-level unit (coast or boundary gap): "
            "move it onto land inside a county",
        ),
    }
)


def _point_problems(at: dict[str, str], lon: Any, lat: Any) -> list[Problem]:
    if not all(isinstance(v, float) and math.isfinite(v) for v in (lon, lat)):
        return [problem("scn_bad_point", lon=lon, lat=lat, **at)]
    return []


def validate(scenario: Scenario, firms: pd.DataFrame | None = None) -> None:
    """Raise :class:`ScenarioError` listing every problem of ``scenario`` (edits run in order).

    Parameters
    ----------
    scenario
        The scenario to check.
    firms
        The baseline firm table (``firm_id`` column); ``None`` skips the checks that need it.

    Raises
    ------
    ScenarioError
        ``.problems`` lists every problem, each naming the edit (1-based), the field, the
        value, what is allowed and the fix. Checked: the name rule; every field's type (a list
        or object where text or a number belongs is a problem, not a crash); firm ids exist
        (in ``firms`` or added by an earlier edit, not removed since) and new ones are unique;
        chain and node codes exist (:mod:`layout.chains`); coordinates are finite, inside
        Shandong (:func:`geo.boundaries.shandong_outline`) and inside a county; figures are
        ≥ 0 or null; site kinds and ids; county adcodes, frames, zone codes, and that a
        county added to a zone is not already in it (removed: is in it).

    Examples
    --------
    >>> validate(Scenario("ok", (RemoveFirm("ANCHOR-001"),)), demo_firms())  # doctest: +SKIP
    >>> validate(Scenario("empty"))  # an empty scenario is valid: it is the baseline
    """
    from geo.boundaries import load_counties, shandong_outline
    from geo.frames import FRAMES, membership, zone_table
    from layout.chains import load_chains

    problems: list[Problem] = []
    try:
        check_layer_name(scenario.name, argument="scenario name")
    except WorkspaceError:
        problems.append(problem("scn_bad_name", value=scenario.name, rule=LAYER_NAME_RULE))
    typed: list[tuple[int, Any, dict[str, str]]] = []
    for i, edit in enumerate(scenario.edits, start=1):
        at = where(i, getattr(edit, "type", type(edit).__name__))
        if not isinstance(edit, tuple(EDIT_TYPES.values())):
            problems.append(problem("scn_not_an_edit", types=", ".join(EDIT_TYPES), **at))
            continue
        found = field_problems(edit, at)
        problems += found
        if not found:  # only well-typed edits go on (a list id would not even hash)
            typed.append((i, edit, at))
    chains = load_chains()
    counties = set(load_counties()["adcode"])
    ids = _known_ids([e for _, e, _ in typed], firms)
    example = str(firms["firm_id"].iloc[0]) if firms is not None and len(firms) else ""
    site_ids: set[str] = set()
    members: dict[str, set[tuple[str, str]]] = {}
    points: list[tuple[dict[str, str], float, float]] = []

    def chain_node(at: dict[str, str], chain: Any, nodes: Iterable[Any]) -> None:
        if chain not in chains:
            problems.append(
                problem("scn_unknown_chain", value=chain, valid=", ".join(chains), **at)
            )
            return
        g = chains[chain]
        for node in nodes:
            if node not in g:
                problems.append(
                    problem(
                        "scn_unknown_node",
                        value=node,
                        chain=chain,
                        valid=", ".join(g.nodes),
                        **at,
                    )
                )

    def figure(at: dict[str, str], name: str, value: Any) -> None:
        if value is not None and not (
            isinstance(value, float) and math.isfinite(value) and value >= 0
        ):
            problems.append(problem("scn_bad_figure", field=name, value=value, **at))

    for _i, edit, at in typed:
        if isinstance(edit, AddFirm):
            if not edit.firm_id.strip():
                problems.append(problem("scn_firm_id_text", value=edit.firm_id, **at))
            elif ids is not None and edit.firm_id in ids:
                problems.append(
                    problem(
                        "scn_firm_id_exists",
                        value=edit.firm_id,
                        example=f"{scenario.name}-1",
                        **at,
                    )
                )
            elif ids is not None:
                ids.add(edit.firm_id)
            if not edit.name.strip():
                problems.append(problem("scn_name_text", value=edit.name, **at))
            chain_node(at, edit.chain, [edit.node])
            figure(at, "employees", edit.employees)
            figure(at, "output", edit.output)
            found = _point_problems(at, edit.lon, edit.lat)
            problems.extend(found)
            if not found:
                points.append((at, edit.lon, edit.lat))
        elif isinstance(edit, MoveFirm | RemoveFirm):
            if ids is not None and edit.firm_id not in ids:
                problems.append(
                    problem("scn_unknown_firm", value=edit.firm_id, example=example, **at)
                )
            if isinstance(edit, RemoveFirm) and ids is not None:
                ids.discard(edit.firm_id)
            if isinstance(edit, MoveFirm):
                found = _point_problems(at, edit.lon, edit.lat)
                problems.extend(found)
                if not found:
                    points.append((at, edit.lon, edit.lat))
        elif isinstance(edit, AddSite):
            if edit.kind not in SITE_KINDS:
                problems.append(
                    problem(
                        "scn_unknown_site_kind", value=edit.kind, valid=", ".join(SITE_KINDS), **at
                    )
                )
            if not edit.site_id.strip():
                problems.append(problem("scn_site_id_text", value=edit.site_id, **at))
            elif edit.site_id in site_ids:
                problems.append(problem("scn_site_id_twice", value=edit.site_id, **at))
            site_ids.add(edit.site_id)
            if edit.chain is not None:
                chain_node(at, edit.chain, edit.nodes)
            elif edit.nodes:
                problems.append(problem("scn_nodes_without_chain", nodes=list(edit.nodes), **at))
            found = _point_problems(at, edit.lon, edit.lat)
            problems.extend(found)
            if not found:
                points.append((at, edit.lon, edit.lat))
        elif isinstance(edit, ChangeZoneMembership):
            problems += _membership_problems(
                edit, at, counties, members, FRAMES, zone_table, membership
            )
    if points:
        outline = shandong_outline()
        lon = np.array([p[1] for p in points])
        lat = np.array([p[2] for p in points])
        inside = shapely.covers(outline, shapely.points(lon, lat))
        adcodes = join_points(lon, lat)
        for (at, x, y), ok, code in zip(points, inside, adcodes, strict=True):
            if not ok:
                problems.append(problem("scn_outside", x=x, y=y, **at))
            elif pd.isna(code):
                problems.append(problem("scn_no_county", x=x, y=y, **at))
    if problems:
        raise ScenarioError(problems)


def _membership_problems(
    edit: ChangeZoneMembership,
    at: dict[str, str],
    counties: set[str],
    members: dict[str, set[tuple[str, str]]],
    frames: Iterable[str],
    zone_table: Any,
    membership: Any,
) -> list[Problem]:
    """Problems of one zone-membership edit; ``members`` carries the edited state along."""
    out: list[Problem] = []
    ok = True
    if edit.action not in ACTIONS:
        out.append(problem("scn_unknown_action", value=edit.action, valid=", ".join(ACTIONS), **at))
        ok = False
    if edit.adcode not in counties:
        out.append(problem("scn_unknown_adcode", value=edit.adcode, **at))
        ok = False
    frames = list(frames)
    if edit.frame not in frames:
        out.append(problem("scn_unknown_frame", value=edit.frame, valid=", ".join(frames), **at))
        return out
    zones = zone_table(edit.frame)["zone_code"].tolist()
    if edit.zone_code not in zones:
        out.append(
            problem(
                "scn_unknown_zone",
                value=edit.zone_code,
                frame=edit.frame,
                valid=", ".join(zones),
                **at,
            )
        )
        return out
    if not ok:
        return out
    table = membership(edit.frame)
    state = members.setdefault(
        edit.frame, set(zip(table["adcode"], table["zone_code"], strict=True))
    )
    key = (edit.adcode, edit.zone_code)
    params = {"adcode": edit.adcode, "zone": edit.zone_code, "frame": edit.frame, **at}
    if edit.action == "add" and key in state:
        out.append(problem("scn_already_member", **params))
    elif edit.action == "remove" and key not in state:
        out.append(problem("scn_not_member", **params))
    (state.add if edit.action == "add" else state.discard)(key)
    return out


def _known_ids(edits: list[Any], firms: pd.DataFrame | None) -> set[str] | None:
    """The firm ids the edits name that exist in ``firms`` (one vectorised lookup)."""
    if firms is None:
        return None
    named = {str(e.firm_id) for e in edits if isinstance(e, AddFirm | MoveFirm | RemoveFirm)}
    if not named:
        return set()
    col = firms["firm_id"]
    hit = col[col.astype(str).isin(named).to_numpy()]
    return set(hit.astype(str))


def join_points(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """County adcode of each WGS-84 point (``NaN`` outside every county)."""
    from geo.joins import join_counties

    pts = gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326")
    return join_counties(pts).to_numpy(dtype=object)
