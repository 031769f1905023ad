"""Screenshots of every page in both languages for the README: ``python tests/app/screenshots.py``.

Starts the app on 127.0.0.1 (:func:`harness.run_app`), opens each page in Chinese and English
in headless Chromium (every non-local request blocked, so the maps show no tiles) and saves
``docs/screenshots/<page>_<lang>.png``, plus result views: the example scenario run, the LED
report for the Blue Economic Zone generated, a county's chain view and a firm import. The window
is 1500 × 1000 px (the page as a laptop shows it); ``--tall`` saves the full page height;
``--only data monitor`` retakes the views whose names start with those words.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from harness import REPO, folium_frames, launch, map_frame, run_app, wait_for_count, wait_idle

from atlas_app import PAGES
from atlas_app.i18n import t

SHOTS = REPO / "docs" / "screenshots"


def _settle(page: object, seconds: float = 3.0) -> None:
    """Wait until the script is done and every map on the page has drawn its shapes."""
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    wait_idle(page, timeout=600, settle=seconds)
    # a page may still show a spinner ("正在分析…") while the status widget is already gone
    spinner = page.locator('[data-testid="stSpinner"]')  # type: ignore[attr-defined]
    for _ in range(3000):
        if spinner.count() == 0:
            break
        page.wait_for_timeout(200)  # type: ignore[attr-defined]
    wait_idle(page, timeout=600, settle=1.0)
    for frame in folium_frames(page):  # type: ignore[arg-type]
        wait_for_count(frame, "path.leaflet-interactive", lambda k: k > 0, timeout=300)
    page.wait_for_timeout(800)  # type: ignore[attr-defined]


def _upload(tmp: Path) -> Path:
    rows = [
        ["firm_id", "name", "lon", "lat", "chain", "node", "employees", "output"],
        ["U-1", "示例企业一", "117.12", "36.67", "LED", "epi", "120", "5000"],
        ["U-2", "示例企业二", "120.38", "36.07", "LED", "chip", "80", "3000"],
        ["U-3", "坐标错误", "10.0", "10.0", "LED", "chip", "5", "10"],
        ["U-4", "未知环节", "118.05", "36.80", "LED", "no-such-node", "5", "10"],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path = tmp / "firms_sample.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def shoot(url: str, tmp: Path, *, tall: bool = False, only: tuple[str, ...] = ()) -> list[Path]:
    """Every page and the result views in both languages (or those named by ``only``); returns
    the files written."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    with sync_playwright() as p:
        ctx, _ = launch(p, tmp / "profile", url, width=1500, height=1000)
        page = ctx.new_page()

        def save(name: str) -> None:
            path = SHOTS / f"{name}.png"
            page.screenshot(path=str(path), full_page=tall)
            out.append(path)
            print(path.relative_to(REPO), flush=True)

        def want(name: str) -> bool:
            return not only or any(name.startswith(o) for o in only)

        for lang in ("zh", "en"):
            for name in PAGES:
                if not want(name):
                    continue
                page.goto(f"{url}/?page={name}&lang={lang}")
                _settle(page)
                if name in ("map", "monitor"):  # wait for the county map itself
                    frame = map_frame(page, timeout=600)
                    wait_for_count(frame, "path.atlas-counties", lambda k: k >= 136, timeout=300)
                    page.wait_for_timeout(1500)
                save(f"{name}_{lang}")
            if want("chain_county"):
                page.goto(f"{url}/?page=chain&region=370705&chain=LED&lang={lang}")
                _settle(page)
                save(f"chain_county_{lang}")
            if want("scenario_result"):
                _scenario_result(page, url, lang, save)
            if want("report_result"):
                _report_result(page, url, lang, save)
            if want("data_result"):
                _data_result(page, url, tmp, lang, save)
        ctx.close()
    return out


def _scenario_result(page: Any, url: str, lang: str, save: Callable[[str], None]) -> None:
    page.goto(f"{url}/?page=scenario&lang={lang}")
    _settle(page)
    page.get_by_role("button", name=t("scn_example", lang)).click()
    _settle(page)
    page.get_by_role("button", name=t("scn_run", lang)).click()
    _settle(page, 4)
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    save(f"scenario_result_{lang}")


def _report_result(page: Any, url: str, lang: str, save: Callable[[str], None]) -> None:
    page.goto(f"{url}/?page=report&chain=LED&region=BLUE&lang={lang}")
    _settle(page)
    page.get_by_role("button", name=t("rep_generate", lang)).click()
    page.get_by_role("button", name=t("rep_download_html", lang)).wait_for(timeout=300_000)
    _settle(page)
    save(f"report_result_{lang}")


def _data_result(page: Any, url: str, tmp: Path, lang: str, save: Callable[[str], None]) -> None:
    page.goto(f"{url}/?page=data&lang={lang}")
    _settle(page)
    page.locator('input[type="file"]').set_input_files(str(_upload(tmp)))
    _settle(page)
    page.get_by_role("button", name=t("import", lang)).click()
    page.locator("table.atlas-accepted").wait_for(timeout=120_000)
    _settle(page)
    save(f"data_result_{lang}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tall", action="store_true", help="save the whole page height")
    ap.add_argument("--only", nargs="*", default=(), help="views whose names start with these")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="atlas_shots_") as tmp_s:
        tmp = Path(tmp_s)
        with run_app(tmp) as app:
            shoot(app.url, tmp, tall=args.tall, only=tuple(args.only))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
