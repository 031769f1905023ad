"""Scale-out: import, county join and aggregation on Dask, identical to the single process.

Every function takes ``engine="pandas"`` (one process, the reference) or ``engine="dask"`` (the
current Dask scheduler: a ``dask.distributed`` client if one is active — a ``LocalCluster`` or
an existing cluster reached with ``Client("tcp://scheduler:8786")`` — else Dask's local threads).
Both engines return the same objects with the same values, bit for bit:

* :func:`join_firms` — the county join of :func:`geo.joins.join_counties` (``engine="grid"`` vs
  ``"dask"``: the same grid lookup, per partition);
* :func:`aggregate` — firm counts and sums by (adcode, chain, node) or any keys. A float sum
  added up in a different order can differ in the last bit (and pandas itself switches
  algorithm depending on whether rows come sorted by group), so both engines compute each
  group's sum correctly rounded (``math.fsum``: the exact sum, rounded once), a value that
  does not depend on the order of the terms; the Dask engine shuffles rows so that every group
  lands whole in one partition and runs the very same reduction there;
* :func:`read_firms_many` — :func:`layout.records.read_firms` over many files (registries
  arrive as one export per city or per month), one task per file.

The ``dask`` extra (``dask-geopandas``, ``distributed``) is needed for ``engine="dask"`` only.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo._dask import active_client, default_partitions, import_dask, is_dask_collection
from geo.joins import BoundaryRule, CountyIndex, join_counties

__all__ = [
    "ENGINES",
    "ScaleError",
    "aggregate",
    "join_firms",
    "read_firms_many",
]

ENGINES: tuple[str, ...] = ("pandas", "dask")


class ScaleError(ValueError):
    """Bad arguments to a scale-out function; the message lists every problem and its fix."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s):\n{lines}")


def _engine_problems(engine: object) -> list[str]:
    if engine in ENGINES:
        return []
    return [
        f"engine={engine!r} is not one of {', '.join(ENGINES)}; use 'pandas' for one "
        "process or 'dask' for the active Dask client / local scheduler"
    ]


# -- join ---------------------------------------------------------------------------------------


def join_firms(
    firms: gpd.GeoDataFrame | Any,
    *,
    engine: str = "pandas",
    counties: gpd.GeoDataFrame | CountyIndex | None = None,
    boundary: BoundaryRule = "lowest_adcode",
    npartitions: int | None = None,
) -> gpd.GeoDataFrame | Any:
    """Copy of ``firms`` with ``adcode`` set by the county join (existing values replaced).

    Parameters
    ----------
    firms : geopandas.GeoDataFrame or dask_geopandas.GeoDataFrame
        Firm points in EPSG:4326. Not modified.
    engine : {"pandas", "dask"}
        ``"dask"`` runs the grid lookup per partition; a dask-geopandas input stays lazy
        whatever ``engine`` says.
    counties, boundary
        As in :func:`geo.joins.join_counties`.
    npartitions : int, optional
        Partitions for ``engine="dask"`` on a pandas input.

    Returns
    -------
    GeoDataFrame (or a lazy dask-geopandas GeoDataFrame for a dask input)
        ``adcode`` has dtype ``str``; NaN for firms outside every county.
    """
    problems = _engine_problems(engine)
    if problems:
        raise ScaleError(problems)
    if is_dask_collection(firms):
        codes = join_counties(firms, counties=counties, boundary=boundary)
        return firms.assign(adcode=codes)
    codes = join_counties(
        firms,
        counties=counties,
        boundary=boundary,
        engine="dask" if engine == "dask" else "grid",
        npartitions=npartitions,
    )
    return firms.assign(adcode=codes)


# -- aggregation ----------------------------------------------------------------------------------


