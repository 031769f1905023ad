"""Run a scenario: baseline, edited analysis and their diff, saved to a workspace if asked.

:func:`evaluate` recomputes the chain analysis (with an edited zone membership where the
scenario has one); :func:`run_scenario` validates, applies, evaluates (incrementally when it
can) and diffs, and saves the scenario and its result layers in one atomic workspace write;
:func:`load_scenario` reads a saved scenario back.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from geo.problems import problem, register_messages
from layout.scenarios.apply import apply, membership_frames, scenario_membership
from layout.scenarios.diff import ScenarioDiff, diff
from layout.scenarios.errors import ScenarioError
from layout.scenarios.model import AddFirm, AddSite, MoveFirm, RemoveFirm, Scenario
from layout.scenarios.sites import site_changes
from layout.scenarios.validate import validate
from layout.workspace import WorkspaceError, check_layer_name

if TYPE_CHECKING:
    from layout.analysis import ChainAnalysis
    from layout.workspace import Workspace

__all__ = ["evaluate", "load_scenario", "run_scenario", "time_one_edit"]

register_messages(
    {
        "scn_result_name_long": (
            "结果图层 {name!r} 超过 63 个字符：请缩短情景名称 {scenario!r}",
            "result layer {name!r} is longer than 63 characters: shorten the scenario name "
            "{scenario!r}",
        ),
        "scn_name_taken": (
            "{workspace} 中已保存了另一个名为 {name!r} 的情景：请为本情景改名，或先以 overwrite=True 保存",
            "a different scenario named {name!r} is saved in {workspace}: rename this one or save "
            "it with overwrite=True first",
        ),
    }
)


def evaluate(
    firms: gpd.GeoDataFrame,
    chain: str,
    *,
    region: str | None = None,
    level: str | None = None,
    frame: str = "2013",
    base: str = "employees",
    membership: pd.DataFrame | None = None,
    graph: nx.DiGraph | None = None,
    permutations: int = 999,
    seed: int = 20150123,
) -> ChainAnalysis:
    """Chain analysis of ``firms`` (:func:`layout.analysis.analyze_chain`) under a scenario's membership.

    Parameters
    ----------
    firms, chain, region, level, frame, base, graph, permutations, seed
        As in :func:`layout.analysis.analyze_chain`.
    membership
        A county → zone table like :func:`geo.frames.membership` (columns ``adcode``,
        ``zone_code``), e.g. from :func:`scenario_membership`; passed to ``analyze_chain``,
        which uses it at level ``zone``. With the shipped membership the result equals
        ``analyze_chain`` (tested); when it differs, ``data["membership"]`` says
        ``edited by a scenario`` and the node reasons carry a note.

    Returns
    -------
    ChainAnalysis
    """
    from layout.analysis import analyze_chain

    result = analyze_chain(
        firms,
        chain,
        region=region,
        level=level,
        frame=frame,
        base=base,
        graph=graph,
        permutations=permutations,
        seed=seed,
        membership=membership,
    )
    if result.data.get("membership") == "edited":
        result.data["membership"] = "edited by a scenario"
    return result


def _touches_analysis(scenario: Scenario, level: str, frame: str) -> bool:
    if any(isinstance(e, AddFirm | MoveFirm | RemoveFirm) for e in scenario.edits):
        return True
    return level == "zone" and frame in membership_frames(scenario)


def run_scenario(
    workspace: Workspace | None,
    scenario: Scenario,
    firms: gpd.GeoDataFrame,
    chain: str,
    *,
    region: str | None = None,
    level: str | None = None,
    frame: str = "2013",
    base: str = "employees",
    permutations: int = 999,
    baseline: ChainAnalysis | None = None,
    base_firms: str | None = None,
    incremental: bool = True,
) -> tuple[ChainAnalysis, ChainAnalysis, ScenarioDiff]:
    """Baseline analysis, scenario analysis and their diff; saved to ``workspace`` if given.

    Parameters
    ----------
    workspace
        Where to save the scenario (if not saved yet) and the result layers
        ``<scenario>_<chain>_changes`` (node changes), ``<scenario>_<chain>_regions`` (polygons
        with completeness before/after) and, with site edits, ``<scenario>_<chain>_sites`` — in
        one atomic write. ``None``: nothing is written.
    scenario, firms, chain
        The scenario, the baseline firm table and the chain code.
    region, level, frame, base, permutations
        As in :func:`layout.analysis.analyze_chain`.
    baseline
        A baseline analysis computed earlier with the same options and the same ``firms``:
        reused instead of recomputed (the app caches it).
    base_firms
        Firm layer name recorded with a newly saved scenario (default: see
        :meth:`Workspace.save_scenario`).
    incremental
        Recompute only what the edits touch (:func:`layout.analysis.update_chain`: the regions
        holding edited firms or with edited membership, the nodes whose status or firms
        changed) — the result equals a full recompute (tested). ``False``: analyse the edited
        table from scratch.

    Returns
    -------
    (baseline, result, diff)
    """
    from layout.regions import parse_region

    if "adcode" not in firms or firms["adcode"].isna().to_numpy().any():
        from layout.regions import ensure_adcode

        firms = ensure_adcode(firms)  # join once, so edits only join what they place
    parsed = parse_region(region) if region else None
    level_, frame_ = (parsed.level, parsed.frame) if parsed else (level or "county", frame)
    opts: dict[str, Any] = {
        "region": region,
        "level": level,
        "frame": frame,
        "base": base,
        "permutations": permutations,
    }
    touches = _touches_analysis(scenario, level_, frame_)
    edited = apply(scenario, firms) if touches else None  # apply validates the scenario
    if not touches:
        validate(scenario, firms)
    if baseline is None:
        baseline = evaluate(firms, chain, **opts)
    if edited is None:
        result = baseline  # only sites, or membership of a frame not analysed: nothing to recompute
    else:
        membership = (
            scenario_membership(scenario, frame_)
            if level_ == "zone" and frame_ in membership_frames(scenario)
            else None
        )
        if incremental and baseline._state is not None:
            from layout.analysis import update_chain

            ids = {
                str(e.firm_id)
                for e in scenario.edits
                if isinstance(e, AddFirm | MoveFirm | RemoveFirm)
            }
            result = update_chain(
                baseline,
                edited,
                removed=firms[firms["firm_id"].astype(str).isin(ids).to_numpy()],
                added=edited[edited["firm_id"].astype(str).isin(ids).to_numpy()],
                membership=membership,
            )
            if result.data.get("membership") == "edited":
                result.data["membership"] = "edited by a scenario"
        else:
            # the membership-aware path reproduces analyze_chain on every compared column (tested),
            # so the regular baseline can be compared with it
            result = evaluate(edited, chain, membership=membership, **opts)
    sites = (
        site_changes(scenario)
        if any(isinstance(e, AddSite) for e in scenario.edits)
        else pd.DataFrame()
    )
    d = diff(baseline, result, sites=sites, name=scenario.name)
    if workspace is not None:
        _save_run(
            workspace,
            scenario,
            chain,
            d,
            base_firms,
            bool(result.data.get("synthetic_in_use", False)),
        )
    return baseline, result, d


def _save_run(
    workspace: Workspace,
    scenario: Scenario,
    chain: str,
    d: ScenarioDiff,
    base_firms: str | None,
    synthetic: bool,
) -> None:
    prefix = f"{scenario.name}_{chain}"
    results: dict[str, pd.DataFrame] = {
        f"{prefix}_changes": d.nodes,
        f"{prefix}_regions": d.regions_frame(),
    }
    if len(d.sites):
        results[f"{prefix}_sites"] = d.sites
    problems = []
    for name in results:
        try:
            check_layer_name(name, argument="result layer")
        except WorkspaceError:
            problems.append(problem("scn_result_name_long", name=name, scenario=scenario.name))
    if problems:
        raise ScenarioError(problems)
    saved = workspace.list_scenarios()["name"].tolist() if workspace.exists() else []
    if scenario.name in saved and load_scenario(workspace, scenario.name) != scenario:
        raise ScenarioError(
            [problem("scn_name_taken", name=scenario.name, workspace=repr(workspace))]
        )
    if scenario.name in saved:
        workspace.save_results(
            results, description=f"scenario {scenario.name}", synthetic=synthetic
        )
    else:
        workspace.save_scenario(
            scenario, base_firms=base_firms, results=results, results_synthetic=synthetic
        )


def load_scenario(workspace: Workspace, name: str) -> Scenario:
    """The scenario saved as ``name`` in ``workspace``, identical (``==`` and JSON) to the one saved.

    The workspace keeps the plain document (:meth:`Workspace.scenario_document`); the scenario
    model owns its serialisation (:meth:`Scenario.from_dict`).
    """
    return Scenario.from_dict(workspace.scenario_document(name))


def time_one_edit(
    scenario: Scenario, firms: gpd.GeoDataFrame, chain: str, *, repeat: int = 3, **options: Any
) -> dict[str, float]:
    """Seconds to apply a scenario with the baseline at hand: incremental vs full recompute.

    Returns ``{"baseline_s", "full_s", "one_edit_s", "speedup"}``: the baseline analysis,
    the scenario recomputed from scratch (``incremental=False``) and incrementally
    (:func:`layout.analysis.update_chain`), each the best of ``repeat`` runs, and their ratio.
    """
    from layout.regions import ensure_adcode

    firms = ensure_adcode(firms)
    t0 = time.perf_counter()
    baseline, _, _ = run_scenario(None, Scenario("none"), firms, chain, **options)
    out = {"baseline_s": time.perf_counter() - t0}
    for key, inc in (("full_s", False), ("one_edit_s", True)):
        best = math.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            run_scenario(
                None, scenario, firms, chain, baseline=baseline, incremental=inc, **options
            )
            best = min(best, time.perf_counter() - t0)
        out[key] = best
    out["speedup"] = out["full_s"] / out["one_edit_s"]
    return out
