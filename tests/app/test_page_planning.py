"""AppTest tests of the planning pages: siting, opportunities, evaluation index and reports.

Each page's table is compared with the library function called directly on the same firms
(``layout.siting``, ``layout.opportunities``, ``layout.evaluation``, ``layout.reports``), after
real interactions (sliders, radios, the indicator editor, an upload, the Generate button). The
bytes behind the download buttons are captured from Streamlit's in-memory media storage and
parsed (CSV, HTML, XLSX).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator

import geopandas as gpd
import pandas as pd
import pytest
from apptest import REPO, app, deferred_bytes, record_deferred
from apptest import map_args as _map_args
from apptest import ok as _ok
from streamlit.testing.v1 import AppTest

from atlas_app.i18n import t

PLANNING = ("siting", "opportunities", "evaluation", "report")
XSS_NAME = "<img src=x onerror=alert(1)>"


def _app(
    page: str = "siting", lang: str = "zh", query: dict[str, str] | None = None, **state: object
) -> AppTest:
    return app(page, lang, query, **state)


_TABLES = {
    "siting_table": "sit_score",
    "siting_sites_summary": "sit_objective",
    "siting_sites": "sit_mean_km",
    "opp_table": "opp_score",
    "ev_table": "ev_composite",
}


def _table(at: AppTest, name: str) -> pd.DataFrame:
    """The shown table ``name`` (see _TABLES), found by a column title of the page's language."""
    lang = at.session_state["lang"]
    frames = [d.value for d in at.dataframe if t(_TABLES[name], lang) in d.value.columns]
    assert len(frames) == 1, f"expected one table {name!r}, found {len(frames)}"
    return frames[0]


def _html(at: AppTest) -> str:
    return "".join(h.value for h in at.html)


@pytest.fixture(scope="module")
def firms() -> gpd.GeoDataFrame:
    """The demonstration firms exactly as the app uses them."""
    from layout.demo import demo_firms
    from layout.regions import ensure_adcode

    return ensure_adcode(demo_firms())


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    """Bytes of every file handed to Streamlit's media storage, by the file id in the button URL."""
    from streamlit.runtime.media_file_storage import MediaFileKind
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(
        self: MemoryMediaFileStorage,
        path_or_data: str | bytes,
        mimetype: str,
        kind: MediaFileKind,
        filename: str | None = None,
    ) -> str:
        file_id = original(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes):
            seen[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    yield seen


def _download(at: AppTest, key: str, seen: dict[str, bytes]) -> tuple[str, bytes]:
    url = at.download_button(key=key).proto.url
    file_id = url.rsplit("/", 1)[-1].split(".", 1)[0]
    return url, seen[file_id]


# ----------------------------------------------------------------------------- every page
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PLANNING)
def test_planning_page_runs_in_both_languages(page: str, lang: str) -> None:
    at = _ok(_app(page, lang).run())
    assert at.header[0].value == t(f"page_{page}", lang)
    assert any(w.value == t("banner_demo", lang) for w in at.warning)
    want = {"siting": "siting_table", "opportunities": "opp_table", "evaluation": "ev_table"}.get(
        page
    )
    if want:
        table = _table(at, want)
        assert len(table) > 0 and t("pl_rank", lang) in table.columns
    else:
        assert at.button(key="report_generate").label == t("rep_generate", lang)
        assert at.info[0].value == t("rep_press", lang)


