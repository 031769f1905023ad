"""The shared caches of ``atlas_app.loaders``: content keys, map specs, download bytes, rounding.

Speed is measured in ``bench/app_pages.py``; these tests check that the caches return what the
uncached calls return and that a change of content is a different key (no stale map).
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import shapely

from atlas_app import ASSETS_URL, loaders
from geo.export import xlsx_bytes as plain_xlsx
from geo.maps import DEFAULT_TOLERANCE, Choropleth
from geo.maps import build_map as plain_build_map

_IDS = re.compile(r"_[0-9a-f]{32}")


def _counties() -> object:
    return loaders.display(DEFAULT_TOLERANCE)["counties"]


def test_content_key_follows_content_not_identity() -> None:
    c = _counties()
    assert loaders.content_key(c, {"k": 5}) == loaders.content_key(c.copy(), {"k": 5})
    assert loaders.content_key(c, {"k": 5}) != loaders.content_key(c, {"k": 6})
    moved = c.copy()
    moved.loc[moved.index[0], "geometry"] = shapely.affinity.translate(
        moved.geometry.iloc[0], 0.001
    )
    assert loaders.content_key(c) != loaders.content_key(moved)
    renamed = c.copy()
    renamed.loc[renamed.index[3], "name_en"] = "<b>other</b>"
    assert loaders.content_key(c) != loaders.content_key(renamed)
    values = pd.Series(np.arange(len(c), dtype=float), index=c["adcode"])
    ch = Choropleth(values, "指标", "metric", layer="counties")
    ch2 = Choropleth(values.where(values != 3.0, 4.0), "指标", "metric", layer="counties")
    assert loaders.content_key(ch) != loaders.content_key(ch2)
    assert loaders.content_key({"a", "b"}) == loaders.content_key({"b", "a"})
    assert loaders.content_key(lambda x: x) is None  # unknown content: not cached at all


def test_map_spec_keys_follow_the_content_and_build_the_same_map() -> None:
    layers = {"counties": _counties()}
    opts = {"basemap": "none", "lang": "en", "simplified": False}
    # the app's maps link the served assets (atlas_app.ASSETS_URL); otherwise the same map
    a = loaders.map_spec(plain_build_map, layers, served_assets=ASSETS_URL, **opts)
    b = loaders.build_map(dict(layers), **opts)
    zh = loaders.build_map(layers, **{**opts, "lang": "zh"})
    assert a.key is not None and a.key == b.key  # same content, same key
    assert zh.key != a.key  # another option: another map
    assert loaders.map_spec(plain_build_map, layers, style=lambda f: f).key is None  # unknown
    plain = plain_build_map(layers, served_assets=ASSETS_URL, **opts)
    page = _IDS.sub("_ID", plain.get_root().render())
    assert _IDS.sub("_ID", a.make().get_root().render()) == page
    assert _IDS.sub("_ID", b.make().get_root().render()) == page
    assert "data:text/javascript" not in page


def test_cached_workbook_bytes_read_back_as_the_sheets() -> None:
    sheets = {
        "one": pd.DataFrame({"code": ["370102", "=1+1"], "n": [1, 2]}),
        "two": pd.DataFrame({"x": [0.5]}),
    }
    got = loaders.xlsx_bytes(sheets)
    book = pd.read_excel(io.BytesIO(got), sheet_name=None)
    ref = pd.read_excel(io.BytesIO(plain_xlsx(sheets)), sheet_name=None)
    assert list(book) == ["one", "two"]
    for name in book:
        pd.testing.assert_frame_equal(book[name], ref[name])
    assert not str(book["one"].loc[1, "code"]).startswith("=")  # still neutralised


def test_display_geometry_is_rounded_and_still_covers_the_counties() -> None:
    c = _counties()
    coords = shapely.get_coordinates(c.geometry.to_numpy())
    scale = 10**loaders.DISPLAY_DECIMALS
    assert np.allclose(coords * scale, np.round(coords * scale), atol=1e-6)
    full = loaders.layer("counties")
    shown = shapely.area(c.geometry.to_numpy())
    exact = shapely.area(full.geometry.to_numpy())
    assert np.all(np.abs(shown - exact) <= 0.05 * exact)  # each county within 5 % of its area
    assert abs(shown.sum() - exact.sum()) <= 0.005 * exact.sum()
    # shared edges stay shared: the counties' union has no holes the full union lacks
    assert abs(shapely.union_all(c.geometry.to_numpy()).area - shown.sum()) <= 1e-3 * shown.sum()
