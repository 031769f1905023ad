"""Scenarios: named lists of edits over the baseline, replayed and compared metric by metric.

"What if we attract an epitaxial-wafer maker to 寿光, or open a park in 滕州?" A
:class:`Scenario` is a name, a description and an ordered tuple of edits:

* :class:`AddFirm`, :class:`MoveFirm`, :class:`RemoveFirm` — change the firm table;
* :class:`AddSite` — a planned cluster site or park (a point). Sites hold no firms, so they
  leave the chain metrics alone; they change the *host* table (:func:`site_hosts`): a park
  counts as a high-tech-zone-like host (``htz_like``) of its county, a cluster site as a
  cluster host, and a county with any host is no longer "uncovered". Siting and coverage code
  reads :func:`site_hosts` to score candidate counties;
* :class:`ChangeZoneMembership` — add a county to, or remove it from, a zone of a plan frame.

:func:`validate` reports every problem of a scenario at once (unknown firm, chain, node,
county or zone; coordinates outside Shandong; bad figures) in one :class:`ScenarioError`.
:func:`apply` replays the edits on a firm table (pure: the input is never changed);
:func:`evaluate` recomputes the chain analysis (with an edited zone membership where the
scenario has one); :func:`diff` compares a scenario with its baseline; :func:`run_scenario`
does all three and saves the result in a :class:`~layout.workspace.Workspace`.

What counts as a change in :func:`diff`: a (region, node) row changed when its status, its
firm count or its value (on the base) changed. Adding one firm also moves the province
totals, so the location quotient of almost every other row shifts a little; those LQ-only
shifts are *not* listed as changes — :attr:`ScenarioDiff.lq_only` counts them and gives the
largest shift. A status that flips in another region (e.g. weak → strong because the top-
quartile cut-off moved) *is* a change and is listed.

Scenario JSON (``Scenario.to_json``; schema version 1; keys sorted, no spaces)::

    {"description": "…", "edits": [{"type": "add_firm", "firm_id": "S-1", "name": "…",
     "lon": 118.8, "lat": 37.0, "chain": "LED", "node": "epi", "employees": 50.0,
     "output": null}, …], "name": "shouguang-epi", "schema_version": 1}

Edit ``type`` values: ``add_firm``, ``move_firm``, ``remove_firm``, ``add_site``,
``change_zone_membership``; the other keys are the fields of the edit classes below.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from layout.workspace import WorkspaceError, check_layer_name

if TYPE_CHECKING:
    from layout.analysis import ChainAnalysis
    from layout.workspace import Workspace

__all__ = [
    "ACTIONS",
    "EDIT_TYPES",
    "SCHEMA_VERSION",
    "SITE_KINDS",
    "AddFirm",
    "AddSite",
    "ChangeZoneMembership",
    "Edit",
    "MoveFirm",
    "RemoveFirm",
    "Scenario",
    "ScenarioDiff",
    "ScenarioError",
    "apply",
    "assign_zone_regions",
    "diff",
    "edit_from_dict",
    "evaluate",
    "load_scenario",
    "run_scenario",
    "scenario_membership",
    "scenario_sites",
    "site_changes",
    "site_hosts",
    "time_one_edit",
    "validate",
]

SCHEMA_VERSION = 1
SITE_KINDS = ("cluster", "park")
ACTIONS = ("add", "remove")
_EDIT_SOURCE = "scenario edit (hypothetical)"


class ScenarioError(ValueError):
    """A scenario (or its JSON, or a diff request) is invalid; ``.problems`` lists every problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in scenario:\n{lines}")


