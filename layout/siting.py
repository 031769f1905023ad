"""Siting for chain gaps: candidate counties with their score parts, and k-site optimisation.

Two layers, as in PySAL spopt (``from_cost_matrix`` apart from ``from_geodataframe``):

* the **math core** — :func:`p_median` and :func:`max_cover` — works on a demand × candidate
  cost matrix (numpy) and a demand weight vector, and solves the integer programme with spopt
  (``PMedian.from_cost_matrix`` / ``MCLP.from_cost_matrix``) and the CBC solver bundled with
  PuLP;
* the **geo adapters** — :func:`score_candidates` and :func:`site_k` — turn firms, a chain graph
  and a region into candidates (county representative points), demand (firms at the node's
  buyer nodes) and geodesic costs (``geo.measure.geodesic_distance_km``, WGS-84 ellipsoid).

Candidate counties of a region (:func:`candidate_counties`): the member counties of a zone, the
counties of a city, all 136 counties of the province, and for a county the county itself with
its queen-contiguity neighbours (a new site may sit just across the border).

Candidate score (:func:`score_candidates`), for a node n of a chain and a candidate county c::

    s_neighbours = |{m ∈ N(n) : county c has a firm at m}| / |N(n)|,  N(n) = pred(n) ∪ succ(n)
    s_htz        = 1 if c hosts a high-tech zone (national or provincial), else 0
    s_buyers     = exp(−d_buyers / decay_km),    d_buyers = geodesic km from c's representative
                                                  point to the nearest firm at a successor node
    s_suppliers  = exp(−d_suppliers / decay_km), likewise for predecessor nodes
    score        = Σ_j w_j s_j / Σ_j w_j ∈ [0, 1]

with default weights :data:`SCORE_WEIGHTS` (neighbours 0.4, high-tech zone 0.2, buyers 0.2,
suppliers 0.2) and ``decay_km = 50`` (a firm 50 km away gives 0.37, 100 km 0.14). A distance part
that cannot be measured (the node has no buyer node — a final product — or no firm at those nodes
is located) scores 0 for *every* candidate, so it leaves the ranking unchanged; the reason says so.
The parts follow the co-location and supplier-access arguments of the cluster literature
(Porter 1998, *Harvard Business Review* 76(6); Delgado, Porter & Stern 2014, *Research Policy*
43(10)) and the 2015 document's call to lay clusters out around high-tech zones.

k-site models (Hakimi 1964, *Operations Research* 12(3); Church & ReVelle 1974, *Papers of the
Regional Science Association* 32): with demand i (weight a_i), candidates j, cost d_ij,

* p-median: minimise Σ_i Σ_j a_i d_ij x_ij subject to Σ_j x_ij = 1, x_ij ≤ y_j, Σ_j y_j = p;
* maximal covering (MCLP): maximise Σ_i a_i z_i subject to z_i ≤ Σ_{j: d_ij ≤ S} y_j,
  Σ_j y_j = p (S = service radius, km).

Optima need not be unique; among tied optima the solver returns one. spopt 0.7 builds its
variables with ``pulp.LpVariable(...)``, which PuLP 3.3 flags with a ``DeprecationWarning`` for
PuLP 4.0; that one warning (matched by its message) is silenced around the spopt call only. CBC
comes from the system if installed, else from the copy bundled with PuLP, run through
``pulp.COIN_CMD`` (``PULP_CBC_CMD`` itself is deprecated in PuLP 3.3).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.measure import geodesic_distance_km
from geo.problems import Problem, ProblemError, as_problem, problem, register_messages
from layout.analysis import node_values
from layout.chains import load_chain
from layout.checks import base_problems
from layout.regions import PROVINCE, assign_regions, parse_region, region_table

__all__ = [
    "METHODS",
    "SCORE_WEIGHTS",
    "SiteResult",
    "SiteSolution",
    "SitingError",
    "candidate_counties",
    "max_cover",
    "p_median",
    "score_candidates",
    "site_k",
]

SCORE_WEIGHTS: dict[str, float] = {"neighbours": 0.4, "htz": 0.2, "buyers": 0.2, "suppliers": 0.2}
METHODS: tuple[str, ...] = ("p-median", "mclp")
_PARTS = tuple(SCORE_WEIGHTS)


register_messages(
    {
        "siting_cost_shape": (
            "成本矩阵必须是二维数值数组（需求行 × 候选列）",
            "cost must be a 2-D numeric array (demand rows × candidate columns)",
        ),
        "siting_cost_empty": (
            "成本矩阵的形状为 {shape}：至少需要一行需求和一个候选",
            "cost has shape {shape}: need at least one demand row and one candidate",
        ),
        "siting_cost_values": (
            "成本矩阵必须处处有限且 ≥ 0；请删除或修正有问题的元素",
            "cost must be finite and >= 0 everywhere; drop or fix the bad entries",
        ),
        "siting_demand_shape": (
            "需求权重必须是一维数值数组",
            "weights must be a 1-D numeric array",
        ),
        "siting_demand_values": (
            "需求权重必须有限且 ≥ 0",
            "weights must be finite and >= 0 (demand weights)",
        ),
        "siting_demand_rows": (
            "需求权重有 {n} 个，但成本矩阵有 {rows} 行需求：每行一个权重",
            "weights has {n} entries but cost has {rows} demand rows: give one weight per row",
        ),
        "siting_p_type": (
            "站点数 p={value!r} 必须是整数",
            "p={value!r} must be an integer number of sites",
        ),
        "siting_p_range": (
            "站点数 p={value} 必须在 1 与候选数（{n}）之间",
            "p={value} must be between 1 and the number of candidates ({n})",
        ),
        "siting_no_solver": (
            "找不到 CBC 求解器：请安装 pulp[cbc] 或系统的 coinor-cbc，或传入任一 PuLP 求解器",
            "no CBC solver found: install it with `pip install pulp[cbc]` (or the system package "
            "coinor-cbc), or pass solver= any PuLP solver",
        ),
        "siting_not_optimal": (
            "求解器没有找到最优解（状态 {status!r}）；请检查成本矩阵",
            "the solver did not find an optimum (status {status!r}); check the cost matrix",
        ),
        "siting_radius": (
            "服务半径 service_km={value!r} 必须是有限且 ≥ 0 的公里数",
            "service_km={value!r} must be a finite number of km >= 0",
        ),
        "siting_unknown_node": (
            "环节 {value!r} 不属于产业链 {chain}：可选 {valid}",
            "node={value!r} is not a node of chain {chain!r}: use one of {valid}",
        ),
        "siting_weight_parts": (
            "评分权重含有未知的分项 {value}：可用 {valid}",
            "weights has unknown parts {value}: use {valid}",
        ),
        "siting_weight_values": (
            "评分权重 {value} 必须是有限且 ≥ 0 的数",
            "weights {value} must be finite numbers >= 0",
        ),
        "siting_weight_zero": (
            "评分权重之和为 0：请至少给一个分项正的权重",
            "weights sum to 0: give at least one part a positive weight",
        ),
        "siting_decay": (
            "距离衰减 decay_km={value!r} 必须是大于 0 的公里数",
            "decay_km={value!r} must be a number of km > 0",
        ),
        "siting_method": (
            "方法 {value!r} 无效：可选 {valid}",
            "method={value!r}: use one of {valid}",
        ),
        "siting_scope": (
            "需求范围 {value!r} 无效：可选 province（全省）或 region（本区域）",
            "scope={value!r}: use 'province' or 'region'",
        ),
        "siting_k_type": (
            "站点数 k={value!r} 必须是 ≥ 1 的整数",
            "k={value!r} must be an integer >= 1",
        ),
        "siting_k_range": (
            "站点数 k={value} 超过了 {region} 的 {n} 个候选县：请用 k ≤ {n}",
            "k={value} exceeds the {n} candidate counties of {region}: use k <= {n}",
        ),
        "siting_no_demand": (
            "产业链 {chain} 的{kind}环节 {nodes}{where}没有已定位的企业：无法选址；请补充企业或改用全省需求",
            "no located firm at the {kind_en} nodes {nodes_en} of {chain!r}{where_en}: nothing to "
            "site against; add firms or use scope='province'",
        ),
        "siting_zero_weights": (
            "所有需求企业的{base}都为 0 或缺失：权重都是 0，任何选址都同样最优；请改用企业数（firms）",
            "every demand firm has {base} 0 or missing: all weigh 0, any site is optimal; use "
            "base='firms'",
        ),
    }
)


class SitingError(ProblemError):
    """Bad siting input; ``.problems`` lists every problem (argument, value, what is allowed, fix),
    each with a message code and its text in Chinese and English."""

    subject = ("选址", "siting")


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise SitingError(problems)


def _problems_of(exc: Exception) -> list[Problem]:
    """The problems of a library error (coded when it is a ProblemError)."""
    if isinstance(exc, ProblemError):
        return list(exc.problems)
    return [as_problem(str(exc).splitlines()[-1].strip(" -"))]


# ----------------------------------------------------------------------------- math core
@dataclass(frozen=True)
class SiteSolution:
    """Solution of a k-site model on a cost matrix.

    Attributes
    ----------
    method
        ``"p-median"`` or ``"mclp"``.
    selected
        Column indices of the chosen candidates, ascending.
    assignment
        For each demand row, the chosen candidate that serves it (the nearest chosen one); for
        MCLP, -1 where no chosen candidate is within the service radius.
    objective
        p-median: total weighted cost Σ_i a_i min_{j∈S} d_ij; MCLP: covered weight Σ_i a_i z_i.
    covered
        Per demand row: a chosen candidate lies within ``service_km`` (all True for p-median
        without a radius).
    """

    method: str
    selected: tuple[int, ...]
    assignment: npt.NDArray[np.int64]
    objective: float
    covered: npt.NDArray[np.bool_]

    @property
    def covered_share(self) -> float:
        """Share of demand rows covered (unweighted)."""
        return float(self.covered.mean()) if self.covered.size else float("nan")


def _check_problem(cost: Any, weights: Any, p: Any) -> tuple[np.ndarray, np.ndarray, int]:
    problems: list[Problem] = []
    c = np.asarray(cost, dtype=float) if _is_numeric(cost) else None
    w = np.asarray(weights, dtype=float).ravel() if _is_numeric(weights) else None
    if c is None or c.ndim != 2:
        problems.append(problem("siting_cost_shape", argument="cost"))
    elif c.size == 0:
        problems.append(problem("siting_cost_empty", argument="cost", shape=c.shape))
    elif (~np.isfinite(c)).any() or (c < 0).any():
        problems.append(problem("siting_cost_values", argument="cost"))
    if w is None:
        problems.append(problem("siting_demand_shape", argument="weights"))
    else:
        if (~np.isfinite(w)).any() or (w < 0).any():
            problems.append(problem("siting_demand_values", argument="weights"))
        if c is not None and c.ndim == 2 and len(w) != c.shape[0]:
            problems.append(
                problem("siting_demand_rows", argument="weights", n=len(w), rows=c.shape[0])
            )
    n_cand = c.shape[1] if c is not None and c.ndim == 2 else 0
    if isinstance(p, bool) or not isinstance(p, int | np.integer):
        problems.append(problem("siting_p_type", argument="p", value=p))
    elif n_cand and not 1 <= int(p) <= n_cand:
        problems.append(problem("siting_p_range", argument="p", value=p, n=n_cand))
    _raise(problems)
    assert c is not None and w is not None
    return c, w, int(p)


def _is_numeric(x: Any) -> bool:
    try:
        np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return False
    return True


def _default_solver() -> Any:
    """CBC without PuLP's deprecation: a system CBC if installed, else the copy bundled with PuLP."""
    import pulp

    solver = pulp.COIN_CMD(msg=False)
    if solver.available():
        return solver
    from pulp.apis import coin_api

    bundled = pulp.COIN_CMD(path=coin_api.pulp_cbc_path, msg=False)
    if bundled.available():
        return bundled
    raise SitingError([problem("siting_no_solver", argument="solver")])


