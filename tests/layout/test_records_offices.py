"""Firm lists as offices write them (issue #13): Chinese headers with units, chain and node
names written many ways, registry exports with only an address and a county, industry codes.

The files use the shipped chain templates and Shandong's real outline, as a user's import does.
Every test asserts the exact counts, the county of every firm and the reasons of every reject.
Points' counties are checked against geopandas' own point-in-polygon join.
"""

from __future__ import annotations

import csv
import io

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from geo.boundaries import load_counties
from layout.records import NOTES, REASONS, read_firms

OFFICE_HEAD = ["企业名称", "统一社会信用代码", "经度", "纬度", "所属产业链", "产业链环节", "从业人员",
               "营业收入(万元)"]  # fmt: skip

# 30 LED firms as a planner's list has them: the chain as 半导体照明, nodes as the office calls them
NODES_AS_WRITTEN = ["封装", "衬底", "驱动电源", "荧光粉", "MO源", "外延片", "芯片", "LED封装", "封装器件",
                    "通用照明"]  # fmt: skip
NODE_IDS = ["package", "substrate", "driver", "phosphor", "mo_gas", "epi", "chip", "package",
            "package", "lighting"]  # fmt: skip
RNG = np.random.default_rng(13)
XY = np.column_stack([RNG.uniform(118.9, 119.2, 30), RNG.uniform(36.6, 36.8, 30)])  # 潍坊 area


def true_counties(xy: np.ndarray) -> list[str | None]:
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=4326)
    joined = gpd.sjoin(pts, load_counties()[["adcode", "geometry"]], predicate="within", how="left")
    return [None if pd.isna(v) else v for v in joined.sort_index()["adcode"]]


def office_rows() -> list[list[str]]:
    rows = []
    for i in range(30):
        rows.append([
            f"潍坊市第{i + 1}光电有限公司",
            f"91370700MA{i:08d}",
            f"{XY[i, 0]:.6f}",
            f"{XY[i, 1]:.6f}",
            "半导体照明" if i % 3 else "ＬＥＤ",  # full-width letters too
            NODES_AS_WRITTEN[i % 10],
            "约200人" if i == 7 else f"{10 + i}",
            f"{1000 + i}.5",
        ])  # fmt: skip
    return rows


def csv_bytes(rows, header, encoding="utf-8", title=None) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if title:
        writer.writerow([title] + [""] * (len(header) - 1))
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def check(res) -> dict[int, str]:
    s = res.summary
    assert s["read"] == s["accepted"] + s["rejected"]
    assert len(res.accepted) == s["accepted"] and len(res.rejected) == s["rejected"]
    assert set(res.accepted["row"]).isdisjoint(res.rejected["row"])
    for codes in res.rejected["reason_codes"]:
        assert codes and all(c in REASONS for c in codes.split(";"))
    for codes in res.accepted["notes"]:
        assert all(c in NOTES for c in codes.split(";") if c)
    assert s["by_location"] == res.accepted["location_quality"].value_counts().to_dict()
    return dict(zip(res.rejected["row"].tolist(), res.rejected["reason_codes"], strict=True))


def expect_office(res, first_row: int) -> None:
    assert check(res) == {}
    acc = res.accepted
    assert len(acc) == 30
    assert acc["row"].tolist() == list(range(first_row, first_row + 30))
    assert (acc["chain"] == "LED").all()
    assert acc["node"].tolist() == [NODE_IDS[i % 10] for i in range(30)]
    assert acc["adcode"].tolist() == true_counties(XY)
    assert (acc["location_quality"] == "exact").all()
    np.testing.assert_allclose(acc["output"], [1000.5 + i for i in range(30)])
    assert "figure_not_numeric" in acc.loc[acc["row"] == first_row + 7, "notes"].item()
    assert "employees = '约200人'" in acc.loc[acc["row"] == first_row + 7, "notes_en"].item()
    assert np.isnan(acc["employees"].iloc[7]) and acc["employees"].iloc[8] == 18.0
    s = res.summary
    assert s["columns"] == {
        "name": "企业名称", "firm_id": "统一社会信用代码", "lon": "经度", "lat": "纬度",
        "chain": "所属产业链", "node": "产业链环节", "employees": "从业人员",
        "output": "营业收入(万元)",
    }  # fmt: skip
    assert s["units"]["output"] == {"header": "营业收入(万元)", "unit": "万元", "factor": 1.0,
                                    "assumed": False}  # fmt: skip
    assert s["values"]["chain"] == {"半导体照明": "LED", "ＬＥＤ": "LED"}
    assert s["values"]["node"]["LED"] == {
        "封装": "package", "衬底": "substrate", "驱动电源": "driver", "荧光粉": "phosphor",
        "MO源": "mo_gas", "外延片": "epi", "芯片": "chip", "LED封装": "package",
        "封装器件": "package", "通用照明": "lighting",
    }  # fmt: skip
    assert s["by_location"] == {"exact": 30}


