"""Benchmark (not a test) of the web app: time to a rendered map and the bytes the map sends.

Run ``python bench/bench_app.py`` (needs Debian's ``/usr/bin/chromium``; Playwright's own
browser is never downloaded). It starts ``streamlit run streamlit_app.py`` on 127.0.0.1,
blocks every non-local request, and measures:

* **time to 136 counties** — from ``page.goto`` to the moment the Leaflet map inside the
  st_folium iframe holds 136 county ``<path>`` elements; the first (cold: imports, caches) and
  the median of the following warm loads (each a new browser tab, so a new app session);
* **map payload** — the bytes of the st_folium component's arguments (GeoJSON script, header,
  data-URL assets) as Streamlit sends them, and the same compressed with zlib level 6 (what the
  server's websocket ``permessage-deflate`` compression approximates on the wire);
* **websocket bytes** — everything received over the app's websocket during one page load
  (Playwright reports frames after decompression), and the HTTP bytes on the wire (headers +
  bodies, as Chromium counts them; 0 for files served from the browser cache);
* **screenshots** of every page to ``docs/screenshots/*.png`` (``--screenshots``).

Results print as a Markdown table and, with ``--out FILE``, as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "app"))
sys.path.insert(0, str(REPO))

from harness import CHROMIUM, launch, map_frame, run_app, wait_for_count, wait_idle  # noqa: E402

N_COUNTIES = 136
SHOTS = REPO / "docs" / "screenshots"


def map_payload_bytes() -> dict[str, int]:
    """Size of the map component's arguments for the default map page (via AppTest)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=300)
    at.run()
    comp = next(
        c
        for c in at.get("component_instance")
        if c.proto.component_name == "streamlit_folium.st_folium"
    )
    raw = comp.proto.json_args.encode("utf-8")
    args = json.loads(raw)
    assets = sum(len(u) for u in args["js_links"] + args["css_links"])
    return {
        "args_bytes": len(raw),
        "args_deflate_bytes": len(zlib.compress(raw, 6)),
        "script_bytes": len(args["script"].encode("utf-8")),
        "asset_bytes": assets,
    }


def _time_to_counties(ctx: Any, url: str) -> tuple[float, int, int]:
    page = ctx.new_page()
    ws_bytes = [0]
    http_bytes = [0]

    def _ws(ws: Any) -> None:
        ws.on("framereceived", lambda payload: ws_bytes.__setitem__(0, ws_bytes[0] + len(payload)))

    def _finished(req: Any) -> None:
        with contextlib.suppress(Exception):  # a request can vanish with its page
            sizes = req.sizes()
            http_bytes[0] += sizes["responseBodySize"] + sizes["responseHeadersSize"]

    page.on("websocket", _ws)
    page.on("requestfinished", _finished)
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    frame = map_frame(page, timeout=300)
    wait_for_count(frame, "path.atlas-counties", lambda k: k >= N_COUNTIES, timeout=300)
    elapsed = time.perf_counter() - t0
    wait_idle(page)
    page.close()
    return elapsed, ws_bytes[0], http_bytes[0]


def _sample_upload(tmp: Path) -> Path:
    rows = [
        ["firm_id", "name", "lon", "lat", "chain", "node", "employees", "output"],
        ["U-1", "示例企业一", "117.12", "36.67", "LED", "epi", "120", "5000"],
        ["U-2", "示例企业二", "120.38", "36.07", "LED", "chip", "80", "3000"],
        ["U-3", "<img src=x onerror=alert(1)>", "119.16", "36.70", "LED", "package", "40", "900"],
        ["U-4", "坐标错误", "10.0", "10.0", "LED", "chip", "5", "10"],
        ["U-5", "未知环节", "118.05", "36.80", "LED", "no-such-node", "5", "10"],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path = tmp / "firms_sample.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _planning_screenshots(page: Any, url: str) -> list[Path]:
    """The planning pages: the example scenario run, siting, opportunities, evaluation, a report."""
    from atlas_app.i18n import t

    out = []
    page.goto(f"{url}/?page=scenario")
    wait_idle(page)
    page.get_by_role("button", name=t("scn_example", "zh")).click()
    wait_idle(page)
    page.get_by_role("button", name=t("scn_run", "zh")).click()
    wait_idle(page)
    wait_for_count(
        map_frame(page, 1), "path.atlas-scn-regions", lambda k: k >= N_COUNTIES, timeout=300
    )
    maps = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    maps.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "scenario.png"))
    out.append(SHOTS / "scenario.png")
    for name, query in (
        ("siting", "?page=siting&chain=LED&region=370700"),
        ("opportunities", "?page=opportunities&region=370783"),
        ("evaluation", "?page=evaluation"),
    ):
        page.goto(f"{url}/{query}")
        wait_idle(page)
        page.wait_for_timeout(2500)
        page.screenshot(path=str(SHOTS / f"{name}.png"))
        out.append(SHOTS / f"{name}.png")
    page.goto(f"{url}/?page=report&chain=LED&region=370700")
    wait_idle(page)
    page.get_by_role("button", name=t("rep_generate", "zh")).click()
    page.get_by_role("button", name=t("rep_download_html", "zh")).wait_for(timeout=120_000)
    wait_idle(page)
    page.wait_for_timeout(2000)
    page.screenshot(path=str(SHOTS / "report_page.png"))
    out.append(SHOTS / "report_page.png")
    return out


