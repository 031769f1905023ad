"""Tests for layout.records: formats, encodings, datums, CRSs, row checks and accounting.

Every test checks the row accounting (read == accepted + rejected, each row in exactly one
table) and the exact reason codes of every rejected row.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys

import eviltransform
import geopandas as gpd
import networkx as nx
import numpy as np
import openpyxl
import pandas as pd
import pyproj
import pytest
import shapely

from geo.datum import to_wgs84, wgs84_to_bd09
from layout.records import (
    HEADER_ALIASES,
    NOTES,
    REASONS,
    FirmImportError,
    ImportResult,
    read_firms,
    read_firms_frame,
    write_rejects,
)

# a simple stand-in for the province outline (Shandong's extent)
BOUNDARY = shapely.box(114.8, 34.37, 122.72, 38.41)
CHAINS = {"LED": {"epi", "chip", "package"}, "NEV": {"battery", "motor", "vehicle"}}
OPTS = {"boundary": BOUNDARY, "chains": CHAINS}

HEAD_ZH = ["企业编号", "企业名称", "经度", "纬度", "产业链", "环节", "从业人数", "产值（万元）"]
HEAD_EN = ["firm_id", "name", "lon", "lat", "chain", "node", "employees", "output"]

# WGS-84 points inside Shandong: Jinan, Qingdao, Yantai, Linyi
WGS = np.array([[117.0009, 36.6758], [120.3826, 36.0671], [121.4479, 37.4638], [118.3564, 35.1045]])


def true_counties(coords: np.ndarray) -> list[str]:
    """County of each point by geopandas' own point-in-polygon join (independent of ours)."""
    from geo.boundaries import load_counties

    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(coords[:, 0], coords[:, 1]), crs=4326)
    joined = gpd.sjoin(pts, load_counties()[["adcode", "geometry"]], predicate="within")
    return joined.sort_index()["adcode"].tolist()


def check(res: ImportResult, expected_rows: list[int] | None = None) -> dict[int, str]:
    """Assert the accounting invariants; return row -> reason codes of rejected rows."""
    s = res.summary
    assert s["read"] == s["accepted"] + s["rejected"]
    assert len(res.accepted) == s["accepted"]
    assert len(res.rejected) == s["rejected"]
    acc_rows = set(res.accepted["row"].tolist())
    rej_rows = set(res.rejected["row"].tolist())
    assert not acc_rows & rej_rows
    assert len(acc_rows) + len(rej_rows) == s["read"]
    if expected_rows is not None:
        assert sorted(acc_rows | rej_rows) == expected_rows
    assert res.accepted.crs == "EPSG:4326"
    assert (res.accepted.geometry.geom_type == "Point").all() if len(res.accepted) else True
    # by_reason is a recount of the reason_codes column
    recount: dict[str, int] = {}
    for codes in res.rejected["reason_codes"]:
        assert codes, "a rejected row without a reason"
        for code in codes.split(";"):
            assert code in REASONS
            recount[code] = recount.get(code, 0) + 1
    assert recount == s["by_reason"]
    for notes in res.accepted["notes"]:
        assert all(n in NOTES for n in notes.split(";") if n)
    return dict(zip(res.rejected["row"].tolist(), res.rejected["reason_codes"], strict=True))


def csv_bytes(
    rows: list[list[object]], header: list[str] = HEAD_ZH, encoding: str = "utf-8"
) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def good_rows(coords: np.ndarray, prefix: str = "F") -> list[list[object]]:
    return [
        [
            f"{prefix}{i}",
            f"企业{i}",
            repr(float(x)),
            repr(float(y)),
            "LED",
            "epi",
            10 + i,
            100.5 + i,
        ]
        for i, (x, y) in enumerate(coords)
    ]


# ---------------------------------------------------------------------------------------------
# encodings and headers
# ---------------------------------------------------------------------------------------------


def test_gbk_csv_with_chinese_headers(tmp_path):
    header = [*HEAD_ZH, "行政区划代码", "年份", "备注"]
    counties = true_counties(WGS)  # ['370105', '370202', '370613', '371302']
    rows = [[*r, c, "2023", "龙头企业"] for r, c in zip(good_rows(WGS), counties, strict=True)]
    path = write(tmp_path, "firms_gbk.csv", csv_bytes(rows, header, encoding="gbk"))
    res = read_firms(path, **OPTS)
    assert check(res, [2, 3, 4, 5]) == {}
    assert res.summary["encoding"] == "gb18030"
    acc = res.accepted
    assert acc["name"].tolist() == ["企业0", "企业1", "企业2", "企业3"]
    assert acc["adcode"].tolist() == counties
    assert acc["notes"].tolist() == [""] * 4  # each point lies in the county its row states
    assert acc["year"].tolist() == [2023] * 4
    assert acc["extra_备注"].tolist() == ["龙头企业"] * 4
    np.testing.assert_allclose(acc[["lon", "lat"]].to_numpy(), WGS, atol=1e-12)
    assert acc["employees"].tolist() == [10.0, 11.0, 12.0, 13.0]
    assert (acc["datum_in"] == "wgs84").all() and (acc["location_quality"] == "exact").all()
    assert res.summary["columns"]["output"] == "产值（万元）"
    assert res.summary["by_location"] == {"exact": 4}


