"""Streamlit front end of the Shandong Cluster Atlas: pages, labels and thin cached loaders.

Only this package and ``streamlit_app.py`` import Streamlit; everything they show comes from
``geo/`` and ``layout/`` calls.
"""

__all__: list[str] = []
