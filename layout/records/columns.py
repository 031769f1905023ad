"""Column mapping: which source header gives which importer field; the rest become extras."""

from __future__ import annotations

import re
import unicodedata

from layout.records.errors import FirmImportError, file_problem
from layout.records.table import Table
from layout.records.vocabulary import (
    FIRM_COLUMNS,
    HEADER_ALIASES,
    META_ACCEPTED,
    REQUIRED_COLUMNS,
)

__all__ = ["ALIAS_INDEX", "field_of", "header_key", "map_columns"]

_HEADER_JUNK = re.compile(r"[\s_\-*\u200b-\u200d\u2060\ufeff]+")


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


def field_of(header: str) -> str:
    """The field a header names ('' for none)."""
    return ALIAS_INDEX.get(header_key(header), ("", 0))[0]


def map_columns(table: Table) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Return field -> column index and the extra columns (index, output name).

    Raises
    ------
    FirmImportError
        Listing every required field without a column and every field given by several columns
        of the same priority.
    """
    geometry = table.points is not None
    candidates: dict[str, list[tuple[int, int]]] = {}
    extras: list[int] = []
    for j, header in enumerate(table.headers):
        hit = None if j in table.synthetic else ALIAS_INDEX.get(header_key(header))
        if hit is None or (geometry and hit[0] in ("lon", "lat")):
            extras.append(j)
        else:
            candidates.setdefault(hit[0], []).append((hit[1], j))
    mapping: dict[str, int] = {}
    problems = []
    found = str(table.headers)
    for name, hits in candidates.items():
        hits.sort()
        if len(hits) > 1 and hits[0][0] == hits[1][0]:
            same = [table.headers[j] for p, j in hits if p == hits[0][0]]
            problems.append(
                file_problem(
                    "records_ambiguous_column",
                    argument=name,
                    field=name,
                    columns=str(same),
                )
            )
        mapping[name] = hits[0][1]
        extras.extend(j for _, j in hits[1:])
    needed = [c for c in REQUIRED_COLUMNS if not (geometry and c in ("lon", "lat"))]
    missing = [c for c in needed if c not in mapping]
    if missing:
        accepted = "; ".join(f"{c}: {', '.join(HEADER_ALIASES[c])}" for c in missing)
        problems.insert(
            0,
            file_problem(
                "records_missing_columns", missing=str(missing), accepted=accepted, found=found
            ),
        )
    if problems:
        raise FirmImportError(problems)
    used: set[str] = set(FIRM_COLUMNS) | set(META_ACCEPTED)
    named: list[tuple[int, str]] = []
    for j in sorted(extras):
        base = "extra_" + re.sub(r"\s+", " ", table.headers[j]).strip()
        out, k = base, 2
        while out in used:
            out, k = f"{base}_{k}", k + 1
        used.add(out)
        named.append((j, out))
    return mapping, named
