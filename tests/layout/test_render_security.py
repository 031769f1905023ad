"""Field zoo: template, HTML and script payloads in every text field of every map, legend and report.

Each payload would leave a distinctive trace if a template engine or a browser ran it: a
canary folder on disk (``os.makedirs`` reached through ``lipsum.__globals__``), the words
``EVALUATED``/``LOOPEDLOOPED``, ``49`` in place of ``{{7*7}}``, a live ``<img onerror>`` or
``<script>``. The payloads go into firm, cluster, zone, county, city, chain and node names,
codes, categories, sources and verification notes, legend titles and layer titles; the maps
are rendered the two ways pages render them (folium's ``render`` and the calls
``streamlit-folium`` makes), the reports as HTML and XLSX. Every payload must come out as the
same text (escaped for HTML, braces as entities where folium re-renders) and nothing may run.
"""

from __future__ import annotations

import html
from pathlib import Path

import folium
import geopandas as gpd
import networkx as nx
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from geo.maps import Choropleth, Legend, build_map, esc, localise_assets, selection_group
from layout.chains import load_chain
from layout.demo import demo_firms
from layout.reports import Report, build_report, render_html, write_xlsx

BARE = "atlas_canary_bare"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in a fresh folder, where the quote-free payload would create its canary."""
    monkeypatch.chdir(tmp_path)


def payloads(canary: Path) -> dict[str, str]:
    """Payloads that each leave a trace when evaluated (see the module docstring)."""
    return {
        "expr": "{{ 'EVAL' ~ 'UATED' }}",
        "seven": "{{7*7}}",
        "stmt": "{% for i in range(3) %}LOOPED{% endfor %}",
        "comment": "ZQ{# hidden #}XJ",
        "rce": "{{ lipsum.__globals__.os.makedirs('" + str(canary) + "') }}",
        # folium's tojson writes quotes as \u0027, which only breaks a template: this one
        # builds its folder name without quotes, so it would really run (in the cwd)
        "bare": "{{ lipsum.__globals__.os.makedirs(dict(" + BARE + "=1)|first) }}",
        "img": "<img src=x onerror=alert(1)>",
        "script": "<script>alert('xss')</script>",
        "formula": '=HYPERLINK("http://127.0.0.9/","click")',
    }


def _ran(text: str, canary: Path) -> list[str]:
    """Traces of an evaluated payload in ``text`` (empty when nothing ran)."""
    found = []
    if canary.exists() or Path(BARE).exists():
        found.append("canary folder created")
    for trace in ("EVALUATED", "LOOPEDLOOPED", "ZQXJ"):
        if trace in text:
            found.append(trace)
    for raw in ("<img src=x", "<script>alert('xss')"):
        if raw in text:
            found.append(raw)
    return found


def _plain(page: str) -> str:
    """What a browser shows of ``page``'s escaped strings (entities and JSON escapes undone)."""
    return html.unescape(
        page.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")
    )


