"""``cluster-atlas analyze --chain CHAIN [--firms PATH] [--region CODE] [--level …] [-o OUT] [--json]``
and ``cluster-atlas analyze --all [--firms PATH] -o OUT.json``.

Node status, completeness, concentration, bottlenecks and sourcing for a chain in every region
of a level, or in one region (its level follows from the code). ``--all`` runs every chain at
every level (county, city, the zones of 2013 and 2020, province) in one process, sharing the
firm table's join, region assignment and aggregates (:func:`layout.analysis.analyze_all`),
and writes every analysis to ``-o``. Without ``--firms`` it runs on the demonstration data
(labelled synthetic). Outputs are checked before anything is read (never an input, a folder
or a device) and written to a temporary file renamed into place.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from geo.problems import problem, register_messages
from layout.cli.common import (
    CliError,
    add_json_flag,
    emit,
    load_firms,
    option_problems,
    permutation_problems,
)

__all__ = ["HELP", "add_arguments", "add_firm_source", "run"]

HELP = "analyse a chain in every region of a level, or one region; --all: every chain and level"

register_messages(
    {
        "analyze_needs_chain": (
            "请给出 --chain 产业链代码（例如 LED），或用 --all 分析全部产业链",
            "give --chain CHAIN (e.g. LED), or --all for every chain",
        ),
        "analyze_all_conflict": (
            "--all 会分析每条产业链的每个层级：请去掉 {flags}",
            "--all analyses every chain at every level: drop {flags}",
        ),
        "analyze_all_needs_output": (
            "--all 把全部分析写入文件：请给出 -o OUT.json",
            "--all writes every analysis to a file: give -o OUT.json",
        ),
    }
)


def add_firm_source(parser: argparse.ArgumentParser) -> None:
    """``--firms``, ``--datum`` and ``--crs``: where the firms come from."""
    parser.add_argument("--firms", default=None, help="firm file (default: the demonstration data)")
    parser.add_argument("--datum", default="wgs84", help="datum of --firms coordinates")
    parser.add_argument("--crs", default=None, help="projected CRS of --firms coordinates")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``analyze``."""
    parser.add_argument("--chain", default=None, help="chain code, e.g. LED (or --all)")
    parser.add_argument(
        "--all",
        action="store_true",
        help="every chain at every level (county, city, zones of 2013 and 2020, province) "
        "in one run, written to -o",
    )
    add_firm_source(parser)
    parser.add_argument("--region", default=None, help="county/city adcode, zone code or 370000")
    parser.add_argument(
        "--level", default=None, help="county, city, zone or province (default county)"
    )
    parser.add_argument(
        "--frame", default=None, help="plan frame of zones: 2013 or 2020 (default 2013)"
    )
    parser.add_argument("--base", default="employees", help="employees, output or firms")
    parser.add_argument(
        "--permutations", type=int, default=999, help="permutations for Moran/LISA/Gi*"
    )
    parser.add_argument(
        "-o", "--output", default=None, help="write the JSON to this file (--all: required)"
    )
    add_json_flag(parser)


def _problems(args: argparse.Namespace) -> list[Any]:
    problems: list[Any] = []
    if args.all:
        given = [
            flag
            for flag, value in (
                ("--chain", args.chain),
                ("--region", args.region),
                ("--level", args.level),
                ("--frame", args.frame),
            )
            if value is not None
        ]
        if given:
            problems.append(
                problem("analyze_all_conflict", argument="--all", flags=", ".join(given))
            )
        if args.output is None:
            problems.append(problem("analyze_all_needs_output", argument="-o"))
    elif args.chain is None:
        problems.append(problem("analyze_needs_chain", argument="--chain"))
    problems += option_problems(chain=args.chain, base=args.base, level=args.level)
    problems += permutation_problems(args.permutations)
    return problems