# ----------------------------------------------------------------------------- siting
def test_siting_table_and_maps_equal_the_library(firms: gpd.GeoDataFrame) -> None:
    from layout.analysis import analyze_chain
    from layout.siting import METHODS, score_candidates, site_k

    at = _ok(_app("siting", "en", chain="LED", selected_region="370700").run())
    node = str(at.selectbox(key="siting_node_LED").value)
    status = analyze_chain(firms, "LED", region="370700", permutations=0).nodes.set_index("node")[
        "status"
    ]
    assert status[node] in ("missing", "broken")  # gaps are listed first
    direct = score_candidates(firms, "LED", node, region="370700")
    shown = _table(at, "siting_table")
    assert shown[t("code", "en")].tolist() == direct["adcode"].tolist()
    assert shown[t("sit_score", "en")].tolist() == direct["score"].tolist()
    for part in ("neighbours", "htz", "buyers", "suppliers"):
        assert shown[t(f"sit_s_{part}", "en")].tolist() == direct[f"s_{part}"].tolist()
    assert shown[t("reason", "en")].tolist() == direct["reason_en"].tolist()
    script = _map_args(at, 0)["script"]
    assert f"counties:{direct['adcode'].iloc[0]}" in script and "atlas-selection" in script

    # weights: only the high-tech-zone part counts -> the library's order under those weights
    for part, w in (("neighbours", 0.0), ("buyers", 0.0), ("suppliers", 0.0), ("htz", 1.0)):
        at.slider(key=f"siting_w_{part}").set_value(w)
    _ok(at.run())
    direct_w = score_candidates(
        firms,
        "LED",
        node,
        region="370700",
        weights={"neighbours": 0, "htz": 1, "buyers": 0, "suppliers": 0},
    )
    shown_w = _table(at, "siting_table")
    assert shown_w[t("code", "en")].tolist() == direct_w["adcode"].tolist()
    assert set(shown_w[t("sit_score", "en")]) <= {0.0, 1.0}

    # k sites: both models, as site_k gives them
    at.slider(key="siting_k").set_value(2)
    at.slider(key="siting_radius").set_value(40)
    _ok(at.run())
    summary = _table(at, "siting_sites_summary")
    for i, method in enumerate(METHODS):
        res = site_k(firms, "LED", node, region="370700", k=2, method=method, service_km=40.0)
        assert summary[t("code", "en")].iloc[i] == "; ".join(res.sites["adcode"])
        assert summary[t("sit_objective", "en")].iloc[i] == round(res.objective, 1)
        assert summary[t("sit_covered_weight", "en")].iloc[i] == round(res.covered_weight_share, 3)
    sites = _table(at, "siting_sites")
    per_method = [
        site_k(firms, "LED", node, region="370700", k=2, method=m, service_km=40.0).sites
        for m in METHODS
    ]
    assert sites[t("code", "en")].tolist() == [c for s in per_method for c in s["adcode"]]
    assert sites[t("sit_mean_km", "en")].tolist() == [k for s in per_method for k in s["mean_km"]]
    mclp = site_k(firms, "LED", node, region="370700", k=2, method="mclp", service_km=40.0)
    at.radio(key="siting_map_method").set_value("mclp")
    _ok(at.run())
    k_script = _map_args(at, 1)["script"]
    assert all(f"sources:{code}" in k_script for code in mclp.sites["adcode"])
    assert "atlas-sourcing" in k_script  # demand firms joined to their site
    assert at.download_button(key="dl_siting_csv").proto.url.endswith(".csv")
    assert at.download_button(key="dl_siting_sites").proto.url.endswith(".csv")


def test_siting_download_is_the_table_with_a_synthetic_note(
    firms: gpd.GeoDataFrame, downloads: dict[str, bytes]
) -> None:
    from layout.siting import score_candidates

    at = _ok(_app("siting", "zh", chain="LED", selected_region="370705").run())
    node = str(at.selectbox(key="siting_node_LED").value)
    _, data = _download(at, "dl_siting_csv", downloads)
    # row 1: headers in the page's language; row 2: the field names scripts read
    heads = pd.read_csv(io.BytesIO(data), nrows=0, encoding="utf-8-sig").columns
    assert t("col_adcode", "zh") in heads and t("col_data_note", "zh") in heads
    back = pd.read_csv(io.BytesIO(data), header=1, dtype={"adcode": str}, encoding="utf-8-sig")
    direct = score_candidates(firms, "LED", node, region="370705")
    assert back["adcode"].tolist() == direct["adcode"].tolist()
    assert (back["data_note"] == t("data_note_synthetic", "zh")).all()


def test_siting_weights_of_zero_list_the_problem() -> None:
    at = _ok(_app("siting", "en", chain="LED", selected_region="370700").run())
    for part in ("neighbours", "htz", "buyers", "suppliers"):
        at.slider(key=f"siting_w_{part}").set_value(0.0)
    at.run()
    assert not at.exception
    assert at.error[0].value == t("pl_problems", "en", n=1)
    assert "weights sum to 0" in _html(at)


