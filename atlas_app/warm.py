"""The background warm-up: what every session's first look at a page needs, once per process.

After the first page is drawn (``streamlit_app.py`` calls :func:`warm_up`), a daemon thread
fills the shared caches with the default view of the pages where a user waits: for every
chain, the chain page's analysis of its weakest city and that view's gap map (its base and its
layers), prepared for the map component (:func:`atlas_app.map_view.prepare_spec`), so a chain switch finds both
ready; then the scenario page's default baseline and its example's, and the monitoring page's default view
(the demonstration panel at county level). Everything lands in the same bounded caches
the pages read, so nothing is kept twice and a page asking first simply computes it itself.
``ATLAS_WARM_UP=0`` turns it off (the tests do, for determinism).
"""

from __future__ import annotations

import logging
import os
import threading

import streamlit as st

from atlas_app import loaders
from atlas_app.map_view import prepare_groups, prepare_spec
from atlas_app.page_chain import gap_map

__all__ = ["WARM_UP_ENV", "warm", "warm_up"]

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
    from layout.analysis import BASES  # the monitoring page's default: county level, first base

    loaders.monitoring("demo", first, "county", "2013", BASES[0], loaders.demo_panel())
    _LOG.info("warm-up done")


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

    thread = threading.Thread(target=_run, name="atlas-warm-up", daemon=True)
    add_script_run_ctx(thread, get_script_run_ctx())
    thread.start()
    return thread
