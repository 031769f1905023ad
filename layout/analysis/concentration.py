"""Concentration of a chain across the province, measured over counties (a partition).

HHI per node and for the chain, Ellison–Glaeser γ per node, Gini, Theil between/within the
2020 economic circles, and the permutation statistics (spatial Gini, global Moran's I, LISA,
Getis–Ord Gi*) — formulas and citations in :mod:`layout.metrics`.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.frames import membership as frame_membership
from layout import metrics
from layout.analysis.result import json_number
from layout.metrics.inference import NOT_TESTABLE, TIE_RTOL
from layout.regions import region_table

if TYPE_CHECKING:
    from layout.analysis.shared import FirmTable

__all__ = ["chain_concentration", "county_chain_total", "spatial_statistics"]


def chain_concentration(
    ft: FirmTable,
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

    ``ft`` is the firm table (the chain's firms with a county enter the HHI),
    ``e``/``totals`` the county × node matrix and all-chain county totals. ``previous`` is
    ``(county chain totals, permutation statistics)`` of an earlier analysis: when the totals
    are unchanged, its spatial Gini, Moran's I, LISA and Gi* results are reused (same seed,
    same numbers). Returns the concentration dict and that pair for the next update.
    """
    counties = region_table("county")["region"].tolist()
    e = e.reindex(index=counties, columns=nodes, fill_value=0.0)
    chain_total = county_chain_total(e, nodes)
    rows = ft.chain_rows(chain)
    keep = ft.located[rows]  # the chain's firms with a county, in firm order
    firm_vals = pd.DataFrame(
        {"industry": ft.chain_nodes(chain)[keep], "value": ft.values[rows[keep]]}
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


def county_chain_total(e: pd.DataFrame, nodes: list[str]) -> pd.Series:
    """The chain's value in each county (every county, in region-table order): the values
    the permutation tests of :func:`spatial_statistics` are run on."""
    counties = region_table("county")["region"].tolist()
    return e.reindex(index=counties, columns=nodes, fill_value=0.0).sum(axis=1)


def spatial_statistics(chain_total: pd.Series, *, permutations: int, seed: int) -> dict[str, Any]:
    """Spatial Gini, global Moran's I, LISA clusters and Gi* hot/cold spots of county totals.

    Inference as in :mod:`layout.metrics.inference`: mid-p with ties, units not testable
    where the neighbourhood makes the test meaningless, Benjamini–Hochberg (5 %) over the
    testable counties only. Keys (the JSON of ``analyze --json``): ``spatial_gini``,
    ``moran`` (PySAL's ``p_sim`` kept, ``p_value`` added), ``lisa_clusters`` and
    ``gi_star_spots`` (counts per label, ``not testable`` included), ``hot_spots`` and
    ``cold_spots`` (county codes), ``inference`` (the rule and the FDR cut-offs) and
    ``local`` (one record per county: its value and both local results with ``testable``).
    """
    from geo.weights import region_weights

    w = region_weights("county")
    out: dict[str, Any] = {}
    sg = metrics.spatial_gini(chain_total, w, permutations=99, seed=seed)
    out["spatial_gini"] = {k: json_number(v) for k, v in vars(sg).items()}
    gm = metrics.global_moran(chain_total, w, permutations=permutations, seed=seed)
    out["moran"] = {k: json_number(v) for k, v in vars(gm).items()}
    local_perms = max(permutations, 99)  # local p-values need a permutation reference
    lisa = metrics.local_moran(chain_total, w, permutations=local_perms, seed=seed)
    gi = metrics.getis_ord_gi_star(chain_total, w, permutations=local_perms, seed=seed)
    out["lisa_clusters"] = {str(k): int(v) for k, v in lisa["cluster"].value_counts().items()}
    out["gi_star_spots"] = {str(k): int(v) for k, v in gi["spot"].value_counts().items()}
    out["hot_spots"] = sorted(str(i) for i in gi.index[gi["spot"] == "hot"])
    out["cold_spots"] = sorted(str(i) for i in gi.index[gi["spot"] == "cold"])
    out["inference"] = {
        "p_value": "folded mid-p: (min(G, L) + T/2 + 1)/(P + 1); G, L, T draws above, below, tied",
        "ties": f"|sim − obs| ≤ {TIE_RTOL:g}·max(1, |obs|), counted one half",
        "spatial_gini_p_value": "one-sided mid-p (G + T/2 + 1)/(P + 1)",
        "fdr": "Benjamini–Hochberg over the testable counties only",
        "fdr_alpha": lisa.attrs["fdr_alpha"],
        "local_permutations": local_perms,
        "lisa": _fdr_summary(lisa),
        "gi_star": _fdr_summary(gi),
        "not_testable_reasons": {k: {"zh": zh, "en": en} for k, (zh, en) in NOT_TESTABLE.items()},
    }
    lisa_rec = _local_records(lisa, "cluster", ("Is", "z", "lag_z", "quadrant"))
    gi_rec = _local_records(gi, "spot", ("G", "z"))
    out["local"] = [
        {
            "region": str(code),
            "value": json_number(float(value)),
            "lisa": lisa_rec[code],
            "gi_star": gi_rec[code],
        }
        for code, value in lisa["value"].items()
    ]
    return out


def _fdr_summary(table: pd.DataFrame) -> dict[str, Any]:
    return {
        "testable": int(table["testable"].sum()),
        "not_testable": int((~table["testable"]).sum()),
        "fdr_threshold": json_number(float(table.attrs["fdr_threshold"])),
        "significant": int(table["significant"].sum()),
    }


def _local_records(table: pd.DataFrame, label: str, own: tuple[str, ...]) -> dict[Any, dict]:
    """Each county's local result: statistic, ``testable``, reason, counts, p-values, label."""
    keys = [
        *own,
        "testable",
        "reason",
        "n_neighbours",
        "n_greater",
        "n_less",
        "n_ties",
        "p_value",
        "p_sim",
        "direction",
        "significant",
        label,
    ]
    out = {}
    for code, rec in table[keys].to_dict(orient="index").items():
        rec = {k: json_number(v) for k, v in rec.items()}
        rec["reason"] = rec["reason"] or None
        out[code] = rec
    return out
