"""Rebuild the fact tables in data/ from the reference fact base (``../shared/reference``).

Run: ``python scripts/build_reference.py [REFERENCE_DIR]`` (default: the reference beside the
repository, see ``scripts/_reference.py``). The output is deterministic.

Every row keeps a ``source``, a ``verification`` and an ``evidence`` column (``official``,
``press``, ``secondary`` or ``none``: the reference README's levels; the crosswalk's
``evidence_level`` becomes ``evidence`` and its citation column ``evidence`` becomes ``source``).
Rows that this project adds itself (the 2015 resource-exhausted-city group RES, the 2020 economic
circles) take their sources from the reference README and say in ``verification`` what rests on
what. Also written: ``data/source_hosts.csv`` (the host table, classes A-D), so the project and
its tests need nothing outside the repository. Outputs (UTF-8 CSV):

* data/frames/zones.csv          one row per zone of each plan frame
* data/frames/membership.csv     frame, zone_code, adcode (many-to-many), per-zone evidence
* data/htz.csv                   high-tech zones
* data/clusters.csv              cluster records of every programme (English names for all)
* data/crosswalk.csv             old county-level units -> current units
* data/targets.csv               targets of the policy documents
* data/anchors.csv               publicly known anchor firms at chain nodes
* data/source_hosts.csv          host, class (A/B/C/D), what

Working notes of the reference (pointers to its seed files, "from the brief") are reworded for
users (``scripts/_reference.py``); the build fails if one is left, if a class-D or unknown host appears, or
if a row says ``verified`` without official or press evidence (:mod:`geo.sources`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from _reference import find_reference, reword  # noqa: E402

# The 2015 document's own text (鲁政办发〔2015〕4号), as the reference cites it: a gazette record on a
# journal-database mirror (class C); the full text is known only from a third-party copy.
DOC_2015 = (
    "鲁政办发〔2015〕4号 item 二(一) = 山东省人民政府办公厅转发省科技厅《关于加快推动创新型产业集群发展的意见》"
    "(2015-01-23; 山东省人民政府公报2015年第4期 pp.55-59): "
    "http://218.28.6.71:81/Qikan/Article/Detail?id=83689066504849534852484855"
)

# --- 2015 document, item 二(一): "在资源枯竭型城市, 重点支持工程机械、数控加工装备制造、锂电等集群".
# The document names the group, not its cities (reference README, "The 2015 resource-exhausted-city
# group"): 枣庄 is a national resource-exhausted city (second batch, press); 新泰市 and 淄川区 are
# unconfirmed. The project places the group on these units; every row says how sure that is.
RES_SOURCE = (
    f"{DOC_2015} ; 经济参考报/新华社 2009-03-06, second batch of national resource-exhausted "
    "cities (枣庄): http://jjckb.xinhuanet.com/whsh/2009-03/06/content_147266.htm"
)
RES_CITY = "370400"  # 枣庄市: all six units
RES_UNITS = ["370982", "370302"]  # 新泰市, 淄川区
RES_ZONE_VERIFICATION = (
    "partial — the group is named in the document text, known only from a third-party copy "
    "(secondary); the document names no cities: 枣庄市 is on the State Council's second list of "
    "resource-exhausted cities (press, 经济参考报/新华社 2009-03-06), 新泰市 and 淄川区 are unconfirmed "
    "(one paper gives the batches as 2008, 2009, 2012)"
)
RES_MEMBER_VERIFICATION = {
    "city": (
        "inferred (the 2015 document names no cities; 枣庄市 is on the State Council's second list "
        "of resource-exhausted cities, 经济参考报/新华社 2009-03-06)"
    ),
    "unit": (
        "unverified (the 2015 document names no cities; a third batch naming this unit is "
        "unconfirmed — one paper gives the batches as 2008, 2009, 2012)"
    ),
}

# --- 2020 frame 一群两心三圈: three economic circles by whole city (reference README, "The 2020
# frame"): the city lists are stated in a 潍坊日报 repost of the Xinhua report (class C host).
CIRCLES_2020 = {
    "SHENGHUI": (
        "省会经济圈",
        "Provincial-Capital Economic Circle",
        ["370100", "370300", "370900", "371500", "371400", "371600", "370500"],
    ),
    "JIAODONG": (
        "胶东经济圈",
        "Jiaodong Economic Circle",
        ["370200", "370600", "371000", "370700", "371100"],
    ),
    "LUNAN": (
        "鲁南经济圈",
        "Southern Shandong Economic Circle",
        ["371300", "370400", "370800", "371700"],
    ),
}
SOURCE_2020 = (
    "https://m.yybnet.net/shandong/news/202006/10554567.html (潍坊日报 repost 2020-06: the 新华社 "
    "report on the provincial economic-circle guidance of 2020-06-08, with the city lists of 省会, "
    "胶东 and 鲁南)"
)
VERIFICATION_2020 = (
    "partial (secondary: the city lists are stated in a 潍坊日报 repost of the Xinhua report; "
    "document numbers not retrieved)"
)
MEMBER_VERIFICATION_2020 = (
    "partial (secondary: whole city; city list in a 潍坊日报 repost of the Xinhua report)"
)

# --- English names of the provincial-list clusters, which the reference gives in Chinese only.
# Careful literal translations by the project (names of real programme clusters; not official
# English names): marked ``name_en_note = translation`` and in data/README.md.
NAME_EN: dict[str, tuple[str, str]] = {
    "SP1-01": ("济南市生物医药产业集群", "Jinan biomedicine industrial cluster"),
    "SP1-02": ("淄博市生物医药产业集群", "Zibo biomedicine industrial cluster"),
    "SP1-03": ("威海市生物医药产业集群", "Weihai biomedicine industrial cluster"),
    "SP1-04": ("烟台市海洋工程装备产业集群", "Yantai offshore engineering equipment industrial cluster"),
    "SP1-05": ("烟台市核电装备产业集群", "Yantai nuclear power equipment industrial cluster"),
    "SP1-06": ("潍坊市智能制造装备产业集群", "Weifang intelligent manufacturing equipment industrial cluster"),
    "SP1-07": ("济南市智能制造装备产业集群", "Jinan intelligent manufacturing equipment industrial cluster"),
    "SP1-08": ("济宁市智能制造装备产业集群", "Jining intelligent manufacturing equipment industrial cluster"),
    "SP1-09": (
        "聊城市智能装备关键基础零部件产业集群",
        "Liaocheng key basic components for intelligent equipment industrial cluster",
    ),
    "SP1-10": ("日照市信息技术服务产业集群", "Rizhao information technology services industrial cluster"),
    "SP1-11": ("威海市高性能复合材料集群", "Weihai high-performance composite materials cluster"),
    "SP1-12": (
        "日照市高品质特种钢铁材料产业集群",
        "Rizhao high-quality special steel materials industrial cluster",
    ),
    "SA23-01": (
        "青烟威船舶与海洋工程装备集群",
        "Qingdao–Yantai–Weihai shipbuilding and offshore engineering equipment cluster",
    ),
    "SA23-02": ("烟台市化工新材料集群", "Yantai new chemical materials cluster"),
    "SA23-03": ("济南市生物医药集群", "Jinan biomedicine cluster"),
    "SA23-04": ("泰安市新能源电力装备材料集群", "Tai'an new-energy power equipment and materials cluster"),
    "SA23-05": ("济宁市智能机械装备集群", "Jining intelligent machinery and equipment cluster"),
    "SA23-06": ("潍坊市元宇宙集群", "Weifang metaverse cluster"),
    "SA23-07": ("滨州市轻量化铝新材料集群", "Binzhou lightweight aluminium new materials cluster"),
    "SA23-08": ("青岛市仪器仪表集群", "Qingdao instruments and meters cluster"),
    "SA23-09": ("威海市医疗器械集群", "Weihai medical devices cluster"),
    "SA23-10": ("枣庄市锂电集群", "Zaozhuang lithium battery cluster"),
    "SA24-01": ("临沂市高端工程装备集群", "Linyi high-end engineering equipment cluster"),
    "SA24-02": (
        "聊城市绿色低碳有色金属材料集群",
        "Liaocheng green low-carbon non-ferrous metal materials cluster",
    ),
    "SA24-03": ("东营临港高端化工产业集群", "Dongying port-side high-end chemical industrial cluster"),
    "SA24-04": ("潍坊智能农机产业集群", "Weifang intelligent agricultural machinery industrial cluster"),
    "SA24-05": (
        "济青枣潍工业母机产业集群",
        "Jinan–Qingdao–Zaozhuang–Weifang machine tool industrial cluster",
    ),
    "SA24-06": ("济南市先进计算产业集群", "Jinan advanced computing industrial cluster"),
    "SA24-07": ("日照市先进钢铁制造产业集群", "Rizhao advanced steel manufacturing industrial cluster"),
    "SA24-08": ("济宁绿色化工新材料产业集群", "Jining green chemical new materials industrial cluster"),
    "SA24-09": ("滨州市智能纺织产业集群", "Binzhou intelligent textiles industrial cluster"),
    "SA24-10": (
        "威海市碳纤维及复合材料产业集群",
        "Weihai carbon fibre and composite materials industrial cluster",
    ),
}  # fmt: skip

# A plan title at the start of a membership-source segment names the zone the segment is about.
_PLAN_TITLES = {
    "山东半岛蓝色经济区": "BLUE",
    "黄河三角洲": "YRD",
    "省会城市群": "CAP",
    "西部经济隆起带": "WEST",
}
_ZONE_PART = re.compile(r"^(BLUE|YRD|CAP|WEST):(\w+)(?: \((\w+)[:)])?")
_LEVELS = ("official", "press", "secondary", "none")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _reword_frame(df: pd.DataFrame) -> pd.DataFrame:
    return df.apply(lambda col: col.map(lambda v: reword(v) if isinstance(v, str) else v))


def _zone_parts(text: str) -> dict[str, tuple[str, str]]:
    """``"BLUE:verified (press: …); YRD:…"`` -> {zone: (status text, evidence level)}."""
    out = {}
    for part in re.split(r";\s*(?=(?:BLUE|YRD|CAP|WEST):)", text.strip()):
        hit = _ZONE_PART.match(part.strip())
        if hit:
            level = hit.group(3) if hit.group(3) in _LEVELS else "none"
            out[hit.group(1)] = (part.strip()[len(hit.group(1)) + 1 :].strip(), level)
    return out


def _zone_sources(text: str) -> dict[str, str]:
    """Split a membership ``sources`` cell (segments joined by `` | ``) into one text per zone.

    A segment that starts with a plan title belongs to that zone; one that does not (an addition
    such as "plan-related text names …") belongs to the zone of the segment before it.
    """
    out: dict[str, list[str]] = {}
    zone = None
    for seg in (s.strip() for s in text.split(" | ")):
        for title, code in _PLAN_TITLES.items():
            if seg.startswith(title):
                zone = code
                break
        if zone is None:
            raise SystemExit(f"membership source segment with no zone: {seg[:80]!r}")
        out.setdefault(zone, []).append(seg)
    return {z: " | ".join(parts) for z, parts in out.items()}


def build_frames(ref: Path, counties: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Zone rows and the many-to-many membership of both frames, each with its evidence."""
    zones_ref = _read(ref / "zones.csv")
    memb_ref = _read(ref / "zone_membership_county.csv")
    zone_rows, memb_rows = [], []
    for z in zones_ref.itertuples():
        zone_rows.append(
            {
                "frame": "2013",
                "zone_code": z.zone_code,
                "name_zh": z.name_zh,
                "name_en": z.name_en,
                "kind": "zone",
                "level": z.level,
                "approval_doc": z.approval_doc,
                "approval_date": z.approval_date,
                "scope": z.scope,
                "units_at_approval": z.units_at_approval,
                "source": z.sources,
                "verification": z.verification,
                "evidence": z.evidence,
            }
        )
        for m in memb_ref[memb_ref[z.zone_code] == "1"].itertuples():
            parts = _zone_parts(m.verification)
            srcs = _zone_sources(m.sources)
            if z.zone_code not in parts or z.zone_code not in srcs:
                raise SystemExit(f"{m.adcode}: no verification or source for {z.zone_code}")
            status, level = parts[z.zone_code]
            memb_rows.append(
                {
                    "frame": "2013",
                    "zone_code": z.zone_code,
                    "adcode": m.adcode,
                    "county_name": m.county_name,
                    "verification": status,
                    "evidence": level,
                    "source": srcs[z.zone_code],
                    "notes": m.notes,
                }
            )
    by_code = counties.set_index("adcode")
    zaozhuang = counties.loc[counties["city_adcode"] == RES_CITY, "adcode"].tolist()
    zone_rows.append(
        {
            "frame": "2013",
            "zone_code": "RES",
            "name_zh": "资源枯竭型城市",
            "name_en": "Resource-exhausted cities (2015 document's group)",
            "kind": "city_group",
            "level": "group named in 鲁政办发〔2015〕4号",
            "approval_doc": "鲁政办发〔2015〕4号",
            "approval_date": "2015-01-23",
            "scope": "枣庄市 (inferred); 新泰市, 淄博市淄川区 (unconfirmed)",
            "units_at_approval": "",
            "source": RES_SOURCE,
            "verification": RES_ZONE_VERIFICATION,
            "evidence": "secondary",
        }
    )
    for code in zaozhuang + RES_UNITS:
        memb_rows.append(
            {
                "frame": "2013",
                "zone_code": "RES",
                "adcode": code,
                "county_name": by_code.loc[code, "name_zh"],
                "verification": RES_MEMBER_VERIFICATION["city" if code in zaozhuang else "unit"],
                "evidence": "none",
                "source": RES_SOURCE,
                "notes": "",
            }
        )
    for code, (zh, en, cities) in CIRCLES_2020.items():
        members = counties[counties["city_adcode"].isin(cities)]
        zone_rows.append(
            {
                "frame": "2020",
                "zone_code": code,
                "name_zh": zh,
                "name_en": en,
                "kind": "zone",
                "level": "provincial",
                "approval_doc": "一群两心三圈 provincial guidance (2020; document numbers not retrieved)",
                "approval_date": "2020-06-08",
                "scope": "; ".join(members["city_name_zh"].unique()),
                "units_at_approval": "",
                "source": SOURCE_2020,
                "verification": VERIFICATION_2020,
                "evidence": "secondary",
            }
        )
        for c in members.itertuples():
            memb_rows.append(
                {
                    "frame": "2020",
                    "zone_code": code,
                    "adcode": c.adcode,
                    "county_name": c.name_zh,
                    "verification": MEMBER_VERIFICATION_2020,
                    "evidence": "secondary",
                    "source": SOURCE_2020,
                    "notes": "",
                }
            )
    return _reword_frame(pd.DataFrame(zone_rows)), _reword_frame(pd.DataFrame(memb_rows))


