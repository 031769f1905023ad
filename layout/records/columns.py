"""Column mapping: which source header gives which importer field; the rest become extras.

Headers are compared after :func:`header_key` (NFKC, case folded, without spaces, ``_``, ``-``,
``*`` and zero-width marks). A unit in brackets or after a slash (``营业收入(万元)``,
``产值（亿元）``, ``主营业务收入/元``, ``从业人员(人)``) is read off the header: output is converted to
万元 with :data:`OUTPUT_UNITS`; other bracketed notes (``经度(WGS84)``) are ignored. A user's
mapping (``columns=``: source header -> field, ``None`` to ignore a column; or the summary's
field -> header) overrides the guesses; ``"output:元"`` also names the unit of a header that
has none.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from geo.problems import Problem
from layout.records.errors import FirmImportError, file_problem
from layout.records.table import Table
from layout.records.vocabulary import (
    EMPLOYEE_UNITS,
    FIELDS,
    FIRM_COLUMNS,
    HEADER_ALIASES,
    META_ACCEPTED,
    OUTPUT_UNITS,
)

__all__ = [
    "ALIAS_INDEX",
    "ColumnMap",
    "as_header_map",
    "check_user_columns",
    "field_of",
    "guess_fields",
    "header_field_with",
    "header_key",
    "map_columns",
    "split_unit",
]

_HEADER_JUNK = re.compile(r"[\s_\-*\u200b-\u200d\u2060\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_BRACKETED = re.compile(r"^(?P<base>.+?)[(\[【〔](?:单位[:：])?(?P<note>[^)\]】〕]*)[)\]】〕]$")
_SLASH = re.compile(r"^(?P<base>.+?)/(?P<note>[^/]+)$")
_BARE = re.compile(r"^(?P<base>.+?)(?P<note>百万元|千万元|万元|亿元|千元)$")
_MAX_NAME = 60


def header_key(text: str) -> str:
    """A header as compared: NFKC, without spaces, ``_ - *`` and zero-width marks, case-folded.

    >>> header_key(" 产值（万元） "), header_key("Firm_ID")
    ('产值(万元)', 'firmid')
    """
    return _HEADER_JUNK.sub("", unicodedata.normalize("NFKC", text)).casefold()


ALIAS_INDEX: dict[str, tuple[str, int]] = {}
"""Normalised header -> (field, priority) for every alias in :data:`HEADER_ALIASES`."""
for _field, _aliases in HEADER_ALIASES.items():
    for _priority, _alias in enumerate(_aliases):
        ALIAS_INDEX.setdefault(header_key(_alias), (_field, _priority))


def split_unit(header: str) -> tuple[str, int, str | None]:
    """(field, priority, unit or note) a header names; field ``""`` when none.

    >>> split_unit("营业收入(万元)"), split_unit("产值（亿元）"), split_unit("经度")
    (('output', 3, '万元'), ('output', 1, '亿元'), ('lon', 1, None))
    >>> split_unit("主营业务收入/元"), split_unit("县(市、区)")
    (('output', 4, '元'), ('county', 3, None))
    """
    key = header_key(header)
    hit = ALIAS_INDEX.get(key)
    if hit is not None:
        return hit[0], hit[1], None
    for pattern in (_BRACKETED, _SLASH, _BARE):
        m = pattern.match(key)
        if m:
            hit = ALIAS_INDEX.get(m["base"])
            if hit is not None and (pattern is not _BARE or hit[0] == "output"):
                return hit[0], hit[1], m["note"].strip() or None
    return "", 0, None


def field_of(header: str) -> str:
    """The field a header names ('' for none)."""
    return split_unit(header)[0]


@dataclass
class ColumnMap:
    """The mapping used for one table."""

    fields: dict[str, int]
    """Field -> column index."""
    extras: list[tuple[int, str]]
    """(column index, output name) of every other column."""
    used: dict[str, str]
    """Field -> source header (the ``columns`` of the summary; ``columns=`` takes it back)."""
    units: dict[str, dict[str, object]] = field(default_factory=dict)
    """Field -> ``{"header", "unit", "factor", "assumed"}`` for output and employees."""


def as_header_map(user: Mapping[str, Any] | None) -> dict[str, str | None] | None:
    """A user's mapping in the header -> field form.

    Two forms are accepted: header -> field (``{"企业名称": "name"}``, ``None`` to ignore a
    column) and the summary's own field -> header (``{"name": "企业名称"}``), recognised when every
    key is a field name and no value is one.

    >>> as_header_map({"name": "企业名称", "adcode": "区划码"})
    {'企业名称': 'name', '区划码': 'adcode'}
    >>> as_header_map({"企业名称": "name", "备注": None})
    {'企业名称': 'name', '备注': None}
    """
    if not user or not isinstance(user, Mapping):
        return user  # type: ignore[return-value]  # None, or a shape check_user_columns refuses
    keys_are_fields = all(isinstance(k, str) and k.partition(":")[0] in FIELDS for k in user)
    values_are_fields = any(
        isinstance(v, str) and v.partition(":")[0] in FIELDS for v in user.values()
    )
    if keys_are_fields and not values_are_fields and all(isinstance(v, str) for v in user.values()):
        return {str(header): field for field, header in user.items()}
    return dict(user)


def _user_lookup(user: Mapping[str, str | None] | None) -> dict[str, str | None]:
    return {} if not user else {header_key(str(k)): v for k, v in user.items()}


def check_user_columns(user: object) -> list[Problem]:
    """Problems of a ``columns=`` mapping: its shape, field names and units."""
    if user is None:
        return []
    if not isinstance(user, Mapping):
        return [file_problem("records_columns_shape", argument="columns", kind=type(user).__name__)]
    out = []
    targets: dict[str, str] = {}
    for header, spec in user.items():
        if spec is None or spec == "":
            continue
        if not isinstance(header, str) or not isinstance(spec, str):
            out.append(
                file_problem(
                    "records_columns_shape", argument="columns", kind=f"{header!r}: {spec!r}"
                )
            )
            continue
        name, _, unit = spec.partition(":")
        if name not in FIELDS:
            out.append(
                file_problem(
                    "records_columns_field",
                    argument="columns",
                    header=header,
                    field=name,
                    valid=", ".join(FIELDS),
                )
            )
        elif unit and name != "output" and name != "employees":
            out.append(
                file_problem(
                    "records_columns_unit",
                    argument="columns",
                    header=header,
                    unit=unit,
                    units=", ".join(OUTPUT_UNITS),
                )
            )
        elif unit and unit not in (OUTPUT_UNITS if name == "output" else EMPLOYEE_UNITS):
            units = OUTPUT_UNITS if name == "output" else EMPLOYEE_UNITS
            out.append(
                file_problem(
                    "records_columns_unit",
                    argument="columns",
                    header=header,
                    unit=unit,
                    units=", ".join(units),
                )
            )
        if name in targets:
            out.append(
                file_problem(
                    "records_columns_twice",
                    argument="columns",
                    field=name,
                    headers=f"{targets[name]!r}, {header!r}",
                )
            )
        targets[name] = header
    return out


def header_field_with(user: Mapping[str, str | None] | None) -> Callable[[str], str]:
    """``field_of`` with the user's mapping first (for finding the header row)."""
    lookup = _user_lookup(user)

    def _field(header: str) -> str:
        key = header_key(header)
        if key in lookup:
            spec = lookup[key]
            return "" if not spec else spec.partition(":")[0]
        return field_of(header)

    return _field


