"""How fast the CLI starts: ``cluster-atlas --help`` and an argument error vs ``python -c pass``.

``python -m bench.cli_start [--repeat N]`` starts each command N times (default 20) in fresh
processes, alternating them so load on the machine hits all alike, and reports the median wall
time, the ratio to a bare interpreter start (``python -c pass``, the floor every Python CLI
pays) and the time above that floor. Results go to ``bench/results_cli.json`` and one markdown
table on stdout (the rows of the README's benchmark table).

Issue #12 asks for ``--help`` and argument errors "in well under a second": the commands import
what they need only when they run (``layout/cli/main.py`` builds the parser from light modules).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["COMMANDS", "main", "measure"]

HERE = Path(__file__).resolve().parent

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "cluster-atlas --help": [sys.executable, "-m", "layout.cli", "--help"],
    "cluster-atlas analyze --help": [sys.executable, "-m", "layout.cli", "analyze", "--help"],
    "cluster-atlas analyze --chain LED --base profit (argument error, exit 2)": [
        sys.executable,
        "-m",
        "layout.cli",
        "analyze",
        "--chain",
        "LED",
        "--base",
        "profit",
    ],
    "cluster-atlas export roads -o x.geojson (argument error, exit 2)": [
        sys.executable,
        "-m",
        "layout.cli",
        "export",
        "roads",
        "-o",
        "x.geojson",
    ],
    "cluster-atlas import-firms f.csv -o x.gpkg --rejects r.csv --datum utm (argument error)": [
        sys.executable,
        "-m",
        "layout.cli",
        "import-firms",
        "f.csv",
        "-o",
        "x.gpkg",
        "--rejects",
        "r.csv",
        "--datum",
        "utm",
    ],
}
"""Label -> command line; the first is the peer."""


def measure(repeat: int = 20) -> dict[str, Any]:
    """Median wall time of each command over ``repeat`` fresh processes (interleaved)."""
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    codes: dict[str, set[int]] = {k: set() for k in COMMANDS}
    for _ in range(repeat + 1):  # the first round warms the OS file cache and is dropped
        for label, argv in COMMANDS.items():
            t0 = time.perf_counter()
            proc = subprocess.run(argv, capture_output=True, check=False)
            times[label].append(time.perf_counter() - t0)
            codes[label].add(proc.returncode)
    floor = statistics.median(times["python -c pass"][1:])
    rows = []
    for label in COMMANDS:
        med = statistics.median(times[label][1:])
        rows.append(
            {
                "command": label,
                "median_s": med,
                "ratio": med / floor,
                "above_floor_s": med - floor,
                "exit_codes": sorted(codes[label]),
            }
        )
    return {"repeat": repeat, "python": sys.version.split()[0], "rows": rows}


def render(result: dict[str, Any]) -> str:
    """The markdown rows."""
    lines = [
        "| command | median (s) | vs `python -c pass` | above the interpreter's start |",
        "|---|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| `{r['command']}` | {r['median_s']:.3f} | {r['ratio']:.2f}× "
            f"| {r['above_floor_s']:.3f} s |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure, write bench/results_cli.json, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.cli_start", description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="processes per command")
    parser.add_argument("--out", type=Path, default=HERE / "results_cli.json")
    args = parser.parse_args(argv)
    result = measure(max(1, args.repeat))
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
