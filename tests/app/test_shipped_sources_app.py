"""The app's fact tables and map tooltips pass the source check and mark facts below press.

The tables the coverage and chain pages draw, and the map page's layer script, are read out of
AppTest runs in both languages and checked with :mod:`geo.sources` (no class-D or unknown host,
no working note, no unearned "verified"); facts below ``press`` carry 待核实 / unverified.
"""

from __future__ import annotations

import pandas as pd
import pytest
from apptest import app, folium_maps, ok

from geo.sources import table_problems, text_problems, verification_problems


def _tables(at: object) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if isinstance(d.value, pd.DataFrame)]  # type: ignore[attr-defined]


def _display_problems(df: pd.DataFrame, name: str) -> list[str]:
    """The source check on a table as shown: its evidence column holds badges, not levels."""
    cells = df.drop(columns=[c for c in ("verification", "evidence") if c in df])
    problems = table_problems(cells, name)
    for col in ("verification", "evidence"):
        if col in df:
            problems += [p for v in df[col].astype(str) for p in text_problems(v, name)]
    if "verification" in df and "evidence" in df:
        for i, (v, e) in enumerate(zip(df["verification"], df["evidence"], strict=True)):
            if str(e) == "—":
                continue
            level = "secondary" if ("待核实" in str(e) or "unverified" in str(e)) else "press"
            problems += verification_problems(v, level, f"{name} row {i + 1}")
    return problems


@pytest.mark.parametrize(("lang", "mark"), [("zh", "待核实"), ("en", "unverified")])
def test_coverage_tables_show_evidence_marks(lang: str, mark: str) -> None:
    at = ok(app("coverage", lang=lang).run())
    tables = _tables(at)
    assert tables
    problems = [p for i, df in enumerate(tables) for p in _display_problems(df, f"table {i}")]
    assert problems == []
    with_evidence = [df for df in tables if "evidence" in df.columns]
    assert len(with_evidence) >= 2  # matrix and compliance (and targets)
    compliance = next(df for df in with_evidence if "compliance" in df.columns)
    # every 2015 focus cluster rests on a third-party copy of the document: secondary
    assert compliance["evidence"].str.contains(mark).all()


def test_chain_lists_show_evidence_marks() -> None:
    at = ok(app("chain", lang="en").run())
    at.selectbox(key="chain_region_pick").set_value("370705").run()
    ok(at)
    tables = _tables(at)
    leading = next(df for df in tables if "firm_id" in df.columns)
    real = leading[~leading["synthetic"].astype(bool)]
    assert len(real) and real["evidence"].str.contains("unverified|✓", regex=True).all()
    assert (leading.loc[leading["synthetic"].astype(bool), "evidence"] == "—").all()
    problems = [p for i, df in enumerate(tables) for p in _display_problems(df, f"table {i}")]
    assert problems == []


def test_map_layers_pass_the_source_check() -> None:
    at = ok(app("map", lang="zh").run())
    scripts = " ".join(m["script"] for m in folium_maps(at))
    assert "待核实" in scripts or "\\u5f85\\u6838\\u5b9e" in scripts
    problems = [p for p in text_problems(scripts, "map") if "www.w3.org" not in p]
    # Leaflet's own code names its project pages; only fact sources are in question here
    problems = [p for p in problems if "leafletjs" not in p and "openstreetmap" not in p]
    assert problems == []
