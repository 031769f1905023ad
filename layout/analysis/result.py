"""The result of a chain analysis (:class:`ChainAnalysis`) and its JSON shape."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from layout.regions import region_table

__all__ = ["ChainAnalysis", "copy_json", "json_number", "json_records"]


@dataclass
class ChainAnalysis:
    """Result of :func:`layout.analysis.analyze_chain`. Tables are tidy; ``to_dict`` gives the JSON shape."""

    chain: str
    name_zh: str
    name_en: str
    level: str
    frame: str
    base: str
    regions: list[str]
    nodes: pd.DataFrame
    completeness: pd.Series
    concentration: dict[str, Any]
    bottlenecks: pd.DataFrame
    sourcing: pd.DataFrame
    structure: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    _state: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (see README, "analyze --json")."""
        regions = []
        names = region_table(self.level, frame=self.frame).set_index("region")
        nodes = _by_region(self.nodes, ["region", "region_name_zh", "region_name_en"])
        bottlenecks = _by_region(self.bottlenecks, ["region"])
        sourcing = _by_region(self.sourcing, ["region"])
        for code in self.regions:
            regions.append(
                {
                    "region": code,
                    "name_zh": str(names.loc[code, "name_zh"]),
                    "name_en": str(names.loc[code, "name_en"]),
                    "completeness": json_number(self.completeness.get(code, np.nan)),
                    "nodes": nodes.get(code, []),
                    "bottlenecks": bottlenecks.get(code, []),
                    "sourcing": sourcing.get(code, []),
                }
            )
        return {
            "chain": {"code": self.chain, "name_zh": self.name_zh, "name_en": self.name_en},
            "level": self.level,
            "frame": self.frame,
            "base": self.base,
            "structure": self.structure,
            "concentration": self.concentration,
            "data": self.data,
            "regions": regions,
        }


def _by_region(df: pd.DataFrame, drop: list[str]) -> dict[Any, list[dict[str, Any]]]:
    """JSON records of ``df`` without the ``drop`` columns, grouped by ``region`` in row order.

    The same records as filtering ``df`` region by region, from one conversion of the table.
    """
    out: dict[Any, list[dict[str, Any]]] = {}
    if "region" not in df:
        return out
    records = json_records(df.drop(columns=[c for c in drop if c in df]))
    for code, rec in zip(df["region"].tolist(), records, strict=True):
        out.setdefault(code, []).append(rec)
    return out


def json_number(v: Any) -> Any:
    """``v`` as a JSON value: floats rounded to 6 decimals (non-finite → ``None``), numpy scalars
    as Python ones, anything else unchanged."""
    if isinstance(v, float | np.floating):
        return None if not np.isfinite(v) else round(float(v), 6)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def json_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``df`` as JSON-ready dicts (see :func:`json_number`; lists kept as they are).

    Converted column by column: the values ``df.to_dict(orient="records")`` gives, each
    through :func:`json_number`, without building a row object per row.
    """
    names = list(df.columns)
    columns = [_json_column(df.iloc[:, i]) for i in range(df.shape[1])]
    if not columns:
        return [{} for _ in range(len(df))]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _json_column(col: pd.Series) -> list[Any]:
    """A column's values as :func:`json_records` gives them (the values iteration yields)."""
    dtype = col.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiubO":
        values = col.to_numpy().tolist()  # Python scalars, as iterating the column gives
        if dtype.kind == "f":
            return [round(v, 6) if math.isfinite(v) else None for v in values]
        if dtype.kind in "iub":
            return values
    else:
        values = list(col)
        if isinstance(dtype, pd.StringDtype):
            return [v if type(v) is str else json_number(v) for v in values]
    return [v if isinstance(v, list) else json_number(v) for v in values]


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON-shaped value (dicts, lists and tuples copied, scalars shared).

    What :func:`copy.deepcopy` gives for such values, without its bookkeeping; anything else
    is deep-copied.
    """
    kind = type(value)
    if kind is dict:
        return {k: copy_json(v) for k, v in value.items()}
    if kind is list:
        return [copy_json(v) for v in value]
    if kind is tuple:
        return tuple(copy_json(v) for v in value)
    if value is None or kind in (str, int, float, bool):
        return value
    return copy.deepcopy(value)
