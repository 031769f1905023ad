"""The scenario model: edits, :class:`Scenario`, and their JSON (schema version 1).

Scenario JSON (``Scenario.to_json``; keys sorted, no spaces)::

    {"description": "…", "edits": [{"type": "add_firm", "firm_id": "S-1", "name": "…",
     "lon": 118.8, "lat": 37.0, "chain": "LED", "node": "epi", "employees": 50.0,
     "output": null}, …], "name": "shouguang-epi", "schema_version": 1}

Edit ``type`` values: ``add_firm``, ``move_firm``, ``remove_firm``, ``add_site``,
``change_zone_membership``; the other keys are the fields of the edit classes below.

Reading is strict and bounded: JSON text goes through :func:`geo.safe_json.loads` (size,
depth, items and string-length limits, UTF-8 only), every field must have its type (text,
a number, a number or null, a list of text — ids, adcodes and frames may also be whole
numbers and become text), and a scenario holds at most ``max_items`` edits
(``CLUSTER_ATLAS_JSON_MAX_ITEMS``, default 10,000). Every problem is reported at once in
one :class:`~layout.scenarios.errors.ScenarioError`.
"""

from __future__ import annotations

import dataclasses
import json
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from geo.problems import Problem, problem, register_messages
from geo.safe_json import ENV, JsonLimitError, JsonLimits, loads
from layout.scenarios.errors import ScenarioError

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
    "edit_from_dict",
    "field_problems",
    "where",
]

SCHEMA_VERSION = 1
SITE_KINDS = ("cluster", "park")
ACTIONS = ("add", "remove")

register_messages(
    {
        "scn_unknown_keys": (
            "{where_zh}：未知的键 {keys}；允许的键为 type, {allowed}",
            "{where}: unknown key(s) {keys}; allowed keys are type, {allowed}",
        ),
        "scn_missing_keys": (
            "{where_zh}：缺少键 {keys}；必需的键为 {required}",
            "{where}: missing key(s) {keys}; required keys are {required}",
        ),
        "scn_field_type": (
            "{where_zh}：{field} 的值 {shown} 应为{expected_zh}",
            "{where}: {field} {shown} must be {expected}",
        ),
        "scn_edit_not_object": (
            '{where_zh}：一项修改必须是 JSON 对象，而不是 {kind}；请写成 {{"type": …}}，type 可选 {types}',
            '{where}: an edit must be a JSON object, not {kind}: write {{"type": …, …}} with '
            "type one of {types}",
        ),
        "scn_unknown_type": (
            "{where_zh}：修改类型 {shown} 未知：可选 {types}",
            "{where}: edit type {shown} is unknown: use one of {types}",
        ),
        "scn_schema_version": (
            "不支持 schema_version {shown}：本版本可读 1..{latest}；请升级 cluster-atlas 以读取更新的情景",
            "schema_version {shown} is not supported: this version reads 1..{latest}; upgrade "
            "cluster-atlas to read newer scenarios",
        ),
        "scn_edits_not_list": (
            "edits 必须是由修改对象组成的 JSON 列表，而不是 {kind}",
            "edits must be a JSON list of edit objects, not {kind}",
        ),
        "scn_missing_name": (
            "缺少键 'name'：请为情景命名",
            "missing key 'name': give the scenario a name",
        ),
        "scn_description_type": (
            "description 的值 {shown} 应为文本或 null",
            "description {shown} must be text or null",
        ),
        "scn_too_many_edits": (
            "情景有 {n:,} 项修改，超过上限 {limit:,} 项（可设置环境变量 {env} 提高上限）",
            "the scenario has {n:,} edits, more than the limit of {limit:,} (set {env} to raise "
            "it)",
        ),
        "scn_not_object": (
            "情景 JSON 必须是含 name、description 和 edits 的对象",
            "scenario JSON must be an object with name, description and edits",
        ),
    }
)

# field kind → (check, English expectation, Chinese expectation)
_KINDS: dict[str, tuple[str, str]] = {
    "text": ("text", "文本"),
    "id": ("text (or a whole number)", "文本（或整数）"),
    "number": ("a number", "数"),
    "number?": ("a number or null", "数或 null"),
    "text?": ("text or null", "文本或 null"),
    "texts": ("a list of text", "文本列表"),
}


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_)


def _is_id(v: Any) -> bool:
    return isinstance(v, str) or (isinstance(v, numbers.Integral) and not isinstance(v, bool))


