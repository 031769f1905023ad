"""Chain and node values to chain codes and node ids (codes, then unique Chinese/English names)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd

from layout.records.table import BoolArray

__all__ = ["chain_lookup", "check_chains"]

_SEP = "\x1f"


def check_chains(
    chain: pd.Series,
    node: pd.Series,
    chains: Mapping[str, Collection[Any]],
    masks: dict[str, BoolArray],
    notes: dict[str, BoolArray],
) -> tuple[pd.Series, pd.Series]:
    """Resolve chain and node values; set the ``unknown_*`` masks and ``*_name_resolved`` notes."""
    chain_map, pair_map = chain_lookup(chains)
    chain_code = chain.map(chain_map)
    known_chain = chain_code.notna().to_numpy(dtype=bool)
    masks["unknown_chain"] = ~known_chain & ~masks["missing_chain"]
    pair = chain_code.fillna("").astype(object) + _SEP + node
    node_code = pair.map(pair_map)
    known_node = node_code.notna().to_numpy(dtype=bool)
    masks["unknown_node"] = known_chain & ~known_node & ~masks["missing_node"]
    chain_out = chain.where(~known_chain, chain_code)
    node_out = node.where(~known_node, node_code)
    notes["chain_name_resolved"] = known_chain & (chain_out != chain).to_numpy(dtype=bool)
    notes["node_name_resolved"] = known_node & (node_out != node).to_numpy(dtype=bool)
    return chain_out.astype(object), node_out.astype(object)


def chain_lookup(chains: Mapping[str, Collection[Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """Lookups text -> chain code and ``chain<SEP>text`` -> node id (ids, then unique names)."""
    chain_map: dict[str, str] = {}
    pair_map: dict[str, str] = {}
    chain_alias: dict[str, set[str]] = {}
    node_alias: dict[str, set[str]] = {}
    for key, nodes in chains.items():
        code = str(key).strip()
        chain_map[code] = code
        for nd in nodes:
            pair_map[code + _SEP + str(nd).strip()] = str(nd).strip()
        graph_attrs = getattr(nodes, "graph", None)
        if isinstance(graph_attrs, Mapping):
            for attr in ("name_zh", "name_en"):
                if isinstance(graph_attrs.get(attr), str):
                    chain_alias.setdefault(graph_attrs[attr].strip(), set()).add(code)
        node_view = getattr(nodes, "nodes", None)
        if callable(node_view):
            for nd, data in node_view(data=True):
                for attr in ("name_zh", "name_en"):
                    label = data.get(attr) if isinstance(data, Mapping) else None
                    if isinstance(label, str):
                        node_alias.setdefault(code + _SEP + label.strip(), set()).add(
                            str(nd).strip()
                        )
    for alias, codes in chain_alias.items():
        if len(codes) == 1 and alias not in chain_map:
            chain_map[alias] = next(iter(codes))
    for alias, ids in node_alias.items():
        if len(ids) == 1 and alias not in pair_map:
            pair_map[alias] = next(iter(ids))
    return chain_map, pair_map
