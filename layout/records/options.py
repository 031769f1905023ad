"""The importer's options, checked all at once: datum, CRS, boundary and the valid chains."""

from __future__ import annotations

import codecs
import csv
import importlib
import math
import numbers
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from geo.datum import STORAGE_CRS, Datum, DatumError, parse_crs, parse_datum
from geo.problems import Problem
from geo.registry import data_path
from layout.records.chainmatch import Vocabulary
from layout.records.columns import check_user_columns
from layout.records.errors import FirmImportError, file_problem
from layout.records.limits import Limits

__all__ = ["Options", "check_options"]

_FALLBACK_BOX = (114.5, 34.2, 123.0, 38.6)  # Shandong's extent, if geo.boundaries is absent


@dataclass
class Options:
    """Checked options of one import."""

    datum: Datum
    crs: pyproj.CRS | None
    boundary: BaseGeometry
    boundary_label: str
    chains: Mapping[str, Collection[Any]] | None
    chains_label: str | None
    vocabulary: Vocabulary | None = None
    columns: Mapping[str, str | None] | None = None
    values: Mapping[str, Any] | None = None
    chain: str | None = None
    limits: Limits = field(default_factory=Limits)
    encoding: str | None = None
    tolerance_km: float = 2.0
    id_scope: str = "table"
    year: int | None = None


def check_options(
    datum: Any,
    crs: Any,
    boundary: Any,
    chains: Any,
    *,
    columns: Any = None,
    values: Any = None,
    chain: Any = None,
    limits: Limits | None = None,
    encoding: Any = None,
    tolerance_km: Any = 2.0,
    id_scope: Any = "table",
    year: Any = None,
) -> Options:
    """Parse every option; raise one :class:`FirmImportError` listing every problem."""
    problems: list[Problem] = []
    parsed_datum = Datum.WGS84
    try:
        parsed_datum = parse_datum(datum)
    except DatumError as exc:
        problems += _argument_problems(exc, f"datum={datum!r}: ")
    parsed_crs: pyproj.CRS | None = None
    try:
        parsed_crs = parse_crs(crs, datum=parsed_datum)
    except DatumError as exc:
        problems += _argument_problems(exc, "")
    geom, b_label = _resolve_boundary(boundary, problems)
    mapping, c_label = _resolve_chains(chains, problems)
    vocab = Vocabulary.build(mapping) if mapping is not None else None
    problems += check_user_columns(columns)
    problems += _chain_option(chain, vocab)
    problems += _values_option(values, vocab)
    limits = limits if limits is not None else Limits()
    problems += limits.problems()
    if encoding is not None:
        try:
            codecs.lookup(str(encoding))
        except LookupError:
            problems.append(
                file_problem("records_unknown_encoding", argument="encoding", encoding=encoding)
            )
    if (
        isinstance(tolerance_km, bool)
        or not isinstance(tolerance_km, int | float)
        or not math.isfinite(tolerance_km)
        or tolerance_km < 0
    ):
        problems.append(
            file_problem(
                "records_bad_tolerance", argument="county_tolerance_km", value=tolerance_km
            )
        )
        tolerance_km = 2.0
    if id_scope not in ("table", "year"):
        problems.append(file_problem("records_bad_id_scope", argument="id_scope", value=id_scope))
        id_scope = "table"
    if year is not None and not (
        isinstance(year, numbers.Integral)
        and not isinstance(year, bool)
        and 1900 <= int(year) <= 2100
    ):
        problems.append(file_problem("records_bad_year", argument="year", value=year))
        year = None
    if problems:
        raise FirmImportError(problems)
    code = vocab.chain_of(chain) if (vocab is not None and chain) else (chain or None)
    return Options(
        parsed_datum,
        parsed_crs,
        geom,
        b_label,
        mapping,
        c_label,
        vocab,
        columns,
        values,
        code,
        limits,
        encoding,
        float(tolerance_km),
        str(id_scope),
        None if year is None else int(year),
    )


def _chain_option(chain: Any, vocab: Vocabulary | None) -> list[Problem]:
    if chain is None or chain == "":
        return []
    if not isinstance(chain, str):
        return [file_problem("records_bad_chain_option", argument="chain", value=chain, valid="")]
    if vocab is not None and vocab.chain_of(chain) is None:
        return [
            file_problem(
                "records_bad_chain_option",
                argument="chain",
                value=chain,
                valid=", ".join(vocab.chains),
            )
        ]
    return []


