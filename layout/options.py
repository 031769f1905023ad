"""The options of one chain analysis, as one frozen value.

:class:`AnalysisOptions` replaces the keyword lists that the analysis, scenarios and reports
each repeated (level, region, frame, base, k_nearest, permutations, seed). It validates all of
its fields at once (:meth:`AnalysisOptions.problems`), and :meth:`AnalysisOptions.resolved`
settles the level and frame that a region code implies.

>>> opts = AnalysisOptions(region="LUNAN")
>>> opts.resolved().level, opts.resolved().frame
('zone', '2020')
>>> [p.code for p in AnalysisOptions(base="staff", level="town").problems()]
['unknown_level', 'unknown_base']
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from geo.problems import Problem, ProblemError, problem, register_messages
from layout.checks import base_problems, frame_problems, level_problems, region_problems

__all__ = ["DEFAULT_SEED", "AnalysisOptions", "OptionsError"]

DEFAULT_SEED = 20150123
"""Seed of the permutation tests (the date of 鲁政办发〔2015〕4号), so results are reproducible."""

register_messages(
    {
        "region_level_mismatch": (
            "区域 {value!r} 属于 {actual} 层级，不是 {level}：去掉 level 或改正",
            "region {value!r} is a {actual}, not a {level}: drop the level or fix it",
        ),
        "not_positive_int": (
            "{argument}={value!r} 无效：应为不小于 {minimum} 的整数",
            "{argument}={value!r} is invalid: use a whole number of at least {minimum}",
        ),
    }
)


class OptionsError(ProblemError):
    """Invalid analysis options; ``.problems`` lists every one."""

    subject = ("分析选项", "the analysis options")


def _int_problems(value: Any, argument: str, minimum: int) -> list[Problem]:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    return (
        [] if ok else [problem("not_positive_int", argument=argument, value=value, minimum=minimum)]
    )


@dataclass(frozen=True)
class AnalysisOptions:
    """How a chain is analysed.

    Attributes
    ----------
    level
        ``county``, ``city``, ``zone`` or ``province``; ``None``: from ``region``, else county.
    region
        One region (county/city adcode, zone code or 370000) instead of every region of a level.
    frame
        Plan frame of zones, ``"2013"`` or ``"2020"`` (a zone ``region`` implies its own).
    base
        ``employees``, ``output`` or ``firms``.
    k_nearest
        Nearest regions and firms listed for each gap.
    permutations
        Permutations of the spatial tests (Moran's I, LISA, Gi*, spatial Gini).
    seed
        Seed of the permutation tests.
    """

    level: str | None = None
    region: str | None = None
    frame: str = "2013"
    base: str = "employees"
    k_nearest: int = 3
    permutations: int = 999
    seed: int = DEFAULT_SEED

    def problems(self) -> list[Problem]:
        """Every problem with these options (empty when they are valid)."""
        out = (
            level_problems(self.level)
            + frame_problems(self.frame)
            + base_problems(self.base)
            + region_problems(self.region)
            + _int_problems(self.k_nearest, "k_nearest", 1)
            + _int_problems(self.permutations, "permutations", 0)
            + _int_problems(self.seed, "seed", 0)
        )
        if not out and self.region is not None and self.level is not None:
            from layout.regions import parse_region

            actual = parse_region(str(self.region)).level
            if actual != self.level:
                out.append(
                    problem(
                        "region_level_mismatch",
                        argument="level",
                        value=self.region,
                        actual=actual,
                        level=self.level,
                    )
                )
        return out

    def check(self) -> AnalysisOptions:
        """These options, or :class:`OptionsError` listing every problem."""
        problems = self.problems()
        if problems:
            raise OptionsError(problems)
        return self

    def resolved(self) -> AnalysisOptions:
        """Checked options with ``level`` (and, for a zone, ``frame``) settled from ``region``."""
        self.check()
        if self.region is None:
            return dataclasses.replace(self, level=self.level or "county")
        from layout.regions import parse_region

        parsed = parse_region(str(self.region))
        return dataclasses.replace(self, region=parsed.code, level=parsed.level, frame=parsed.frame)

    def replace(self, **changes: Any) -> AnalysisOptions:
        """A copy with ``changes`` applied (see :func:`dataclasses.replace`)."""
        return dataclasses.replace(self, **changes)