def build_htz(ref: Path) -> pd.DataFrame:
    """High-tech zones: the reference rows plus ``status`` and ``approval_date``."""
    htz = _read(ref / "high_tech_zones.csv")
    htz["status"] = [
        "historical" if i.startswith("SD-PHTZ-H") else "current" for i in htz["htz_id"]
    ]
    htz["approval_date"] = htz["national_approval"].where(
        htz["national_approval"] != "", htz["provincial_approval"]
    )
    return _reword_frame(htz.rename(columns={"sources": "source"}))


def build_clusters(ref: Path) -> pd.DataFrame:
    """Cluster records with ``record_type`` and an English name on every cluster row."""
    cl = _read(ref / "clusters.csv").rename(columns={"sources": "source"})
    cl["record_type"] = ["note" if str(n).startswith("[") else "cluster" for n in cl["name_zh"]]
    notes = []
    for i, rec in cl.iterrows():
        note = ""
        if rec["cluster_id"] in NAME_EN:
            zh, en = NAME_EN[rec["cluster_id"]]
            if rec["name_zh"] != zh:
                raise SystemExit(
                    f"{rec['cluster_id']}: reference name {rec['name_zh']!r} is not {zh!r}; "
                    f"update NAME_EN in {__file__}"
                )
            if rec["name_en"].strip():
                raise SystemExit(f"{rec['cluster_id']}: the reference now has an English name")
            cl.loc[i, "name_en"] = en
            note = "translation"
        elif rec["record_type"] == "cluster" and not rec["name_en"].strip():
            raise SystemExit(f"{rec['cluster_id']}: no English name; add it to NAME_EN")
        notes.append(note)
    cl.insert(cl.columns.get_loc("name_en") + 1, "name_en_note", notes)
    return _reword_frame(cl)


