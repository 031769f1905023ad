"""``cluster-atlas import-firms PATH -o OUT.gpkg --rejects REJECTS.csv [--json]``.

Every row is accepted or rejected with a reason: accepted firms go to the GeoPackage layer
``firms``, rejects (every original cell, with reasons in Chinese and English) to CSV.
"""

from __future__ import annotations

import argparse

from layout.cli.common import CliError, add_json_flag, emit, one_line

__all__ = ["HELP", "add_arguments", "run"]

HELP = "import a firm file; every row accepted or rejected with a reason"


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
    add_json_flag(parser, "print the summary as JSON")


def run(args: argparse.Namespace) -> int:
    """Import, write both outputs together, print the summary (``--json``: see README).

    Both outputs are checked before the file is read (never an input, never each other, never
    a folder or device; an existing ``-o`` must be a GeoPackage holding only ``firms``), then
    written to temporary files and renamed into place together: there is never an accepted
    file without its rejects. With 0 accepted rows ``-o`` is still written — an empty
    ``firms`` layer — so the file the summary names is this run's result, never an older one.
    """
    from geo.datum import DatumError, parse_datum
    from geo.export import OutputError, atomic_paths, replace_problems, to_gpkg
    from layout.cli.common import check_input, check_outputs
    from layout.records import FirmImportError, read_firms, write_rejects

    try:
        datum = parse_datum(args.datum).value
    except DatumError as exc:
        raise CliError(str(exc)) from exc
    check_input(args.path, "PATH")
    finals = check_outputs({"-o": args.output, "--rejects": args.rejects}, {"PATH": args.path})
    stale = replace_problems(finals["-o"], ["firms"], argument="-o")
    if stale:
        raise OutputError(stale)
    try:
        result = read_firms(args.path, datum=datum, crs=args.crs)
    except (FirmImportError, OSError, ValueError) as exc:
        raise CliError(one_line(exc)) from exc
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
