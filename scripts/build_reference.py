"""Rebuild the fact tables in data/ from the verified reference base (../shared/reference).

Run: ``python scripts/build_reference.py [REFERENCE_DIR]``

Every row keeps a ``source`` and a ``verification`` column. Rows or values that this project
adds (the 2015 resource-exhausted-city group, the 2020 frame) say so in ``verification``.
Outputs (all UTF-8 CSV):

* data/frames/zones.csv          one row per zone of each plan frame
* data/frames/membership.csv     frame, zone_code, adcode (many-to-many)
* data/htz.csv                   high-tech zones
* data/clusters.csv              cluster records of every programme
* data/crosswalk.csv             old county-level units -> current units
* data/targets.csv               targets of the policy documents
* data/anchors.csv               publicly known anchor firms at chain nodes
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

# --- 2015 document, item 二(一): "在资源枯竭型城市, 重点支持工程机械、数控加工装备制造、锂电等集群".
# The document does not enumerate the cities. Shandong units on the State Council's lists of
# resource-exhausted cities (资源枯竭型城市): 枣庄市 (2nd batch, 2009) and 新泰市, 淄博市淄川区
# (3rd batch, 2011). Not retrieved from a primary source in this project: flagged unverified.
RES_SOURCE = (
    "鲁政办发〔2015〕4号 item 二(一) names the group, not its members; members from the State "
    "Council lists of resource-exhausted cities (2nd batch 2009: 枣庄市; 3rd batch 2011: 新泰市, "
    "淄川区) as commonly reported — list not retrieved here"
)
RES_CITY = "370400"  # 枣庄市: all six units
RES_UNITS = ["370982", "370302"]  # 新泰市, 淄川区

# --- 2020 frame 一群两心三圈: three economic circles by city (project brief).
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
    "一群两心三圈 regional frame (山东省, 2020; 省会/胶东/鲁南 经济圈一体化 guidance): circle "
    "membership by city as given in the project brief; document numbers not retrieved"
)


def _zone_verification(text: str, zone: str) -> str:
    for part in str(text).split(";"):
        part = part.strip()
        if part.startswith(zone + ":"):
            return part[len(zone) + 1 :].strip()
    return "unverified"


def build_frames(ref: Path, counties: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    zones_ref = pd.read_csv(ref / "zones.csv", dtype=str)
    memb_ref = pd.read_csv(ref / "zone_membership_county.csv", dtype=str)
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
            }
        )
        for m in memb_ref[memb_ref[z.zone_code] == "1"].itertuples():
            memb_rows.append(
                {
                    "frame": "2013",
                    "zone_code": z.zone_code,
                    "adcode": m.adcode,
                    "county_name": m.county_name,
                    "verification": _zone_verification(m.verification, z.zone_code),
                    "source": z.sources,
                    "notes": m.notes if isinstance(m.notes, str) else "",
                }
            )
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
            "scope": "枣庄市; 新泰市; 淄博市淄川区",
            "units_at_approval": "8",
            "source": RES_SOURCE,
            "verification": "unverified (membership not enumerated by the document)",
        }
    )
    res_codes = counties.loc[counties["city_adcode"] == RES_CITY, "adcode"].tolist() + RES_UNITS
    for code in res_codes:
        memb_rows.append(
            {
                "frame": "2013",
                "zone_code": "RES",
                "adcode": code,
                "county_name": counties.set_index("adcode").loc[code, "name_zh"],
                "verification": "unverified",
                "source": RES_SOURCE,
                "notes": "",
            }
        )
    for code, (zh, en, cities) in CIRCLES_2020.items():
        zone_rows.append(
            {
                "frame": "2020",
                "zone_code": code,
                "name_zh": zh,
                "name_en": en,
                "kind": "zone",
                "level": "provincial",
                "approval_doc": "一群两心三圈 (2020)",
                "approval_date": "2020",
                "scope": "; ".join(
                    counties.loc[counties.city_adcode.isin(cities), "city_name_zh"].unique()
                ),
                "units_at_approval": "",
                "source": SOURCE_2020,
                "verification": "membership by city per project brief; document not retrieved",
            }
        )
        for c in counties[counties["city_adcode"].isin(cities)].itertuples():
            memb_rows.append(
                {
                    "frame": "2020",
                    "zone_code": code,
                    "adcode": c.adcode,
                    "county_name": c.name_zh,
                    "verification": "whole city (brief)",
                    "source": SOURCE_2020,
                    "notes": "",
                }
            )
    return pd.DataFrame(zone_rows), pd.DataFrame(memb_rows)


def build_htz(ref: Path) -> pd.DataFrame:
    htz = pd.read_csv(ref / "high_tech_zones.csv", dtype=str)
    htz["status"] = [
        "historical" if i.startswith("SD-PHTZ-H") else "current" for i in htz["htz_id"]
    ]
    htz["approval_date"] = htz["national_approval"].fillna(htz["provincial_approval"])
    htz = htz.rename(columns={"sources": "source"})
    return htz


def build_clusters(ref: Path) -> pd.DataFrame:
    cl = pd.read_csv(ref / "clusters.csv", dtype=str)
    cl["record_type"] = ["note" if str(n).startswith("[") else "cluster" for n in cl["name_zh"]]
    return cl.rename(columns={"sources": "source"})


def main(ref: Path) -> None:
    import geopandas as gpd

    counties = gpd.read_file(
        DATA / "boundaries" / "counties.geojson",
        columns=["adcode", "name_zh", "city_adcode", "city_name_zh"],
        ignore_geometry=True,
    )
    zones, memb = build_frames(ref, counties)
    (DATA / "frames").mkdir(parents=True, exist_ok=True)
    zones.to_csv(DATA / "frames" / "zones.csv", index=False)
    memb.to_csv(DATA / "frames" / "membership.csv", index=False)
    build_htz(ref).to_csv(DATA / "htz.csv", index=False)
    build_clusters(ref).to_csv(DATA / "clusters.csv", index=False)
    cw = pd.read_csv(ref / "county_crosswalk.csv", dtype=str).rename(columns={"evidence": "source"})
    cw.to_csv(DATA / "crosswalk.csv", index=False)
    pd.read_csv(ref / "policy_targets.csv", dtype=str).to_csv(DATA / "targets.csv", index=False)
    an = pd.read_csv(ref / "chain_anchors.csv", dtype=str)
    an.to_csv(DATA / "anchors.csv", index=False)
    print(
        zones.groupby("frame").size().to_dict(),
        memb.groupby(["frame", "zone_code"]).size().to_dict(),
    )


if __name__ == "__main__":
    default = ROOT.parent / "shared" / "reference"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