def test_utf8_bom_csv_with_alias_headers_and_stray_spaces(tmp_path):
    header = [
        " 统一社会信用代码",
        "名称 ",
        "经 度",
        "纬度",
        "产业链",
        "链条环节",
        "从业人员",
        "产值 (万元)",
        "区县代码",
        "年份",
    ]
    rows = [[*r, "370102.0", "2022.0"] for r in good_rows(WGS[:2])]
    data = b"\xef\xbb\xbf" + csv_bytes(rows, header)
    res = read_firms(write(tmp_path, "bom.csv", data), **OPTS)
    assert check(res, [2, 3]) == {}
    assert res.summary["encoding"] == "utf-8-sig"
    assert res.summary["columns"]["firm_id"] == "统一社会信用代码"
    assert res.summary["columns"]["output"] == "产值 (万元)"
    assert res.summary["units"]["output"]["unit"] == "万元"
    # the stated 370102 (历下区) borders the Jinan point's 天桥区 (within the 2 km tolerance)
    # and is far from the Qingdao point: the point decides the county, the far one gets a note
    assert res.accepted["adcode"].tolist() == true_counties(WGS[:2])
    assert res.accepted["notes"].tolist() == ["", "point_outside_stated_county"]
    assert "370102" in res.accepted["notes_en"].iloc[1]
    strict = read_firms(write(tmp_path, "bom.csv", data), county_tolerance_km=0.0, **OPTS)
    assert strict.accepted["notes"].tolist() == ["point_outside_stated_county"] * 2
    assert res.accepted["year"].tolist() == [2022, 2022]


def test_plain_utf8_and_utf16_tab_separated(tmp_path):
    rows = good_rows(WGS[:2])
    res = read_firms(write(tmp_path, "a.csv", csv_bytes(rows)), **OPTS)
    assert check(res, [2, 3]) == {} and res.summary["encoding"] == "utf-8"
    # Excel's "Unicode text" export: UTF-16 with BOM, tab separated
    text = "\t".join(HEAD_ZH) + "\r\n" + "\r\n".join("\t".join(map(str, r)) for r in rows)
    res16 = read_firms(write(tmp_path, "u.txt", text.encode("utf-16")), **OPTS)
    assert check(res16, [2, 3]) == {}
    assert res16.summary["encoding"] == "utf-16" and res16.summary["delimiter"] == "\t"
    assert res16.accepted["firm_id"].tolist() == ["F0", "F1"]


def test_header_alias_priority_and_unknown_columns_kept(tmp_path):
    header = ["企业编号", "统一社会信用代码", *HEAD_ZH[1:], "row", "notes", "", "备注"]
    rows = [["A1", "91370100X", *good_rows(WGS[:1])[0][1:], "r", "n", "blank-header", "<b>x</b>"]]
    res = read_firms(write(tmp_path, "a.csv", csv_bytes(rows, header)), **OPTS)
    assert check(res, [2]) == {}
    acc = res.accepted
    assert acc["firm_id"].tolist() == ["A1"]  # 企业编号 outranks 统一社会信用代码
    assert acc["extra_统一社会信用代码"].tolist() == ["91370100X"]
    assert acc["extra_row"].tolist() == ["r"] and acc["extra_notes"].tolist() == ["n"]
    assert acc["extra_column_12"].tolist() == ["blank-header"]
    assert acc["extra_备注"].tolist() == ["<b>x</b>"]  # user text stays plain text
    assert res.summary["extra_columns"] == [
        "extra_统一社会信用代码",
        "extra_row",
        "extra_notes",
        "extra_column_12",
        "extra_备注",
    ]


def test_extra_columns_are_kept_in_rejects_under_original_headers(tmp_path):
    header = [*HEAD_ZH, "row", "备注"]
    rows = [["", "", "117", "36.6", "LED", "epi", "1", "2", "r1", '=HYPERLINK("x")']]
    res = read_firms(write(tmp_path, "a.csv", csv_bytes(rows, header)), **OPTS)
    assert check(res, [2]) == {2: "missing_id;missing_name"}
    rej = res.rejected.iloc[0]
    assert rej["row (source)"] == "r1"
    assert rej["备注"] == '=HYPERLINK("x")'
    assert rej["经度"] == "117" and rej["企业名称"] == ""
    assert rej["reason_zh"] == "缺少企业编号；缺少企业名称"
    assert rej["reason_en"] == "missing firm_id; missing name"


