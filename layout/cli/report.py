"""``cluster-atlas report --chain CHAIN --region CODE -o PATH [--format html|xlsx] [--json]``.

The chain × region deliverable ("one chain map + N lists"): a printable HTML page or an XLSX
workbook. Without ``--firms`` it uses the demonstration data and shows a synthetic banner.
The yearly evaluation (年度评价) shows the trend over the years from ``--panel`` (firm files of
several years, as ``cluster-atlas monitor --firms`` takes them; the report's snapshot is then
the panel's last year unless ``--firms`` is given) or, on the demonstration data, from the
demonstration panel 2019–2024. ``--json`` prints ``{"chain", "region", "format", "path", "synthetic", "sections", "lists"}``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

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
    parser.add_argument(
        "--panel",
        nargs="+",
        default=None,
        metavar="PATH",
        help="firm files of several years for the yearly-evaluation trend (YEAR=PATH names a "
        "file's year); default: the demonstration panel when --firms is not given",
    )
    add_json_flag(parser, "print a JSON summary")


def _panel(args: argparse.Namespace) -> Any:
    """The panel for the trend: ``--panel`` files, the demo panel without ``--firms``, or None."""
    if args.panel is not None:
        from layout.cli.monitor import firm_sources
        from layout.monitoring import read_panel

        return read_panel(firm_sources(args.panel, "--panel"), datum=args.datum, crs=args.crs)
    if args.firms is None:
        from layout.monitoring import demo_panel

        return demo_panel()
    return None


def run(args: argparse.Namespace) -> int:
    """Build the report and write it as HTML or XLSX."""
    from geo.export import OutputError
    from layout.checks import region_problems
    from layout.cli.common import check_outputs

    problems = [str(p) for p in option_problems(chain=args.chain, base=args.base)]
    panels = {
        f"--panel {i + 1}": p.split("=", 1)[1] if p[:4].isdigit() and p[4:5] == "=" else p
        for i, p in enumerate(args.panel or [])
    }
    try:
        check_outputs({"-o": args.output}, {"--firms": args.firms, **panels})
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

    panel = _panel(args)
    if args.firms is None and args.panel is not None:
        firms = panel.year(panel.years[-1])
    else:
        firms = load_firms(args.firms, args.datum, args.crs)
    try:
        report = build_report(firms, args.chain, args.region, base=args.base, panel=panel)
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
