"""Hostile firm files (issue #11, importer part): every one gets a clear error or a per-row
reason, never a traceback, and none makes the importer allocate what the file only declares.

Each case was first run against the importer before this change; what it did then is said in the
test's docstring.
"""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
import zipfile

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely

from geo.export import to_gpkg
from layout.records import FirmImportError, read_firms

BOUNDARY = shapely.box(114.8, 34.37, 122.72, 38.41)
CHAINS = {"LED": {"epi", "chip", "package"}}
OPTS = {"boundary": BOUNDARY, "chains": CHAINS}
HEAD = ["企业编号", "企业名称", "经度", "纬度", "产业链", "环节", "从业人数", "产值（万元）"]
ROW = ["A1", "甲", "117.0", "36.6", "LED", "epi", "10", "100"]
MB = 1 << 20


def csv_bytes(rows, header=HEAD, encoding="utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def check(res) -> dict[int, str]:
    s = res.summary
    assert s["read"] == s["accepted"] + s["rejected"]
    assert len(res.accepted) == s["accepted"] and len(res.rejected) == s["rejected"]
    return dict(zip(res.rejected["row"].tolist(), res.rejected["reason_codes"], strict=True))


def small_book(path, rows=((*ROW,),), header=HEAD):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "企业"
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def with_dimension(path, ref: str):
    """Rewrite the sheet's declared <dimension> (what a 2 KB hostile file can claim)."""
    src = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(),
                              data)  # fmt: skip
            zout.writestr(item, data)
    path.write_bytes(out.getvalue())
    return path


def peak_mb(fn):
    """Peak Python-heap megabytes while ``fn`` runs (the county index is built beforehand: it is
    built once per process, whatever the file)."""
    from geo.joins import CountyIndex

    CountyIndex.default()
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


# --------------------------------------------------------------------------------- workbooks


def test_declared_dimension_of_a_whole_sheet_is_not_allocated(tmp_path):
    """Before: ``A1:XFD1048576`` made openpyxl pad every row to 16,384 cells and yield
    1,048,576 rows: the CLI passed 4-7 GB before failing."""
    path = with_dimension(small_book(tmp_path / "dim.xlsx"), "A1:XFD1048576")
    assert b"XFD1048576" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    res, peak = peak_mb(lambda: read_firms(path, **OPTS))
    assert check(res) == {}
    assert res.summary["read"] == 1 and res.accepted["name"].tolist() == ["甲"]
    assert res.summary["trailing_blank_rows"] == 0
    assert peak < 50, f"{peak:.0f} MB allocated for a one-row sheet"


def test_one_empty_cell_far_below_is_a_trailing_blank_row_not_a_million_rejects(tmp_path):
    """Before: a styled empty cell at A1048576 read 1,048,574 blank rows, each rejected
    (41 s, 1.3 GB, a 46 MB rejects file)."""
    path = tmp_path / "far.xlsx"
    book = openpyxl.load_workbook(small_book(path))
    book.active["A1048576"].font = openpyxl.styles.Font(bold=True)  # a cell with no value
    book.save(path)
    res, peak = peak_mb(lambda: read_firms(path, **OPTS))
    assert check(res) == {} and res.summary["read"] == 1
    assert res.summary["trailing_blank_rows"] == 1048574
    assert peak < 100, f"{peak:.0f} MB"


def test_a_value_far_below_stops_at_the_row_cap_with_the_limit_named(tmp_path):
    """Before: the same file with a value at A1048576 read a million blank rows into rejects."""
    path = tmp_path / "far.xlsx"
    book = openpyxl.load_workbook(small_book(path))
    book.active["A1048576"] = "stray"
    book.save(path)
    with pytest.raises(FirmImportError) as err:
        peak_mb(lambda: read_firms(path, **OPTS))
    (problem,) = err.value.problems
    assert problem.code == "records_limit" and problem.argument == "max_rows"
    assert "max_rows=1,000,000" in str(err.value) and "--max-rows N" in str(err.value)
    assert "--max-rows" in problem.text("zh") and "上限" in problem.text("zh")
    # raising the cap is how to read it anyway: the blank rows between are then blank_row rejects
    res = read_firms(path, max_rows=1_100_000, **OPTS)
    assert res.summary["read"] == 1048575 and res.summary["accepted"] == 1
    # the stray cell is a firm_id without a location
    assert res.summary["by_reason"] == {"blank_row": 1048573, "missing_coordinates": 1}


