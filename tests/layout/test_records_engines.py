"""The two CSV parsers give the same table: pyarrow's (fast, regular files) and Python's csv
module (the fallback for everything else). Random regular files, quoted cells with delimiters,
quotes and line breaks included."""

from __future__ import annotations

import csv
import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.records.limits import Limits
from layout.records.textfile import read_csv

CELL = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(
        ["", " ", '"', '""', "a,b", "x\ny", "x\r\ny", "117.0", "企业", "=1+1", "  36 "]
    ),
)
HEADER = ["企业编号", "企业名称", "经度", "纬度", "产业链", "环节"]


@settings(max_examples=int(os.environ.get("RECORDS_FUZZ_EXAMPLES", "60")), deadline=None,
          database=None, suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(
    rows=st.lists(st.lists(CELL, min_size=6, max_size=6), min_size=1, max_size=20),
    delimiter=st.sampled_from([",", "\t", ";"]),
    terminator=st.sampled_from(["\r\n", "\n"]),
)
def test_arrow_and_python_parsers_agree(rows, delimiter, terminator):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=terminator)
    writer.writerow(HEADER)
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    limits = Limits()
    try:
        fast = read_csv(data, limits, engine="arrow")
    except ValueError:  # the arrow parser declines (e.g. an empty line): the fallback reads it
        return
    slow = read_csv(data, limits, engine="python")
    assert fast.headers == slow.headers
    assert fast.rows.tolist() == slow.rows.tolist()
    assert [c.to_pylist() for c in fast.cells] == [c.to_pylist() for c in slow.cells]
    assert fast.info == slow.info
