"""Replay a scenario's edits: the firm table after firm edits, the membership after zone edits.

:func:`apply` is pure (the input table is never changed) and validates the scenario first;
:func:`scenario_membership` gives the county → zone table of a frame after the membership
edits, and :func:`assign_zone_regions` assigns firms to zones under such a table.
"""

from __future__ import annotations

import contextlib
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layout.scenarios.model import AddFirm, ChangeZoneMembership, MoveFirm, RemoveFirm, Scenario
from layout.scenarios.validate import validate

__all__ = [
    "EDIT_SOURCE",
    "apply",
    "assign_zone_regions",
    "membership_frames",
    "scenario_membership",
]

EDIT_SOURCE = "scenario edit (hypothetical)"
"""``location_quality``/``verification`` of firms and memberships a scenario added or moved."""


def apply(scenario: Scenario, firms: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Firm table after ``scenario``'s firm edits, replayed in order; ``firms`` is not changed.

    Parameters
    ----------
    scenario
        The scenario; it is validated against ``firms`` first.
    firms
        Baseline firms (``firm_id``, ``chain``, ``node``, figures, point geometry). Site and
        membership edits do not touch the firm table (see :func:`layout.scenarios.scenario_sites`,
        :func:`scenario_membership`).

    Returns
    -------
    GeoDataFrame
        Same columns and dtypes, index reset. Added firms carry ``source = "scenario
        <name>"``, ``verification`` and ``location_quality`` saying they are hypothetical and
        ``synthetic = False``; moved firms get that ``location_quality``. Only added and moved
        firms are joined to counties (``adcode``); every other row is kept as given.

    Raises
    ------
    ScenarioError
        From :func:`validate`.
    """
    validate(scenario, firms)
    out = firms.reset_index(drop=True)  # a fresh frame with unique labels (the input is left alone)
    ids = out["firm_id"].astype(str)
    added: dict[str, dict[str, Any]] = {}
    moved: dict[str, tuple[float, float]] = {}
    removed: set[str] = set()
    for edit in scenario.edits:
        if isinstance(edit, AddFirm):
            added[edit.firm_id] = {
                "firm_id": edit.firm_id,
                "name": edit.name,
                "chain": edit.chain,
                "node": edit.node,
                "employees": np.nan if edit.employees is None else edit.employees,
                "output": np.nan if edit.output is None else edit.output,
                "lon": edit.lon,
                "lat": edit.lat,
            }
        elif isinstance(edit, MoveFirm):
            if edit.firm_id in added:
                added[edit.firm_id] |= {"lon": edit.lon, "lat": edit.lat}
            else:
                moved[str(edit.firm_id)] = (edit.lon, edit.lat)
        elif isinstance(edit, RemoveFirm):
            if edit.firm_id in added:
                del added[edit.firm_id]
            else:
                removed.add(str(edit.firm_id))
                moved.pop(str(edit.firm_id), None)
    out = out[~ids.isin(removed).to_numpy()]
    edited = np.zeros(len(out), dtype=bool)
    if moved:
        hit = out["firm_id"].astype(str).isin(moved)
        edited |= hit.to_numpy()
        where = out.index[hit.to_numpy()]
        xy = [moved[str(i)] for i in out.loc[where, "firm_id"]]
        pts = gpd.GeoSeries(shapely.points([p[0] for p in xy], [p[1] for p in xy]), crs="EPSG:4326")
        out.loc[where, out.geometry.name] = (
            pts.to_crs(out.crs).to_numpy() if out.crs is not None else pts.to_numpy()
        )
        if "adcode" in out:
            out.loc[where, "adcode"] = pd.NA
        if "location_quality" in out:
            out.loc[where, "location_quality"] = EDIT_SOURCE
    if added:
        out = _append_firms(out, list(added.values()), scenario.name)
        edited = np.concatenate([edited, np.ones(len(added), dtype=bool)])
    out = out.reset_index(drop=True)
    if edited.any():  # join only what the edits placed; other rows keep their adcode as given
        from layout.regions import ensure_adcode

        if "adcode" not in out:
            out["adcode"] = pd.Series(pd.NA, index=out.index, dtype="string")
        joined = ensure_adcode(out.loc[edited])["adcode"]
        out["adcode"] = out["adcode"].astype(object)
        out.loc[edited, "adcode"] = joined.astype(object).to_numpy()
        out["adcode"] = out["adcode"].astype(
            firms["adcode"].dtype if "adcode" in firms else "string"
        )
    return out


def _append_firms(
    firms: gpd.GeoDataFrame, records: list[dict[str, Any]], scenario: str
) -> gpd.GeoDataFrame:
    geom = shapely.points([r["lon"] for r in records], [r["lat"] for r in records])
    new = pd.DataFrame(
        index=range(len(records)), columns=[c for c in firms.columns if c != firms.geometry.name]
    )
    extra = {
        "synthetic": False,
        "location_quality": EDIT_SOURCE,
        "source": f"scenario {scenario}",
        "verification": EDIT_SOURCE,
        "adcode": pd.NA,
    }
    for col in new.columns:
        if col in records[0]:
            new[col] = [r[col] for r in records]
        elif col in extra:
            new[col] = extra[col]
    for col in ("firm_id", "name", "chain", "node", "employees", "output"):
        if col not in new:
            new[col] = [r[col] for r in records]
    for col in new.columns:
        if col in firms and firms[col].dtype != object:
            with contextlib.suppress(TypeError, ValueError):
                new[col] = new[col].astype(firms[col].dtype)
    pts = gpd.GeoSeries(geom, crs="EPSG:4326")
    if firms.crs is not None:
        pts = pts.to_crs(firms.crs)
    new = gpd.GeoDataFrame(new, geometry=pts.rename(firms.geometry.name))
    return pd.concat(
        [firms, new[list(firms.columns) + [c for c in new.columns if c not in firms]]],
        ignore_index=True,
    )


def scenario_membership(scenario: Scenario, frame: str = "2013") -> pd.DataFrame:
    """County → zone membership of ``frame`` after the scenario's membership edits.

    Same columns as :func:`geo.frames.membership`; added rows have ``verification =
    "scenario edit (hypothetical)"`` and ``source = "scenario <name>"``.
    """
    from geo.frames import membership

    m = membership(frame).copy()
    for edit in scenario.edits:
        if not isinstance(edit, ChangeZoneMembership) or edit.frame != str(frame):
            continue
        hit = (m["adcode"] == edit.adcode) & (m["zone_code"] == edit.zone_code)
        if edit.action == "remove":
            m = m[~hit]
        elif not hit.any():
            row = {c: "" for c in m.columns} | {
                "frame": str(frame),
                "adcode": edit.adcode,
                "zone_code": edit.zone_code,
                "verification": EDIT_SOURCE,
                "source": f"scenario {scenario.name}",
            }
            m = pd.concat([m, pd.DataFrame([row])], ignore_index=True)
    return m.reset_index(drop=True)


def membership_frames(scenario: Scenario) -> set[str]:
    """The plan frames whose membership the scenario edits."""
    return {e.frame for e in scenario.edits if isinstance(e, ChangeZoneMembership)}


def assign_zone_regions(firms: gpd.GeoDataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    """Long table firm row → zone under a given membership table, sorted by row and zone.

    A firm counts in every zone whose members include its county (zones overlap); see
    :func:`layout.regions.assign_regions`, which this calls.
    """
    from layout.regions import assign_regions

    out = assign_regions(firms, level="zone", membership=membership)
    return out.sort_values(["row", "region"], kind="stable").reset_index(drop=True)