def test_the_planners_gbk_csv_gets_in(tmp_path):
    """The list from the issue: GBK, a title row, the office's headers, 半导体照明 and its node
    names. Before: ``missing required column(s) ['chain', 'node', 'output']``."""
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_bytes(office_rows(), OFFICE_HEAD, "gbk", title="2024年潍坊市LED企业名单"))
    res = read_firms(path)
    assert res.summary["encoding"] == "gb18030" and res.summary["header_row"] == 2
    expect_office(res, first_row=3)


def test_the_same_list_as_utf8_bom_csv_and_as_xlsx(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_bytes(office_rows(), OFFICE_HEAD))
    res = read_firms(path)
    assert res.summary["encoding"] == "utf-8-sig"
    expect_office(res, first_row=2)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["2024年潍坊市LED企业名单"])
    sheet.append([])
    sheet.append(OFFICE_HEAD)
    for row in office_rows():
        sheet.append([float(v) if k in (2, 3) else v for k, v in enumerate(row)])
    xlsx = tmp_path / "名单.xlsx"
    book.save(xlsx)
    res = read_firms(xlsx)
    assert res.summary["header_row"] == 3 and res.summary["sheet"] == "名单"
    expect_office(res, first_row=4)


def test_units_in_headers_are_converted_to_wan_yuan(tmp_path):
    rows = [["甲", "117.0", "36.6", "12.5"], ["乙", "117.0", "36.6", "3"]]
    for header, factor in (("产值(亿元)", 1e4), ("主营业务收入（元）", 1e-4), ("营业收入/千元", 0.1),
                           ("工业总产值", 1.0)):  # fmt: skip
        path = tmp_path / "u.csv"
        path.write_bytes(csv_bytes(rows, ["企业名称", "经度", "纬度", header]))
        res = read_firms(path)
        np.testing.assert_allclose(res.accepted["output"], [12.5 * factor, 3 * factor])
        assert res.summary["units"]["output"]["factor"] == factor
        assert res.summary["units"]["output"]["assumed"] is (header == "工业总产值")
    path.write_bytes(csv_bytes(rows, ["企业名称", "经度", "纬度", "产值(美元)"]))
    with pytest.raises(Exception, match="unit '美元' cannot be converted") as err:
        read_firms(path)
    assert "无法换算为万元" in err.value.text("zh")
    # a unit the header does not carry can be named in the mapping
    path.write_bytes(csv_bytes(rows, ["企业名称", "经度", "纬度", "营收"]))
    res = read_firms(path, columns={"营收": "output:亿元"})
    np.testing.assert_allclose(res.accepted["output"], [125000.0, 30000.0])


