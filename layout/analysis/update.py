"""``update_chain``: recompute an analysis after an edit, touching only what the edit changed."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from layout.analysis.aggregate import (
    aggregate_chain,
    counties_of,
    membership_pairs,
    region_links,
    rows_in_counties,
)
from layout.analysis.assemble import assemble
from layout.analysis.core import analyze_chain
from layout.analysis.result import ChainAnalysis
from layout.analysis.shared import FirmTable
from layout.regions import county_adcodes, ensure_adcode

__all__ = ["update_chain"]


def update_chain(
    previous: ChainAnalysis,
    firms: gpd.GeoDataFrame,
    *,
    removed: gpd.GeoDataFrame,
    added: gpd.GeoDataFrame,
    membership: pd.DataFrame | None = None,
) -> ChainAnalysis:
    """Recompute ``previous`` for an edited firm table, touching only what the edit changed.

    The result equals ``analyze_chain(firms, …)`` with ``previous``'s options (tested on random
    edits at every level), but only these parts are recomputed from the firms:

    * region × node values and counts, and all-chain totals, of the **touched regions** — those
      holding a removed or added firm (under the old and the new zone membership) and the zones
      whose membership changed; every other region keeps its row;
    * bottlenecks and the stress test of the touched regions;
    * sourcing of the **touched nodes** — nodes whose status changed in any region or that
      gained or lost a firm (all nodes when the membership changed);
    * the permutation statistics of concentration (spatial Gini, Moran's I, LISA, Gi*) only
      when the county totals of the chain changed.

    The province benchmark, location quotients, strength classes, reasons and completeness are
    region × node arithmetic and are recomputed in full (they move whenever a total moves).

    Parameters
    ----------
    previous
        An analysis from :func:`analyze_chain` (or this function) of the table before the edit.
    firms
        The edited firm table (with ``adcode`` filled; rows not edited as before the edit).
    removed
        The edited firms as they were before the edit (removed, or moved/changed: old rows).
    added
        The edited firms as they are now (added, or moved/changed: new rows).
    membership
        The county → zone table after the edit (level ``zone``); ``None`` = the shipped one.

    Returns
    -------
    ChainAnalysis
        A full analysis falls back when ``previous`` carries no matrices (e.g. it was rebuilt
        from JSON) or is at province level (one region: nothing to spare).
    """
    st = previous._state
    o = dict(st["options"]) if st else {}
    if not st or o["level"] == "province":
        return analyze_chain(
            firms,
            previous.chain,
            region=o.get("region"),
            level=previous.level,
            frame=previous.frame,
            base=previous.base,
            graph=st["graph"] if st else None,
            membership=membership,
            **(
                {
                    k: o[k]
                    for k in ("k_nearest", "permutations", "seed", "strength_rule", "min_present")
                    if k in o
                }
                if st
                else {}
            ),
        )
    chain, level, frame, base = o["chain"], o["level"], o["frame"], o["base"]
    membership = membership if level == "zone" else None
    g, nodes = st["graph"], list(st["e"].columns)
    all_regions = list(st["e"].index)
    removed, added = ensure_adcode(removed), ensure_adcode(added)
    touched = set(region_links(removed, level, frame, st["membership"])["region"]) | set(
        region_links(added, level, frame, membership)["region"]
    )
    membership_changed = False
    if level == "zone":
        old, new = membership_pairs(st["membership"], frame), membership_pairs(membership, frame)
        touched |= {z for _, z in old ^ new}
        membership_changed = old != new
    t_regions = [r for r in all_regions if r in touched]
    codes = county_adcodes(firms)
    ft = FirmTable(firms, base=base, codes=codes)
    values = ft.values
    e, n, totals = st["e"].copy(), st["n"].copy(), st["totals"].copy()
    if t_regions:
        rows = rows_in_counties(codes, counties_of(set(t_regions), level, frame, membership))
        te, tn, ttot, _ = aggregate_chain(
            firms,
            region_links(firms, level, frame, membership, rows, set(t_regions)),
            values,
            chain,
            t_regions,
            nodes,
        )
        e.loc[t_regions], n.loc[t_regions], totals.loc[t_regions] = te, tn, ttot
    t_counties = sorted(set(county_adcodes(removed).dropna()) | set(county_adcodes(added).dropna()))
    if level == "county":
        ce, ctotals = e, totals
    else:
        ce, ctotals = st["county_e"].copy(), st["county_totals"].copy()
        t_c = [c for c in ce.index if c in set(t_counties)]
        if t_c:
            rows = rows_in_counties(codes, set(t_c))
            te, _, ttot, _ = aggregate_chain(
                firms,
                region_links(firms, "county", "2013", None, rows, set(t_c)),
                values,
                chain,
                t_c,
                nodes,
            )
            ce.loc[t_c], ctotals.loc[t_c] = te, ttot
    edited_nodes = {str(x) for df in (removed, added) for x in df.loc[df["chain"] == chain, "node"]}
    return assemble(
        ft,
        g,
        o,
        membership,
        e,
        n,
        totals,
        ce,
        ctotals,
        previous=previous,
        touched=set(t_regions),
        edited_nodes=edited_nodes,
        membership_changed=membership_changed,
    )