# ----------------------------------------------------------------------------- edits
def _as_float(value: Any) -> Any:
    """Float for numbers (so 118 and 118.0 serialise alike); anything else is left for validate()."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return value


class _EditBase:
    """JSON round trip shared by the edit dataclasses (``type`` key + their fields)."""

    type: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with a ``type`` key (tuples become lists)."""
        out: dict[str, Any] = {"type": self.type}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Build the edit from :meth:`to_dict` output; unknown or missing keys raise ScenarioError."""
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        required = [
            n
            for n, f in fields.items()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        problems = []
        unknown = sorted(set(data) - set(fields) - {"type"})
        if unknown:
            problems.append(
                f"{cls.type}: unknown key(s) {', '.join(unknown)}; allowed keys are "
                f"type, {', '.join(fields)}"
            )
        missing = [n for n in required if n not in data]
        if missing:
            problems.append(
                f"{cls.type}: missing key(s) {', '.join(missing)}; required keys are "
                f"{', '.join(required)}"
            )
        if problems:
            raise ScenarioError(problems)
        return cls(**{k: v for k, v in data.items() if k != "type"})


@dataclass(frozen=True)
class AddFirm(_EditBase):
    """Add a firm at (lon, lat) WGS-84 on ``chain``/``node``; figures may be None (unknown)."""

    firm_id: str
    name: str
    lon: float
    lat: float
    chain: str
    node: str
    employees: float | None = None
    output: float | None = None
    type: ClassVar[str] = "add_firm"

    def __post_init__(self) -> None:
        for name in ("lon", "lat", "employees", "output"):
            object.__setattr__(self, name, _as_float(getattr(self, name)))


@dataclass(frozen=True)
class MoveFirm(_EditBase):
    """Move firm ``firm_id`` (from the table or added earlier) to (lon, lat) WGS-84."""

    firm_id: str
    lon: float
    lat: float
    type: ClassVar[str] = "move_firm"

    def __post_init__(self) -> None:
        for name in ("lon", "lat"):
            object.__setattr__(self, name, _as_float(getattr(self, name)))


@dataclass(frozen=True)
class RemoveFirm(_EditBase):
    """Remove firm ``firm_id`` (closure or relocation out of the province)."""

    firm_id: str
    type: ClassVar[str] = "remove_firm"


@dataclass(frozen=True)
class AddSite(_EditBase):
    """A planned cluster site (``kind="cluster"``) or park (``kind="park"``) at (lon, lat).

    A park counts as a high-tech-zone-like host in its county; a cluster site as a cluster
    host, optionally for ``chain`` and some of its ``nodes``. Neither adds firms.
    """

    kind: str
    site_id: str
    name: str
    lon: float
    lat: float
    chain: str | None = None
    nodes: tuple[str, ...] = ()
    type: ClassVar[str] = "add_site"

    def __post_init__(self) -> None:
        for name in ("lon", "lat"):
            object.__setattr__(self, name, _as_float(getattr(self, name)))
        if isinstance(self.nodes, list | tuple):
            object.__setattr__(self, "nodes", tuple(self.nodes))


@dataclass(frozen=True)
class ChangeZoneMembership(_EditBase):
    """Add county ``adcode`` to zone ``zone_code`` of ``frame`` (or remove it: ``action="remove"``)."""

    adcode: str
    frame: str
    zone_code: str
    action: str = "add"
    type: ClassVar[str] = "change_zone_membership"

    def __post_init__(self) -> None:
        if isinstance(self.frame, int):
            object.__setattr__(self, "frame", str(self.frame))


Edit = AddFirm | MoveFirm | RemoveFirm | AddSite | ChangeZoneMembership
EDIT_TYPES: dict[str, type[_EditBase]] = {
    c.type: c for c in (AddFirm, MoveFirm, RemoveFirm, AddSite, ChangeZoneMembership)
}


def edit_from_dict(data: Mapping[str, Any]) -> Edit:
    """Edit from its dict (``{"type": "add_firm", …}``); an unknown type lists the valid ones."""
    if not isinstance(data, Mapping):
        raise ScenarioError(
            [
                f"an edit must be a JSON object, not {type(data).__name__}: "
                f'write {{"type": …, …}} with type one of {", ".join(EDIT_TYPES)}'
            ]
        )
    kind = data.get("type")
    if kind not in EDIT_TYPES:
        raise ScenarioError([f"edit type {kind!r} is unknown: use one of {', '.join(EDIT_TYPES)}"])
    return EDIT_TYPES[kind].from_dict(data)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Scenario:
    """A named, ordered tuple of edits over the baseline.

    ``name`` follows the workspace layer-name rule (``[A-Za-z0-9_-]``, ≤ 63 characters) so
    its results can be stored as layers; put Chinese text in ``description``.
    """

    name: str
    edits: tuple[Edit, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "edits", tuple(self.edits))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with ``schema_version``."""
        return {
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "description": self.description,
            "edits": [e.to_dict() for e in self.edits],
        }

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, Chinese kept as characters; same scenario → same text."""
        return json.dumps(
            self.to_dict(),
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
            allow_nan=False,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Scenario from :meth:`to_dict` output; every bad edit is reported at once."""
        problems = []
        version = data.get("schema_version", SCHEMA_VERSION)
        if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
            problems.append(
                f"schema_version {version!r} is not supported: this version reads 1..{SCHEMA_VERSION}; "
                "upgrade cluster-atlas to read newer scenarios"
            )
        edits: list[Edit] = []
        raw = data.get("edits", [])
        if not isinstance(raw, list):
            problems.append(f"edits must be a JSON list of edit objects, not {type(raw).__name__}")
            raw = []
        for i, item in enumerate(raw, start=1):
            try:
                edits.append(edit_from_dict(item))
            except (ScenarioError, TypeError) as exc:
                found = exc.problems if isinstance(exc, ScenarioError) else [str(exc)]
                problems.extend(f"edit {i}: {p}" for p in found)
        if "name" not in data:
            problems.append("missing key 'name': give the scenario a name")
        if problems:
            raise ScenarioError(problems)
        return cls(
            name=data["name"], edits=tuple(edits), description=str(data.get("description") or "")
        )

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        """Scenario from :meth:`to_json` text."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError([f"scenario JSON does not parse: {exc}"]) from exc
        if not isinstance(data, Mapping):
            raise ScenarioError(
                ["scenario JSON must be an object with name, description and edits"]
            )
        return cls.from_dict(data)


# ----------------------------------------------------------------------------- validation
def _point_problems(where: str, lon: Any, lat: Any) -> list[str]:
    if not all(isinstance(v, float) and math.isfinite(v) for v in (lon, lat)):
        return [f"{where}: lon/lat ({lon!r}, {lat!r}) must be finite numbers (WGS-84 degrees)"]
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
        value, what is allowed and the fix. Checked: the name rule; firm ids exist (in
        ``firms`` or added by an earlier edit, not removed since) and new ones are unique;
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

    problems: list[str] = []
    try:
        check_layer_name(scenario.name, argument="scenario name")
    except WorkspaceError as exc:
        problems.append(str(exc))
    chains = load_chains()
    counties = set(load_counties()["adcode"])
    ids = _known_ids(scenario, firms)
    example = str(firms["firm_id"].iloc[0]) if firms is not None and len(firms) else ""
    site_ids: set[str] = set()
    members: dict[str, set[tuple[str, str]]] = {}
    points: list[tuple[str, float, float]] = []

    def chain_node(where: str, chain: Any, nodes: Iterable[Any]) -> None:
        if chain not in chains:
            problems.append(
                f"{where}: chain {chain!r} is unknown; valid chains: {', '.join(chains)}"
            )
            return
        g = chains[chain]
        for node in nodes:
            if node not in g:
                problems.append(
                    f"{where}: node {node!r} is not in chain {chain}; its nodes: {', '.join(g.nodes)}"
                )

    def figure(where: str, name: str, value: Any) -> None:
        if value is not None and not (
            isinstance(value, float) and math.isfinite(value) and value >= 0
        ):
            problems.append(f"{where}: {name} {value!r} must be a number >= 0 or null (unknown)")

    for i, edit in enumerate(scenario.edits, start=1):
        where = f"edit {i} ({getattr(edit, 'type', type(edit).__name__)})"
        if isinstance(edit, AddFirm):
            if not isinstance(edit.firm_id, str) or not edit.firm_id.strip():
                problems.append(f"{where}: firm_id {edit.firm_id!r} must be non-empty text")
            elif ids is not None and edit.firm_id in ids:
                problems.append(
                    f"{where}: firm_id {edit.firm_id!r} already exists: choose a new id (e.g. "
                    f"'{scenario.name}-1')"
                )
            elif ids is not None:
                ids.add(edit.firm_id)
            if not isinstance(edit.name, str) or not edit.name.strip():
                problems.append(f"{where}: name {edit.name!r} must be non-empty text")
            chain_node(where, edit.chain, [edit.node])
            figure(where, "employees", edit.employees)
            figure(where, "output", edit.output)
            found = _point_problems(where, edit.lon, edit.lat)
            problems.extend(found)
            if not found:
                points.append((where, edit.lon, edit.lat))
        elif isinstance(edit, MoveFirm | RemoveFirm):
            if ids is not None and str(edit.firm_id) not in ids:
                problems.append(
                    f"{where}: firm_id {edit.firm_id!r} is not in the firm table (nor added by an "
                    f"earlier edit): use an existing firm_id, e.g. {example!r}"
                )
            if isinstance(edit, RemoveFirm) and ids is not None:
                ids.discard(str(edit.firm_id))
            if isinstance(edit, MoveFirm):
                found = _point_problems(where, edit.lon, edit.lat)
                problems.extend(found)
                if not found:
                    points.append((where, edit.lon, edit.lat))
        elif isinstance(edit, AddSite):
            if edit.kind not in SITE_KINDS:
                problems.append(
                    f"{where}: kind {edit.kind!r} is unknown: use one of {', '.join(SITE_KINDS)}"
                )
            if not isinstance(edit.site_id, str) or not edit.site_id.strip():
                problems.append(f"{where}: site_id {edit.site_id!r} must be non-empty text")
            elif edit.site_id in site_ids:
                problems.append(
                    f"{where}: site_id {edit.site_id!r} is used twice: give each site its own id"
                )
            site_ids.add(str(edit.site_id))
            if edit.chain is not None:
                chain_node(where, edit.chain, edit.nodes)
            elif edit.nodes:
                problems.append(
                    f"{where}: nodes {list(edit.nodes)} given without a chain: set chain too"
                )
            found = _point_problems(where, edit.lon, edit.lat)
            problems.extend(found)
            if not found:
                points.append((where, edit.lon, edit.lat))
        elif isinstance(edit, ChangeZoneMembership):
            ok = True
            if edit.action not in ACTIONS:
                problems.append(
                    f"{where}: action {edit.action!r} is unknown: use one of {', '.join(ACTIONS)}"
                )
                ok = False
            if edit.adcode not in counties:
                problems.append(
                    f"{where}: adcode {edit.adcode!r} is not a county-level unit of Shandong: "
                    "use a 6-digit county adcode such as 370783 (寿光市)"
                )
                ok = False
            if edit.frame not in FRAMES:
                problems.append(
                    f"{where}: frame {edit.frame!r} is unknown: use one of {', '.join(FRAMES)}"
                )
                continue
            zones = zone_table(edit.frame)["zone_code"].tolist()
            if edit.zone_code not in zones:
                problems.append(
                    f"{where}: zone {edit.zone_code!r} is not in frame {edit.frame}: use one of "
                    f"{', '.join(zones)}"
                )
                continue
            if not ok:
                continue
            state = members.setdefault(
                edit.frame,
                set(
                    zip(
                        membership(edit.frame)["adcode"],
                        membership(edit.frame)["zone_code"],
                        strict=True,
                    )
                ),
            )
            key = (edit.adcode, edit.zone_code)
            if edit.action == "add" and key in state:
                problems.append(
                    f"{where}: county {edit.adcode} is already in zone {edit.zone_code} "
                    f"({edit.frame}): drop the edit"
                )
            elif edit.action == "remove" and key not in state:
                problems.append(
                    f"{where}: county {edit.adcode} is not in zone {edit.zone_code} "
                    f"({edit.frame}): nothing to remove"
                )
            (state.add if edit.action == "add" else state.discard)(key)
        else:
            problems.append(f"{where}: not an edit object; use one of {', '.join(EDIT_TYPES)}")
    if points:
        outline = shandong_outline()
        lon = np.array([p[1] for p in points])
        lat = np.array([p[2] for p in points])
        inside = shapely.covers(outline, shapely.points(lon, lat))
        adcodes = _join(lon, lat)
        for (where, x, y), ok, code in zip(points, inside, adcodes, strict=True):
            if not ok:
                problems.append(
                    f"{where}: point ({x}, {y}) lies outside Shandong: give WGS-84 lon/lat inside the "
                    "province (about 114.8–122.7 E, 34.4–38.4 N); convert GCJ-02/BD-09 first"
                )
            elif pd.isna(code):
                problems.append(
                    f"{where}: point ({x}, {y}) is in no county-level unit (coast or boundary gap): "
                    "move it onto land inside a county"
                )
    if problems:
        raise ScenarioError(problems)


def _known_ids(scenario: Scenario, firms: pd.DataFrame | None) -> set[str] | None:
    """The firm ids the scenario's edits name that exist in ``firms`` (one vectorised lookup)."""
    if firms is None:
        return None
    named = {
        str(e.firm_id) for e in scenario.edits if isinstance(e, AddFirm | MoveFirm | RemoveFirm)
    }
    if not named:
        return set()
    col = firms["firm_id"]
    hit = col[col.astype(str).isin(named).to_numpy()]
    return set(hit.astype(str))


