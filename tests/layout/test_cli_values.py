"""CLI JSON carries the right values, recomputed here independently of the analysis code.

``analyze --json`` on the demonstration data is checked against a plain pandas group-by of the
same firm table (counts, sums, location quotients, chain shares) and against PySAL's
``inequality`` package (Gini, Theil); ``coverage --json`` against the shipped fact tables;
``import-firms --json`` against the rows of the file it read.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from inequality.gini import Gini
from inequality.theil import Theil

from geo.boundaries import load_counties
from layout.cli import main
from layout.coverage import focus_compliance, uncovered_counties
from layout.demo import demo_firms


@pytest.fixture(scope="module")
def led_json() -> dict:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["analyze", "--chain", "LED", "--json", "--permutations", "99"]) == 0
    return json.loads(buf.getvalue())


@pytest.fixture(scope="module")
def located() -> pd.DataFrame:
    """Every demonstration firm with its county, joined by geopandas.sjoin (not our join)."""
    firms = demo_firms().drop(columns=["adcode"])
    counties = load_counties()[["adcode", "geometry"]]
    joined = gpd.sjoin(firms, counties, how="inner", predicate="intersects")
    joined = joined[~joined.index.duplicated(keep="first")]  # a point on a shared edge: once
    return pd.DataFrame(joined.drop(columns="geometry")).assign(
        employees=lambda d: d["employees"].fillna(0.0)
    )


@pytest.fixture(scope="module")
def led_by_county(located: pd.DataFrame) -> pd.DataFrame:
    """county x node employees of the LED chain, with pandas only."""
    led = located[located["chain"] == "LED"]
    counties = load_counties()["adcode"]
    e = led.pivot_table(index="adcode", columns="node", values="employees", aggfunc="sum")
    return e.reindex(counties).fillna(0.0)


def test_counts_and_values_per_region_and_node(led_json: dict, located: pd.DataFrame) -> None:
    led = located[located["chain"] == "LED"]
    n = led.groupby(["adcode", "node"]).size()
    v = led.groupby(["adcode", "node"])["employees"].sum()
    checked = 0
    for region in led_json["regions"]:
        for node in region["nodes"]:
            key = (region["region"], node["node"])
            assert node["n_firms"] == int(n.get(key, 0)), key
            assert node["value"] == pytest.approx(float(v.get(key, 0.0)), abs=0.05), key
            checked += 1
    assert checked == 136 * len(led_json["regions"][0]["nodes"]) > 0
    assert led_json["concentration"]["chain_value"] == pytest.approx(led["employees"].sum())


def test_location_quotients_follow_the_formula(
    led_json: dict, led_by_county: pd.DataFrame, located: pd.DataFrame
) -> None:
    # LQ_rn = (e_rn / e_r) / (E_n / E): e_r and E over every firm of every chain (DESIGN:
    # benchmark = the province), E_n the node's province total
    e = led_by_county
    e_r = located.groupby("adcode")["employees"].sum().reindex(e.index, fill_value=0.0)
    e_n, total = e.sum(axis=0), located["employees"].sum()
    checked = 0
    for region in led_json["regions"]:
        r = region["region"]
        for node in region["nodes"]:
            if e_r[r] == 0:
                continue
            checked += 1
            expected = (e.loc[r, node["node"]] / e_r[r]) / (e_n[node["node"]] / total)
            assert node["lq"] == pytest.approx(expected, abs=1e-3), (r, node["node"])
    assert checked > 100


def test_concentration_matches_pysal_inequality(
    led_json: dict, led_by_county: pd.DataFrame, located: pd.DataFrame
) -> None:
    c = led_json["concentration"]
    y = led_by_county.sum(axis=1).to_numpy()  # the chain's value in each of the 136 counties
    assert c["gini"] == pytest.approx(Gini(y).g, abs=1e-5)
    assert c["theil"]["total"] == pytest.approx(Theil(y).T, abs=1e-5)
    # firm concentration HHI = sum_k (e_k / e)^2 over the chain's (or node's) firms
    led = located[located["chain"] == "LED"]
    shares = led["employees"] / led["employees"].sum()
    assert c["hhi_chain"] == pytest.approx(float((shares**2).sum()), abs=1e-5)
    for node in c["nodes"]:
        v = led.loc[led["node"] == node["node"], "employees"]
        assert node["hhi"] == pytest.approx(float(((v / v.sum()) ** 2).sum()), abs=1e-5)


def test_coverage_json_values_are_the_fact_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    fc = focus_compliance()
    got = pd.DataFrame(d["focus_compliance"])
    assert len(got) == len(fc) == 18
    key = "cluster_id"
    for col in [c for c in fc.columns if c in got.columns and c != key]:
        a = got.set_index(key)[col].astype(str).sort_index()
        b = fc.set_index(key)[col].astype(str).sort_index()
        assert (a.replace({"None": "", "nan": ""}) == b.replace({"None": "", "nan": ""})).all(), col
    unc = uncovered_counties()
    got_unc = pd.DataFrame(d["uncovered_counties"])
    assert len(got_unc) == len(unc)
    if len(unc):
        assert sorted(got_unc["adcode"].astype(str)) == sorted(unc["adcode"].astype(str))


def test_import_firms_json_and_output_hold_the_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "firms.csv"
    src.write_text(
        "企业名称,经度,纬度,产业链,环节,从业人数,产值(万元),企业编号\n"
        "甲,119.16,36.71,LED,epi,10,100,F1\n"
        "乙,abc,36.7,LED,epi,10,100,F2\n"
        "丙,117.0,36.65,LED,chip,25,2.5,F3\n",
        encoding="utf-8",
    )
    out, rej = tmp_path / "ok.gpkg", tmp_path / "rej.csv"
    assert main(["import-firms", str(src), "-o", str(out), "--rejects", str(rej), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert (s["read"], s["accepted"], s["rejected"]) == (3, 2, 1)
    assert s["columns"]["name"] == "企业名称" and s["columns"]["output"] == "产值(万元)"
    got = pyogrio.read_dataframe(out).set_index("firm_id").sort_index()
    assert got["name"].tolist() == ["甲", "丙"]
    assert got["node"].tolist() == ["epi", "chip"]
    assert got["employees"].tolist() == [10, 25] and got["output"].tolist() == [100, 2.5]
    assert np.allclose(got.geometry.x, [119.16, 117.0]) and np.allclose(
        got.geometry.y, [36.71, 36.65]
    )
    rejects = pd.read_csv(rej, encoding="utf-8-sig", dtype=str)
    assert (
        rejects["row"].tolist() == ["3"]
        and "non_numeric_coordinates" in rejects.iloc[0].to_string()
    )
