"""Chain structure and gap logic on graphs and arrays only (no geometry): the math core.

Definitions (DESIGN §3)
-----------------------
* **critical node**: every path from a source (in-degree 0) to a final product (out-degree 0)
  passes through it, or it is an articulation point of the undirected chain graph.
* **node status** in a region: ``strong`` (present and strong), ``weak`` (present, not
  strong), ``missing`` (no firm), ``broken`` (missing and critical).
* **chain completeness** C_r = Σ_n w_n · present(n, r) / Σ_n w_n.
* **stress test**: for each present node n of a region, the final products that lose all
  supply without it and the downstream output cut off from its inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx
import numpy as np
import pandas as pd

__all__ = [
    "articulation_nodes",
    "completeness",
    "critical_nodes",
    "cut_nodes",
    "stress_test",
    "supplied_products",
]


def _sources(g: nx.DiGraph) -> list[str]:
    return sorted(n for n in g if g.in_degree(n) == 0)


def _sinks(g: nx.DiGraph) -> list[str]:
    return sorted(n for n in g if g.out_degree(n) == 0)


def supplied_products(g: nx.DiGraph, present: Iterable[str] | None = None) -> set[str]:
    """Final products of ``g`` reachable from a source through ``present`` nodes only.

    With ``present=None`` every node counts as present. A final product counts only if it is
    present itself. Sources and final products are those of the full template ``g``.
    """
    keep = set(g) if present is None else set(present) & set(g)
    sub = g.subgraph(keep)
    reached: set[str] = set()
    for s in _sources(g):
        if s in keep:
            reached |= {s} | nx.descendants(sub, s)
    return reached & set(_sinks(g))


def cut_nodes(g: nx.DiGraph) -> list[str]:
    """Nodes whose removal leaves no final product supplied from any source."""
    if not supplied_products(g):
        return []
    return sorted(n for n in g if not supplied_products(g, set(g) - {n}))


def articulation_nodes(g: nx.DiGraph) -> list[str]:
    """Articulation points of the undirected chain graph (networkx)."""
    return sorted(nx.articulation_points(g.to_undirected())) if len(g) > 2 else []


def critical_nodes(g: nx.DiGraph) -> dict[str, str]:
    """Critical nodes with the reason: ``cut`` (on every source→product path) or ``articulation``."""
    out = {n: "articulation" for n in articulation_nodes(g)}
    out.update({n: "cut" for n in cut_nodes(g)})
    return dict(sorted(out.items()))


def completeness(presence: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Weighted chain completeness per region.

    Parameters
    ----------
    presence
        Boolean region × node matrix (True = at least one firm).
    weights
        Node weight w_n (missing nodes weigh 1).

    Returns
    -------
    Series named ``completeness`` in [0, 1]; 0 for a region with no node (Σ w = 0 gives NaN).

    Examples
    --------
    >>> p = pd.DataFrame({"a": [True, False], "b": [True, True]}, index=["r1", "r2"])
    >>> completeness(p, {"a": 3.0, "b": 1.0}).tolist()
    [1.0, 0.25]
    """
    w = np.array([float(weights.get(c, 1.0)) for c in presence.columns])
    total = w.sum()
    values = (
        presence.to_numpy(dtype=float) @ w / total if total > 0 else np.full(len(presence), np.nan)
    )
    return pd.Series(values, index=presence.index, name="completeness")


def stress_test(
    g: nx.DiGraph, present: Iterable[str], node_value: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """What each present node carries, for a region.

    For every present node n:

    * ``lost_products`` — final products that the region's present sources reach through
      present nodes but no longer reach once n is removed (they lose *all* supply);
    * ``downstream`` — present nodes downstream of n (its descendants), whose output is cut off
      from n's inputs if n fails; ``value_downstream`` sums their value (``node_value``).

    Sorted by ``value_downstream``, then the number of downstream nodes and of lost products.

    Examples
    --------
    >>> g = nx.DiGraph([("ore", "metal"), ("metal", "parts"), ("parts", "car")])
    >>> stress_test(g, ["ore", "metal", "parts", "car"], {"car": 5.0}).loc[0, "node"]
    'ore'
    """
    keep = set(present) & set(g)
    base = supplied_products(g, keep)
    sub = g.subgraph(keep)
    values = node_value or {}
    rows = []
    for n in sorted(keep):
        lost = sorted(base - supplied_products(g, keep - {n}))
        down = sorted(nx.descendants(sub, n))
        if lost or down:
            rows.append(
                {
                    "node": n,
                    "lost_products": lost,
                    "n_lost": len(lost),
                    "downstream": down,
                    "n_downstream": len(down),
                    "value_downstream": float(sum(values.get(d, 0.0) for d in down)),
                }
            )
    cols = ["node", "lost_products", "n_lost", "downstream", "n_downstream", "value_downstream"]
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(
        ["value_downstream", "n_downstream", "n_lost", "node"],
        ascending=[False, False, False, True],
    ).reset_index(drop=True)