def test_a_cell_beyond_the_column_cap_is_refused(tmp_path):
    path = tmp_path / "wide.xlsx"
    book = openpyxl.load_workbook(small_book(path))
    book.active["XFD2"] = "far right"
    book.save(path)
    with pytest.raises(FirmImportError, match="max_columns=1,000") as err:
        read_firms(path, **OPTS)
    assert err.value.problems[0].argument == "max_columns"
    res = read_firms(path, max_columns=20_000, **OPTS)
    assert res.summary["read"] == 1  # the far cell is kept as an extra column of row 2
    assert res.accepted["extra_column_16384"].tolist() == ["far right"]


def test_the_active_sheet_is_read_not_the_hidden_first_one(tmp_path):
    """Before: the hidden first sheet was imported and there was no way to name another."""
    book = openpyxl.Workbook()
    old = book.active
    old.title = "旧名单"
    old.append(HEAD)
    old.append(["OLD", "旧企业", "117", "36.6", "LED", "epi", "1", "1"])
    old.sheet_state = "hidden"
    new = book.create_sheet("2024名单")
    new.append(HEAD)
    new.append(ROW)
    book.active = 1
    path = tmp_path / "sheets.xlsx"
    book.save(path)
    res = read_firms(path, **OPTS)
    assert res.summary["sheet"] == "2024名单" and res.accepted["firm_id"].tolist() == ["A1"]
    assert res.summary["sheets"] == ["旧名单", "2024名单"]
    named = read_firms(path, layer="旧名单", **OPTS)
    assert named.accepted["firm_id"].tolist() == ["OLD"]
    with pytest.raises(FirmImportError, match="no sheet 'x'"):
        read_firms(path, layer="x", **OPTS)


def test_formula_cells_without_saved_values_say_so(tmp_path):
    """Before: such cells read as blank, with a misleading reason (missing coordinates)."""
    path = tmp_path / "formulas.xlsx"
    small_book(path, rows=[("A1", "甲", "=116+1", 36.6, "LED", "epi", 10, 100, "=1+1"),
                           ("A2", "乙", 117.0, 36.6, "LED", "epi", 10, 100, "=2+2")],
               header=[*HEAD, "备注"])  # fmt: skip
    res = read_firms(path, **OPTS)
    assert check(res) == {2: "formula_without_value"}
    rej = res.rejected.iloc[0]
    assert rej["reason_en"] == (
        "formula cell without a saved value (open and save the workbook in Excel, or paste the "
        "values): 经度"
    )
    acc = res.accepted.iloc[0]  # a formula in an extra column only: kept, with a note
    assert acc["notes"] == "formula_without_value" and acc["extra_备注"] == ""


# ------------------------------------------------------------------------------------- CSV


def test_five_thousand_columns_are_refused_with_the_limit(tmp_path):
    """Before: 5,000 columns were accepted, then writing the GeoPackage failed (FieldError)."""
    header = [*HEAD, *(f"c{i}" for i in range(4992))]
    path = tmp_path / "wide.csv"
    path.write_bytes(csv_bytes([[*ROW, *([""] * 4992)]], header))
    with pytest.raises(FirmImportError, match="max_columns=1,000"):
        read_firms(path, **OPTS)