def aggregate(
    firms: pd.DataFrame | Any,
    *,
    by: Sequence[str] = ("adcode", "chain", "node"),
    values: Sequence[str] = ("employees", "output"),
    engine: str = "pandas",
    npartitions: int | None = None,
) -> pd.DataFrame:
    """Firm count and value sums per group: the core of every per-region chain metric.

    For each group g of ``by``: ``n_firms`` = number of rows, and for each value column v,
    ``v`` = Σ v over the rows where v is reported (missing figures are skipped; 0.0 when none
    is reported) and ``v_n`` = number of rows reporting v. Float sums are correctly rounded
    (``math.fsum``, Shewchuk 1997), so they do not depend on the row order or the engine;
    integer columns are summed exactly as integers.

    References
    ----------
    Shewchuk, J. R. (1997). Adaptive precision floating-point arithmetic and fast robust
    geometric predicates. *Discrete & Computational Geometry* 18(3), 305–363.

    Parameters
    ----------
    firms : DataFrame, GeoDataFrame or dask DataFrame
        One row per firm; not modified. Geometry is not used.
    by : sequence of str
        Grouping columns. Rows with a missing key (e.g. a firm outside every county) form
        their own group (NaN key), so totals always reconcile with the input.
    values : sequence of str
        Numeric columns to sum.
    engine : {"pandas", "dask"}
        Identical results; see the module docstring for why the float sums agree exactly.
    npartitions : int, optional
        Partitions for ``engine="dask"`` on a pandas input (default: 2 per worker thread).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by`` (sorted, NaN last); columns ``n_firms``, then each value and
        ``<value>_n``.

    Raises
    ------
    ScaleError
        Listing every problem: unknown engine, missing or non-numeric columns.

    Examples
    --------
    >>> df = pd.DataFrame({"adcode": ["370102", "370102", None], "chain": ["LED"] * 3,
    ...                    "node": ["epi"] * 3, "employees": [10.0, None, 5.0]})
    >>> aggregate(df, values=["employees"]).reset_index().to_dict("records")[0]["employees"]
    10.0
    """
    by, values = list(by), list(values)
    problems = _engine_problems(engine)
    columns = list(firms.columns)
    missing = [c for c in by + values if c not in columns]
    if missing:
        problems.append(
            f"firms has no column(s) {missing} (columns: {columns}); "
            "join counties first (layout.scale.join_firms) or pass by=/values="
        )
    if not by:
        problems.append("by is empty; pass at least one grouping column such as 'adcode'")
    overlap = sorted(set(by) & set(values))
    if overlap:
        problems.append(f"{overlap} appear in both by and values; a column is a key or a value")
    dtypes = firms.dtypes
    bad = [c for c in values if c in columns and not pd.api.types.is_numeric_dtype(dtypes[c])]
    if bad:
        problems.append(
            f"value column(s) {bad} are not numeric; convert with "
            "pandas.to_numeric(..., errors='coerce')"
        )
    if problems:
        raise ScaleError(problems)
    if engine == "pandas" and not is_dask_collection(firms):
        return _aggregate_frame(pd.DataFrame(firms[by + values]), by, values)
    return _aggregate_dask(firms, by, values, npartitions)


def _aggregate_frame(df: pd.DataFrame, by: list[str], values: list[str]) -> pd.DataFrame:
    """The reduction both engines run; its result does not depend on the row order."""
    groups = df.groupby(by, sort=True, dropna=False, observed=True)
    out = groups.size().rename("n_firms").to_frame()
    codes = groups.ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    for v in values:
        column = df[v]
        if pd.api.types.is_integer_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
            out[v] = groups[v].sum()  # integer sums are exact in any order
        else:
            out[v] = _fsum_by_group(
                column.to_numpy(dtype=np.float64, na_value=np.nan)[order], codes[order], len(out)
            )
        out[f"{v}_n"] = groups[v].count()
    return out


