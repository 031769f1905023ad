"""Bottlenecks of a chain in a region: single-firm nodes, critical nodes and the stress test."""

from __future__ import annotations

import networkx as nx
import pandas as pd

from layout.gaps import stress_test

__all__ = ["region_bottlenecks"]


def region_bottlenecks(
    g: nx.DiGraph, n: pd.DataFrame, e: pd.DataFrame, regions: list[str], crit: dict[str, str]
) -> pd.DataFrame:
    """Bottleneck rows of ``regions``: single-firm and critical nodes, the top 3 of the stress test.

    ``n``/``e`` are the region × node firm counts and values, ``crit`` the critical nodes
    (:func:`layout.gaps.critical_nodes`). Columns: region, node, kind (``single_firm``,
    ``articulation``, ``cut``, ``stress``), detail_zh, detail_en, value.
    """
    rows = []
    for r in regions:
        present = [x for x in g if n.loc[r, x] > 0]
        for x in present:
            if n.loc[r, x] == 1:
                rows.append(
                    {
                        "region": r,
                        "node": x,
                        "kind": "single_firm",
                        "detail_zh": "该环节在本区域只有1家企业",
                        "detail_en": "only one firm at this node in the region",
                        "value": float(e.loc[r, x]),
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
                        "value": float(e.loc[r, x]),
                    }
                )
        st = stress_test(g, present, {x: float(e.loc[r, x]) for x in present})
        for rec in st.head(3).itertuples():
            rows.append(
                {
                    "region": r,
                    "node": rec.node,
                    "kind": "stress",
                    "detail_zh": f"失去该环节将切断下游 {rec.n_downstream} 个环节（价值 {rec.value_downstream:,.0f}）"
                    + (
                        f"，终端产品 {', '.join(rec.lost_products)} 失去全部供给"
                        if rec.lost_products
                        else ""
                    ),
                    "detail_en": f"cuts {rec.n_downstream} downstream node(s) worth {rec.value_downstream:,.0f} from their inputs"
                    + (
                        f"; final products {', '.join(rec.lost_products)} lose all supply"
                        if rec.lost_products
                        else ""
                    ),
                    "value": float(rec.value_downstream),
                }
            )
    return pd.DataFrame(rows, columns=["region", "node", "kind", "detail_zh", "detail_en", "value"])
