"""The result of a chain analysis (:class:`ChainAnalysis`) and its JSON shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from layout.regions import region_table

__all__ = ["ChainAnalysis", "json_number", "json_records"]


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
        for code in self.regions:
            nodes = self.nodes[self.nodes["region"] == code].drop(
                columns=["region", "region_name_zh", "region_name_en"]
            )
            regions.append(
                {
                    "region": code,
                    "name_zh": str(names.loc[code, "name_zh"]),
                    "name_en": str(names.loc[code, "name_en"]),
                    "completeness": json_number(self.completeness.get(code, np.nan)),
                    "nodes": json_records(nodes),
                    "bottlenecks": json_records(
                        self.bottlenecks[self.bottlenecks["region"] == code].drop(columns="region")
                    ),
                    "sourcing": json_records(
                        self.sourcing[self.sourcing["region"] == code].drop(columns="region")
                    ),
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
    """Rows of ``df`` as JSON-ready dicts (see :func:`json_number`; lists kept as they are)."""
    return [
        {k: (json_number(v) if not isinstance(v, list) else v) for k, v in r.items()}
        for r in df.to_dict(orient="records")
    ]