def test_ambiguous_and_missing_columns_raise_with_details(tmp_path):
    header = ["企业编号", "经度", "经度", "纬度", "产业链"]
    with pytest.raises(FirmImportError) as err:
        read_firms(write(tmp_path, "a.csv", csv_bytes([["1", "2", "3", "4", "5"]], header)), **OPTS)
    assert [p.code for p in err.value.problems] == ["records_ambiguous_column"]
    assert "lon is given by several columns ['经度', '经度']" in str(err.value)
    # neither an id nor a name, and no location: both problems at once, with the headers to use
    with pytest.raises(FirmImportError) as err:
        read_firms(write(tmp_path, "b.csv", csv_bytes([["1", "2"]], ["产业链", "备注"])), **OPTS)
    codes = [p.code for p in err.value.problems]
    assert codes == ["records_missing_columns", "records_missing_columns"]
    msg = str(err.value)
    assert "企业名称" in msg and "统一社会信用代码" in msg and "注册地址" in msg  # aliases listed
    assert "columns found" in msg and "产业链" in msg
    zh = err.value.text("zh")
    assert "缺少必需的列" in zh and "找到的列" in zh
    # lon without lat
    with pytest.raises(FirmImportError, match="a lon column but no lat column"):
        read_firms(write(tmp_path, "c.csv", csv_bytes([["1", "2"]], ["企业名称", "经度"])), **OPTS)


def test_title_rows_above_header_are_skipped_and_rows_keep_sheet_numbers(tmp_path):
    data = csv_bytes(good_rows(WGS[:2]), header=["2023年重点企业名单", "", ""])
    data += csv_bytes(good_rows(WGS[2:]), header=HEAD_ZH)
    res = read_firms(write(tmp_path, "t.csv", data), **OPTS)
    # the header is the first row that carries every required column (row 4); the rows
    # above it are titles, not records
    assert res.summary["header_row"] == 4
    assert check(res, [5, 6]) == {}


# ---------------------------------------------------------------------------------------------
# datums and CRSs
# ---------------------------------------------------------------------------------------------


def test_declared_gcj02_is_converted_like_geo_datum_and_eviltransform(tmp_path):
    gcj = np.array([eviltransform.wgs2gcj(lat, lon)[::-1] for lon, lat in WGS])
    res = read_firms(write(tmp_path, "g.csv", csv_bytes(good_rows(gcj))), datum="GCJ-02", **OPTS)
    assert check(res, [2, 3, 4, 5]) == {}
    got = res.accepted[["lon", "lat"]].to_numpy()
    np.testing.assert_allclose(got, WGS, atol=1e-7)  # independent forward transform
    ref = np.column_stack(to_wgs84(gcj[:, 0], gcj[:, 1], "gcj02"))
    np.testing.assert_allclose(got, ref, atol=1e-12)
    exact = np.array([eviltransform.gcj2wgs_exact(lat, lon)[::-1] for lon, lat in gcj])
    np.testing.assert_allclose(got, exact, atol=2e-6)  # eviltransform stops at 1e-6 deg
    assert (res.accepted["datum_in"] == "gcj02").all()
    assert res.summary["datum"] == "gcj02"
    # the raw GCJ-02 numbers are 300-600 m away: the conversion happened
    assert np.abs(got - gcj).max() > 1e-3


def test_declared_bd09_is_converted(tmp_path):
    bd = np.array([eviltransform.wgs2bd(lat, lon)[::-1] for lon, lat in WGS])
    res = read_firms(write(tmp_path, "b.csv", csv_bytes(good_rows(bd))), datum="bd09", **OPTS)
    assert check(res, [2, 3, 4, 5]) == {}
    got = res.accepted[["lon", "lat"]].to_numpy()
    np.testing.assert_allclose(got, WGS, atol=1e-6)
    ref = np.column_stack(to_wgs84(bd[:, 0], bd[:, 1], "bd09"))
    np.testing.assert_allclose(got, ref, atol=1e-12)
    mine = np.column_stack(wgs84_to_bd09(WGS[:, 0], WGS[:, 1]))
    np.testing.assert_allclose(mine, bd, atol=1e-6)
    assert (res.accepted["datum_in"] == "bd09").all()


def test_cgcs2000_is_stored_as_is(tmp_path):
    res = read_firms(write(tmp_path, "c.csv", csv_bytes(good_rows(WGS))), datum="cgcs2000", **OPTS)
    assert check(res) == {}
    np.testing.assert_array_equal(res.accepted[["lon", "lat"]].to_numpy(), WGS)
    assert (res.accepted["datum_in"] == "cgcs2000").all()
    assert res.summary["crs"] is None and res.summary["datum"] == "cgcs2000"


@pytest.mark.parametrize("epsg", ["EPSG:4549", "EPSG:32650"])
def test_projected_crs_round_trip(tmp_path, epsg):
    fwd = pyproj.Transformer.from_crs("EPSG:4326", epsg, always_xy=True)
    x, y = fwd.transform(WGS[:, 0], WGS[:, 1])
    assert np.all(np.abs(x) > 180)  # really projected
    rows = [
        [f"P{i}", f"企业{i}", repr(float(a)), repr(float(b)), "NEV", "battery", 5, 1]
        for i, (a, b) in enumerate(zip(x, y, strict=True))
    ]
    res = read_firms(
        write(
            tmp_path,
            "p.csv",
            csv_bytes(rows, header=["firm_id", "name", "easting", "northing", *HEAD_EN[4:]]),
        ),
        crs=epsg,
        **OPTS,
    )
    assert check(res, [2, 3, 4, 5]) == {}
    np.testing.assert_allclose(res.accepted[["lon", "lat"]].to_numpy(), WGS, atol=1e-6)
    assert (res.accepted["datum_in"] == epsg).all()
    assert res.summary["crs"] == epsg
    assert res.accepted["notes"].tolist() == [""] * 4


