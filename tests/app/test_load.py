"""Bounded load test: 20 concurrent app sessions switching layers and chains, internet blocked.

The test starts the app itself on 127.0.0.1 (``harness.run_app``) and drives one headless
Debian Chromium (``harness.launch``: fresh profile, every non-local request aborted and
recorded) with 20 tabs, i.e. 20 Streamlit sessions connected at the same time. Half open the
map explorer and add a layer through the app's own layer picker (a server round trip); half
open the chain view for a county and switch to another chain. The sessions are driven in
phases from one thread (Playwright's sync API is not thread safe): all 20 tabs are opened
before any is waited on, and all 20 switches are fired before any result is checked, so the
server renders the 20 sessions concurrently.

The server's resident memory (``VmRSS`` of the streamlit process and any children) is sampled
every 0.5 s: at the start (after one warm-up map + chain session, so the shared caches are
filled), at the peak, and after every session has closed and the memory stops falling (at
most 60 s). "Back near its start" means most of the per-session growth is released: Python
does not always return freed memory to the operating system and the result caches keep up
to ``max_entries`` analyses, so the rule is relative to the peak::

    rss_end <= rss_start + max(150 MB, 0.5 * (rss_peak - rss_start))

The summary line (sessions, steps, errors, memory, duration) is printed (``pytest -s``) and
attached with ``record_property``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from harness import launch, map_frame, run_app, wait_for_count, wait_idle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.needs("chromium", "playwright"),
]

N_SESSIONS = 20
N_COUNTIES = 136
N_ZONES_2020 = 3
OVERALL_SECONDS = 8 * 60
STEP_SECONDS = 150.0  # any single wait; always also capped by what is left of the overall bound
SETTLE_MAX_SECONDS = 60.0
MB = 1024 * 1024
CHAINS = ("LED", "PU", "CU", "NEV", "LIB")
REGIONS = ("370705", "370102", "370212", "370303", "370602", "371002")


# -- server memory (private helpers: harness.run_app does not expose the process) -----------


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _children(pid: int) -> list[int]:
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    return [p for p in pids if _ppid(p) == pid]


def _server_pid(port: int) -> int:
    """The streamlit process run_app started (a child of this process serving ``port``)."""
    for pid in _children(os.getpid()):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(argv) and str(port).encode() in argv:
            return pid
    raise RuntimeError(f"no streamlit child process serving port {port}")


def _rss_bytes(pid: int) -> int:
    """VmRSS of ``pid`` and all its descendants (streamlit normally has none)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
        todo.extend(_children(p))
    return total


class _Sampler(threading.Thread):
    """Samples the server's RSS every 0.5 s and keeps the maximum (reads /proc only)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples = pid, _rss_bytes(pid), 1
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.5):
            self.peak = max(self.peak, _rss_bytes(self.pid))
            self.samples += 1

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


def _settled_rss(
    pid: int, *, minimum: float = 15.0, maximum: float = SETTLE_MAX_SECONDS
) -> tuple[int, float]:
    """Poll until RSS has not fallen by more than 1 MB for 10 s (after ``minimum`` s, before ``maximum``)."""
    start = time.monotonic()
    history: list[tuple[float, int]] = []
    while True:
        now = time.monotonic() - start
        history.append((now, _rss_bytes(pid)))
        old = [r for t, r in history if t <= now - 10.0]
        if now >= minimum and old and old[-1] - history[-1][1] <= MB:
            break
        if now >= maximum:
            break
        time.sleep(1.0)
    return history[-1][1], history[-1][0]


# -- sessions ----------------------------------------------------------------------------------


@dataclass
class _Session:
    index: int
    kind: str  # "map" | "chain"
    query: str
    switch_to: str  # a layer name or a chain code
    page: Any = None
    steps: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    app_errors: int = 0
    failure: str | None = None


def _plan(n: int) -> list[_Session]:
    sessions = []
    for i in range(n):
        if i % 2 == 0:  # map explorer: start with few layers, then add the 2020 economic circles
            sessions.append(_Session(i, "map", "?page=map&layers=province,counties", "zones-2020"))
        else:
            k = i // 2
            chain, region = CHAINS[k % len(CHAINS)], REGIONS[k % len(REGIONS)]
            sessions.append(
                _Session(
                    i,
                    "chain",
                    f"?page=chain&region={region}&chain={chain}",
                    CHAINS[(k + 1) % len(CHAINS)],
                )
            )
    return sessions


def _friendly_error_text() -> str:
    """The start of the app's friendly error message (atlas_app.safety.guarded -> st.error)."""
    from atlas_app.i18n import t

    return t("error_friendly", "zh", ref="REF").split("。")[0]


def _count_app_errors(page: Any, friendly: str) -> int:
    return (
        page.locator('[data-testid="stException"]').count()
        + page.get_by_text(friendly, exact=False).count()
    )


def _wait_loaded(s: _Session, budget: Callable[[], float]) -> None:
    wait_idle(s.page, timeout=budget())
    if s.kind == "map":
        frame = map_frame(s.page, timeout=budget())
        n = wait_for_count(
            frame, "path.atlas-counties", lambda k: k >= N_COUNTIES, timeout=budget()
        )
        assert n == N_COUNTIES, f"{n} county shapes drawn"
    else:
        n = wait_for_count(
            s.page.main_frame, '[data-testid="stMetric"]', lambda k: k >= 5, timeout=budget()
        )
        assert n == 5, f"{n} metrics shown"
        frame = map_frame(s.page, timeout=budget())
        wait_for_count(frame, "path.atlas-cities", lambda k: k > 0, timeout=budget())


