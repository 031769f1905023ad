"""Benchmark (not a test) of page switches in the app against a bare Streamlit map page.

``python -m bench --only app_pages`` (or ``python bench/app_pages.py --out FILE``) measures, in
headless Debian Chromium (Playwright, every non-local request blocked) against servers on
127.0.0.1, side by side in the same run:

* **bare page** — ``bench/fixtures/bare_map_page.py``: the 136 county display geometries drawn
  with streamlit-folium and nothing else; its first load after a cold server start, warm loads
  (a new tab, so a new session) and warm switches between its two views;
* **app, first page** — ``streamlit_app.py``: ``page.goto`` to the map page drawn, right after a
  cold server start (the server restarts for every repetition);
* **app, page switches** — in one browser session, a click on every page of the sidebar in
  turn (a first, untimed-for-the-ratio visit of every page, then ``rounds`` timed rounds);
* **interactions** — on the chain page, a switch to a chain not yet shown in this server
  process, until the map holds paths made after the click (the app swaps the chain's layers
  into the map already drawn, so these are the new layers); on the scenario page (a new tab
  each time, both maps drawn first), "load the example" until the scenario map holds new paths
  (the draft's points; the baseline map does not change when the example's chain is the default
  one) and "run the scenario" until both maps hold new paths;
* **map payload** — the uncompressed bytes of every ``st_folium`` component's arguments (the
  folium HTML/JS, GeoJSON and inline assets as Streamlit sends them) on every page in its
  default state (Streamlit's ``AppTest``), and the websocket bytes the browser received for every
  switch (Playwright reports frames decompressed).

"Drawn", the same for the bare page and the app, is the first instant at which all of these hold
and keep holding for ``SETTLE_S`` seconds (the instant is the time reported, not the end of the
wait): the page's ``h2`` header shows the target page's title (for a switch or a load); no
Streamlit running indicator (``stStatusWidget``) and no stale element (``data-stale="true"``);
every visible st_folium iframe holds Leaflet vector paths (``.leaflet-map-pane path``: the overlay pane and the
app's own panes) that
were created after the action started (paths present before it are tagged first), and at least
``min_maps`` such iframes where a map is expected. Leaflet adds a GeoJSON layer's paths in one
task, so "paths present" means the map's layers are drawn.

Median of the repetitions; every sample is kept in the JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for _p in (str(REPO / "tests" / "app"), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from harness import CHROMIUM, FOLIUM_IFRAME, Blocker, free_port, launch  # noqa: E402

__all__ = ["SETTLE_S", "app_pages", "case_app_pages", "main", "map_payloads", "serve"]

APP = REPO / "streamlit_app.py"
BARE = REPO / "bench" / "fixtures" / "bare_map_page.py"
SETTLE_S = 0.5
TIMEOUT_S = 180.0

_STATE_JS = """(title) => {
  const running = document.querySelector('[data-testid="stStatusWidget"]') !== null;
  const stale = document.querySelector('[data-stale="true"]') !== null;
  const heads = Array.from(document.querySelectorAll('h2')).map(h => h.textContent.trim());
  const titled = title === null || heads.some(h => h.startsWith(title));
  const frames = Array.from(
    document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]'));
  const visible = frames.filter(f => {
    const r = f.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length;
  return {running, stale, titled, visible};
}"""
_NEW_PATHS_JS = (
    "() => document.querySelectorAll('.leaflet-map-pane path:not([data-bench-old])').length"
)
_PATHS_JS = "() => document.querySelectorAll('.leaflet-map-pane path').length"
_TAG_JS = """() => document.querySelectorAll('.leaflet-map-pane path')
  .forEach(p => p.setAttribute('data-bench-old', '1'))"""


def _pages() -> tuple[str, ...]:
    """The app's pages in sidebar order (``atlas_app.PAGES``, the list ``streamlit_app.py`` uses)."""
    from atlas_app import PAGES

    return tuple(PAGES)


@contextlib.contextmanager
def serve(script: Path, log_dir: Path, *, timeout: float = 120.0) -> Iterator[str]:
    """``streamlit run script`` on a free port of 127.0.0.1; yields its URL once healthy."""
    port = free_port()
    log = log_dir / f"{script.stem}_{port}.log"
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{script.name} exited: {log.read_text()[-2000:]}")
                with (
                    contextlib.suppress(OSError),
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r,
                ):
                    if r.read().strip() == b"ok":
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{script.name} not healthy after {timeout}s")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def _folium_frames(page: Any) -> list[Any]:
    return [f for f in page.frames if FOLIUM_IFRAME in f.url]


def _tag_old(page: Any) -> None:
    for f in _folium_frames(page):
        with contextlib.suppress(Exception):  # a frame can go away at any time
            f.evaluate(_TAG_JS)


def _drawn(
    page: Any, title: str | None, min_maps: int, fresh: bool, need: int | None = None
) -> tuple[bool, list[int]]:
    try:
        s = page.evaluate(_STATE_JS, title)
    except Exception:  # navigating
        return False, []
    if s["running"] or s["stale"] or not s["titled"]:
        return False, []
    counts = []
    for f in _folium_frames(page):
        try:
            counts.append(int(f.evaluate(_NEW_PATHS_JS if fresh else _PATHS_JS)))
        except Exception:
            counts.append(-1)
    drawn = sum(c > 0 for c in counts)
    return drawn >= (max(s["visible"], min_maps) if need is None else need), counts


class _Meter:
    """One browser tab with a websocket byte counter."""

    def __init__(self, ctx: Any) -> None:
        self.page = ctx.new_page()
        self.ws = 0
        self.last_frame = 0.0
        self.page.on("websocket", self._on_ws)

    def _on_ws(self, ws: Any) -> None:
        def _add(payload: Any) -> None:
            self.ws += len(payload)
            self.last_frame = time.perf_counter()

        ws.on("framereceived", _add)

    def timed(
        self,
        action: Callable[[], None],
        *,
        title: str | None,
        min_maps: int = 0,
        fresh: bool = True,
        need: int | None = None,
        timeout: float = TIMEOUT_S,
    ) -> dict[str, Any]:
        """Run ``action`` and return the seconds until drawn (see the module docstring).

        ``fresh=False`` counts every path, not only new ones; a rerun must have sent something
        (websocket bytes). ``need``: how many maps must hold new paths (default every visible
        one), for an action that changes only some of the maps on the page.
        """
        _tag_old(self.page)
        ws0 = self.ws
        t0 = time.perf_counter()
        action()
        first: float | None = None
        counts: list[int] = []
        deadline = t0 + timeout
        while time.perf_counter() < deadline:
            ok, now_counts = _drawn(self.page, title, min_maps, fresh, need)
            ok = ok and self.ws > ws0
            now = time.perf_counter()
            if ok:
                if first is None or self.last_frame > first:  # the server sent more: not done
                    first, counts = now, now_counts
                elif now - first >= SETTLE_S:
                    return {
                        "s": round(first - t0, 3),
                        "paths": counts,
                        "ws_bytes": self.ws - ws0,
                    }
            else:
                first = None
            self.page.wait_for_timeout(30)  # lets Playwright deliver the websocket events
        raise TimeoutError(f"not drawn after {timeout:.0f} s (title {title!r})")


def _median(samples: list[dict[str, Any]]) -> float | None:
    return round(statistics.median(x["s"] for x in samples), 3) if samples else None


def _t(key: str) -> str:
    from atlas_app.i18n import t

    return str(t(key, "zh"))


def _goto(m: _Meter, url: str) -> Callable[[], None]:
    def _do() -> None:
        m.page.goto(url, wait_until="commit")

    return _do


def _bare(ctx: Any, url: str, rounds: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"cold": [], "load": [], "switch": []}
    first = _Meter(ctx)
    out["cold"].append(first.timed(_goto(first, url), title="bare a", min_maps=1))
    first.page.close()
    for _ in range(rounds):
        m = _Meter(ctx)
        out["load"].append(m.timed(_goto(m, url), title="bare a", min_maps=1))
        for view in ("b", "a"):
            radio = m.page.locator('[data-testid="stSidebar"]').get_by_text(view, exact=True)
            out["switch"].append(m.timed(radio.click, title=f"bare {view}", min_maps=1))
        m.page.close()
    return out


def _click_page(m: _Meter, name: str) -> Callable[[], None]:
    group = m.page.locator('[data-testid="stSidebar"] [role="radiogroup"]').filter(
        has_text=_t("page_map")
    )
    return group.get_by_text(_t(f"page_{name}"), exact=True).first.click


def _choose_chain(m: _Meter, code: str) -> Callable[[], None]:
    def _do() -> None:
        m.page.get_by_role("combobox", name=_t("chain")).first.click()
        m.page.get_by_role("option").filter(has_text=f"{code} · ").first.click()

    return _do


def _app(
    ctx: Any, url: str, pages: tuple[str, ...], rounds: int, chains: list[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {"first_page": [], "first_visit": {}, "switch": {}}
    m = _Meter(ctx)
    out["first_page"].append(
        m.timed(lambda: m.page.goto(url, wait_until="commit"), title=_t("page_map"), min_maps=1)
    )
    order = [*pages[1:], pages[0]]
    for name in order:  # first visit of every page in this server process
        out["first_visit"][name] = [m.timed(_click_page(m, name), title=_t(f"page_{name}"))]
    for _ in range(rounds):
        for name in order:
            sample = m.timed(_click_page(m, name), title=_t(f"page_{name}"))
            out["switch"].setdefault(name, []).append(sample)
    m.timed(_click_page(m, "chain"), title=_t("page_chain"))
    out["chain_switch"] = [
        m.timed(_choose_chain(m, code), title=None, min_maps=1) for code in chains
    ]
    m.page.close()
    out["scenario_example"], out["scenario_run"] = [], []
    for _ in range(rounds):
        s = _Meter(ctx)
        s.timed(_goto(s, f"{url}/?page=scenario"), title=_t("page_scenario"), min_maps=2)
        example = s.page.get_by_role("button", name=_t("scn_example"))
        # the example (on the default chain) adds points to the scenario map only
        out["scenario_example"].append(s.timed(example.click, title=None, min_maps=2, need=1))
        run = s.page.get_by_role("button", name=_t("scn_run"))
        out["scenario_run"].append(s.timed(run.click, title=None, min_maps=2))
        s.page.close()
    return out


def map_payloads(pages: tuple[str, ...]) -> dict[str, list[int]]:
    """Uncompressed bytes of every st_folium component's arguments on every page (AppTest)."""
    from streamlit.testing.v1 import AppTest

    out = {}
    for name in pages:
        at = AppTest.from_file(str(APP), default_timeout=300)
        at.session_state["page"] = name
        at.run()
        out[name] = [
            len(c.proto.json_args.encode("utf-8"))
            for c in at.get("component_instance")
            if c.proto.component_name == "streamlit_folium.st_folium"
        ]
    return out


def app_pages(*, reps: int = 3, rounds: int = 3, payload: bool = True) -> dict[str, Any]:
    """Run the whole comparison: ``reps`` cold server starts, ``rounds`` warm rounds in each."""
    from playwright.sync_api import sync_playwright

    from layout.chains import load_chains

    if not CHROMIUM.exists():
        raise RuntimeError(f"needs {CHROMIUM} (apt-get install -y chromium)")
    pages = _pages()
    codes = list(load_chains())
    raw: dict[str, Any] = {"bare": [], "app": []}
    with tempfile.TemporaryDirectory(prefix="bench_pages_") as tmp_s, sync_playwright() as p:
        tmp = Path(tmp_s)
        for rep in range(reps):
            ctx, _ = launch(p, tmp / f"profile-{rep}", "http://127.0.0.1", height=1100)
            try:
                with serve(BARE, tmp) as bare_url:
                    ctx.unroute("**/*")
                    ctx.route("**/*", Blocker(bare_url))
                    raw["bare"].append(_bare(ctx, bare_url, rounds))
                with serve(APP, tmp) as app_url:
                    guard = Blocker(app_url)
                    ctx.unroute("**/*")
                    ctx.route("**/*", guard)
                    chains = codes[1 + rep * 2 : 3 + rep * 2] or codes[1:3]
                    raw["app"].append(_app(ctx, app_url, pages, rounds, chains))
                    raw.setdefault("blocked_requests", 0)
                    raw["blocked_requests"] += len(guard.blocked)
            finally:
                ctx.close()
    res = _summary(raw, pages)
    if payload:
        res["payload_bytes"] = map_payloads(pages)
    res["raw"] = raw
    res["pages"] = list(pages)
    res["reps"], res["rounds"] = reps, rounds
    return res


def _summary(raw: dict[str, Any], pages: tuple[str, ...]) -> dict[str, Any]:
    def pool(side: str, key: str) -> list[dict[str, Any]]:
        return [x for run in raw[side] for x in run[key]]

    bare = {k: _median(pool("bare", k)) for k in ("cold", "load", "switch")}
    switch = {
        name: _median([x for run in raw["app"] for x in run["switch"].get(name, [])])
        for name in pages
    }
    first_visit = {
        name: _median([x for run in raw["app"] for x in run["first_visit"].get(name, [])])
        for name in pages
    }
    ws = {
        name: int(
            statistics.median(
                x["ws_bytes"] for run in raw["app"] for x in run["switch"].get(name, [])
            )
        )
        for name in pages
        if any(run["switch"].get(name) for run in raw["app"])
    }
    return {
        "bare_s": bare,
        "first_page_s": _median(pool("app", "first_page")),
        "switch_s": switch,
        "first_visit_s": first_visit,
        "switch_ws_bytes": ws,
        "chain_switch_s": _median(pool("app", "chain_switch")),
        "scenario_example_s": _median(pool("app", "scenario_example")),
        "scenario_run_s": _median(pool("app", "scenario_run")),
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _met(value: float | None, limit: float, *, strict: bool = False) -> str:
    if value is None:
        return "not measured"
    ok = value < limit if strict else value <= limit
    return "**yes**" if ok else "**no**"


def render(res: dict[str, Any] | None, error: str | None = None) -> list[str]:
    """Markdown lines of the app-page comparison (a table of its own) and its target checks."""
    if res is None:
        return ["", f"**App pages**: not measured ({error or 'case not run'})."]
    bare = res["bare_s"]
    head = [
        "",
        f"**App pages** (`python -m bench --only app_pages`; headless Chromium, servers on "
        f"127.0.0.1; medians over {res['reps']} cold server starts × {res['rounds']} warm "
        "rounds; the bare page is `bench/fixtures/bare_map_page.py`, the 136 county display "
        "geometries with streamlit-folium and nothing else; drawn = header shown, Streamlit "
        "idle, every visible map iframe holding Leaflet paths made after the action, stable "
        f"for {SETTLE_S} s — see `bench/app_pages.py`):",
        "",
        "| measurement | app | bare page | app ÷ bare | target | met |",
        "|---|---|---|---|---|---|",
        f"| bare page: first load after a cold server start / warm load (new tab) / warm "
        f"switch between its two views (sidebar click) | — | {bare['cold']} s / "
        f"{bare['load']} s / {bare['switch']} s | — | — | — |",
    ]
    rows, checks = [], []
    first = _ratio(res["first_page_s"], bare["cold"])
    first_warm = _ratio(res["first_page_s"], bare["load"])
    rows.append(
        f"| app: first page (map) after a cold server start vs the bare page's first load after "
        f"a cold server start | {res['first_page_s']} s | {bare['cold']} s | "
        f"{'—' if first is None else f'{first:.2f}×'} | ≤ 3× | {_met(first, 3)} |"
    )
    rows.append(
        f"| the same vs the bare page's warm load (new tab) | {res['first_page_s']} s | "
        f"{bare['load']} s | {'—' if first_warm is None else f'{first_warm:.2f}×'} | ≤ 3× | "
        f"{_met(first_warm, 3)} |"
    )
    checks.append(
        f"first page ≤ 3× the bare page's first page: {_met(first, 3)} ({first or 0:.2f}×; "
        f"{first_warm or 0:.2f}× its warm load)"
    )
    ratios = {name: _ratio(s, bare["switch"]) for name, s in res["switch_s"].items()}
    for name, s in res["switch_s"].items():
        r = ratios[name]
        rows.append(
            f"| app: warm switch to {name} vs the bare page's warm switch (first visit of the "
            f"page after start {res['first_visit_s'].get(name)} s; websocket "
            f"{res['switch_ws_bytes'].get(name, 0) / 1e3:.0f} KB) | {s} s | {bare['switch']} s | "
            f"{'—' if r is None else f'{r:.2f}×'} | ≤ 1.5× | {_met(r, 1.5)} |"
        )
    met = [n for n, r in ratios.items() if r is not None and r <= 1.5]
    worst = max(ratios, key=lambda n: ratios[n] or 0.0)
    checks.append(
        f"warm page switch ≤ 1.5× the bare page's switch: {len(met)} of {len(ratios)} pages "
        f"(worst {worst} {ratios[worst] or 0:.2f}×)"
    )
    for key, what in (
        ("chain_switch_s", "chain switch on the chain page (to a chain not yet shown)"),
        ("scenario_example_s", "scenario: load the example"),
        ("scenario_run_s", "scenario: run it (both maps drawn)"),
    ):
        v = res.get(key)
        rows.append(f"| app: {what} | {v} s | — | — | < 1 s | {_met(v, 1.0, strict=True)} |")
        checks.append(f"{what} < 1 s: {_met(v, 1.0, strict=True)} ({v} s)")
    pay = res.get("payload_bytes") or {}
    biggest = max((b for v in pay.values() for b in v), default=None)
    for name, sizes in pay.items():
        if sizes:
            kb = " + ".join(f"{b / 1e3:.0f} KB" for b in sizes)
            rows.append(
                f"| app: map payload on {name} (st_folium arguments, uncompressed, per map) | "
                f"{kb} | — | — | < 500 KB | "
                f"{_met(max(sizes) / 1e3, 500, strict=True)} |"
            )
    if biggest is not None:
        checks.append(
            f"map payload < 500 KB: {_met(biggest / 1e3, 500, strict=True)} "
            f"(largest {biggest / 1e3:.0f} KB)"
        )
    return [*head, *rows, "", "App targets: " + "; ".join(checks) + "."]


def case_app_pages(spec: dict[str, Any]) -> dict[str, Any]:
    """The ``app_pages`` case of ``python -m bench``."""
    return app_pages(reps=int(spec.get("reps", 3)), rounds=int(spec.get("rounds", 3)))


def main(argv: list[str] | None = None) -> int:
    """Command line: run :func:`app_pages` and print (or write) its JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3, help="cold server starts (default 3)")
    ap.add_argument("--rounds", type=int, default=3, help="warm rounds per start (default 3)")
    ap.add_argument("--no-payload", action="store_true", help="skip the AppTest payload pass")
    ap.add_argument("--out", type=Path, help="write the JSON here")
    args = ap.parse_args(argv)
    res = app_pages(reps=args.reps, rounds=args.rounds, payload=not args.no_payload)
    text = json.dumps(res, indent=2)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(json.dumps({k: v for k, v in res.items() if k != "raw"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
