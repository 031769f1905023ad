"""The app with hostile input (AppTest, no browser): user text never runs, anywhere it shows.

A firm file whose firm names are template payloads and whose *file name* is a Markdown payload
is uploaded, imported, used everywhere and drawn on the map; the scenario diff map gets
payloads in every name. Nothing may run (canary folder absent, no evaluated marker), the
payloads must reach the page as text, and the file name must reach Streamlit's Markdown
escaped. The same flow in a real Chromium is ``test_browser_security.py``.
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from apptest import app as _app
from apptest import map_args as _map_args
from apptest import ok as _ok
from shapely.geometry import Point, box

from atlas_app.ui import md_text

MD_NAME = "![x](http://127.0.0.9/x.png) [y](javascript:alert(1)) {{7*7}}.csv"


BARE = "atlas_canary_bare"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in a fresh folder, where the quote-free payload would create its canary."""
    monkeypatch.chdir(tmp_path)


def _payload_names(canary: Path) -> list[str]:
    return [
        "{{7*7}}",
        "{{ lipsum.__globals__.os.makedirs('" + str(canary) + "') }}",
        "{{ lipsum.__globals__.os.makedirs(dict(" + BARE + "=1)|first) }}",  # quote-free
        "{% for i in range(3) %}LOOPED{% endfor %}",
        "<img src=x onerror=alert(1)>",
    ]


def _csv(names: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["firm_id", "name", "lon", "lat", "chain", "node", "employees", "output"])
    for i, name in enumerate(names):
        w.writerow([f"P-{i}", name, f"{117.0 + 0.3 * i:.2f}", "36.65", "LED", "epi", "10", "100"])
    return buf.getvalue().encode("utf-8")


def test_template_payload_firm_names_show_as_text_and_run_nothing(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    names = _payload_names(canary)
    at = _ok(_app("data").run())
    at.file_uploader(key="upload").upload(MD_NAME, _csv(names), "text/csv").run()
    at.button(key="do_import").click().run()
    _ok(at)
    table = "".join(h.value for h in at.html)
    for name in names:  # the accepted preview shows every name as typed (escaped HTML)
        assert html.escape(name) in table, name
    at.button(key="use_upload").click().run()
    _ok(at)
    # the file name reaches Streamlit's Markdown escaped: no image, no link
    captions = [c.value for c in at.caption]
    assert any(md_text(MD_NAME) in c for c in captions), captions
    assert not any("![x](" in c or "](javascript:" in c for c in captions)
    # draw the uploaded firms on the map
    at.radio(key="page").set_value("map").run()
    at.multiselect(key="map_layers").set_value(["province", "counties", "firms"]).run()
    _ok(at)
    script = _map_args(at)["script"]
    assert not canary.exists() and not Path(BARE).exists(), "a firm name ran as a template"
    assert "LOOPEDLOOPED" not in script and "<img src=x" not in script
    plain = script.replace("\\u0026", "&")  # JSON escapes '&'
    assert "&#123;&#123;7*7&#125;&#125;" in plain  # braces as entities: shown as typed
    assert "lipsum.__globals__.os.makedirs" in script


def test_an_import_error_quoting_user_text_is_escaped(tmp_path: Path) -> None:
    at = _ok(_app("data").run())
    header = "![x](http://127.0.0.9/y.png)"
    at.file_uploader(key="upload").upload("f.csv", f"{header},b\n1,2\n".encode(), "text/csv").run()
    at.button(key="do_import").click().run()
    assert not at.exception and at.error
    assert all("![x](" not in e.value for e in at.error)


def test_scenario_diff_map_shows_payloads_as_text(tmp_path: Path) -> None:
    from atlas_app.scenario_map import diff_map

    canary = tmp_path / "canary"
    names = _payload_names(canary)
    regions = gpd.GeoDataFrame(
        {
            "region": [names[0], "370103"],
            "name_zh": [names[1], names[2]],
            "name_en": [names[3], names[4]],
        },
        geometry=[box(117.0, 36.5, 117.1, 36.6), box(117.1, 36.5, 117.2, 36.6)],
        crs="EPSG:4326",
    )
    points = gpd.GeoDataFrame(
        {"kind": ["added_firm", "park"], "label": [names[1], names[2]]},
        geometry=[Point(117.05, 36.55), Point(117.15, 36.55)],
        crs="EPSG:4326",
    )
    for lang in ("zh", "en"):
        m = diff_map(
            regions,
            pd.Series([0.3, 0.7], index=[names[0], "370103"]),
            lang=lang,
            title=names[1] + names[2],
            detail=pd.Series([names[2], names[3]], index=[names[0], "370103"]),
            changed=[names[0]],
            outlines={"province": regions.dissolve()},
            points=points,
        )
        page = m.get_root().render()
        assert not canary.exists() and not Path(BARE).exists()
        assert "LOOPEDLOOPED" not in page and "<img src=x" not in page
        shown = html.unescape(page.replace("\\u0026", "&"))
        # one language at a time: the English name of region 370103 (names[4]) shows on the
        # English map only; every other payload is on both
        for name in names if lang == "en" else names[:4]:
            assert name in shown, name


@pytest.mark.parametrize(
    ("lang", "needle"),
    [
        ("en", "firm_id [&#x27;list&#x27;] must be text"),
        ("zh", "firm_id 的值 [&#x27;list&#x27;] 应为文本"),
    ],
)
def test_problems_show_in_the_page_language(lang: str, needle: str) -> None:
    at = _ok(_app("scenario", lang=lang).run())
    bad = {"name": "x", "edits": [{"type": "remove_firm", "firm_id": ["list"]}]}
    at.file_uploader(key="scn_up_json").upload(
        "bad.json", json.dumps(bad).encode(), "application/json"
    )
    at.button(key="scn_load_json").click().run()
    assert not at.exception
    assert needle in "".join(h.value for h in at.html)


def test_a_tampered_workspace_upload_lists_its_damage(tmp_path: Path) -> None:
    import sqlite3

    from layout.scenarios import RemoveFirm, Scenario
    from layout.workspace import Workspace

    ws = Workspace(tmp_path / "w.gpkg")
    ws.save_scenario(Scenario("good", (RemoveFirm("ANCHOR-001"),)))
    ws.save_scenario(Scenario("bad", (RemoveFirm("ANCHOR-002"),)))
    con = sqlite3.connect(ws.path)
    con.execute("UPDATE scenarios SET edits_json = ? WHERE name = 'bad'", ("[" * 10_000,))
    con.commit()
    con.close()
    at = _ok(_app("scenario", lang="zh").run())
    at.file_uploader(key="scn_up_ws").upload(
        "w.gpkg", ws.path.read_bytes(), "application/octet-stream"
    )
    at.run()
    assert not at.exception
    text = "".join(h.value for h in at.html)
    assert "情景 &#x27;bad&#x27;" in text and "嵌套超过 32 层" in text  # in the page's language
    assert at.selectbox(key="scn_ws_pick").options == ["good"]  # the good one still loads