def _fire_switch(s: _Session) -> None:
    if s.kind == "map":
        s.page.get_by_role("combobox", name="图层").first.click()
        s.page.get_by_role("option", name="一群两心三圈 (2020)", exact=True).click()
        s.page.keyboard.press("Escape")
    else:
        s.page.get_by_role("combobox", name="产业链").first.click()
        s.page.get_by_role("option", name=f"{s.switch_to} ·").first.click()


def _check_switched(s: _Session, budget: Callable[[], float]) -> None:
    wait_idle(s.page, timeout=budget())
    frame = map_frame(s.page, timeout=budget())
    if s.kind == "map":
        n = wait_for_count(
            frame, "path.atlas-zones-2020", lambda k: k == N_ZONES_2020, timeout=budget()
        )
        assert n == N_ZONES_2020
    else:
        picked = s.page.get_by_role("combobox", name="产业链").first.input_value()
        assert f"{s.switch_to} ·" in picked, f"chain picker shows {picked!r}"
        n = wait_for_count(
            s.page.main_frame, '[data-testid="stMetric"]', lambda k: k >= 5, timeout=budget()
        )
        assert n == 5, f"{n} metrics shown"


def _run_sessions(ctx: Any, url: str, sessions: list[_Session], deadline: float) -> None:
    """Open every session, then wait for each; fire every switch, then check each; close all."""
    friendly = _friendly_error_text()

    def budget() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"overall bound of {OVERALL_SECONDS}s reached")
        return min(STEP_SECONDS, left)

    def phase(name: str, action: Callable[[_Session], None]) -> None:
        for s in sessions:
            if s.failure is not None:
                continue
            try:
                action(s)
                s.steps.append(name)
            except Exception as exc:  # recorded per session; asserted on at the end
                s.failure = f"{name}: {type(exc).__name__}: {str(exc)[:300]}"

    def open_(s: _Session) -> None:
        s.page = ctx.new_page()
        s.page.set_default_timeout(STEP_SECONDS * 1000)
        s.page.on("pageerror", lambda exc, s=s: s.page_errors.append(str(exc)[:300]))
        s.page.goto(f"{url}/{s.query}", wait_until="commit", timeout=budget() * 1000)

    def loaded(s: _Session) -> None:
        _wait_loaded(s, budget)
        s.app_errors += _count_app_errors(s.page, friendly)

    def switched(s: _Session) -> None:
        _check_switched(s, budget)
        s.app_errors += _count_app_errors(s.page, friendly)

    try:
        phase("open", open_)
        phase("loaded", loaded)
        phase("switch", _fire_switch)
        phase("switched", switched)
    finally:
        for s in sessions:
            if s.page is not None:
                try:
                    s.page.close()
                    if s.failure is None:
                        s.steps.append("closed")
                except Exception as exc:
                    s.failure = s.failure or f"close: {exc}"


def test_twenty_concurrent_sessions(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    from playwright.sync_api import sync_playwright

    t0 = time.monotonic()
    deadline = t0 + OVERALL_SECONDS
    sessions = _plan(N_SESSIONS)
    with run_app(tmp_path) as app:
        pid = _server_pid(app.port)
        sampler: _Sampler | None = None
        with sync_playwright() as p:
            ctx, blocker = launch(p, tmp_path / "chromium-profile", app.url)
            try:
                warm = [
                    _Session(-1, "map", "?page=map&layers=province,counties", "zones-2020"),
                    _Session(-2, "chain", "?page=chain&region=370705&chain=LED", "PU"),
                ]
                _run_sessions(ctx, app.url, warm, deadline)
                assert [w.failure for w in warm] == [None, None], "warm-up session failed"
                time.sleep(3.0)
                rss_start = _rss_bytes(pid)
                sampler = _Sampler(pid)
                sampler.start()
                t_load = time.monotonic()
                _run_sessions(ctx, app.url, sessions, deadline)
                load_seconds = time.monotonic() - t_load
            finally:
                ctx.close()  # closes every websocket: the server may now drop the sessions
        assert sampler is not None
        rss_end, settle_seconds = _settled_rss(pid)
        sampler.stop()
        rss_peak = max(sampler.peak, rss_end)
        log = app.log.read_text(errors="replace")

    ok = [s for s in sessions if s.failure is None and s.steps[-1:] == ["closed"]]
    page_errors = [e for s in sessions for e in s.page_errors]
    app_errors = sum(s.app_errors for s in sessions)
    allowed = rss_start + max(150 * MB, 0.5 * (rss_peak - rss_start))
    summary = (
        f"load: sessions={len(sessions)} ok={len(ok)} steps={sum(len(s.steps) for s in sessions)} "
        f"errors={len(page_errors) + app_errors} external={len(blocker.blocked)} local_requests={blocker.local} "
        f"rss_start={rss_start / MB:.0f}MB peak={rss_peak / MB:.0f}MB end={rss_end / MB:.0f}MB "
        f"allowed_end={allowed / MB:.0f}MB samples={sampler.samples} settle={settle_seconds:.0f}s "
        f"load={load_seconds:.0f}s duration={time.monotonic() - t0:.0f}s"
    )
    print(summary)
    record_property("load_summary", summary)

    failures = [f"#{s.index} {s.kind} {s.query}: {s.failure}" for s in sessions if s.failure]
    assert len(ok) == N_SESSIONS, "sessions that did not complete:\n" + "\n".join(failures)
    assert page_errors == [], f"JavaScript errors: {page_errors[:5]}"
    assert app_errors == 0, "the app showed an error message (see the server log for the reference)"
    assert "Traceback" not in log, log[-3000:]
    assert blocker.blocked == [], f"the app tried to reach the internet: {blocker.blocked[:5]}"
    assert rss_end <= allowed, f"memory not released: {summary}"