def _solve(model_factory: Any, solver: Any) -> list[int]:
    # spopt 0.7 builds variables with LpVariable(...), which PuLP 3.3 flags as deprecated for
    # PuLP 4.0; the warning is about spopt's code, not ours or the user's, so it is silenced here
    # only, by message.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"Constructing LpVariable", category=DeprecationWarning
        )
        model = model_factory()
        model.solve(solver if solver is not None else _default_solver(), results=False)
    import pulp

    if pulp.LpStatus[model.problem.status] != "Optimal":
        raise SitingError(
            [problem("siting_not_optimal", status=pulp.LpStatus[model.problem.status])]
        )
    return sorted(
        j for j, v in enumerate(model.fac_vars) if v.varValue is not None and v.varValue > 0.5
    )


def _assign(
    c: np.ndarray, selected: list[int], radius: float | None
) -> tuple[np.ndarray, np.ndarray]:
    sub = c[:, selected]
    nearest = np.asarray(selected)[np.argmin(sub, axis=1)]
    best = sub.min(axis=1)
    covered = np.ones(len(c), bool) if radius is None else best <= radius
    return nearest.astype(np.int64), covered


def p_median(
    cost: npt.ArrayLike,
    weights: npt.ArrayLike,
    p: int,
    *,
    service_km: float | None = None,
    solver: Any = None,
) -> SiteSolution:
    """Choose ``p`` candidates minimising total weighted cost (p-median, Hakimi 1964).

    min Σ_i Σ_j a_i d_ij x_ij  s.t.  Σ_j x_ij = 1 ∀i,  x_ij ≤ y_j,  Σ_j y_j = p,  x, y ∈ {0, 1}.

    Solved with ``spopt.locate.PMedian.from_cost_matrix`` and CBC.

    Parameters
    ----------
    cost
        Demand × candidate matrix d_ij (km or any cost), finite and >= 0.
    weights
        Demand weights a_i >= 0.
    p
        Number of sites, 1 ≤ p ≤ number of candidates.
    service_km
        Optional radius: only used to report which demand is ``covered``.
    solver
        A PuLP solver; default CBC (system or bundled with PuLP), quiet.

    Returns
    -------
    SiteSolution
        ``objective`` = Σ_i a_i min_{j∈S} d_ij.

    Examples
    --------
    Candidates at 0, 5, 10 on a line; demand at 0, 1, 9, 10 with equal weights: one site goes in
    the middle (total 18), two go at the ends (total 2).

    >>> d = np.abs(np.subtract.outer([0, 1, 9, 10], [0, 5, 10])).astype(float)
    >>> p_median(d, np.ones(4), 1).selected, p_median(d, np.ones(4), 2).selected
    ((1,), (0, 2))
    """
    c, w, k = _check_problem(cost, weights, p)
    from spopt.locate import PMedian

    selected = _solve(lambda: PMedian.from_cost_matrix(c, w, p_facilities=k), solver)
    assignment, covered = _assign(c, selected, service_km)
    objective = float((w * c[np.arange(len(c)), assignment]).sum())
    return SiteSolution("p-median", tuple(selected), assignment, objective, covered)


