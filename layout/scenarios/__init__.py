"""Scenarios: named lists of edits over the baseline, replayed and compared metric by metric.

"What if we attract an epitaxial-wafer maker to 寿光, or open a park in 滕州?" A
:class:`Scenario` is a name, a description and an ordered tuple of edits:

* :class:`AddFirm`, :class:`MoveFirm`, :class:`RemoveFirm` — change the firm table;
* :class:`AddSite` — a planned cluster site or park (a point). Sites hold no firms, so they
  leave the chain metrics alone; they change the *host* table (:func:`site_hosts`): a park
  counts as a high-tech-zone-like host (``htz_like``) of its county, a cluster site as a
  cluster host, and a county with any host is no longer "uncovered". Siting and coverage code
  reads :func:`site_hosts` to score candidate counties;
* :class:`ChangeZoneMembership` — add a county to, or remove it from, a zone of a plan frame.

:func:`validate` reports every problem of a scenario at once (unknown firm, chain, node,
county or zone; coordinates outside Shandong; bad figures; a list or object where text or a
number belongs) in one :class:`ScenarioError` — a :class:`geo.problems.ProblemError` whose
problems carry message codes and Chinese and English text. :func:`apply` replays the edits
on a firm table (pure: the input is never changed); :func:`evaluate` recomputes the chain
analysis (with an edited zone membership where the scenario has one); :func:`diff` compares
a scenario with its baseline; :func:`run_scenario` does all three and saves the result in a
:class:`~layout.workspace.Workspace`.

One concern per module, every public name importable from here:

==========================================  ===================================================
:mod:`layout.scenarios.model`               edits, :class:`Scenario`, JSON in and out (bounded)
:mod:`layout.scenarios.validate`            :func:`validate`
:mod:`layout.scenarios.apply`               :func:`apply`, :func:`scenario_membership`
:mod:`layout.scenarios.sites`               :func:`scenario_sites`, :func:`site_hosts`,
                                            :func:`site_changes`
:mod:`layout.scenarios.diff`                :class:`ScenarioDiff`, :func:`diff`
:mod:`layout.scenarios.run`                 :func:`evaluate`, :func:`run_scenario`,
                                            :func:`load_scenario`, :func:`time_one_edit`
:mod:`layout.scenarios.errors`              :class:`ScenarioError`
==========================================  ===================================================

What counts as a change in :func:`diff`: a (region, node) row changed when its status, its
firm count or its value (on the base) changed; LQ-only shifts are counted, not listed (see
:mod:`layout.scenarios.diff`). The JSON format is described in :mod:`layout.scenarios.model`.
"""

from __future__ import annotations

from layout.scenarios.apply import apply, assign_zone_regions, scenario_membership
from layout.scenarios.diff import ScenarioDiff, diff
from layout.scenarios.errors import ScenarioError
from layout.scenarios.model import (
    ACTIONS,
    EDIT_TYPES,
    SCHEMA_VERSION,
    SITE_KINDS,
    AddFirm,
    AddSite,
    ChangeZoneMembership,
    Edit,
    MoveFirm,
    RemoveFirm,
    Scenario,
    edit_from_dict,
)
from layout.scenarios.run import evaluate, load_scenario, run_scenario, time_one_edit
from layout.scenarios.sites import scenario_sites, site_changes, site_hosts
from layout.scenarios.validate import validate

__all__ = [
    "ACTIONS",
    "EDIT_TYPES",
    "SCHEMA_VERSION",
    "SITE_KINDS",
    "AddFirm",
    "AddSite",
    "ChangeZoneMembership",
    "Edit",
    "MoveFirm",
    "RemoveFirm",
    "Scenario",
    "ScenarioDiff",
    "ScenarioError",
    "apply",
    "assign_zone_regions",
    "diff",
    "edit_from_dict",
    "evaluate",
    "load_scenario",
    "run_scenario",
    "scenario_membership",
    "scenario_sites",
    "site_changes",
    "site_hosts",
    "time_one_edit",
    "validate",
]
