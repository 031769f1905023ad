"""AppTest tests: every page runs in both languages and its main interactions work.

``streamlit.testing.v1.AppTest`` runs ``streamlit_app.py`` without a browser; custom components
(st_folium) appear as ``component_instance`` elements whose arguments — the map's script — can
be inspected. The browser-level checks are in ``test_browser.py``.
"""

from __future__ import annotations

import ast
import io
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from apptest import APP, REPO, deferred_bytes, record_deferred
from apptest import app as _app
from apptest import map_args as _map_args
from apptest import ok as _ok
from streamlit.testing.v1 import AppTest

from atlas_app import ASSETS_URL
from atlas_app.i18n import LABELS, t
from geo.maps import SERVED_ASSETS

PAGES = (
    "map",
    "chain",
    "coverage",
    "scenario",
    "siting",
    "opportunities",
    "evaluation",
    "report",
    "data",
    "export",
)
XSS_NAME = "<img src=x onerror=alert(1)>"


def _md_plain(text: str) -> str:
    """What Streamlit's Markdown shows of ``text``: backslash escapes undone."""
    return re.sub(r"\\(.)", r"\1", text)


# ----------------------------------------------------------------------------- every page
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_in_both_languages(page: str, lang: str) -> None:
    at = _ok(_app(page, lang).run())
    assert at.header[0].value == t(f"page_{page}", lang)
    # the synthetic demonstration data is in use: the banner says so on every page
    assert any(w.value == t("banner_demo", lang) for w in at.warning)


def test_language_switch_relabels_the_page() -> None:
    at = _ok(_app("map", "zh").run())
    assert at.selectbox(key="basemap").label == t("basemap", "zh")
    at.radio(key="lang").set_value("en").run()
    _ok(at)
    assert at.header[0].value == "Map explorer"
    assert at.selectbox(key="basemap").label == "Basemap"
    assert "County-level units" in _map_args(at)["script"]  # the layer control is English too


def test_query_parameters_open_a_view() -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["page"] = "chain"
    at.query_params["region"] = "370705"
    at.query_params["chain"] = "CU"
    at.query_params["lang"] = "en"
    _ok(at.run())
    assert at.header[0].value == "Chain view"
    assert at.selectbox(key="chain").value == "CU"
    assert at.session_state["selected_region"] == "370705"


# ----------------------------------------------------------------------------- map explorer
def test_map_sends_every_county_and_limits_returned_objects() -> None:
    at = _ok(_app("map").run())
    args = _map_args(at)
    assert args["returned_objects"] == ["last_active_drawing"]  # panning never reruns the app
    assert len(re.findall(r'"id": ?"counties:37\d{4}"', args["script"])) == 136
    # Leaflet and the decoder from the app's static files, never inline or from a CDN
    links = args["js_links"] + args["css_links"]
    assert args["js_links"] and all(u.startswith(ASSETS_URL) for u in links)
    assert {u[len(ASSETS_URL) :] for u in links} <= set(SERVED_ASSETS.values())
    assert "https://" not in "".join(links) and "data:" not in "".join(links)
    assert '"type":"Topology"' in args["script"]


def test_choropleth_adds_a_legend_with_the_scheme() -> None:
    at = _ok(_app("map").run())
    at.selectbox(key="metric").set_value("n_firms")
    at.selectbox(key="scheme").set_value("fisher_jenks")
    at.slider(key="k").set_value(4).run()
    _ok(at)
    script = _map_args(at)["script"]
    title = json.dumps(t("m_n_firms", "zh"))[1:-1]  # the legend HTML is a JSON string literal
    scheme = t("scheme_fisher_jenks", "zh")
    # the legend names the scheme and the classes in Chinese ("自然断点（Fisher-Jenks），4 类")
    words = json.dumps(t("scheme_classes", "zh", scheme=scheme, k=4))[1:-1]
    assert title in script and words in script
    assert script.count('fillColor": "#') + script.count("fillColor\\u0022") > 0


def test_chain_completeness_choropleth() -> None:
    at = _ok(_app("map").run())
    at.selectbox(key="metric").set_value("completeness").run()
    _ok(at)
    at.selectbox(key="metric_chain").set_value("LED").run()
    _ok(at)
    script = _map_args(at)["script"]
    assert "LED" in script and "%" in script  # legend classes are percentages
    from atlas_app.page_map import choropleth_values
    from atlas_app.state import FirmData
    from layout.demo import demo_firms
    from layout.regions import ensure_adcode

    firms = FirmData(ensure_adcode(demo_firms()), True, True, "demo-test", "demo")
    values = choropleth_values("completeness", "city", firms, chain="LED")
    assert len(values) == 16 and values.between(0, 1).all()


def test_layer_choice_changes_what_is_sent() -> None:
    at = _ok(_app("map").run())
    before = _map_args(at)["script"]
    assert "atlas-zones-2020" not in before
    at.multiselect(key="map_layers").set_value(["province", "zones-2020", "firms"]).run()
    _ok(at)
    after = _map_args(at)["script"]
    assert "atlas-zones-2020" in after and "atlas-counties" not in after
    assert "markerClusterGroup" in after  # firms drawn as clustered markers