def max_cover(
    cost: npt.ArrayLike, weights: npt.ArrayLike, p: int, service_km: float, *, solver: Any = None
) -> SiteSolution:
    """Choose ``p`` candidates covering the most demand weight within ``service_km`` (MCLP).

    max Σ_i a_i z_i  s.t.  z_i ≤ Σ_{j: d_ij ≤ S} y_j ∀i,  Σ_j y_j = p,  y, z ∈ {0, 1}
    (Church & ReVelle 1974). Solved with ``spopt.locate.MCLP.from_cost_matrix`` and CBC.

    Returns
    -------
    SiteSolution
        ``objective`` = covered weight; ``assignment`` is -1 for uncovered demand.

    Examples
    --------
    >>> d = np.abs(np.subtract.outer([0, 1, 9, 10], [0, 5, 10])).astype(float)
    >>> max_cover(d, [1, 2, 3, 4], 1, 4.5).selected
    (2,)
    """
    c, w, k = _check_problem(cost, weights, p)
    radius = (
        float(service_km) if _is_numeric(service_km) and np.ndim(service_km) == 0 else float("nan")
    )
    _raise(
        []
        if math.isfinite(radius) and radius >= 0
        else [problem("siting_radius", argument="service_km", value=service_km)]
    )
    from spopt.locate import MCLP

    selected = _solve(
        lambda: MCLP.from_cost_matrix(c, w, service_radius=radius, p_facilities=k), solver
    )
    assignment, covered = _assign(c, selected, radius)
    assignment = np.where(covered, assignment, -1)
    return SiteSolution("mclp", tuple(selected), assignment, float(w[covered].sum()), covered)


