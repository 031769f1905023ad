"""Fixtures and rules shared by several test modules.

Test tools (Debian's chromium, Playwright, the npm validator geojsonhint, eviltransform, Dask)
are declared with ``@pytest.mark.needs("tool")``. On a developer machine a missing tool skips
the test with the install hint; under ``CI=true`` (``.ci/run`` sets it) it *fails*, so a CI run
can never pass because a tool silently went missing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
REPO = Path(__file__).resolve().parents[1]


def _module(name: str) -> Callable[[], bool]:
    return lambda: importlib.util.find_spec(name) is not None


def geojsonhint_path() -> Path | None:
    """The geojsonhint executable .ci/run installs with npm (or one on PATH)."""
    local = REPO / ".cache" / "npm" / "node_modules" / ".bin" / "geojsonhint"
    if local.exists():
        return local
    found = shutil.which("geojsonhint")
    return Path(found) if found else None


def find_reference() -> Path | None:
    """The reference fact base beside the repository (``scripts/_reference.py``), or None."""
    spec = importlib.util.spec_from_file_location("_reference", REPO / "scripts" / "_reference.py")
    if spec is None or spec.loader is None:
        return None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    ref = mod.find_reference()
    return ref if ref is not None and ref.is_dir() else None


TOOLS: dict[str, tuple[Callable[[], bool], str]] = {
    "chromium": (
        lambda: Path("/usr/bin/chromium").exists(),
        "Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
    "playwright": (_module("playwright"), "playwright (pip install -e '.[test]')"),
    "geojsonhint": (
        lambda: geojsonhint_path() is not None,
        "@mapbox/geojsonhint (npm install --prefix .cache/npm @mapbox/geojsonhint@3.2.0)",
    ),
    "eviltransform": (_module("eviltransform"), "eviltransform (pip install -e '.[test]')"),
    "coordtransform": (_module("coordtransform"), "coordtransform (pip install -e '.[test]')"),
    "dask": (
        lambda: _module("dask_geopandas")() and _module("distributed")(),
        "dask-geopandas and distributed (pip install -e '.[test]')",
    ),
    "reference": (
        lambda: find_reference() is not None,
        "the reference fact base ../shared/reference beside the repository "
        "(or set CLUSTER_ATLAS_REFERENCE)",
    ),
}


def require(tool: str) -> None:
    """Skip (developer machine) or fail (``CI=true``) when ``tool`` is not installed."""
    available, hint = TOOLS[tool]
    if available():
        return
    if IN_CI:
        pytest.fail(f"test tool missing under CI=true: {hint}", pytrace=False)
    pytest.skip(f"needs {hint}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs(*tools): test tools the test needs (see tests/conftest.py TOOLS)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers(name="needs"):
        for tool in marker.args:
            if tool not in TOOLS:
                raise pytest.UsageError(f"unknown tool {tool!r} in needs(); known: {sorted(TOOLS)}")
            require(tool)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference`` (tool ``reference``: skipped without it, a failure under CI)."""
    require("reference")
    ref = find_reference()
    assert ref is not None
    return ref


@pytest.fixture(scope="module")
def dask_client():  # type: ignore[no-untyped-def]
    require("dask")
    import distributed

    # Worker processes are spawned and re-import the parent's __main__; Streamlit's AppTest
    # (tests/app) leaves a fake __main__ script module behind, so give them a blank one.
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
