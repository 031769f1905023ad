"""The suite cannot pass by accident: a missing test tool fails under CI=true instead of skipping."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py").read_text(encoding="utf-8")
TEST = """
import pytest

@pytest.mark.needs("absent")
def test_uses_a_tool():
    assert True
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST + '\nTOOLS["absent"] = (lambda: False, "an absent tool")\n')
    pytester.makepyfile(test_tool=TEST)
    return pytester


def test_missing_tool_fails_under_ci(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)  # fails in setup: an error, never a pass or a skip
    result.stdout.fnmatch_lines(["*test tool missing under CI=true: an absent tool*"])


def test_missing_tool_skips_on_a_developer_machine(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)


def test_unknown_tool_name_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_x='import pytest\n@pytest.mark.needs("nonesuch")\ndef test_x():\n    pass\n'
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret != 0