# ----------------------------------------------------------------------------- opportunities
def test_opportunities_table_equals_rank_opportunities(firms: gpd.GeoDataFrame) -> None:
    from layout.opportunities import rank_opportunities

    at = _ok(_app("opportunities", "en", query={"region": "BLUE"}).run())
    assert at.selectbox(key="opp_region_pick").value == "BLUE"  # ?region=BLUE opens the zone
    direct = rank_opportunities(firms, "BLUE")
    shown = _table(at, "opp_table")
    # items by name (no node codes on the page): node and chain in the page's language
    assert shown[t("node", "en")].tolist() == direct["name_en"].tolist()
    assert shown[t("chain", "en")].tolist() == direct["chain_name_en"].tolist()
    for label, col in (
        ("opp_score", "opportunity"),
        ("opp_feasibility", "feasibility"),
        ("opp_attractiveness", "attractiveness"),
    ):
        assert shown[t(label, "en")].tolist() == direct[col].tolist()
    assert shown[t("reason", "en")].tolist() == direct["reason_en"].tolist()
    assert len(at.get("vega_lite_chart")) == 1  # the φ heat map

    at.radio(key="opp_attr").set_value("size")
    at.multiselect(key="opp_chains").set_value(["LED", "CU"])
    _ok(at.run())
    direct = rank_opportunities(firms, "BLUE", attractiveness="size", chains=["LED", "CU"])
    shown = _table(at, "opp_table")
    assert shown[t("node", "en")].tolist() == direct["name_en"].tolist()
    assert shown[t("opp_score", "en")].tolist() == direct["opportunity"].tolist()


def test_opportunity_heat_map_shows_phi_of_the_chain(firms: gpd.GeoDataFrame) -> None:
    from layout.opportunities import item_table, node_matrix, presence_matrix, proximity

    at = _ok(_app("opportunities", "zh", chain="CU").run())
    from streamlit import dataframe_util

    chart = at.get("vega_lite_chart")[0].proto
    assert len(chart.datasets) == 1
    data = dataframe_util.convert_arrow_bytes_to_pandas_df(chart.datasets[0].data.data).to_dict(
        "records"
    )
    cols = item_table()["item"].tolist()
    phi = proximity(presence_matrix(node_matrix(firms, level="county", items=cols))).loc[cols, cols]
    cu = [c for c in cols if c.startswith("CU:")]
    assert len(data) == len(cu) ** 2
    assert sorted(d["phi"] for d in data) == sorted(
        phi.loc[cu, cu].to_numpy().round(3).ravel().tolist()
    )
    at.radio(key="opp_heat_of").set_value("top").run()
    _ok(at)
    assert len(at.get("vega_lite_chart")) == 1


# ----------------------------------------------------------------------------- evaluation
def _evaluate(firms: gpd.GeoDataFrame, ind: pd.DataFrame) -> pd.DataFrame:
    from layout.evaluation import evaluate_index, indicator_table

    return evaluate_index(indicator_table(firms, "LED", level="county"), ind)


def test_editing_a_weight_changes_the_ranking_as_evaluate_index(firms: gpd.GeoDataFrame) -> None:
    from layout.evaluation import load_indicators

    at = _ok(_app("evaluation", "en", chain="LED").run())
    ind = load_indicators()
    before = _table(at, "ev_table")
    direct = _evaluate(firms, ind)
    assert before[t("code", "en")].tolist() == direct.index.tolist()
    assert before[t("pl_rank", "en")].tolist() == direct["rank"].tolist()

    # put all the weight on firm concentration (lower HHI is better)
    rows = ind.reset_index(drop=True)
    edits = {
        i: {"weight": 1.0 if rows.loc[i, "indicator"] == "firm_hhi" else 0.0}
        for i in range(len(rows))
    }
    at.session_state["ev_editor_default"] = {
        "edited_rows": edits,
        "added_rows": [],
        "deleted_rows": [],
    }
    _ok(at.run())
    after = _table(at, "ev_table")
    edited = ind.assign(weight=[1.0 if i == "firm_hhi" else 0.0 for i in ind["indicator"]])
    direct = _evaluate(firms, edited)
    assert after[t("code", "en")].tolist() == direct.index.tolist()
    assert after[t("pl_rank", "en")].tolist() == direct["rank"].tolist()
    assert after[t("ev_composite", "en")].tolist() == direct["composite"].round(4).tolist()
    assert after[t("code", "en")].tolist() != before[t("code", "en")].tolist()
    warned = direct.index[direct["band"] == "warning"]
    assert (after[t("ev_band", "en")] == "warning").sum() == len(warned) > 0
    assert str(at.metric[1].value) == str(len(warned))