def map_columns(table: Table, user: Mapping[str, str | None] | None = None) -> ColumnMap:
    """Map the columns of ``table``; raise listing every problem.

    Raises
    ------
    FirmImportError
        When neither an id nor a name column is found, when no location can be read (no
        lon/lat, geometry, adcode, county or address), when lon comes without lat, when a field
        is given by several columns of the same priority, when a user's header is not in the
        file, or when an output unit is not one of :data:`OUTPUT_UNITS`.
    """
    geometry = table.points is not None
    lookup = _user_lookup(user)
    keys = [header_key(h) for h in table.headers]
    problems: list[Problem] = []
    for k_user in lookup:
        if k_user not in keys:
            problems.append(
                file_problem(
                    "records_columns_missing_header",
                    argument="columns",
                    header=next(h for h in (user or {}) if header_key(str(h)) == k_user),
                    found=str(table.headers),
                )
            )
    chosen: dict[str, list[tuple[int, int, str | None]]] = {}  # field -> (priority, index, unit)
    extras: list[int] = []
    for j, header in enumerate(table.headers):
        if j in table.synthetic:
            extras.append(j)
            continue
        if keys[j] in lookup:
            spec = lookup[keys[j]]
            if not spec:
                extras.append(j)
                continue
            target, _, given = spec.partition(":")
            found_unit = split_unit(header)[2]
            chosen.setdefault(target, []).append((-1, j, given or found_unit))
            continue
        guess, priority, note = split_unit(header)
        if not guess or (geometry and guess in ("lon", "lat")):
            extras.append(j)
        else:
            chosen.setdefault(guess, []).append((priority, j, note))
    fields: dict[str, int] = {}
    units: dict[str, dict[str, object]] = {}
    for name, hits in chosen.items():
        hits.sort()
        if len(hits) > 1 and hits[0][0] == hits[1][0]:
            same = [table.headers[j] for p, j, _ in hits if p == hits[0][0]]
            problems.append(
                file_problem(
                    "records_ambiguous_column", argument=name, field=name, columns=str(same)
                )
            )
        j = hits[0][1]
        unit = hits[0][2]
        fields[name] = j
        extras.extend(jj for _, jj, _ in hits[1:])
        if name == "output":
            factor = OUTPUT_UNITS.get(unit) if unit else 1.0
            if factor is None:
                problems.append(
                    file_problem(
                        "records_output_unit",
                        argument="output",
                        header=table.headers[j],
                        unit=unit,
                        units=", ".join(OUTPUT_UNITS),
                    )
                )
                factor = 1.0
            units[name] = {
                "header": table.headers[j],
                "unit": unit or "万元",
                "factor": factor,
                "assumed": unit is None,
            }
        elif name == "employees" and unit is not None and unit in EMPLOYEE_UNITS:
            units[name] = {
                "header": table.headers[j],
                "unit": unit,
                "factor": EMPLOYEE_UNITS[unit],
                "assumed": False,
            }
    problems += _requirement_problems(fields, geometry, table.headers)
    if problems:
        raise FirmImportError(problems)
    used = {name: table.headers[j] for name, j in sorted(fields.items(), key=lambda kv: kv[1])}
    return ColumnMap(fields, _extra_names(table, extras), used, units)


