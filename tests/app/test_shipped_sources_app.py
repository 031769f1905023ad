"""The app's fact tables and map tooltips pass the source check and mark facts below press.

The tables the coverage and chain pages draw, and the map page's layer script, are read out of
AppTest runs in both languages and checked with :mod:`geo.sources` (no class-D or unknown host,
no working note, no unearned "verified"); facts below ``press`` carry 待核实 / unverified. Tables
show their headers in the page's language, so columns are found by their localised header
(:func:`atlas_app.tables.header`).
"""

from __future__ import annotations

import pandas as pd
import pytest
from apptest import app, folium_maps, ok

from atlas_app.i18n import t
from atlas_app.tables import header
from geo.sources import table_problems, text_problems


def _tables(at: object) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if isinstance(d.value, pd.DataFrame)]  # type: ignore[attr-defined]


def _display_problems(df: pd.DataFrame, name: str, lang: str) -> list[str]:
    """The source check on a table as shown: evidence holds badges, verification status words."""
    ver, evi = header("verification", lang), header("evidence", lang)
    cells = df.drop(columns=[c for c in (ver, evi) if c in df])
    problems = table_problems(cells, name)
    for col in (ver, evi):
        if col in df:
            problems += [p for v in df[col].astype(str) for p in text_problems(v, name)]
    if ver in df and evi in df:
        for i, (v, e) in enumerate(zip(df[ver], df[evi], strict=True)):
            below_press = "待核实" in str(e) or "unverified" in str(e)
            says_verified = str(v).startswith("✓")
            if below_press and says_verified:  # an unearned "verified"
                problems.append(f"{name} row {i + 1}: {v!r} with evidence {e!r}")
    return problems


@pytest.mark.parametrize(("lang", "mark"), [("zh", "待核实"), ("en", "unverified")])
def test_coverage_tables_show_evidence_marks(lang: str, mark: str) -> None:
    at = ok(app("coverage", lang=lang).run())
    tables = _tables(at)
    assert tables
    problems = [p for i, df in enumerate(tables) for p in _display_problems(df, f"table {i}", lang)]
    assert problems == []
    evi = header("evidence", lang)
    with_evidence = [df for df in tables if evi in df.columns]
    assert len(with_evidence) >= 2  # matrix and compliance (and targets)
    compliance = next(df for df in with_evidence if header("compliance", lang) in df.columns)
    # every 2015 focus cluster rests on a third-party copy of the document: secondary
    assert compliance[evi].str.contains(mark).all()


def test_chain_lists_show_evidence_marks() -> None:
    lang = "en"
    at = ok(app("chain", lang=lang).run())
    at.selectbox(key="chain_region_pick").set_value("370705").run()
    ok(at)
    tables = _tables(at)
    leading = next(df for df in tables if header("firm_id", lang) in df.columns)
    synthetic = leading[header("synthetic", lang)] == t("bool_True", lang)
    evi = leading[header("evidence", lang)]
    real = evi[~synthetic]
    assert len(real) and real.str.contains("unverified|✓", regex=True).all()
    assert (evi[synthetic] == "—").all()
    problems = [p for i, df in enumerate(tables) for p in _display_problems(df, f"table {i}", lang)]
    assert problems == []


def test_map_layers_pass_the_source_check() -> None:
    at = ok(app("map", lang="zh").run())
    scripts = " ".join(m["script"] for m in folium_maps(at))
    assert "待核实" in scripts or "\\u5f85\\u6838\\u5b9e" in scripts
    problems = [p for p in text_problems(scripts, "map") if "www.w3.org" not in p]
    # Leaflet's own code names its project pages; only fact sources are in question here
    problems = [p for p in problems if "leafletjs" not in p and "openstreetmap" not in p]
    assert problems == []