# ----------------------------------------------------------------------------- geo adapters
def candidate_counties(region: str) -> list[str]:
    """County adcodes where a new site in ``region`` may go (see module docstring).

    >>> candidate_counties("370705")[:1]
    ['370705']
    """
    from geo.boundaries import load_counties
    from geo.frames import membership

    r = parse_region(region)
    counties = load_counties()
    if r.level == "province":
        return sorted(counties["adcode"])
    if r.level == "city":
        return sorted(counties.loc[counties["city_adcode"] == r.code, "adcode"])
    if r.level == "zone":
        m = membership(r.frame)
        return sorted(m.loc[m["zone_code"] == r.code, "adcode"])
    from geo.weights import region_weights

    return [r.code, *sorted(region_weights("county").neighbors.get(r.code, []))]


def _check_chain_node(
    chain: str, node: str, graph: nx.DiGraph | None, problems: list[Problem]
) -> nx.DiGraph | None:
    try:
        g = graph if graph is not None else load_chain(chain)
    except ValueError as exc:
        problems += _problems_of(exc)
        return None
    if node not in g:
        problems.append(
            problem(
                "siting_unknown_node",
                argument="node",
                value=node,
                chain=chain,
                valid=", ".join(g.nodes),
            )
        )
        return None
    return g


def _check_weights(
    weights: Mapping[str, float] | None, problems: list[Problem]
) -> dict[str, float]:
    if weights is None:
        return dict(SCORE_WEIGHTS)
    unknown = sorted(set(weights) - set(_PARTS))
    if unknown:
        problems.append(
            problem(
                "siting_weight_parts", argument="weights", value=unknown, valid=", ".join(_PARTS)
            )
        )
    out = {
        k: float(weights.get(k, 0.0)) if _is_numeric(weights.get(k, 0.0)) else float("nan")
        for k in _PARTS
    }
    bad = [k for k, v in out.items() if not math.isfinite(v) or v < 0]
    if bad:
        problems.append(problem("siting_weight_values", argument="weights", value=bad))
    elif sum(out.values()) <= 0:
        problems.append(problem("siting_weight_zero", argument="weights"))
    return out