def run(args: argparse.Namespace) -> int:
    """Analyse and print one line per region (``--json``: ``ChainAnalysis.to_dict()``); with
    ``--all`` write every analysis to ``-o`` and print a summary."""
    problems = [str(p) for p in _problems(args)]
    finals = None
    if not problems and args.output is not None:
        from geo.export import OutputError
        from layout.cli.common import check_outputs

        try:
            finals = check_outputs({"-o": args.output}, {"--firms": args.firms})
        except OutputError as exc:
            problems += [str(p) for p in exc.problems]
    if problems:
        raise CliError("; ".join(problems))
    firms = load_firms(args.firms, args.datum, args.crs)
    if args.all and finals is not None:
        return _run_all(args, firms, finals["-o"])
    from layout.analysis import analyze_chain
    from layout.regions import RegionError

    try:
        result = analyze_chain(
            firms,
            args.chain,
            region=args.region,
            level=args.level,
            frame=args.frame or "2013",
            base=args.base,
            permutations=args.permutations,
        )
    except (RegionError, ValueError) as exc:
        raise CliError(str(exc).splitlines()[0]) from exc
    payload = result.to_dict()
    if finals is not None:
        _write_json(finals["-o"], [json.dumps(payload, ensure_ascii=False, default=str)])
    lines = [
        f"{result.name_zh} {result.name_en} — level {result.level}, base {result.base}"
        + (" (synthetic demonstration data)" if result.data.get("synthetic_in_use") else "")
    ]
    for reg in payload["regions"]:
        counts: dict[str, int] = {}
        for node in reg["nodes"]:
            counts[node["status"]] = counts.get(node["status"], 0) + 1
        lines.append(
            f"{reg['region']} {reg['name_zh']}: completeness {reg['completeness']:.2f} "
            + " ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
    if finals is not None:
        lines.append(f"wrote the analysis to {args.output}")
    emit(payload, args.json, "\n".join(lines))
    return 0


def _run_all(args: argparse.Namespace, firms: Any, final: Any) -> int:
    """Every chain at every level, each analysis written to the file as soon as it is done."""
    from layout.analysis import ALL_LEVELS, AnalysisRun
    from layout.chains import chain_codes

    chains = list(chain_codes())
    levels = [{"level": level, "frame": frame} for level, frame in ALL_LEVELS]
    try:
        run = AnalysisRun(firms, base=args.base, permutations=args.permutations)
    except ValueError as exc:
        raise CliError(str(exc).splitlines()[0]) from exc
    replaced = [str(args.output)] if final.exists() else []
    done = {"analyses": 0}
    head = {
        "chains": chains,
        "levels": levels,
        "base": args.base,
        "permutations": args.permutations,
        "data": {"firms": run.table.n_firms, "synthetic_in_use": run.table.synthetic},
    }

    def parts() -> Any:
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "analyses": ['
        for i, result in enumerate(run.iter_all(chains)):
            text = json.dumps(result.to_dict(), ensure_ascii=False, default=str)
            done["analyses"] += 1
            yield ("" if i == 0 else ", ") + text
        yield "]}"

    try:
        _write_json(final, parts())
    except ValueError as exc:
        raise CliError(str(exc).splitlines()[0]) from exc
    summary = {
        "output": str(args.output),
        "analyses": done["analyses"],
        "chains": chains,
        "levels": levels,
        "base": args.base,
        "synthetic_in_use": run.table.synthetic,
        "replaced": replaced,
    }
    emit(
        summary,
        args.json,
        f"wrote {done['analyses']} analyses ({len(chains)} chains × {len(levels)} levels, "
        f"base {args.base}) to {args.output}"
        + (" (synthetic demonstration data)" if run.table.synthetic else ""),
    )
    return 0


def _write_json(final: Any, parts: Any) -> None:
    """Write the text ``parts`` and a newline to ``final`` through a temporary file renamed
    into place (a failure leaves the previous file as it was)."""
    from geo.export import atomic_path

    with atomic_path(final, create_folders=False) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for part in parts:
            fh.write(part)
        fh.write("\n")
