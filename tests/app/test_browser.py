"""The app in a real browser: Debian's Chromium driven by Playwright, internet blocked.

The app is started by the test (``live_app`` fixture) on 127.0.0.1; every request to any other
host is aborted and recorded. The tests check that the map draws its 136 county shapes from
local assets only, that switching a layer and choosing a chain change what is drawn, that a
firm named ``<img src=x onerror=alert(1)>`` shows as text and runs nothing, and that a download
is a valid file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Blocker, LiveApp, map_frame, wait_for_count, wait_idle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.needs("chromium", "playwright"),
]

XSS_NAME = "<img src=x onerror=alert(1)>"
N_COUNTIES = 136


@pytest.fixture
def page(browser: tuple[object, Blocker]) -> Iterator[object]:
    """A new tab that records JavaScript dialogs (and dismisses them)."""
    ctx, _ = browser
    pg = ctx.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]

    def _dialog(d: object) -> None:
        pg.dialogs.append(d.message)  # type: ignore[attr-defined]
        d.dismiss()

    pg.on("dialog", _dialog)
    try:
        yield pg
    finally:
        pg.close()


def _open(page: object, live_app: LiveApp, query: str = "") -> None:
    page.goto(f"{live_app.url}/{query}", wait_until="domcontentloaded")
    wait_idle(page)


def test_map_renders_136_counties_offline(
    page: object, live_app: LiveApp, browser: tuple[object, Blocker]
) -> None:
    _open(page, live_app)
    frame = map_frame(page)
    n = wait_for_count(frame, "path.atlas-counties", lambda k: k >= N_COUNTIES)
    assert n == N_COUNTIES
    assert frame.evaluate("typeof L !== 'undefined' && typeof L.version === 'string'")
    # Leaflet's stylesheet came from the app itself (static/, served by Streamlit), not a CDN.
    assert frame.evaluate(
        "[...document.styleSheets].some(s => [...s.cssRules].some(r => (r.selectorText || '').includes('.leaflet-container')))"
    )
    _, blocker = browser
    assert blocker.blocked == [], f"the app tried to reach the internet: {blocker.blocked[:5]}"
    assert blocker.local > 0


def test_switching_a_layer_changes_what_is_drawn(page: object, live_app: LiveApp) -> None:
    _open(page, live_app)
    frame = map_frame(page)
    wait_for_count(frame, "path.atlas-counties", lambda k: k == N_COUNTIES)
    box = frame.locator("label", has_text="县级行政区").locator(
        "input.leaflet-control-layers-selector"
    )
    box.uncheck()
    assert wait_for_count(frame, "path.atlas-counties", lambda k: k == 0) == 0
    box.check()
    assert wait_for_count(frame, "path.atlas-counties", lambda k: k == N_COUNTIES) == N_COUNTIES
    # A layer switched on in the app (not only in Leaflet's control) is sent and drawn.
    assert frame.locator("path.atlas-zones-2020").count() == 0
    _open(page, live_app, "?layers=province,counties,zones-2020")
    frame = map_frame(page)
    assert wait_for_count(frame, "path.atlas-zones-2020", lambda k: k == 3) == 3


def test_clicking_a_county_selects_it(page: object, live_app: LiveApp) -> None:
    import shapely

    from geo.boundaries import load_counties
    from layout.coverage import uncovered_counties

    counties = load_counties()
    free = counties[counties["adcode"].isin(uncovered_counties()["adcode"])]  # no markers on top
    target = free.iloc[int(shapely.area(free.geometry.to_numpy()).argmax())]
    inside = shapely.point_on_surface(target.geometry)
    _open(page, live_app)
    frame = map_frame(page)
    wait_for_count(frame, "path.atlas-counties", lambda k: k == N_COUNTIES)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    sidebar = page.locator('[data-testid="stSidebar"]')
    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    to_px = "([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }"
    for _ in range(5):  # the map can still be settling (frame resize, fit) right after drawing
        before = frame.evaluate(to_px, [inside.y, inside.x])
        page.wait_for_timeout(400)
        x, y = frame.evaluate(to_px, [inside.y, inside.x])
        if (x, y) != tuple(before):
            continue
        box = iframe.bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        try:
            sidebar.get_by_text(target["adcode"], exact=False).wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:  # the view moved under the click: try again once it is still
            continue
    sidebar.get_by_text(target["adcode"], exact=False).wait_for(timeout=30_000)
    assert target["name_zh"] in sidebar.inner_text()


def _expected_lines(chain: str, region: str) -> int:
    from atlas_app.page_chain import gap_layers
    from layout.analysis import analyze_chain
    from layout.demo import demo_firms
    from layout.regions import ensure_adcode, parse_region

    analysis = analyze_chain(ensure_adcode(demo_firms()), chain, region=region, permutations=99)
    parsed = parse_region(region)
    lines, _ = gap_layers(analysis, region, parsed.level, parsed.frame)
    return len(lines)


def test_choosing_a_chain_changes_the_gap_map(page: object, live_app: LiveApp) -> None:
    region, first, second = "370705", "LED", "CU"
    want_first, want_second = _expected_lines(first, region), _expected_lines(second, region)
    assert want_first != want_second, "pick two chains with different gap maps"
    _open(page, live_app, f"?page=chain&region={region}&chain={first}")
    frame = map_frame(page)
    assert wait_for_count(frame, "path.atlas-sourcing", lambda k: k == want_first) == want_first
    frame.evaluate("() => { window.atlasTestMark = 1; }")  # a redrawn map would lose it
    page.get_by_role("combobox", name="产业链").first.click()
    page.get_by_role("option", name=f"{second} ·").first.click()
    wait_idle(page)
    frame = map_frame(page)
    assert wait_for_count(frame, "path.atlas-sourcing", lambda k: k == want_second) == want_second
    # the chain's layers were swapped into the map already drawn; the outline is the region's
    assert frame.evaluate("() => window.atlasTestMark") == 1
    assert frame.locator("path.atlas-selection").count() >= 1


def _firm_csv() -> bytes:
    rows = [
        ["firm_id", "name", "lon", "lat", "chain", "node", "employees", "output"],
        ["T-1", XSS_NAME, "117.00", "36.65", "LED", "epi", "120", "5000"],
        ["T-2", "正常企业", "120.38", "36.07", "LED", "chip", "80", "3000"],
        ["T-3", "bad coordinates", "10.0", "10.0", "LED", "chip", "5", "10"],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


def test_upload_shows_markup_as_text_and_runs_nothing(
    page: object, live_app: LiveApp, tmp_path: Path
) -> None:
    path = tmp_path / "firms.csv"
    path.write_bytes(_firm_csv())
    _open(page, live_app, "?page=data")
    page.locator('input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="导入").click()
    accepted = page.locator("table.atlas-accepted")
    accepted.wait_for(timeout=60_000)
    wait_idle(page)
    assert XSS_NAME in accepted.inner_text()
    assert page.locator("table.atlas-rejected").count() == 1  # the row outside Shandong
    assert page.locator('img[src="x"]').count() == 0
    # Use the upload everywhere and draw it on the map in the same browser session (a reload
    # would start a new session): the marker tooltip shows the name as text too.
    page.get_by_role("button", name="在所有页面使用这些企业").click()
    wait_idle(page)
    page.get_by_text("地图浏览", exact=True).first.click()
    wait_idle(page)
    page.get_by_role("combobox", name="图层").first.click()
    page.get_by_role("option", name="企业", exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    frame = map_frame(page)
    assert wait_for_count(frame, "path.atlas-firm", lambda k: k == 2) == 2  # the two accepted firms
    tips = []
    for marker in frame.locator("path.atlas-firm").all():
        marker.hover(force=True)
        frame.locator(".leaflet-tooltip").last.wait_for(timeout=10_000)
        tips.append(frame.locator(".leaflet-tooltip").last.inner_text())
    assert any(XSS_NAME in tip for tip in tips), tips
    assert frame.locator('img[src="x"]').count() == 0
    assert page.locator('img[src="x"]').count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_download_returns_a_valid_file(page: object, live_app: LiveApp, tmp_path: Path) -> None:
    _open(page, live_app, "?page=export")
    button = page.get_by_role("button", name="下载")
    with page.expect_download(timeout=60_000) as info:
        button.first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".geojson"
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == 1  # the province
    assert doc["features"][0]["properties"]["adcode"] == "370000"
    ring = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert 114 < ring[0][0] < 123 and 34 < ring[0][1] < 39


def test_lazy_workbook_download_is_made_on_click(
    page: object, live_app: LiveApp, tmp_path: Path
) -> None:
    """The chain page's XLSX is made only when clicked (a deferred file): it still arrives whole."""
    import pandas as pd

    from atlas_app.i18n import t

    _open(page, live_app, "?page=chain")
    button = page.get_by_role("button", name=t("download_chain", "zh"))
    button.wait_for(timeout=120_000)
    with page.expect_download(timeout=120_000) as info:
        button.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".xlsx" and target.name.startswith("chain_LED_")
    book = pd.read_excel(target, sheet_name=None, header=1)
    assert {"nodes", "gaps", "sourcing", "bottlenecks"} <= set(book)
    assert len(book["nodes"]) > 0 and "node" in book["nodes"].columns
