"""``cluster-atlas import-firms PATH -o OUT.gpkg --rejects REJECTS.csv [--json]``.

Every row is accepted or rejected with a reason: accepted firms go to the GeoPackage layer
``firms``, rejects (every original cell, with reasons in Chinese and English) to CSV.
"""

from __future__ import annotations

import argparse

from layout.cli.common import CliError, add_json_flag, emit

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
    """Import, write both outputs, print the summary (``--json``: see README)."""
    from geo.datum import DatumError, parse_datum
    from geo.export import to_gpkg
    from layout.records import FirmImportError, read_firms, write_rejects

    try:
        datum = parse_datum(args.datum).value
    except DatumError as exc:
        raise CliError(str(exc)) from exc
    try:
        result = read_firms(args.path, datum=datum, crs=args.crs)
    except (FirmImportError, OSError, ValueError) as exc:
        raise CliError(str(exc).splitlines()[0]) from exc
    if len(result.accepted):
        to_gpkg({"firms": result.accepted}, args.output, metadata={"firms": {"datum_in": datum}})
    write_rejects(result, args.rejects)
    summary = dict(result.summary) | {"output": str(args.output), "rejects": str(args.rejects)}
    by = ", ".join(f"{k} {v}" for k, v in summary.get("by_reason", {}).items()) or "none"
    emit(
        summary,
        args.json,
        f"read {summary['read']} rows: {summary['accepted']} accepted, {summary['rejected']} rejected "
        f"(reasons: {by})\naccepted -> {args.output}\nrejects  -> {args.rejects}",
    )
    return 0
