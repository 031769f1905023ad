"""The scenarios page: build, validate, run and compare a scenario; JSON and workspace round trips.

Every check compares the page with :func:`layout.scenarios.run_scenario` called directly on the
same inputs (the demonstration firms, the same options), never with hard-coded numbers.
Downloads are caught where Streamlit stores them (its in-memory media storage).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from apptest import app, deferred_bytes, folium_maps, record_deferred
from apptest import ok as _ok
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from atlas_app import ASSETS_URL
from atlas_app.i18n import name_both, t
from atlas_app.scenario_builder import example_scenario
from atlas_app.scenario_map import BOUNDS, class_colours, completeness_classes, diff_map
from layout.analysis import ChainAnalysis
from layout.scenarios import (
    AddFirm,
    ChangeZoneMembership,
    MoveFirm,
    RemoveFirm,
    Scenario,
    load_scenario,
    run_scenario,
)
from layout.workspace import Workspace

XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_TEXT = "&lt;img src=x onerror=alert(1)&gt;"
SHOUGUANG, TENGZHOU = "370783", "370481"


def _app(page: str = "scenario", lang: str = "zh", **state: object) -> AppTest:
    return app(page, lang, **state)


_maps = folium_maps


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The shown dataframe that has ``column``."""
    hits = [d.value for d in at.dataframe if column in d.value.columns]
    assert hits, f"no table with column {column!r}"
    return hits[0]


def _html(at: AppTest) -> str:
    return "".join(h.value for h in at.html)


@pytest.fixture(scope="module")
def firms() -> gpd.GeoDataFrame:
    from layout.demo import demo_firms
    from layout.regions import ensure_adcode

    return ensure_adcode(demo_firms())  # what the app uses (atlas_app.loaders.demo_firms)


@pytest.fixture(scope="module")
def baseline(firms: gpd.GeoDataFrame) -> ChainAnalysis:
    from layout.scenarios import evaluate

    return evaluate(firms, "LED", level="county", frame="2013", base="employees", permutations=99)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    """``{file name: bytes}`` of every download button the app draws while the test runs."""
    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(
        self: MemoryMediaFileStorage,
        path_or_data: str | bytes,
        mimetype: str,
        kind: object,
        filename: str | None = None,
    ) -> str:
        if filename and isinstance(path_or_data, bytes):
            seen[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    yield seen


def _draft(at: AppTest) -> Scenario:
    return Scenario(
        at.session_state["scn_draft_name"],
        tuple(at.session_state["scn_edits"]),
        at.session_state["scn_draft_desc"],
    )


# ----------------------------------------------------------------------------- the example
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_example_runs_and_shows_the_diff_run_scenario_gives(
    lang: str, firms: gpd.GeoDataFrame, baseline: ChainAnalysis, monkeypatch: pytest.MonkeyPatch
) -> None:
    deferred = record_deferred(monkeypatch)
    at = _ok(_app(lang=lang).run())
    assert t("scn_not_run", lang) in [c.value for c in at.caption]
    _ok(at.button(key="scn_example").click().run())
    scenario = example_scenario(lang)  # the names and description in the page's language
    assert _draft(at) == scenario
    assert at.selectbox(key="chain").value == "LED"
    # the example as the issue words it: an LED epitaxy firm in 寿光市, a park in 滕州市
    firm, park = scenario.edits
    assert (firm.chain, firm.node, park.kind) == ("LED", "epi", "park")
    _, _, direct = run_scenario(
        None,
        scenario,
        firms,
        "LED",
        level="county",
        frame="2013",
        base="employees",
        permutations=99,
        baseline=baseline,
    )
    assert direct.nodes["region"].tolist() == [SHOUGUANG] and direct.sites["region"].tolist() == [
        TENGZHOU
    ]

    _ok(at.button(key="scn_run").click().run())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("scn_m_nodes", lang)] == str(len(direct.nodes))
    assert metrics[t("scn_m_regions", lang)] == str(int(direct.completeness["changed"].sum()))
    assert metrics[t("scn_m_sites", lang)] == str(len(direct.sites))
    hhi = direct.concentration.set_index("metric").loc["hhi_chain"]
    assert metrics[t("scn_conc_hhi_chain", lang)] == f"{hhi['after']:.4f}"
    nodes = _table(at, t("scn_status_before", lang))
    assert len(nodes) == len(direct.nodes)
    assert nodes[t("code", lang)].tolist() == direct.nodes["region"].tolist()
    assert nodes[t("scn_status_after", lang)].tolist() == [
        t(f"status_{s}", lang) for s in direct.nodes["status_after"]
    ]
    regions = _table(at, t("scn_comp_before", lang)).set_index(t("code", lang))
    comp = direct.completeness.set_index("region").loc[SHOUGUANG]
    assert regions.loc[SHOUGUANG, t("scn_comp_before", lang)] == pytest.approx(comp["before"])
    assert regions.loc[SHOUGUANG, t("scn_comp_after", lang)] == pytest.approx(comp["after"])
    sites = _table(at, t("scn_htz_after", lang))
    assert sites[t("code", lang)].tolist() == [TENGZHOU]
    assert sites[t("scn_htz_after", lang)].tolist() == direct.sites["htz_like_after"].tolist()
    # the summary says what the library's diff holds, in the page's language, as escaped text
    html = _html(at)
    node = direct.nodes.iloc[0]
    line = t(
        "scn_sum_node",
        lang,
        region=node["region_name_zh" if lang == "zh" else "region_name_en"],
        node=node["name_zh" if lang == "zh" else "name_en"],
        before=t(f"status_{node['status_before']}", lang),
        after=t(f"status_{node['status_after']}", lang),
    )
    assert line.replace("<", "&lt;").replace(">", "&gt;") in html
    bilingual = direct.summary()[0]  # the library's line holds both languages: not shown
    assert bilingual.replace("<", "&lt;").replace(">", "&gt;") not in html
    # two maps on the same classes, the changed county outlined, firm and park on the scenario map
    maps = _maps(at)
    assert len(maps) == 2
    base_script, scen_script = maps[0]["script"], maps[1]["script"]
    for script in (base_script, scen_script):
        assert script.count('"atlas-scn-regions"') >= 1 and '"atlas-scn-changed"' in script
        assert all(u.startswith(ASSETS_URL) for u in maps[0]["js_links"] + maps[0]["css_links"])
        assert json.dumps(t("scn_legend_fixed", lang))[1:-1] in script
    assert "atlas-scn-points" in scen_script and "atlas-scn-points" not in base_script
    assert json.dumps(t("scn_pt_park", lang))[1:-1] in scen_script
    # downloads of the diff
    keys = {b.key for b in at.download_button}
    assert {"scn_dl_diff", "scn_dl_nodes", "scn_dl_regions", "scn_dl_json"} <= keys
    # made on click (deferred files): the diff's JSON, the changed nodes, the regions' GeoJSON
    doc = json.loads(deferred_bytes(at, "scn_dl_diff", deferred))
    assert doc["scenario_definition"]["name"] == scenario.name
    assert len(doc["nodes"]) == len(direct.nodes)
    geo = json.loads(deferred_bytes(at, "scn_dl_regions", deferred))
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == len(direct.completeness)
    csv_text = deferred_bytes(at, "scn_dl_nodes", deferred).decode("utf-8-sig")
    assert len(csv_text.splitlines()) == len(direct.nodes) + 2  # two header rows


