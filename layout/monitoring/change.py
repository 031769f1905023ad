"""Change over the years: growth, change in LQ and the shift-share decomposition of growth.

Notation: e_ir^t is the value of industry i (a chain, or a node of it) in region r in year t on
the chosen base (employees, output or firm count); E_i^t = the province's value of i (each firm
with a county counted once); E^t = the province's value over every chain of the firm table.

* **Year-on-year growth** g_t = x_t / x_{t−1} − 1 between consecutive panel years; undefined
  (NaN) when x_{t−1} = 0.
* **Compound annual growth** CAGR = (x_T / x_0)^(1 / (T − 0)) − 1 over the span's years
  (calendar years, so a panel with a missing year still gives an annual rate); NaN when
  x_0 = 0, −1 when x_T = 0.
* **Change in LQ** ΔLQ = LQ_T − LQ_0 (LQ as in :func:`layout.metrics.location_quotient`,
  province benchmark).
* **Shift-share** (Dunn 1960, "A statistical and analytical technique for regional analysis",
  *Papers of the Regional Science Association* 6: 97–112; the classic three-part form, see
  also Stevens & Moore 1980, *J. Regional Science* 20(4): 419–437), with the province as the
  reference economy (the "national" share is here provincial):

  Δe_ir = e_ir^T − e_ir^0 = PS_ir + IM_ir + RS_ir, where

  - provincial share PS_ir = e_ir^0 · G, G = E^T / E^0 − 1 (growth of the whole table);
  - industry mix IM_ir = e_ir^0 · (G_i − G), G_i = E_i^T / E_i^0 − 1 (the industry's growth
    in the province beyond the total's);
  - regional shift RS_ir = e_ir^0 · (g_ir − G_i), g_ir = e_ir^T / e_ir^0 − 1 (the region's
    own performance in the industry).

  The identity holds exactly. When e_ir^0 = 0 the first two parts are 0 and the whole change
  is regional shift (RS = Δe: a new presence is the region's own); when E_i^0 = 0 the industry
  mix is 0. Parts are in the unit of the base.

Degenerate cases give NaN, never an error: a region with no value in either year has growth
NaN and every part 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layout.monitoring.snapshots import ChainYears

__all__ = [
    "cagr",
    "growth_table",
    "shift_share",
    "shift_share_table",
    "yearly_table",
    "yoy_growth",
]


# ----------------------------------------------------------------------------- math core
def yoy_growth(values: pd.Series) -> pd.Series:
    """Year-on-year growth x_t / x_{t−1} − 1 of a Series indexed by year (ascending).

    >>> yoy_growth(pd.Series([100.0, 125.0, 0.0, 5.0], index=[2021, 2022, 2023, 2024])).tolist()
    [nan, 0.25, -1.0, nan]
    """
    x = values.sort_index().astype(float)
    prev = x.shift(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x / prev - 1.0
    return out.where(prev > 0).rename(values.name)


def cagr(start_value: float, end_value: float, years: float) -> float:
    """Compound annual growth (x_T / x_0)^(1 / years) − 1; NaN when x_0 ≤ 0 or years ≤ 0.

    >>> round(cagr(100.0, 121.0, 2), 10)
    0.1
    >>> cagr(0.0, 5.0, 3)
    nan
    """
    if not (np.isfinite(start_value) and np.isfinite(end_value)) or start_value <= 0 or years <= 0:
        return float("nan")
    if end_value <= 0:
        return -1.0
    return float((end_value / start_value) ** (1.0 / years) - 1.0)


def shift_share(
    e0: np.ndarray | pd.Series | float,
    e1: np.ndarray | pd.Series | float,
    *,
    industry0: np.ndarray | pd.Series | float,
    industry1: np.ndarray | pd.Series | float,
    total0: float,
    total1: float,
) -> pd.DataFrame:
    """Classic (Dunn 1960) shift-share parts of the change e1 − e0 (see the module docstring).

    Parameters
    ----------
    e0, e1
        Value of the industry in the region at the start and end (arrays broadcast together).
    industry0, industry1
        The industry's province value E_i at the start and end.
    total0, total1
        The province's value over all industries E at the start and end.

    Returns
    -------
    DataFrame
        ``change``, ``provincial_share``, ``industry_mix``, ``regional_shift``; the last three
        sum to ``change``.

    Examples
    --------
    A region with 10 of an industry that grows 50 % in the province while everything grows
    20 %, and 18 at the end: PS = 10 · 0.2 = 2, IM = 10 · (0.5 − 0.2) = 3, RS = 18 − 10 − 5 = 3.

    >>> shift_share(10.0, 18.0, industry0=100.0, industry1=150.0, total0=1000.0, total1=1200.0)
    ... # doctest: +NORMALIZE_WHITESPACE
       change  provincial_share  industry_mix  regional_shift
    0     8.0               2.0           3.0             3.0
    """
    a0 = np.atleast_1d(np.asarray(e0, dtype=float))
    a1 = np.atleast_1d(np.asarray(e1, dtype=float))
    i0 = np.broadcast_to(np.asarray(industry0, dtype=float), a0.shape)
    i1 = np.broadcast_to(np.asarray(industry1, dtype=float), a0.shape)
    growth_all = total1 / total0 - 1.0 if total0 > 0 else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        growth_i = np.where(i0 > 0, i1 / i0 - 1.0, growth_all)
    change = a1 - a0
    ps = a0 * growth_all
    im = a0 * (growth_i - growth_all)
    rs = change - ps - im
    index = e0.index if isinstance(e0, pd.Series) else None
    return pd.DataFrame(
        {"change": change, "provincial_share": ps, "industry_mix": im, "regional_shift": rs},
        index=index,
    )


# ----------------------------------------------------------------------------- adapters
_KEYS = {"chain": ["region"], "node": ["region", "node"]}


def yearly_table(years: ChainYears, *, by: str = "chain") -> pd.DataFrame:
    """By-year values of every region (``by="chain"``) or region × node (``by="node"``).

    Columns: ``year``, ``region`` (and ``node``), ``value``, ``n_firms``, ``lq`` and, by chain,
    ``total`` and ``completeness``; by node, ``status``. Sorted by region (node), then year.
    """
    _check_by(by)
    if by == "chain":
        cols = ["year", "region", "value", "n_firms", "lq", "total", "completeness"]
        out = years.regions[cols]
    else:
        cols = ["year", "region", "node", "value", "n_firms", "lq", "status"]
        out = years.nodes[cols]
    return out.sort_values([*_KEYS[by], "year"], kind="stable").reset_index(drop=True)


def _check_by(by: str) -> None:
    if by not in _KEYS:
        from layout.monitoring.snapshots import MonitoringError

        raise MonitoringError([f"by={by!r}: use 'chain' or 'node'"])


def _span(years: ChainYears, start: int | None, end: int | None) -> tuple[int, int]:
    return (
        start if start is not None else years.years[0],
        end if end is not None else years.years[-1],
    )


def growth_table(
    years: ChainYears, *, by: str = "chain", start: int | None = None, end: int | None = None
) -> pd.DataFrame:
    """Growth of value and firm count, and change in LQ, of every region (× node) over a span.

    Columns: ``region`` (``node``), ``start``, ``end``, ``value_start``, ``value_end``,
    ``firms_start``, ``firms_end``, ``cagr_value``, ``cagr_firms`` (compound annual growth over
    end − start calendar years), ``lq_start``, ``lq_end``, ``lq_change`` (LQ_end − LQ_start) and
    ``yoy_value`` / ``yoy_firms``: the year-on-year growth of the span's last year.
    """
    table = yearly_table(years, by=by)
    t0, t1 = _span(years, start, end)
    keys = _KEYS[by]
    a = table[table["year"] == t0].set_index(keys)
    b = table[table["year"] == t1].set_index(keys)
    span_years = [y for y in years.years if t0 <= y <= t1]
    prev = table[table["year"] == span_years[-2]].set_index(keys)
    idx = b.index
    out = pd.DataFrame(index=idx)
    out["start"], out["end"] = t0, t1
    out["value_start"] = a["value"].reindex(idx)
    out["value_end"] = b["value"]
    out["firms_start"] = a["n_firms"].reindex(idx)
    out["firms_end"] = b["n_firms"]
    span = t1 - t0
    out["cagr_value"] = [
        cagr(x, y, span) for x, y in zip(out["value_start"], out["value_end"], strict=True)
    ]
    out["cagr_firms"] = [
        cagr(float(x), float(y), span)
        for x, y in zip(out["firms_start"], out["firms_end"], strict=True)
    ]
    with np.errstate(divide="ignore", invalid="ignore"):
        pv, pn = prev["value"].reindex(idx), prev["n_firms"].reindex(idx).astype(float)
        out["yoy_value"] = (out["value_end"] / pv - 1.0).where(pv > 0)
        out["yoy_firms"] = (out["firms_end"] / pn - 1.0).where(pn > 0)
    out["lq_start"] = a["lq"].reindex(idx)
    out["lq_end"] = b["lq"]
    out["lq_change"] = out["lq_end"] - out["lq_start"]
    return out.reset_index()


def shift_share_table(
    years: ChainYears, *, by: str = "chain", start: int | None = None, end: int | None = None
) -> pd.DataFrame:
    """Shift-share parts of every region's (× node's) change over a span (see module docstring).

    The industry i is the chain (``by="chain"``) or the node (``by="node"``); E is every chain
    of the firm table in both cases, as in the LQ. Columns: ``region`` (``node``), ``start``,
    ``end``, ``value_start``, ``value_end``, ``change``, ``provincial_share``,
    ``industry_mix``, ``regional_shift``, and the rates ``growth_total`` (G),
    ``growth_industry`` (G_i) and ``growth_region`` (g_ir).
    """
    table = yearly_table(years, by=by)
    t0, t1 = _span(years, start, end)
    keys = _KEYS[by]
    a = table[table["year"] == t0].set_index(keys)["value"]
    b = table[table["year"] == t1].set_index(keys)["value"]
    a = a.reindex(b.index, fill_value=0.0)
    prov = years.province.set_index("year")
    total0, total1 = float(prov.loc[t0, "total"]), float(prov.loc[t1, "total"])
    i0: float | np.ndarray
    i1: float | np.ndarray
    if by == "chain":
        i0 = float(prov.loc[t0, "chain_value"])
        i1 = float(prov.loc[t1, "chain_value"])
    else:
        nodes = b.index.get_level_values("node")
        n0, n1 = prov.loc[t0, "node_values"], prov.loc[t1, "node_values"]
        i0 = np.array([n0.get(n, 0.0) for n in nodes])
        i1 = np.array([n1.get(n, 0.0) for n in nodes])
    parts = shift_share(a, b, industry0=i0, industry1=i1, total0=total0, total1=total1)
    out = pd.DataFrame(index=b.index)
    out["start"], out["end"] = t0, t1
    out["value_start"], out["value_end"] = a, b
    out = pd.concat([out, parts], axis=1)
    out["growth_total"] = total1 / total0 - 1.0 if total0 > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        gi = np.where(np.asarray(i0) > 0, np.asarray(i1) / np.asarray(i0) - 1.0, np.nan)
        out["growth_industry"] = np.broadcast_to(gi, (len(out),))
        out["growth_region"] = (b / a - 1.0).where(a > 0)
    return out.reset_index()
