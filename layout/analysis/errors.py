"""The error of a chain analysis: bad options (base, level, frame, region, counts)."""

from __future__ import annotations

from geo.problems import ProblemError

__all__ = ["AnalysisError"]


class AnalysisError(ProblemError):
    """Bad analysis options; ``.problems`` lists every one, each naming the valid values.

    The problems come from :class:`layout.options.AnalysisOptions` and :mod:`layout.checks`
    (message codes ``unknown_base``, ``unknown_level``, ``region_level_mismatch``, …).
    """

    subject = ("链条分析选项", "the chain analysis options")