def test_region_picker_selects_for_every_page() -> None:
    at = _ok(_app("map").run())
    at.selectbox(key="map_region_pick").set_value("370705").run()
    _ok(at)
    assert at.session_state["selected_region"] == "370705"
    assert any("370705" in x.value for x in at.sidebar.text)
    # the selection outline is added to the live map without re-sending it
    assert "atlas-selection" in (_map_args(at).get("feature_group") or "")
    at.radio(key="page").set_value("chain").run()
    _ok(at)
    assert at.selectbox(key="chain_region_pick").value == "370705"


def test_map_click_selects_a_county_or_city() -> None:
    from atlas_app.state import selection_from_click

    assert selection_from_click({"last_active_drawing": {"id": "counties:370705"}}) == "370705"
    assert selection_from_click({"last_active_drawing": {"id": "cities:370700"}}) == "370700"
    assert selection_from_click({"last_active_drawing": {"id": "zones:BLUE"}}) is None
    assert selection_from_click({"last_active_drawing": None}) is None
    assert selection_from_click(None) is None


# ----------------------------------------------------------------------------- chain view
def test_chain_view_shows_status_graph_gap_map_and_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    deferred = record_deferred(monkeypatch)
    at = _ok(_app("chain").run())
    at.selectbox(key="chain_region_pick").set_value("370705").run()
    _ok(at)
    labels = [m.label for m in at.metric]
    assert t("completeness", "zh") in labels
    led = {m.label: m.value for m in at.metric}
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    led_spec = str(charts[0].proto)  # spec and inline data of the chain graph
    gap_script = _map_args(at)["script"]
    assert "atlas-sourcing" in gap_script  # LED has missing nodes in 370705: lines are drawn
    assert len(at.tabs) == 6
    at.selectbox(key="chain").set_value("CU").run()
    _ok(at)
    assert {m.label: m.value for m in at.metric} != led
    assert str(at.get("vega_lite_chart")[0].proto) != led_spec  # a different graph is drawn
    assert _map_args(at)["script"] != gap_script
    assert at.session_state["chain_result"]["chain"] == "CU"
    raw = deferred_bytes(at, "dl_chain_xlsx", deferred)  # made on click, for CU
    book = pd.read_excel(io.BytesIO(raw), sheet_name=None, header=1)
    sheets = {"nodes", "leading_firms", "supporting_firms", "strengths", "gaps", "sourcing"}
    assert set(book) == sheets | {"bottlenecks"}
    nodes = at.session_state["chain_result"]["nodes"]
    assert book["nodes"]["node"].astype(str).tolist() == nodes["node"].astype(str).tolist()


def test_chain_lists_put_real_anchor_firms_first() -> None:
    from atlas_app.page_chain import firm_lists
    from layout.demo import demo_firms
    from layout.regions import ensure_adcode

    leading, supporting = firm_lists(
        ensure_adcode(demo_firms()), "LED", "370705", "county", "employees"
    )
    assert len(leading) > 0
    assert not leading["synthetic"].iloc[0]  # an anchor (real) firm leads
    assert set(leading["firm_id"]).isdisjoint(supporting["firm_id"])


# ----------------------------------------------------------------------------- coverage
def test_coverage_shows_matrix_compliance_uncovered_and_targets() -> None:
    at = _ok(_app("coverage").run())
    subheaders = [s.value for s in at.subheader]
    for key in ("matrix", "compliance", "uncovered", "targets"):
        assert t(key, "zh") in subheaders
    cols_2013 = set(at.session_state["coverage_tables"]["matrix"].columns)
    assert {"BLUE", "YRD", "CAP", "WEST"} <= cols_2013
    at.radio(key="coverage_frame").set_value("2020").run()
    _ok(at)
    cols_2020 = set(at.session_state["coverage_tables"]["matrix"].columns)
    assert {"SHENGHUI", "JIAODONG", "LUNAN"} <= cols_2020 and "BLUE" not in cols_2020
    names = {b.proto.url.rsplit(".", 1)[-1] for b in at.download_button}
    assert {"csv", "xlsx"} <= names


def test_table_downloads_are_valid_and_formula_safe() -> None:
    from atlas_app.page_coverage import table_bytes

    df = pd.DataFrame({"name": ['=HYPERLINK("http://x")', "历下区"], "n": [1, 2]})
    text = table_bytes(df, "csv", "zh").decode("utf-8-sig")
    # a header row in the page's language, then the field names scripts read
    assert text.splitlines()[0] == f"{t('col_name', 'zh')},n" and text.splitlines()[1] == "name,n"
    back = pd.read_csv(io.StringIO(text), header=1)
    assert back["name"].iloc[0].startswith("'=") and back["name"].iloc[1] == "历下区"
    assert back["n"].tolist() == [1, 2]
    book = pd.read_excel(io.BytesIO(table_bytes(df, "xlsx", "en")), header=1)
    assert book["name"].iloc[0].startswith("'=") and book["n"].tolist() == [1, 2]