def test_a_firm_at_a_missing_node_added_with_the_form_turns_it_present(
    firms: gpd.GeoDataFrame, baseline: ChainAnalysis
) -> None:
    rows = baseline.nodes[
        (baseline.nodes["region"] == SHOUGUANG) & (baseline.nodes["status"] == "missing")
    ]
    assert len(rows), "the demo data should leave some LED node missing in 寿光"
    node = str(rows["node"].iloc[0])
    at = _ok(_app(lang="en").run())
    at.text_input(key="scn_af_name").set_value("Test maker")
    at.selectbox(key="scn_af_chain").set_value("LED")
    _ok(at.run())
    at.selectbox(key="scn_af_node").set_value(node)
    at.radio(key="scn_af_where").set_value("county")
    _ok(at.run())
    at.selectbox(key="scn_af_county").set_value(SHOUGUANG)
    _ok(at.button(key="scn_add_firm").click().run())
    draft = _draft(at)
    assert len(draft.edits) == 1 and isinstance(draft.edits[0], AddFirm)
    assert draft.edits[0].node == node and draft.edits[0].employees == 100.0
    _ok(at.button(key="scn_run").click().run())
    _, _, direct = run_scenario(
        None,
        draft,
        firms,
        "LED",
        level="county",
        frame="2013",
        base="employees",
        permutations=99,
        baseline=baseline,
    )
    shown = _table(at, t("scn_status_before", "en"))
    label = name_both(rows["name_zh"].iloc[0], rows["name_en"].iloc[0], "en")
    hit = shown[(shown[t("code", "en")] == SHOUGUANG) & (shown[t("node", "en")] == label)]
    assert len(hit) == 1
    assert hit[t("scn_status_before", "en")].iloc[0] == t("status_missing", "en")
    assert hit[t("scn_status_after", "en")].iloc[0] in (
        t("status_weak", "en"),
        t("status_strong", "en"),
    )
    want = direct.nodes.set_index(["region", "node"]).loc[(SHOUGUANG, node), "status_after"]
    assert hit[t("scn_status_after", "en")].iloc[0] == t(f"status_{want}", "en")
    assert len(shown) == len(direct.nodes)


