"""Shared checks of the options every command and service takes: chain, base, level, frame,
region and quantiles.

Each ``*_problems`` function returns a list of :class:`geo.problems.Problem` (empty when the
value is valid) naming the value and the valid ones, so a caller can gather every problem of
a call before raising one error (STYLE.md §4). ``None`` always means "not given" and is valid.

>>> [p.code for p in base_problems("staff")]
['unknown_base']
>>> base_problems("employees")
[]
>>> print(quantile_problems(1.5, argument="strong_quantile")[0])
strong_quantile=1.5 is not a quantile: give a number from 0 to 1
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from geo.problems import Problem, problem, register_messages

__all__ = [
    "BASES",
    "FRAME_CODES",
    "LEVELS",
    "base_problems",
    "chain_problems",
    "frame_problems",
    "level_problems",
    "quantile_problems",
    "region_problems",
    "shipped_chain_codes",
]

BASES: tuple[str, ...] = ("employees", "output", "firms")
"""What a region's value of a node is: employees, output (万元) or the number of firms."""

LEVELS: tuple[str, ...] = ("county", "city", "zone", "province")
"""Region levels (the same as :data:`layout.regions.LEVELS`; kept here so a check needs no
geopandas import — the CLI answers an argument error before any heavy import)."""

FRAME_CODES: tuple[str, ...] = ("2013", "2020")
"""Plan frames (the keys of :data:`geo.frames.FRAMES`; a test keeps the two equal)."""

register_messages(
    {
        "unknown_chain": (
            "未知的产业链 {value!r}：可选 {valid}",
            "unknown chain {value!r}: valid chains are {valid}",
        ),
        "unknown_base": (
            "未知的计量基础 {value!r}：可选 {valid}",
            "unknown base {value!r}: valid bases are {valid}",
        ),
        "unknown_level": (
            "未知的区域层级 {value!r}：可选 {valid}",
            "unknown level {value!r}: valid levels are {valid}",
        ),
        "unknown_frame": (
            "未知的规划框架 {value!r}：可选 {valid}",
            "unknown frame {value!r}: valid frames are {valid}",
        ),
        "unknown_region": (
            "未知的区域代码 {value!r}：请用县/市行政区划代码、区域代码（{zones}）或 370000",
            "unknown region {value!r}: use a county or city adcode, a zone code ({zones}) or 370000",
        ),
        "not_a_quantile": (
            "{argument}={value!r} 不是分位数：应为 0 到 1 之间的数",
            "{argument}={value!r} is not a quantile: give a number from 0 to 1",
        ),
    }
)


def _join(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values)


def chain_problems(
    chain: Any, *, argument: str = "chain", valid: Iterable[str] | None = None
) -> list[Problem]:
    """Problems with a chain code (``valid`` defaults to the shipped chain codes)."""
    if chain is None:
        return []
    if valid is None:
        valid = shipped_chain_codes()
    codes = list(valid)
    if chain in codes:
        return []
    return [problem("unknown_chain", argument=argument, value=chain, valid=_join(codes))]


def shipped_chain_codes() -> tuple[str, ...]:
    """The chain codes of the shipped templates, in file order, read with the csv module only.

    The same codes as :func:`layout.chains.chain_codes` for the shipped files (a test keeps
    them equal) without importing pandas or networkx, so an argument check stays instant.
    """
    import csv

    from geo.registry import data_path

    with open(data_path("chain_nodes"), encoding="utf-8", newline="") as fh:
        return tuple(dict.fromkeys(row["chain"] for row in csv.DictReader(fh) if row["chain"]))


def base_problems(base: Any, *, argument: str = "base") -> list[Problem]:
    """Problems with a base (one of :data:`BASES`)."""
    if base is None or base in BASES:
        return []
    return [problem("unknown_base", argument=argument, value=base, valid=_join(BASES))]


def level_problems(level: Any, *, argument: str = "level") -> list[Problem]:
    """Problems with a region level (county, city, zone, province)."""
    if level is None or level in LEVELS:
        return []
    return [problem("unknown_level", argument=argument, value=level, valid=_join(LEVELS))]


def frame_problems(frame: Any, *, argument: str = "frame") -> list[Problem]:
    """Problems with a plan frame (2013 or 2020)."""
    if frame is None or str(frame) in FRAME_CODES:
        return []
    return [problem("unknown_frame", argument=argument, value=frame, valid=_join(FRAME_CODES))]


def region_problems(region: Any, *, argument: str = "region") -> list[Problem]:
    """Problems with a region code (county/city adcode, zone code or 370000)."""
    if region is None:
        return []
    from layout.regions import RegionError, parse_region

    try:
        parse_region(str(region))
    except RegionError:
        from geo.frames import FRAMES, zone_table

        zones = [str(z) for f in FRAMES for z in zone_table(f)["zone_code"]]
        return [problem("unknown_region", argument=argument, value=region, zones=_join(zones))]
    return []


def quantile_problems(value: Any, *, argument: str) -> list[Problem]:
    """Problems with a quantile (a real number in [0, 1])."""
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
        and 0.0 <= float(value) <= 1.0
    )
    return [] if ok else [problem("not_a_quantile", argument=argument, value=value)]
