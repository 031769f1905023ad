"""The ``cluster-atlas`` parser and entry point.

Each command is a module of this package listed in :data:`COMMANDS`; its ``add_arguments``
declares the flags and its ``run`` does the work, importing the services it needs only then.
Bad arguments print one line naming the valid values and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from layout.cli.common import EXIT_USAGE, CliError, one_line

__all__ = ["COMMANDS", "EXIT_INTERNAL", "build_parser", "main"]

EXIT_INTERNAL = 70
"""Exit status of an unexpected error (a bug): one line on stderr, the traceback only with
``CLUSTER_ATLAS_DEBUG=1``. Input and argument errors exit with status 2."""

COMMANDS: tuple[str, ...] = (
    "layers",
    "export",
    "import-firms",
    "analyze",
    "coverage",
    "report",
    "scenario",
    "monitor",
)
"""Command names in help order; ``import-firms`` lives in module ``import_firms``."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]  # one line, exit 2
        raise CliError(message)


def _module(command: str) -> ModuleType:
    return importlib.import_module(f"layout.cli.{command.replace('-', '_')}")


def build_parser() -> argparse.ArgumentParser:
    """The full parser; each sub-parser's ``run`` default is the command's entry point."""
    parser = _Parser(prog="cluster-atlas", description="Shandong Cluster Atlas command line")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name in COMMANDS:
        mod = _module(name)
        s = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(s)
        s.set_defaults(run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cluster-atlas`` console script; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return int(args.run(args))
    except CliError as exc:
        sys.stderr.write(f"cluster-atlas: error: {one_line(exc)}\n")
        return EXIT_USAGE
    except ValueError as exc:  # ProblemError and other input errors from the services
        sys.stderr.write(f"cluster-atlas: error: {one_line(exc)}\n")
        return EXIT_USAGE
    except OSError as exc:  # a file that cannot be read or written: the system says why
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"cluster-atlas: error: {where}{exc.strerror or one_line(exc)}\n")
        return EXIT_USAGE
    except Exception as exc:  # a bug: say so in one line instead of a traceback
        if os.environ.get("CLUSTER_ATLAS_DEBUG"):
            raise
        sys.stderr.write(
            f"cluster-atlas: internal error ({type(exc).__name__}): {one_line(exc)[:300]} — "
            "please report it (CLUSTER_ATLAS_DEBUG=1 shows the traceback)\n"
        )
        return EXIT_INTERNAL