def _located(firms: gpd.GeoDataFrame) -> npt.NDArray[np.bool_]:
    g = firms.geometry
    return (g.notna() & ~g.is_empty).to_numpy()


def _at_county_point(firms: gpd.GeoDataFrame) -> np.ndarray:
    """True for firms located at their county's point (imported without coordinates)."""
    if "location_quality" not in firms:
        return np.zeros(len(firms), dtype=bool)
    return firms["location_quality"].isin(["county", "address"]).to_numpy(dtype=bool)


def _nearest_km(lon: np.ndarray, lat: np.ndarray, firms: gpd.GeoDataFrame) -> np.ndarray:
    """Geodesic km from each point to the nearest firm of ``firms`` (NaN if there is none)."""
    firms = firms[_located(firms)]
    if firms.empty:
        return np.full(len(lon), np.nan)
    d = geodesic_distance_km(
        lon[:, None],
        lat[:, None],
        firms.geometry.x.to_numpy()[None, :],
        firms.geometry.y.to_numpy()[None, :],
    )
    return d.min(axis=1)


def _htz_by_county() -> dict[str, list[tuple[str, str]]]:
    """County adcode -> [(short Chinese name, English name)] of the high-tech zones it hosts."""
    from geo.sites import htz_short_name, load_htz

    h = load_htz()
    out: dict[str, list[tuple[str, str]]] = {}
    for zh, en, hosts in zip(h["name_zh"], h["name_en"], h["host_county_adcodes"], strict=True):
        # drop a trailing alias such as "(潍坊(寿光)高新区)" before shortening the name
        short = htz_short_name(re.sub(r"\s*\(.*\)\s*$", "", str(zh)))
        for code in str(hosts).split(";"):
            if code:
                out.setdefault(code, []).append((short, str(en)))
    return out


def _node_label(g: nx.DiGraph, n: str, lang: str) -> str:
    return str(g.nodes[n].get("name_zh" if lang == "zh" else "name_en", n))