# ----------------------------------------------------------------------------- validation
def test_a_bad_edit_lists_every_problem_and_keeps_the_draft() -> None:
    at = _ok(_app(lang="en").run())
    _ok(at.button(key="scn_example").click().run())
    at.radio(key="scn_af_where").set_value("lonlat")
    _ok(at.run())
    at.number_input(key="scn_af_lon").set_value(10.0)
    at.number_input(key="scn_af_lat").set_value(10.0)
    at.text_input(key="scn_af_name").set_value("")
    at.button(key="scn_add_firm").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("scn_problems", "en", n=2)]
    html = _html(at)
    assert "outside Shandong" in html and "name &#x27;&#x27; must be non-empty" in html
    assert len(at.session_state["scn_edits"]) == 2  # the example stays as it was
    assert not at.button(key="scn_run").disabled


def test_an_uploaded_scenario_with_problems_is_loaded_listed_and_not_run() -> None:
    bad = Scenario(
        "bad-one",
        (
            RemoveFirm("NO-SUCH-FIRM"),
            MoveFirm("ANCHOR-001", 10.0, 10.0),
            AddFirm("X-1", "x", 118.8, 37.0, "LED", "epi", -5.0),
        ),
    )
    at = _ok(_app(lang="zh").run())
    at.file_uploader(key="scn_up_json").upload(
        "bad.json", bad.to_json().encode(), "application/json"
    )
    at.button(key="scn_load_json").click().run()
    assert not at.exception
    assert _draft(at) == bad
    assert t("scn_problems", "zh", n=3) in [e.value for e in at.error]
    html = _html(at)
    # listed in the page's language (the problems carry Chinese and English)
    assert "NO-SUCH-FIRM" in html and "在山东省外" in html and "必须是 ≥ 0 的数" in html
    assert "outside Shandong" not in html
    assert at.button(key="scn_run").disabled and at.button(key="scn_ws_build").disabled
    # a value of the wrong type cannot even be loaded: refused, the draft untouched
    wrong = json.loads(bad.to_json())
    wrong["edits"][2]["lat"] = "east"
    at.file_uploader(key="scn_up_json").upload(
        "wrong.json", json.dumps(wrong).encode(), "application/json"
    )
    at.button(key="scn_load_json").click().run()
    assert not at.exception
    assert "lat 的值 &#x27;east&#x27; 应为数" in _html(at)  # escaped: shown as text
    assert _draft(at) == bad
    # JSON that does not parse: every problem listed, the draft untouched
    at.file_uploader(key="scn_up_json").upload(
        "broken.json", b'{"name": "x", "edits": [{"type": "teleport"}]}', "application/json"
    )
    at.button(key="scn_load_json").click().run()
    assert not at.exception
    assert "teleport" in _html(at)
    assert _draft(at) == bad


# ----------------------------------------------------------------------------- import / export
def test_json_download_and_upload_round_trip(downloads: dict[str, bytes]) -> None:
    at = _ok(_app().run())
    _ok(at.button(key="scn_example").click().run())
    scenario = example_scenario()
    data = downloads[f"{scenario.name}.json"]
    assert Scenario.from_json(data.decode("utf-8")) == scenario
    _ok(at.button(key="scn_clear").click().run())
    assert _draft(at).edits == ()
    at.file_uploader(key="scn_up_json").upload(f"{scenario.name}.json", data, "application/json")
    _ok(at.button(key="scn_load_json").click().run())
    assert _draft(at) == scenario
    assert at.text_input(key="scn_name").value == scenario.name


def test_workspace_download_holds_the_scenario_and_uploads_back(
    downloads: dict[str, bytes], tmp_path: Path, firms: gpd.GeoDataFrame, baseline: ChainAnalysis
) -> None:
    at = _ok(_app().run())
    _ok(at.button(key="scn_example").click().run())
    _ok(at.button(key="scn_ws_build").click().run())
    scenario = example_scenario()
    name = f"{scenario.name}_LED.gpkg"
    assert at.download_button(key="scn_dl_ws").proto.url
    path = tmp_path / name
    path.write_bytes(downloads[name])
    ws = Workspace(path)
    assert ws.list_scenarios()["name"].tolist() == [scenario.name]
    assert load_scenario(ws, scenario.name) == scenario
    assert ws.scenario_base(scenario.name) == "demo"
    changes = ws.load_result(f"{scenario.name}_LED_changes")
    _, _, direct = run_scenario(
        None, scenario, firms, "LED", level="county", permutations=99, baseline=baseline
    )
    assert (
        changes[["region", "node", "status_after"]].values.tolist()
        == direct.nodes[["region", "node", "status_after"]].values.tolist()
    )
    assert ws.layer_metadata(f"{scenario.name}_LED_changes")["synthetic"] == "true"
    # upload it back: the saved scenarios are listed and one loads into the builder
    _ok(at.button(key="scn_clear").click().run())
    at.file_uploader(key="scn_up_ws").upload(name, downloads[name], "application/octet-stream")
    _ok(at.run())
    listed = _table(at, t("scn_n_edits", "zh"))
    assert listed[t("name", "zh")].tolist() == [scenario.name]
    at.selectbox(key="scn_ws_pick").set_value(scenario.name)
    _ok(at.button(key="scn_ws_load").click().run())
    assert _draft(at) == scenario