def _layers(p: dict[str, str]) -> dict[str, gpd.GeoDataFrame]:
    every = " ".join(p.values())
    counties = gpd.GeoDataFrame(
        {
            "adcode": ["370102", "370103"],
            "name_zh": [every, p["seven"]],
            "name_en": [p["expr"], p["img"]],
            "city_adcode": ["370100", "370100"],
            "city_name_zh": [p["stmt"], p["script"]],
            "city_name_en": [p["rce"], p["comment"]],
        },
        geometry=[box(117.0, 36.5, 117.1, 36.6), box(117.1, 36.5, 117.2, 36.6)],
        crs="EPSG:4326",
    )
    cities = gpd.GeoDataFrame(
        {"adcode": ["370100"], "name_zh": [p["rce"]], "name_en": [p["seven"]]},
        geometry=[box(117.0, 36.5, 117.2, 36.6)],
        crs="EPSG:4326",
    )
    zones = gpd.GeoDataFrame(
        {
            "zone_code": [p["expr"]],
            "name_zh": [p["rce"]],
            "name_en": [p["stmt"]],
            "frame": [p["comment"]],
            "n_counties": [2],
            "source": [p["script"]],
            "verification": [p["seven"]],
        },
        geometry=[box(117.0, 36.5, 117.2, 36.6)],
        crs="EPSG:4326",
    )
    htz = gpd.GeoDataFrame(
        {
            "htz_id": [p["seven"]],
            "name_zh": [p["rce"]],
            "name_en": [p["img"]],
            "level": [p["stmt"]],
            "source": [p["rce"]],
            "verification": [p["comment"]],
        },
        geometry=[Point(117.05, 36.55)],
        crs="EPSG:4326",
    )
    clusters = gpd.GeoDataFrame(
        {
            "cluster_id": [p["rce"]],
            "name_zh": [p["expr"]],
            "name_en": [p["script"]],
            "category": [p["stmt"]],
            "location_quality": [p["comment"]],
            "source": [p["formula"]],
            "verification": [p["seven"]],
        },
        geometry=[Point(117.15, 36.55)],
        crs="EPSG:4326",
    )
    firms = gpd.GeoDataFrame(
        {
            "firm_id": [p["rce"], p["seven"]],
            "name": [p["seven"], p["rce"]],
            "chain": [p["stmt"], p["expr"]],
            "node": [p["comment"], p["img"]],
            "source": [p["script"], p["formula"]],
            "synthetic": [False, True],
        },
        geometry=[Point(117.05, 36.52), Point(117.15, 36.58)],
        crs="EPSG:4326",
    )
    return {
        "cities": cities,
        "counties": counties,
        "zones": zones,
        "htz": htz,
        "clusters": clusters,
        "firms": firms,
    }


def _st_folium_render(m: folium.Map) -> str:
    """The render calls streamlit-folium 0.2x makes (figure, header, html, script)."""
    m.render()
    root = m.get_root()
    return "\n".join(
        [
            root.header.render(),
            root.html.render(),
            root.script.render(),
            m._template.module.script(m),
        ]
    )