def test_projected_without_crs_is_out_of_range_and_swapped_projected_is_fixed(tmp_path):
    fwd = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    x, y = fwd.transform(WGS[:2, 0], WGS[:2, 1])
    rows = [
        ["P0", "a", x[0], y[0], "LED", "epi", 1, 1],
        ["P1", "b", y[1], x[1], "LED", "epi", 1, 1],
    ]
    data = csv_bytes(rows, header=HEAD_EN)
    plain = read_firms(write(tmp_path, "p.csv", data), **OPTS)
    assert check(plain, [2, 3]) == {2: "coordinates_out_of_range", 3: "coordinates_out_of_range"}
    # surveying convention X = northing: the second row gives northing first
    fixed = read_firms(write(tmp_path, "p.csv", data), crs="EPSG:4549", **OPTS)
    assert check(fixed, [2, 3]) == {}
    assert fixed.accepted["notes"].tolist() == ["", "swapped_lon_lat"]
    np.testing.assert_allclose(fixed.accepted[["lon", "lat"]].to_numpy(), WGS[:2], atol=1e-6)


def test_swapped_lon_lat_are_swapped_with_a_note(tmp_path):
    rows = good_rows(WGS[:2])
    rows[1][2], rows[1][3] = rows[1][3], rows[1][2]
    res = read_firms(write(tmp_path, "s.csv", csv_bytes(rows)), **OPTS)
    assert check(res, [2, 3]) == {}
    assert res.accepted["notes"].tolist() == ["", "swapped_lon_lat"]
    np.testing.assert_allclose(res.accepted[["lon", "lat"]].to_numpy(), WGS[:2], atol=1e-12)
    assert res.summary["by_note"] == {"swapped_lon_lat": 1}


def test_points_outside_the_province_are_rejected(tmp_path):
    coords = np.array(
        [
            [116.4074, 39.9042],
            [121.4737, 31.2304],
            [0.0, 0.0],
            [117.0, 36.6],
            [250.0, 36.0],
            [117.0, -95.0],
        ]
    )
    res = read_firms(write(tmp_path, "o.csv", csv_bytes(good_rows(coords))), **OPTS)
    assert check(res, [2, 3, 4, 5, 6, 7]) == {
        2: "outside_shandong",
        3: "outside_shandong",
        4: "outside_shandong",
        6: "coordinates_out_of_range",
        7: "coordinates_out_of_range",
    }
    assert res.accepted["row"].tolist() == [5]


def test_default_boundary_is_the_province_outline(tmp_path):
    coords = np.array([[117.0009, 36.6758], [116.4074, 39.9042]])  # Jinan, Beijing
    res = read_firms(write(tmp_path, "d.csv", csv_bytes(good_rows(coords))), chains=CHAINS)
    assert check(res, [2, 3]) == {3: "outside_shandong"}
    assert res.summary["boundary"] in ("geo.boundaries.shandong_outline", "bbox-fallback")


# ---------------------------------------------------------------------------------------------
# row checks
# ---------------------------------------------------------------------------------------------


def test_malformed_rows_get_every_reason(tmp_path):
    j = ["117.0", "36.6"]
    rows = [
        ["A1", "甲", *j, "LED", "epi", "10", "100"],  # 2 ok
        ["A1", "乙", *j, "LED", "epi", "10", "100"],  # 3 duplicate of row 2
        [],  # 4 blank line
        ["", "", "", "", "", "", "", ""],  # 5 blank cells
        ["A3", "丙", "abc", "", "LED", "epi", "-5", "nan"],  # 6
        ["A4", "", "inf", "36.6", "NEV", "epi", "x", "1e400"],  # 7
        ["", "丁", *j, "", "", "1", "2"],  # 8
        ["A5", "戊", *j, "PU", "resin", "1,234", "-0.5"],  # 9
        ["A6", "己", "NaN", "-inf", "LED", "chip", "", ""],  # 10
        ["A7", "庚", " 117.0 ", "３６.６", " LED ", " chip ", "１２", "3.5"],  # 11 ok
        ["A1", "辛", *j, "LED", "epi", "1", "1", "spill"],  # 12 duplicate + extra cell
    ]
    res = read_firms(write(tmp_path, "m.csv", csv_bytes(rows)), **OPTS)
    codes = check(res, list(range(2, 13)))
    assert codes == {
        3: "duplicate_id",
        4: "blank_row",
        5: "blank_row",
        6: "missing_coordinates;non_numeric_coordinates;negative_value",
        7: "unknown_node;non_finite",
        9: "unknown_chain;negative_value",
        10: "non_finite",
        12: "duplicate_id;extra_cells",
    }
    rej = res.rejected.set_index("row")
    assert rej.loc[3, "reason_en"] == "duplicate firm_id: first in row 2"
    assert rej.loc[3, "reason_zh"] == "企业编号重复：首次出现在第 2 行"
    assert rej.loc[6, "reason_en"].startswith(
        "missing coordinates; coordinates are not numbers: lon = 'abc'; negative value: employees"
    )
    assert rej.loc[7, "reason_en"].startswith("node not in this chain: 'epi' is not a node of NEV")
    assert "valid nodes: battery, motor, vehicle" in rej.loc[7, "reason_en"]
    assert rej.loc[7, "reason_en"].endswith("value is NaN or infinite: lon")
    assert "“PU”" in rej.loc[9, "reason_zh"] and "可用的产业链：LED、NEV" in rej.loc[9, "reason_zh"]
    assert rej.loc[10, "reason_en"] == "value is NaN or infinite: lon, lat"
    assert rej.loc[6, "经度"] == "abc" and rej.loc[6, "产值（万元）"] == "nan"  # text kept
    assert rej.loc[12, "column_9"] == "spill"
    acc = res.accepted.set_index("row")
    assert acc.loc[11, "lon"] == 117.0 and acc.loc[11, "lat"] == 36.6
    assert acc.loc[11, "chain"] == "LED" and acc.loc[11, "employees"] == 12.0
    assert acc.loc[2, "notes"] == ""
    # row 8: no firm_id but a name, no chain: kept, with a made-up id and notes saying so
    assert acc.loc[8, "firm_id"] == "row-8"
    assert acc.loc[8, "notes"] == "missing_chain;generated_id"
    assert acc.loc[8, "chain"] == "" and acc.loc[8, "node"] == ""
    assert res.summary["by_reason"]["duplicate_id"] == 2


