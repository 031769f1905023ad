"""What every command shares: the argument error, output, option checks and loading firms.

Kept free of heavy imports (pandas, geopandas, …): those happen inside the functions, so the
parser and ``--help`` stay fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "EXIT_USAGE",
    "MAX_PERMUTATIONS",
    "CliError",
    "add_json_flag",
    "check_input",
    "check_outputs",
    "emit",
    "load_firms",
    "one_line",
    "option_problems",
    "permutation_problems",
    "raise_problems",
]

EXIT_USAGE = 2
"""Exit status of an argument or input error (the message is printed on one line)."""


class CliError(Exception):
    """An argument or input error: printed as one line on stderr, exit status 2."""


def emit(obj: Any, as_json: bool, text: str) -> None:
    """Print ``obj`` as indented JSON (``--json``) or ``text``."""
    if as_json:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")


def add_json_flag(parser: Any, help_text: str = "print JSON") -> None:
    """The ``--json`` flag every command takes."""
    parser.add_argument("--json", action="store_true", help=help_text)


def one_line(exc: BaseException) -> str:
    """An exception's message on one line; every problem of a ProblemError, ``;``-joined."""
    problems = getattr(exc, "problems", None)
    if isinstance(problems, list) and problems and len(problems) > 1:
        return f"{len(problems)} problems: " + "; ".join(" ".join(str(p).split()) for p in problems)
    return " ".join(str(exc).split())


def option_problems(
    *, chain: str | None = None, base: str | None = None, level: str | None = None
) -> list[Any]:
    """One problem per invalid ``--chain``/``--base``/``--level`` value (layout.checks)."""
    from layout.checks import base_problems, chain_problems, level_problems

    return chain_problems(chain) + base_problems(base) + level_problems(level)


MAX_PERMUTATIONS = 99_999
"""Default cap of ``--permutations`` (``CLUSTER_ATLAS_MAX_PERMUTATIONS`` raises it): the
permutation tests allocate regions × permutations values, so an unbounded count could take
all the memory of the machine."""


def permutation_problems(value: int) -> list[str]:
    """One message when ``--permutations`` is negative or above the cap (which it names)."""
    raw = os.environ.get("CLUSTER_ATLAS_MAX_PERMUTATIONS", "").strip()
    limit = int(raw) if raw.isdigit() else MAX_PERMUTATIONS
    if value < 0 or value > limit:
        return [
            f"--permutations {value} is out of range: use 0 to {limit:,} "
            "(set CLUSTER_ATLAS_MAX_PERMUTATIONS to raise the limit)"
        ]
    return []


def raise_problems(problems: list[Any]) -> None:
    """Raise one :class:`CliError` listing ``problems`` when there are any."""
    if problems:
        raise CliError("; ".join(str(p) for p in problems))


def check_outputs(
    outputs: dict[str, str | os.PathLike[str] | None],
    inputs: dict[str, str | os.PathLike[str] | None] | None = None,
) -> dict[str, Path]:
    """Refuse, before anything is written, outputs that could hurt (:mod:`geo.export.paths`).

    ``outputs`` and ``inputs`` map a flag (``"-o"``, ``"PATH"``, …) to the path given. The
    shipped data folder is an input of every command, so no output may land inside it. A
    missing output folder is refused (a typo must not create folders). Returns the paths the
    writes will replace (symbolic links followed); raises :class:`geo.export.OutputError`.
    """
    from geo.export import check_outputs as _check
    from geo.registry import data_dir

    try:
        shipped: dict[str, str | os.PathLike[str] | None] = {"the shipped data": data_dir()}
    except FileNotFoundError:  # pragma: no cover - a broken install fails elsewhere first
        shipped = {}
    return _check(outputs, inputs={**shipped, **(inputs or {})}, folder_must_exist=True)


def check_input(path: str | os.PathLike[str], argument: str) -> None:
    """Refuse an input that exists but is not a regular file (a FIFO would block the reader,
    a device never end); a missing file is left for the reader to report."""
    import stat

    text = os.fspath(path)
    if text == "" or "\x00" in text:
        raise CliError(f"{argument} {text!r} is not a file name: give the path of a file")
    try:
        st = os.stat(text)
    except OSError:
        return
    if stat.S_ISDIR(st.st_mode):
        raise CliError(f"{argument} {text!r} is a folder: give the path of a file inside it")
    if not stat.S_ISREG(st.st_mode):
        raise CliError(
            f"{argument} {text!r} is not a regular file (a FIFO, device or socket): give a file"
        )


def load_firms(path: str | None, datum: str = "wgs84", crs: str | None = None) -> Any:
    """Firms from a user file (through the importer) or the demonstration table."""
    if path is None:
        from layout.demo import demo_firms

        return demo_firms()
    check_input(path, "--firms")
    from layout.records import FirmImportError, read_firms

    try:
        result = read_firms(path, datum=datum, crs=crs)
    except (FirmImportError, OSError) as exc:
        raise CliError(one_line(exc)) from exc
    if result.summary["rejected"]:
        sys.stderr.write(
            f"note: {result.summary['rejected']} of {result.summary['read']} rows rejected; "
            "run `cluster-atlas import-firms` to write them out with their reasons\n"
        )
    return result.accepted