@pytest.mark.parametrize("basemap", ["none", "amap"])
@pytest.mark.parametrize("firms_mode", ["markers", "heat"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_map_and_legend_shows_payloads_as_text(
    tmp_path: Path, basemap: str, firms_mode: str, lang: str
) -> None:
    canary = tmp_path / "canary"
    p = payloads(canary)
    layers = _layers(p)
    values = pd.Series([1.0, 2.0], index=["370102", "370103"])
    choro = Choropleth(values=values, title_zh=p["rce"], title_en=p["seven"], fmt="{:.1f}")
    lines = gpd.GeoDataFrame(
        {"name_zh": [p["rce"]], "name_en": [p["seven"]], "distance_km": [3.0]},
        geometry=[LineString([(117.0, 36.5), (117.2, 36.6)])],
        crs="EPSG:4326",
    )
    m = build_map(
        layers,
        basemap=basemap,
        choropleth=choro,
        lang=lang,
        lines=lines,
        firms_mode=firms_mode,
        titles={name: (p["rce"], p["seven"]) for name in layers},
        selected="370102",
        extra_legend=esc(p["stmt"] + p["img"]),
    )
    group = selection_group(layers, "370102", basemap=basemap, lang=lang)
    assert group is not None
    group.add_to(m)
    for page in (m.get_root().render(), _st_folium_render(m)):
        assert _ran(page, canary) == []
        shown = _plain(page)
        for key in ("seven", "expr", "stmt", "comment", "rce", "img"):
            assert p[key] in shown, key  # the payload is still there, as text
    assert not canary.exists()


def test_a_legend_built_by_another_page_is_inert(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    p = payloads(canary)
    m = folium.Map(tiles=None)
    Legend("".join(f"<div>{esc(v)}</div>" for v in p.values())).add_to(m)
    page = localise_assets(m).get_root().render()
    assert _ran(page, canary) == []
    assert p["seven"] in _plain(page) and p["script"] in _plain(page)


def _hostile_chain(p: dict[str, str]) -> nx.DiGraph:
    g = load_chain("LED").copy()
    for i, node in enumerate(g.nodes):
        key = list(p)[i % len(p)]
        g.nodes[node]["name_zh"] = p[key] + f" 环节{i}"
        g.nodes[node]["name_en"] = p[list(p)[(i + 3) % len(p)]] + f" node {i}"
    return g


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path, dict[str, str]]:
    canary = tmp_path_factory.mktemp("report") / "canary"
    p = payloads(canary)
    firms = demo_firms().copy()
    led = firms.index[(firms["chain"] == "LED").to_numpy()][: len(p) * 3]
    names = list(p.values())
    firms.loc[led, "name"] = [names[i % len(names)] + f" 企业{i}" for i in range(len(led))]
    if "source" in firms:
        firms.loc[led, "source"] = [names[(i + 1) % len(names)] for i in range(len(led))]
    report = build_report(firms, "LED", "BLUE", graph=_hostile_chain(p))
    return report, canary, p


def test_report_html_from_hostile_firms_and_chain(hostile_report) -> None:  # type: ignore[no-untyped-def]
    report, canary, p = hostile_report
    page = render_html(report)
    assert _ran(page, canary) == []
    assert "<script" not in page.lower()  # the report has no script at all
    shown = _plain(page)
    for key in ("seven", "expr", "stmt", "comment", "rce", "img", "script"):
        assert p[key] in shown, key
    assert "{{7*7}}" in shown and "&lt;img src=x" in page


def test_report_xlsx_from_hostile_firms_and_chain(hostile_report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report, canary, p = hostile_report
    out = write_xlsx(report, tmp_path / "r.xlsx")
    cells = [
        c.value
        for ws in openpyxl.load_workbook(out).worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    text = "\n".join(cells)
    assert not canary.exists()
    for key in ("seven", "expr", "stmt", "rce", "img", "script"):
        assert p[key] in text, key
    # a cell that would run as a formula is neutralised: every text cell starting with '=' has
    # the apostrophe (openpyxl gives the stored text back)
    assert not any(c.startswith("=") for c in cells)
    assert any(c.startswith("'=HYPERLINK") for c in cells)


def test_report_with_payloads_in_every_text_field(hostile_report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The report with every string — names, summary, every list cell, notes — a payload."""
    import dataclasses

    base, canary, p = hostile_report
    values = list(p.values())
    counter = iter(range(10**9))

    def swap(v: object) -> object:
        return values[next(counter) % len(values)] if isinstance(v, str) else v

    def swap_frame(df: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
        out = df.copy()
        for col in out.columns:
            if col not in keep:
                out[col] = out[col].map(swap)
        return out

    # node ids stay (the chain map is drawn from them); every other text becomes a payload
    lists = {
        key: swap_frame(df, ("node",) if key == "nodes" else ()) for key, df in base.lists.items()
    }
    texts = {
        f.name: swap(getattr(base, f.name))
        for f in dataclasses.fields(base)
        if isinstance(getattr(base, f.name), str) and f.name not in ("chain_svg", "map_svg")
    }
    report = dataclasses.replace(
        base,
        **texts,
        summary={k: swap(v) for k, v in base.summary.items()},
        lists=lists,
        edges=base.edges,
        notes=[swap(n) for n in [*base.notes, "note"]],
    )
    assert (
        report.region_name_zh in values and report.lists["leading_firms"]["name"].isin(values).all()
    )
    page = render_html(report)
    assert _ran(page, canary) == []
    shown = _plain(page)
    for key in ("seven", "expr", "stmt", "comment", "rce", "img", "script"):
        assert p[key] in shown, key
    out = write_xlsx(report, tmp_path / "r.xlsx")
    cells = [
        c.value
        for ws in openpyxl.load_workbook(out).worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert not any(c.startswith("=") for c in cells) and not canary.exists()
    joined = "\n".join(cells)
    for key in ("seven", "expr", "stmt", "rce", "img", "script"):
        assert p[key] in joined, key
