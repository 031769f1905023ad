"""The report as an XLSX workbook: summary, chain map, chain edges, then one sheet per list.

When demonstration data is in use, every sheet ends with a ``data_note`` column that says so on
every row (an empty list gets one row holding only the note).

Cells that a spreadsheet would run as formulas are neutralised by :func:`geo.export.to_xlsx`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from layout.chains import STAGES
from layout.reports.model import LISTS, Report
from layout.reports.svg import chain_columns

__all__ = ["SYNTHETIC_NOTE", "write_xlsx", "xlsx_bytes"]

SYNTHETIC_NOTE = "合成示例数据 synthetic demonstration data: figures do not describe real firms"


def _chain_grid(report: Report) -> pd.DataFrame:
    """The chain map as a sheet: one row per stage, one column per flow step, 'name [status]' cells."""
    nodes = report.lists["nodes"]
    g = nx.DiGraph()
    g.add_nodes_from(nodes["node"])
    g.add_edges_from(
        zip(report.edges["source"], report.edges["target"], strict=True)
        if len(report.edges)
        else []
    )
    rank = chain_columns(g)
    width = max(rank.values(), default=0) + 1
    rows = []
    for st in [s for s in STAGES if s in set(nodes["stage"])]:
        part = nodes[nodes["stage"] == st]
        depth = max(sum(rank[n] == k for n in part["node"]) for k in range(width))
        cols: list[list[str]] = [[] for _ in range(width)]
        for rec in part.itertuples():
            cols[rank[rec.node]].append(
                f"{rec.name_zh} / {rec.name_en} [{rec.status}, n={rec.n_firms}]"
            )
        for j in range(depth):
            rows.append(
                {
                    "stage": st if j == 0 else "",
                    **{
                        f"step_{k + 1}": (cols[k][j] if j < len(cols[k]) else "")
                        for k in range(width)
                    },
                }
            )
    return pd.DataFrame(rows)


def _xlsx_sheets(report: Report) -> dict[str, pd.DataFrame]:
    s = report.summary
    head = pd.DataFrame(
        [
            ("chain", report.chain),
            ("chain_name_zh", report.chain_name_zh),
            ("chain_name_en", report.chain_name_en),
            ("region", report.region),
            ("region_name_zh", report.region_name_zh),
            ("region_name_en", report.region_name_en),
            ("level", report.level),
            ("frame", report.frame),
            ("base", report.base),
            ("generated", report.generated),
            (
                "synthetic_data",
                "yes: synthetic demonstration firms, not real figures"
                if report.synthetic
                else "no",
            ),
            *((k, v) for k, v in s.items()),
        ],
        columns=["key", "value"],
    )
    head["value"] = head["value"].map(
        lambda v: v if isinstance(v, int | float | np.number) else str(v)
    )
    sheets = {"summary": head, "chain_map": _chain_grid(report), "chain_edges": report.edges}
    for key in LISTS:
        df = report.lists.get(key, pd.DataFrame())
        sheets[key] = df.drop(columns=[c for c in ("geometry",) if c in df.columns])
    if report.synthetic:
        sheets = {name: _with_data_note(df) for name, df in sheets.items()}
    return sheets


def _with_data_note(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a last column ``data_note`` saying synthetic on every row (one row if empty)."""
    out = df.reset_index(drop=True)
    if out.empty:
        out = pd.DataFrame({c: [None] for c in out.columns}, columns=out.columns)
    out["data_note"] = SYNTHETIC_NOTE  # last, so the sheets' own columns keep their places
    return out


def write_xlsx(report: Report, path: str | os.PathLike[str]) -> Path:
    """Write the workbook: summary, chain_map, chain_edges, then one sheet per list (formulas neutralised)."""
    from geo.export import to_xlsx

    return to_xlsx(_xlsx_sheets(report), path)


def xlsx_bytes(report: Report) -> bytes:
    """The workbook as bytes (for a download button)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = write_xlsx(report, Path(tmp) / "report.xlsx")
        return out.read_bytes()