def monitor_screenshots(page: Any, url: str) -> list[Path]:
    """The monitoring page in Chinese (year slider on 2023) and in English (2024), full page."""
    out = []
    for name, query, back in (
        ("monitor", "?page=monitor&chain=LED", 1),
        ("monitor_en", "?page=monitor&chain=LED&lang=en", 0),
    ):
        page.goto(f"{url}/{query}")
        wait_idle(page, timeout=300)
        wait_for_count(
            map_frame(page), "path.atlas-counties", lambda k: k >= N_COUNTIES, timeout=300
        )
        for _ in range(back):
            page.get_by_role("slider").first.focus()
            page.keyboard.press("ArrowLeft")
            wait_idle(page, timeout=300)
        wait_for_count(
            map_frame(page), "path.atlas-counties", lambda k: k >= N_COUNTIES, timeout=300
        )
        page.wait_for_timeout(2500)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        out.append(SHOTS / f"{name}.png")
    return out


def screenshots(ctx: Any, url: str, tmp: Path) -> list[Path]:
    """One screenshot per page (Chinese UI; the map also in English)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = []
    page = ctx.new_page()
    views = [
        ("map", "?layers=province,cities,counties,zones,htz,clusters"),
        ("map_en_choropleth", "?lang=en"),
        ("chain", "?page=chain&region=370705&chain=LED"),
        ("coverage", "?page=coverage"),
        ("export", "?page=export"),
    ]
    for name, query in views:
        page.goto(f"{url}/{query}")
        wait_idle(page)
        if name.startswith("map") or name == "chain":
            wait_for_count(
                map_frame(page), "path.atlas-counties", lambda k: k >= N_COUNTIES, timeout=300
            )
        if name == "map_en_choropleth":
            page.get_by_role("combobox", name="Metric").first.click()
            page.get_by_role("option", name="Firms", exact=True).click()
            wait_idle(page)
            wait_for_count(
                map_frame(page), "path.atlas-counties", lambda k: k >= N_COUNTIES, timeout=300
            )
        page.wait_for_timeout(1500)
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        out.append(path)
    out += _planning_screenshots(page, url)
    out += monitor_screenshots(page, url)
    page.goto(f"{url}/?page=data")
    wait_idle(page)
    page.locator('input[type="file"]').set_input_files(str(_sample_upload(tmp)))
    page.get_by_role("button", name="导入").click()
    page.locator("table.atlas-accepted").wait_for(timeout=120_000)
    wait_idle(page)
    path = SHOTS / "data.png"
    page.screenshot(path=str(path))
    out.append(path)
    page.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print a Markdown table (and write JSON with ``--out``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="warm page loads to time (default 5)")
    ap.add_argument("--screenshots", action="store_true", help="save docs/screenshots/*.png")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    args = ap.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"needs {CHROMIUM} (apt-get install -y chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {"payload": map_payload_bytes()}
    with tempfile.TemporaryDirectory(prefix="bench_app_") as tmp_s:
        tmp = Path(tmp_s)
        with run_app(tmp) as app, sync_playwright() as p:
            ctx, blocker = launch(p, tmp / "profile", app.url, height=1700)
            try:
                cold, _, http_cold = _time_to_counties(ctx, app.url)
                warm = [_time_to_counties(ctx, app.url) for _ in range(args.runs)]
                results["time_to_136_counties_s"] = {
                    "cold": round(cold, 2),
                    "warm_median": round(statistics.median(w[0] for w in warm), 2),
                    "warm_min": round(min(w[0] for w in warm), 2),
                    "warm_max": round(max(w[0] for w in warm), 2),
                    "runs": args.runs,
                }
                results["page_load_bytes"] = {
                    "websocket_received": int(statistics.median(w[1] for w in warm)),
                    "http_cold": http_cold,
                    "http_warm": int(statistics.median(w[2] for w in warm)),
                }
                if args.screenshots:
                    results["screenshots"] = [
                        str(p.relative_to(REPO)) for p in screenshots(ctx, app.url, tmp)
                    ]
                results["blocked_external_requests"] = len(blocker.blocked)
            finally:
                ctx.close()
    pay, tt, lb = results["payload"], results["time_to_136_counties_s"], results["page_load_bytes"]
    print("| measure | value |\n|---|---|")
    print(f"| time to 136 counties, cold (first load after start) | {tt['cold']} s |")
    print(
        f"| time to 136 counties, warm median of {tt['runs']} (min–max) | {tt['warm_median']} s "
        f"({tt['warm_min']}–{tt['warm_max']}) |"
    )
    print(f"| map component payload, uncompressed | {pay['args_bytes'] / 1e6:.2f} MB |")
    print(f"|  of which GeoJSON + script | {pay['script_bytes'] / 1e6:.2f} MB |")
    print(f"|  of which Leaflet JS/CSS as data: URLs | {pay['asset_bytes'] / 1e6:.2f} MB |")
    print(
        f"| map component payload, deflate-compressed (≈ on the wire) | {pay['args_deflate_bytes'] / 1e6:.2f} MB |"
    )
    print(
        f"| websocket bytes per page load (decompressed) | {lb['websocket_received'] / 1e6:.2f} MB |"
    )
    print(
        f"| HTTP bytes per page load, cold / warm (browser cache) | {lb['http_cold'] / 1e6:.2f} / "
        f"{lb['http_warm'] / 1e6:.2f} MB |"
    )
    print(f"| requests to the internet (blocked) | {results['blocked_external_requests']} |")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
