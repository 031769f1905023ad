"""Test harness shared by the browser test and ``bench/bench_app.py``.

:func:`run_app` starts ``streamlit run streamlit_app.py`` on a free port of 127.0.0.1 in a
subprocess, waits for ``/_stcore/health`` and always stops it (terminate, then kill).

Chromium is Debian's ``/usr/bin/chromium`` (Playwright's own browser download is never used),
launched headless with a fresh user-data directory. Every request that is not to the app on
127.0.0.1 (or a ``data:``/``blob:`` URL) is aborted and recorded, so a test can assert that the
app needs nothing from the internet.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # playwright is imported lazily so the AppTest tests never need it
    from playwright.sync_api import BrowserContext, Frame, Page, Playwright, Route

__all__ = [
    "APP",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "REPO",
    "Blocker",
    "LiveApp",
    "folium_frames",
    "free_port",
    "launch",
    "map_frame",
    "run_app",
    "wait_for_count",
    "wait_idle",
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FOLIUM_IFRAME = "streamlit_folium.st_folium"
REPO = Path(__file__).resolve().parents[2]
APP = REPO / "streamlit_app.py"


@dataclass(frozen=True)
class LiveApp:
    """A running app: its base URL, port and the server's log file."""

    url: str
    port: int
    log: Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def run_app(log_dir: Path, *, timeout: float = 90.0) -> Iterator[LiveApp]:
    """Start the app on 127.0.0.1 and yield it once healthy; always stop it afterwards."""
    port = free_port()
    log = log_dir / f"streamlit_{port}.log"
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
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
                    raise RuntimeError(
                        f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}"
                    )
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"streamlit not healthy after {timeout}s: {log.read_text()[-2000:]}"
                    )
                time.sleep(0.3)
            yield LiveApp(url=url, port=port, log=log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@dataclass
class Blocker:
    """Route handler: lets the app's own origin and inline URLs through, aborts the rest."""

    origin: str
    blocked: list[str] = field(default_factory=list)
    local: int = 0

    def __call__(self, route: Route) -> None:
        url = route.request.url
        if url.startswith((self.origin + "/", "data:", "blob:", "about:")) or url == self.origin:
            self.local += 1
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


def launch(
    p: Playwright, user_data_dir: Path, origin: str, *, width: int = 1500, height: int = 1100
) -> tuple[BrowserContext, Blocker]:
    """A headless Chromium context with a fresh profile and every non-local request blocked."""
    ctx = p.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": width, "height": height},
        accept_downloads=True,
        service_workers="block",
    )
    blocker = Blocker(origin)
    ctx.route("**/*", blocker)
    return ctx, blocker


def folium_frames(page: Page) -> list[Frame]:
    """The st_folium iframes of the page, in document order."""
    return [f for f in page.frames if FOLIUM_IFRAME in f.url]


def map_frame(page: Page, index: int = 0, *, timeout: float = 60.0) -> Frame:
    """The ``index``-th st_folium iframe, once it exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames = folium_frames(page)
        if len(frames) > index:
            return frames[index]
        page.wait_for_timeout(200)
    raise TimeoutError(f"no st_folium iframe #{index} after {timeout}s")


def wait_for_count(frame: Frame, selector: str, predicate: Any, *, timeout: float = 60.0) -> int:
    """Poll ``frame`` until ``predicate(count of selector)`` holds; return the count."""
    deadline = time.monotonic() + timeout
    n = -1
    while time.monotonic() < deadline:
        try:
            n = frame.locator(selector).count()
        except Exception:  # the frame can navigate while the component remounts
            n = -1
        if n >= 0 and predicate(n):
            return n
        time.sleep(0.2)
    raise TimeoutError(f"{selector!r}: condition not met in {timeout}s (last count {n})")


def wait_idle(page: Page, *, timeout: float = 90.0, settle: float = 0.5) -> None:
    """Wait until Streamlit has finished running the script (no "running" status widget)."""
    deadline = time.monotonic() + timeout
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        stale = page.locator('[data-stale="true"]').count() > 0
        if not running and not stale:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= settle:
                return
        else:
            quiet_since = None
        time.sleep(0.1)
    raise TimeoutError(f"the app was still running after {timeout}s")