def test_blank_values_are_accepted_with_notes_and_invalid_optional_fields_rejected(tmp_path):
    header = [*HEAD_ZH, "adcode", "year"]
    here = true_counties(np.array([[117.0, 36.6]]))[0]  # 市中区 of Jinan
    rows = [
        ["A1", "甲", "117", "36.6", "LED", "epi", "", "", "", ""],
        ["A2", "乙", "117", "36.6", "LED", "epi", "1", "1", "3701", "23"],
        ["A3", "丙", "117", "36.6", "LED", "epi", "1", "1", "370102000000", "1800"],
        ["A4", "丁", "117", "36.6", "LED", "epi", "1", "1", here, "2024"],
        ["A5", "戊", "117", "36.6", "LED", "epi", "约200人", "不详", here, ""],
    ]
    res = read_firms(write(tmp_path, "v.csv", csv_bytes(rows, header)), **OPTS)
    assert check(res, [2, 3, 4, 5, 6]) == {3: "invalid_adcode;invalid_year", 4: "invalid_year"}
    acc = res.accepted.set_index("row")
    assert acc.loc[2, "notes"] == "missing_employees;missing_output"
    assert math.isnan(acc.loc[2, "employees"])
    assert acc.loc[2, "adcode"] == here  # the county of the point, though the row states none
    assert acc.loc[5, "adcode"] == here and acc.loc[5, "year"] == 2024
    # figures that are not numbers keep the firm, blank, with a note naming the value
    assert acc.loc[6, "notes"] == "figure_not_numeric"
    assert math.isnan(acc.loc[6, "employees"]) and math.isnan(acc.loc[6, "output"])
    assert (
        "employees = '约200人'" in acc.loc[6, "notes_en"]
        and "output = '不详'" in acc.loc[6, "notes_en"]
    )
    assert "数值不是数字，已留空：employees = “约200人”" in acc.loc[6, "notes_zh"]


def test_chain_graph_names_resolve_to_ids(tmp_path):
    graph = nx.DiGraph(name_zh="半导体发光", name_en="LED lighting")
    graph.add_node("epi", name_zh="外延片", name_en="Epitaxial wafer")
    graph.add_node("chip", name_zh="芯片", name_en="Chip")
    graph.add_edge("epi", "chip")
    rows = [
        ["A1", "甲", "117", "36.6", "LED", "外延片", "1", "1"],
        ["A2", "乙", "117", "36.6", "半导体发光", "chip", "1", "1"],
        ["A3", "丙", "117", "36.6", "LED", "封装", "1", "1"],
    ]
    res = read_firms(
        write(tmp_path, "c.csv", csv_bytes(rows)), boundary=BOUNDARY, chains={"LED": graph}
    )
    assert check(res, [2, 3, 4]) == {4: "unknown_node"}
    assert res.accepted["node"].tolist() == ["epi", "chip"]
    assert res.accepted["chain"].tolist() == ["LED", "LED"]
    assert res.accepted["notes"].tolist() == ["node_name_resolved", "chain_name_resolved"]


def test_default_chains_come_from_the_project(tmp_path):
    rows = [["A1", "甲", "117", "36.6", "NOPE", "epi", "1", "1"]]
    res = read_firms(write(tmp_path, "c.csv", csv_bytes(rows)), boundary=BOUNDARY)
    if res.summary["chains"] is None:  # no chain list in this checkout: chain is not checked
        assert check(res, [2]) == {}
    else:
        assert check(res, [2]) == {2: "unknown_chain"}


