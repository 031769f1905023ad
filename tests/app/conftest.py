"""Fixtures for the app tests: a live Streamlit server for the browser test (see harness.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from harness import Blocker, LiveApp, launch, run_app

# no background warm-up of the analyses in tests (AppTest and the served app): the machine is shared
os.environ.setdefault("ATLAS_WARM_UP", "0")


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The app served on a free local port of 127.0.0.1 for the tests of one module."""
    with run_app(tmp_path_factory.mktemp("server")) as app:
        yield app


@pytest.fixture(scope="module")
def browser(
    live_app: LiveApp, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[object, Blocker]]:
    """One headless Chromium (fresh profile) for the module, with the request blocker installed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx, blocker = launch(p, tmp_path_factory.mktemp("chromium-profile"), live_app.url)
        try:
            yield ctx, blocker
        finally:
            ctx.close()
