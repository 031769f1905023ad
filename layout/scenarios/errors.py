"""The scenario error: every problem of a scenario, its JSON or a diff request, at once."""

from __future__ import annotations

from geo.problems import ProblemError

__all__ = ["ScenarioError"]


class ScenarioError(ProblemError):
    """A scenario (or its JSON, or a diff request) is invalid; ``.problems`` lists every problem.

    Each problem is a :class:`geo.problems.Problem` with a message code (``scn_…``) and its
    Chinese and English text, so the app shows it in the user's language (``p.text("zh")``).
    """

    subject = ("情景", "scenario")
