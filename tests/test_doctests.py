"""Every docstring example in geo/ and layout/ runs as part of the suite (one test per module).

Collected here, with :mod:`doctest`, rather than with ``--doctest-modules`` (which would also
import the two ``conftest.py`` files as modules of the same name).
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SKIP = {"layout.cli.__main__"}  # runs the CLI when imported


def _modules() -> list[str]:
    names = []
    for pkg in ("geo", "layout"):
        for path in sorted((REPO / pkg).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join(parts)
            if name not in SKIP:
                names.append(name)
    return names


def _examples(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [t for t in finder.find(module, name) if t.examples]


WITH_EXAMPLES = [m for m in _modules() if _examples(m)]


def test_modules_with_examples_are_found() -> None:
    assert len(WITH_EXAMPLES) >= 10, WITH_EXAMPLES


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name: str) -> None:
    tests = _examples(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    for test in tests:
        runner.run(test, out=out.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(out)
