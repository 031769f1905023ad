"""Rebuild the chain templates in data/chains/ from the reference fact base.

Run: ``python scripts/build_chains.py [REFERENCE_DIR]`` (default: the reference beside the
repository, see ``scripts/_reference.py``). The output is deterministic: same reference in,
byte-identical CSVs out.

Outputs (UTF-8 CSV, ``\\n`` line ends):

* ``data/chains/nodes.csv``       chain, node, stage, name_zh, name_en, gbt4754, weight,
  gbt4754_note, source, verification, evidence, synonyms
* ``data/chains/edges.csv``       chain, source, target, relation, feedback, source_ref,
  verification, evidence
* ``data/chains/industries.csv``  chain, name_zh, name_en, zone_2015, cluster_id, source,
  verification, evidence, synonyms

Node and edge shapes come from general industry knowledge, not from a document: their evidence is
``none``. An industry row takes the evidence of its 2015 focus cluster (clusters.csv).

Industry codes and node ids are copied unchanged from ``chain_nodes.csv`` / ``chain_edges.csv``
(they are public contracts). What the project adds is said so in the rows:

* ``gbt4754``: GB/T 4754-2017 class codes assigned by the project from the class titles, not
  from a source; ``gbt4754_note`` says so on every row.
* ``feedback``: the reference's closing edge of the lithium-battery loop (recycle -> li,
  "recovered materials") would make the LIB chain cyclic. It is kept, marked ``feedback=true``;
  :mod:`layout.chains` keeps such edges out of the DAG and lists them in
  ``G.graph["feedback_edges"]``.
* ``synonyms``: other names firm lists use for a node or a chain, ``;``-separated, matched by
  the importer like names (case- and width-insensitively). They are the parts of the names
  themselves (``荧光粉/封装材料`` -> ``荧光粉``, ``封装材料``; bracketed asides dropped from the
  Chinese and English names; English names are not split) plus the
  common terms in :data:`NODE_SYNONYMS` and :data:`CHAIN_SYNONYMS` (project-assigned from
  general industry usage, not from a source). A part that would name two nodes of one chain is
  left out. Users add their own in the CSVs.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "chains"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _reference import find_reference, reword  # noqa: E402

NODE_SOURCE = (
    "reference fact base chain_nodes.csv: a typical chain shape from general industry "
    "knowledge, not taken from a document (editable template)"
)
EDGE_SOURCE = (
    "reference fact base chain_edges.csv: a typical supplier -> buyer link from general "
    "industry knowledge, not taken from a document (editable template)"
)
TEMPLATE_VERIFICATION = "unverified (template from general industry knowledge)"
TEMPLATE_EVIDENCE = "none"
GBT_NOTE = "assigned by project from GB/T 4754-2017 class titles; unverified"

# 2015 focus clusters (鲁政办发〔2015〕4号 item 二(一)) -> chain code, matched by industry.
CLUSTER_TO_CHAIN = {
    "F01": "LED", "F02": "PU", "F03": "MARBIO", "F04": "PETEQ", "F05": "CU", "F06": "ECOAG",
    "F07": "CLOUD", "F08": "TD", "F09": "POLY", "F10": "CERAM", "F11": "MINE", "F12": "STEEL",
    "F13": "BIOMED", "F14": "NEV", "F15": "COMP", "F16": "CONMACH", "F17": "CNC", "F18": "LIB",
}  # fmt: skip

# Edges that close a loop (material recovery); kept as feedback, outside the DAG.
FEEDBACK_EDGES = {("LIB", "recycle", "li")}

# GB/T 4754-2017 class codes per (chain, node), assigned from the class titles (unverified).
GBT4754: dict[tuple[str, str], str] = {
    ("LED", "substrate"): "C3985", ("LED", "mo_gas"): "C3985;C2614;C2619",
    ("LED", "mocvd"): "C3562", ("LED", "epi"): "C3975", ("LED", "chip"): "C3975",
    ("LED", "phosphor"): "C3985", ("LED", "package"): "C3975", ("LED", "driver"): "C3973;C3824",
    ("LED", "lighting"): "C3871;C3872;C3874", ("LED", "display"): "C3974",
    ("LED", "special"): "C3976;C3879",
    ("PU", "benzene"): "C2614", ("PU", "syngas"): "C2522;C2612;C2614",
    ("PU", "propylene"): "C2614", ("PU", "mdi"): "C2614", ("PU", "tdi"): "C2614",
    ("PU", "adi"): "C2614", ("PU", "polyol"): "C2614", ("PU", "rigid"): "C2924",
    ("PU", "flex"): "C2924", ("PU", "case"): "C2641;C2669;C2652",
    ("PU", "tpu"): "C2651;C2826;C2925",
    ("MARBIO", "resource"): "A0411;A0421", ("MARBIO", "bank"): "M7310",
    ("MARBIO", "extract"): "C1364;C1369;C2669", ("MARBIO", "rnd"): "M7340",
    ("MARBIO", "drug"): "C2710;C2720;C2761", ("MARBIO", "medmat"): "C2770",
    ("MARBIO", "food"): "C1491;C1492", ("MARBIO", "agri"): "C1329;C2625",
    ("MARBIO", "cosm"): "C2682",
    ("PETEQ", "steel"): "C3120;C3130;C3391;C3393", ("PETEQ", "comp"): "C3444;C3412;C3823",
    ("PETEQ", "drill"): "C3512", ("PETEQ", "prod"): "C3512", ("PETEQ", "stim"): "C3512",
    ("PETEQ", "offshore"): "C3513;C3737", ("PETEQ", "chem"): "C2661;C2662",
    ("PETEQ", "service"): "B1120", ("PETEQ", "operator"): "B0711;B0712",
    ("CU", "conc"): "B0911;C4210", ("CU", "smelt"): "C3211", ("CU", "refine"): "C3211",
    ("CU", "byprod"): "C2611;C3221;C3222", ("CU", "rod"): "C3251;C3831",
    ("CU", "strip"): "C3251", ("CU", "foil"): "C3251;C3985",
    ("CU", "use"): "C3831;C3812;C3841",
    ("ECOAG", "seed"): "A0511", ("ECOAG", "soil"): "A0513;A0519",
    ("ECOAG", "input"): "C2625;C2632;C3571;C3572", ("ECOAG", "crop"): "A0112;A0113;A0131;A0141",
    ("ECOAG", "fish"): "A0411;A0412;A0311;A0313", ("ECOAG", "proc"): "C1312;C1351;C1371",
    ("ECOAG", "logistics"): "G5930;G5432;F5123", ("ECOAG", "brand"): "C1499;R9030",
    ("CLOUD", "chip"): "C3973", ("CLOUD", "server"): "C3911;C3921", ("CLOUD", "dc"): "I6450",
    ("CLOUD", "basesw"): "I6511;I6512", ("CLOUD", "iaas"): "I6450;I6550",
    ("CLOUD", "paas"): "I6512;I6550", ("CLOUD", "saas"): "I6513",
    ("CLOUD", "sec"): "I6519;C3915", ("CLOUD", "gov"): "I6531;I6540", ("CLOUD", "ind"): "I6431",
    ("TD", "mat"): "C3130;C3251;C3252;C3834;C2619", ("TD", "semi"): "C3972;C3983",
    ("TD", "xfmr"): "C3821", ("TD", "switch"): "C3823", ("TD", "cable"): "C3831",
    ("TD", "auto"): "C3823;C4011;C4012", ("TD", "pe"): "C3824;C3821",
    ("TD", "grid"): "D4420;E4851", ("TD", "ren"): "D4415;D4416;F5267",
    ("POLY", "feed"): "C2511;C2614", ("POLY", "fluor"): "C2611;C2614",
    ("POLY", "si"): "C3218;C2614", ("POLY", "commod"): "C2651;C2652",
    ("POLY", "fluoropoly"): "C2651;C2659", ("POLY", "silicone"): "C2659",
    ("POLY", "eng"): "C2651;C2659", ("POLY", "mod"): "C2921;C2929",
    ("POLY", "apps"): "C3670;C2929",
    ("CERAM", "powder"): "C3099;C2613", ("CERAM", "mineral"): "B1019;B1099",
    ("CERAM", "form"): "C3073", ("CERAM", "sinter"): "C3073", ("CERAM", "struct"): "C3073",
    ("CERAM", "func"): "C3073;C3985", ("CERAM", "fiber"): "C3089",
    ("CERAM", "apps"): "C3670;C3562;C3744",
    ("MINE", "steel"): "C3130;C3391;C3393", ("MINE", "hyd"): "C3444;C3453;C4011;C3983",
    ("MINE", "face"): "C3511", ("MINE", "tunnel"): "C3511;C3434", ("MINE", "safety"): "C4011;C3511",
    ("MINE", "mines"): "B0610;B0810", ("MINE", "reman"): "C4330",
    ("STEEL", "ore"): "B0810;B0610;C4210;C3140", ("STEEL", "iron"): "C3110",
    ("STEEL", "steel"): "C3120", ("STEEL", "roll"): "C3130", ("STEEL", "pm"): "C3393",
    ("STEEL", "deep"): "C3130;C3311", ("STEEL", "apps"): "E4710;C3670;C3731",
    ("BIOMED", "ferm"): "C1391", ("BIOMED", "inter"): "C2710;C2614",
    ("BIOMED", "equip"): "C3544;C2661", ("BIOMED", "api"): "C2710",
    ("BIOMED", "bio"): "C2761;C2762", ("BIOMED", "sugar"): "C1495;C1391",
    ("BIOMED", "form"): "C2720;C2740", ("BIOMED", "market"): "F5151;F5251;Q8411",
    ("NEV", "cell"): "C3841", ("NEV", "motor"): "C3812;C3670", ("NEV", "fc"): "C3849",
    ("NEV", "light"): "C3670;C3252", ("NEV", "bus"): "C3612", ("NEV", "lcv"): "C3612",
    ("NEV", "car"): "C3612", ("NEV", "charge"): "F5267;F5266", ("NEV", "fleet"): "G5411;G5437",
    ("COMP", "gf"): "C3061", ("COMP", "cf"): "C2829;C3091", ("COMP", "resin"): "C2651",
    ("COMP", "inter"): "C3062;C3061", ("COMP", "process"): "C3062", ("COMP", "frp"): "C3062",
    ("COMP", "blade"): "C3415;C3062", ("COMP", "geo"): "C1781;C2921",
    ("COMP", "aero"): "C3670;C3715;C3744",
    ("CONMACH", "steel"): "C3130;C3391;C3393", ("CONMACH", "engine"): "C3412",
    ("CONMACH", "hyd"): "C3444", ("CONMACH", "drive"): "C3453;C3459;C3514",
    ("CONMACH", "dozer"): "C3514", ("CONMACH", "exc"): "C3514", ("CONMACH", "road"): "C3514",
    ("CONMACH", "loader"): "C3514", ("CONMACH", "dealer"): "F5179;L7113",
    ("CONMACH", "infra"): "E4812;E4813;B0610", ("CONMACH", "after"): "C4330",
    ("CNC", "cast"): "C3391", ("CNC", "func"): "C3425;C3451", ("CNC", "ctrl"): "C4011;C3812",
    ("CNC", "lathe"): "C3421", ("CNC", "mc"): "C3421", ("CNC", "saw"): "C3421;C3429",
    ("CNC", "test"): "M7452;M7455", ("CNC", "users"): "C3670;C3744;C3525",
    ("LIB", "li"): "B0939;C2613;C2612", ("LIB", "cath"): "C3985", ("LIB", "anode"): "C3985;C3091",
    ("LIB", "sep"): "C3985;C2921", ("LIB", "elec"): "C3985;C2669", ("LIB", "foil"): "C3251;C3252",
    ("LIB", "cell"): "C3841", ("LIB", "pack"): "C3841", ("LIB", "ev"): "C3612;C3770",
    ("LIB", "ess"): "C3841", ("LIB", "ce"): "C3922;C3911", ("LIB", "recycle"): "C4210",
    ("LIB", "qc"): "M7452;M7455",
}  # fmt: skip


# Other names firm lists use (project-assigned from general industry usage; editable).
CHAIN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "LED": ("半导体照明", "LED照明", "LED产业", "发光二极管", "semiconductor lighting", "LED lighting"),
    "PU": ("聚氨酯", "聚氨酯产业", "polyurethane", "PU"),
    "MARBIO": ("海洋生物医药", "海洋生物", "海洋医药", "marine biomedicine"),
    "PETEQ": ("石油装备", "石油机械", "石油装备制造", "petroleum equipment"),
    "CU": ("铜冶炼", "铜加工", "铜材", "铜产业", "copper"),
    "ECOAG": ("生态农业", "现代农业", "ecological agriculture"),
    "CLOUD": ("云计算产业", "云服务", "cloud", "cloud computing"),
    "TD": ("输配电", "智能电网", "输变电", "smart grid", "power transmission"),
    "POLY": ("高分子", "高分子新材料", "polymers"),
    "CERAM": ("陶瓷", "先进陶瓷材料", "ceramics"),
    "MINE": ("矿山装备", "煤矿机械", "mining equipment"),
    "STEEL": ("钢铁", "钢铁产业", "steel"),
    "BIOMED": ("生物医药", "医药", "biomedicine", "pharmaceuticals"),
    "NEV": ("新能源汽车", "电动汽车", "new energy vehicles", "NEV"),
    "COMP": ("复合材料产业", "composites"),
    "CONMACH": ("工程机械产业", "construction machinery"),
    "CNC": ("数控机床", "机床", "数控装备", "CNC machine tools"),
    "LIB": ("锂电池", "锂离子电池", "锂电产业", "lithium battery", "Li-ion battery"),
}  # fmt: skip

NODE_SYNONYMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("LED", "substrate"): ("蓝宝石衬底", "碳化硅衬底", "衬底材料"),
    ("LED", "mo_gas"): ("MO源", "特种气体", "电子特气"),
    ("LED", "mocvd"): ("MOCVD", "外延设备", "MOCVD设备"),
    ("LED", "epi"): ("外延", "外延生长", "LED外延片", "epitaxy", "epi wafer"),
    ("LED", "chip"): ("LED芯片", "芯片制造", "chip"),
    ("LED", "phosphor"): ("荧光材料",),
    ("LED", "package"): ("封装", "LED封装", "封装测试", "packaging"),
    ("LED", "driver"): ("驱动", "驱动芯片", "LED驱动", "LED驱动电源", "driver"),
    ("LED", "lighting"): ("照明", "LED照明应用", "照明灯具", "lighting"),
    ("LED", "display"): ("显示屏", "LED显示屏", "背光源", "display"),
    ("LED", "special"): ("特种照明", "汽车照明", "紫外LED"),
    ("NEV", "cell"): ("动力电池", "电池"),
    ("NEV", "motor"): ("驱动电机", "电驱动"),
    ("LIB", "cath"): ("正极", "正极材料"),
    ("LIB", "anode"): ("负极",),
    ("LIB", "cell"): ("锂电池电芯",),
}  # fmt: skip


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _name_parts(name: str, separators: str) -> list[str]:
    """The name without bracketed asides, and its parts split at ``separators``."""
    if "→" in name:
        return []
    bare = re.sub(r"\s*[(（][^)）]*[)）]", "", name).strip()
    parts = [bare] if bare != name.strip() else []
    pieces = [p.strip() for p in re.split(separators, bare) if p.strip()]
    return parts + (pieces if len(pieces) > 1 else [])


def node_synonyms(nodes: pd.DataFrame) -> list[str]:
    """The ``synonyms`` cell of every node row (see the module docstring)."""
    cand: list[list[str]] = []
    for r in nodes.itertuples():
        items = [*_name_parts(r.name_zh, r"[/、]"), *_name_parts(r.name_en, r"$^")]
        cand.append(items + list(NODE_SYNONYMS.get((r.chain, r.node), ())))
    owners: dict[tuple[str, str], set[str]] = {}
    for r, items in zip(nodes.itertuples(), cand, strict=True):
        for text in (r.node, r.name_zh, r.name_en, *items):
            owners.setdefault((r.chain, _key(text)), set()).add(r.node)
    out = []
    for r, items in zip(nodes.itertuples(), cand, strict=True):
        own = {_key(r.node), _key(r.name_zh), _key(r.name_en)}
        kept: list[str] = []
        for text in items:
            k = _key(text)
            if k in own or owners[(r.chain, k)] != {r.node} or k in {_key(x) for x in kept}:
                continue
            kept.append(text)
        out.append(";".join(kept))
    return out


def chain_synonyms(chains: list[str]) -> list[str]:
    """The ``synonyms`` cell of every industries row."""
    return [";".join(CHAIN_SYNONYMS.get(code, ())) for code in chains]


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def build_nodes(reference: Path) -> pd.DataFrame:
    """Return nodes.csv rows: the reference nodes plus GB/T 4754 codes, weight and provenance."""
    ref = _read(reference / "chain_nodes.csv")
    keys = list(zip(ref["industry_code"], ref["node_id"], strict=True))
    missing = [k for k in keys if k not in GBT4754]
    stale = sorted(set(GBT4754) - set(keys))
    if missing or stale:
        raise SystemExit(
            f"GBT4754 table out of step with the reference: missing {missing}, "
            f"not in reference {stale}; edit GBT4754 in {__file__}"
        )
    out = pd.DataFrame({
        "chain": ref["industry_code"],
        "node": ref["node_id"],
        "stage": ref["stage"],
        "name_zh": ref["name_zh"],
        "name_en": ref["name_en"],
        "gbt4754": [GBT4754[k] for k in keys],
        "weight": "1.0",
        "gbt4754_note": GBT_NOTE,
        "source": NODE_SOURCE,
        "verification": TEMPLATE_VERIFICATION,
        "evidence": TEMPLATE_EVIDENCE,
    })  # fmt: skip
    out["synonyms"] = node_synonyms(out)
    return out


def build_edges(reference: Path) -> pd.DataFrame:
    """Return edges.csv rows: reference edges, the loop-closing ones marked ``feedback``."""
    ref = _read(reference / "chain_edges.csv")
    keys = zip(ref["industry_code"], ref["source"], ref["target"], strict=True)
    feedback = ["true" if k in FEEDBACK_EDGES else "false" for k in keys]
    verification = [
        TEMPLATE_VERIFICATION
        + ("; marked feedback by project: closes a material-recovery loop" if f == "true" else "")
        for f in feedback
    ]
    return pd.DataFrame({
        "chain": ref["industry_code"],
        "source": ref["source"],
        "target": ref["target"],
        "relation": ref["relation"],
        "feedback": feedback,
        "source_ref": EDGE_SOURCE,
        "verification": verification,
        "evidence": TEMPLATE_EVIDENCE,
    })  # fmt: skip


def build_industries(reference: Path, chains: list[str]) -> pd.DataFrame:
    """Return industries.csv rows: one per chain, from the 2015 focus clusters F01-F18."""
    ref = _read(reference / "clusters.csv")
    focus = ref[ref["category"] == "focus_2015"].drop_duplicates("cluster_id")
    focus = focus.set_index("cluster_id")
    by_chain = {code: cid for cid, code in CLUSTER_TO_CHAIN.items()}
    if sorted(by_chain) != sorted(chains) or sorted(focus.index) != sorted(CLUSTER_TO_CHAIN):
        raise SystemExit("CLUSTER_TO_CHAIN does not match the reference clusters / chains")
    rows = []
    for code in chains:
        cid = by_chain[code]
        row = focus.loc[cid]
        zone = row["zone_2015"].split()[0]  # the zone code is the first token
        rows.append({
            "chain": code,
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "zone_2015": zone,
            "cluster_id": cid,
            "source": reword(f"reference clusters.csv {cid} ({row['industry']}): {row['sources']}"),
            "verification": reword(row["verification"]),
            "evidence": row["evidence"],
        })  # fmt: skip
    out = pd.DataFrame(rows)
    out["synonyms"] = chain_synonyms(list(out["chain"]))
    return out


def _write(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    """Build the three CSVs, then load them with :mod:`layout.chains` as a check."""
    args = sys.argv[1:] if argv is None else argv
    reference = Path(args[0]) if args else find_reference()
    if reference is None:
        raise SystemExit("reference fact base not found: pass REFERENCE_DIR")
    nodes = build_nodes(reference)
    edges = build_edges(reference)
    chains = list(dict.fromkeys(nodes["chain"]))
    industries = build_industries(reference, chains)
    _write(nodes, OUT / "nodes.csv")
    _write(edges, OUT / "edges.csv")
    _write(industries, OUT / "industries.csv")

    sys.path.insert(0, str(ROOT))
    from layout.chains import load_chains  # validates; raises ChainTemplateError on problems

    graphs = load_chains()
    print(f"wrote {len(nodes)} nodes, {len(edges)} edges, {len(graphs)} chains to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
