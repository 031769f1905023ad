"""Exports read back: every format returns the layer's own values, not just a file of some size.

Each exported file is read with an independent reader (pyogrio, pandas, openpyxl) and compared
cell by cell with the layer it came from (``geo.layers.load_layer``); geometries are compared
with the precision the format promises (RFC 7946 GeoJSON: 6 decimals, ~0.1 m).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.layers import LAYER_NAMES, load_layer
from layout.cli import main

ATTRS = {"counties": "adcode", "zones": "zone_code", "htz": "htz_id"}


def _text(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """Attribute values as text, indexed by the layer's key (blank and NaN read the same)."""
    out = df.drop(columns=[c for c in ("geometry", "lon", "lat") if c in df.columns])
    out = out.astype(object).where(out.notna(), "")
    return out.map(lambda v: str(v).removeprefix("'")).set_index(key).sort_index()


def _numeric_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Compare two text tables, numbers compared as numbers (``48`` == ``48.0``)."""
    assert list(a.index) == list(b.index)
    assert sorted(a.columns) == sorted(b.columns)
    for col in a.columns:
        x, y = a[col], b[col]
        xn, yn = pd.to_numeric(x, errors="coerce"), pd.to_numeric(y, errors="coerce")
        both = xn.notna() & yn.notna()
        assert np.allclose(xn[both], yn[both]), col
        assert (x[~both] == y[~both]).all(), (col, x[~both][x[~both] != y[~both]].head())


@pytest.mark.parametrize("layer", sorted(ATTRS))
def test_geojson_and_gpkg_read_back_to_the_layer(layer: str, tmp_path: Path) -> None:
    src = load_layer(layer)
    key = ATTRS[layer]
    for fmt in ("geojson", "gpkg"):
        out = tmp_path / f"{layer}.{fmt}"
        assert main(["export", layer, "-o", str(out), "--format", fmt]) == 0
        back = pyogrio.read_dataframe(out)
        assert back.crs is not None and back.crs.to_epsg() == 4326
        _numeric_equal(_text(back, key), _text(src, key))
        a = src.set_index(key).sort_index().geometry
        b = back.set_index(key).sort_index().geometry
        tol = 1e-6 if fmt == "geojson" else 1e-9  # GeoJSON keeps 6 decimals
        dist = shapely.hausdorff_distance(a.to_numpy(), b.to_numpy())
        assert float(np.nanmax(dist)) <= tol, (fmt, float(np.nanmax(dist)))


@pytest.mark.parametrize("layer", sorted(ATTRS))
def test_csv_and_xlsx_read_back_to_the_layer(layer: str, tmp_path: Path) -> None:
    src = load_layer(layer)
    key = ATTRS[layer]
    csv, xlsx = tmp_path / f"{layer}.csv", tmp_path / f"{layer}.xlsx"
    assert main(["export", layer, "-o", str(csv)]) == 0
    assert main(["export", layer, "-o", str(xlsx)]) == 0
    from_csv = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    from_xlsx = pd.read_excel(xlsx, dtype=str, keep_default_na=False)
    for back in (from_csv, from_xlsx):
        _numeric_equal(_text(back, key), _text(src, key))
        # lon/lat: the point itself, or a point inside the polygon (representative point)
        pts = shapely.points(back["lon"].astype(float), back["lat"].astype(float))
        geoms = src.set_index(key).loc[back[key]].geometry.to_numpy()
        assert shapely.dwithin(geoms, pts, 1e-6).all()


def test_export_all_holds_every_layer_with_its_rows(tmp_path: Path) -> None:
    out = tmp_path / "all.gpkg"
    assert main(["export", "all", "-o", str(out)]) == 0
    layers = [name for name, _ in pyogrio.list_layers(out)]
    assert sorted(layers) == sorted(n for n in LAYER_NAMES if n != "all")
    for name in layers:
        back = pyogrio.read_dataframe(out, layer=name)
        src = load_layer(name)
        assert len(back) == len(src), name
        assert sorted(back.columns) == sorted(src.columns), name


def test_geojson_holds_every_county_by_name(tmp_path: Path) -> None:
    out = tmp_path / "c.geojson"
    assert main(["export", "counties", "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    names = sorted(f["properties"]["name_zh"] for f in doc["features"])
    assert names == sorted(load_layer("counties")["name_zh"])
