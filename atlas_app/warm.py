"""The background warm-up: what every session's first look at a page needs, once per process.

After the first page is drawn (``streamlit_app.py`` calls :func:`warm_up`), a daemon thread
fills the shared caches with the default view of the pages where a user waits: for every
chain, the chain page's analysis of its weakest city and that view's gap map (its base and
its layers), prepared for the map component (:func:`atlas_app.map_view.prepare_spec`), so a
chain switch finds both ready; then the scenario page's default baseline and its example's,
its maps before a run and after the example's run (base and layers; the run itself is
computed on click), and the monitoring page's default view (the demonstration panel at
county level). Everything lands in the same bounded caches the pages read, so nothing is kept
twice and a page asking first simply computes it itself. When it is done, the objects alive
then are frozen out of the cyclic garbage collector's reach (:func:`freeze_shared`), so that
CPython's full collections stop pausing every page and interaction by 0.2–0.4 s.
``ATLAS_WARM_UP=0`` turns it off (the tests do, for determinism).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from typing import Any

import streamlit as st

from atlas_app import loaders
from atlas_app.map_view import prepare_groups, prepare_spec
from atlas_app.page_chain import gap_map

__all__ = ["WARM_UP_ENV", "freeze_shared", "warm", "warm_up"]

WARM_UP_ENV = "ATLAS_WARM_UP"
_LOG = logging.getLogger(__name__)


def warm(lang: str = "zh") -> None:
    """Compute the shared default views (see the module docstring) in this thread."""
    firms = loaders.demo_firms()
    for chain in loaders.chain_graphs():  # the chain page's default: weakest city, employees
        region = loaders.weakest_region("demo", chain, "employees", firms)
        analysis = loaders.chain_analysis("demo", chain, "employees", firms, region=region)
        spec, groups, _ = gap_map(analysis, region, lang)
        prepare_groups(groups, prepare_spec(spec))
    first = next(iter(loaders.chain_graphs()))  # the scenario page's default baseline
    from atlas_app.scenario_builder import EXAMPLE_CHAIN  # and its example's

    for chain in dict.fromkeys((first, EXAMPLE_CHAIN)):
        loaders.baseline_analysis("demo", chain, "county", "2013", "employees", firms)
    _warm_scenario_maps(firms, first, lang)
    from layout.analysis import BASES  # the monitoring page's default: county level, first base

    loaders.monitoring("demo", first, "county", "2013", BASES[0], loaders.demo_panel())
    _LOG.info("warm-up done")


def _warm_scenario_maps(firms: Any, first: str, lang: str) -> None:
    """The scenario page's maps before a run (empty draft, first chain; the example) and after
    the example's run: their base and layers prepared (the run itself is computed on click)."""
    from atlas_app import page_scenario
    from atlas_app.scenario_builder import EXAMPLE_CHAIN, example_scenario
    from atlas_app.state import FirmData
    from layout.scenarios import Scenario, run_scenario

    demo = FirmData(firms, True, True, "demo", "demo")
    example = example_scenario(lang)
    options = ("county", "2013", "employees")
    views: list[tuple[dict[str, Any] | None, Scenario, str]] = [
        (None, Scenario("scenario-1", ()), first),
        (None, example, EXAMPLE_CHAIN),
    ]
    baseline = loaders.baseline_analysis("demo", EXAMPLE_CHAIN, *options, firms)
    _, _, diff = run_scenario(
        None,
        example,
        firms,
        EXAMPLE_CHAIN,
        level="county",
        frame="2013",
        base="employees",
        permutations=loaders.SCENARIO_PERMUTATIONS,
        baseline=baseline,
    )
    views.append(({"diff": diff, "scenario": example, "chain": EXAMPLE_CHAIN}, example, ""))
    for result, draft, chain in views:
        spec, layers = page_scenario.map_specs(result, demo, lang, draft, (chain, *options))
        prep = prepare_spec(spec)
        for groups in layers.values():
            prepare_groups(groups, prep)


def freeze_shared() -> int:
    """Move every object alive now (the shared caches just filled) out of the cyclic garbage
    collector's reach (:func:`gc.freeze`), after a full collection; returns how many.

    The process's long-lived objects (imported modules, display geometries, cached analyses
    and maps: a few hundred thousand) would otherwise be traversed by every full (oldest
    generation) collection, which CPython starts on its own every second or two while pages
    are drawn: 0.2–0.4 s each, inside whatever a user is waiting for. Frozen objects are
    still freed by reference counting; only a reference cycle among them that later becomes
    garbage stays until the process ends, so the most that can stay is what the warm-up made
    once (the caches are bounded).
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@st.cache_resource(max_entries=1, show_spinner=False)
def warm_up() -> threading.Thread | None:
    """Start (once per process) the background warm-up; None when ``ATLAS_WARM_UP=0``."""
    if os.environ.get(WARM_UP_ENV, "1") == "0":
        return None
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    def _run() -> None:
        try:
            warm()
        except Exception:  # a warm-up failure must never reach a user; the page recomputes
            _LOG.exception("warm-up failed")
        freeze_shared()

    thread = threading.Thread(target=_run, name="atlas-warm-up", daemon=True)
    add_script_run_ctx(thread, get_script_run_ctx())
    thread.start()
    return thread
