"""``cluster-atlas layers [--json]``: each layer's name, titles, features, datum, geometry."""

from __future__ import annotations

import argparse

from layout.cli.common import add_json_flag, emit

__all__ = ["HELP", "add_arguments", "run"]

HELP = "list layers with feature counts and datum"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``layers``."""
    add_json_flag(parser)


def run(args: argparse.Namespace) -> int:
    """Print the layer table (``--json``: ``{"layers": [...]}``)."""
    from geo.layers import layer_summary

    table = layer_summary()
    emit({"layers": table.to_dict(orient="records")}, args.json, table.to_string(index=False))
    return 0
