"""Sources as users read them: parsing, host classes, display, evidence marks and the checks."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from geo import sources
from geo.layers import load_layer
from geo.maps import build_map
from geo.sources import (
    EVIDENCE_LEVELS,
    HostTable,
    display_sources,
    evidence_badge,
    find_addresses,
    format_source,
    host_table,
    parse_source,
    table_problems,
    text_problems,
    unverified_mark,
    verification_problems,
)

HOSTS = HostTable.from_frame(
    pd.DataFrame(
        {
            "host": ["gov.example.cn", "paper.example.cn", "forum.example.cn", "spam.example"],
            "class": ["A", "B", "C", "D"],
            "what": ["City government", "Daily paper", "forum", "spam host"],
        }
    )
)


def test_shipped_host_table_classes_every_host_once() -> None:
    hosts = host_table()
    df = pd.read_csv(sources.data_path("source_hosts"), dtype=str, keep_default_na=False)
    assert df["host"].is_unique and set(df["class"]) == {"A", "B", "C", "D"}
    assert len(hosts.classes) == len(df) and hosts.cls("github.com") == "C"
    assert all(hosts.cls(h) == "D" for h in hosts.blocked)


def test_parse_url_with_publisher_date_title() -> None:
    (c,) = parse_source(
        "http://paper.example.cn/a.htm (经济导报 2018-08-15: catalogue)", hosts=HOSTS
    )
    assert (c.publisher, c.date, c.title, c.host, c.host_class) == (
        "经济导报",
        "2018-08-15",
        "catalogue",
        "paper.example.cn",
        "B",
    )
    assert c.shows_link and c.site == "Daily paper"


def test_parse_text_citation_with_copy_note() -> None:
    (c,) = parse_source(
        "舜网-济南时报 2022-03-11 (original not retrieved; seen only in a third-party copy)",
        hosts=HOSTS,
    )
    assert (c.publisher, c.date, c.url) == ("舜网-济南时报", "2022-03-11", "")
    assert c.note.startswith("original not retrieved")


def test_segments_split_outside_brackets_only() -> None:
    cell = "doc (2015-01-23; gazette) ; http://gov.example.cn/x | github.com/o/r/issues/1 (note)"
    cites = parse_source(cell, hosts=HOSTS)
    assert [c.host for c in cites] == ["", "gov.example.cn", "github.com"]
    assert cites[2].url == "github.com/o/r/issues/1" and cites[2].host_class == "?"


def test_format_shows_addresses_of_classes_a_to_c_only() -> None:
    cell = (
        "http://gov.example.cn/a ; http://paper.example.cn/b ; http://forum.example.cn/c ; "
        "http://spam.example/d (copy of 新华社 2020-01-01) ; http://unknown.example.org/e"
    )
    text = format_source(cell, hosts=HOSTS)
    for shown in ("gov.example.cn/a", "paper.example.cn/b", "forum.example.cn/c"):
        assert shown in text
    assert "spam.example" not in text and "unknown.example.org" not in text
    assert text.count("[address withheld]") == 2 and "新华社" in text  # the citation text stays
    assert "链接已隐去" in format_source(cell, hosts=HOSTS, lang="zh")
    assert "http" not in format_source(cell, hosts=HOSTS, links=False)


@pytest.mark.parametrize(
    ("level", "mark_zh", "mark_en"),
    [("official", "", ""), ("press", "", ""), ("secondary", "待核实", "unverified"),
     ("none", "待核实", "unverified"), ("", "待核实", "unverified"), (None, "待核实", "unverified")],
)  # fmt: skip
def test_marks_below_press(level: str | None, mark_zh: str, mark_en: str) -> None:
    assert unverified_mark(level, "zh") == mark_zh and unverified_mark(level, "en") == mark_en
    assert evidence_badge(level, "en").startswith("⚠" if mark_en else "✓")


def test_verified_needs_official_or_press_evidence() -> None:
    assert verification_problems("verified (press, x)", "press", "r") == []
    assert verification_problems("verified (x)", "secondary", "r")
    assert verification_problems("partial — centre verified in a copy", "none", "r")
    assert verification_problems("unverified — copies only", "secondary", "r") == []
    assert verification_problems("partial", "rumour", "r")  # off the scale
    assert verification_problems("", "", "r") == []  # not a fact claim (a method row)
    assert verification_problems("partial", "", "r")  # a status word needs a level


def test_text_problems_find_blocked_unknown_hosts_and_notes() -> None:
    assert text_problems("see http://gov.example.cn/x", "t", hosts=HOSTS) == []
    assert any("class-D" in p for p in text_problems("http://spam.example/x", "t", hosts=HOSTS))
    assert any(
        "names class-D" in p for p in text_problems("copied on spam.example", "t", hosts=HOSTS)
    )
    assert any(
        "not in source_hosts" in p for p in text_problems("http://x.org/y", "t", hosts=HOSTS)
    )
    for note in ("seeds/001 (full text)", "doc no. from brief", "NB: wrong — ignore", "seed 003"):
        assert any("internal working note" in p for p in text_problems(note, "t", hosts=HOSTS))
    assert text_problems("<svg xmlns='http://www.w3.org/2000/svg'>", "t", hosts=HOSTS) == []


def test_table_problems_checks_cells_and_evidence() -> None:
    good = pd.DataFrame({"source": ["http://gov.example.cn/a"], "verification": ["verified"],
                         "evidence": ["official"]})  # fmt: skip
    assert table_problems(good, "g", hosts=HOSTS) == []
    no_level = good.drop(columns="evidence")
    assert table_problems(no_level, "n", hosts=HOSTS) == [
        "n: has verification but no evidence column"
    ]
    synthetic = pd.DataFrame({"verification": ["synthetic"], "source": ["generated"]})
    assert table_problems(synthetic, "s", hosts=HOSTS) == []
    weak = good.assign(evidence="secondary")
    assert table_problems(weak, "w", hosts=HOSTS) == [
        "w row 1: says verified with evidence secondary: 'verified'"
    ]


def test_display_sources_for_app_tables() -> None:
    df = pd.DataFrame(
        {
            "name": ["a", "b"],
            "synthetic": [False, True],
            "source": ["http://paper.example.cn/a (日报 2020-01-02: t)", "generated"],
            "evidence": ["secondary", None],
        }
    )
    out = display_sources(df, lang="zh")
    assert out["evidence"].tolist()[1] == "—" and "待核实" in out["evidence"].iloc[0]
    assert df["evidence"].iloc[0] == "secondary"  # input untouched


def test_map_tooltips_mark_facts_below_press_and_popups_hide_blocked_hosts() -> None:
    htz = load_layer("htz")
    assert set(htz["evidence"]) <= set(EVIDENCE_LEVELS)
    page = build_map({"htz": htz}, lang="zh").get_root().render()
    feats = [
        f
        for m in re.finditer(r"_add\((\{.*\"FeatureCollection\"\})\);$", page, flags=re.M)
        for f in json.loads(m.group(1))["features"]
        if str(f.get("id", "")).startswith("htz:")
    ]
    assert len(feats) == len(htz)
    by_code = htz.set_index("htz_id")["evidence"]
    for f in feats:
        code = f["properties"]["code"]
        marked = "待核实" in f["properties"]["verification"]
        assert marked == (by_code[code] in ("secondary", "none")), code
        for _, host in find_addresses(f["properties"]["source"]):
            assert host_table().cls(host) in ("A", "B", "C"), host
    assert any(by_code[f["properties"]["code"]] == "secondary" for f in feats)
    for host in host_table().blocked:
        assert host not in page