# ----------------------------------------------------------------------------- data import
def _firm_csv() -> bytes:
    rows = (
        "firm_id,name,lon,lat,chain,node,employees,output\n"
        f'T-1,"{XSS_NAME}",117.00,36.65,LED,epi,120,5000\n'
        "T-2,正常企业,120.38,36.07,LED,chip,80,3000\n"
        "T-3,outside,10.0,10.0,LED,chip,5,10\n"
    )
    return rows.encode("utf-8")


def test_upload_import_summary_rejects_and_use() -> None:
    at = _ok(_app("data").run())
    at.file_uploader(key="upload").upload("firms.csv", _firm_csv(), "text/csv").run()
    _ok(at)
    at.button(key="do_import").click().run()
    _ok(at)
    assert {m.label: m.value for m in at.metric} == {
        t("read", "zh"): "3",
        t("accepted", "zh"): "2",
        t("rejected", "zh"): "1",
    }
    html = "".join(h.value for h in at.html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # escaped: shown as text
    assert XSS_NAME not in html
    assert at.download_button(key="dl_rejects").proto.url.endswith(".csv")
    at.button(key="use_upload").click().run()
    _ok(at)
    assert at.session_state["firms_upload"]["name"] == "firms.csv"
    assert not any(w.value == t("banner_demo", "zh") for w in at.warning)
    assert any("firms.csv" in _md_plain(i.value) for i in at.info)  # the name is Markdown-escaped
    # the uploaded firms reach the map, escaped
    at.radio(key="page").set_value("map").run()
    at.multiselect(key="map_layers").set_value(["province", "counties", "firms"]).run()
    _ok(at)
    script = _map_args(at)["script"]
    assert "onerror=alert(1)" in script and "<img src=x" not in script


def test_import_of_an_unreadable_file_shows_a_clear_error() -> None:
    at = _ok(_app("data").run())
    at.file_uploader(key="upload").upload("firms.csv", b"just,some\n1,2\n", "text/csv").run()
    at.button(key="do_import").click().run()
    assert not at.exception
    assert at.error and "firm_id" in _md_plain(at.error[0].value)  # names the missing columns


# ----------------------------------------------------------------------------- export
@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv", "xlsx"])
def test_export_page_offers_every_format(fmt: str) -> None:
    at = _ok(_app("export").run())
    at.selectbox(key="export_item").set_value("layer:counties")
    at.radio(key="export_format").set_value(fmt).run()
    _ok(at)
    assert at.download_button(key="dl_export").proto.url.endswith(f".{fmt}")


def test_export_bytes_are_valid_files(tmp_path: Path) -> None:
    import pyogrio

    from atlas_app.page_export import export_bytes
    from geo.layers import load_layer

    counties = load_layer("counties")
    data, name, mime = export_bytes(counties, "geojson", "layer_counties")
    doc = json.loads(data)
    assert name == "layer_counties.geojson" and mime == "application/geo+json"
    assert len(doc["features"]) == 136 and "crs" not in doc
    data, name, _ = export_bytes(
        {"counties": counties, "cities": load_layer("cities")}, "gpkg", "all"
    )
    (tmp_path / name).write_bytes(data)
    assert sorted(n for n, _ in pyogrio.list_layers(tmp_path / name)) == ["cities", "counties"]
    back = gpd.read_file(tmp_path / name, layer="counties")
    assert len(back) == 136 and back.crs.to_epsg() == 4326
    csv_text = export_bytes(counties, "csv", "c")[0].decode("utf-8-sig")
    assert pd.read_csv(io.StringIO(csv_text), dtype=str)["adcode"].str.len().eq(6).all()
    table = pd.DataFrame({"a": [1]})
    data, name, _ = export_bytes(table, "geojson", "table")  # a table has no GeoJSON form
    assert name.endswith(".csv")


# ----------------------------------------------------------------------------- safety, labels
def test_a_failing_page_shows_a_friendly_message_not_a_traceback() -> None:
    def app() -> None:
        from atlas_app.safety import guarded

        def broken(lang: str) -> None:
            raise RuntimeError("secret internal detail")

        guarded(broken, "en")

    at = AppTest.from_function(app).run()
    assert not at.exception
    assert len(at.error) == 1
    msg = at.error[0].value
    assert "Something went wrong" in msg and "secret internal detail" not in msg
    assert re.search(r"reference [0-9a-f]{8}", msg)


def test_every_label_has_both_languages() -> None:
    for key, (zh, en) in LABELS.items():
        assert zh.strip() and en.strip(), key
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key


def test_every_label_used_in_the_app_exists() -> None:
    used: set[str] = set()
    sources = [REPO / "streamlit_app.py", *sorted((REPO / "atlas_app").glob("*.py"))]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                used.add(node.args[0].value)
    assert used, "found no labels: the scan is broken"
    assert used <= set(LABELS), sorted(used - set(LABELS))


def test_server_config_is_safe_by_default() -> None:
    import tomllib

    cfg = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["address"] == "127.0.0.1"
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"]["maxUploadSize"] == 50
    assert cfg["client"]["showErrorDetails"] == "none"
    assert cfg["browser"]["gatherUsageStats"] is False
