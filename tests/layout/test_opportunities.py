"""Relatedness: proximity φ and density ω by hand and by an independent loop; the ranking."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from layout.demo import demo_firms
from layout.opportunities import (
    OpportunityError,
    density,
    item_table,
    presence_matrix,
    proximity,
    rank_opportunities,
)

# Four regions, three items.  Ubiquity k = (a 3, b 2, c 2).
#        a  b  c
#   r1   1  1  0
#   r2   1  1  1
#   r3   1  0  1
#   r4   0  0  0
M = pd.DataFrame(
    {"a": [1, 1, 1, 0], "b": [1, 1, 0, 0], "c": [0, 1, 1, 0]}, index=["r1", "r2", "r3", "r4"]
)


def test_proximity_by_hand() -> None:
    phi = proximity(M)
    # a,b: both in r1, r2 -> 2 / max(3, 2) = 2/3 ; a,c: r2, r3 -> 2/3 ; b,c: r2 -> 1 / max(2, 2) = 1/2
    expected = pd.DataFrame(
        [[0, 2 / 3, 2 / 3], [2 / 3, 0, 1 / 2], [2 / 3, 1 / 2, 0]],
        index=list("abc"),
        columns=list("abc"),
    )
    pd.testing.assert_frame_equal(phi, expected, check_dtype=False)


def test_density_by_hand() -> None:
    om = density(M, proximity(M))
    # r3 has a and c.  ω_b = (φ_ba + φ_bc) / (φ_ba + φ_bc) = 1 ; ω_a = φ_ac / (φ_ab + φ_ac) = 1/2
    assert om.loc["r3", "b"] == pytest.approx(1.0)
    assert om.loc["r3", "a"] == pytest.approx(0.5)
    # r1 has a and b. ω_c = (2/3 + 1/2) / (2/3 + 1/2) = 1 ; r4 has nothing: all 0
    assert om.loc["r1", "c"] == pytest.approx(1.0)
    assert (om.loc["r4"] == 0).all()


def _loop_proximity(m: pd.DataFrame) -> np.ndarray:
    """φ = min(P(n | n'), P(n' | n)) over regions (Hidalgo et al. 2007), written as plain loops."""
    x = m.to_numpy()
    n = x.shape[1]
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            both = sum(1 for r in range(len(x)) if x[r, i] and x[r, j])
            ki, kj = x[:, i].sum(), x[:, j].sum()
            conds = [both / k for k in (ki, kj) if k > 0]
            out[i, j] = min(conds) if len(conds) == 2 else 0.0
    return out


def test_proximity_and_density_match_loops_on_random_matrix() -> None:
    rng = np.random.default_rng(7)
    m = pd.DataFrame((rng.random((30, 8)) < 0.35).astype(int), columns=[f"i{k}" for k in range(8)])
    m["never"] = 0  # an item no region has: φ row 0, no NaN anywhere
    phi = proximity(m)
    np.testing.assert_allclose(phi.to_numpy(), _loop_proximity(m))
    om = density(m, phi)
    for r in (0, 5, 17):
        for j, item in enumerate(m.columns):
            den = phi[item].sum()
            num = sum(m.iloc[r][o] * phi.loc[o, item] for o in m.columns)
            assert om.iloc[r, j] == pytest.approx(num / den if den > 0 else 0.0)
    assert not om.isna().any().any() and ((om >= 0) & (om <= 1)).all().all()


def test_presence_is_rca_at_least_one() -> None:
    # e_r = (4, 4); E_a = 3, E_b = 5, E = 8. r1: a 3/4 / (3/8) = 2 ; b 1/4 / (5/8) = 0.4
    e = pd.DataFrame({"a": [3.0, 0.0], "b": [1.0, 4.0]}, index=["r1", "r2"])
    assert presence_matrix(e).to_dict("index") == {"r1": {"a": 1, "b": 0}, "r2": {"a": 0, "b": 1}}
    assert presence_matrix(e, threshold=0.3).loc["r1", "b"] == 1
    empty = pd.DataFrame({"a": [0.0], "b": [0.0]}, index=["x"])
    assert presence_matrix(empty, benchmark=pd.Series({"a": 1.0, "b": 1.0})).sum().sum() == 0


def test_proximity_rejects_non_binary() -> None:
    with pytest.raises(OpportunityError, match="only 0 and 1"):
        proximity(M * 2)


def test_item_reach() -> None:
    items = item_table().set_index("item")
    assert items.loc["LED:display", "reach"] == pytest.approx(
        1 / 3
    )  # one of lighting, display, special
    assert items.loc["LED:substrate", "reach"] == pytest.approx(1.0)
    assert items.loc["LED:driver", "n_final_fed"] == 2  # lighting and display


@pytest.fixture(scope="module")
def firms() -> gpd.GeoDataFrame:
    return demo_firms()


def test_rank_opportunities_on_demo(firms: gpd.GeoDataFrame) -> None:
    out = rank_opportunities(firms, "BLUE", chains=["LED"])
    assert {"LED:display", "LED:lighting"} <= set(
        out["item"]
    )  # no LED display/lighting firm in BLUE
    assert (out["chain"] == "LED").all() and (out["rca"].fillna(0) < 1).all()
    np.testing.assert_allclose(
        out["opportunity"], (out["feasibility"] * out["attractiveness"]).round(4), atol=1e-4
    )
    assert out["opportunity"].is_monotonic_decreasing
    assert (
        out["reason_zh"].str.len().gt(0).all()
        and out["reason_en"].str.contains("final products").all()
    )
    size = rank_opportunities(firms, "BLUE", chains=["LED"], attractiveness="size")
    assert size.attrs["attractiveness"] == "size" and (size["attractiveness"] <= 1).all()


def test_rank_opportunities_errors_gathered(firms: gpd.GeoDataFrame) -> None:
    with pytest.raises(OpportunityError) as err:
        rank_opportunities(firms, "NOWHERE", attractiveness="x", chains=["NOPE"], base="y")
    assert len(err.value.problems) == 4
