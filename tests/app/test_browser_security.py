"""Hostile upload in a real browser: template payloads as firm names never run on the server.

Issue #11: a CSV with a firm named ``{{ lipsum.__globals__.os.mkdir(...) }}`` created a folder
on the server once the firms layer was shown on the map (branca re-rendered the name as a Jinja
template). This test serves the app on 127.0.0.1 (a subprocess, so the canary path is
absolute), uploads such a file in headless Chromium — its *file name* a Markdown image — shows
the firms on the map, and checks that every name displays literally (accepted table and marker
tooltips), that the canary folder does not exist, that no image or dialog appeared and that no
request left the machine.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Blocker, LiveApp, map_frame, wait_for_count, wait_idle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.needs("chromium", "playwright"),
]

FILE_NAME = "![pwn](pwn.png) {{7*7}}.csv"


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


def _names(canary: Path, bare: str) -> list[str]:
    """Payloads; ``bare`` names a folder the quote-free one would create in the server's cwd.

    folium's ``tojson`` writes quotes as ``\\u0027``, so a quoted path only breaks the template;
    ``dict(name=1)|first`` builds the name without quotes and would really run.
    """
    return [
        "{{7*7}}",
        "{{ lipsum.__globals__.os.makedirs('" + str(canary) + "') }}",
        "{{ lipsum.__globals__.os.makedirs(dict(" + bare + "=1)|first) }}",
        "{% for i in range(3) %}LOOPED{% endfor %}",
        "<img src=x onerror=alert(1)>",
    ]


def _csv(names: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["firm_id", "name", "lon", "lat", "chain", "node", "employees", "output"])
    for i, name in enumerate(names):  # spread over the map so every marker can be hovered
        w.writerow([f"P-{i}", name, f"{116.6 + 0.7 * i:.2f}", "36.40", "LED", "epi", "10", "100"])
    return buf.getvalue().encode("utf-8")


def test_template_payloads_display_literally_and_run_nothing(
    page: object, live_app: LiveApp, browser: tuple[object, Blocker], tmp_path: Path
) -> None:
    import secrets

    from harness import REPO

    canary = tmp_path / "canary-folder"
    bare = f"atlas_canary_{secrets.token_hex(4)}"
    names = _names(canary, bare)
    try:
        _upload_and_show(page, live_app, browser, names, canary)
    finally:
        ran = (REPO / bare).exists()
        if ran:
            (REPO / bare).rmdir()
    assert not ran, "a quote-free template payload ran on the server"


def _upload_and_show(
    page: object,
    live_app: LiveApp,
    browser: tuple[object, Blocker],
    names: list[str],
    canary: Path,
) -> None:
    page.goto(f"{live_app.url}/?page=data", wait_until="domcontentloaded")
    wait_idle(page)
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": _csv(names)}]
    )
    page.get_by_role("button", name="导入").click()
    accepted = page.locator("table.atlas-accepted")
    accepted.wait_for(timeout=60_000)
    wait_idle(page)
    shown = accepted.inner_text()
    for name in names:
        assert name in shown, name
    page.get_by_role("button", name="在所有页面使用这些企业").click()
    wait_idle(page)
    page.get_by_text("地图浏览", exact=True).first.click()
    wait_idle(page)
    page.get_by_role("combobox", name="图层").first.click()
    page.get_by_role("option", name="企业", exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    frame = map_frame(page)
    n = wait_for_count(frame, "path.atlas-firm", lambda k: k == len(names))
    assert n == len(names)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tips = []
    from layout.chains import load_chain

    # the tooltip's detail names the node in the page's language (外延片 for epi)
    node_name = load_chain("LED").nodes["epi"]["name_zh"]
    firm_tip = frame.locator(".leaflet-tooltip", has_text=f"LED · {node_name}")
    for marker in frame.locator("path.atlas-firm").all():
        for _ in range(3):  # a county tooltip can answer first: move away and hover again
            page.mouse.move(1, 1)
            marker.hover(force=True)
            try:
                firm_tip.last.wait_for(timeout=5_000)
                break
            except PlaywrightTimeout:
                continue
        tips.append(firm_tip.last.inner_text())
    text = "\n".join(tips)
    for name in names:  # the tooltip shows the name exactly as typed
        assert name in text, (name, tips)
    assert "LOOPEDLOOPED" not in text
    assert not canary.exists(), "a firm name ran as a template on the server"
    assert frame.locator('img[src="x"]').count() == 0
    # the Markdown file name showed as text on the data page: no image was loaded
    page.get_by_text("数据导入", exact=True).first.click()
    wait_idle(page)
    caption = page.locator('[data-testid="stCaptionContainer"]', has_text="当前企业数据").first
    assert FILE_NAME in caption.inner_text()
    assert page.locator('img[src*="pwn"]').count() == 0
    assert page.locator('img[src="x"]').count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]
    _, blocker = browser
    assert blocker.blocked == [], blocker.blocked[:5]
