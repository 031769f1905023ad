"""One firm table prepared once for every chain and level analysed on it.

:class:`FirmTable` holds what every chain analysis of a firm table starts from, computed at
most once and only when first asked for:

* the firms' county adcodes (:func:`layout.regions.county_adcodes`: the point join runs once)
  and their values on the base (:func:`layout.analysis.aggregate.node_values`);
* **one region assignment**: each firm's county, factorised once; each level (county, city,
  zone of a frame or an edited membership, province) maps those counties to its regions;
* **one set of per-level aggregates** (:meth:`FirmTable.level`): the value sums, firm counts
  and all-chain totals of every (region, chain, node) of a level, from one grouped pass over
  the firm → region links; every chain's region × node matrices are slices of it
  (:meth:`FirmTable.matrices`);
* per chain: its rows, the province benchmark (:meth:`FirmTable.benchmark`) and, per level,
  its firms by node for sourcing, with the k-d trees of their locations.

The sums are the very sums a single analysis computes (``pandas`` group sums over the same
terms in the same firm order), so a chain analysed from a shared table is identical, bit for
bit, to one analysed alone — tested over every chain and level of the demonstration data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.frames import membership as frame_membership
from layout.analysis.aggregate import node_values
from layout.analysis.sourcing import Targets
from layout.regions import county_adcodes, region_table

__all__ = ["FirmTable", "LevelAggregate", "level_key"]

LevelKey = tuple[str, str, frozenset[tuple[str, str]] | None]
"""(level, frame, edited membership pairs or ``None`` for the shipped one)."""


def level_key(level: str, frame: str, membership: pd.DataFrame | None = None) -> LevelKey:
    """The key of a level's region assignment: frame and membership matter for zones only."""
    if level != "zone":
        return (level, "2013", None)
    if membership is None:
        return (level, str(frame), None)
    pairs = membership[["adcode", "zone_code"]].dropna().astype(str)
    return (level, str(frame), frozenset(zip(pairs["adcode"], pairs["zone_code"], strict=True)))


@dataclass(frozen=True)
class LevelAggregate:
    """Every (region, chain, node) sum of one level, from one pass over the firm → region links.

    Attributes
    ----------
    regions
        The level's region codes (:func:`layout.regions.region_table` order).
    sums
        Value sums, regions × (chain, node) pairs of :attr:`FirmTable.pairs`.
    counts
        Firm counts (links), same shape.
    totals
        All-chain value total of each region (e_r of the location quotients).
    """

    regions: list[str]
    sums: np.ndarray
    counts: np.ndarray
    totals: np.ndarray