def score_candidates(
    firms: gpd.GeoDataFrame,
    chain: str,
    node: str,
    *,
    region: str,
    weights: Mapping[str, float] | None = None,
    decay_km: float = 50.0,
    graph: nx.DiGraph | None = None,
) -> pd.DataFrame:
    """Score the candidate counties of ``region`` for a new site at ``node`` of ``chain``.

    Parameters
    ----------
    firms
        Firm points (EPSG:4326) with ``chain`` and ``node``; ``adcode`` is filled where missing.
    chain, node
        The chain code and the node to site (usually one that is missing in the region).
    region
        County or city adcode, zone code or ``370000``; candidates from :func:`candidate_counties`.
    weights
        Weights of the parts ``neighbours``, ``htz``, ``buyers``, ``suppliers`` (missing keys
        weigh 0); default :data:`SCORE_WEIGHTS`.
    decay_km
        Distance decay of the buyer and supplier parts, s = exp(−d / decay_km).
    graph
        A chain graph to use instead of the shipped template.

    Returns
    -------
    DataFrame
        One row per candidate county, best first: ``rank``, ``adcode``, ``name_zh``,
        ``name_en``, ``lon``, ``lat`` (representative point), ``n_at_node`` (firms already at the
        node), the raw parts ``neighbour_nodes`` (share), ``neighbours_present`` (``;``-joined
        node ids), ``htz`` (0/1), ``htz_names``, ``htz_names_en``, ``dist_buyers_km``, ``dist_suppliers_km``, the
        normalised parts ``s_neighbours``, ``s_htz``, ``s_buyers``, ``s_suppliers``, ``score``,
        ``reason_zh``, ``reason_en``. ``attrs["weights"]`` holds the weights used.

    Examples
    --------
    A region with no firm at all still gets a table: every part is 0 except ``htz``.

    >>> from layout.demo import demo_firms
    >>> t = score_candidates(demo_firms(), "LED", "display", region="BLUE")
    >>> list(t.columns[:3]), bool(t["score"].is_monotonic_decreasing)
    (['rank', 'adcode', 'name_zh'], True)
    """
    problems: list[Problem] = []
    g = _check_chain_node(chain, node, graph, problems)
    w = _check_weights(weights, problems)
    if not (_is_numeric(decay_km) and np.ndim(decay_km) == 0 and float(decay_km) > 0):
        problems.append(problem("siting_decay", argument="decay_km", value=decay_km))
    try:
        cands = candidate_counties(region)
    except ValueError as exc:
        problems += _problems_of(exc)
        cands = []
    _raise(problems)
    assert g is not None
    pts = region_table("county").set_index("region").loc[cands]
    lon, lat = pts["lon"].to_numpy(), pts["lat"].to_numpy()

    mine = firms[firms["chain"] == chain]
    links = assign_regions(mine, level="county")
    nodes_of = mine["node"].to_numpy()[links["row"].to_numpy()]
    present = pd.crosstab(links["region"].to_numpy(), nodes_of) if len(links) else pd.DataFrame()
    preds, succs = sorted(g.predecessors(node)), sorted(g.successors(node))
    neigh = sorted(set(preds) | set(succs))
    have = {
        c: [
            m
            for m in neigh
            if m in present.columns and c in present.index and present.loc[c, m] > 0
        ]
        for c in cands
    }
    n_at = [
        int(present.loc[c, node]) if node in present.columns and c in present.index else 0
        for c in cands
    ]
    share = np.array([len(have[c]) / len(neigh) if neigh else 0.0 for c in cands])
    htz = _htz_by_county()
    d_buy = _nearest_km(lon, lat, mine[mine["node"].isin(succs)])
    d_sup = _nearest_km(lon, lat, mine[mine["node"].isin(preds)])
    decay = float(decay_km)
    parts = {
        "neighbours": share,
        "htz": np.array([1.0 if c in htz else 0.0 for c in cands]),
        "buyers": np.nan_to_num(np.exp(-d_buy / decay), nan=0.0),
        "suppliers": np.nan_to_num(np.exp(-d_sup / decay), nan=0.0),
    }
    total = sum(w.values())
    score = np.sum([w[k] * parts[k] for k in _PARTS], axis=0) / total
    out = pd.DataFrame(
        {
            "adcode": cands,
            "name_zh": pts["name_zh"].to_numpy(),
            "name_en": pts["name_en"].to_numpy(),
            "lon": lon,
            "lat": lat,
            "n_at_node": n_at,
            "neighbour_nodes": share,
            "neighbours_present": [";".join(have[c]) for c in cands],
            "htz": parts["htz"].astype(int),
            "htz_names": [";".join(z for z, _ in htz.get(c, [])) for c in cands],
            "htz_names_en": [";".join(e for _, e in htz.get(c, [])) for c in cands],
            "dist_buyers_km": d_buy.round(1),
            "dist_suppliers_km": d_sup.round(1),
            **{f"s_{k}": parts[k].round(4) for k in _PARTS},
            "score": np.round(score, 4),
        }
    )
    reasons = [
        _score_reason(g, node, neigh, have[c], out.loc[i], bool(succs), bool(preds))
        for i, c in enumerate(cands)
    ]
    out["reason_zh"] = [r[0] for r in reasons]
    out["reason_en"] = [r[1] for r in reasons]
    out = out.sort_values(["score", "adcode"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out.attrs.update(weights=w, decay_km=decay, chain=chain, node=node, region=str(region))
    return out


def _score_reason(
    g: nx.DiGraph,
    node: str,
    neigh: list[str],
    have: list[str],
    row: pd.Series,
    has_buyer_nodes: bool,
    has_supplier_nodes: bool,
) -> tuple[str, str]:
    zh: list[str] = []
    en: list[str] = []
    if neigh:
        names_zh = "、".join(_node_label(g, m, "zh") for m in have)
        names_en = ", ".join(_node_label(g, m, "en") for m in have)
        zh.append(
            f"相邻环节 {len(have)}/{len(neigh)} 已在本县" + (f"（{names_zh}）" if have else "")
        )
        en.append(
            f"{len(have)} of {len(neigh)} neighbouring chain nodes present"
            + (f" ({names_en})" if have else "")
        )
    if row["htz"]:
        zh.append(f"有高新区（{row['htz_names'].replace(';', '、')}）")
        en.append(f"hosts a high-tech zone ({row['htz_names_en'].replace(';', ', ')})")
    else:
        zh.append("无高新区")
        en.append("no high-tech zone")
    for kind, has_nodes, d in (
        ("buyers", has_buyer_nodes, row["dist_buyers_km"]),
        ("suppliers", has_supplier_nodes, row["dist_suppliers_km"]),
    ):
        who_zh = "下游买方" if kind == "buyers" else "上游供应商"
        if not has_nodes:
            zh.append(f"链中无{who_zh}环节（该项不计）")
            en.append(f"no {kind[:-1]} node in the chain (part not scored)")
        elif not np.isfinite(d):
            zh.append(f"全省无已定位的{who_zh}企业（该项不计）")
            en.append(f"no located {kind[:-1]} firm in the province (part not scored)")
        else:
            zh.append(f"最近{who_zh}企业 {d:.0f} km")
            en.append(f"nearest {kind[:-1]} firm {d:.0f} km")
    return "；".join(zh), "; ".join(en)


@dataclass
class SiteResult:
    """Result of :func:`site_k`: chosen counties, the demand they serve, and the model.

    ``sites``: rank, adcode, name_zh, name_en, lon, lat, n_demand, demand_weight, covered_weight,
    mean_km (weighted mean km of the demand it serves). ``demand``: one row per demand firm with
    firm_id, name, node, weight, lon, lat, site (adcode), distance_km, covered,
    at_county_point (the firm was imported without coordinates: its distance is from its
    county's point; ``notes`` then says how many such firms there are).
    """

    method: str
    chain: str
    node: str
    region: str
    k: int
    service_km: float | None
    demand_kind: str
    demand_nodes: list[str]
    sites: pd.DataFrame
    demand: pd.DataFrame
    objective: float
    covered_weight_share: float
    notes: list[str] = field(default_factory=list)


def site_k(
    firms: gpd.GeoDataFrame,
    chain: str,
    node: str,
    *,
    region: str,
    k: int = 1,
    method: str = "p-median",
    service_km: float = 50.0,
    base: str = "employees",
    scope: str = "province",
    graph: nx.DiGraph | None = None,
    solver: Any = None,
) -> SiteResult:
    """Choose ``k`` counties of ``region`` for new sites at ``node`` (p-median or MCLP).

    Demand = located firms at the node's buyer nodes (its successors in the chain), weighted by
    ``base``; a final product (no successor) uses its supplier nodes instead, since a plant of a
    final product sits near its inputs (``demand_kind`` says which). Candidates = the region's
    candidate counties (:func:`candidate_counties`), at their representative points. Cost =
    geodesic km (WGS-84 ellipsoid).

    Parameters
    ----------
    method
        ``"p-median"`` (minimise weighted km) or ``"mclp"`` (cover the most weight within
        ``service_km``).
    service_km
        Service radius for ``mclp``; for ``p-median`` it only reports the covered share.
    base
        ``employees``, ``output`` or ``firms`` (1 per firm). Firms without the figure (real anchor
        firms publish none) weigh 0 under ``employees``/``output``; use ``base="firms"`` to count
        them.
    scope
        ``"province"`` (demand anywhere in Shandong, default) or ``"region"`` (only demand firms
        inside ``region``).

    Returns
    -------
    SiteResult
    """
    problems: list[Problem] = []
    g = _check_chain_node(chain, node, graph, problems)
    if method not in METHODS:
        problems.append(
            problem("siting_method", argument="method", value=method, valid=", ".join(METHODS))
        )
    problems += base_problems(base)
    if scope not in ("province", "region"):
        problems.append(problem("siting_scope", argument="scope", value=scope))
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        problems.append(problem("siting_k_type", argument="k", value=k))
    try:
        cands = candidate_counties(region)
    except ValueError as exc:
        problems += _problems_of(exc)
        cands = []
    if cands and isinstance(k, int | np.integer) and not isinstance(k, bool) and k > len(cands):
        problems.append(
            problem("siting_k_range", argument="k", value=k, n=len(cands), region=region)
        )
    _raise(problems)
    assert g is not None
    succs, preds = sorted(g.successors(node)), sorted(g.predecessors(node))
    kind, dnodes = ("buyers", succs) if succs else ("suppliers", preds)
    mine = firms[(firms["chain"] == chain) & firms["node"].isin(dnodes)]
    mine = mine[_located(mine)]
    if scope == "region" and len(mine):
        code = parse_region(region).code
        level = parse_region(region).level
        inside = assign_regions(mine, level=level, frame=parse_region(region).frame)
        rows = (
            sorted(set(inside.loc[inside["region"] == code, "row"]))
            if code != PROVINCE
            else list(range(len(mine)))
        )
        mine = mine.iloc[rows]
    if mine.empty:
        _raise(
            [
                problem(
                    "siting_no_demand",
                    chain=chain,
                    nodes="、".join(str(g.nodes[n].get("name_zh") or n) for n in dnodes),
                    nodes_en=", ".join(dnodes),
                    kind="下游买方" if kind == "buyers" else "上游供应",
                    kind_en=kind[:-1],
                    where="（本区域内）" if scope == "region" else "",
                    where_en=" inside the region" if scope == "region" else "",
                )
            ]
        )
    weight = node_values(mine, base=base).to_numpy()
    notes: list[str] = []
    if weight.sum() == 0:
        notes.append(problem("siting_zero_weights", base=base))
    pts = region_table("county").set_index("region").loc[cands]
    flon, flat = mine.geometry.x.to_numpy(), mine.geometry.y.to_numpy()
    cost = geodesic_distance_km(
        flon[:, None], flat[:, None], pts["lon"].to_numpy()[None, :], pts["lat"].to_numpy()[None, :]
    )
    if method == "p-median":
        sol = p_median(cost, weight, int(k), service_km=service_km, solver=solver)
    else:
        sol = max_cover(cost, weight, int(k), service_km, solver=solver)
    served = np.where(sol.assignment >= 0, sol.assignment, 0)
    dist = cost[np.arange(len(cost)), served]
    names_en = mine["name_en"].fillna(mine["name"]) if "name_en" in mine else mine["name"]
    demand = pd.DataFrame(
        {
            "firm_id": mine["firm_id"].astype(str).to_numpy()
            if "firm_id" in mine
            else np.arange(len(mine)).astype(str),
            "name": mine["name"].astype(str).to_numpy(),
            "name_en": names_en.astype(str).to_numpy(),
            "node": mine["node"].to_numpy(),
            "weight": weight,
            "lon": flon,
            "lat": flat,
            "site": [cands[j] if j >= 0 else None for j in sol.assignment],
            "distance_km": np.where(sol.assignment >= 0, dist, np.nan).round(1),
            "covered": sol.covered,
            "at_county_point": _at_county_point(mine),
        }
    )
    n_county = int(demand["at_county_point"].sum())
    if n_county:
        notes.append(
            f"{n_county} of {len(demand)} demand firms were imported without coordinates and "
            "sit at their county's point: their distances are from that point"
        )
    rows = []
    for rank, j in enumerate(sol.selected, start=1):
        mask = sol.assignment == j
        wsum = float(weight[mask].sum())
        rows.append(
            {
                "rank": rank,
                "adcode": cands[j],
                "name_zh": pts["name_zh"].iloc[j],
                "name_en": pts["name_en"].iloc[j],
                "lon": float(pts["lon"].iloc[j]),
                "lat": float(pts["lat"].iloc[j]),
                "n_demand": int(mask.sum()),
                "demand_weight": wsum,
                "covered_weight": float(weight[mask & sol.covered].sum()),
                "mean_km": round(float((weight[mask] * dist[mask]).sum() / wsum), 1)
                if wsum > 0
                else float("nan"),
            }
        )
    total = float(weight.sum())
    return SiteResult(
        method=method,
        chain=chain,
        node=node,
        region=str(region),
        k=int(k),
        service_km=float(service_km),
        demand_kind=kind,
        demand_nodes=dnodes,
        sites=pd.DataFrame(rows),
        demand=demand,
        objective=sol.objective,
        covered_weight_share=float(weight[sol.covered].sum() / total)
        if total > 0
        else float("nan"),
        notes=notes,
    )
