"""``cluster-atlas import-firms PATH -o OUT.gpkg --rejects REJECTS.csv [--json]``.

Every row is accepted or rejected with a reason: accepted firms go to the GeoPackage layer
``firms``, rejects (every original cell, with reasons in Chinese and English) to CSV.
``--columns MAP.json`` and ``--values MAP.json`` take the mapping JSON the summary prints
(``columns``, ``values``) or a user's own; ``--chain`` names the chain of a single-chain list.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from layout.cli.common import CliError, add_json_flag, emit, one_line

__all__ = ["HELP", "add_arguments", "run"]

HELP = "import a firm file; every row accepted or rejected with a reason"

_LIMITS = {
    "max_rows": 1_000_000,
    "max_columns": 1_000,
    "max_cell_chars": 32_767,
    "max_cells": 50_000_000,
    "max_bytes": 1_073_741_824,
}  # layout.records.limits.Limits (kept literal: --help must not import the importer)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``import-firms``."""
    parser.add_argument("path", help="CSV (UTF-8, BOM, GBK/GB18030), XLSX, GeoJSON or GeoPackage")
    parser.add_argument(
        "--datum", default="wgs84", help="wgs84, cgcs2000, gcj02 or bd09 (default wgs84)"
    )
    parser.add_argument("--crs", default=None, help="projected input CRS, e.g. EPSG:4549")
    parser.add_argument("-o", "--output", required=True, help="GeoPackage for the accepted firms")
    parser.add_argument(
        "--rejects", required=True, help="CSV for the rejected rows and their reasons"
    )
    parser.add_argument(
        "--columns",
        metavar="MAP.json",
        help='source header -> field, e.g. {"企业名称": "name", "区划码": "adcode"}',
    )
    parser.add_argument(
        "--values",
        metavar="MAP.json",
        help='{"chain": {"半导体照明": "LED"}, "node": {"LED": {"封装": "package"}}}',
    )
    parser.add_argument("--chain", metavar="CODE", help="chain of rows whose chain is blank")
    parser.add_argument(
        "--sheet", metavar="NAME", help="workbook sheet or GeoPackage layer (default: active)"
    )
    parser.add_argument("--encoding", help="text encoding, e.g. big5 (default: detected)")
    parser.add_argument(
        "--county-tolerance-km",
        type=float,
        default=2.0,
        metavar="KM",
        help="note points farther than this from the county their row states (default 2)",
    )
    for name, default in _LIMITS.items():
        parser.add_argument(
            "--" + name.replace("_", "-"),
            type=int,
            default=default,
            metavar="N",
            help=f"cap (default {default:,})",
        )
    parser.add_argument(
        "--progress", action="store_true", help="progress bar on stderr (default: when a TTY)"
    )
    add_json_flag(parser, "print the summary as JSON")


def _json_file(path: str | None, flag: str) -> Any:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return json.load(fh)
    except (OSError, ValueError, RecursionError) as exc:
        raise CliError(f"{flag} {path}: cannot read it as JSON ({one_line(exc)})") from exc


def _bar(enabled: bool) -> Any:
    if not enabled:
        return None
    state = {"last": -1}

    def show(fraction: float) -> None:
        step = int(fraction * 40)
        if step != state["last"]:
            state["last"] = step
            sys.stderr.write(f"\r[{'#' * step}{' ' * (40 - step)}] {fraction:4.0%}")
            if fraction >= 1.0:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return show


def run(args: argparse.Namespace) -> int:
    """Import, write both outputs together, print the summary (``--json``: see README).

    Both outputs are checked before the file is read (never an input, never each other, never
    a folder or device; an existing ``-o`` must be a GeoPackage holding only ``firms``), then
    written to temporary files and renamed into place together: there is never an accepted
    file without its rejects. With 0 accepted rows ``-o`` is still written — an empty
    ``firms`` layer — so the file the summary names is this run's result, never an older one.
    """
    from geo.datum import DatumError, parse_datum

    try:  # the cheapest check first: a wrong --datum is answered before the heavy imports
        datum = parse_datum(args.datum).value
    except DatumError as exc:
        raise CliError(str(exc)) from exc

    from geo.export import OutputError, atomic_paths, replace_problems, to_gpkg
    from layout.cli.common import check_input, check_outputs
    from layout.records import FirmImportError, read_firms, write_rejects

    check_input(args.path, "PATH")
    finals = check_outputs({"-o": args.output, "--rejects": args.rejects}, {"PATH": args.path})
    stale = replace_problems(finals["-o"], ["firms"], argument="-o")
    if stale:
        raise OutputError(stale)
    for flag, path in (("--columns", args.columns), ("--values", args.values)):
        if path is not None:
            check_input(path, flag)
    columns = _json_file(args.columns, "--columns")
    values = _json_file(args.values, "--values")
    progress = _bar(args.progress or sys.stderr.isatty())
    try:
        result = read_firms(
            args.path,
            datum=datum,
            crs=args.crs,
            columns=columns,
            values=values,
            chain=args.chain,
            layer=args.sheet,
            encoding=args.encoding,
            county_tolerance_km=args.county_tolerance_km,
            progress=progress,
            **{name: getattr(args, name) for name in _LIMITS},
        )
    except (FirmImportError, OSError, ValueError) as exc:
        raise CliError(one_line(exc)) from exc
    if result.summary.get("encoding_warning"):
        sys.stderr.write(
            "warning: the text decodes as GB18030 but looks like Big5; if names look wrong, "
            "run again with --encoding big5\n"
        )
    replaced = [
        str(p)
        for p, f in ((args.output, finals["-o"]), (args.rejects, finals["--rejects"]))
        if f.exists()
    ]
    with atomic_paths([finals["-o"], finals["--rejects"]], create_folders=False) as (out, rej):
        to_gpkg({"firms": result.accepted}, out, metadata={"firms": {"datum_in": datum}})
        write_rejects(result, rej)
    summary = dict(result.summary) | {
        "output": str(args.output),
        "rejects": str(args.rejects),
        "replaced": replaced,
    }
    by = ", ".join(f"{k} {v}" for k, v in summary.get("by_reason", {}).items()) or "none"
    note = ""
    if not summary["accepted"]:
        note = " (0 firms: an empty firms layer" + (
            ", replaced the previous file)" if str(args.output) in replaced else ")"
        )
    emit(
        summary,
        args.json,
        f"read {summary['read']} rows: {summary['accepted']} accepted, {summary['rejected']} rejected "
        f"(reasons: {by})\naccepted -> {args.output}{note}\nrejects  -> {args.rejects}",
    )
    return 0