def test_a_registry_export_with_only_addresses_and_counties(tmp_path):
    """企业信用信息 exports: 注册地址, 所属区县 (old names too), 国民经济行业代码; no lon/lat,
    chain or node. Each firm is placed at its county; the ones that cannot be are rejected with
    the text that was tried."""
    header = ["企业名称", "统一社会信用代码", "注册地址", "所属区县", "国民经济行业代码"]
    rows = [
        ["甲", "U1", "山东省济南市历下区经十路1号", "", "C3975"],  # 2 address -> 370102
        ["乙", "U2", "山东省莱芜市莱城区凤城西大街", "莱城区", "C3985"],  # 3 old county -> 370116
        ["丙", "U3", "即墨市蓝鳌路", "即墨市", "C3871"],  # 4 old county-level city -> 370215
        ["丁", "U4", "山东章丘", "章丘市", "3976"],  # 5 old name, digits only -> 370114
        ["戊", "U5", "山东省济南市市中区", "市中区", ""],  # 6 市中区 + 济南 in the address
        ["己", "U6", "山东省某某路", "市中区", ""],  # 7 ambiguous: which 市中区?
        ["庚", "U7", "北京市海淀区", "", "C3975"],  # 8 not in Shandong
        ["辛", "U8", "山东省莱芜市", "莱芜市", ""],  # 9 former prefecture: its seat, with a note
        ["壬", "U9", "山东省济南市钢城区", "", "C9999"],  # 10 code of no LED node
        ["癸", "U10", "", "钢城区", "C3562"],  # 11 county only
    ]
    path = tmp_path / "registry.csv"
    path.write_bytes(csv_bytes(rows, header, "gbk"))
    res = read_firms(path, chain="LED")
    assert check(res) == {7: "unlocatable", 8: "unlocatable"}
    rej = res.rejected.set_index("row")
    assert "市中区" in rej.loc[7, "reason_en"] and "give the city" in rej.loc[7, "reason_en"]
    assert "地址“北京市海淀区”中没有可识别的区县" in rej.loc[8, "reason_zh"]
    acc = res.accepted.set_index("row")
    assert acc["adcode"].to_dict() == {2: "370102", 3: "370116", 4: "370215", 5: "370114",
                                       6: "370103", 9: "370116", 10: "370117", 11: "370117"}  # fmt: skip
    assert acc["location_quality"].to_dict() == {2: "address", 3: "county", 4: "county",
                                                 5: "county", 6: "county", 9: "county",
                                                 10: "address", 11: "county"}  # fmt: skip
    assert "old_unit_resolved" in acc.loc[3, "notes"] and "old_unit_resolved" in acc.loc[4, "notes"]
    assert "county_of_former_city" in acc.loc[9, "notes"]
    # each firm sits at a point inside its county, never at a made-up exact point
    shapes = load_counties().set_index("adcode").geometry
    for row, code in acc["adcode"].items():
        assert shapes[code].contains(shapely.Point(acc.loc[row, "lon"], acc.loc[row, "lat"]))
    # industry codes: C3975 is shared by epi, chip and package -> the chain but no node
    assert acc.loc[2, "node"] == "" and acc.loc[2, "node_candidates"] == "epi;chip;package"
    assert "node_candidates" in acc.loc[2, "notes"]
    assert acc.loc[3, "node_candidates"] == "substrate;mo_gas;phosphor"
    assert acc.loc[4, "node"] == "lighting" and "node_from_industry_code" in acc.loc[4, "notes"]
    assert acc.loc[5, "node"] == "special"  # 3976 without the section letter
    assert acc.loc[10, "node"] == "" and "industry_code_no_node" in acc.loc[10, "notes"]
    assert acc.loc[11, "node"] == "mocvd"
    assert (acc["chain"] == "LED").all() and "chain_from_option" in acc.loc[2, "notes"]
    assert res.summary["by_location"] == {"county": 6, "address": 2}


def test_a_point_that_contradicts_its_county_is_kept_with_a_note(tmp_path):
    header = ["企业名称", "经度", "纬度", "所属区县"]
    rows = [["近", "117.0009", "36.6758", "历下区"],  # 天桥区, next to 历下区: within 2 km
            ["远", "120.3826", "36.0671", "历下区"],  # Qingdao: 300 km from 历下区
            ["错", "117.0009", "36.6758", "不存在县"]]  # fmt: skip
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes(rows, header))
    res = read_firms(path)
    assert check(res) == {}
    acc = res.accepted
    assert acc["adcode"].tolist() == true_counties(np.array([[117.0009, 36.6758],
                                                             [120.3826, 36.0671],
                                                             [117.0009, 36.6758]]))  # fmt: skip
    # no chain, figure or id columns: nothing to note per row about them (the summary's columns
    # say which fields the file has)
    assert acc["notes"].tolist() == ["", "point_outside_stated_county", "stated_county_unknown"]
    assert acc["firm_id"].tolist() == ["row-2", "row-3", "row-4"]
    assert acc["lon"].tolist() == [117.0009, 120.3826, 117.0009]  # points are never moved
    assert "km" in acc["notes_en"].iloc[1] and "公里" in acc["notes_zh"].iloc[1]