def test_duplicate_case_duplicate_and_nul_headers_become_safe_extra_columns(tmp_path):
    """Before: the extras ``备注``/``备注`` ``Note``/``note`` and a NUL header made the GeoPackage
    writer fail (FieldError) after the import."""
    header = [*HEAD, "备注", "备注", "Note", "note", "bad\x00name", ""]
    path = tmp_path / "dups.csv"
    path.write_bytes(csv_bytes([[*ROW, "a", "b", "c", "d", "e", "f"]], header))
    res = read_firms(path, **OPTS)
    assert check(res) == {}
    extras = [c for c in res.accepted.columns if c.startswith("extra_")]
    assert extras == ["extra_备注", "extra_备注_2", "extra_Note", "extra_note_2", "extra_bad name",
                      "extra_column_14"]  # fmt: skip
    assert len({c.casefold() for c in extras}) == len(extras)
    out = to_gpkg({"firms": res.accepted}, tmp_path / "out.gpkg")
    back = gpd.read_file(out, layer="firms")
    assert back[extras].iloc[0].tolist() == ["a", "b", "c", "d", "e", "f"]


def test_an_unbalanced_quote_is_reported_with_its_line(tmp_path):
    """Before: the quote swallowed the next ten records into one cell (read = 2 of 12), silently."""
    lines = [",".join(HEAD), ",".join(ROW)]
    lines.append('A2,"乙,117.0,36.6,LED,epi,10,100')  # the quote never closes
    lines += [f"A{i},企业{i},117.0,36.6,LED,epi,10,100" for i in range(3, 13)]
    path = tmp_path / "quote.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    with pytest.raises(FirmImportError) as err:
        read_firms(path, **OPTS)
    assert err.value.problems[0].code == "records_unbalanced_quote"
    assert "starts on line 3" in str(err.value)
    assert "第 3 行" in err.value.text("zh")
    # a real multi-line cell is fine
    ok = ",".join(HEAD) + '\r\nA1,"甲\r\n二分厂",117.0,36.6,LED,epi,10,100\r\n'
    path.write_bytes(ok.encode())
    assert read_firms(path, **OPTS).accepted["name"].tolist() == ["甲\r\n二分厂"]


def test_big5_is_never_decoded_as_gb18030_silently(tmp_path):
    """Before: Big5 bytes decoded as GB18030 and the garbage names were accepted without a word."""
    header = ["firm_id", "name", "lon", "lat", "chain", "node", "employees", "output"]
    rows = [["T1", "台灣光電股份有限公司", "117.0", "36.6", "LED", "epi", "10", "100"],
            ["T2", "鴻海精密工業股份有限公司", "120.3", "36.1", "LED", "chip", "20", "200"]]  # fmt: skip
    path = tmp_path / "big5.csv"
    path.write_bytes(csv_bytes(rows, header, encoding="big5"))
    guessed = read_firms(path, **OPTS)
    assert guessed.summary["encoding"] == "gb18030"
    assert guessed.accepted["name"].iloc[0] != "台灣光電股份有限公司"  # what GB18030 makes of it
    assert guessed.summary["encoding_warning"] == "looks_like_big5"
    scores = guessed.summary["encoding_scores"]
    assert scores["big5"] > scores["gb18030"]
    named = read_firms(path, encoding="big5", **OPTS)
    assert named.summary["encoding"] == "big5" and "encoding_warning" not in named.summary
    assert named.accepted["name"].tolist() == ["台灣光電股份有限公司", "鴻海精密工業股份有限公司"]
    with pytest.raises(FirmImportError, match="is not utf-8"):
        read_firms(path, encoding="utf-8", **OPTS)
    # plain GBK text raises no warning
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(csv_bytes([[*ROW[:1], "山东华光光电子股份有限公司", *ROW[2:]]], encoding="gbk"))
    assert "encoding_warning" not in read_firms(gbk, **OPTS).summary


def test_nul_in_a_name_is_rejected_with_a_reason(tmp_path):
    """Before: the NUL truncated the name when written to the GeoPackage."""
    path = tmp_path / "nul.csv"
    path.write_bytes(csv_bytes([["A1", "甲\x00乙", *ROW[2:]], [*ROW[:1], "丙", *ROW[2:]]]))
    res = read_firms(path, **OPTS)
    assert check(res) == {2: "nul_character", 3: "duplicate_id"}
    assert res.rejected.iloc[0]["reason_en"].endswith(": 企业名称")
    assert res.rejected.iloc[0]["企业名称"] == "甲\x00乙"  # the original cell is kept