def _fsum_by_group(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Correctly rounded sum (``math.fsum``) of the non-NaN values of each group.

    ``values`` and ``codes`` are sorted by group code. The exact sum rounded once does not
    depend on the order of the terms (Shewchuk 1997), which is what makes the engines agree.
    """
    keep = ~np.isnan(values)
    values, codes = values[keep], codes[keep]
    bounds = np.searchsorted(codes, np.arange(n_groups + 1))
    out = np.zeros(n_groups, dtype=np.float64)
    for g in np.flatnonzero(np.diff(bounds)):
        out[g] = _fsum(values[bounds[g] : bounds[g + 1]])
    return out


def _fsum(terms: np.ndarray) -> float:
    finite = np.isfinite(terms)
    if finite.all():
        try:
            return math.fsum(terms.tolist())
        except OverflowError:  # the exact sum is beyond float range: its sign decides
            return math.copysign(math.inf, math.fsum((terms * 2.0**-64).tolist()))
    has_pos, has_neg = bool((terms == math.inf).any()), bool((terms == -math.inf).any())
    if has_pos and has_neg:
        return math.nan
    return math.inf if has_pos else -math.inf


def _aggregate_dask(
    firms: Any, by: list[str], values: list[str], npartitions: int | None
) -> pd.DataFrame:
    dask = import_dask(ScaleError)
    if is_dask_collection(firms):
        ddf = firms[by + values]
    else:
        frame = pd.DataFrame(firms[by + values]).reset_index(drop=True)
        ddf = _to_dask(frame, default_partitions(npartitions, active_client()))
    meta = _aggregate_frame(ddf._meta, by, values)
    # whole groups in one partition: the same reduction then sees every term of a group
    shuffled = ddf.shuffle(on=by, npartitions=ddf.npartitions)
    partials = shuffled.map_partitions(_aggregate_frame, by, values, meta=meta)
    (result,) = dask.compute(partials)
    return _like(result.sort_index(na_position="last"), meta)


def _to_dask(frame: pd.DataFrame, npartitions: int) -> Any:
    """A dask DataFrame of ``frame`` keeping its dtypes; scattered if a client is active.

    Scattering the partitions (rather than embedding them in the task graph) is what Dask asks
    for with a distributed cluster: the graph stays small and each partition is sent once.
    """
    dask = import_dask(ScaleError)
    import dask.dataframe as dd

    n = max(1, min(npartitions, len(frame) or 1))
    bounds = np.linspace(0, len(frame), n + 1).astype(np.int64)
    pieces = [frame.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    client = active_client()
    with dask.config.set({"dataframe.convert-string": False}):  # keep the input dtypes
        if client is None:
            return dd.from_pandas(frame, npartitions=n, sort=False)
        futures = client.scatter(pieces, hash=False)
        return dd.from_delayed(futures, meta=frame.iloc[:0], verify_meta=False)


def _like(result: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """Give ``result`` the index and column dtypes of ``meta`` (empty partitions may differ)."""
    keys = result.index.to_frame(index=False)
    dtypes = meta.index.to_frame(index=False).dtypes
    keys = keys.astype(dict(dtypes.items()))
    result = result.astype(dict(meta.dtypes.items()))
    result.index = (
        pd.MultiIndex.from_frame(keys)
        if keys.shape[1] > 1
        else pd.Index(keys.iloc[:, 0], name=keys.columns[0])
    )
    return result


# -- import ---------------------------------------------------------------------------------------


def read_firms_many(
    paths: Sequence[str | PathLike[str]],
    *,
    engine: str = "pandas",
    **options: Any,
) -> Any:
    """:func:`layout.records.read_firms` over many files, one task per file.

    Each file is checked on its own exactly as ``read_firms`` checks it (row numbers are that
    file's rows); the results are concatenated in the order of ``paths`` with a ``file``
    column added to ``accepted`` and ``rejected``. A ``firm_id`` accepted from more than one
    file is not rejected (each file is valid on its own) but listed in
    ``summary["duplicate_ids_across_files"]`` (first 20) and counted in
    ``summary["n_duplicate_ids_across_files"]``.

    Parameters
    ----------
    paths : sequence of path
        Files in any format ``read_firms`` reads. With a distributed cluster the workers must
        see the same paths (a shared filesystem).
    engine : {"pandas", "dask"}
        ``"dask"``: one task per file on the active client or Dask's local scheduler.
    **options
        Passed to ``read_firms`` (``datum``, ``crs``, ``boundary``, ``chains``...).

    Returns
    -------
    layout.records.ImportResult
        ``summary`` has ``read``, ``accepted``, ``rejected`` (totals; read = accepted +
        rejected), ``by_reason`` (summed) and ``files`` (each file's own summary).
    """
    from layout.records import ImportResult, read_firms

    problems = _engine_problems(engine)
    paths = list(paths)
    if not paths:
        problems.append("paths is empty; pass at least one file")
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        problems.append(f"file(s) not found: {missing[:5]}; check the paths")
    bad_opts = sorted(set(options) & {"progress", "path_or_buffer"})
    if bad_opts:
        problems.append(f"options {bad_opts} cannot be passed per file; drop them")
    if problems:
        raise ScaleError(problems)
    if engine == "dask":
        dask = import_dask(ScaleError)
        task = dask.delayed(read_firms, pure=True)
        results = list(dask.compute(*[task(p, **options) for p in paths]))
    else:
        results = [read_firms(p, **options) for p in paths]
    return _combine(paths, results, ImportResult)


def _combine(paths: list[Any], results: list[Any], result_type: Any) -> Any:
    names = [str(p) for p in paths]
    accepted = [r.accepted.assign(file=n) for n, r in zip(names, results, strict=True)]
    rejected = [r.rejected.assign(file=n) for n, r in zip(names, results, strict=True)]
    acc = gpd.GeoDataFrame(
        pd.concat(accepted, ignore_index=True), geometry="geometry", crs=results[0].accepted.crs
    )
    rej = pd.concat(rejected, ignore_index=True)
    by_reason: dict[str, int] = {}
    for r in results:
        for code, count in r.summary.get("by_reason", {}).items():
            by_reason[code] = by_reason.get(code, 0) + int(count)
    ids = acc["firm_id"].astype(str)
    owners = pd.DataFrame({"id": ids, "file": acc["file"]}).drop_duplicates()
    dup = owners["id"][owners["id"].duplicated()].drop_duplicates()
    summary: dict[str, Any] = {
        "read": int(sum(r.summary["read"] for r in results)),
        "accepted": len(acc),
        "rejected": len(rej),
        "by_reason": by_reason,
        "files": dict(zip(names, [r.summary for r in results], strict=True)),
        "n_duplicate_ids_across_files": len(dup),
        "duplicate_ids_across_files": dup.head(20).tolist(),
    }
    return result_type(accepted=acc, rejected=rej, summary=summary)