def test_evaluation_levels_and_downloads(
    firms: gpd.GeoDataFrame, downloads: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    deferred = record_deferred(monkeypatch)
    from layout.evaluation import evaluate_index, indicator_table

    at = _ok(_app("evaluation", "zh", chain="LED").run())
    at.selectbox(key="ev_level").set_value("zone-2013")
    at.slider(key="ev_share").set_value(0.3)
    _ok(at.run())
    direct = evaluate_index(indicator_table(firms, "LED", level="zone"), warning_share=0.3)
    shown = _table(at, "ev_table")
    assert shown[t("code", "zh")].tolist() == direct.index.tolist()
    assert shown[t("ev_band", "zh")].tolist() == [t(f"ev_band_{b}", "zh") for b in direct["band"]]
    script = _map_args(at, 0)["script"]
    assert (
        "atlas-eval_zones" in script and "atlas-gaps" in script
    )  # composite colours + warning band
    _, data = _download(at, "dl_ev_csv", downloads)
    back = pd.read_csv(io.BytesIO(data), header=1, encoding="utf-8-sig")
    assert back["region"].tolist() == direct.index.tolist() and back["data_note"].notna().all()
    assert back["band_zh"].tolist() == [t(f"ev_band_{b}", "zh") for b in direct["band"]]
    book = deferred_bytes(at, "dl_ev_xlsx", deferred)  # made on click
    sheets = pd.read_excel(io.BytesIO(book), sheet_name=None, header=1)
    assert set(sheets) == {"evaluation", "indicators", "raw_indicators"}
    assert sheets["evaluation"]["region"].tolist() == direct.index.tolist()
    _, ind_csv = _download(at, "dl_ev_indicators", downloads)
    from layout.evaluation import load_indicators

    path = REPO / "data" / "evaluation" / "indicators.csv"
    assert (
        pd.read_csv(io.BytesIO(ind_csv), dtype=str)["direction"].tolist()
        == pd.read_csv(path, dtype=str)["direction"].tolist()
    )  # "+"/"-" survive the formula guard
    assert load_indicators(path).shape[0] == len(pd.read_csv(io.BytesIO(ind_csv)))


def test_an_invalid_indicator_file_shows_every_problem(firms: gpd.GeoDataFrame) -> None:
    from layout.evaluation import IndicatorError, indicator_table, validate_indicators

    bad = (
        "indicator,name_zh,name_en,weight,direction,normalisation,source_column,description\n"
        f'completeness,完整度,"{XSS_NAME}",0.5,+,minmax,completeness,ok\n'
        "completeness,重复,dup,abc,up,log,nope,bad row\n"
        "linkage,关联,Linkage,-1,-,rank,linkage,negative weight\n"
    )
    at = _ok(_app("evaluation", "en", chain="LED").run())
    at.file_uploader(key="ev_upload").upload("bad.csv", bad.encode("utf-8"), "text/csv").run()
    assert not at.exception
    raw = pd.read_csv(io.StringIO(bad), dtype=str, keep_default_na=False)
    raw.index = raw.index + 2
    raw.attrs["file"] = "bad.csv"
    with pytest.raises(IndicatorError) as info:
        validate_indicators(raw, table=indicator_table(firms, "LED", level="county"))
    problems = info.value.problems
    assert len(problems) >= 6
    assert at.error[0].value == t("pl_problems", "en", n=len(problems))
    shown = _html(at)
    for p in problems:
        assert html.escape(p) in shown, p
    assert "row 3" in shown  # spreadsheet rows name the bad lines
    # the markup in the uploaded name is text in the editor (a canvas), never HTML
    editor = at.data_editor[0].value
    assert XSS_NAME in editor["name_en"].tolist()
    assert XSS_NAME not in shown


def test_uploaded_names_show_as_text_in_the_result(firms: gpd.GeoDataFrame) -> None:
    ok = (
        "indicator,name_zh,name_en,weight,direction,normalisation,source_column,description\n"
        f'completeness,"{XSS_NAME}","{XSS_NAME}",1,+,minmax,completeness,markup in a name\n'
        "linkage,关联,Linkage,1,+,rank,linkage,\n"
    )
    at = _ok(_app("evaluation", "en", chain="LED").run())
    at.file_uploader(key="ev_upload").upload("names.csv", ok.encode("utf-8"), "text/csv").run()
    _ok(at)
    shown = _table(at, "ev_table")
    # a column title on the canvas, as text
    assert t("ev_score_of", "en", name=XSS_NAME) in shown.columns
    assert XSS_NAME not in _html(at)
    direct = _evaluate(firms, pd.read_csv(io.StringIO(ok), dtype=str, keep_default_na=False))
    assert shown[t("code", "en")].tolist() == direct.index.tolist()


# ----------------------------------------------------------------------------- report
def test_report_generates_led_blue_and_the_downloads_parse(downloads: dict[str, bytes]) -> None:
    import openpyxl

    from layout.reports import LISTS

    at = _ok(_app("report", "en", query={"chain": "LED", "region": "BLUE"}).run())
    assert at.selectbox(key="report_chain").value == "LED"
    assert at.selectbox(key="report_region_pick").value == "BLUE"
    at.button(key="report_generate").click().run()
    _ok(at)
    url, page = _download(at, "dl_report_html", downloads)
    assert url.endswith(".html")
    text = page.decode("utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") and "</html>" in text
    assert "Semiconductor lighting" in text and "半导体发光" in text  # the chain's names
    assert "<script" not in text.lower()
    url, book = _download(at, "dl_report_xlsx", downloads)
    assert url.endswith(".xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(book), read_only=True)
    assert {"summary", "chain_map", "chain_edges", *LISTS} <= set(wb.sheetnames)
    summary = pd.read_excel(io.BytesIO(book), sheet_name="summary").set_index("key")["value"]
    assert summary["chain"] == "LED" and summary["region"] == "BLUE"
    assert str(summary["synthetic_data"]).startswith("yes")
    frames = at.get("iframe")
    assert len(frames) == 1 and frames[0].proto.src.startswith("data:text/html")
    # the preview forbids scripts and external loads
    import base64

    preview = base64.b64decode(frames[0].proto.src.split(",", 1)[1]).decode("utf-8")
    assert "Content-Security-Policy" in preview and "default-src 'none'" in preview

    # another region: the old files are not offered until Generate is pressed again
    at.selectbox(key="report_region_pick").set_value("370705").run()
    _ok(at)
    assert at.info[0].value == t("rep_press", "en")
    assert not [b for b in at.download_button if b.key == "dl_report_html"]


def test_planning_pages_follow_the_chain_view_and_keep_their_own_choice() -> None:
    at = _ok(_app("chain", "zh").run())
    at.selectbox(key="chain").set_value("CU").run()
    at.selectbox(key="chain_region_pick").set_value("370705").run()
    at.radio(key="page").set_value("map").run()  # the chain view's widget state is gone here
    at.radio(key="page").set_value("report").run()
    _ok(at)
    assert at.selectbox(key="report_chain").value == "CU"
    assert at.selectbox(key="report_region_pick").value == "370705"
    at.selectbox(key="report_chain").set_value("PU")
    at.selectbox(key="report_region_pick").set_value("YRD").run()
    at.radio(key="page").set_value("map").run()
    at.radio(key="page").set_value("siting").run()
    _ok(at)
    assert at.selectbox(key="siting_chain").value == "PU"  # the planning choice stays
    assert (
        at.selectbox(key="siting_region_pick").value == "YRD"
    )  # a zone stays on the planning pages
    assert at.session_state["selected_region"] == "370705"  # the shared selection keeps an adcode
    assert re.fullmatch(r"\d{6}", at.session_state["selected_region"])
    at.radio(key="page").set_value("chain").run()
    at.selectbox(key="chain").set_value("NEV").run()
    at.radio(key="page").set_value("evaluation").run()
    _ok(at)
    assert at.selectbox(key="ev_chain").value == "NEV"  # a new chain view choice wins


def test_markup_in_uploaded_firm_names_stays_text(
    firms: gpd.GeoDataFrame, downloads: dict[str, bytes]
) -> None:
    gdf = firms.copy()
    led = gdf["chain"] == "LED"
    gdf.loc[led, "name"] = XSS_NAME
    gdf.loc[led, "name_en"] = XSS_NAME
    upload = {"name": "xss.csv", "token": "xss-upload", "gdf": gdf, "summary": {}}
    at = _ok(_app("siting", "en", chain="LED", selected_region="370700", firms_upload=upload).run())
    script = _map_args(at, 1)["script"]  # the k-site map: demand firms and their lines, named
    assert "onerror=alert(1)" in script and "<img src=x" not in script
    at.radio(key="page").set_value("report").run()
    at.button(key="report_generate").click().run()
    _ok(at)
    text = _download(at, "dl_report_html", downloads)[1].decode("utf-8")
    assert html.escape(XSS_NAME) in text and XSS_NAME not in text