def guess_fields(table: Table) -> dict[int, str]:
    """Column index -> the field its header names (the best of several per field; never raises).

    What :func:`map_columns` would choose without a user's mapping, for showing the guess.
    """
    geometry = table.points is not None
    best: dict[str, tuple[int, int]] = {}
    for j, header in enumerate(table.headers):
        if j in table.synthetic:
            continue
        name, priority, _ = split_unit(header)
        if not name or (geometry and name in ("lon", "lat")):
            continue
        if name not in best or priority < best[name][0]:
            best[name] = (priority, j)
    return {j: name for name, (_, j) in best.items()}


def _requirement_problems(
    fields: Mapping[str, int], geometry: bool, headers: list[str]
) -> list[Problem]:
    out = []
    found = str(headers)
    if "firm_id" not in fields and "name" not in fields:
        out.append(
            file_problem(
                "records_missing_columns",
                missing="['firm_id' or 'name']",
                accepted=_accepted(("firm_id", "name")),
                found=found,
            )
        )
    has_xy = geometry or ("lon" in fields and "lat" in fields)
    if not geometry and ("lon" in fields) != ("lat" in fields):
        lone, other = ("lon", "lat") if "lon" in fields else ("lat", "lon")
        out.append(
            file_problem(
                "records_half_coordinates",
                argument=other,
                lone=lone,
                other=other,
                accepted=_accepted((other,)),
            )
        )
    elif not has_xy and not {"adcode", "county", "address"} & set(fields):
        out.append(
            file_problem(
                "records_missing_columns",
                missing="['lon' and 'lat', or 'adcode', 'county' or 'address']",
                accepted=_accepted(("lon", "lat", "adcode", "county", "address")),
                found=found,
            )
        )
    return out


def _accepted(names: tuple[str, ...]) -> str:
    return "; ".join(f"{c}: {', '.join(HEADER_ALIASES[c])}" for c in names)


def _extra_names(table: Table, extras: list[int]) -> list[tuple[int, str]]:
    """``extra_<header>`` names that are safe everywhere: no control characters (NUL…), at
    most 60 characters, unique without regard to case (GeoPackage/SQLite columns are not)."""
    used: set[str] = {c.casefold() for c in (*FIRM_COLUMNS, *META_ACCEPTED, "geometry")}
    named: list[tuple[int, str]] = []
    for j in sorted(extras):
        text = _CONTROL.sub(" ", table.headers[j])
        base = ("extra_" + re.sub(r"\s+", " ", text).strip())[:_MAX_NAME].rstrip()
        if base == "extra_":
            base = f"extra_column_{j + 1}"
        out, k = base, 2
        while out.casefold() in used:
            out, k = f"{base}_{k}", k + 1
        used.add(out.casefold())
        named.append((j, out))
    return named
