"""Exports: RFC 7946 GeoJSON, GeoPackage layers, formula-safe CSV/XLSX, atomic writes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from geo import export
from geo.layers import LAYER_NAMES, load_layer

ROOT = Path(__file__).parents[2]


def _geojsonhint() -> str | None:
    local = ROOT / ".cache" / "npm" / "node_modules" / ".bin" / "geojsonhint"
    return str(local) if local.exists() else shutil.which("geojsonhint")


@pytest.fixture(scope="module")
def counties_geojson(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exp") / "counties.geojson"
    export.to_geojson(load_layer("counties"), path)
    return path


def test_rfc7946_structure(counties_geojson: Path) -> None:
    text = counties_geojson.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert "crs" not in doc and doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == 136
    assert "历下区" in text  # Chinese kept readable, not \u escapes
    decimals = {len(m) for m in re.findall(r"\d+\.(\d+)", text.split('"features"', 1)[1])}
    assert max(decimals) <= 6


def test_rfc7946_ring_orientation(counties_geojson: Path) -> None:
    doc = json.loads(counties_geojson.read_text(encoding="utf-8"))
    for feat in doc["features"]:
        for poly in feat["geometry"]["coordinates"]:
            assert shapely.is_ccw(shapely.LinearRing(poly[0]))
            for hole in poly[1:]:
                assert not shapely.is_ccw(shapely.LinearRing(hole))


def test_exported_features_are_valid_and_wgs84(counties_geojson: Path) -> None:
    gdf = gpd.read_file(counties_geojson)
    assert len(gdf) == 136 and gdf.is_valid.all()
    minx, miny, maxx, maxy = gdf.total_bounds
    assert 114 < minx < maxx < 123.5 and 34 < miny < maxy < 38.6


@pytest.mark.needs("geojsonhint")
def test_geojsonhint_accepts_export(counties_geojson: Path) -> None:
    hint = str(_geojsonhint())
    out = subprocess.run([hint, str(counties_geojson)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "", out.stdout


@pytest.mark.needs("geojsonhint")
def test_geojsonhint_rejects_a_bad_file(tmp_path: Path) -> None:
    hint = str(_geojsonhint())
    bad = tmp_path / "bad.geojson"  # clockwise exterior ring: RFC 7946 wants CCW
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]],
                        },
                    }
                ],
            }
        )
    )
    out = subprocess.run([hint, str(bad)], capture_output=True, text=True, timeout=120)
    assert "right-hand rule" in (out.stdout + out.stderr)


def test_gpkg_lists_all_layers(tmp_path: Path) -> None:
    path = tmp_path / "all.gpkg"
    export.to_gpkg({n: load_layer(n) for n in LAYER_NAMES}, path)
    names = [row[0] for row in pyogrio.list_layers(path)]
    assert names == list(LAYER_NAMES)
    assert len(pyogrio.read_dataframe(path, layer="counties")) == 136
    meta = pyogrio.read_info(path, layer="zones")["layer_metadata"]
    assert meta and "WGS-84" in meta["datum"]


DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", '=HYPERLINK("http://evil")']
DANGEROUS += ["++", "--", "+ ", "-1", "=", "@", "\t"]  # anything longer than a lone sign
LONE_SIGNS = ["+", "-"]  # a direction column: text, never a formula


def test_neutralise_formula() -> None:
    for value in DANGEROUS:
        assert export.neutralise_formula(value) == "'" + value
    for value in LONE_SIGNS:
        assert export.neutralise_formula(value) == value
    assert export.neutralise_formula("−") == "−"  # U+2212 minus sign starts no formula
    assert export.neutralise_formula("历下区") == "历下区"
    assert export.neutralise_formula(-3) == -3 and export.neutralise_formula(None) is None


def test_lone_signs_stay_signs_in_csv_and_xlsx(tmp_path: Path) -> None:
    df = pd.DataFrame({"direction": [*LONE_SIGNS, "+x"]})
    back = pd.read_csv(export.to_csv(df, tmp_path / "d.csv"), encoding="utf-8-sig", dtype=str)
    assert back["direction"].tolist() == ["+", "-", "'+x"]
    ws = openpyxl.load_workbook(export.to_xlsx({"t": df}, tmp_path / "d.xlsx"))["t"]
    assert [ws.cell(row=i, column=1).value for i in (2, 3, 4)] == ["+", "-", "'+x"]


def test_csv_cells_cannot_run(tmp_path: Path) -> None:
    df = pd.DataFrame({"name": DANGEROUS, "n": range(len(DANGEROUS))})
    path = export.to_csv(df, tmp_path / "x.csv")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert all(v.startswith("'") for v in back["name"])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM so Excel reads UTF-8


def test_xlsx_cells_are_text_not_formulas(tmp_path: Path) -> None:
    df = pd.DataFrame({"name": DANGEROUS})
    path = export.to_xlsx({"t": df}, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(path)["t"]
    cells = [ws.cell(row=i + 2, column=1) for i in range(len(DANGEROUS))]
    assert all(c.data_type != "f" for c in cells)
    assert all(str(c.value).startswith("'") for c in cells)


def test_atomic_write_keeps_previous_file_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "layer.geojson"
    gdf = load_layer("htz")
    export.to_geojson(gdf, path)
    before = path.read_bytes()
    broken = gdf.copy()
    broken["bad"] = [object()] * len(broken)  # not JSON-serialisable: the write fails midway
    with pytest.raises(TypeError):
        export.to_geojson(broken, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["layer.geojson"]  # no temp file left


def test_missing_crs_is_refused(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(117, 36)])
    with pytest.raises(export.ExportError, match="no CRS"):
        export.to_geojson(gdf, tmp_path / "x.geojson")


def test_projected_input_is_reprojected(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(117, 36)], crs=4326).to_crs(32650)
    doc = export.geojson_dict(gdf)
    lon, lat = doc["features"][0]["geometry"]["coordinates"]
    assert lon == pytest.approx(117, abs=1e-6) and lat == pytest.approx(36, abs=1e-6)


def test_nan_properties_become_null() -> None:
    gdf = gpd.GeoDataFrame({"v": [np.nan, 1.5]}, geometry=[shapely.Point(117, 36)] * 2, crs=4326)
    props = [f["properties"]["v"] for f in export.geojson_dict(gdf)["features"]]
    assert props == [None, 1.5]


def test_safe_output_path(tmp_path: Path) -> None:
    assert export.safe_output_path("a.csv", tmp_path) == (tmp_path / "a.csv").resolve()
    for evil in ["../x.csv", "/etc/passwd", "sub/../../x"]:
        with pytest.raises(export.ExportError, match="leaves the folder"):
            export.safe_output_path(evil, tmp_path)
