"""Run a page so that a failure shows a friendly bilingual message, never a traceback.

The exception and its traceback go to the server log (``logging``) under a short reference
that the message shows, so an administrator can find it. Streamlit's own control-flow
exceptions (``st.rerun``, ``st.stop``) derive from ``BaseException`` and pass through.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import streamlit as st

from atlas_app.i18n import t

__all__ = ["LOG", "guarded", "optional_module"]

LOG = logging.getLogger("cluster_atlas.app")
if not LOG.handlers:  # streamlit does not configure the root logger: log to the server's stderr
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    LOG.addHandler(_handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False


def guarded(page: Callable[[str], None], lang: str) -> bool:
    """Call ``page(lang)``; on an error log it and show a friendly message. True if it finished."""
    try:
        page(lang)
    except Exception:
        ref = uuid.uuid4().hex[:8]
        LOG.exception("page %s failed (ref %s)", getattr(page, "__name__", page), ref)
        st.error(t("error_friendly", lang, ref=ref), icon=":material/error:")
        return False
    return True


def optional_module(name: str, lang: str) -> object | None:
    """Import ``name``; when it is not in this build, say so on the page and return None."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        # Only a missing module is expected; an import error inside it is a bug to surface.
        if getattr(exc, "name", None) != name:
            raise
        st.info(t("pending_api", lang, module=name), icon=":material/info:")
        return None