def test_a_file_that_is_not_a_workspace_is_reported() -> None:
    at = _ok(_app(lang="en").run())
    at.file_uploader(key="scn_up_ws").upload(
        "x.gpkg", b"not a geopackage", "application/octet-stream"
    )
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("scn_problems", "en", n=1)]
    assert "not a readable atlas workspace" in _html(at)


# ----------------------------------------------------------------------------- zones, safety
def test_zone_level_with_a_membership_edit(firms: gpd.GeoDataFrame) -> None:
    from geo.frames import membership

    in_cap = set(membership("2013").query("zone_code == 'CAP'")["adcode"])
    assert SHOUGUANG not in in_cap
    at = _ok(_app(lang="en").run())
    at.selectbox(key="scn_level").set_value("zone:2013")
    at.radio(key="scn_zm_frame").set_value("2013")
    at.radio(key="scn_zm_action").set_value("add")
    _ok(at.run())
    at.selectbox(key="scn_zm_zone").set_value("CAP")
    at.selectbox(key="scn_zm_county").set_value(SHOUGUANG)
    _ok(at.button(key="scn_add_zone").click().run())
    draft = _draft(at)
    assert draft.edits == (ChangeZoneMembership(SHOUGUANG, "2013", "CAP", "add"),)
    _ok(at.button(key="scn_run").click().run())
    _, _, direct = run_scenario(
        None, draft, firms, "LED", level="zone", frame="2013", base="employees", permutations=99
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("scn_m_nodes", "en")] == str(len(direct.nodes))
    assert metrics[t("scn_m_regions", "en")] == str(int(direct.completeness["changed"].sum()))
    script = _maps(at)[1]["script"]
    assert "regions:BLUE" in script and "regions:CAP" in script  # the zones themselves are coloured


def test_markup_in_names_shows_as_text(downloads: dict[str, bytes]) -> None:
    at = _ok(_app(lang="en").run())
    at.text_input(key="scn_name").set_value(XSS_NAME)
    at.text_input(key="scn_af_name").set_value(XSS_NAME)
    at.run()
    assert not at.exception
    html = _html(at)
    assert XSS_TEXT in html and XSS_NAME not in html  # the invalid name is quoted as text
    assert at.button(key="scn_run").disabled
    _ok(at.text_input(key="scn_name").set_value("xss-test").run())
    at.button(key="scn_add_firm").click().run()
    _ok(at.button(key="scn_run").click().run())
    script = _maps(at)[1]["script"]
    assert "onerror=alert(1)" in script and "<img src=x" not in script  # escaped in the tooltip
    assert XSS_NAME not in _html(at)


def test_both_maps_colour_a_value_alike_whatever_the_others() -> None:
    from layout.regions import region_table

    assert completeness_classes(pd.Series([0.0, 0.2, 0.21, 0.99, 1.0, None])).tolist() == [
        0,
        0,
        1,
        4,
        4,
        -1,
    ]
    regions = gpd.GeoDataFrame(
        region_table("county")[["region", "name_zh", "name_en"]].head(3),
        geometry=gpd.points_from_xy([117.0, 118.0, 119.0], [36.0, 36.5, 37.0]).buffer(0.1),
        crs="EPSG:4326",
    )
    codes = regions["region"].tolist()
    low = (
        diff_map(regions, pd.Series([0.1, 0.1, 0.3], index=codes), lang="zh", title="t")
        .get_root()
        .render()
    )
    high = (
        diff_map(regions, pd.Series([0.1, 0.9, 1.0], index=codes), lang="zh", title="t")
        .get_root()
        .render()
    )
    colours = class_colours()
    assert len(colours) == len(BOUNDS)

    # 0.1 is the first class on both maps although the ranges differ
    def fills(page: str, colour: str) -> int:  # region properties (TopoJSON: compact JSON)
        return len(re.findall(f'"fill": ?"{colour}"', page))

    for page in (low, high):
        assert fills(page, colours[0]) >= 1
    assert fills(high, colours[4]) >= 1 and fills(low, colours[4]) == 0
