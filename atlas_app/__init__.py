"""Streamlit front end of the Shandong Cluster Atlas: pages, labels and thin cached loaders.

Only this package and ``streamlit_app.py`` import Streamlit; everything they show comes from
``geo/`` and ``layout/`` calls.
"""

__all__ = ["PAGES"]

PAGES: tuple[str, ...] = (
    "map",
    "chain",
    "coverage",
    "scenario",
    "siting",
    "opportunities",
    "evaluation",
    "monitor",
    "report",
    "data",
    "export",
)
"""The app's pages in menu order (``?page=`` values; module ``atlas_app.page_<name>``)."""
