"""The scenarios page in a real browser (Debian Chromium via Playwright, internet blocked).

Opens ``?page=scenario``, loads the issue's example, runs it and checks that two maps are drawn
from local assets only: the baseline coloured before the run, every county coloured on both
after it, the changed county outlined, the added firm and the planned park as points on the
scenario map, the maps kept (not drawn again) through the example and the run, and nothing
fetched from elsewhere.
"""

from __future__ import annotations

import pytest
from harness import (
    Blocker,
    LiveApp,
    folium_frames,
    map_frame,
    wait_for_count,
    wait_idle,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.needs("chromium", "playwright"),
]

N_COUNTIES = 136


def test_example_scenario_draws_two_comparable_maps(
    live_app: LiveApp, browser: tuple[object, Blocker]
) -> None:
    ctx, blocker = browser
    page = ctx.new_page()  # type: ignore[attr-defined]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{live_app.url}/?page=scenario&lang=en", wait_until="domcontentloaded")
        wait_idle(page)
        # before a run: the baseline coloured, the draft's map with no colours and no edits yet
        baseline, scenario = map_frame(page, 0), map_frame(page, 1)
        assert len(folium_frames(page)) == 2
        assert (
            wait_for_count(baseline, "path.atlas-scn-regions", lambda k: k >= N_COUNTIES)
            == N_COUNTIES
        )
        assert scenario.locator("path.atlas-scn-regions").count() == 0
        for frame in (baseline, scenario):  # marks the maps' documents: a redraw would lose it
            frame.evaluate("() => { window.atlasTestMark = 1; }")
        page.get_by_role("button", name="Load the example").click()
        wait_idle(page)
        assert wait_for_count(scenario, "path.atlas-scn-points", lambda k: k >= 2) == 2
        page.get_by_role("button", name="Run the scenario").click()
        wait_idle(page)
        for frame in (baseline, scenario):
            assert (
                wait_for_count(frame, "path.atlas-scn-regions", lambda k: k >= N_COUNTIES)
                == N_COUNTIES
            )
            assert wait_for_count(frame, "path.atlas-scn-changed", lambda k: k >= 1) == 1  # 寿光市
        assert (
            wait_for_count(scenario, "path.atlas-scn-points", lambda k: k >= 2) == 2
        )  # the firm and the park
        assert baseline.locator("path.atlas-scn-points").count() == 0
        # the example and the run swapped layers into the maps already drawn, not new maps
        assert [f.evaluate("() => window.atlasTestMark") for f in (baseline, scenario)] == [1, 1]
        # the same classes on both maps: the legends list the same bounds (two maps side by
        # side are narrow, so their legends start folded: unfold them as a user would)
        for f in (baseline, scenario):
            f.locator(".atlas-legend details").evaluate_all(
                "els => els.forEach(e => e.open = true)"
            )
        bounds = [
            [
                line.split("(")[0].strip()
                for line in f.locator(".atlas-legend").inner_text().splitlines()
                if "% – " in line
            ]
            for f in (baseline, scenario)
        ]
        assert (
            bounds[0]
            == bounds[1]
            == ["0% – 20%", "20% – 40%", "40% – 60%", "60% – 80%", "80% – 100%"]
        )
        assert blocker.blocked == [], f"the app tried to reach the internet: {blocker.blocked[:5]}"
        assert dialogs == []
    finally:
        page.close()
