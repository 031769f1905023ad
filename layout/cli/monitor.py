"""``cluster-atlas monitor --chain CODE [--firms PATH …] [--level …] [--json]``.

Monitoring over the years for one chain in every region of a level: by-year values and firm
counts, growth (year on year and compound), change in LQ, shift-share parts, firm entries and
exits, node status transitions with reasons, the yearly evaluation with ranks and the warning
and exit rule. ``--firms`` takes one or more files (a multi-year file with a year column, or one
file per year — the year from a ``YEAR=PATH`` argument, the year column, or the one four-digit
year in the file name); without it the demonstration panel 2019–2024 is used (labelled
synthetic). ``--json`` prints :meth:`layout.monitoring.Monitoring.to_dict` (README, "monitor
--json").
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from layout.cli.common import CliError, add_json_flag, emit, option_problems

__all__ = ["HELP", "add_arguments", "firm_sources", "run"]

HELP = "monitor a chain over the years: growth, LQ change, shift-share, gaps, yearly evaluation"

_YEAR_ARG = re.compile(r"^([0-9]{4})=(.+)$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``monitor``."""
    parser.add_argument("--chain", required=True, help="chain code, e.g. LED")
    parser.add_argument(
        "--firms",
        nargs="+",
        default=None,
        metavar="PATH",
        help="firm files of several years (YEAR=PATH gives a file's year); "
        "default: the demonstration panel",
    )
    parser.add_argument("--datum", default="wgs84", help="datum of --firms coordinates")
    parser.add_argument("--crs", default=None, help="projected CRS of --firms coordinates")
    parser.add_argument("--level", default="county", help="county, city, zone or province")
    parser.add_argument("--frame", default="2013", help="plan frame of zones: 2013 or 2020")
    parser.add_argument("--base", default="employees", help="employees, output or firms")
    parser.add_argument("--start", type=int, default=None, help="first year (default: the first)")
    parser.add_argument("--end", type=int, default=None, help="last year (default: the last)")
    parser.add_argument("--indicators", default=None, help="indicator file of the evaluation")
    parser.add_argument("--rule", default=None, help="warning and exit rule file")
    parser.add_argument(
        "--evaluated",
        default="present",
        help="regions ranked each year: present (with a firm of the chain) or all",
    )
    add_json_flag(parser)


def firm_sources(paths: list[str], argument: str = "--firms") -> list[str] | dict[int, str]:
    """``--firms`` values as a list of paths, or ``{year: path}`` when every one is YEAR=PATH.

    Every path is checked first (:func:`layout.cli.common.check_input`): a FIFO, device or
    folder is refused before anything opens it.
    """
    from layout.cli.common import check_input

    matched = [_YEAR_ARG.match(p) for p in paths]
    if any(matched) and not all(matched):
        raise CliError(f"{argument}: give YEAR=PATH for every file or for none")
    out: list[str] | dict[int, str] = (
        {int(m.group(1)): m.group(2) for m in matched if m} if all(matched) else list(paths)
    )
    for path in out.values() if isinstance(out, dict) else out:
        check_input(path, argument)
    return out


def _pct(v: Any) -> str:
    return "n/a" if v is None else f"{v:+.1%}"


def _text(d: dict[str, Any]) -> str:
    first, last = d["start"], d["end"]
    lines = [
        f"{d['chain']['name_zh']} {d['chain']['name_en']} — level {d['level']}, base {d['base']}, "
        f"years {first}–{last}"
        + (" (synthetic demonstration data)" if d["data"].get("synthetic_in_use") else "")
    ]
    for r in d["regions"]:
        a, b = r["by_year"][0], r["by_year"][-1]
        if not (a["n_firms"] or b["n_firms"]):
            continue
        ss = r["shift_share"]
        ev = b.get("evaluation", {})
        lines.append(
            f"{r['region']} {r['name_zh']}: value {a['value']:,.0f}→{b['value']:,.0f} "
            f"(CAGR {_pct(r['growth']['cagr_value'])}), firms {a['n_firms']}→{b['n_firms']}, "
            f"ΔLQ {'n/a' if r['lq_change'] is None else format(r['lq_change'], '+.2f')}, "
            f"shift-share PS {ss['provincial_share']:+,.0f} IM {ss['industry_mix']:+,.0f} "
            f"RS {ss['regional_shift']:+,.0f}; transitions {len(r['transitions'])}"
            + (f"; {last} rank {ev['rank']}/{ev['n_ranked']} {ev['verdict']}" if ev else "")
        )
    if d["warnings"]:
        lines.append(f"warnings {last}:")
        lines += [
            f"  {w['region']} {w['name_zh']}: {w['verdict']} ({w['reason_en']})"
            for w in d["warnings"]
        ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Monitor and print one line per region with firms (``--json``: the full shape)."""
    problems = option_problems(chain=args.chain, base=args.base, level=args.level)
    if args.evaluated not in ("present", "all"):
        problems.append(f"unknown --evaluated {args.evaluated!r}: use present or all")
    if problems:
        raise CliError("; ".join(str(p) for p in problems))
    from layout.cli.common import check_input

    for flag, path in (("--indicators", args.indicators), ("--rule", args.rule)):
        if path is not None:
            check_input(path, flag)
    from layout.monitoring import demo_panel, monitor_chain, read_panel

    if args.firms is None:
        panel = demo_panel()
    else:
        panel = read_panel(firm_sources(args.firms), datum=args.datum, crs=args.crs)
        s = panel.summary
        if s["rejected"]:
            sys.stderr.write(
                f"note: {s['rejected']} of {s['read']} rows rejected "
                f"({', '.join(f'{k} {v}' for k, v in s['by_reason'].items())}); run "
                "`cluster-atlas import-firms` on a file to write them out with their reasons\n"
            )
    result = monitor_chain(
        panel,
        args.chain,
        level=args.level,
        frame=args.frame,
        base=args.base,
        start=args.start,
        end=args.end,
        indicators=args.indicators,
        rule=args.rule,
        evaluated=args.evaluated,
    )
    payload = result.to_dict()
    emit(payload, args.json, _text(payload))
    return 0
