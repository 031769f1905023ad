"""``cluster-atlas`` command line: one module per command, wiring arguments to services.

The package is an interface layer: it imports ``geo``/``layout`` services when a command runs,
and no service ever imports it. ``cluster-atlas --help`` and argument errors load only
:mod:`argparse` and the command modules (which import their services inside ``run``), so they
answer at once. Commands, flags and JSON keys are a public contract (README "Command line").

Modules: :mod:`layout.cli.main` (parser and entry point), :mod:`layout.cli.common` (errors,
output, shared option checks, loading firms), and one module per command — ``layers``,
``export``, ``import_firms``, ``analyze``, ``coverage``, ``report``, ``scenario``,
``monitor``. Each command module has ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``.
"""

from __future__ import annotations

from layout.cli.common import EXIT_USAGE, CliError
from layout.cli.main import COMMANDS, build_parser, main

__all__ = [
    "COMMANDS",
    "EXIT_USAGE",
    "CliError",
    "build_parser",
    "load_firms",
    "main",
    "option_problems",
]


def load_firms(path: str | None, datum: str = "wgs84", crs: str | None = None) -> object:
    """Firms from a user file (through the importer) or the demonstration table (see common)."""
    from layout.cli.common import load_firms as _load

    return _load(path, datum, crs)


def option_problems(
    *, chain: str | None = None, base: str | None = None, level: str | None = None
) -> list[str]:
    """One message per invalid ``--chain``/``--base``/``--level`` value, naming the valid ones."""
    from layout.cli.common import option_problems as _problems

    return list(_problems(chain=chain, base=base, level=level))
