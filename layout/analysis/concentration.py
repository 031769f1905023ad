"""Concentration of a chain across the province, measured over counties (a partition).

HHI per node and for the chain, Ellison–Glaeser γ per node, Gini, Theil between/within the
2020 economic circles, and the permutation statistics (spatial Gini, global Moran's I, LISA,
Getis–Ord Gi*) — formulas and citations in :mod:`layout.metrics`.
"""

from __future__ import annotations

import copy
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.frames import membership as frame_membership
from layout import metrics
from layout.analysis.aggregate import chain_mask, region_links, take_rows
from layout.analysis.result import json_number
from layout.regions import region_table

__all__ = ["chain_concentration", "spatial_statistics"]


def chain_concentration(
    firms: gpd.GeoDataFrame,
    values: np.ndarray,
    chain: str,
    nodes: list[str],
    e: pd.DataFrame,
    totals: pd.Series,
    *,
    permutations: int,
    seed: int,
    previous: tuple[np.ndarray, dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], tuple[np.ndarray, dict[str, Any]] | None]:
    """Province-wide concentration of the chain, measured over counties (a partition).

    ``e``/``totals`` are the county × node matrix and all-chain county totals. ``previous`` is
    ``(county chain totals, permutation statistics)`` of an earlier analysis: when the totals
    are unchanged, its spatial Gini, Moran's I, LISA and Gi* results are reused (same seed,
    same numbers). Returns the concentration dict and that pair for the next update.
    """
    counties = region_table("county")["region"].tolist()
    e = e.reindex(index=counties, columns=nodes, fill_value=0.0)
    chain_total = e.sum(axis=1)
    rows = np.flatnonzero(chain_mask(firms, chain))
    located = region_links(firms, "county", "2013", None, rows)["row"].to_numpy()
    firm_vals = pd.DataFrame(
        {"industry": take_rows(firms["node"], located), "value": values[located]}
    )
    out: dict[str, Any] = {
        "measured_over": "county",
        "regions": len(counties),
        "chain_value": json_number(float(chain_total.sum())),
    }
    if firm_vals.empty or chain_total.sum() == 0:
        out["note"] = "no firm with a positive value in this chain: concentration undefined"
        return out, None
    hhi_node = metrics.hhi(firm_vals, by="industry", value="value")
    hhi_chain = metrics.hhi(firm_vals.assign(industry=chain), by="industry", value="value")
    eg = metrics.ellison_glaeser(
        e, hhi_node.reindex(nodes), region_totals=totals.reindex(counties, fill_value=0.0)
    )
    out["hhi_chain"] = json_number(float(hhi_chain.iloc[0]))
    out["nodes"] = [
        {
            "node": x,
            "hhi": json_number(hhi_node.get(x, np.nan)),
            "eg_gamma": json_number(eg.loc[x, "gamma"])
            if x in eg.index and "gamma" in eg.columns
            else None,
        }
        for x in nodes
    ]
    out["gini"] = json_number(metrics.gini(chain_total))
    circles = frame_membership("2020").set_index("adcode")["zone_code"]
    th = metrics.theil(chain_total, groups=circles.reindex(counties))
    out["theil"] = {k: json_number(v) for k, v in th.items()}
    out["theil_partition"] = "2020 economic circles (a partition of the counties)"
    key = chain_total.to_numpy(dtype=float)
    if previous is not None and np.array_equal(previous[0], key):
        spatial = previous[1]
    else:
        spatial = spatial_statistics(chain_total, permutations=permutations, seed=seed)
    out.update(copy.deepcopy(spatial))
    return out, (key, spatial)


def spatial_statistics(chain_total: pd.Series, *, permutations: int, seed: int) -> dict[str, Any]:
    """Spatial Gini, global Moran's I, LISA clusters and Gi* hot/cold spots of county totals."""
    from geo.weights import region_weights

    w = region_weights("county")
    out: dict[str, Any] = {}
    sg = metrics.spatial_gini(chain_total, w, permutations=99, seed=seed)
    out["spatial_gini"] = (
        {k: json_number(v) for k, v in vars(sg).items()}
        if hasattr(sg, "__dict__")
        else json_number(sg)
    )
    gm = metrics.global_moran(chain_total, w, permutations=permutations, seed=seed)
    out["moran"] = {k: json_number(v) for k, v in vars(gm).items()}
    local_perms = max(permutations, 99)  # local p-values need a permutation reference
    lisa = metrics.local_moran(chain_total, w, permutations=local_perms, seed=seed)
    gi = metrics.getis_ord_gi_star(chain_total, w, permutations=local_perms, seed=seed)
    out["lisa_clusters"] = {str(k): int(v) for k, v in lisa["cluster"].value_counts().items()}
    hot_col = next((c for c in ("spot", "label", "cluster", "class") if c in gi.columns), None)
    if hot_col:
        out["gi_star_spots"] = {str(k): int(v) for k, v in gi[hot_col].value_counts().items()}
        out["hot_spots"] = sorted(
            str(i) for i in gi.index[gi[hot_col].astype(str).str.startswith("hot")]
        )
        out["cold_spots"] = sorted(
            str(i) for i in gi.index[gi[hot_col].astype(str).str.startswith("cold")]
        )
    return out
