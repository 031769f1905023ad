"""One language at a time, checked on everything AppTest sees a page send.

Every page in Chinese: no Latin word outside the codes and names that stay Latin
(:mod:`language`: chain, zone, cluster, high-tech-zone and firm ids, file formats, units,
datums, software, cited authors, formula variables, data names as given). Every page in
English: no Chinese outside names. What is read (:mod:`scan`): labels, options, help texts,
messages, captions, metrics, table headers and text cells as shown (column config applied),
the words of every map (layer names, legend, tooltips, place names, credits) and of every chart
(titles, axis and legend labels, text marks, tooltips). The same check in a real browser, on the
rendered page, is ``test_browser_language.py``.
"""

from __future__ import annotations

import pytest
from apptest import app, ok
from language import chinese_outside_names, latin_words
from scan import page_texts

from atlas_app import PAGES


def _offending(
    at: object, lang: str, names: tuple[str, ...] = ()
) -> list[tuple[str, str, list[str]]]:
    bad = []
    for where, text in page_texts(at):
        words = (
            latin_words(text, names=names)
            if lang == "zh"
            else chinese_outside_names(text, names=names)
        )
        if words:
            bad.append((where, text[:120], words))
    return bad


def test_the_scanner_finds_what_it_must() -> None:
    # the checks are not vacuous: raw codes and the other language are caught
    assert latin_words("状态：missing（strong10）") == ["missing", "strong10"]
    assert latin_words("LED · 外延片 · 120 公里 · 370705 · F01 · Moran's I") == []
    assert chinese_outside_names("Status: 缺失") == ["缺失"]
    assert chinese_outside_names("Shouguang City · 中文") == []  # the language switch's own name


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_speaks_one_language(page: str, lang: str) -> None:
    at = ok(app(page, lang).run())
    assert _offending(at, lang) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_county_chain_view_and_a_choropleth_speak_one_language(lang: str) -> None:
    at = ok(app("chain", lang, selected_region="370705").run())
    assert _offending(at, lang) == []
    at = ok(app("map", lang).run())
    at.selectbox(key="metric").set_value("completeness").run()
    ok(at)
    assert _offending(at, lang) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_scenario_result_speaks_one_language(lang: str) -> None:
    at = ok(app("scenario", lang).run())
    at.button(key="scn_example").click().run()
    at.button(key="scn_run").click().run()
    ok(at)
    name = str(at.session_state["scn_draft_name"])  # the scenario's own id (Latin by rule)
    assert _offending(at, lang, names=(name,)) == []


def test_an_import_summary_speaks_one_language() -> None:
    # a file as an office writes it in each language: the mapping step (headers, field names,
    # encodings), the summary, the unknown-value table and the previews
    heads = {
        "zh": "企业编号,企业名称,经度,纬度,产业链,环节,从业人数,产值",
        "en": "firm_id,name,lon,lat,chain,node,employees,output",
    }
    body = (
        "T-1,测试企业,117.00,36.65,LED,epi,120,5000\n"
        "T-3,outside,10.0,10.0,LED,chip,5,10\n"
        "T-4,坏环节,117.0,36.6,LED,nonode,5,10\n"
    )
    for lang in ("zh", "en"):
        rows = (heads[lang] + "\n" + body).encode()
        at = ok(app("data", lang).run())
        at.file_uploader(key="upload").upload("firms.csv", rows, "text/csv").run()
        at.button(key="do_import").click().run()
        ok(at)
        assert at.session_state["last_import"]["result"].summary["rejected"] == 2
        assert any(s.key == "unk_0" for s in at.selectbox)  # "nonode" is offered for mapping
        # the file's own values are names as given ("nonode"); Chinese headers on the English UI
        names = ("测试企业", "坏环节", "outside", "firms.csv", "T-1", "T-3", "T-4", "nonode")
        names += tuple(heads["zh"].split(",")) if lang == "en" else ()
        assert _offending(at, lang, names=names) == []
