"""AppTest of the monitoring page, compared with :func:`layout.monitoring.monitor_chain` called
directly: the ranking, the transitions of the year on the slider, the map's year, uploads of
several years (with a row rejected and markup in a firm id), downloads with the synthetic note."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pandas as pd
import pytest
from apptest import app, deferred_bytes, map_args, ok, record_deferred
from streamlit.testing.v1 import AppTest

from atlas_app.i18n import t
from atlas_app.page_monitor import ranking_view, transitions_view

XSS = "<img src=x onerror=alert(1)>"
HEADER = "企业编号,企业名称,经度,纬度,产业链,环节,从业人数,产值（万元）"


@pytest.fixture(scope="module")
def direct():  # type: ignore[no-untyped-def]
    """The library's result for what the page shows first at city level (LED, employees)."""
    from layout.monitoring import demo_panel, monitor_chain

    return monitor_chain(demo_panel(), "LED", level="city", frame="2013", base="employees")


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        file_id = original(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes):
            seen[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    yield seen


def _download(at: AppTest, key: str, seen: dict[str, bytes]) -> bytes:
    file_id = at.download_button(key=key).proto.url.rsplit("/", 1)[-1].split(".", 1)[0]
    return seen[file_id]


def _table(at: AppTest, key_label: str) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if key_label in d.value.columns]
    assert len(frames) == 1, f"expected one table with column {key_label!r}, got {len(frames)}"
    return frames[0]


def _js(text: str) -> str:
    """``text`` as folium writes it inside the map script (a JSON string, ``<`` escaped)."""
    return json.dumps(text)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e")


def _page(lang: str = "en", **state: object) -> AppTest:
    return ok(app("monitor", lang, chain="LED", mon_level="city", **state).run())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_runs_and_the_ranking_is_the_library_s(lang: str, direct) -> None:  # type: ignore[no-untyped-def]
    at = _page(lang)
    assert at.header[0].value == t("page_monitor", lang)
    assert any(w.value == t("banner_demo", lang) for w in at.warning)
    assert at.select_slider(key="mon_year").value == 2024
    shown = _table(at, t("mon_col_run", lang))
    expected = ranking_view(direct.evaluation, lang, year=2024)
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected, check_dtype=False)
    ev = direct.evaluation[direct.evaluation["year"] == 2024].sort_values(["rank", "region"])
    assert shown[t("code", lang)].tolist() == ev["region"].tolist()
    assert shown[t("mon_col_verdict", lang)].tolist() == [
        t(f"mon_verdict_{v}", lang) for v in ev["verdict"]
    ]


def test_moving_the_year_slider_changes_map_transitions_and_warnings(direct) -> None:  # type: ignore[no-untyped-def]
    at = _page("en")
    assert _js("LED · 2024</h4>") in map_args(at)["script"]  # the legend names the year
    at.select_slider(key="mon_year").set_value(2021).run()
    ok(at)
    script = map_args(at)["script"]
    assert _js("LED · 2021</h4>") in script and _js("Classes fixed over 2019–2024") in script
    shown = _table(at, t("mon_col_change", "en"))
    expected = transitions_view(direct.transitions, "en", year=2021)
    assert len(shown) == len(expected) == int((direct.transitions["year"] == 2021).sum())
    assert shown[t("mon_col_reason", "en")].tolist() == expected[t("mon_col_reason", "en")].tolist()
    prov = direct.years.province.set_index("year")
    values = {m.label: m.value for m in at.metric}
    assert values[t("mon_m_firms", "en", year=2021)] == str(int(prov.loc[2021, "chain_firms"]))
    ranking = _table(at, t("mon_col_run", "en"))
    ev = direct.evaluation[direct.evaluation["year"] == 2021]
    assert len(ranking) == len(ev)
    # the first year has nothing to compare with
    at.select_slider(key="mon_year").set_value(2019).run()
    assert any(i.value == t("mon_first_year", "en", year=2019) for i in ok(at).info)
    at.checkbox(key="mon_all_years").check().run()
    assert len(_table(ok(at), t("mon_col_change", "en"))) == len(direct.transitions)


