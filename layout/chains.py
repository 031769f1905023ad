"""Industry-chain templates as networkx DiGraphs (supplier -> buyer).

A *chain* is the typical upstream -> midstream -> downstream shape of one industry: nodes are
production stages (with a ``stage``, names in Chinese and English, GB/T 4754-2017 class codes and
a ``weight`` for chain completeness), edges say who supplies whom. The shipped templates are
``data/chains/{nodes,edges,industries}.csv`` (see ``scripts/build_chains.py``); a user can edit a
copy and pass its paths.

Files are UTF-8 CSV, with or without a byte-order mark. Row numbers in error messages are
spreadsheet rows: the header is row 1, the first record row 2.

``nodes.csv``
    chain, node, stage, name_zh, name_en (required); gbt4754 (``;``-separated class codes such as
    ``C3985``; blank = none), weight (number >= 0; blank = 1.0), synonyms (``;``-separated other
    names, Chinese or English, that firm lists use for the node: ``封装;LED封装``), source,
    verification (optional).
``edges.csv``
    chain, source, target (required); relation (blank = ``supplies``); feedback (``true`` /
    ``false``, blank = false); source_ref, verification (optional). ``source`` is the supplier,
    ``target`` the buyer. An edge marked ``feedback`` closes a loop (e.g. recycled lithium going
    back to the raw-material node); it is kept out of the DAG and listed in
    ``G.graph["feedback_edges"]`` so that graph algorithms see an acyclic chain.
``industries.csv``
    chain, name_zh, name_en (+ synonyms, zone_2015, cluster_id, source, verification); gives each
    graph its names and the other names of the chain (``半导体照明;LED照明``). A chain missing here
    is still loaded, named by its code.

Synonyms are matched like names (case- and width-insensitively, see :func:`name_key`): a
synonym that would name two nodes of one chain (or two chains), or another node's id or name,
is a problem.

Validation gathers every problem of all three files and raises one :class:`ChainTemplateError`.
Besides column, value and duplicate checks, a chain must be a DAG (over non-feedback edges) and
every node must be *connected*: on a chain of two or more nodes, each node must lie on a directed
path of at least one edge that starts at a source (in-degree 0) and ends at a sink (out-degree 0).
In an acyclic chain that means every node has at least one edge. The check is skipped for a chain
that has a cycle or a rejected edge row: those are reported instead of their consequences.
"""

from __future__ import annotations

import copy
import difflib
import functools
import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from geo.registry import data_path

__all__ = [
    "DEFAULT_EDGES",
    "DEFAULT_INDUSTRIES",
    "DEFAULT_NODES",
    "STAGES",
    "ChainProblem",
    "ChainTemplateError",
    "chain_codes",
    "final_products",
    "load_chain",
    "load_chains",
    "name_key",
    "sources",
    "stage_order",
]

DEFAULT_NODES = data_path("chain_nodes")
DEFAULT_EDGES = data_path("chain_edges")
DEFAULT_INDUSTRIES = data_path("chain_industries")

STAGES: tuple[str, ...] = ("upstream", "midstream", "downstream", "support")

_NODE_REQUIRED = ("chain", "node", "stage", "name_zh", "name_en")
_EDGE_REQUIRED = ("chain", "source", "target")
_INDUSTRY_REQUIRED = ("chain", "name_zh", "name_en")
_GBT_CODE = re.compile(r"^[A-T]\d{2,4}$")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


@dataclass(frozen=True)
class ChainProblem:
    """One problem found in a chain template (or in an argument).

    ``row`` is the spreadsheet row (header = 1), ``None`` for a file- or argument-level problem.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        col = f" column {self.column!r}" if self.column else ""
        val = f" value {self.value!r}" if self.value is not None else ""
        return f"{where}:{col}{val}: {self.message}. Fix: {self.fix}"


class ChainTemplateError(ValueError):
    """Chain templates (or a chain code) are invalid; ``.problems`` lists every problem."""

    def __init__(self, problems: Iterable[ChainProblem]) -> None:
        self.problems: list[ChainProblem] = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in chain templates:\n{lines}")


def name_key(text: str) -> str:
    """How names, codes and synonyms are compared: NFKC (full-width letters and digits become
    ASCII), case folded, without white space.

    >>> name_key(" ＬＥＤ 封装 "), name_key("MO源")
    ('led封装', 'mo源')
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def _synonyms(text: str) -> list[str]:
    return [s.strip() for s in (text or "").split(";") if s.strip()]


def stage_order() -> tuple[str, ...]:
    """Return the stages in display order: upstream, midstream, downstream, support."""
    return STAGES


def sources(graph: nx.DiGraph) -> list[str]:
    """Return the source nodes of a chain (in-degree 0: nothing in the chain supplies them).

    Feedback edges (``graph.graph["feedback_edges"]``) are not part of the graph and do not count.

    >>> sources(load_chain("CU"))
    ['conc']
    """
    return [n for n in graph.nodes if graph.in_degree(n) == 0]


