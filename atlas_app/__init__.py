"""Streamlit front end of the Shandong Cluster Atlas: pages, labels and thin cached loaders.

Only this package and ``streamlit_app.py`` import Streamlit; everything they show comes from
``geo/`` and ``layout/`` calls.
"""

__all__ = ["ASSETS_URL", "PAGES"]

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

ASSETS_URL = "../../app/static/"
"""Where the app's maps load Leaflet and their other front-end assets from.

Streamlit serves ``static/`` beside ``streamlit_app.py`` at ``<base>/app/static/``
(``server.enableStaticServing`` in ``.streamlit/config.toml``); ``st_folium``'s frame is
``<base>/component/streamlit_folium.st_folium/index.html``, so this relative URL works under
any ``--server.baseUrlPath``. The files are ``geo.maps.served_asset_files()`` (checked by the
tests); each is loaded once and cached by the browser instead of riding inside every map.
"""
