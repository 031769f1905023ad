"""``cluster-atlas coverage [--json]``: the policy checks of both plan frames.

Zone × cluster matrices of both frames, compliance of the 18 focus clusters of 2015 with their
named zone, counties without cluster or high-tech zone, and target progress.
"""

from __future__ import annotations

import argparse

from layout.cli.common import add_json_flag, emit

__all__ = ["HELP", "add_arguments", "run"]

HELP = "zone x cluster matrices, 2015 compliance, uncovered counties, targets"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``coverage``."""
    add_json_flag(parser)


def run(args: argparse.Namespace) -> int:
    """Print the compliance table, uncovered counties and targets (``--json``: every table)."""
    from layout import coverage

    matrices = {f: coverage.zone_cluster_matrix(f) for f in ("2013", "2020")}
    compliance = coverage.focus_compliance()
    uncovered = coverage.uncovered_counties()
    targets = coverage.target_progress()
    payload = {
        "zone_cluster_matrix": {
            f: m.reset_index().to_dict(orient="records") for f, m in matrices.items()
        },
        "zone_category_counts": {
            f: coverage.zone_category_counts(f).reset_index().to_dict(orient="records")
            for f in ("2013", "2020")
        },
        "focus_compliance": compliance.to_dict(orient="records"),
        "uncovered_counties": uncovered.to_dict(orient="records"),
        "target_progress": targets.to_dict(orient="records"),
    }
    text = (
        compliance[["cluster_id", "name_zh", "named_zone", "compliance"]].to_string(index=False)
        + f"\n\n{len(uncovered)} counties host no cluster and no high-tech zone\n\n"
        + targets[["target_id", "value", "observed", "status"]].to_string(index=False)
    )
    emit(payload, args.json, text)
    return 0
