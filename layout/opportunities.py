"""Opportunities: co-location relatedness between chain nodes and a feasibility × attractiveness ranking.

Items are chain nodes of *all* chains, named ``"CHAIN:node"`` (``"LED:epi"``), so relatedness
crosses chains (a county with polyurethane and chemical nodes is close to others that need the
same skills and suppliers). Notation: r region, n item, e_rn its value on a base (employees,
output or firm count).

* **Presence** (revealed comparative advantage): M_rn = 1 if RCA_rn ≥ 1, else 0, with
  RCA_rn = (e_rn / e_r) / (E_n / E), the location quotient (Balassa 1965; DESIGN §3) against the
  province.
* **Proximity** (Hidalgo, Klinger, Barabási & Hausmann 2007, *Science* 317(5837), 482–487):
  φ_nn' = Σ_r M_rn M_rn' / max(k_n, k_n'), k_n = Σ_r M_rn (ubiquity) — the smaller of the two
  conditional probabilities that a region specialised in one is specialised in the other. Here
  φ_nn = 0 (an item is not evidence for itself) and φ = 0 for an item no region specialises in.
  Proximity is estimated over the 136 counties (the finest partition, so the most observations),
  whatever the level of the region ranked.
* **Density** (Hausmann & Hidalgo 2011, *J. Economic Growth* 16(4); Hausmann et al. 2014, *The
  Atlas of Economic Complexity*): ω_rn = Σ_n' M_rn' φ_nn' / Σ_n' φ_nn' ∈ [0, 1], the share of
  item n's relatedness that the region already has; 0 when Σ_n' φ_nn' = 0.

Ranking (:func:`rank_opportunities`), over the items a region lacks (M_rn = 0):

* **feasibility** = ω_rn;
* **attractiveness** — a documented choice, ``attractiveness=``:
  ``"reach"`` (default) = share of its chain's final products that the node feeds,
  |{final products reachable from n, n included}| / |final products of the chain| — an item that
  unlocks more of the chain's end products is worth more to the chain;
  ``"size"`` = E_n / max_n' E_n', the item's province-wide size on the base, relative to the
  largest item;
* **opportunity** = feasibility × attractiveness, ranked high to low, with the reason in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geo.problems import Problem, ProblemError, as_problem, problem, register_messages
from layout import metrics
from layout.analysis import BASES, node_values
from layout.chains import final_products, load_chains
from layout.checks import base_problems
from layout.regions import assign_regions, parse_region, region_table

__all__ = [
    "ATTRACTIVENESS",
    "OpportunityError",
    "density",
    "item_table",
    "node_matrix",
    "presence_matrix",
    "proximity",
    "rank_opportunities",
]

ATTRACTIVENESS: tuple[str, ...] = ("reach", "size")


register_messages(
    {
        "opp_not_a_frame": (
            "{argument} 必须是 DataFrame（区域 × 环节），而不是 {kind}",
            "{argument} must be a DataFrame (regions × items), got {kind}",
        ),
        "opp_not_binary": (
            "{argument} 只能含 0 和 1（请用 presence_matrix 生成）",
            "{argument} must hold only 0 and 1 (build it with presence_matrix)",
        ),
        "opp_items_missing": (
            "presence 中的环节 {value} 在 phi 中没有：请在相同的环节上估计 phi",
            "presence has items {value} that phi lacks: estimate phi on the same items",
        ),
        "opp_attractiveness": (
            "吸引力 {value!r} 无效：可选 {valid}",
            "attractiveness={value!r}: use one of {valid}",
        ),
        "opp_chains": (
            "产业链 {value} 不是产业链代码：可选 {valid}",
            "chains {value} are not chain codes: use {valid}",
        ),
    }
)


class OpportunityError(ProblemError):
    """Bad input to the relatedness functions; ``.problems`` lists every problem (message codes,
    Chinese and English)."""

    subject = ("机会排序", "opportunities")


def _binary(m: Any, name: str) -> pd.DataFrame:
    if not isinstance(m, pd.DataFrame):
        raise OpportunityError([problem("opp_not_a_frame", argument=name, kind=type(m).__name__)])
    vals = m.to_numpy(dtype=float, na_value=np.nan)
    if not np.isin(vals, (0.0, 1.0)).all():
        raise OpportunityError([problem("opp_not_binary", argument=name)])
    return m.astype(int)


def item_table(graphs: dict[str, nx.DiGraph] | None = None) -> pd.DataFrame:
    """Every node of every chain: item (``CHAIN:node``), chain, node, stage, names, reach.

    ``reach`` = |final products reachable from the node, itself included| / |final products|.
    """
    graphs = load_chains() if graphs is None else graphs
    rows = []
    for code, g in graphs.items():
        finals = set(final_products(g))
        for n, a in g.nodes(data=True):
            fed = finals & ({n} | nx.descendants(g, n))
            rows.append(
                {
                    "item": f"{code}:{n}",
                    "chain": code,
                    "node": n,
                    "stage": a.get("stage", ""),
                    "name_zh": a.get("name_zh", n),
                    "name_en": a.get("name_en", n),
                    "chain_name_zh": g.graph.get("name_zh", code),
                    "chain_name_en": g.graph.get("name_en", code),
                    "n_final_fed": len(fed),
                    "n_final": len(finals),
                    "reach": len(fed) / len(finals) if finals else 0.0,
                }
            )
    return pd.DataFrame(rows)


def node_matrix(
    firms: gpd.GeoDataFrame,
    *,
    level: str = "county",
    frame: str = "2013",
    base: str = "employees",
    items: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Region × item matrix of values on ``base`` (all regions of ``level``, all template items).

    Firms whose ``CHAIN:node`` is not a template item are kept as extra columns, so regional
    totals include them. Zones overlap: a firm counts in every zone holding its county.
    """
    if base not in BASES:
        raise OpportunityError(base_problems(base))
    cols = list(items) if items is not None else item_table()["item"].tolist()
    regions = region_table(level, frame=frame)["region"].tolist()
    links = assign_regions(firms, level=level, frame=frame)
    rows = links["row"].to_numpy()
    item = (firms["chain"].astype(str) + ":" + firms["node"].astype(str)).to_numpy()[rows]
    val = node_values(firms, base=base).to_numpy()[rows]
    long = pd.DataFrame({"region": links["region"].to_numpy(), "item": item, "value": val})
    mat = long.pivot_table(
        index="region", columns="item", values="value", aggfunc="sum", fill_value=0.0
    )
    extra = [c for c in mat.columns if c not in set(cols)]
    out = mat.reindex(index=regions, columns=cols + sorted(extra), fill_value=0.0).astype(float)
    out.index.name, out.columns.name = "region", "item"
    return out


