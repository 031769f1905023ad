"""``cluster-atlas report --chain CHAIN --region CODE -o PATH [--format html|xlsx] [--json]``.

The chain × region deliverable ("one chain map + N lists"): a printable HTML page or an XLSX
workbook. Without ``--firms`` it uses the demonstration data and shows a synthetic banner.
``--json`` prints ``{"chain", "region", "format", "path", "synthetic", "sections", "lists"}``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from layout.cli.analyze import add_firm_source
from layout.cli.common import CliError, add_json_flag, emit, load_firms, option_problems

__all__ = ["HELP", "add_arguments", "run"]

HELP = "one chain x region deliverable: printable HTML or XLSX workbook"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``report``."""
    parser.add_argument("--chain", required=True, help="chain code, e.g. LED")
    parser.add_argument(
        "--region", required=True, help="county/city adcode, zone code (e.g. BLUE) or 370000"
    )
    parser.add_argument("-o", "--output", required=True, help="output file (.html or .xlsx)")
    add_firm_source(parser)
    parser.add_argument("--base", default="employees", help="employees, output or firms")
    parser.add_argument(
        "--format", default=None, help="html or xlsx (default: from the file suffix)"
    )
    add_json_flag(parser, "print a JSON summary")


def run(args: argparse.Namespace) -> int:
    """Build the report and write it as HTML or XLSX."""
    from geo.export import OutputError
    from layout.checks import region_problems
    from layout.cli.common import check_outputs

    problems = [str(p) for p in option_problems(chain=args.chain, base=args.base)]
    try:
        check_outputs({"-o": args.output}, {"--firms": args.firms})
    except OutputError as exc:
        problems += [str(p) for p in exc.problems]
    fmt = args.format or {".html": "html", ".htm": "html", ".xlsx": "xlsx"}.get(
        Path(args.output).suffix.lower()
    )
    if fmt not in ("html", "xlsx"):
        what = (
            f"cannot tell the format of {args.output!r}"
            if args.format is None
            else (f"unknown format {args.format!r}")
        )
        problems.append(what + ": use --format html or xlsx (or a .html/.xlsx file name)")
    problems += [str(p) for p in region_problems(args.region)]
    if problems:
        raise CliError("; ".join(problems))
    from layout.reports import SECTIONS, build_report, write_html, write_xlsx

    firms = load_firms(args.firms, args.datum, args.crs)
    try:
        report = build_report(firms, args.chain, args.region, base=args.base)
    except ValueError as exc:
        raise CliError(str(exc).splitlines()[0]) from exc
    (write_html if fmt == "html" else write_xlsx)(report, args.output)
    payload = {
        "chain": report.chain,
        "region": report.region,
        "format": fmt,
        "path": str(args.output),
        "synthetic": report.synthetic,
        "sections": list(SECTIONS),
        "lists": {k: len(v) for k, v in report.lists.items()},
    }
    emit(
        payload,
        args.json,
        f"wrote {fmt} report {report.chain} × {report.region} {report.region_name_zh} to {args.output}"
        + (" (synthetic demonstration data)" if report.synthetic else ""),
    )
    return 0
