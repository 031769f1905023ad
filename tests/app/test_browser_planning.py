"""The report page in a real browser: Debian's Chromium driven by Playwright, internet blocked.

Opens ``?page=report&chain=LED&lang=en``, chooses the Blue Economic Zone in the region picker,
presses Generate, downloads the HTML and the XLSX through the browser and checks that both are
valid files for LED × BLUE, that the preview shows the report, and that no request left
127.0.0.1.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from harness import Blocker, LiveApp, wait_idle

from atlas_app.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.needs("chromium", "playwright"),
]


def _save(page: object, label: str, folder: Path) -> Path:
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=label).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def test_report_led_blue_downloads_in_the_browser(
    browser: tuple[object, Blocker], live_app: LiveApp, tmp_path: Path
) -> None:
    import openpyxl

    from layout.reports import LISTS

    ctx, blocker = browser
    page = ctx.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_app.url}/?page=report&chain=LED&lang=en", wait_until="domcontentloaded")
    wait_idle(page)
    page.get_by_role("button", name=t("rep_generate", "en")).wait_for(timeout=60_000)

    picker = page.get_by_role("combobox", name=t("region", "en")).first
    picker.click()
    page.keyboard.type("Blue Economic")
    page.get_by_role("option", name="Shandong Peninsula Blue Economic Zone").first.click()
    wait_idle(page)
    assert picker.input_value().endswith("Shandong Peninsula Blue Economic Zone")

    page.get_by_role("button", name=t("rep_generate", "en")).click()
    page.get_by_role("button", name=t("rep_download_html", "en")).wait_for(timeout=90_000)
    wait_idle(page)

    html_file = _save(page, t("rep_download_html", "en"), tmp_path)
    assert html_file.name == "report_LED_BLUE.html"
    text = html_file.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") and text.rstrip().endswith("</html>")
    assert "Semiconductor lighting" in text and "Blue" in text
    assert "<script" not in text.lower()

    xlsx_file = _save(page, t("rep_download_xlsx", "en"), tmp_path)
    assert xlsx_file.name == "report_LED_BLUE.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_file.read_bytes()), read_only=True)
    assert {"summary", "chain_map", *LISTS} <= set(wb.sheetnames)
    summary = {row[0]: row[1] for row in wb["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["chain"] == "LED" and summary["region"] == "BLUE"

    # the preview shows the same report, from a data: URL (an opaque origin, no script)
    frame = next(f for f in page.frames if f.url.startswith("data:text/html"))
    frame.wait_for_load_state()
    assert "Semiconductor lighting" in frame.locator("body").inner_text()
    assert frame.evaluate("document.scripts.length") == 0
    assert dialogs == []
    assert blocker.blocked == [], f"the app tried to reach the internet: {blocker.blocked[:5]}"
    assert blocker.local > 0
    page.close()
