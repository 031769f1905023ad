"""Fuzz chain-template loading: any file either loads or raises one ChainTemplateError."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.chains import ChainTemplateError, load_chains

TRIED = {"n": 0}
NODES = pd.read_csv(Path(__file__).parents[2] / "data" / "chains" / "nodes.csv", dtype=str)
EDGES = pd.read_csv(Path(__file__).parents[2] / "data" / "chains" / "edges.csv", dtype=str)
CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "nan", "inf", "-1", "1e308", "upstream", "LED", "epi", "=1+1", "外延片"]),
)


@pytest.fixture(scope="module", autouse=True)
def _report_examples_tried() -> Iterator[None]:
    yield
    print(f"\nchain-template fuzz examples tried: {TRIED['n']}")


FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _load(nodes: bytes, edges: bytes) -> None:
    TRIED["n"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        n, e = Path(tmp) / "nodes.csv", Path(tmp) / "edges.csv"
        n.write_bytes(nodes)
        e.write_bytes(edges)
        try:
            chains = load_chains(n, e)
        except ChainTemplateError as exc:
            assert exc.problems, "an error must list its problems"
            assert all(str(p) for p in exc.problems)
            return
        for g in chains.values():
            assert nx.is_directed_acyclic_graph(g)


@FUZZ
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_random_bytes(nodes: bytes, edges: bytes) -> None:
    _load(nodes, edges)


@FUZZ
@given(st.data())
def test_mutated_shipped_templates(data: st.DataObject) -> None:
    nodes, edges = NODES.copy(), EDGES.copy()
    for frame in (nodes, edges):
        for _ in range(data.draw(st.integers(0, 4))):
            row = data.draw(st.integers(0, len(frame) - 1))
            col = data.draw(st.sampled_from(list(frame.columns)))
            frame.loc[row, col] = data.draw(CELL)
    if data.draw(st.booleans()):
        edges = pd.concat([edges, edges.sample(1, random_state=0)])  # a duplicate edge
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    _load(
        nodes.to_csv(index=False).encode(encoding, "replace"),
        edges.to_csv(index=False).encode(encoding, "replace"),
    )
