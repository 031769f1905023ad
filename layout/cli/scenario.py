"""``cluster-atlas scenario new|run|list --workspace W.gpkg …``: what-if scenarios.

* ``scenario new --workspace W.gpkg --name NAME --edits edits.json [--description T]
  [--firms-layer L] [--overwrite] [--json]`` — edits.json is a JSON list of edit objects (or an
  object with an ``edits`` list); validated against the base firms, then saved.
* ``scenario run --workspace W.gpkg --name NAME --chain CHAIN [--region CODE] [--level L]
  [--frame F] [--base B] [--permutations N] [--save] [--json]`` — baseline vs scenario;
  ``--save`` writes the result layers into the workspace.
* ``scenario list --workspace W.gpkg [--json]``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from layout.cli.common import (
    CliError,
    add_json_flag,
    emit,
    one_line,
    option_problems,
    permutation_problems,
)

__all__ = ["HELP", "add_arguments", "run"]

HELP = "create, list and run what-if scenarios stored in a workspace"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands ``new``, ``run`` and ``list`` with their flags."""
    inner = parser.add_subparsers(
        dest="scenario_command", parser_class=type(parser), required=True, metavar="SUBCOMMAND"
    )
    s = inner.add_parser("new", help="save a scenario from a JSON list of edits")
    s.add_argument("--workspace", required=True, help="workspace GeoPackage (created if missing)")
    s.add_argument(
        "--name", required=True, help="scenario name: letters, digits, '_' or '-' (max 63)"
    )
    s.add_argument("--edits", required=True, help="JSON file: a list of edit objects")
    s.add_argument("--description", default="", help="free text (Chinese welcome)")
    s.add_argument(
        "--firms-layer",
        default=None,
        help="firm layer the edits apply to (default: firms, else demo)",
    )
    s.add_argument("--overwrite", action="store_true", help="replace a saved scenario of that name")
    add_json_flag(s)
    s.set_defaults(scenario_run=_new)

    s = inner.add_parser("run", help="compare a saved scenario with its baseline")
    s.add_argument("--workspace", required=True, help="workspace GeoPackage")
    s.add_argument("--name", required=True, help="saved scenario name")
    s.add_argument("--chain", required=True, help="chain code, e.g. LED")
    s.add_argument("--region", default=None, help="county/city adcode, zone code or 370000")
    s.add_argument("--level", default=None, help="county, city, zone or province (default county)")
    s.add_argument("--frame", default="2013", help="plan frame of zones: 2013 or 2020")
    s.add_argument("--base", default="employees", help="employees, output or firms")
    s.add_argument("--permutations", type=int, default=999, help="permutations for Moran/LISA/Gi*")
    s.add_argument("--save", action="store_true", help="write the result layers into the workspace")
    add_json_flag(s)
    s.set_defaults(scenario_run=_run)

    s = inner.add_parser("list", help="list saved scenarios")
    s.add_argument("--workspace", required=True, help="workspace GeoPackage")
    add_json_flag(s)
    s.set_defaults(scenario_run=_list)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the sub-command (argparse sets ``args.run`` to it)."""
    handler: Callable[[argparse.Namespace], int] = args.scenario_run
    return handler(args)


def _records(df: Any) -> list[dict[str, Any]]:
    import math

    import numpy as np

    def clean(v: Any) -> Any:
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v

    return [{str(k): clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _load_base(workspace: Any, layer: str) -> Any:
    from layout.workspace import DEMO_BASE

    if layer == DEMO_BASE:
        from layout.demo import demo_firms

        return demo_firms()
    return workspace.load_firms(layer)


def _new(args: argparse.Namespace) -> int:
    from geo.safe_json import JsonLimitError, read_json_file
    from layout.cli.common import check_outputs
    from layout.scenarios import Scenario, ScenarioError, validate
    from layout.workspace import DEMO_BASE, Workspace, WorkspaceError

    try:
        ws = Workspace(args.workspace)
        check_outputs({"--workspace": args.workspace}, {"--edits": args.edits})
        ws.exists()  # a folder, FIFO or non-GeoPackage file is refused before any work
        # bounded: size, depth, items and string length (geo.safe_json); UTF-8 only
        data = read_json_file(args.edits, what=f"--edits {args.edits!r}")
        if isinstance(data, Mapping):
            data = data.get("edits", [])
        scenario = Scenario.from_dict(
            {"name": args.name, "description": args.description or "", "edits": data}
        )
        base_layer = args.firms_layer or (
            "firms" if ws.exists() and "firms" in ws.layers()["name"].tolist() else DEMO_BASE
        )
        validate(scenario, _load_base(ws, base_layer))
        ws.save_scenario(scenario, base_firms=base_layer, overwrite=args.overwrite)
    except (OSError, JsonLimitError, ScenarioError, WorkspaceError) as exc:
        raise CliError(one_line(exc)) from exc
    emit(
        {
            "workspace": str(ws.path),
            "scenario": scenario.name,
            "base_firms": base_layer,
            "edits": len(scenario.edits),
        },
        args.json,
        f"saved scenario {scenario.name} ({len(scenario.edits)} edits over {base_layer}) in {ws.path}",
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    problems = option_problems(chain=args.chain, base=args.base)
    problems += permutation_problems(args.permutations)
    if problems:
        raise CliError("; ".join(str(p) for p in problems))
    from layout.cli.common import check_outputs
    from layout.regions import RegionError
    from layout.scenarios import ScenarioError, load_scenario, run_scenario
    from layout.workspace import Workspace, WorkspaceError

    try:
        ws = Workspace(args.workspace)
        if args.save:  # the workspace is written: refuse a folder, device, missing folder first
            check_outputs({"--workspace": args.workspace})
        scenario = load_scenario(ws, args.name)
        firms = _load_base(ws, ws.scenario_base(args.name))
        _, _, d = run_scenario(
            ws if args.save else None,
            scenario,
            firms,
            args.chain,
            region=args.region,
            level=args.level,
            frame=args.frame,
            base=args.base,
            permutations=args.permutations,
        )
    except (ScenarioError, WorkspaceError, RegionError, OSError) as exc:
        raise CliError(one_line(exc)) from exc
    emit(d.to_dict(), args.json, "\n".join(d.summary()))
    return 0


def _list(args: argparse.Namespace) -> int:
    from layout.workspace import Workspace, WorkspaceError

    try:
        table = Workspace(args.workspace).list_scenarios()
    except (WorkspaceError, OSError) as exc:
        raise CliError(one_line(exc)) from exc
    emit(
        {"scenarios": _records(table)},
        args.json,
        table.to_string(index=False) if len(table) else "no scenarios",
    )
    return 0
