"""Coverage and policy checks against the documents (DESIGN §3 "Coverage and policy checks").

* :func:`zone_cluster_matrix` — cluster × zone relation for a frame (``in`` / ``partly``).
* :func:`zone_category_counts` — zones × programmes, counts of clusters.
* :func:`focus_compliance` — does each 2015 focus cluster's host lie in the zone that
  鲁政办发〔2015〕4号 names for it?
* :func:`uncovered_counties` — counties with no county-level cluster host and no high-tech zone.
* :func:`target_progress` — the documents' numeric targets with what the fact base can say.
"""

from __future__ import annotations

import re

import pandas as pd

from geo.boundaries import load_counties
from geo.frames import zone_table
from geo.registry import data_path
from geo.sites import cluster_zones, load_clusters, load_htz

__all__ = [
    "focus_compliance",
    "target_progress",
    "uncovered_counties",
    "zone_category_counts",
    "zone_cluster_matrix",
]

_ZONE_CODES = ("BLUE", "YRD", "CAP", "WEST", "RES")


def zone_cluster_matrix(frame: str = "2013") -> pd.DataFrame:
    """Cluster × zone matrix: ``in`` (every host unit in the zone), ``partly`` or empty.

    Index: cluster_id; leading columns name_zh, name_en, category, verification, evidence;
    then one column per zone code of ``frame``.
    """
    cl = load_clusters().set_index("cluster_id")
    cz = cluster_zones(frame)
    zones = zone_table(frame)["zone_code"].tolist()
    mat = cz.pivot_table(
        index="cluster_id", columns="zone_code", values="relation", aggfunc="first"
    )
    mat = mat.reindex(index=cl.index, columns=zones).fillna("")
    info = cl[["name_zh", "name_en", "category", "verification", "evidence"]]
    out = pd.concat([info, mat], axis=1)
    out.columns.name = None
    return out


def zone_category_counts(frame: str = "2013") -> pd.DataFrame:
    """Zones × programme category: number of clusters with at least one host unit in the zone."""
    cl = load_clusters()[["cluster_id", "category"]]
    cz = cluster_zones(frame).merge(cl, on="cluster_id")
    zones = zone_table(frame)["zone_code"].tolist()
    out = cz.pivot_table(
        index="zone_code", columns="category", values="cluster_id", aggfunc="nunique", fill_value=0
    )
    out = out.reindex(zones, fill_value=0)
    out["total"] = cz.groupby("zone_code")["cluster_id"].nunique().reindex(zones, fill_value=0)
    return out


def _named_zone(text: str) -> str | None:
    hit = re.match(r"\s*([A-Z]+)", str(text))
    return hit.group(1) if hit and hit.group(1) in _ZONE_CODES else None


