"""Assembly of a chain analysis from its region × node matrices.

Shared by :func:`layout.analysis.analyze_chain` (everything computed) and
:func:`layout.analysis.update_chain` (parts an edit did not touch taken from the previous
result).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from layout import metrics
from layout.analysis.aggregate import membership_pairs
from layout.analysis.bottlenecks import region_bottlenecks
from layout.analysis.concentration import chain_concentration
from layout.analysis.result import ChainAnalysis, json_number
from layout.analysis.shared import FirmTable, level_key
from layout.analysis.sourcing import nearest_sources, region_distances
from layout.analysis.status import node_table, strength
from layout.gaps import completeness, critical_nodes
from layout.metrics.specialisation import MIN_PRESENT
from layout.regions import region_table

__all__ = ["assemble", "splice"]


def assemble(
    ft: FirmTable,
    g: nx.DiGraph,
    opts: dict[str, Any],
    membership: pd.DataFrame | None,
    e: pd.DataFrame,
    n: pd.DataFrame,
    totals: pd.Series,
    ce: pd.DataFrame,
    ctotals: pd.Series,
    *,
    previous: ChainAnalysis | None = None,
    touched: set[str] | None = None,
    edited_nodes: set[str] | None = None,
    membership_changed: bool = False,
    concentration: Callable[[], tuple[dict[str, Any], Any]] | None = None,
) -> ChainAnalysis:
    """Statuses, reasons, completeness, bottlenecks, sourcing and concentration from the matrices.

    ``ft`` is the firm table (:class:`~layout.analysis.shared.FirmTable`: county codes,
    values on the base, the chain's firms), ``e``/``n``/``totals`` the level's region × node
    matrices and all-chain totals, ``ce``/``ctotals`` the same over counties (concentration is
    measured there) and ``opts`` the resolved options (chain, region, level, frame, base,
    k_nearest, permutations, seed). ``concentration``, when given, returns the chain's
    concentration and permutation state (a run shares them across the levels of a chain:
    they are measured over counties and do not depend on the level).

    With ``previous`` (from :func:`layout.analysis.update_chain`), bottlenecks of regions outside ``touched`` and
    sourcing of untouched nodes are taken from it, and so are the permutation statistics when the
    chain's county totals did not move.
    """
    chain, region, level, frame, base = (
        opts[k] for k in ("chain", "region", "level", "frame", "base")
    )
    key = level_key(level, frame, membership)
    targets_of = functools.partial(ft.node_firms, chain, key=key)
    distances = region_distances(level, frame)
    rt = region_table(level, frame=frame)
    all_regions, nodes = list(e.index), list(e.columns)
    edited = membership is not None and membership_pairs(membership, frame) != membership_pairs(
        None, frame
    )
    bench = ft.benchmark(chain, nodes)
    lq = metrics.location_quotient(e, region_totals=totals, benchmark=bench)
    county = None
    if level == "province":
        county = (ce, metrics.location_quotient(ce, region_totals=ctotals, benchmark=bench))
    classes, cutoffs, notes = strength(
        e,
        lq,
        nodes,
        level=level,
        county=county,
        rule=opts.get("strength_rule", "present"),
        min_present=opts.get("min_present", MIN_PRESENT),
    )
    crit = critical_nodes(g)
    table = node_table(g, nodes, all_regions, n, e, lq, classes, cutoffs, notes, crit, base, edited)
    table = table.merge(
        rt[["region", "name_zh", "name_en"]].rename(
            columns={"name_zh": "region_name_zh", "name_en": "region_name_en"}
        ),
        on="region",
        how="left",
    )
    comp = completeness(n > 0, {x: float(g.nodes[x].get("weight", 1.0)) for x in nodes})
    wanted = [region] if region is not None else all_regions
    st_prev = previous._state if previous is not None else None
    if previous is None or st_prev is None:
        bottle = region_bottlenecks(g, n, e, wanted, crit)
        sourcing = nearest_sources(
            table, ft.target_columns, targets_of, rt, wanted, opts["k_nearest"], distances=distances
        )
        spatial = None
    else:
        redo = [r for r in wanted if r in (touched or set())]
        old_b = previous.bottlenecks
        bottle = splice(old_b[~old_b["region"].isin(redo)], region_bottlenecks(g, n, e, redo, crit))
        pos = {r: i for i, r in enumerate(wanted)}
        bottle = bottle.iloc[
            np.argsort(bottle["region"].map(pos).to_numpy(), kind="stable")
        ].reset_index(drop=True)
        old_t = st_prev["table"]
        moved = set(table.loc[table["status"].to_numpy() != old_t["status"].to_numpy(), "node"])
        redo_nodes = set(nodes) if membership_changed else moved | (edited_nodes or set())
        old_s = previous.sourcing
        sourcing = splice(
            old_s[~old_s["node"].isin(redo_nodes)],
            nearest_sources(
                table,
                ft.target_columns,
                targets_of,
                rt,
                wanted,
                opts["k_nearest"],
                only=redo_nodes,
                distances=distances,
            ),
        )
        sourcing = sourcing.sort_values(["region", "node", "kind"], kind="stable").reset_index(
            drop=True
        )
        spatial = st_prev["spatial"]
    if concentration is not None:
        conc, spatial = concentration()
    else:
        conc, spatial = chain_concentration(
            ft,
            chain,
            nodes,
            ce,
            ctotals,
            permutations=opts["permutations"],
            seed=opts["seed"],
            previous=spatial,
        )
    keep = table["region"].isin(wanted)
    out = ChainAnalysis(
        chain=chain,
        name_zh=str(g.graph.get("name_zh", chain)),
        name_en=str(g.graph.get("name_en", chain)),
        level=level,
        frame=frame,
        base=base,
        regions=wanted,
        nodes=(table if keep.all() else table[keep]).reset_index(drop=True),
        completeness=comp.reindex(wanted),
        concentration=conc,
        bottlenecks=bottle,
        sourcing=sourcing,
        structure={
            "nodes": len(g),
            "edges": g.number_of_edges(),
            "critical": [{"node": k, "kind": v} for k, v in crit.items()],
            "strong_cutoffs_lq": {}
            if level == "province"
            else {k: json_number(v["lq_strong_min"]) for k, v in cutoffs.items()},
            "strength": _strength_summary(cutoffs, opts),
        },
        data={
            "firms": ft.n_firms,
            "chain_firms": ft.chain_firms(chain),
            "synthetic_in_use": ft.synthetic,
        }
        | ({"membership": "edited" if edited else "shipped"} if level == "zone" else {}),
    )
    out._state = {
        "options": dict(opts),
        "graph": g,
        "membership": membership,
        "e": e,
        "n": n,
        "totals": totals,
        "county_e": ce,
        "county_totals": ctotals,
        "table": table[["region", "node", "status"]],
        "spatial": spatial,
    }
    return out


def _strength_summary(cutoffs: dict[str, dict[str, Any]], opts: dict[str, Any]) -> dict[str, Any]:
    """The strength rule in use and each node's cut-offs (JSON ``structure.strength``)."""
    any_cut = next(iter(cutoffs.values()), {})
    return {
        "rule": opts.get("strength_rule", "present"),
        "min_present": opts.get("min_present", MIN_PRESENT),
        "measured_over": any_cut.get("measured_over", opts["level"]),
        "nodes": [
            {"node": node}
            | {
                k: json_number(v)
                for k, v in cut.items()
                if k not in ("rule", "min_present", "measured_over")
            }
            for node, cut in cutoffs.items()
        ],
    }


def splice(kept: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Rows kept from an earlier result plus recomputed rows, with the earlier column dtypes."""
    parts = [x for x in (kept, new) if len(x)]
    if not parts:
        return kept.reset_index(drop=True)
    return pd.concat(parts, ignore_index=True)
