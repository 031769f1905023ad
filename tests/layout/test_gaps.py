"""Chain structure math on small constructed graphs (no geometry)."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from layout import gaps


@pytest.fixture
def chain() -> nx.DiGraph:
    # ore -> metal -> parts -> {car, bike}; paint -> car. 'metal' and 'parts' are articulation
    # points; 'metal' and 'parts' are also on every path from a source to 'bike'.
    return nx.DiGraph(
        [
            ("ore", "metal"),
            ("metal", "parts"),
            ("parts", "car"),
            ("parts", "bike"),
            ("paint", "car"),
        ]
    )


def test_critical_nodes(chain: nx.DiGraph) -> None:
    assert gaps.articulation_nodes(chain) == ["car", "metal", "parts"]
    assert gaps.cut_nodes(chain) == []  # 'paint' still reaches 'car' without metal/parts
    assert gaps.critical_nodes(chain) == {
        "car": "articulation",
        "metal": "articulation",
        "parts": "articulation",
    }


def test_cut_node_on_every_path() -> None:
    g = nx.DiGraph([("a", "b"), ("b", "c"), ("x", "b")])
    assert gaps.cut_nodes(g) == ["b", "c"]  # c is the only product; b lies on every path
    assert gaps.critical_nodes(g)["b"] == "cut"


def test_supplied_products_respects_presence(chain: nx.DiGraph) -> None:
    assert gaps.supplied_products(chain) == {"car", "bike"}
    assert gaps.supplied_products(chain, ["ore", "metal", "bike"]) == set()
    assert gaps.supplied_products(chain, ["paint", "car"]) == {"car"}


def test_completeness_weighted_and_bounds() -> None:
    p = pd.DataFrame(
        {"a": [True, False, False], "b": [True, True, False]}, index=["r1", "r2", "r3"]
    )
    c = gaps.completeness(p, {"a": 3.0, "b": 1.0})
    assert c.tolist() == [1.0, 0.25, 0.0]
    assert gaps.completeness(p, {"a": 0.0, "b": 0.0}).isna().all()


def test_stress_test_ranks_by_downstream_value(chain: nx.DiGraph) -> None:
    present = list(chain)
    st = gaps.stress_test(chain, present, {"car": 10.0, "bike": 5.0, "parts": 1.0, "metal": 1.0})
    top = st.iloc[0]
    assert top["node"] == "ore" and top["value_downstream"] == 17.0
    parts = st.set_index("node").loc["parts"]
    assert parts["lost_products"] == ["bike"]  # car is still supplied by paint
    assert st.set_index("node").loc["paint", "downstream"] == ["car"]