_CHECKS = {
    "text": lambda v: isinstance(v, str),
    "id": _is_id,
    "number": _is_number,
    "number?": lambda v: v is None or _is_number(v),
    "text?": lambda v: v is None or isinstance(v, str),
    "texts": lambda v: isinstance(v, list | tuple) and all(isinstance(x, str) for x in v),
}


def where(i: int | None, kind: str) -> dict[str, str]:
    """Message parameters naming edit ``i`` (1-based) of type ``kind`` in both languages."""
    if i is None:
        return {"where": kind, "where_zh": kind}
    return {"where": f"edit {i} ({kind})", "where_zh": f"第 {i} 项修改（{kind}）"}


def _shown(value: Any, n: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= n else text[: n - 1] + "…"


def field_problems(edit: Any, at: Mapping[str, str]) -> list[Problem]:
    """One problem per field of ``edit`` whose value has the wrong type (``at``: :func:`where`)."""
    kinds: Mapping[str, str] = getattr(type(edit), "_FIELD_KINDS", {})
    out = []
    for name, kind in kinds.items():
        value = getattr(edit, name, None)
        if not _CHECKS[kind](value):
            en, zh = _KINDS[kind]
            out.append(
                problem(
                    "scn_field_type",
                    argument=name,
                    field=name,
                    shown=_shown(value),
                    expected=en,
                    expected_zh=zh,
                    **at,
                )
            )
    return out


def _as_float(value: Any) -> Any:
    """Float for numbers (so 118 and 118.0 serialise alike); anything else is left for checks."""
    if _is_number(value):
        return float(value)
    return value


def _as_text_id(value: Any) -> Any:
    """Text for whole-number ids (``370783`` → ``"370783"``); anything else is left for checks."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        return str(int(value))
    return value


class _EditBase:
    """JSON round trip shared by the edit dataclasses (``type`` key + their fields)."""

    type: ClassVar[str]
    _FIELD_KINDS: ClassVar[dict[str, str]] = {}

    def __post_init__(self) -> None:
        for name, kind in self._FIELD_KINDS.items():
            value = getattr(self, name)
            if kind.startswith("number"):
                value = _as_float(value)
            elif kind == "id":
                value = _as_text_id(value)
            elif kind == "texts" and isinstance(value, list | tuple):
                value = tuple(value)
            object.__setattr__(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with a ``type`` key (tuples become lists)."""
        out: dict[str, Any] = {"type": self.type}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, index: int | None = None) -> Any:
        """Build the edit from :meth:`to_dict` output.

        Unknown or missing keys and values of the wrong type (a list where text belongs, text
        where a number belongs, …) raise one :class:`ScenarioError` listing them all.
        """
        at = where(index, cls.type)
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        required = [
            n
            for n, f in fields.items()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        problems = []
        unknown = sorted(str(k) for k in set(data) - set(fields) - {"type"})
        if unknown:
            problems.append(
                problem(
                    "scn_unknown_keys", keys=", ".join(unknown), allowed=", ".join(fields), **at
                )
            )
        missing = [n for n in required if n not in data]
        if missing:
            problems.append(
                problem(
                    "scn_missing_keys", keys=", ".join(missing), required=", ".join(required), **at
                )
            )
        if problems:
            raise ScenarioError(problems)
        edit = cls(**{k: v for k, v in data.items() if k != "type"})
        problems = field_problems(edit, at)
        if problems:
            raise ScenarioError(problems)
        return edit


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
    _FIELD_KINDS: ClassVar[dict[str, str]] = {
        "firm_id": "id",
        "name": "text",
        "lon": "number",
        "lat": "number",
        "chain": "text",
        "node": "text",
        "employees": "number?",
        "output": "number?",
    }


@dataclass(frozen=True)
class MoveFirm(_EditBase):
    """Move firm ``firm_id`` (from the table or added earlier) to (lon, lat) WGS-84."""

    firm_id: str
    lon: float
    lat: float
    type: ClassVar[str] = "move_firm"
    _FIELD_KINDS: ClassVar[dict[str, str]] = {"firm_id": "id", "lon": "number", "lat": "number"}


@dataclass(frozen=True)
class RemoveFirm(_EditBase):
    """Remove firm ``firm_id`` (closure or relocation out of the province)."""

    firm_id: str
    type: ClassVar[str] = "remove_firm"
    _FIELD_KINDS: ClassVar[dict[str, str]] = {"firm_id": "id"}


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
    _FIELD_KINDS: ClassVar[dict[str, str]] = {
        "kind": "text",
        "site_id": "id",
        "name": "text",
        "lon": "number",
        "lat": "number",
        "chain": "text?",
        "nodes": "texts",
    }


@dataclass(frozen=True)
class ChangeZoneMembership(_EditBase):
    """Add county ``adcode`` to zone ``zone_code`` of ``frame`` (or remove it: ``action="remove"``)."""

    adcode: str
    frame: str
    zone_code: str
    action: str = "add"
    type: ClassVar[str] = "change_zone_membership"
    _FIELD_KINDS: ClassVar[dict[str, str]] = {
        "adcode": "id",
        "frame": "id",
        "zone_code": "text",
        "action": "text",
    }


Edit = AddFirm | MoveFirm | RemoveFirm | AddSite | ChangeZoneMembership
EDIT_TYPES: dict[str, type[_EditBase]] = {
    c.type: c for c in (AddFirm, MoveFirm, RemoveFirm, AddSite, ChangeZoneMembership)
}


def edit_from_dict(data: Mapping[str, Any], *, index: int | None = None) -> Edit:
    """Edit from its dict (``{"type": "add_firm", …}``); an unknown type lists the valid ones.

    ``index`` (1-based) names the edit in messages (``edit 3 (add_firm): …``).
    """
    types = ", ".join(EDIT_TYPES)
    if not isinstance(data, Mapping):
        at = where(index, "?") if index is not None else {"where": "edit", "where_zh": "修改"}
        raise ScenarioError(
            [problem("scn_edit_not_object", kind=type(data).__name__, types=types, **at)]
        )
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in EDIT_TYPES:
        at = where(index, "?") if index is not None else {"where": "edit", "where_zh": "修改"}
        raise ScenarioError(
            [problem("scn_unknown_type", value=kind, shown=_shown(kind), types=types, **at)]
        )
    return EDIT_TYPES[kind].from_dict(data, index=index)


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
    def from_dict(cls, data: Mapping[str, Any], *, limits: JsonLimits | None = None) -> Scenario:
        """Scenario from :meth:`to_dict` output; every bad edit is reported at once.

        ``limits.max_items`` (default from the environment, 10,000) caps the number of edits.
        """
        if not isinstance(data, Mapping):
            raise ScenarioError([problem("scn_not_object")])
        limits = limits if limits is not None else JsonLimits.from_env()
        problems: list[Problem] = []
        version = data.get("schema_version", SCHEMA_VERSION)
        if (
            not isinstance(version, int)
            or isinstance(version, bool)
            or version > SCHEMA_VERSION
            or version < 1
        ):
            problems.append(
                problem("scn_schema_version", shown=_shown(version), latest=SCHEMA_VERSION)
            )
        edits: list[Edit] = []
        raw = data.get("edits", [])
        if not isinstance(raw, list | tuple):
            problems.append(problem("scn_edits_not_list", kind=type(raw).__name__))
            raw = []
        if len(raw) > limits.max_items:
            problems.append(
                problem(
                    "scn_too_many_edits", n=len(raw), limit=limits.max_items, env=ENV["max_items"]
                )
            )
            raw = []
        for i, item in enumerate(raw, start=1):
            try:
                edits.append(edit_from_dict(item, index=i))
            except ScenarioError as exc:
                problems.extend(exc.problems)
            except TypeError as exc:  # pragma: no cover - from_dict checks keys first
                problems.append(Problem(f"edit {i}: {exc}"))
        if "name" not in data:
            problems.append(problem("scn_missing_name"))
        description = data.get("description")
        if description is not None and not isinstance(description, str):
            problems.append(problem("scn_description_type", shown=_shown(description)))
        if problems:
            raise ScenarioError(problems)
        return cls(name=data["name"], edits=tuple(edits), description=str(description or ""))

    @classmethod
    def from_json(cls, text: str | bytes, *, limits: JsonLimits | None = None) -> Scenario:
        """Scenario from :meth:`to_json` text (or UTF-8 bytes), read within ``limits``."""
        try:
            data = loads(text, what="scenario JSON", limits=limits)
        except JsonLimitError as exc:
            raise ScenarioError(exc.problems) from exc
        if not isinstance(data, Mapping):
            raise ScenarioError([problem("scn_not_object")])
        return cls.from_dict(data, limits=limits)
