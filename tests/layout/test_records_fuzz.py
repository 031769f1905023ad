"""Property tests for layout.records: whatever comes in, nothing raises but FirmImportError for
file-level problems, and every row read is accepted or rejected (read == accepted + rejected).

The number of examples each property tried is printed at the end of the module, so CI logs
show how much was explored. ``RECORDS_FUZZ_EXAMPLES=5000`` runs a deeper search.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.records import (
    HEADER_ALIASES,
    REASONS,
    REQUIRED_COLUMNS,
    FirmImportError,
    ImportResult,
    read_firms,
    read_firms_frame,
    write_rejects,
)

BOUNDARY = shapely.box(114.8, 34.37, 122.72, 38.41)
CHAINS = {"LED": {"epi", "chip"}, "NEV": {"battery"}}
OPTS = {"boundary": BOUNDARY, "chains": CHAINS}
FUZZ = settings(
    max_examples=int(os.environ.get("RECORDS_FUZZ_EXAMPLES", "100")),  # raise it for a deep run
    deadline=None,
    database=None,  # keep no example files in the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
EXAMPLES: Counter[str] = Counter()
# what a table without the columns the importer needs may raise (message codes)
COLUMN_PROBLEMS = {
    "records_missing_columns",
    "records_ambiguous_column",
    "records_half_coordinates",
}


@pytest.fixture(scope="module", autouse=True)
def _report_examples(request):
    yield
    line = (
        "records fuzz examples tried: "
        + ", ".join(f"{name}={count}" for name, count in sorted(EXAMPLES.items()))
        + f" (total {sum(EXAMPLES.values())})"
    )
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():  # shown even though pytest captures output
        print("\n" + line)


def check(res: ImportResult) -> None:
    s = res.summary
    assert s["read"] == s["accepted"] + s["rejected"]
    assert len(res.accepted) == s["accepted"] and len(res.rejected) == s["rejected"]
    rows = [*res.accepted["row"].tolist(), *res.rejected["row"].tolist()]
    assert len(set(rows)) == len(rows) == s["read"]
    assert all(res.rejected["reason_codes"].str.len() > 0)
    codes = {c for v in res.rejected["reason_codes"] for c in v.split(";")}
    assert codes <= set(REASONS)
    assert res.accepted.crs == "EPSG:4326"
    if len(res.accepted):
        assert np.isfinite(res.accepted[["lon", "lat"]].to_numpy()).all()
        assert res.accepted["lon"].between(114.8, 122.72).all()
        assert res.accepted["lat"].between(34.37, 38.41).all()
        assert (res.accepted[["employees", "output"]].fillna(0) >= 0).all().all()
        assert not res.accepted["firm_id"].duplicated().any()


# --------------------------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=114, max_value=123).map(str),
    st.floats(min_value=34, max_value=39).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "1e400",
            "-1e400",
            "NaN",
            "nan",
            "inf",
            "-Infinity",
            "1,234.5",
            "１２３",
            " 36.6 ",
            "117.0",
            "36.65",
            "-0",
            ".5",
            "5.",
            "1e-400",
            "0x10",
            "1_000",
        ]
    ),
)
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "LED",
            "NEV",
            "epi",
            "chip",
            "battery",
            "=1+1",
            "@x",
            "-",
            "企业",
            "<b>x</b>",
            "370102",
            "2023",
            "\n",
            '"',
            ",",
            "\r\n",
        ]
    ),
)
CELL = st.one_of(NUMBERS, TEXT)


def header_strategy():
    picks = [st.sampled_from(HEADER_ALIASES[c]) for c in REQUIRED_COLUMNS]
    optional = st.lists(
        st.sampled_from(["adcode", "年份", "备注", "", "extra", "row", "notes"]),
        max_size=3,
        unique=True,
    )
    return st.tuples(*picks, optional).map(lambda t: [*t[:-1], *t[-1]])


@st.composite
def csv_files(draw):
    header = draw(header_strategy())
    n_rows = draw(st.integers(min_value=0, max_value=25))
    width = len(header)
    rows = [draw(st.lists(CELL, min_size=0, max_size=width + 2)) for _ in range(n_rows)]
    buf = io.StringIO()
    # a bare CR inside an unquoted cell is a line break to every reader: quote it
    dialect = draw(st.sampled_from([("\r\n", csv.QUOTE_MINIMAL), ("\n", csv.QUOTE_ALL)]))
    csv.writer(buf, lineterminator=dialect[0], quoting=dialect[1]).writerows([header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    return buf.getvalue().encode(encoding, errors="replace"), rows


@st.composite
def geometries(draw):
    point = st.tuples(st.floats(114, 123), st.floats(34, 39)).map(list)
    return draw(
        st.one_of(
            point.map(lambda c: {"type": "Point", "coordinates": c}),
            st.tuples(
                st.floats(allow_nan=True, allow_infinity=True),
                st.floats(allow_nan=True, allow_infinity=True),
            ).map(lambda c: {"type": "Point", "coordinates": list(c)}),
            st.just(None),
            st.just({"type": "Point", "coordinates": []}),
            st.just({"type": "Point"}),
            st.just({"type": "Point", "coordinates": ["117", 36]}),
            st.just({"type": "Point", "coordinates": [10**400, 36]}),
            st.just({"type": "Point", "coordinates": [True, 36]}),
            st.just({"type": "LineString", "coordinates": [[117, 36], [118, 37]]}),
            st.just({"type": "MultiPoint", "coordinates": [[117, 36]]}),
            st.just({"type": "GeometryCollection", "geometries": []}),
            st.just({"type": 5}),
            st.just("POINT (117 36)"),
            st.just([117, 36]),
            st.integers(),
        )
    )


JSON_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["LED", "epi", "117.0", "36.6"]),
    st.lists(st.integers(), max_size=2),
)


@st.composite
def geojson_docs(draw):
    keys = draw(
        st.lists(
            st.sampled_from(
                [a for c in REQUIRED_COLUMNS if c not in ("lon", "lat") for a in HEADER_ALIASES[c]]
                + ["备注", "经度", "x"]
            ),
            max_size=10,
        )
    )
    features = []
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        props = {k: draw(JSON_VALUE) for k in keys}
        feature = draw(st.sampled_from(["ok", "no-props", "not-a-dict"]))
        if feature == "not-a-dict":
            features.append(draw(st.sampled_from([None, 3, "x", []])))
        else:
            features.append(
                {
                    "type": "Feature",
                    "geometry": draw(geometries()),
                    "properties": props if feature == "ok" else None,
                }
            )
    return json.dumps({"type": "FeatureCollection", "features": features}).encode(), features


FRAME_VALUE = st.one_of(
    st.none(),
    st.just(math.nan),
    st.just(pd.NA),
    st.booleans(),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=True),
    st.floats(114, 123),
    st.floats(34, 39),
    TEXT,
    st.just(np.int64(7)),
    st.just(np.float32(36.5)),
)


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------


@FUZZ
@given(
    prefix=st.sampled_from(
        [
            b"",
            b"\xef\xbb\xbf",
            b"\xff\xfe",
            "企业编号,经度\n".encode("gbk"),
            ",".join(HEADER_ALIASES[c][1] for c in REQUIRED_COLUMNS[:6]).encode("gb18030") + b"\n",
        ]
    ),
    body=st.binary(max_size=600),
    suffix=st.sampled_from([".csv", ".txt", ".tsv", ""]),
)
def test_random_bytes_never_crash(prefix, body, suffix):
    EXAMPLES["random_bytes"] += 1
    try:
        res = read_firms(io.BytesIO(prefix + body), source_name=f"upload{suffix}", **OPTS)
    except FirmImportError as exc:
        assert str(exc)
        return
    check(res)


@FUZZ
@given(csv_files())
def test_random_csv_tables_account_for_every_row(case):
    EXAMPLES["csv_tables"] += 1
    data, rows = case
    res = read_firms(io.BytesIO(data), source_name="f.csv", **OPTS)
    check(res)
    blank = [not any(c.strip() for c in r) for r in rows]
    trailing = 0
    while trailing < len(rows) and blank[len(rows) - 1 - trailing]:
        trailing += 1
    assert res.summary["header_row"] == 1
    assert res.summary["read"] == len(rows) - trailing
    assert res.summary["trailing_blank_rows"] == trailing
    assert sorted([*res.accepted["row"], *res.rejected["row"]]) == list(
        range(2, 2 + len(rows) - trailing)
    )


@FUZZ
@given(csv_files())
def test_rejects_written_are_safe_and_complete(tmp_path_factory, case):
    EXAMPLES["write_rejects"] += 1
    data, _ = case
    res = read_firms(io.BytesIO(data), source_name="f.csv", **OPTS)
    path = write_rejects(res, tmp_path_factory.mktemp("rej") / "rejects.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert len(table) == 1 + res.summary["rejected"]
    for line in table:
        for cell in line:  # a cell that is only a sign is not a formula (geo.export rule)
            assert cell in ("+", "-") or cell[:1] not in ("=", "+", "-", "@", "\t", "\r")


@FUZZ
@given(
    columns=st.lists(
        st.sampled_from([*REQUIRED_COLUMNS, "adcode", "year", "备注", "企业名称", 0, ("a", "b")]),
        min_size=0,
        max_size=12,
    ),
    n_rows=st.integers(min_value=0, max_value=15),
    data=st.data(),
)
def test_random_frames(columns, n_rows, data):
    EXAMPLES["frames"] += 1
    values = {
        i: data.draw(st.lists(FRAME_VALUE, min_size=n_rows, max_size=n_rows))
        for i in range(len(columns))
    }
    frame = pd.DataFrame(values, index=range(n_rows), dtype=object)
    frame.columns = columns
    before = frame.copy()
    try:
        res = read_firms_frame(frame, **OPTS)
    except FirmImportError as exc:
        assert {q.code for q in exc.problems} <= COLUMN_PROBLEMS, exc
        return
    finally:
        pd.testing.assert_frame_equal(frame, before)
    check(res)
    assert res.summary["read"] == n_rows


@FUZZ
@given(geojson_docs())
def test_random_geojson(doc):
    EXAMPLES["geojson"] += 1
    data, features = doc
    try:
        res = read_firms(io.BytesIO(data), source_name="f.geojson", **OPTS)
    except FirmImportError as exc:
        assert {q.code for q in exc.problems} <= COLUMN_PROBLEMS, exc
        return
    check(res)
    assert res.summary["read"] == len(features)
    assert sorted([*res.accepted["row"], *res.rejected["row"]]) == list(range(1, len(features) + 1))


@FUZZ
@given(
    datum=st.sampled_from(["wgs84", "cgcs2000", "gcj02", "bd09"]),
    coords=st.lists(
        st.tuples(
            st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-200, 200)),
            st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-100, 130)),
        ),
        max_size=20,
    ),
)
def test_random_coordinates_in_any_datum(datum, coords):
    EXAMPLES["coordinates"] += 1
    frame = pd.DataFrame(
        {
            "firm_id": [f"F{i}" for i in range(len(coords))],
            "name": "n",
            "lon": [c[0] for c in coords],
            "lat": [c[1] for c in coords],
            "chain": "LED",
            "node": "epi",
            "employees": 1,
            "output": 1,
        },
        index=range(len(coords)),
    )
    res = read_firms_frame(frame, datum=datum, **OPTS)
    check(res)
    assert res.summary["read"] == len(coords)


@pytest.mark.slow
def test_hundred_thousand_rows(tmp_path):
    """100 000 rows, some broken, complete with exact accounting (no time bound asserted)."""
    n = 100_000
    rng = np.random.default_rng(42)
    lon = rng.uniform(115.0, 122.5, n).round(6).astype(str)
    lat = rng.uniform(34.5, 38.3, n).round(6).astype(str)
    ids = np.char.add("F", np.arange(n).astype(str))
    lon[::1000] = "abc"  # 100 non-numeric
    ids[1::1000] = ids[0::1000][: len(ids[1::1000])]  # 100 duplicates
    frame = pd.DataFrame(
        {
            "企业编号": ids,
            "企业名称": np.char.add("企业", np.arange(n).astype(str)),
            "经度": lon,
            "纬度": lat,
            "产业链": "LED",
            "环节": "epi",
            "从业人数": rng.integers(1, 5000, n),
            "产值（万元）": rng.uniform(0, 1e6, n).round(1),
            "备注": "x",
        }
    )
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False, encoding="gb18030")
    res = read_firms(path, **OPTS)
    check(res)
    assert res.summary["read"] == n
    assert res.summary["by_reason"]["non_numeric_coordinates"] == 100
    assert res.summary["by_reason"]["duplicate_id"] == 100
    assert res.summary["encoding"] == "gb18030"