def test_fallbacks_when_project_modules_are_absent(tmp_path, monkeypatch):
    # None in sys.modules makes the import fail as if the module did not exist
    monkeypatch.setitem(sys.modules, "layout.chains", None)
    monkeypatch.setitem(sys.modules, "geo.boundaries", None)
    rows = [
        ["A1", "甲", "117", "36.6", "NOPE", "epi", "1", "1"],
        ["A2", "乙", "117", "36.6", "LED", "substrate", "1", "1"],
        ["A3", "丙", "116.4", "39.9", "LED", "substrate", "1", "1"],
    ]
    res = read_firms(write(tmp_path, "f.csv", csv_bytes(rows)))
    assert res.summary["chains"] == "data/chains/nodes.csv"
    assert res.summary["boundary"] == "bbox-fallback"
    assert check(res, [2, 3, 4]) == {2: "unknown_chain", 4: "outside_shandong"}


def test_html_in_names_stays_plain_text(tmp_path):
    rows = [["A1", "<script>alert(1)</script>", "117", "36.6", "LED", "epi", "1", "1"]]
    res = read_firms(write(tmp_path, "h.csv", csv_bytes(rows)), **OPTS)
    assert check(res, [2]) == {}
    assert res.accepted["name"].tolist() == ["<script>alert(1)</script>"]


# ---------------------------------------------------------------------------------------------
# other formats
# ---------------------------------------------------------------------------------------------