def _join(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    from geo.joins import join_counties

    pts = gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326")
    return join_counties(pts).to_numpy(dtype=object)


# ----------------------------------------------------------------------------- apply
def apply(scenario: Scenario, firms: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Firm table after ``scenario``'s firm edits, replayed in order; ``firms`` is not changed.

    Parameters
    ----------
    scenario
        The scenario; it is validated against ``firms`` first.
    firms
        Baseline firms (``firm_id``, ``chain``, ``node``, figures, point geometry). Site and
        membership edits do not touch the firm table (see :func:`scenario_sites`,
        :func:`scenario_membership`).

    Returns
    -------
    GeoDataFrame
        Same columns and dtypes, index reset. Added firms carry ``source = "scenario
        <name>"``, ``verification`` and ``location_quality`` saying they are hypothetical and
        ``synthetic = False``; moved firms get that ``location_quality``. Only added and moved
        firms are joined to counties (``adcode``); every other row is kept as given.

    Raises
    ------
    ScenarioError
        From :func:`validate`.
    """
    validate(scenario, firms)
    out = firms.reset_index(drop=True)  # a fresh frame with unique labels (the input is left alone)
    ids = out["firm_id"].astype(str)
    added: dict[str, dict[str, Any]] = {}
    moved: dict[str, tuple[float, float]] = {}
    removed: set[str] = set()
    for edit in scenario.edits:
        if isinstance(edit, AddFirm):
            added[edit.firm_id] = {
                "firm_id": edit.firm_id,
                "name": edit.name,
                "chain": edit.chain,
                "node": edit.node,
                "employees": np.nan if edit.employees is None else edit.employees,
                "output": np.nan if edit.output is None else edit.output,
                "lon": edit.lon,
                "lat": edit.lat,
            }
        elif isinstance(edit, MoveFirm):
            if edit.firm_id in added:
                added[edit.firm_id] |= {"lon": edit.lon, "lat": edit.lat}
            else:
                moved[str(edit.firm_id)] = (edit.lon, edit.lat)
        elif isinstance(edit, RemoveFirm):
            if edit.firm_id in added:
                del added[edit.firm_id]
            else:
                removed.add(str(edit.firm_id))
                moved.pop(str(edit.firm_id), None)
    out = out[~ids.isin(removed).to_numpy()]
    edited = np.zeros(len(out), dtype=bool)
    if moved:
        hit = out["firm_id"].astype(str).isin(moved)
        edited |= hit.to_numpy()
        where = out.index[hit.to_numpy()]
        xy = [moved[str(i)] for i in out.loc[where, "firm_id"]]
        pts = gpd.GeoSeries(shapely.points([p[0] for p in xy], [p[1] for p in xy]), crs="EPSG:4326")
        out.loc[where, out.geometry.name] = (
            pts.to_crs(out.crs).to_numpy() if out.crs is not None else pts.to_numpy()
        )
        if "adcode" in out:
            out.loc[where, "adcode"] = pd.NA
        if "location_quality" in out:
            out.loc[where, "location_quality"] = _EDIT_SOURCE
    if added:
        out = _append_firms(out, list(added.values()), scenario.name)
        edited = np.concatenate([edited, np.ones(len(added), dtype=bool)])
    out = out.reset_index(drop=True)
    if edited.any():  # join only what the edits placed; other rows keep their adcode as given
        from layout.regions import ensure_adcode

        if "adcode" not in out:
            out["adcode"] = pd.Series(pd.NA, index=out.index, dtype="string")
        joined = ensure_adcode(out.loc[edited])["adcode"]
        out["adcode"] = out["adcode"].astype(object)
        out.loc[edited, "adcode"] = joined.astype(object).to_numpy()
        out["adcode"] = out["adcode"].astype(
            firms["adcode"].dtype if "adcode" in firms else "string"
        )
    return out


def _append_firms(
    firms: gpd.GeoDataFrame, records: list[dict[str, Any]], scenario: str
) -> gpd.GeoDataFrame:
    geom = shapely.points([r["lon"] for r in records], [r["lat"] for r in records])
    new = pd.DataFrame(
        index=range(len(records)), columns=[c for c in firms.columns if c != firms.geometry.name]
    )
    extra = {
        "synthetic": False,
        "location_quality": _EDIT_SOURCE,
        "source": f"scenario {scenario}",
        "verification": _EDIT_SOURCE,
        "adcode": pd.NA,
    }
    for col in new.columns:
        if col in records[0]:
            new[col] = [r[col] for r in records]
        elif col in extra:
            new[col] = extra[col]
    for col in ("firm_id", "name", "chain", "node", "employees", "output"):
        if col not in new:
            new[col] = [r[col] for r in records]
    for col in new.columns:
        if col in firms and firms[col].dtype != object:
            with contextlib.suppress(TypeError, ValueError):
                new[col] = new[col].astype(firms[col].dtype)
    pts = gpd.GeoSeries(geom, crs="EPSG:4326")
    if firms.crs is not None:
        pts = pts.to_crs(firms.crs)
    new = gpd.GeoDataFrame(new, geometry=pts.rename(firms.geometry.name))
    return pd.concat(
        [firms, new[list(firms.columns) + [c for c in new.columns if c not in firms]]],
        ignore_index=True,
    )


# ----------------------------------------------------------------------------- membership
def scenario_membership(scenario: Scenario, frame: str = "2013") -> pd.DataFrame:
    """County → zone membership of ``frame`` after the scenario's membership edits.

    Same columns as :func:`geo.frames.membership`; added rows have ``verification =
    "scenario edit (hypothetical)"`` and ``source = "scenario <name>"``.
    """
    from geo.frames import membership

    m = membership(frame).copy()
    for edit in scenario.edits:
        if not isinstance(edit, ChangeZoneMembership) or edit.frame != str(frame):
            continue
        hit = (m["adcode"] == edit.adcode) & (m["zone_code"] == edit.zone_code)
        if edit.action == "remove":
            m = m[~hit]
        elif not hit.any():
            row = {c: "" for c in m.columns} | {
                "frame": str(frame),
                "adcode": edit.adcode,
                "zone_code": edit.zone_code,
                "verification": _EDIT_SOURCE,
                "source": f"scenario {scenario.name}",
            }
            m = pd.concat([m, pd.DataFrame([row])], ignore_index=True)
    return m.reset_index(drop=True)


def _membership_frames(scenario: Scenario) -> set[str]:
    return {e.frame for e in scenario.edits if isinstance(e, ChangeZoneMembership)}


def assign_zone_regions(firms: gpd.GeoDataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    """Long table firm row → zone under a given membership table, sorted by row and zone.

    A firm counts in every zone whose members include its county (zones overlap); see
    :func:`layout.regions.assign_regions`, which this calls.
    """
    from layout.regions import assign_regions

    out = assign_regions(firms, level="zone", membership=membership)
    return out.sort_values(["row", "region"], kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- evaluate
def evaluate(
    firms: gpd.GeoDataFrame,
    chain: str,
    *,
    region: str | None = None,
    level: str | None = None,
    frame: str = "2013",
    base: str = "employees",
    membership: pd.DataFrame | None = None,
    graph: nx.DiGraph | None = None,
    permutations: int = 999,
    seed: int = 20150123,
) -> ChainAnalysis:
    """Chain analysis of ``firms`` (:func:`layout.analysis.analyze_chain`) under a scenario's membership.

    Parameters
    ----------
    firms, chain, region, level, frame, base, graph, permutations, seed
        As in :func:`layout.analysis.analyze_chain`.
    membership
        A county → zone table like :func:`geo.frames.membership` (columns ``adcode``,
        ``zone_code``), e.g. from :func:`scenario_membership`; passed to ``analyze_chain``,
        which uses it at level ``zone``. With the shipped membership the result equals
        ``analyze_chain`` (tested); when it differs, ``data["membership"]`` says
        ``edited by a scenario`` and the node reasons carry a note.

    Returns
    -------
    ChainAnalysis
    """
    from layout.analysis import analyze_chain

    result = analyze_chain(
        firms,
        chain,
        region=region,
        level=level,
        frame=frame,
        base=base,
        graph=graph,
        permutations=permutations,
        seed=seed,
        membership=membership,
    )
    if result.data.get("membership") == "edited":
        result.data["membership"] = "edited by a scenario"
    return result


# ----------------------------------------------------------------------------- sites
def scenario_sites(scenario: Scenario) -> gpd.GeoDataFrame:
    """Point layer of the scenario's :class:`AddSite` edits with their county ``adcode``."""
    sites = [e for e in scenario.edits if isinstance(e, AddSite)]
    cols = ["scenario", "site_id", "kind", "name", "chain", "nodes", "adcode"]
    if not sites:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in cols}, geometry=gpd.GeoSeries([], crs="EPSG:4326")
        )
    lon = np.array([s.lon for s in sites], dtype=float)
    lat = np.array([s.lat for s in sites], dtype=float)
    return gpd.GeoDataFrame(
        {
            "scenario": scenario.name,
            "site_id": [s.site_id for s in sites],
            "kind": [s.kind for s in sites],
            "name": [s.name for s in sites],
            "chain": [s.chain or "" for s in sites],
            "nodes": [";".join(s.nodes) for s in sites],
            "adcode": _join(lon, lat),
        },
        geometry=gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326"),
    )


