"""The reference fact base: where it is (``../shared/reference``) and its wording for users.

The build scripts and the tests read the reference through :func:`find_reference`, never through
an absolute path. The repository root's parent is searched first (CI: ``<somewhere>/main`` with
``<somewhere>/shared`` beside it), then each further ancestor (a git worktree one level deeper,
e.g. ``<somewhere>/wt/NAME``). ``CLUSTER_ATLAS_REFERENCE`` overrides the search.

The reference's working notes (pointers to its seed files, "from the brief", its own file names)
mean nothing to a user; :func:`reword` rewords them in every text cell the builds copy.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["REFERENCE_ENV", "WORDING", "find_reference", "reword"]

REFERENCE_ENV = "CLUSTER_ATLAS_REFERENCE"
_ROOT = Path(__file__).resolve().parents[1]

# (pattern, replacement): the wording keeps what rests on what, without the internal pointer.
WORDING: list[tuple[str, str]] = [
    (r"seed text of ", "text of "),
    (r" \(seed \d{3}\)", ""),
    (r"seed \d{3}; ", ""),
    (r" from the brief \(not in any retrieved page\)", " (not in any retrieved page)"),
    (r"; zones\.csv YRD scope now marks it inferred too", "; the YRD scope marks it inferred too"),
]


def find_reference(root: Path = _ROOT) -> Path | None:
    """The reference folder (holding ``source_hosts.csv``), or ``None`` when there is none."""
    env = os.environ.get(REFERENCE_ENV)
    if env:
        return Path(env)
    for parent in root.resolve().parents:
        cand = parent / "shared" / "reference"
        if (cand / "source_hosts.csv").is_file():
            return cand
    return None


def reword(text: str) -> str:
    """``text`` with the reference's working notes reworded for users (see :data:`WORDING`)."""
    for pattern, repl in WORDING:
        text = re.sub(pattern, repl, text)
    return text
