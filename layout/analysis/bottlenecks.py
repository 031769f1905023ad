"""Bottlenecks of a chain in a region: single-firm nodes, critical nodes and the stress test.

The stress test of a region (:func:`layout.gaps.stress_test`) depends on the graph only
through the set of nodes present there, and many regions share one set; its structural part
(which products each present node's loss cuts off, which nodes lie downstream) is computed
once per set and the values of each region are summed onto it — the same rows, in the same
order, as calling :func:`layout.gaps.stress_test` region by region (tested).
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from layout.gaps import supplied_products

__all__ = ["region_bottlenecks"]

_COLUMNS = ["region", "node", "kind", "detail_zh", "detail_en", "value"]


def _structure(g: nx.DiGraph, keep: frozenset[str]) -> list[tuple[str, list[str], list[str]]]:
    """(node, lost products, downstream nodes) of every present node that carries something.

    As :func:`layout.gaps.stress_test` computes them: sorted lists, nodes in sorted order.
    """
    base = supplied_products(g, keep)
    sub = g.subgraph(keep)
    out = []
    for x in sorted(keep):
        lost = sorted(base - supplied_products(g, keep - {x}))
        down = sorted(nx.descendants(sub, x))
        if lost or down:
            out.append((x, lost, down))
    return out


def region_bottlenecks(
    g: nx.DiGraph, n: pd.DataFrame, e: pd.DataFrame, regions: list[str], crit: dict[str, str]
) -> pd.DataFrame:
    """Bottleneck rows of ``regions``: single-firm and critical nodes, the top 3 of the stress test.

    ``n``/``e`` are the region × node firm counts and values, ``crit`` the critical nodes
    (:func:`layout.gaps.critical_nodes`). Columns: region, node, kind (``single_firm``,
    ``articulation``, ``cut``, ``stress``), detail_zh, detail_en, value.
    """
    graph_nodes = list(g)
    pos_r = {r: i for i, r in enumerate(n.index)}
    cols = [n.columns.get_loc(x) for x in graph_nodes]
    nv = n.to_numpy()[:, cols]
    ev = e.reindex(index=n.index, columns=graph_nodes).to_numpy(dtype=float)
    structures: dict[frozenset[str], list[tuple[str, list[str], list[str]]]] = {}
    rows: list[dict[str, Any]] = []
    for r in regions:
        i = pos_r[r]
        here = np.flatnonzero(nv[i] > 0)
        present = [graph_nodes[j] for j in here]
        value = {graph_nodes[j]: float(ev[i, j]) for j in here}
        for j, x in zip(here, present, strict=True):
            if nv[i, j] == 1:
                rows.append(
                    {
                        "region": r,
                        "node": x,
                        "kind": "single_firm",
                        "detail_zh": "该环节在本区域只有1家企业",
                        "detail_en": "only one firm at this node in the region",
                        "value": value[x],
                    }
                )
            if x in crit:
                rows.append(
                    {
                        "region": r,
                        "node": x,
                        "kind": crit[x],
                        "detail_zh": "链条关键节点（关节点/必经环节）",
                        "detail_en": f"structurally critical node ({crit[x]})",
                        "value": value[x],
                    }
                )
        keep = frozenset(present)
        if keep not in structures:
            structures[keep] = _structure(g, keep)
        stress = [
            (x, lost, down, float(sum(value.get(d, 0.0) for d in down)))
            for x, lost, down in structures[keep]
        ]
        stress.sort(key=lambda t: (-t[3], -len(t[2]), -len(t[1]), t[0]))
        for x, lost, down, worth in stress[:3]:
            rows.append(
                {
                    "region": r,
                    "node": x,
                    "kind": "stress",
                    "detail_zh": f"失去该环节将切断下游 {len(down)} 个环节（价值 {worth:,.0f}）"
                    + (f"，终端产品 {', '.join(lost)} 失去全部供给" if lost else ""),
                    "detail_en": f"cuts {len(down)} downstream node(s) worth {worth:,.0f} from "
                    "their inputs"
                    + (f"; final products {', '.join(lost)} lose all supply" if lost else ""),
                    "value": worth,
                }
            )
    return pd.DataFrame(rows, columns=_COLUMNS)