def site_hosts(sites: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Per county: high-tech zones, parks, cluster records and cluster sites it hosts.

    Parameters
    ----------
    sites
        Scenario sites (:func:`scenario_sites`); ``None`` = the baseline (no planned site).

    Returns
    -------
    DataFrame
        One row per county: region (adcode), name_zh, name_en, htz (high-tech zones
        hosted), parks (scenario parks), htz_like = htz + parks — a park counts as a
        high-tech-zone-like host —, clusters (cluster records hosted at county level),
        cluster_sites (scenario cluster sites), covered = any of them. With ``sites=None``
        the uncovered counties are exactly :func:`layout.coverage.uncovered_counties`.
    """
    from geo.boundaries import load_counties
    from geo.sites import load_clusters, load_htz

    counties = load_counties()
    codes = counties["adcode"].tolist()

    def count(values: Iterable[str]) -> pd.Series:
        flat = [c for v in values for c in str(v).split(";") if c]
        return pd.Series(flat, dtype=object).value_counts().reindex(codes, fill_value=0).astype(int)

    htz = count(load_htz()["host_county_adcodes"])
    clusters = count(load_clusters()["host_county_adcodes"])
    sites = sites if sites is not None else scenario_sites(Scenario("none"))
    parks = count(sites.loc[sites["kind"] == "park", "adcode"].dropna())
    csites = count(sites.loc[sites["kind"] == "cluster", "adcode"].dropna())
    out = pd.DataFrame(
        {
            "region": codes,
            "name_zh": counties["name_zh"].to_numpy(),
            "name_en": counties["name_en"].to_numpy(),
            "htz": htz.to_numpy(),
            "parks": parks.to_numpy(),
            "clusters": clusters.to_numpy(),
            "cluster_sites": csites.to_numpy(),
        }
    )
    out.insert(5, "htz_like", out["htz"] + out["parks"])
    out["covered"] = (out["htz_like"] + out["clusters"] + out["cluster_sites"]) > 0
    return out


def site_changes(scenario: Scenario) -> pd.DataFrame:
    """Counties whose hosts change under ``scenario``: before/after htz_like, cluster hosts, covered."""
    before = site_hosts()
    after = site_hosts(scenario_sites(scenario))
    out = pd.DataFrame(
        {
            "region": before["region"],
            "name_zh": before["name_zh"],
            "name_en": before["name_en"],
            "htz_like_before": before["htz_like"],
            "htz_like_after": after["htz_like"],
            "cluster_hosts_before": before["clusters"] + before["cluster_sites"],
            "cluster_hosts_after": after["clusters"] + after["cluster_sites"],
            "covered_before": before["covered"],
            "covered_after": after["covered"],
        }
    )
    changed = (out["htz_like_before"] != out["htz_like_after"]) | (
        out["cluster_hosts_before"] != out["cluster_hosts_after"]
    )
    return out[changed].reset_index(drop=True)


# ----------------------------------------------------------------------------- diff
_CONCENTRATION = (
    ("chain_value", ("chain_value",)),
    ("hhi_chain", ("hhi_chain",)),
    ("gini", ("gini",)),
    ("theil", ("theil", "total")),
    ("spatial_gini", ("spatial_gini", "gini")),
    ("moran_i", ("moran", "I")),
)
_NODE_COLUMNS = [
    "region",
    "region_name_zh",
    "region_name_en",
    "node",
    "name_zh",
    "name_en",
    "status_before",
    "status_after",
    "status_zh_before",
    "status_zh_after",
    "n_firms_before",
    "n_firms_after",
    "value_before",
    "value_after",
    "lq_before",
    "lq_after",
    "class_before",
    "class_after",
]


@dataclass
class ScenarioDiff:
    """Side-by-side comparison of a scenario with its baseline (see :func:`diff`).

    Attributes
    ----------
    nodes
        (region, node) rows whose status, firm count or value changed — nothing else.
    completeness
        Every region: before, after, delta (``changed`` flags delta ≠ 0).
    concentration
        metric, before, after, delta for chain_value, hhi_chain, gini, theil, spatial_gini, moran_i.
    lq_only
        ``{"rows": k, "max_abs_shift": x}`` — rows whose only change is their LQ.
    sites
        Counties whose hosts changed (:func:`site_changes`), empty without site edits.
    """

    chain: str
    name_zh: str
    name_en: str
    level: str
    frame: str
    base: str
    nodes: pd.DataFrame
    completeness: pd.DataFrame
    concentration: pd.DataFrame
    lq_only: dict[str, Any]
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenario: str = ""

    @property
    def changed(self) -> bool:
        """Whether anything but LQs changed."""
        return bool(len(self.nodes) or self.completeness["changed"].any() or len(self.sites))

    def summary(self) -> list[str]:
        """Bilingual lines, one per changed (region, node), site host and the concentration.

        >>> d.summary()[0]  # doctest: +SKIP
        '寿光市 MO源/特气: 缺失 → 弱 / Shouguang City mo_gas: missing → weak; completeness 0.27 → 0.36'
        """
        lines: list[str] = []
        comp = self.completeness.set_index("region")
        done: set[str] = set()
        for rec in self.nodes.itertuples(index=False):
            zh = f"{rec.region_name_zh} {rec.name_zh}: {rec.status_zh_before} → {rec.status_zh_after}"
            en = f"{rec.region_name_en} {rec.node}: {rec.status_before} → {rec.status_after}"
            if rec.n_firms_before != rec.n_firms_after and rec.status_before == rec.status_after:
                zh += f"（企业 {rec.n_firms_before} → {rec.n_firms_after}）"
                en += f" (firms {rec.n_firms_before} → {rec.n_firms_after})"
            line = f"{zh} / {en}"
            if (
                rec.region not in done
                and rec.region in comp.index
                and comp.loc[rec.region, "changed"]
            ):
                line += f"; completeness {_fmt(comp.loc[rec.region, 'before'])} → {_fmt(comp.loc[rec.region, 'after'])}"
                done.add(rec.region)
            lines.append(line)
        for rec in self.completeness[self.completeness["changed"]].itertuples(index=False):
            if rec.region not in done:
                lines.append(
                    f"{rec.region_name_zh} 链条完整度 / {rec.region_name_en} completeness: "
                    f"{_fmt(rec.before)} → {_fmt(rec.after)}"
                )
        for rec in self.sites.itertuples(index=False):
            cov_zh = "；由未覆盖转为已覆盖" if rec.covered_after and not rec.covered_before else ""
            cov_en = "; now covered" if rec.covered_after and not rec.covered_before else ""
            lines.append(
                f"{rec.name_zh} 高新区类载体 {rec.htz_like_before} → {rec.htz_like_after}，集群载体 "
                f"{rec.cluster_hosts_before} → {rec.cluster_hosts_after}{cov_zh} / {rec.name_en} HTZ-like hosts "
                f"{rec.htz_like_before} → {rec.htz_like_after}, cluster hosts {rec.cluster_hosts_before} → "
                f"{rec.cluster_hosts_after}{cov_en}"
            )
        moved = self.concentration[self.concentration["delta"].fillna(0) != 0]
        if len(moved):
            parts = ", ".join(
                f"{m} {_fmt(b, 4)} → {_fmt(a, 4)}"
                for m, b, a in zip(moved["metric"], moved["before"], moved["after"], strict=True)
            )
            lines.append(f"全省集中度 / province concentration: {parts}")
        if self.lq_only.get("rows"):
            k, x = self.lq_only["rows"], self.lq_only["max_abs_shift"]
            lines.append(
                f"另有 {k} 行仅区位商随总量变化（最大 {x:.3f}，不计为变化） / {k} other rows changed only "
                f"their LQ as totals moved (largest shift {x:.3f}; not counted as changes)"
            )
        if not lines:
            lines.append("与基线相同 / no change against the baseline")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: chain, level, frame, base, the changed node rows, the regions whose
        completeness changed, concentration before/after, lq_only, site changes and summary lines."""
        return {
            "scenario": self.scenario,
            "chain": {"code": self.chain, "name_zh": self.name_zh, "name_en": self.name_en},
            "level": self.level,
            "frame": self.frame,
            "base": self.base,
            "nodes": _records(self.nodes),
            "completeness": _records(self.completeness[self.completeness["changed"]]),
            "concentration": _records(self.concentration),
            "lq_only": self.lq_only,
            "sites": _records(self.sites),
            "summary": self.summary(),
        }

    def regions_frame(self) -> gpd.GeoDataFrame:
        """Regions of the level as polygons with completeness before/after/delta and changed-node counts.

        For maps (app, QGIS): colour by ``completeness_delta`` or ``nodes_changed``.
        """
        from geo.boundaries import load_cities, load_counties, load_province
        from geo.frames import zone_polygons

        loader: dict[str, Callable[[], gpd.GeoDataFrame]] = {
            "county": load_counties,
            "city": load_cities,
            "province": load_province,
            "zone": lambda: zone_polygons(self.frame).rename(columns={"zone_code": "adcode"}),
        }
        polys = loader[self.level]()[["adcode", "geometry"]].rename(columns={"adcode": "region"})
        comp = self.completeness.rename(
            columns={
                "before": "completeness_before",
                "after": "completeness_after",
                "delta": "completeness_delta",
            }
        )
        counts = self.nodes.groupby("region").size().rename("nodes_changed")
        out = polys.merge(comp, on="region", how="inner").merge(
            counts, left_on="region", right_index=True, how="left"
        )
        out["nodes_changed"] = out["nodes_changed"].fillna(0).astype(int)
        cols = [
            "region",
            "region_name_zh",
            "region_name_en",
            "completeness_before",
            "completeness_after",
            "completeness_delta",
            "changed",
            "nodes_changed",
            "geometry",
        ]
        return gpd.GeoDataFrame(out[cols], geometry="geometry", crs="EPSG:4326")


def _fmt(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return f"{float(v):,.0f}" if abs(float(v)) >= 100 else f"{float(v):.{digits}f}"


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    def clean(v: Any) -> Any:
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v

    return [{str(k): clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _dig(d: Mapping[str, Any], path: tuple[str, ...]) -> float:
    cur: Any = d
    for key in path:
        if not isinstance(cur, Mapping) or key not in cur:
            return float("nan")
        cur = cur[key]
    return float(cur) if isinstance(cur, int | float) and cur is not None else float("nan")


def diff(
    baseline: ChainAnalysis,
    scenario: ChainAnalysis,
    *,
    sites: pd.DataFrame | None = None,
    name: str = "",
) -> ScenarioDiff:
    """Compare a scenario analysis with its baseline (same chain, level, frame and base).

    Parameters
    ----------
    baseline, scenario
        Two :class:`~layout.analysis.ChainAnalysis` results.
    sites
        A :func:`site_changes` table to carry along (site edits change hosts, not chain metrics).
    name
        Scenario name recorded in the diff.

    Returns
    -------
    ScenarioDiff
        A (region, node) row is listed when its status, firm count or value changed (values
        compared with a relative tolerance of 1e-9). LQ-only shifts — every LQ moves when a
        province total moves — are counted in ``lq_only``, not listed (module docstring).
        Completeness is compared per region; concentration on chain_value, hhi_chain
        (Σ_k s_k²), gini, theil, spatial_gini and global Moran's I.

    Raises
    ------
    ScenarioError
        When the two analyses differ in chain, level, frame or base.
    """
    problems = [
        f"{attr} differs: baseline {getattr(baseline, attr)!r}, scenario {getattr(scenario, attr)!r}; "
        "compare analyses made with the same options"
        for attr in ("chain", "level", "frame", "base", "regions")
        if getattr(baseline, attr) != getattr(scenario, attr)
    ]
    if problems:
        raise ScenarioError(problems)
    keys = ["region", "node"]
    keep = ["status", "status_zh", "n_firms", "value", "lq", "strength_class"]
    b = baseline.nodes[[*keys, "region_name_zh", "region_name_en", "name_zh", "name_en", *keep]]
    s = scenario.nodes[[*keys, *keep]]
    m = b.merge(s, on=keys, how="outer", suffixes=("_before", "_after"), indicator=True)
    value_changed = ~np.isclose(
        m["value_before"].fillna(-1.0), m["value_after"].fillna(-1.0), rtol=1e-9, atol=0
    )
    changed = (
        (m["_merge"] != "both")
        | (m["status_before"] != m["status_after"])
        | (m["n_firms_before"] != m["n_firms_after"])
        | value_changed
    )
    lq_b, lq_a = m["lq_before"].to_numpy(dtype=float), m["lq_after"].to_numpy(dtype=float)
    lq_moved = ~(np.isclose(lq_b, lq_a, rtol=1e-9, atol=0) | (np.isnan(lq_b) & np.isnan(lq_a)))
    only = lq_moved & ~changed.to_numpy()
    shift = np.abs(lq_a - lq_b)[only]
    lq_only = {
        "rows": int(only.sum()),
        "max_abs_shift": float(np.nanmax(shift)) if len(shift) else 0.0,
    }
    nodes = m[changed].rename(
        columns={"strength_class_before": "class_before", "strength_class_after": "class_after"}
    )[_NODE_COLUMNS]
    nodes = nodes.reset_index(drop=True)
    regions = list(dict.fromkeys([*baseline.regions, *scenario.regions]))
    names = baseline.nodes.drop_duplicates("region").set_index("region")[
        ["region_name_zh", "region_name_en"]
    ]
    before = baseline.completeness.reindex(regions).to_numpy(dtype=float)
    after = scenario.completeness.reindex(regions).to_numpy(dtype=float)
    comp = pd.DataFrame(
        {
            "region": regions,
            "region_name_zh": names["region_name_zh"].reindex(regions).to_numpy(),
            "region_name_en": names["region_name_en"].reindex(regions).to_numpy(),
            "before": before,
            "after": after,
            "delta": after - before,
        }
    )
    comp["changed"] = ~np.isclose(before, after, rtol=1e-12, atol=1e-12) & ~(
        np.isnan(before) & np.isnan(after)
    )
    conc_rows = []
    for metric, path in _CONCENTRATION:
        vb, va = _dig(baseline.concentration, path), _dig(scenario.concentration, path)
        conc_rows.append({"metric": metric, "before": vb, "after": va, "delta": va - vb})
    return ScenarioDiff(
        chain=baseline.chain,
        name_zh=baseline.name_zh,
        name_en=baseline.name_en,
        level=baseline.level,
        frame=baseline.frame,
        base=baseline.base,
        nodes=nodes,
        completeness=comp,
        concentration=pd.DataFrame(conc_rows),
        lq_only=lq_only,
        sites=sites if sites is not None else pd.DataFrame(),
        scenario=name,
    )


# ----------------------------------------------------------------------------- run
def _touches_analysis(scenario: Scenario, level: str, frame: str) -> bool:
    if any(isinstance(e, AddFirm | MoveFirm | RemoveFirm) for e in scenario.edits):
        return True
    return level == "zone" and frame in _membership_frames(scenario)


def run_scenario(
    workspace: Workspace | None,
    scenario: Scenario,
    firms: gpd.GeoDataFrame,
    chain: str,
    *,
    region: str | None = None,
    level: str | None = None,
    frame: str = "2013",
    base: str = "employees",
    permutations: int = 999,
    baseline: ChainAnalysis | None = None,
    base_firms: str | None = None,
    incremental: bool = True,
) -> tuple[ChainAnalysis, ChainAnalysis, ScenarioDiff]:
    """Baseline analysis, scenario analysis and their diff; saved to ``workspace`` if given.

    Parameters
    ----------
    workspace
        Where to save the scenario (if not saved yet) and the result layers
        ``<scenario>_<chain>_changes`` (node changes), ``<scenario>_<chain>_regions`` (polygons
        with completeness before/after) and, with site edits, ``<scenario>_<chain>_sites`` — in
        one atomic write. ``None``: nothing is written.
    scenario, firms, chain
        The scenario, the baseline firm table and the chain code.
    region, level, frame, base, permutations
        As in :func:`layout.analysis.analyze_chain`.
    baseline
        A baseline analysis computed earlier with the same options and the same ``firms``:
        reused instead of recomputed (the app caches it).
    base_firms
        Firm layer name recorded with a newly saved scenario (default: see
        :meth:`Workspace.save_scenario`).
    incremental
        Recompute only what the edits touch (:func:`layout.analysis.update_chain`: the regions
        holding edited firms or with edited membership, the nodes whose status or firms
        changed) — the result equals a full recompute (tested). ``False``: analyse the edited
        table from scratch.

    Returns
    -------
    (baseline, result, diff)
    """
    from layout.regions import parse_region

    if "adcode" not in firms or firms["adcode"].isna().to_numpy().any():
        from layout.regions import ensure_adcode

        firms = ensure_adcode(firms)  # join once, so edits only join what they place
    parsed = parse_region(region) if region else None
    level_, frame_ = (parsed.level, parsed.frame) if parsed else (level or "county", frame)
    opts: dict[str, Any] = {
        "region": region,
        "level": level,
        "frame": frame,
        "base": base,
        "permutations": permutations,
    }
    touches = _touches_analysis(scenario, level_, frame_)
    edited = apply(scenario, firms) if touches else None  # apply validates the scenario
    if not touches:
        validate(scenario, firms)
    if baseline is None:
        baseline = evaluate(firms, chain, **opts)
    if edited is None:
        result = baseline  # only sites, or membership of a frame not analysed: nothing to recompute
    else:
        membership = (
            scenario_membership(scenario, frame_)
            if level_ == "zone" and frame_ in _membership_frames(scenario)
            else None
        )
        if incremental and baseline._state is not None:
            from layout.analysis import update_chain

            ids = {
                str(e.firm_id)
                for e in scenario.edits
                if isinstance(e, AddFirm | MoveFirm | RemoveFirm)
            }
            result = update_chain(
                baseline,
                edited,
                removed=firms[firms["firm_id"].astype(str).isin(ids).to_numpy()],
                added=edited[edited["firm_id"].astype(str).isin(ids).to_numpy()],
                membership=membership,
            )
            if result.data.get("membership") == "edited":
                result.data["membership"] = "edited by a scenario"
        else:
            # the membership-aware path reproduces analyze_chain on every compared column (tested),
            # so the regular baseline can be compared with it
            result = evaluate(edited, chain, membership=membership, **opts)
    sites = (
        site_changes(scenario)
        if any(isinstance(e, AddSite) for e in scenario.edits)
        else pd.DataFrame()
    )
    d = diff(baseline, result, sites=sites, name=scenario.name)
    if workspace is not None:
        _save_run(
            workspace,
            scenario,
            chain,
            d,
            base_firms,
            bool(result.data.get("synthetic_in_use", False)),
        )
    return baseline, result, d


def _save_run(
    workspace: Workspace,
    scenario: Scenario,
    chain: str,
    d: ScenarioDiff,
    base_firms: str | None,
    synthetic: bool,
) -> None:
    prefix = f"{scenario.name}_{chain}"
    results: dict[str, pd.DataFrame] = {
        f"{prefix}_changes": d.nodes,
        f"{prefix}_regions": d.regions_frame(),
    }
    if len(d.sites):
        results[f"{prefix}_sites"] = d.sites
    problems = []
    for name in results:
        try:
            check_layer_name(name, argument="result layer")
        except WorkspaceError:
            problems.append(
                f"result layer {name!r} is longer than 63 characters: shorten the scenario name "
                f"{scenario.name!r}"
            )
    if problems:
        raise ScenarioError(problems)
    saved = workspace.list_scenarios()["name"].tolist() if workspace.exists() else []
    if scenario.name in saved and load_scenario(workspace, scenario.name) != scenario:
        raise ScenarioError(
            [
                f"a different scenario named {scenario.name!r} is saved in {workspace!r}: rename "
                "this one or save it with overwrite=True first"
            ]
        )
    if scenario.name in saved:
        workspace.save_results(
            results, description=f"scenario {scenario.name}", synthetic=synthetic
        )
    else:
        workspace.save_scenario(
            scenario, base_firms=base_firms, results=results, results_synthetic=synthetic
        )


def load_scenario(workspace: Workspace, name: str) -> Scenario:
    """The scenario saved as ``name`` in ``workspace``, identical (``==`` and JSON) to the one saved.

    The workspace keeps the plain document (:meth:`Workspace.scenario_document`); the scenario
    model owns its serialisation (:meth:`Scenario.from_dict`).
    """
    return Scenario.from_dict(workspace.scenario_document(name))


def time_one_edit(
    scenario: Scenario, firms: gpd.GeoDataFrame, chain: str, *, repeat: int = 3, **options: Any
) -> dict[str, float]:
    """Seconds to apply a scenario with the baseline at hand: incremental vs full recompute.

    Returns ``{"baseline_s", "full_s", "one_edit_s", "speedup"}``: the baseline analysis,
    the scenario recomputed from scratch (``incremental=False``) and incrementally
    (:func:`layout.analysis.update_chain`), each the best of ``repeat`` runs, and their ratio.
    """
    from layout.regions import ensure_adcode

    firms = ensure_adcode(firms)
    t0 = time.perf_counter()
    baseline, _, _ = run_scenario(None, Scenario("none"), firms, chain, **options)
    out = {"baseline_s": time.perf_counter() - t0}
    for key, inc in (("full_s", False), ("one_edit_s", True)):
        best = math.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            run_scenario(
                None, scenario, firms, chain, baseline=baseline, incremental=inc, **options
            )
            best = min(best, time.perf_counter() - t0)
        out[key] = best
    out["speedup"] = out["full_s"] / out["one_edit_s"]
    return out


# ----------------------------------------------------------------------------- CLI