def build_crosswalk(ref: Path) -> pd.DataFrame:
    """Crosswalk with the project's column names: citations ``source``, level ``evidence``."""
    cw = _read(ref / "county_crosswalk.csv")
    cw = cw.rename(columns={"evidence": "source"}).rename(columns={"evidence_level": "evidence"})
    return _reword_frame(cw)


def build_all(ref: Path) -> dict[str, pd.DataFrame]:
    """Every output table by its path under ``data/``."""
    import geopandas as gpd

    counties = gpd.read_file(
        DATA / "boundaries" / "counties.geojson",
        columns=["adcode", "name_zh", "city_adcode", "city_name_zh"],
        ignore_geometry=True,
    )
    zones, memb = build_frames(ref, counties)
    tables = {
        "frames/zones.csv": zones,
        "frames/membership.csv": memb,
        "htz.csv": build_htz(ref),
        "clusters.csv": build_clusters(ref),
        "crosswalk.csv": build_crosswalk(ref),
        "targets.csv": _reword_frame(_read(ref / "policy_targets.csv")),
        "anchors.csv": _reword_frame(_read(ref / "chain_anchors.csv")),
    }
    tables = {k: _evidence_after_verification(v) for k, v in tables.items()}
    return {**tables, "source_hosts.csv": _read(ref / "source_hosts.csv")}


