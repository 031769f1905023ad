"""Fixtures for the app tests: a live Streamlit server for the browser test (see harness.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import LiveApp, run_app


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The app served on a free local port of 127.0.0.1 for the tests of one module."""
    with run_app(tmp_path_factory.mktemp("server")) as app:
        yield app