@pytest.mark.parametrize("bad", ["11_7.0009", "1,2,3", "117 .0", "0x75", "١١٧"])
def test_separators_and_other_forms_in_coordinates_are_rejected(tmp_path, bad):
    """Before: Python's float read ``11_7.0009`` as 117.0009 and the firm was accepted there."""
    path = tmp_path / "n.csv"
    path.write_bytes(csv_bytes([["A1", "甲", bad, "36.6", "LED", "epi", "10", "100"]]))
    res = read_firms(path, **OPTS)
    assert check(res) == {2: "non_numeric_coordinates"}
    assert res.rejected.iloc[0]["reason_en"] == f"coordinates are not numbers: lon = {bad!r}"


def test_thousands_separators_and_full_width_digits_are_numbers(tmp_path):
    path = tmp_path / "n.csv"
    path.write_bytes(
        csv_bytes([["A1", "甲", "１１７．０", "36.6", "LED", "epi", "1,234", "1,234.5"]])
    )
    res = read_firms(path, **OPTS)
    assert check(res) == {}
    assert res.accepted[["lon", "employees", "output"]].iloc[0].tolist() == [117.0, 1234.0, 1234.5]


def test_caps_on_rows_and_cell_size_in_csv(tmp_path):
    path = tmp_path / "many.csv"
    path.write_bytes(csv_bytes([[f"A{i}", *ROW[1:]] for i in range(30)]))
    with pytest.raises(FirmImportError, match="max_rows=10"):
        read_firms(path, max_rows=10, **OPTS)
    assert read_firms(path, max_rows=30, **OPTS).summary["read"] == 30
    long = tmp_path / "long.csv"
    long.write_bytes(csv_bytes([[*ROW[:1], "x" * 40_000, *ROW[2:]]]))
    with pytest.raises(FirmImportError, match="max_cell_chars=32,767"):
        read_firms(long, **OPTS)
    with pytest.raises(FirmImportError, match="max_bytes=100"):
        read_firms(path, max_bytes=100, **OPTS)
    with pytest.raises(FirmImportError, match="limit max_rows=0 is invalid"):
        read_firms(path, max_rows=0, **OPTS)


def test_trailing_blank_lines_are_skipped_not_rejected(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(csv_bytes([ROW]) + b"\r\n" * 50_000 + b",,,,,,,\r\n" * 10)
    res = read_firms(path, **OPTS)
    assert check(res) == {} and res.summary["read"] == 1
    assert res.summary["trailing_blank_rows"] == 50_010


# ---------------------------------------------------------------------------------- GeoJSON


@pytest.mark.parametrize(
    "crs",
    [
        [1, 2],
        "EPSG:4326",
        {"type": "name", "properties": ["EPSG:4326"]},
        {"type": "name", "properties": {"name": ["EPSG:4326"]}},
    ],
)
def test_a_geojson_crs_member_that_is_not_an_object_is_a_clear_error(tmp_path, crs):
    """Before: ``"crs": {"properties": [...]}`` raised AttributeError ('list' has no 'get')."""
    import json

    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.0, 36.6]},
               "properties": {"企业编号": "A1", "企业名称": "甲"}}  # fmt: skip
    path = tmp_path / "c.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": [feature]}))
    with pytest.raises(FirmImportError) as err:
        read_firms(path, **OPTS)
    assert err.value.problems[0].code == "records_geojson_crs_shape"
    assert "RFC 7946" in str(err.value)


def test_no_error_leaks_as_a_traceback_for_binary_garbage(tmp_path):
    rng = np.random.default_rng(7)
    for i, suffix in enumerate([".csv", ".xlsx", ".geojson", ".gpkg"] * 5):
        path = tmp_path / f"g{i}{suffix}"
        path.write_bytes(rng.integers(0, 256, 2000, dtype=np.uint8).tobytes())
        try:
            res = read_firms(path, **OPTS)
        except FirmImportError as exc:
            assert exc.problems and all(p.code.startswith("records_") for p in exc.problems)
        else:
            check(res)