def test_xlsx_with_title_row_numbers_and_sheets(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "说明"
    sheet["A1"] = "see the other sheet"
    data = book.create_sheet("企业")
    data.append(["2023 年企业名单"])  # row 1: title
    data.append([*HEAD_ZH, "备注"])  # row 2: header
    data.append(["A1", "甲", 117.0, 36.6, "LED", "epi", 10, 100.5, None])  # 3 ok
    data.append([None] * 9)  # 4 blank
    data.append([1002, "乙", "x", 36.6, "LED", "epi", -1, 3, "note"])  # 5
    data.append([1003, "丙", 36.6, 117.0, "NEV", "motor", 3, 4])  # 6 swapped
    data.cell(row=7, column=12, value="beyond the header")  # 7 data in col L
    data.cell(row=9, column=1, value=None)
    path = tmp_path / "firms.xlsx"
    book.save(path)
    res = read_firms(path, layer="企业", **OPTS)
    codes = check(res, [3, 4, 5, 6, 7])
    assert codes == {
        4: "blank_row",
        5: "non_numeric_coordinates;negative_value",
        7: "missing_id;missing_name;missing_coordinates",
    }
    assert res.summary["header_row"] == 2 and res.summary["sheet"] == "企业"
    acc = res.accepted.set_index("row")
    assert acc.loc[6, "firm_id"] == "1003" and acc.loc[6, "notes"] == "swapped_lon_lat"
    assert acc.loc[3, "output"] == 100.5 and acc.loc[3, "extra_备注"] == ""
    assert res.rejected.set_index("row").loc[7, "column_12"] == "beyond the header"
    with pytest.raises(FirmImportError, match="no sheet"):
        read_firms(path, layer="missing", **OPTS)
    with pytest.raises(FirmImportError, match="missing required column"):
        read_firms(path, **OPTS)  # the first sheet is not a firm table


def test_xlsx_first_sheet_without_header_raises(tmp_path):
    book = openpyxl.Workbook()
    book.active["A1"] = "not a firm table"
    book.active["A2"] = 1
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(FirmImportError, match="missing required column"):
        read_firms(path, **OPTS)


def _feature(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _props(i: int) -> dict[str, object]:
    return {
        "企业编号": f"G{i}",
        "企业名称": f"企业{i}",
        "产业链": "LED",
        "环节": "epi",
        "从业人数": 5,
        "产值(万元)": 1.5,
    }


def test_geojson_points_and_bad_geometries(tmp_path):
    feats = [
        _feature({"type": "Point", "coordinates": list(WGS[0])}, **_props(1)),
        _feature(None, **_props(2)),
        _feature({"type": "LineString", "coordinates": [[117, 36], [118, 37]]}, **_props(3)),
        _feature({"type": "Point", "coordinates": []}, **_props(4)),
        _feature({"type": "Point", "coordinates": [float("nan"), 36.0]}, **_props(5)),
        _feature({"type": "Point", "coordinates": ["117", "36"]}, **_props(6)),
        _feature({"type": "Point", "coordinates": [116.4, 39.9]}, **_props(7)),
        _feature(
            {"type": "Point", "coordinates": [36.6, 117.0, 12.0]},
            **_props(8),
            extra={"nested": [1, 2]},
            经度=1,
        ),
        _feature(None),
    ]
    fc = {"type": "FeatureCollection", "features": feats}
    path = write(tmp_path, "f.geojson", json.dumps(fc, ensure_ascii=False).encode())
    res = read_firms(path, **OPTS)
    assert check(res, list(range(1, 10))) == {
        2: "missing_coordinates",
        3: "bad_geometry",
        4: "bad_geometry",
        5: "non_finite",
        6: "bad_geometry",
        7: "outside_shandong",
        9: "blank_row",
    }
    rej = res.rejected.set_index("row")
    assert (
        rej.loc[3, "reason_en"]
        == "bad geometry (must be a non-empty point): LineString is not a Point"
    )
    assert json.loads(rej.loc[3, "geometry"])["type"] == "LineString"
    assert rej.loc[5, "reason_en"] == "value is NaN or infinite: lon"
    acc = res.accepted.set_index("row")
    np.testing.assert_allclose(acc.loc[1, ["lon", "lat"]].to_numpy(float), WGS[0])
    assert acc.loc[8, "notes"] == "swapped_lon_lat"
    assert acc.loc[8, "extra_extra"] == '{"nested": [1, 2]}'
    assert acc.loc[8, "extra_经度"] == "1"  # geometry gives lon/lat; the column is kept
    assert res.summary["format"] == "geojson"


def test_geojson_declared_crs_is_respected(tmp_path):
    fwd = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True)
    x, y = fwd.transform(WGS[:, 0], WGS[:, 1])
    feats = [
        _feature({"type": "Point", "coordinates": [a, b]}, **_props(i))
        for i, (a, b) in enumerate(zip(x, y, strict=True))
    ]
    fc = {
        "type": "FeatureCollection",
        "features": feats,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32650"}},
    }
    path = write(tmp_path, "utm.geojson", json.dumps(fc).encode())
    res = read_firms(path, **OPTS)
    assert check(res, [1, 2, 3, 4]) == {}
    np.testing.assert_allclose(res.accepted[["lon", "lat"]].to_numpy(), WGS, atol=1e-6)
    with pytest.raises(FirmImportError, match="disagrees"):
        read_firms(path, crs="EPSG:4549", **OPTS)


def test_geojson_empty_collection_and_not_geojson(tmp_path):
    empty = write(tmp_path, "e.geojson", b'{"type": "FeatureCollection", "features": []}')
    assert check(read_firms(empty, **OPTS), []) == {}
    with pytest.raises(FirmImportError, match="FeatureCollection"):
        read_firms(write(tmp_path, "x.geojson", b'{"type": "Polygon"}'), **OPTS)
    with pytest.raises(FirmImportError, match="not valid JSON"):
        read_firms(write(tmp_path, "y.json", b"{oops"), **OPTS)


def test_geopackage_in_a_projected_crs(tmp_path):
    fwd = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    x, y = fwd.transform(WGS[:3, 0], WGS[:3, 1])
    geoms = [*shapely.points(x, y), None, shapely.Point(), shapely.box(0, 0, 1, 1)]
    frame = pd.DataFrame([_props(i) for i in range(6)])
    frame.loc[1, "企业编号"] = "G0"
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4549")
    path = tmp_path / "firms.gpkg"
    gdf.to_file(path, layer="firms")
    gdf.iloc[:1].to_file(path, layer="second")
    res = read_firms(path, **OPTS)
    assert check(res, [1, 2, 3, 4, 5, 6]) == {
        2: "duplicate_id",
        4: "missing_coordinates",
        5: "bad_geometry",
        6: "bad_geometry",
    }
    np.testing.assert_allclose(res.accepted[["lon", "lat"]].to_numpy(), WGS[[0, 2]], atol=1e-6)
    assert (res.accepted["datum_in"] == "EPSG:4549").all()
    assert res.summary["crs"] == "EPSG:4549" and res.summary["layer"] == "firms"
    assert res.rejected.set_index("row").loc[6, "geometry"].startswith("POLYGON")
    second = read_firms(path, layer="second", **OPTS)
    assert check(second, [1]) == {}
    with pytest.raises(FirmImportError, match="no layer"):
        read_firms(path, layer="nope", **OPTS)
    with pytest.raises(FirmImportError, match="disagrees"):
        read_firms(path, crs="EPSG:32650", **OPTS)
    with pytest.raises(FirmImportError, match="projected"):
        read_firms(path, datum="gcj02", **OPTS)
    # the same bytes as an upload (buffer with a name)
    with path.open("rb") as fh:
        upload = read_firms(fh, **OPTS)
    assert check(upload, [1, 2, 3, 4, 5, 6]) == check(res)


# ---------------------------------------------------------------------------------------------
# frames, file-level errors, progress, rejects
# ---------------------------------------------------------------------------------------------


def test_read_firms_frame_does_not_mutate_and_treats_nan_as_blank():
    df = pd.DataFrame(
        {
            "firm_id": ["A", "B", None],
            "name": ["a", "b", "c"],
            "lon": [117.0, np.nan, np.inf],
            "lat": [36.6, 36.6, 36.6],
            "chain": ["LED"] * 3,
            "node": ["epi"] * 3,
            "employees": [1, 2, 10**5000],
            "output": [1.5, None, 2.0],
            "extra": [1.0, 2.0, 3.0],
        }
    )
    before = df.copy()
    res = read_firms_frame(df, **OPTS)
    pd.testing.assert_frame_equal(df, before)
    # row 4 has no firm_id (its name is enough) but an infinite lon
    assert check(res, [2, 3, 4]) == {3: "missing_coordinates", 4: "non_finite"}
    assert res.accepted["extra_extra"].tolist() == ["1"]
    shifted = read_firms_frame(df, first_row=10, **OPTS)
    assert check(shifted, [10, 11, 12]) == {11: "missing_coordinates", 12: "non_finite"}
    # read_firms passes DataFrames on
    assert check(read_firms(df, **OPTS), [2, 3, 4]) == check(res)


def test_read_firms_frame_with_geodataframe():
    gdf = gpd.GeoDataFrame(
        {
            "firm_id": ["A", "B"],
            "name": ["a", "b"],
            "chain": ["LED", "LED"],
            "node": ["epi", "chip"],
            "employees": [1, 2],
            "output": [3, 4],
        },
        geometry=shapely.points(WGS[:2]),
        crs="EPSG:4326",
    )
    res = read_firms_frame(gdf, **OPTS)
    assert check(res, [2, 3]) == {}
    np.testing.assert_allclose(res.accepted[["lon", "lat"]].to_numpy(), WGS[:2])


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [
        ("a.xls", b"\xd0\xcf\x11\xe0", r"\.xls.*save it as \.xlsx.*csv \(\.csv"),
        ("a.shp", b"", "unsupported file type '.shp'; supported: csv"),
        ("a.csv", b"\xff\xfe\x00\xd8" * 3 + b"\x81\x30", "cannot decode"),
        ("a.xlsx", b"not a zip", "cannot open the workbook"),
        ("a.gpkg", b"not sqlite", "cannot open the GeoPackage"),
    ],
)
def test_file_level_errors(tmp_path, name, data, match):
    with pytest.raises(FirmImportError, match=match):
        read_firms(write(tmp_path, name, data), **OPTS)