def _values_option(values: Any, vocab: Vocabulary | None) -> list[Problem]:
    """``values``: ``{"chain": {text: code}, "node": {chain code: {text: node id}}}``."""
    if values is None:
        return []
    if not isinstance(values, Mapping) or set(values) - {"chain", "node"}:
        return [file_problem("records_values_shape", argument="values")]
    out: list[Problem] = []
    chains = values.get("chain") or {}
    nodes = values.get("node") or {}
    if not isinstance(chains, Mapping) or not isinstance(nodes, Mapping):
        return [file_problem("records_values_shape", argument="values")]
    valid = set(vocab.chains) if vocab is not None else None
    for raw, code in chains.items():
        if not isinstance(raw, str) or not isinstance(code, str):
            out.append(file_problem("records_values_shape", argument="values"))
        elif valid is not None and code not in valid:
            out.append(_unknown_target(raw, code, valid))
    for ch, table in nodes.items():
        if not isinstance(table, Mapping):
            out.append(file_problem("records_values_shape", argument="values"))
            continue
        if valid is not None and ch not in valid:
            out.append(_unknown_target(ch, ch, valid))
            continue
        known = set(vocab.node_labels.get(ch, {})) if vocab is not None else None
        for raw, node in table.items():
            if not isinstance(raw, str) or not isinstance(node, str):
                out.append(file_problem("records_values_shape", argument="values"))
            elif known is not None and node not in known:
                out.append(_unknown_target(raw, f"{ch}/{node}", known))
    return out


def _argument_problems(exc: DatumError, prefix: str) -> list[Problem]:
    return [
        file_problem(
            "records_bad_argument",
            argument=p.argument,
            detail=prefix + p.en,
            detail_zh=prefix + p.zh,
        )
        for p in exc.problems
    ]


def _resolve_boundary(boundary: Any, problems: list[Problem]) -> tuple[BaseGeometry, str]:
    label = "argument"
    if boundary is None:
        try:
            from geo.boundaries import shandong_outline
        except ImportError:
            return shapely.box(*_FALLBACK_BOX), "bbox-fallback"
        boundary, label = shandong_outline(), "geo.boundaries.shandong_outline"
    if isinstance(boundary, gpd.GeoDataFrame):
        boundary = boundary.geometry
    if isinstance(boundary, gpd.GeoSeries):
        series = boundary.to_crs(STORAGE_CRS) if boundary.crs is not None else boundary
        boundary = series.union_all() if len(series) else shapely.Polygon()
    if not isinstance(boundary, BaseGeometry) or boundary.is_empty:
        problems.append(
            file_problem("records_bad_boundary", argument="boundary", kind=type(boundary).__name__)
        )
        return shapely.box(*_FALLBACK_BOX), label
    if not shapely.is_prepared(boundary):
        boundary = shapely.from_wkb(shapely.to_wkb(boundary))  # prepare a copy, not the input
        shapely.prepare(boundary)
    return boundary, label


def _resolve_chains(
    chains: Any, problems: list[Problem]
) -> tuple[Mapping[str, Collection[Any]] | None, str | None]:
    if chains is None:
        return _default_chains()
    if not isinstance(chains, Mapping):
        problems.append(
            file_problem("records_bad_chains", argument="chains", kind=type(chains).__name__)
        )
        return None, None
    bad = [
        str(k)
        for k, v in chains.items()
        if isinstance(v, str | bytes) or not isinstance(v, Collection)
    ]
    if bad:
        problems.append(
            file_problem("records_bad_chain_nodes", argument="chains", chains=", ".join(bad[:10]))
        )
        return None, None
    return chains, "argument"


def _default_chains() -> tuple[Mapping[str, Collection[Any]] | None, str | None]:
    try:
        module = importlib.import_module("layout.chains")
    except ModuleNotFoundError as exc:
        if exc.name != "layout.chains":
            raise
        module = None
    if module is not None and hasattr(module, "load_chains"):
        return module.load_chains(), "layout.chains.load_chains"
    path = data_path("chain_nodes")
    if not path.is_file():
        return None, None
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        out: dict[str, set[str]] = {}
        for rec in reader:
            chain = (rec.get("chain") or rec.get("industry_code") or "").strip()
            node = (rec.get("node") or rec.get("node_id") or "").strip()
            if chain and node:
                out.setdefault(chain, set()).add(node)
    return out, "data/chains/nodes.csv"


def _unknown_target(value: Any, target: str, valid: Collection[str]) -> Problem:
    """``values`` maps ``value`` to ``target``, which is not among ``valid``."""
    return file_problem(
        "records_values_target",
        argument="values",
        value=value,
        target=target,
        valid=", ".join(sorted(valid)),
    )
