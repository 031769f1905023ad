"""The shell around the pages: language switch, sensible province defaults, the basemap every
map uses (sidebar, custom tile service, configuration file). AppTest runs; the browser-level
checks of the same are in ``test_browser_maps.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from apptest import app, map_args, ok

from atlas_app.i18n import t


@pytest.fixture(scope="module")
def firms() -> gpd.GeoDataFrame:
    from layout.demo import demo_firms
    from layout.regions import ensure_adcode

    return ensure_adcode(demo_firms())


# ----------------------------------------------------------------------------- language switch
def test_switching_language_keeps_page_selection_and_values() -> None:
    at = ok(app("chain", "zh", selected_region="370705", _region_chosen=True).run())
    at.selectbox(key="chain").set_value("CU")
    at.selectbox(key="chain_base").set_value("output").run()
    ok(at)
    at.radio(key="lang").set_value("en").run()
    ok(at)
    assert at.header[0].value == t("page_chain", "en")
    assert at.radio(key="page").value == "chain"
    assert at.selectbox(key="chain").value == "CU"
    assert at.selectbox(key="chain_base").value == "output"
    assert at.selectbox(key="chain_region_pick").value == "370705"
    # the widgets are re-sent with the new language's option names (so the browser shows them)
    assert at.selectbox(key="chain_base").proto.set_value
    assert at.selectbox(key="chain_base").proto.raw_value == t("base_output", "en")


def test_relabel_skips_what_streamlit_cannot_set() -> None:
    at = ok(app("data", "zh").run())
    at.file_uploader(key="upload").upload("a.csv", b"firm_id\n1\n", "text/csv").run()
    at.radio(key="lang").set_value("en").run()  # an uploader in the session: no error
    ok(at)
    assert at.header[0].value == t("page_data", "en")


# ----------------------------------------------------------------------------- defaults
def test_province_pages_open_on_the_weakest_city(firms: gpd.GeoDataFrame) -> None:
    from layout.analysis import analyze_chain

    completeness = analyze_chain(firms, "LED", level="city", permutations=0).completeness
    lowest = completeness[completeness == completeness.min()].index.astype(str).min()
    at = ok(app("chain", "zh").run())
    assert at.selectbox(key="chain_region_pick").value == lowest
    assert t("region_default_note", "zh") in [c.value for c in at.caption]
    assert at.session_state["selected_region"] == "370000"  # nothing chosen for other pages
    nodes = {m.label: m.value for m in at.metric}
    assert nodes[t("n_missing", "zh")] != "0" or nodes[t("n_broken", "zh")] != "0"
    # siting opens on a gap of that city, not on a strong node
    at = ok(app("siting", "zh").run())
    node = at.selectbox(key="siting_node_LED").value
    status = analyze_chain(firms, "LED", region=lowest, permutations=0).nodes.set_index("node")
    assert status.loc[node, "status"] in ("missing", "broken")
    # an explicit choice of the province is kept
    at = ok(app("chain", "zh").run())
    at.selectbox(key="chain_region_pick").set_value("370000").run()
    ok(at)
    assert at.selectbox(key="chain_region_pick").value == "370000"


def test_opportunities_never_open_on_an_all_zero_ranking() -> None:
    at = ok(app("opportunities", "en").run())
    table = next(d.value for d in at.dataframe if t("opp_score", "en") in d.value.columns)
    assert len(table) > 3 and table[t("opp_score", "en")].max() > 0


# ----------------------------------------------------------------------------- basemaps
def test_a_custom_tile_service_from_the_sidebar_is_drawn_in_its_datum() -> None:
    import eviltransform

    at = ok(app("map", "en", map_layers=["province", "htz"]).run())
    at.text_input(key="bm_url").set_value("https://tiles.intranet.local/{z}/{x}/{y}.png")
    at.selectbox(key="bm_datum").set_value("gcj02")
    at.text_input(key="bm_title").set_value("Intranet tiles")
    at.button(key="bm_use").click().run()
    ok(at)
    assert at.selectbox(key="basemap").value == "custom"
    script = map_args(at)["script"]
    assert "https://tiles.intranet.local/{z}/{x}/{y}.png" in script
    assert "Basemap tiles could not load (Intranet tiles)" in script
    # overlays shifted to GCJ-02 (the htz point of 济南高新区 at its host county's centre)
    from geo.layers import load_layer

    htz = load_layer("htz").iloc[0]
    lat, lon = eviltransform.wgs2gcj(htz.geometry.y, htz.geometry.x)
    assert f"{lon:.3f}"[:6] in script and f"{lat:.3f}"[:5] in script


def test_a_bad_tile_service_lists_its_problems_in_the_page_language() -> None:
    at = ok(app("map", "zh").run())
    at.text_input(key="bm_url").set_value("ftp://tiles/{z}.png")
    at.button(key="bm_use").click().run()
    assert not at.exception
    assert at.error[0].value == t("bm_problems", "zh", n=2)
    shown = "".join(h.value for h in at.html)
    assert "不是瓦片地址" in shown and "缺少占位符" in shown
    assert at.selectbox(key="basemap").value == "none"  # nothing invalid is drawn


def test_services_of_the_config_file_are_offered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "basemaps.toml"
    path.write_text(
        '[[basemap]]\nname = "tdt"\ntitle_zh = "天地图"\ntitle_en = "Tianditu"\n'
        'url = "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile'
        '&LAYER=vec&TILEMATRIXSET=w&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"\n'
        'subdomains = "01234567"\ndatum = "cgcs2000"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ATLAS_BASEMAPS", str(path))
    at = ok(app("map", "zh").run())
    assert (
        "tdt" in at.selectbox(key="basemap").options
        or "天地图" in at.selectbox(key="basemap").options
    )
    at.selectbox(key="basemap").set_value("tdt").run()
    ok(at)
    script = map_args(at)["script"]
    assert "tianditu.gov.cn/vec_w/wmts" in script
    assert json.dumps("底图瓦片无法加载（天地图）")[1:-1] in script or "天地图" in script