def test_missing_file_and_bad_arguments(tmp_path):
    with pytest.raises(FirmImportError, match="cannot read"):
        read_firms(tmp_path / "nope.csv", **OPTS)
    with pytest.raises(FirmImportError) as err:
        read_firms(
            tmp_path / "nope.csv",
            datum="mars2",
            crs="EPSG:0",
            boundary="shandong",
            chains={"LED": "epi"},
        )
    msg = str(err.value)
    assert "datum='mars2'" in msg and "crs='EPSG:0'" in msg
    assert "boundary must be" in msg and "chains values" in msg
    with pytest.raises(FirmImportError, match="GCJ-02/BD-09"):
        read_firms(tmp_path / "nope.csv", datum="gcj02", crs="EPSG:4549", **OPTS)
    assert issubclass(FirmImportError, ValueError)


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n", b",,,\n,,\n"])
def test_empty_files_read_zero_rows(tmp_path, data):
    res = read_firms(write(tmp_path, "e.csv", data), **OPTS)
    assert check(res, []) == {}
    assert list(res.accepted.columns[:8]) == HEAD_EN
    assert list(res.rejected.columns[:4]) == ["row", "reason_codes", "reason_zh", "reason_en"]


def test_header_only_and_trailing_blank_rows(tmp_path):
    res = read_firms(write(tmp_path, "h.csv", csv_bytes([])), **OPTS)
    assert check(res, []) == {} and res.summary["header_row"] == 1
    data = csv_bytes([good_rows(WGS[:1])[0], [], ["", ""], [""] * 8])
    res2 = read_firms(write(tmp_path, "t.csv", data), **OPTS)
    assert check(res2, [2]) == {}
    assert res2.summary["trailing_blank_rows"] == 3


def test_buffer_format_sniffing_and_progress():
    seen: list[float] = []
    data = csv_bytes(good_rows(WGS))
    res = read_firms(io.BytesIO(data), progress=seen.append, **OPTS)
    assert check(res, [2, 3, 4, 5]) == {}
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    fc = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [_feature({"type": "Point", "coordinates": list(WGS[0])}, **_props(0))],
        }
    ).encode()
    assert read_firms(io.BytesIO(fc), **OPTS).summary["format"] == "geojson"


def test_write_rejects_neutralises_formulas(tmp_path):
    rows = [
        ["=1+1", "", "117", "-36.6", "LED", "epi", "1", "1"],
        ["+A1", "@SUM(A1)", "-117", "36.6", "LED", "epi", "\tx", "\rx"],
    ]
    header = [*HEAD_ZH, "-备注"]
    rows = [[*r, "=cmd|' /C calc'!A0"] for r in rows]
    res = read_firms(write(tmp_path, "r.csv", csv_bytes(rows, header)), **OPTS)
    assert check(res, [2, 3]) == {2: "outside_shandong", 3: "outside_shandong"}
    out = write_rejects(res, tmp_path / "rejects.csv")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0][-1] == "'-备注"
    cells = [c for line in table for c in line]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    body = {line[5]: line for line in table[1:]}
    assert body["'=1+1"][-1] == "'=cmd|' /C calc'!A0"
    assert body["'+A1"][7] == "'-117" and body["'+A1"][6] == "'@SUM(A1)"
    assert body["'+A1"][11] == "'\tx" and body["'+A1"][12] == "'\rx"
    assert len(table) == 1 + res.summary["rejected"]


def test_header_aliases_are_documented_for_every_field():
    assert set(HEADER_ALIASES) == {*HEAD_EN, "adcode", "year", "county", "city", "address",
                                   "industry_code"}  # fmt: skip
    assert "产值" in HEADER_ALIASES["output"]  # "产值（万元）" is 产值 with its unit