def test_chinese_page_shows_chinese_reasons_and_kinds(direct) -> None:  # type: ignore[no-untyped-def]
    at = _page("zh")
    at.checkbox(key="mon_all_years").check().run()
    shown = _table(ok(at), t("mon_col_change", "zh"))
    # the library's Chinese reasons, the strength-class code at the end left to the change column
    expected = direct.transitions["reason_zh"].str.replace(
        r"\s*[（(](strong10|strong|significant)[）)]\s*$", "", regex=True
    )
    assert shown[t("mon_col_reason", "zh")].tolist() == expected.tolist()
    assert direct.transitions["reason_zh"].str.contains("（strong").any()  # the case is tested
    kinds = set(shown[t("mon_col_change", "zh")])
    assert kinds <= {
        t(f"mon_kind_{k}", "zh")
        for k in ("gap_opened", "gap_closed", "became_strong", "lost_strength")
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_downloads_carry_the_synthetic_note(direct, downloads, lang: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    deferred = record_deferred(monkeypatch)
    at = _page(lang)
    data = _download(at, "dl_mon_csv", downloads)
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", header=1)  # row 2: field names
    assert back["data_note"].notna().all()
    assert back["data_note"].iloc[0] == t("data_note_synthetic", lang)
    assert back["value"].tolist() == pytest.approx(direct.years.regions["value"].tolist())
    # row 1: headers in the page's language
    heads = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", nrows=0).columns.tolist()
    assert heads[:2] == [t("col_year", lang), t("col_region", lang)]
    assert t("col_completeness", lang) in heads
    book = pd.read_excel(
        io.BytesIO(deferred_bytes(at, "dl_mon_xlsx", deferred)), sheet_name=None, header=1
    )
    assert {"by_year", "growth", "shift_share", "transitions", "evaluation"} <= set(book)
    assert all(book[s]["data_note"].notna().all() for s in ("growth", "evaluation"))
    assert book["evaluation"]["composite"].tolist() == pytest.approx(
        direct.evaluation["composite"].tolist()
    )
    # verdict codes keep a neighbour column with their names in the page's language
    trans = book["transitions"]
    assert set(trans[f"from_status_{lang}"]) <= {
        t(f"status_{s}", lang) for s in direct.transitions["from_status"]
    }


def _csv(rows: list[str]) -> bytes:
    return "\n".join([HEADER, *rows]).encode("utf-8")


def test_uploaded_years_are_used_and_markup_stays_text(direct) -> None:  # type: ignore[no-untyped-def]
    y23 = _csv(
        [
            "L1,甲,117.05,36.67,LED,epi,100,1000",
            f"{XSS},乙,117.05,36.67,LED,chip,50,500",
            "L3,丙,120.38,36.07,LED,epi,40,400",
            "L3,丙,120.38,36.07,LED,epi,40,400",  # the same firm twice in one year: rejected
        ]
    )
    y24 = _csv(["L1,甲,117.05,36.67,LED,epi,120,1200", "L4,丁,120.38,36.07,LED,chip,10,100"])
    at = _page("en")
    at.file_uploader(key="mon_upload").set_value(
        [("led_2023.csv", y23, "text/csv"), ("led_2024.csv", y24, "text/csv")]
    ).run()
    ok(at)
    texts = [m.value for m in at.markdown]
    assert t("mon_import_summary", "en", read=6, accepted=5, rejected=1) in texts
    assert any(c.value == t("mon_using_upload", "en", n=2, years="2023, 2024") for c in at.caption)
    assert at.select_slider(key="mon_year").value == 2024
    shown = _table(at, t("mon_col_change", "en"))
    jinan = shown[shown[t("mon_col_region", "en")].str.endswith("(370100)")]
    gone = jinan[jinan[t("mon_col_change", "en")] == t("mon_kind_gap_opened", "en")]
    assert gone[t("mon_col_firms", "en")].tolist() == [XSS]  # shown as text in a table cell
    markup = "".join(m.value for m in at.markdown) + "".join(h.value for h in at.html)
    assert XSS not in markup
    assert XSS not in map_args(at)["script"]
    assert at.download_button(key="dl_mon_rejects").proto.url.endswith(".csv")