def presence_matrix(
    values: pd.DataFrame, *, threshold: float = 1.0, benchmark: pd.Series | None = None
) -> pd.DataFrame:
    """M_rn = 1 where RCA_rn = (e_rn / e_r) / (E_n / E) ≥ ``threshold`` (and e_rn > 0), else 0.

    ``benchmark`` gives E_n (default: column sums of ``values``, i.e. the regions partition the
    economy — pass the province row for overlapping zones). An empty region gets 0 everywhere.

    >>> e = pd.DataFrame({"a": [2.0, 0.0], "b": [1.0, 3.0]}, index=["r1", "r2"])
    >>> presence_matrix(e).to_dict("index")
    {'r1': {'a': 1, 'b': 0}, 'r2': {'a': 0, 'b': 1}}
    """
    lq = metrics.location_quotient(values, benchmark=benchmark)
    m = (lq.fillna(0.0) >= threshold) & (values > 0)
    return m.astype(int)


def proximity(presence: pd.DataFrame) -> pd.DataFrame:
    """Proximity φ_nn' = Σ_r M_rn M_rn' / max(k_n, k_n') (Hidalgo et al. 2007); φ_nn = 0.

    Parameters
    ----------
    presence
        Binary region × item matrix M.

    Returns
    -------
    DataFrame
        Symmetric item × item matrix in [0, 1]; rows and columns of items with k_n = 0 are 0.

    Examples
    --------
    >>> m = pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 0], "c": [0, 1, 1]})
    >>> proximity(m).round(2).to_dict("index")["a"]
    {'a': 0.0, 'b': 0.5, 'c': 0.5}
    """
    m = _binary(presence, "presence").to_numpy(dtype=float)
    co = m.T @ m
    k = np.diag(co).copy()
    denom = np.maximum.outer(k, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(denom > 0, co / np.where(denom > 0, denom, 1.0), 0.0)
    np.fill_diagonal(phi, 0.0)
    return pd.DataFrame(phi, index=presence.columns, columns=presence.columns)


def density(presence: pd.DataFrame, phi: pd.DataFrame) -> pd.DataFrame:
    """Density ω_rn = Σ_n' M_rn' φ_nn' / Σ_n' φ_nn' (Hausmann & Hidalgo 2011); 0 if Σ φ = 0.

    ``presence`` may hold other regions than those ``phi`` was estimated on (e.g. zones with
    proximity from counties); its columns must be ``phi``'s items.

    Examples
    --------
    >>> m = pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 0], "c": [0, 1, 1]})
    >>> density(m, proximity(m)).round(3).loc[2].to_dict()
    {'a': 0.5, 'b': 0.0, 'c': 0.0}
    """
    m = _binary(presence, "presence")
    missing = [c for c in m.columns if c not in phi.index]
    if missing:
        raise OpportunityError(
            [problem("opp_items_missing", argument="presence", value=missing[:5])]
        )
    p = phi.loc[m.columns, m.columns].to_numpy(dtype=float)
    num = m.to_numpy(dtype=float) @ p
    den = p.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        om = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return pd.DataFrame(om, index=m.index, columns=m.columns)


def rank_opportunities(
    firms: gpd.GeoDataFrame,
    region: str,
    *,
    base: str = "employees",
    attractiveness: str = "reach",
    chains: Iterable[str] | None = None,
    threshold: float = 1.0,
    top: int | None = None,
) -> pd.DataFrame:
    """Items ``region`` lacks, ranked by feasibility (density) × attractiveness, with reasons.

    Parameters
    ----------
    firms
        Firm points with ``chain``, ``node`` and the ``base`` column (all chains: relatedness is
        estimated across them).
    region
        County or city adcode, zone code or ``370000``.
    attractiveness
        ``"reach"`` or ``"size"`` (module docstring).
    chains
        Only rank items of these chains (proximity still uses every chain).
    threshold
        RCA cut-off of presence.
    top
        Keep the first ``top`` rows.

    Returns
    -------
    DataFrame
        rank, item, chain, node, stage, name_zh, name_en, chain_name_zh, chain_name_en,
        n_firms (firms at the item in the region), rca, feasibility, attractiveness, opportunity,
        n_related (present items with φ > 0), related (top 3 ``item (φ)``), reason_zh,
        reason_en. ``attrs`` records the choices made.
    """
    problems: list[Problem] = list(base_problems(base))
    if attractiveness not in ATTRACTIVENESS:
        problems.append(
            problem(
                "opp_attractiveness",
                argument="attractiveness",
                value=attractiveness,
                valid=", ".join(ATTRACTIVENESS),
            )
        )
    items = item_table()
    chosen = list(chains) if chains is not None else items["chain"].unique().tolist()
    unknown = sorted(set(chosen) - set(items["chain"]))
    if unknown:
        problems.append(
            problem(
                "opp_chains",
                argument="chains",
                value=unknown,
                valid=", ".join(items["chain"].unique()),
            )
        )
    try:
        r = parse_region(region)
    except ValueError as exc:
        problems += exc.problems if isinstance(exc, ProblemError) else [as_problem(str(exc))]
    if problems:
        raise OpportunityError(problems)

    cols = items["item"].tolist()
    phi = proximity(
        presence_matrix(
            node_matrix(firms, level="county", base=base, items=cols), threshold=threshold
        )
    ).loc[cols, cols]
    prov = node_matrix(firms, level="province", base=base, items=cols)
    here = node_matrix(firms, level=r.level, frame=r.frame, base=base, items=cols).loc[[r.code]]
    counts = node_matrix(firms, level=r.level, frame=r.frame, base="firms", items=cols).loc[r.code]
    bench = prov.iloc[0].reindex(here.columns, fill_value=0.0)
    rca = metrics.location_quotient(here, benchmark=bench).loc[r.code]
    m = presence_matrix(here, threshold=threshold, benchmark=bench)[cols]
    omega = density(m, phi).loc[r.code]
    totals = prov.iloc[0].reindex(cols)
    attr = (
        items.set_index("item")["reach"]
        if attractiveness == "reach"
        else totals / totals.max()
        if totals.max() > 0
        else totals * 0.0
    )

    have = [c for c in cols if m.loc[r.code, c] == 1]
    info = items.set_index("item")
    rows = []
    for it in cols:
        if m.loc[r.code, it] == 1 or info.loc[it, "chain"] not in chosen:
            continue
        rel = phi.loc[it, have] if have else pd.Series(dtype=float)
        rel = rel[rel > 0].sort_values(ascending=False, kind="stable")
        f, a = float(omega[it]), float(attr[it])
        rows.append(
            {
                "item": it,
                "chain": info.loc[it, "chain"],
                "node": info.loc[it, "node"],
                "stage": info.loc[it, "stage"],
                "name_zh": info.loc[it, "name_zh"],
                "name_en": info.loc[it, "name_en"],
                "chain_name_zh": info.loc[it, "chain_name_zh"],
                "chain_name_en": info.loc[it, "chain_name_en"],
                "n_firms": int(counts[it]),
                "rca": float(rca[it]) if pd.notna(rca[it]) else float("nan"),
                "feasibility": round(f, 4),
                "attractiveness": round(a, 4),
                "opportunity": round(f * a, 4),
                "n_related": len(rel),
                "related": "; ".join(f"{k} ({v:.2f})" for k, v in rel.head(3).items()),
                **dict(
                    zip(
                        ("reason_zh", "reason_en"),
                        _reason(rel, info, it, f, a, attractiveness, int(counts[it])),
                        strict=True,
                    )
                ),
            }
        )
    cols_out = [
        "item",
        "chain",
        "node",
        "stage",
        "name_zh",
        "name_en",
        "chain_name_zh",
        "chain_name_en",
        "n_firms",
        "rca",
        "feasibility",
        "attractiveness",
        "opportunity",
        "n_related",
        "related",
        "reason_zh",
        "reason_en",
    ]
    out = pd.DataFrame(rows, columns=cols_out)
    out = out.sort_values(
        ["opportunity", "feasibility", "item"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    if top is not None:
        out = out.head(int(top))
    out.attrs.update(
        region=r.code,
        level=r.level,
        base=base,
        attractiveness=attractiveness,
        threshold=threshold,
        proximity_over="county",
        n_present=len(have),
    )
    return out


def _reason(
    rel: pd.Series, info: pd.DataFrame, item: str, f: float, a: float, kind: str, n_firms: int
) -> tuple[str, str]:
    def name(it: str, lang: str) -> str:
        return f"{info.loc[it, 'chain']}·{info.loc[it, 'name_zh' if lang == 'zh' else 'name_en']}"

    top = list(rel.head(3).items())
    if top:
        zh = (
            f"与本区域已有的{len(rel)}个环节共现相关："
            + "、".join(f"{name(k, 'zh')}（φ={v:.2f}）" for k, v in top)
            + ("等" if len(rel) > 3 else "")
            + f"；可行性（密度）{f:.2f}"
        )
        en = (
            f"related to {len(rel)} node(s) you have: "
            + ", ".join(f"{name(k, 'en')} (φ {v:.2f})" for k, v in top)
            + (", …" if len(rel) > 3 else "")
            + f"; feasibility (density) {f:.2f}"
        )
    else:
        zh, en = (
            "与本区域已有环节均无共现关联（密度 0）",
            "not co-located with any node you have (density 0)",
        )
    if kind == "reach":
        fed, total = int(info.loc[item, "n_final_fed"]), int(info.loc[item, "n_final"])
        zh += f"；可供给本链 {fed}/{total} 种终端产品"
        en += f"; feeds {fed} of {total} final products of its chain"
    else:
        zh += f"；全省规模（相对最大环节）{a:.2f}"
        en += f"; province-wide size relative to the largest node {a:.2f}"
    if n_firms:
        zh += f"；本区域已有{n_firms}家企业但未形成专业化（RCA<1）"
        en += f"; {n_firms} firm(s) here already, not specialised (RCA < 1)"
    return zh, en