def focus_compliance() -> pd.DataFrame:
    """Whether each 2015 focus cluster sits in the zone the document names for it.

    Columns: cluster_id, name_zh, name_en, named_zone, host_county_adcodes, host_zones,
    compliance (``yes`` every host unit in the named zone, ``partly``, ``no``, ``unknown`` no
    host unit), reason_zh, reason_en, verification, evidence (of the cluster record).
    """
    cl = load_clusters()
    focus = cl[cl["category"] == "focus_2015"]
    cz = cluster_zones("2013")
    zt = zone_table("2013").set_index("zone_code")
    zh_names, en_names = zt["name_zh"].to_dict(), zt["name_en"].to_dict()
    rel_zh = {"in": "全部在区内", "partly": "部分在区内"}

    def where(rel: pd.Series, lang: str) -> str:
        # host zones in words: "山东半岛蓝色经济区（全部在区内）" / "Shandong … (BLUE: in)"
        if lang == "zh":
            return (
                "、".join(f"{zh_names.get(z, z)}（{rel_zh.get(r, r)}）" for z, r in rel.items())
                or "无"
            )
        return "; ".join(f"{en_names.get(z, z)} ({z}: {r})" for z, r in rel.items()) or "none"

    rows = []
    for rec in focus.itertuples():
        named = _named_zone(rec.zone_2015)
        rel = cz[cz["cluster_id"] == rec.cluster_id].set_index("zone_code")["relation"]
        host_zones = ";".join(f"{z}:{r}" for z, r in rel.items())
        named_zh = zh_names.get(named, named)
        named_en = f"{en_names.get(named, named)} ({named})"
        if named is None or (not rec.host_county_adcodes and not rec.host_city_adcodes):
            status = "unknown"
            zh, en = "无法判断：缺少指定区域或承载地", "cannot tell: no named zone or no host unit"
        elif named in rel.index and rel[named] == "in":
            status = "yes"
            zh, en = (
                f"承载地全部位于文件指定的{named_zh}",
                f"every host unit lies in the named zone {named_en}",
            )
        elif named in rel.index:
            status = "partly"
            zh, en = (
                f"承载地部分位于{named_zh}（全部承载地：{where(rel, 'zh')}）",
                f"only some host units lie in {named_en} (all: {where(rel, 'en')})",
            )
        else:
            status = "no"
            zh = f"承载地不在文件指定的{named_zh}内（实际位于：{where(rel, 'zh')}）"
            en = f"no host unit lies in the named zone {named_en} (hosts are in {where(rel, 'en')})"
        if named == "RES":
            zh += "；资源枯竭型城市名单未经核实"
            en += "; RES membership is an unverified list of resource-exhausted cities"
        rows.append(
            {
                "cluster_id": rec.cluster_id,
                "name_zh": rec.name_zh,
                "name_en": rec.name_en,
                "named_zone": named or "",
                "host_county_adcodes": rec.host_county_adcodes,
                "host_zones": host_zones,
                "compliance": status,
                "reason_zh": zh,
                "reason_en": en,
                "verification": rec.verification,
                "evidence": rec.evidence,
            }
        )
    return pd.DataFrame(rows)


def uncovered_counties() -> pd.DataFrame:
    """Counties that host no cluster (by county) and no high-tech zone.

    ``city_level_clusters`` counts records placed only at the county's city (not a specific
    county), so an official can tell "nothing here" from "only a city-wide record".
    """
    counties = load_counties()
    cl = load_clusters()
    hosted = {c for v in cl["host_county_adcodes"] for c in v.split(";") if c}
    htz_hosts = {c for v in load_htz()["host_county_adcodes"] for c in v.split(";") if c}
    city_only = cl[cl["host_level"] == "city"]
    city_counts = pd.Series(
        [c for v in city_only["host_city_adcodes"] for c in v.split(";") if c]
    ).value_counts()
    out = counties[~counties["adcode"].isin(hosted | htz_hosts)]
    return pd.DataFrame(
        {
            "adcode": out["adcode"],
            "name_zh": out["name_zh"],
            "name_en": out["name_en"],
            "city_adcode": out["city_adcode"],
            "city_name_zh": out["city_name_zh"],
            "city_level_clusters": out["city_adcode"].map(city_counts).fillna(0).astype(int),
        }
    ).reset_index(drop=True)


def target_progress() -> pd.DataFrame:
    """Numeric targets of the documents with the observed value the fact base holds, if any.

    The fact base has no output figures per cluster, so progress on "clusters over 100 bn
    yuan" is reported only where a document states an outcome (e.g. 5 at 100-bn scale in 2015).
    """
    t = pd.read_csv(data_path("targets"), dtype=str, keep_default_na=False)
    outcome_2015 = t[(t["target_id"] == "T05")]
    rows = []
    for rec in t[t["type"] == "count"].itertuples():
        observed, status, note = "", "no data", "no cluster output figures in the fact base"
        if rec.target_id == "T02" and not outcome_2015.empty:
            observed = outcome_2015["value"].iloc[0]
            status = "met" if float(observed) >= float(rec.value) else "not met"
            note = f"outcome stated in {outcome_2015['document'].iloc[0]} ({outcome_2015['verification'].iloc[0]})"
        if rec.target_id == "T05":
            continue
        rows.append(
            {
                "target_id": rec.target_id,
                "document": rec.document,
                "horizon": rec.horizon,
                "target": rec.target_or_fact,
                "value": rec.value,
                "unit": rec.unit,
                "observed": observed,
                "status": status,
                "note": note,
                "source": rec.source,
                "verification": rec.verification,
                "evidence": rec.evidence,
            }
        )
    return pd.DataFrame(rows)
