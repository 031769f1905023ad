"""``cluster-atlas analyze --chain CHAIN [--firms PATH] [--region CODE] [--level …] [--json]``.

Node status, completeness, concentration, bottlenecks and sourcing for a chain in every region
of a level, or in one region (its level follows from the code). Without ``--firms`` it runs on
the demonstration data (labelled synthetic).
"""

from __future__ import annotations

import argparse

from layout.cli.common import (
    CliError,
    add_json_flag,
    emit,
    load_firms,
    option_problems,
    permutation_problems,
)

__all__ = ["HELP", "add_arguments", "add_firm_source", "run"]

HELP = "analyse a chain in every region of a level, or one region"


def add_firm_source(parser: argparse.ArgumentParser) -> None:
    """``--firms``, ``--datum`` and ``--crs``: where the firms come from."""
    parser.add_argument("--firms", default=None, help="firm file (default: the demonstration data)")
    parser.add_argument("--datum", default="wgs84", help="datum of --firms coordinates")
    parser.add_argument("--crs", default=None, help="projected CRS of --firms coordinates")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``analyze``."""
    parser.add_argument("--chain", required=True, help="chain code, e.g. LED")
    add_firm_source(parser)
    parser.add_argument("--region", default=None, help="county/city adcode, zone code or 370000")
    parser.add_argument(
        "--level", default=None, help="county, city, zone or province (default county)"
    )
    parser.add_argument("--frame", default="2013", help="plan frame of zones: 2013 or 2020")
    parser.add_argument("--base", default="employees", help="employees, output or firms")
    parser.add_argument(
        "--permutations", type=int, default=999, help="permutations for Moran/LISA/Gi*"
    )
    add_json_flag(parser)


def run(args: argparse.Namespace) -> int:
    """Analyse and print one line per region (``--json``: ``ChainAnalysis.to_dict()``)."""
    problems = option_problems(chain=args.chain, base=args.base, level=args.level)
    problems += permutation_problems(args.permutations)
    if problems:
        raise CliError("; ".join(str(p) for p in problems))
    from layout.analysis import analyze_chain
    from layout.regions import RegionError

    firms = load_firms(args.firms, args.datum, args.crs)
    try:
        result = analyze_chain(
            firms,
            args.chain,
            region=args.region,
            level=args.level,
            frame=args.frame,
            base=args.base,
            permutations=args.permutations,
        )
    except (RegionError, ValueError) as exc:
        raise CliError(str(exc).splitlines()[0]) from exc
    payload = result.to_dict()
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
    emit(payload, args.json, "\n".join(lines))
    return 0