def test_unknown_values_are_rejected_with_suggestions_in_both_languages(tmp_path):
    header = ["企业名称", "经度", "纬度", "产业链", "环节"]
    rows = [
        ["甲", "117", "36.6", "LED", "封裝"],  # traditional 裝
        ["乙", "117", "36.6", "半导体照", "epi"],
        ["丙", "117", "36.6", "", "外延片"],
    ]  # node without chain: only LED has it
    path = tmp_path / "v.csv"
    path.write_bytes(csv_bytes(rows, header))
    res = read_firms(path)
    assert check(res) == {2: "unknown_node", 3: "unknown_chain"}
    rej = res.rejected.set_index("row")
    assert "did you mean package (Packaged devices)?" in rej.loc[2, "reason_en"]
    assert "valid nodes: substrate (Substrate (sapphire/SiC/GaAs))" in rej.loc[2, "reason_en"]
    assert "是否指：package（封装器件）？" in rej.loc[2, "reason_zh"]
    assert "did you mean LED (Semiconductor lighting (LED))?" in rej.loc[3, "reason_en"]
    assert res.summary["unknown_values"] == {"chain": ["半导体照"], "node": {"LED": ["封裝"]}}
    acc = res.accepted.set_index("row")
    assert acc.loc[4, "chain"] == "LED" and acc.loc[4, "node"] == "epi"
    # the user maps the unknown values and runs again: every row gets in
    again = read_firms(
        path, values={"chain": {"半导体照": "LED"}, "node": {"LED": {"封裝": "package"}}}
    )
    assert check(again) == {}
    assert again.accepted["node"].tolist() == ["package", "epi", "epi"]
    assert again.summary["values"]["node"]["LED"]["封裝"] == "package"
    with pytest.raises(Exception, match="does not exist"):
        read_firms(path, values={"node": {"LED": {"封裝": "nope"}}})


def test_column_mapping_overrides_the_guesses_and_is_reusable(tmp_path):
    header = ["单位", "区划码", "行政区划代码", "备注"]
    rows = [["甲", "370102", "999999", "x"], ["乙", "370705", "000000", "y"]]
    path = tmp_path / "m.csv"
    path.write_bytes(csv_bytes(rows, header))
    mapping = {"单位": "name", "区划码": "adcode", "行政区划代码": None}
    res = read_firms(path, columns=mapping)
    assert check(res) == {}
    assert res.accepted["adcode"].tolist() == ["370102", "370705"]
    assert res.summary["columns"] == {"name": "单位", "adcode": "区划码"}  # field -> header
    assert res.accepted["extra_行政区划代码"].tolist() == ["999999", "000000"]
    # the summary's own form is taken back as it is (the 行政区划代码 guess then competes with
    # 区划码 for adcode; the user's choice wins)
    reused = read_firms(path, columns=res.summary["columns"])
    pd.testing.assert_frame_equal(reused.accepted, res.accepted)
    with pytest.raises(Exception, match="not a field") as err:
        read_firms(path, columns={"单位": "firmname"})
    assert "firm_id, name" in str(err.value)
    with pytest.raises(Exception, match="not in the file"):
        read_firms(path, columns={"名字": "name"})


def test_a_firm_with_a_chain_but_no_node_counts_toward_the_chain_in_the_analysis(tmp_path):
    """Such firms (a node left blank, or an industry code shared by several nodes) must count in
    the chain's totals, in no node, and break nothing."""
    from layout.analysis import analyze_chain

    header = ["企业名称", "所属区县", "所属产业链", "产业链环节", "从业人员"]
    rows = [["甲", "寿光市", "LED", "外延片", "100"], ["乙", "寿光市", "LED", "", "50"],
            ["丙", "历下区", "LED", "", "30"], ["丁", "历下区", "", "", "7"]]  # fmt: skip
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes(rows, header))
    res = read_firms(path)
    assert check(res) == {}
    firms = res.accepted
    assert firms["node"].tolist() == ["epi", "", "", ""]
    result = analyze_chain(firms, "LED", level="county")
    shouguang = next(r for r in result.to_dict()["regions"] if r["region"] == "370783")
    nodes = {n["node"]: n for n in shouguang["nodes"]}
    assert nodes["epi"]["n_firms"] == 1 and nodes["epi"]["value"] == 100.0
    assert sum(n["n_firms"] for n in nodes.values()) == 1  # the node-less firm is in no node
    assert result.to_dict()["data"]["chain_firms"] == 3  # but it is a firm of the chain
