"""The monitoring page in a real browser: Debian's Chromium driven by Playwright, internet blocked.

Opens ``?page=monitor&chain=LED&lang=en``, waits for the county map, moves the year slider with
the keyboard (2024 → 2023 → 2022) and checks that the map legend, the transitions caption and
the warnings heading follow the year, that the map still draws its 136 counties, that nothing
ran as a dialog and that no request left 127.0.0.1.
"""

from __future__ import annotations

import pytest
from harness import Blocker, LiveApp, map_frame, wait_for_count, wait_idle

from atlas_app.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.needs("chromium", "playwright"),
]

N_COUNTIES = 136


def _legend_year(page: object, year: int, *, timeout: float = 120.0) -> None:
    """Wait until the map legend's title names ``year`` (folded or not: a map narrower than
    :data:`geo.maps.LEGEND_FOLD_NARROWER_PX` starts with its legend folded)."""
    frame = map_frame(page)
    frame.locator("h4", has_text=f"LED · {year}").first.wait_for(
        state="attached", timeout=timeout * 1000
    )


def test_year_slider_moves_map_transitions_and_ranking(
    browser: tuple[object, Blocker], live_app: LiveApp
) -> None:
    from layout.monitoring import demo_panel, monitor_chain

    direct = monitor_chain(demo_panel(), "LED", level="county")
    ctx, blocker = browser
    page = ctx.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_app.url}/?page=monitor&chain=LED&lang=en", wait_until="domcontentloaded")
    wait_idle(page, timeout=300)
    wait_for_count(map_frame(page), "path.atlas-counties", lambda k: k >= N_COUNTIES, timeout=300)
    _legend_year(page, 2024)
    assert page.get_by_text(t("mon_warnings", "en", year=2024)).count() == 1

    thumb = page.get_by_role("slider").first
    shown = page.locator('[data-testid="stSliderThumbValue"]').first
    assert shown.inner_text() == "2024"
    for year in (2023, 2022):
        thumb.focus()
        page.keyboard.press("ArrowLeft")
        wait_idle(page, timeout=300)
        assert shown.inner_text() == str(year)
        _legend_year(page, year)
        assert page.get_by_text(t("mon_warnings", "en", year=year)).count() == 1
        n_changes = int((direct.transitions["year"] == year).sum())
        if n_changes:
            assert page.get_by_text(t("mon_transitions_year", "en", year=year)).count() == 1
        assert (
            wait_for_count(map_frame(page), "path.atlas-counties", lambda k: k >= N_COUNTIES)
            == N_COUNTIES
        )
    assert page.get_by_text(t("mon_warnings", "en", year=2024)).count() == 0
    assert dialogs == []
    assert blocker.blocked == [], f"the app tried to reach the internet: {blocker.blocked[:5]}"
    assert blocker.local > 0
    page.close()
