"""Map first, state that survives, in a real browser (Debian Chromium via Playwright, internet
blocked): the language switch keeps the page and every value, one click selects the clicked
county, a region's map shows that region, the legend never covers the layer control, the scale
bar is metric, and a basemap that cannot load says so in words.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from harness import Blocker, LiveApp, map_frame, wait_for_count, wait_idle

from atlas_app.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.needs("chromium", "playwright"),
]

N_COUNTIES = 136
TO_PX = "([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }"


@pytest.fixture
def page(browser: tuple[object, Blocker]) -> Iterator[object]:
    ctx, _ = browser
    pg = ctx.new_page()  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        pg.close()


def _open(page: object, live_app: LiveApp, query: str) -> None:
    page.goto(f"{live_app.url}/{query}", wait_until="domcontentloaded")  # type: ignore[attr-defined]
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    wait_idle(page, timeout=300, settle=2)


def _still(frame: object, page: object) -> None:
    """Wait until the map stops moving (frame resize, fit) so pixels mean places."""
    probe = [36.6, 117.0]
    last = None
    for _ in range(30):
        now = frame.evaluate(TO_PX, probe)  # type: ignore[attr-defined]
        if now == last:
            return
        last = now
        page.wait_for_timeout(300)  # type: ignore[attr-defined]


def _box(locator: object) -> dict[str, float]:
    box = locator.bounding_box()  # type: ignore[attr-defined]
    assert box is not None
    return box


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_language_switch_keeps_the_page_and_every_value(page: object, live_app: LiveApp) -> None:
    _open(page, live_app, "?page=chain&region=370705&chain=CU")
    base = page.get_by_role("combobox", name=t("base", "zh"))  # type: ignore[attr-defined]
    base.click()
    page.get_by_role("option", name=t("base_output", "zh"), exact=True).click()  # type: ignore[attr-defined]
    wait_idle(page, settle=2)
    sidebar = page.locator('[data-testid="stSidebar"]')  # type: ignore[attr-defined]
    sidebar.get_by_text(t("shell_lang_en", "en"), exact=True).click()
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    wait_idle(page, settle=2)
    assert page.locator("h2").first.inner_text() == t("page_chain", "en")  # type: ignore[attr-defined]
    checked = sidebar.locator("label:has(input[type=radio]:checked)").all_inner_texts()
    assert t("page_chain", "en") in checked and "English" in checked
    assert page.get_by_role("combobox", name=t("base", "en")).input_value() == t(
        "base_output", "en"
    )  # type: ignore[attr-defined]
    chain = page.get_by_role("combobox", name=t("chain", "en")).input_value()  # type: ignore[attr-defined]
    assert chain.startswith("CU · ") and "铜" not in chain
    region = page.get_by_role("combobox", name=t("region", "en")).input_value()  # type: ignore[attr-defined]
    assert "370705" in region and "Kuiwen" in region
    # and back: the Chinese names return
    sidebar.get_by_text(t("shell_lang_zh", "zh"), exact=True).click()
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    wait_idle(page, settle=2)
    assert page.locator("h2").first.inner_text() == t("page_chain", "zh")  # type: ignore[attr-defined]
    assert base.input_value() == t("base_output", "zh")
    assert "奎文区" in page.get_by_role("combobox", name=t("region", "zh")).input_value()  # type: ignore[attr-defined]


def test_one_click_selects_the_clicked_county(page: object, live_app: LiveApp) -> None:
    from geo.boundaries import load_counties
    from geo.layers import load_layer
    from layout.coverage import uncovered_counties

    counties = load_counties()
    free = counties[counties["adcode"].isin(uncovered_counties()["adcode"])]  # no marker on top
    targets = free.sort_values("adcode").iloc[[0, len(free) // 2, len(free) - 1]]
    htz = load_layer("htz")
    marker = htz[htz["host_county_adcodes"].astype(str).str.fullmatch(r"\d{6}")].iloc[0]
    _open(page, live_app, "")
    frame = map_frame(page)  # type: ignore[arg-type]
    wait_for_count(frame, "path.atlas-counties", lambda k: k == N_COUNTIES)
    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').first  # type: ignore[attr-defined]
    sidebar = page.locator('[data-testid="stSidebar"]')  # type: ignore[attr-defined]
    clicks = [
        (r.adcode, shapely.point_on_surface(r.geometry)) for r in targets.itertuples(index=False)
    ]
    clicks.append((str(marker["host_county_adcodes"]), marker.geometry))  # a marker's county
    for code, point in clicks:
        frame = map_frame(page)  # type: ignore[arg-type]
        _still(frame, page)
        x, y = frame.evaluate(TO_PX, [point.y, point.x])
        box = _box(iframe)
        page.mouse.click(box["x"] + x, box["y"] + y)  # type: ignore[attr-defined]
        # one click, no retry: the sidebar names the county clicked
        sidebar.get_by_text(code, exact=False).wait_for(timeout=20_000)
        wait_idle(page, settle=1.5)
        shown = sidebar.inner_text()
        assert code in shown, (code, shown[-120:])


def test_a_region_map_shows_the_region(page: object, live_app: LiveApp) -> None:
    from geo.boundaries import load_cities, load_counties

    cases = [
        ("?page=chain&region=370705&chain=LED", load_counties(), "370705"),
        ("?page=siting&region=370700&chain=LED", load_cities(), "370700"),
    ]
    for query, layer, code in cases:
        _open(page, live_app, query)
        frame = map_frame(page, 0)  # type: ignore[arg-type]
        wait_for_count(frame, "path.leaflet-interactive", lambda k: k > 0)
        _still(frame, page)
        b = frame.evaluate(
            "() => { const b = window.map.getBounds();"
            " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
        )
        x0, y0, x1, y1 = layer[layer["adcode"] == code].total_bounds
        tol = 0.02  # display simplification
        assert b[0] <= x0 + tol and b[1] <= y0 + tol and b[2] >= x1 - tol and b[3] >= y1 - tol
        shown = (b[2] - b[0]) * (b[3] - b[1])
        region = (x1 - x0) * (y1 - y0)
        assert shown < 6 * region, (query, shown / region)  # zoomed to it, not the province


def test_legend_and_layer_control_stay_apart(page: object, live_app: LiveApp) -> None:
    every = "province,cities,counties,zones,zones-2020,htz,clusters,firms"
    for query in (f"?layers={every}", "?page=chain&region=370705&chain=LED"):
        _open(page, live_app, query)
        frame = map_frame(page, 0)  # type: ignore[arg-type]
        legend = frame.locator(".atlas-legend")
        legend.wait_for(timeout=60_000)
        control = frame.locator(".leaflet-control-layers").first
        container = _box(frame.locator(".leaflet-container").first)
        a, b = _box(legend), _box(control)
        assert not _overlap(a, b), (query, a, b)
        if "layers=" in query:  # the big map: the legend opens unfolded, the control expanded
            assert legend.locator("details").evaluate("d => d.open") is True
            assert control.evaluate("c => c.classList.contains('leaflet-control-layers-expanded')")
        for box in (a, b):  # both inside the map
            assert box["x"] >= container["x"] - 1 and box["y"] >= container["y"] - 1
            assert box["x"] + box["width"] <= container["x"] + container["width"] + 1
            assert box["y"] + box["height"] <= container["y"] + container["height"] + 1
        # the legend folds and unfolds (small maps start folded)
        details = legend.locator("details")
        was = details.evaluate("d => d.open")
        legend.locator("summary").click()
        assert details.evaluate("d => d.open") is (not was)
        a = _box(legend)  # unfolded or folded, still apart from the layer control
        assert not _overlap(a, _box(control)), (query, a)
        legend.locator("summary").click()
        assert details.evaluate("d => d.open") is was
        scale = frame.locator(".leaflet-control-scale-line")
        assert scale.count() == 1 and scale.first.inner_text().strip().endswith(("km", "m"))


def test_tiles_that_cannot_load_are_named_in_words(
    page: object, live_app: LiveApp, browser: tuple[object, Blocker]
) -> None:
    _open(page, live_app, "?basemap=osm")
    frame = map_frame(page)  # type: ignore[arg-type]
    notice = frame.locator(".atlas-tile-error")
    notice.wait_for(state="visible", timeout=60_000)  # the harness blocks the tile server
    assert notice.inner_text() == t("tile_error", "zh", name="OpenStreetMap")
    _, blocker = browser
    assert any("tile.openstreetmap.org" in u for u in blocker.blocked)
    assert all("tile.openstreetmap.org" in u for u in blocker.blocked if "openstreetmap" in u)