def _evidence_after_verification(df: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in df.columns if c != "evidence"]
    cols.insert(cols.index("verification") + 1, "evidence")
    return df[cols]


def _check(tables: dict[str, pd.DataFrame]) -> None:
    """Refuse to write a table with a blocked or unknown host, a note or an unearned 'verified'."""
    from geo.sources import HostTable, table_problems

    hosts = HostTable.from_frame(tables["source_hosts.csv"])
    problems = [
        p
        for name, df in tables.items()
        if name != "source_hosts.csv"
        for p in table_problems(df, name, hosts=hosts)
    ]
    if problems:
        raise SystemExit("refusing to write data/:\n  " + "\n  ".join(problems))


def main(ref: Path) -> None:
    tables = build_all(ref)
    _check(tables)
    for name, df in tables.items():
        path = DATA / name
        path.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False, lineterminator="\n")
    zones, memb = tables["frames/zones.csv"], tables["frames/membership.csv"]
    print(
        zones.groupby("frame").size().to_dict(),
        memb.groupby(["frame", "zone_code"]).size().to_dict(),
    )


if __name__ == "__main__":
    ref = Path(sys.argv[1]) if len(sys.argv) > 1 else find_reference()
    if ref is None:
        raise SystemExit("reference fact base not found: pass REFERENCE_DIR")
    main(ref)
