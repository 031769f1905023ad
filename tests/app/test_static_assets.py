"""The app serves the maps' front-end assets itself: ``static/`` is exactly folium-offline's files.

Every app map links Leaflet, topojson-client and the plug-ins at :data:`atlas_app.ASSETS_URL`
(``server.enableStaticServing``) instead of carrying them inline; these tests keep the served
copies identical to folium-offline's, the folder free of anything else, and the relative URL
pointing at Streamlit's static route from the component's frame, with or without a base path.
"""

from __future__ import annotations

import tomllib
from urllib.parse import urljoin

from apptest import REPO

from atlas_app import ASSETS_URL
from geo.maps import SERVED_ASSETS, served_asset_files

STATIC = REPO / "static"
REGENERATE = (
    'regenerate with: python -c "from geo.maps import served_asset_files as f; '
    "[open('static/' + n, 'wb').write(b) for n, b in f().items()]\""
)


def test_static_holds_exactly_folium_offlines_copies() -> None:
    want = served_asset_files()
    have = {p.name: p.read_bytes() for p in STATIC.iterdir()}
    assert sorted(have) == sorted(want), REGENERATE
    for name, data in want.items():
        assert have[name] == data, f"static/{name} differs from folium-offline's copy; {REGENERATE}"
    assert set(want) == set(SERVED_ASSETS.values())


def test_static_serving_is_on() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableStaticServing"] is True


def test_the_asset_url_reaches_the_static_route_from_the_map_frame() -> None:
    for base in ("", "/atlas", "/a/b"):
        frame = f"http://127.0.0.1:8501{base}/component/streamlit_folium.st_folium/index.html"
        assert urljoin(frame, ASSETS_URL + "leaflet.js") == (
            f"http://127.0.0.1:8501{base}/app/static/leaflet.js"
        )