def final_products(graph: nx.DiGraph) -> list[str]:
    """Return the final products of a chain: sinks (out-degree 0), typically downstream nodes.

    >>> final_products(load_chain("STEEL"))
    ['apps']
    """
    return [n for n in graph.nodes if graph.out_degree(n) == 0]


def chain_codes(
    nodes_path: str | Path | None = None,
    edges_path: str | Path | None = None,
    *,
    industries_path: str | Path | None = None,
) -> tuple[str, ...]:
    """Return the chain codes of the (validated) templates, in file order."""
    return tuple(_parsed(nodes_path, edges_path, industries_path))


def load_chain(
    code: str,
    nodes_path: str | Path | None = None,
    edges_path: str | Path | None = None,
    *,
    industries_path: str | Path | None = None,
) -> nx.DiGraph:
    """Return the DiGraph of one chain; an unknown ``code`` raises listing the valid codes.

    >>> G = load_chain("LED")
    >>> G.graph["name_en"], G.nodes["epi"]["stage"]
    ('Semiconductor lighting (LED)', 'midstream')
    """
    graphs = _parsed(nodes_path, edges_path, industries_path)
    if code not in graphs:
        close = difflib.get_close_matches(str(code).upper(), list(graphs), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ChainTemplateError([ChainProblem(
            "argument code", None, "code", str(code),
            f"not a chain code; valid codes: {', '.join(graphs)}",
            f"{hint}pass one of the valid codes (case-sensitive) or add the chain to nodes.csv",
        )])  # fmt: skip
    return copy.deepcopy(graphs[code])


def load_chains(
    nodes_path: str | Path | None = None,
    edges_path: str | Path | None = None,
    *,
    industries_path: str | Path | None = None,
) -> dict[str, nx.DiGraph]:
    """Load and validate chain templates; return ``{chain code: DiGraph}`` in file order.

    Parameters
    ----------
    nodes_path, edges_path, industries_path
        CSV files; default to the shipped ``data/chains/`` files.

    Returns
    -------
    dict of str to networkx.DiGraph
        ``G.graph``: chain, name_zh, name_en, synonyms (list of str), feedback_edges (list of
        ``(u, v, attrs)``), nodes_file, edges_file. Node attributes: stage, name_zh, name_en,
        gbt4754 (list of str), weight (float), synonyms (list of str), source, verification. Edges run supplier -> buyer with relation,
        source_ref, verification.

    Raises
    ------
    ChainTemplateError
        With ``.problems`` listing every problem of all files at once.
    """
    # every caller gets its own copy to change freely
    return copy.deepcopy(_parsed(nodes_path, edges_path, industries_path))


def _parsed(
    nodes_path: str | Path | None, edges_path: str | Path | None, industries_path: str | Path | None
) -> dict[str, nx.DiGraph]:
    """The parsed templates, shared (read-only): parsed once per version of the files."""
    npath = Path(nodes_path) if nodes_path is not None else DEFAULT_NODES
    epath = Path(edges_path) if edges_path is not None else DEFAULT_EDGES
    ipath = Path(industries_path) if industries_path is not None else DEFAULT_INDUSTRIES
    stamps = tuple(_stamp(x) for x in (npath, epath, ipath))
    return _load_chains(npath, epath, ipath, stamps)


def _stamp(path: Path) -> str | None:
    """SHA-256 of a file's bytes — the cache key of its content — or None if unreadable."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@functools.lru_cache(maxsize=8)
def _load_chains(
    npath: Path, epath: Path, ipath: Path, stamps: tuple[object, ...]
) -> dict[str, nx.DiGraph]:
    """Parse and validate the three files (cached on their stamps; errors are never cached)."""
    problems: list[ChainProblem] = []
    nodes = _read(npath, _NODE_REQUIRED, problems)
    edges = _read(epath, _EDGE_REQUIRED, problems)
    industries = _read(ipath, _INDUSTRY_REQUIRED, problems)

    graphs: dict[str, nx.DiGraph] = {}
    if nodes is not None:
        names = {} if industries is None else _industry_names(industries)
        _add_nodes(nodes, str(npath), names, graphs, problems)
    if nodes is not None:
        _check_synonyms(graphs, str(npath), str(ipath), problems)
    rejected: set[str] = set()
    rows: dict[tuple[str, str, str], int] = {}
    if edges is not None and nodes is not None:
        rejected = _add_edges(edges, str(epath), graphs, problems, rows)
    for code, graph in graphs.items():
        graph.graph.update(nodes_file=str(npath), edges_file=str(epath))
        # a chain that lost edges to row problems would show consequential isolated nodes
        _check_structure(graph, str(epath), problems, rows, connectivity=code not in rejected)
    if problems:
        raise ChainTemplateError(problems)
    return graphs


def _read(
    path: Path, required: tuple[str, ...], problems: list[ChainProblem]
) -> pd.DataFrame | None:
    """Read a CSV as strings (BOM tolerated); record file-level problems, keep row numbers."""
    try:
        df = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False
        )
    except FileNotFoundError:
        problems.append(
            ChainProblem(
                str(path),
                None,
                None,
                None,
                "file not found",
                "pass the path of an existing CSV file",
            )
        )
        return None
    except UnicodeDecodeError as exc:
        problems.append(
            ChainProblem(
                str(path),
                None,
                None,
                None,
                f"not UTF-8 text ({exc.reason})",
                "save the file as UTF-8 CSV",
            )
        )
        return None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.append(
            ChainProblem(
                str(path),
                None,
                None,
                None,
                f"not a readable CSV ({exc})",
                "check quoting and the number of fields per row",
            )
        )
        return None
    df.columns = [str(c).strip() for c in df.columns]
    df = df.apply(lambda col: col.str.strip())
    df.index = df.index + 2  # spreadsheet row: header is row 1
    df = df[(df != "").any(axis=1)]
    missing = [c for c in required if c not in df.columns]
    for col in missing:
        problems.append(ChainProblem(
            str(path), None, col, None,
            f"required column missing (columns present: {', '.join(df.columns)})",
            f"add a {col!r} column; required columns are {', '.join(required)}",
        ))  # fmt: skip
    return None if missing else df


def _records(df: pd.DataFrame) -> Iterable[tuple[int, dict[str, str]]]:
    return zip((int(i) for i in df.index), df.to_dict("records"), strict=True)


def _industry_names(industries: pd.DataFrame) -> dict[str, tuple[str, str, list[str]]]:
    syn = (
        industries["synonyms"]
        if "synonyms" in industries
        else pd.Series("", index=industries.index)
    )
    return {
        r.chain: (r.name_zh, r.name_en, _synonyms(s))
        for r, s in zip(industries.itertuples(), syn, strict=True)
        if r.chain
    }


def _add_nodes(
    df: pd.DataFrame,
    file: str,
    names: dict[str, tuple[str, str, list[str]]],
    graphs: dict[str, nx.DiGraph],
    problems: list[ChainProblem],
) -> None:
    seen: dict[tuple[str, str], int] = {}
    for r, rec in _records(df):
        chain, node, stage = rec["chain"], rec["node"], rec["stage"]
        for col in ("chain", "node"):
            if not rec[col]:
                problems.append(ChainProblem(file, r, col, "", "empty", f"fill in the {col} id"))
        if stage not in STAGES:
            problems.append(
                ChainProblem(
                    file,
                    r,
                    "stage",
                    stage,
                    "not a stage",
                    f"use one of {', '.join(STAGES)} (lower case)",
                )
            )
        weight = _parse_weight(rec.get("weight", ""), file, r, problems)
        codes = [c.strip() for c in rec.get("gbt4754", "").split(";") if c.strip()]
        for code in codes:
            if not _GBT_CODE.match(code):
                problems.append(ChainProblem(
                    file, r, "gbt4754", code, "not a GB/T 4754-2017 code",
                    "use a section letter plus 2-4 digits (e.g. C3985), several separated by ';'",
                ))  # fmt: skip
        if chain and node and (chain, node) in seen:
            problems.append(ChainProblem(
                file, r, "node", node, f"duplicate node id in chain {chain!r} (first on row "
                f"{seen[chain, node]})", "give each node of a chain a unique id or delete one row",
            ))  # fmt: skip
            continue
        if not chain or not node:
            continue
        seen[chain, node] = r
        if chain not in graphs:
            name_zh, name_en, chain_syn = names.get(chain, (chain, chain, []))
            graphs[chain] = nx.DiGraph(
                chain=chain, name_zh=name_zh, name_en=name_en, synonyms=chain_syn,
                feedback_edges=[],
            )  # fmt: skip
        graphs[chain].add_node(
            node, stage=stage, name_zh=rec["name_zh"], name_en=rec["name_en"], gbt4754=codes,
            weight=weight, synonyms=_synonyms(rec.get("synonyms", "")),
            source=rec.get("source", ""), verification=rec.get("verification", ""),
            evidence=rec.get("evidence", ""),
        )  # fmt: skip


def _check_synonyms(
    graphs: dict[str, nx.DiGraph], nfile: str, ifile: str, problems: list[ChainProblem]
) -> None:
    """A name, id or synonym must name one node of a chain (and one chain) only."""
    chain_keys: dict[str, str] = {}
    for code, graph in graphs.items():
        for text in (code, graph.graph["name_zh"], graph.graph["name_en"]):
            chain_keys.setdefault(name_key(text), code)
    for code, graph in graphs.items():
        for syn in graph.graph.get("synonyms", []):
            owner = chain_keys.setdefault(name_key(syn), code)
            if owner != code:
                problems.append(ChainProblem(
                    ifile, None, "synonyms", syn,
                    f"synonym of chain {code!r} already names chain {owner!r}",
                    "delete the synonym from one of the two chains",
                ))  # fmt: skip
        keys: dict[str, str] = {}
        for node, data in graph.nodes(data=True):
            for text in (node, data["name_zh"], data["name_en"]):
                keys.setdefault(name_key(text), node)
        for node, data in graph.nodes(data=True):
            for syn in data.get("synonyms", []):
                owner = keys.setdefault(name_key(syn), node)
                if owner != node:
                    problems.append(ChainProblem(
                        nfile, None, "synonyms", syn,
                        f"synonym of node {code}/{node} already names node {code}/{owner}",
                        "a synonym must name one node of a chain: delete it from one node",
                    ))  # fmt: skip


def _parse_weight(text: str, file: str, row: int, problems: list[ChainProblem]) -> float:
    if text == "":
        return 1.0
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        problems.append(
            ChainProblem(
                file,
                row,
                "weight",
                text,
                "not a finite number >= 0",
                "write a number such as 1.0, or leave blank for 1.0",
            )
        )
    return value


def _add_edges(
    df: pd.DataFrame,
    file: str,
    graphs: dict[str, nx.DiGraph],
    problems: list[ChainProblem],
    seen: dict[tuple[str, str, str], int],
) -> set[str]:
    """Add valid edge rows (``seen`` gets their row numbers); return chains with a rejected row."""
    rejected: set[str] = set()
    for r, rec in _records(df):
        chain = rec["chain"]
        if chain not in graphs:
            problems.append(
                ChainProblem(
                    file,
                    r,
                    "chain",
                    chain,
                    "no such chain in nodes.csv",
                    f"use one of {', '.join(graphs) or '(none)'} or add the "
                    "chain's nodes to nodes.csv",
                )
            )
            continue
        graph = graphs[chain]
        ok = True
        for col in ("source", "target"):
            node = rec[col]
            if node not in graph:
                close = difflib.get_close_matches(node, list(graph.nodes), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                problems.append(ChainProblem(
                    file, r, col, node, f"unknown node of chain {chain!r}",
                    f"{hint}use a node id of {chain} in nodes.csv ({', '.join(graph.nodes)})",
                ))  # fmt: skip
                ok = False
        flag = rec.get("feedback", "").lower()
        if flag not in _TRUE | _FALSE:
            problems.append(
                ChainProblem(
                    file,
                    r,
                    "feedback",
                    rec["feedback"],
                    "not a boolean",
                    "write true or false (blank = false)",
                )
            )
            ok = False
        key = (chain, rec["source"], rec["target"])
        if key in seen:
            problems.append(ChainProblem(
                file, r, "target", rec["target"],
                f"duplicate edge {rec['source']} -> {rec['target']} (first on row {seen[key]})",
                "delete one of the two rows",
            ))  # fmt: skip
            continue
        seen[key] = r
        if not ok:
            rejected.add(chain)
            continue
        attrs = {"relation": rec.get("relation", "") or "supplies",
                 "source_ref": rec.get("source_ref", ""),
                 "verification": rec.get("verification", ""),
                 "evidence": rec.get("evidence", "")}  # fmt: skip
        if flag in _TRUE:
            graph.graph["feedback_edges"].append((rec["source"], rec["target"], attrs))
        else:
            graph.add_edge(rec["source"], rec["target"], **attrs)
    return rejected


def _check_structure(
    graph: nx.DiGraph,
    file: str,
    problems: list[ChainProblem],
    rows: dict[tuple[str, str, str], int],
    *,
    connectivity: bool,
) -> None:
    chain = graph.graph["chain"]
    cyclic = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
    cyclic += [{n} for n in nx.nodes_with_selfloops(graph)]
    for comp in cyclic:
        cycle = nx.find_cycle(graph.subgraph(comp))
        path = " -> ".join([u for u, _ in cycle] + [cycle[-1][1]])
        at = ", ".join(str(rows[chain, u, v]) for u, v in cycle)
        problems.append(ChainProblem(
            file, None, None, None, f"chain {chain!r} has a cycle {path} (edges on rows {at})",
            "delete an edge of the cycle, or mark the loop-closing edge feedback=true",
        ))  # fmt: skip
    if cyclic or not connectivity or graph.number_of_nodes() < 2:
        return
    for node in nx.isolates(graph):
        problems.append(ChainProblem(
            file, None, "node", node,
            f"node of chain {chain!r} is not connected: no source -> sink path passes through it",
            "add an edge from its supplier or to its buyer in edges.csv, or delete the node",
        ))  # fmt: skip