class FirmTable:
    """A firm table prepared for many chain analyses (see the module docstring).

    Parameters
    ----------
    firms
        Firm points (EPSG:4326) with ``chain``, ``node`` and the ``base`` column. Not copied and
        never modified.
    base
        ``employees``, ``output`` or ``firms``.
    codes
        The firms' county adcodes when already known (:func:`layout.regions.county_adcodes`).
    """

    def __init__(
        self, firms: gpd.GeoDataFrame, *, base: str = "employees", codes: pd.Series | None = None
    ) -> None:
        self.firms = firms
        self.base = base
        self.codes = county_adcodes(firms) if codes is None else codes
        self.values = node_values(firms, base=base).to_numpy()
        self._levels: dict[LevelKey, LevelAggregate] = {}
        self._level_codes: dict[LevelKey, _CodeRegions] = {}
        self._chain_rows: dict[str, np.ndarray] = {}
        self._chain_nodes: dict[str, np.ndarray] = {}
        self._benchmarks: dict[tuple[str, tuple[str, ...]], pd.Series] = {}
        self._targets: dict[tuple[str, str], list[tuple[np.ndarray, Targets]]] = {}
        self._cache: dict[str, Any] = {}

    # -- the firm table, once -------------------------------------------------------------------

    def _once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    @property
    def n_firms(self) -> int:
        """Rows of the firm table."""
        return len(self.firms)

    @property
    def synthetic(self) -> bool:
        """Whether any firm is flagged synthetic."""
        return bool(
            self._once(
                "synthetic",
                lambda: (
                    bool(self.firms["synthetic"].fillna(False).astype(bool).any())
                    if "synthetic" in self.firms
                    else False
                ),
            )
        )

    @property
    def target_columns(self) -> dict[str, pd.Series]:
        """The columns sourcing lists about a firm (id, names, synthetic, verification, location).

        Arrow-backed columns read from a file come in chunks, and taking a few rows from a
        chunked column costs about a pass over it; each is joined into one chunk once (same
        dtype, same values).
        """

        def make() -> dict[str, pd.Series]:
            out = {}
            for name in (
                "firm_id",
                "name",
                "name_en",
                "synthetic",
                "verification",
                "location_quality",
            ):
                if name in self.firms:
                    out[name] = _one_chunk(self.firms[name])
            return out

        return self._once("target_columns", make)

    @property
    def located(self) -> np.ndarray:
        """Firms with a county adcode (the rows the province counts, each once)."""
        return self._once("located", lambda: self.codes.notna().to_numpy(dtype=bool))

    @property
    def province_total(self) -> float:
        """Σ e over every located firm of every chain (E of the location quotients)."""
        return float(
            self._once("province_total", lambda: float(pd.Series(self.values[self.located]).sum()))
        )

    @property
    def lonlat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Longitude, latitude and has-geometry of every firm (computed once)."""

        def make() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            geoms = self.firms.geometry
            arr = geoms.to_numpy()
            return shapely.get_x(arr), shapely.get_y(arr), geoms.notna().to_numpy()

        return self._once("lonlat", make)

    def _codes_factorised(self) -> tuple[np.ndarray, pd.Index]:
        """Each firm's county as a position in the unique codes (-1: none): the one assignment."""

        def make() -> tuple[np.ndarray, pd.Index]:
            idx, uniques = pd.factorize(self.codes, use_na_sentinel=True)
            return np.asarray(idx, dtype=np.int64), pd.Index(uniques)

        return self._once("codes", make)

    def _factors(self) -> tuple[np.ndarray, list[Any], np.ndarray, list[Any]]:
        """The firms' chain and node columns factorised once: codes (-1: missing) and labels."""

        def make() -> tuple[np.ndarray, list[Any], np.ndarray, list[Any]]:
            ci, cu = pd.factorize(self.firms["chain"], use_na_sentinel=True)
            ni, nu = pd.factorize(self.firms["node"], use_na_sentinel=True)
            return (
                np.asarray(ci, dtype=np.int64),
                list(cu),
                np.asarray(ni, dtype=np.int64),
                list(nu),
            )

        return self._once("factors", make)

    def _pairs(self) -> tuple[np.ndarray, dict[tuple[Any, Any], int]]:
        """Each firm's (chain, node) pair as a position (-1 when either is missing)."""

        def make() -> tuple[np.ndarray, dict[tuple[Any, Any], int]]:
            ci, cu, ni, nu = self._factors()
            raw = np.where((ci >= 0) & (ni >= 0), ci * max(len(nu), 1) + ni, -1)
            pair = np.full(len(raw), -1, dtype=np.int64)
            ok = raw >= 0
            codes, uniq = pd.factorize(raw[ok])
            pair[ok] = codes
            cu, nu = list(cu), list(nu)
            n_nodes = max(len(nu), 1)
            lookup = {(cu[int(u) // n_nodes], nu[int(u) % n_nodes]): i for i, u in enumerate(uniq)}
            return pair, lookup

        return self._once("pairs", make)

    @property
    def pairs(self) -> dict[tuple[Any, Any], int]:
        """(chain, node) → column of the level aggregates."""
        return self._pairs()[1]

    # -- the region assignment and the aggregates of a level ----------------------------------

    def _code_regions(self, key: LevelKey) -> _CodeRegions:
        """Per unique county code: CSR offsets and region positions of the level, and which
        codes link to the level at all (a code may link to a region outside the level's list,
        e.g. an unknown adcode at county level, or a zone of another frame in an edited
        membership: such links count for sourcing, as :func:`layout.regions.assign_regions`
        gives them, but not in the sums, which cover the level's regions only)."""
        if key in self._level_codes:
            return self._level_codes[key]
        level, frame, pairs = key
        _, uniques = self._codes_factorised()
        codes = [str(c) for c in uniques]
        regions = region_table(level, frame=frame)["region"].tolist()
        pos = {r: i for i, r in enumerate(regions)}
        per_code: list[list[int]]
        if level in ("county", "province"):
            linked = np.ones(len(codes), dtype=bool)
            per_code = [[0] if level == "province" else [pos[c]] if c in pos else [] for c in codes]
        elif level == "city":
            from geo.boundaries import load_counties

            c = load_counties()
            city_of = dict(zip(c["adcode"], c["city_adcode"], strict=True))
            linked = np.array([c in city_of for c in codes], dtype=bool)
            per_code = [[pos[city_of[c]]] if city_of.get(c) in pos else [] for c in codes]
        else:
            if pairs is None:
                m = frame_membership(frame)[["adcode", "zone_code"]].drop_duplicates()
                pairs_list = list(zip(m["adcode"].astype(str), m["zone_code"], strict=True))
            else:
                pairs_list = list(pairs)
            zones_of: dict[str, set[int]] = {}
            members: set[str] = set()
            for adcode, zone in pairs_list:
                members.add(adcode)
                if zone in pos:
                    zones_of.setdefault(adcode, set()).add(pos[zone])
            linked = np.array([c in members for c in codes], dtype=bool)
            per_code = [sorted(zones_of.get(c, ())) for c in codes]
        offsets = np.zeros(len(codes) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(x) for x in per_code])
        flat = np.fromiter((r for x in per_code for r in x), dtype=np.int64, count=offsets[-1])
        self._level_codes[key] = _CodeRegions(offsets, flat, linked)
        return self._level_codes[key]

    def _links(self, key: LevelKey) -> tuple[np.ndarray, np.ndarray]:
        """Firm rows and region positions of a level, in firm order (zones: one link per zone)."""
        code_idx, _ = self._codes_factorised()
        cr = self._code_regions(key)
        rows = np.flatnonzero(code_idx >= 0)
        start = cr.offsets[code_idx[rows]]
        count = cr.offsets[code_idx[rows] + 1] - start
        rows = np.repeat(rows, count)
        within = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
        return rows, cr.regions[np.repeat(start, count) + within]

    def linked_rows(self, rows: np.ndarray, key: LevelKey) -> np.ndarray:
        """The rows among ``rows`` with at least one link at the level (ascending as given)."""
        code_idx, _ = self._codes_factorised()
        linked = self._code_regions(key).linked
        c = code_idx[rows]
        return rows[(c >= 0) & linked[np.maximum(c, 0)]]

    def level(self, key: LevelKey) -> LevelAggregate:
        """The aggregates of a level (computed once): sums and counts of every (region, chain,
        node) and the all-chain totals, each a pandas group sum over the links in firm order."""
        if key in self._levels:
            return self._levels[key]
        level, frame, _ = key
        regions = region_table(level, frame=frame)["region"].tolist()
        rows, reg = self._links(key)
        pair_idx, lookup = self._pairs()
        n_reg, n_pairs = len(regions), len(lookup)
        vals = self.values[rows]
        totals = np.zeros(n_reg)
        if len(rows):
            t = pd.Series(vals).groupby(reg).sum()
            totals[t.index.to_numpy()] = t.to_numpy()
        pairs = pair_idx[rows]
        ok = pairs >= 0
        key_ = reg[ok] * max(n_pairs, 1) + pairs[ok]
        sums = np.zeros((n_reg, n_pairs))
        counts = np.zeros((n_reg, n_pairs), dtype=np.int64)
        if ok.any():
            grouped = pd.Series(vals[ok]).groupby(key_)
            s, c = grouped.sum(), grouped.size()
            at = s.index.to_numpy()
            sums.flat[at] = s.to_numpy()
            counts.flat[c.index.to_numpy()] = c.to_numpy()
        agg = LevelAggregate(regions, sums, counts, totals)
        self._levels[key] = agg
        return agg

    def matrices(
        self, chain: str, nodes: list[str], key: LevelKey
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
        """Region × node value ``e`` and firm count ``n`` of ``chain`` and the all-chain totals.

        The same frames :func:`layout.analysis.aggregate.aggregate_chain` builds (index
        ``region``, columns ``node``), sliced from the level aggregate.
        """
        agg = self.level(key)
        lookup = self.pairs
        cols = np.array([lookup.get((chain, x), -1) for x in nodes], dtype=np.int64)
        have = cols >= 0
        e = np.zeros((len(agg.regions), len(nodes)))
        n = np.zeros((len(agg.regions), len(nodes)), dtype=np.int64)
        e[:, have] = agg.sums[:, cols[have]]
        n[:, have] = agg.counts[:, cols[have]]
        index = pd.Index(agg.regions, name="region")
        columns = pd.Index(nodes, name="node")
        # copy=False keeps each region's row contiguous, the layout aggregate_chain's pivot
        # gives: row and column sums (numpy pairwise vs sequential) then agree to the last bit
        return (
            pd.DataFrame(e, index=index, columns=columns, copy=False),
            pd.DataFrame(n, index=index, columns=columns, copy=False).astype(int),
            pd.Series(agg.totals, index=pd.Index(agg.regions, name="region"), name="value"),
        )

    # -- per chain ------------------------------------------------------------------------------

    def chain_rows(self, chain: str) -> np.ndarray:
        """Positions of the firms of ``chain``, ascending."""
        if chain not in self._chain_rows:
            ci, cu, _, _ = self._factors()
            # the factorised chain column gives the rows chain_mask(firms, chain) selects
            at = [i for i, c in enumerate(cu) if c == chain]
            self._chain_rows[chain] = (
                np.flatnonzero(ci == at[0]) if at else np.zeros(0, dtype=np.int64)
            )
        return self._chain_rows[chain]

    def chain_nodes(self, chain: str) -> np.ndarray:
        """The node of each firm of ``chain`` (in :meth:`chain_rows` order)."""
        if chain not in self._chain_nodes:
            # the labels of the factorised node column, NaN where missing: the values (and
            # the object dtype) take_rows(firms["node"], rows) gives, without touching the column
            _, _, ni, nu = self._factors()
            labels = np.array([*nu, np.nan], dtype=object)
            codes = ni[self.chain_rows(chain)]
            self._chain_nodes[chain] = labels[np.where(codes >= 0, codes, len(nu))]
        return self._chain_nodes[chain]

    def _chain_node_rows(self, chain: str) -> dict[Any, np.ndarray]:
        """The located firms of the chain (with a point) by node, rows ascending."""

        def make() -> dict[Any, np.ndarray]:
            rows = self.chain_rows(chain)
            _, _, has = self.lonlat
            keep = self.located[rows] & has[rows]
            rows, nodes = rows[keep], self.chain_nodes(chain)[keep]
            codes, labels = pd.factorize(pd.Series(nodes, dtype=object))
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(len(labels) + 1))
            return {labels[i]: rows[order[bounds[i] : bounds[i + 1]]] for i in range(len(labels))}

        return self._once(f"chain_node_rows/{chain}", make)

    def forget_chain(self, chain: str) -> None:
        """Drop what was kept for ``chain`` (its rows, benchmarks, firm targets and trees)."""
        self._chain_rows.pop(chain, None)
        self._chain_nodes.pop(chain, None)
        self._cache.pop(f"chain_node_rows/{chain}", None)
        for bk in [bk for bk in self._benchmarks if bk[0] == chain]:
            del self._benchmarks[bk]
        for tk in [tk for tk in self._targets if tk[0] == chain]:
            del self._targets[tk]

    def chain_firms(self, chain: str) -> int:
        """How many firms belong to ``chain``."""
        return len(self.chain_rows(chain))

    def benchmark(self, chain: str, nodes: list[str]) -> pd.Series:
        """Province value of each node of ``chain`` and ``__other__``, each located firm once.

        As :func:`layout.analysis.aggregate.province_benchmark`.
        """
        k = (chain, tuple(nodes))
        if k not in self._benchmarks:
            rows = self.chain_rows(chain)
            keep = self.located[rows]
            node_total = (
                pd.Series(self.values[rows[keep]])
                .groupby(self.chain_nodes(chain)[keep])
                .sum()
                .reindex(nodes, fill_value=0.0)
            )
            other = self.province_total - float(node_total.sum())
            self._benchmarks[k] = pd.concat([node_total, pd.Series({"__other__": other})])
        return self._benchmarks[k].copy()

    def node_firms(self, chain: str, node: str, key: LevelKey) -> tuple[np.ndarray, Targets]:
        """The located firms of ``chain`` at ``node`` that link to a region of the level.

        Rows ascending (as :func:`layout.analysis.sourcing.nearest_sources` lists firm
        targets) with their locations and a k-d tree built on first use; levels with the same
        firms share one.
        """
        rows = self._chain_node_rows(chain).get(node)
        rows = self.linked_rows(rows, key) if rows is not None else np.zeros(0, dtype=np.int64)
        lon, lat, _ = self.lonlat
        cached = self._targets.setdefault((chain, node), [])
        for seen, targets in cached:
            if np.array_equal(seen, rows):
                return seen, targets
        targets = Targets(lon[rows], lat[rows])
        cached.append((rows, targets))
        return rows, targets


def _one_chunk(col: pd.Series) -> pd.Series:
    """``col`` with an Arrow-backed array joined into one chunk (others unchanged)."""
    pa_array = getattr(col.array, "_pa_array", None)
    if pa_array is None or getattr(pa_array, "num_chunks", 1) <= 1:
        return col
    joined = pd.array(pa_array.combine_chunks(), dtype=col.dtype)
    if joined.dtype != col.dtype:  # pragma: no cover - a dtype pandas cannot rebuild
        return col
    return pd.Series(joined, index=col.index, name=col.name, copy=False)


@dataclass(frozen=True)
class _CodeRegions:
    """A level's regions of each unique county code: ``regions[offsets[i]:offsets[i + 1]]``."""

    offsets: np.ndarray
    regions: np.ndarray
    linked: np.ndarray
