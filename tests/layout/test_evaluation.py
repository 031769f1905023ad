"""Evaluation index: normalisation, weights that swap the ranking as documented, bands, validation."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from layout.analysis import analyze_chain
from layout.demo import demo_firms
from layout.evaluation import (
    DEFAULT_INDICATORS,
    IndicatorError,
    evaluate_index,
    indicator_table,
    load_indicators,
    normalise,
)

# The example of evaluate_index's docstring: A leads on x, B on y, C is low on both.
TABLE = pd.DataFrame({"x": [10.0, 0.0, 2.0], "y": [0.0, 10.0, 2.0]}, index=["A", "B", "C"])


def _system(wx: float, wy: float, **overrides: list[str]) -> pd.DataFrame:
    base = {
        "indicator": ["x", "y"],
        "weight": [wx, wy],
        "direction": ["+", "+"],
        "normalisation": ["minmax", "minmax"],
        "source_column": ["x", "y"],
    }
    return pd.DataFrame(base | overrides)


def test_raising_one_weight_swaps_the_top_two_as_documented() -> None:
    # minmax: A = (1, 0), B = (0, 1), C = (0.2, 0.2); composite = Σ w s / Σ w
    before = evaluate_index(TABLE, _system(0.6, 0.4))
    assert before["composite"].round(6).to_dict() == {"A": 0.6, "B": 0.4, "C": 0.2}
    assert before["rank"].to_dict() == {"A": 1, "B": 2, "C": 3}
    after = evaluate_index(TABLE, _system(0.4, 0.6))
    assert after["composite"].round(6).to_dict() == {"B": 0.6, "A": 0.4, "C": 0.2}
    assert after["rank"].to_dict() == {"B": 1, "A": 2, "C": 3}
    assert list(after.index) == ["B", "A", "C"]  # rows come best first
    tie = evaluate_index(TABLE, _system(0.5, 0.5))  # the crossing point: A and B share rank 1
    assert tie["rank"].to_dict() == {"A": 1, "B": 1, "C": 3}
    # with 3 regions the lowest decile is the lowest region
    assert before["band"].to_dict() == {"A": "ok", "B": "ok", "C": "warning"}


def test_normalisations_by_hand() -> None:
    x = pd.Series([2.0, 4.0, 6.0, np.nan])
    assert normalise(x).tolist()[:3] == [0.0, 0.5, 1.0]
    assert normalise(x, direction="-").tolist()[:3] == [1.0, 0.5, 0.0]
    z = normalise(x, method="zscore")  # mean 4, population sd sqrt(8/3)
    assert z.iloc[0] == pytest.approx(-2 / np.sqrt(8 / 3)) and np.isnan(z.iloc[3])
    assert normalise(pd.Series([5.0, 1.0, 3.0, 3.0]), method="rank").tolist() == [
        1.0,
        0.0,
        0.5,
        0.5,
    ]
    const = pd.Series([7.0, 7.0])
    assert normalise(const).tolist() == [0.5, 0.5]
    assert normalise(const, method="zscore").tolist() == [0.0, 0.0]
    assert normalise(const, method="rank").tolist() == [0.5, 0.5]


def test_direction_minus_and_missing_value_is_worst() -> None:
    t = pd.DataFrame({"hhi": [0.1, 0.5, np.nan, 0.9]}, index=list("PQRS"))
    ind = pd.DataFrame(
        {
            "indicator": ["hhi"],
            "weight": [1.0],
            "direction": ["-"],
            "normalisation": ["minmax"],
            "source_column": ["hhi"],
        }
    )
    out = evaluate_index(t, ind)
    assert out.loc["P", "score_hhi"] == 1.0 and out.loc["S", "score_hhi"] == 0.0
    assert out.loc["R", "score_hhi"] == 0.0 and out.loc["R", "n_missing"] == 1  # worst observed
    assert out.loc["P", "rank"] == 1


def test_warning_band_rules() -> None:
    t = pd.DataFrame({"v": np.arange(1.0, 21.0)}, index=[f"r{i:02d}" for i in range(1, 21)])
    ind = pd.DataFrame(
        {
            "indicator": ["v"],
            "weight": [1.0],
            "direction": ["+"],
            "normalisation": ["minmax"],
            "source_column": ["v"],
        }
    )
    out = evaluate_index(t, ind)  # lowest decile of 20 regions: the two lowest
    assert sorted(out.index[out["band"] == "warning"]) == ["r01", "r02"]
    out = evaluate_index(t, ind, warning_below=0.5)  # composite (v-1)/19 < 0.5: v <= 10
    assert (out["band"] == "warning").sum() == 10
    flat = evaluate_index(pd.DataFrame({"v": [3.0, 3.0, 3.0]}), ind)
    assert (flat["band"] == "ok").all() and (flat["rank"] == 1).all()


def test_by_year_evaluates_each_year_on_its_own() -> None:
    t = pd.DataFrame(
        {
            "x": [10.0, 0.0, 0.0, 10.0],
            "y": [0.0, 10.0, 10.0, 0.0],
            "year": [2023, 2023, 2024, 2024],
        },
        index=["A", "B", "A", "B"],
    )
    out = evaluate_index(t, _system(0.6, 0.4), by="year")
    top = out[out["rank"] == 1].set_index("year")
    assert top.index.tolist() == [2023, 2024]
    assert out[(out["year"] == 2023) & (out["rank"] == 1)].index.tolist() == ["A"]
    assert out[(out["year"] == 2024) & (out["rank"] == 1)].index.tolist() == ["B"]


def test_validation_reports_every_problem_at_once() -> None:
    bad = _system(
        -1.0,
        0.5,
        direction=["+", "up"],
        normalisation=["minmax", "log"],
        source_column=["x", "missing_col"],
    )
    bad = pd.concat(
        [bad, bad.iloc[[0]].assign(weight=1.0, direction="+")], ignore_index=True
    )  # duplicate id
    with pytest.raises(IndicatorError) as err:
        evaluate_index(TABLE, bad)
    text = str(err.value)
    assert len(err.value.problems) == 5
    for part in (
        "weight -1.0",
        "direction 'up'",
        "normalisation 'log'",
        "'missing_col' is not a column",
        "duplicate id",
    ):
        assert part in text
    with pytest.raises(IndicatorError, match="all weights are 0"):
        evaluate_index(TABLE, _system(0.0, 0.0))


def test_indicator_file_rows_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "ind.csv"
    path.write_text(
        "indicator,name_zh,weight,direction,normalisation,source_column\n"
        "x,甲,0.5,+,minmax,x\ny,乙,abc,-,rank,y\n",
        encoding="utf-8-sig",
    )
    with pytest.raises(IndicatorError, match=r"ind\.csv, row 3 \(indicator 'y'\): weight 'abc'"):
        load_indicators(path)
    with pytest.raises(IndicatorError, match="required column 'source_column' missing"):
        path.write_text(
            "indicator,weight,direction,normalisation\nx,1,+,minmax\n", encoding="utf-8"
        )
        load_indicators(path)
    shipped = load_indicators()
    assert shipped["weight"].sum() == pytest.approx(1.0) and set(shipped["direction"]) <= {"+", "-"}
    assert DEFAULT_INDICATORS.name == "indicators.csv"


@pytest.fixture(scope="module")
def firms() -> gpd.GeoDataFrame:
    return demo_firms()


def test_indicator_table_on_demo_zones(firms: gpd.GeoDataFrame) -> None:
    t = indicator_table(firms, "LED", level="zone")
    a = analyze_chain(firms, "LED", level="zone", permutations=0)
    assert t.index.tolist() == ["BLUE", "YRD", "CAP", "WEST", "RES"]
    pd.testing.assert_series_equal(
        t["completeness"], a.completeness.astype(float), check_names=False
    )
    strong = (
        a.nodes[a.nodes["status"] == "strong"]
        .groupby("region")
        .size()
        .reindex(t.index, fill_value=0)
    )
    np.testing.assert_allclose(t["strong_share"], strong / 11)
    assert (
        t.loc["WEST", "gap_distance_km"] == 0.0 and t.loc["WEST", "linkage"] == 1.0
    )  # complete chain
    # chain LQ of BLUE recomputed from the firm table: BLUE's counties, employees, province benchmark
    from geo.frames import membership

    blue = set(membership("2013").query("zone_code == 'BLUE'")["adcode"])
    from layout.regions import ensure_adcode

    f = ensure_adcode(firms)
    emp = pd.to_numeric(f["employees"], errors="coerce").fillna(0)
    inb = f["adcode"].isin(blue)
    led = f["chain"] == "LED"
    lq = (emp[inb & led].sum() / emp[inb].sum()) / (emp[led].sum() / emp.sum())
    assert t.loc["BLUE", "chain_lq"] == pytest.approx(lq)
    # the shipped system runs on this table; ranks 1..5 and the lowest is warned
    ev = evaluate_index(t)
    assert sorted(ev["rank"]) == [1, 2, 3, 4, 5] and (ev["band"] == "warning").sum() == 1
    assert set(load_indicators()["source_column"]) <= set(t.columns)
