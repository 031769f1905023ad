"""Chain and node values to chain codes and node ids.

A value matches a chain (or a node of its chain) by code, Chinese or English name, or synonym
(``layout.chains``: ``synonyms`` in the templates), compared with :func:`layout.chains.name_key`
(NFKC, case folded, without white space: ``ＬＥＤ``, ``led`` and ``LED`` are one value). A user's
value mapping (``values=``) comes first. Where the node is blank, a GB/T 4754-2017 industry
code picks it: the nodes whose codes contain the row's 4-digit class (or list its 3-digit group);
several candidates leave the row in the chain without a node, with the candidates in its notes.

Everything is decided once per *distinct* combination of chain, node and code text, then spread
to the rows: the cost does not grow with the number of rows beyond a few array passes.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from layout.records.strings import TEXT, TextArray, empty_text, strip
from layout.records.table import BoolArray

__all__ = ["ChainMatch", "Vocabulary", "match_chains", "value_key"]

_CODE = re.compile(r"(?:^|[^A-Za-z0-9])([A-Ta-t])?\s*([0-9]{2,4})(?![0-9])")
_MAX_LISTED = 200


def value_key(text: str) -> str:
    """How chain and node values are compared (see :func:`layout.chains.name_key`)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def _label(node: str, data: Mapping[str, Any], lang: str) -> str:
    name = data.get("name_zh" if lang == "zh" else "name_en")
    return f"{node}（{name}）" if lang == "zh" and name else f"{node} ({name})" if name else node


@dataclass
class Vocabulary:
    """Every way of naming the chains and their nodes, from a chains mapping."""

    chains: list[str]
    chain_keys: dict[str, set[str]]
    node_keys: dict[str, dict[str, set[str]]]
    node_labels: dict[str, dict[str, tuple[str, str]]]
    node_codes: dict[str, dict[str, list[str]]]
    chain_labels: dict[str, tuple[str, str]]

    @classmethod
    def build(cls, chains: Mapping[str, Collection[Any]]) -> Vocabulary:
        """From ``{code: graph or collection of node ids}`` (graphs give names, synonyms and
        GB/T 4754 codes)."""
        chain_keys: dict[str, set[str]] = {}
        node_keys: dict[str, dict[str, set[str]]] = {}
        labels: dict[str, dict[str, tuple[str, str]]] = {}
        codes: dict[str, dict[str, list[str]]] = {}
        chain_labels: dict[str, tuple[str, str]] = {}
        order = [str(k).strip() for k in chains]
        for key, nodes in chains.items():
            code = str(key).strip()
            attrs = getattr(nodes, "graph", None)
            attrs = attrs if isinstance(attrs, Mapping) else {}
            names = [code, attrs.get("name_zh"), attrs.get("name_en"), *attrs.get("synonyms", [])]
            for text in names:
                if isinstance(text, str) and text.strip():
                    chain_keys.setdefault(value_key(text), set()).add(code)
            zh, en = attrs.get("name_zh") or code, attrs.get("name_en") or code
            chain_labels[code] = (
                f"{code}（{zh}）" if zh != code else code,
                f"{code} ({en})" if en != code else code,
            )
            keys: dict[str, set[str]] = {}
            labels[code], codes[code] = {}, {}
            view = getattr(nodes, "nodes", None)
            items = (
                view(data=True) if callable(view) else [(n, {}) for n in sorted(map(str, nodes))]
            )
            for nd, data in items:
                node = str(nd).strip()
                data = data if isinstance(data, Mapping) else {}
                texts = [node, data.get("name_zh"), data.get("name_en"), *data.get("synonyms", [])]
                for text in texts:
                    if isinstance(text, str) and text.strip():
                        keys.setdefault(value_key(text), set()).add(node)
                labels[code][node] = (_label(node, data, "zh"), _label(node, data, "en"))
                codes[code][node] = [_digits(c) for c in data.get("gbt4754", []) if _digits(c)]
            node_keys[code] = keys
        return cls(order, chain_keys, node_keys, labels, codes, chain_labels)

    def chain_of(self, text: str) -> str | None:
        hit = self.chain_keys.get(value_key(text), set())
        return next(iter(hit)) if len(hit) == 1 else None

    def node_of(self, chain: str, text: str) -> str | None:
        hit = self.node_keys.get(chain, {}).get(value_key(text), set())
        return next(iter(hit)) if len(hit) == 1 else None

    def nodes_for_code(self, chain: str, code: str) -> list[str]:
        """Nodes of ``chain`` whose codes hold ``code`` (or list a group/division holding it)."""
        out = []
        for node, listed in self.node_codes.get(chain, {}).items():
            if any(c == code or (len(c) < len(code) and code.startswith(c)) for c in listed):
                out.append(node)
        return out

    def suggest_chain(self, text: str) -> tuple[list[str], list[str]]:
        close = difflib.get_close_matches(value_key(text), list(self.chain_keys), n=6, cutoff=0.5)
        found = list(dict.fromkeys(c for k in close for c in sorted(self.chain_keys[k])))[:3]
        return [self.chain_labels[c][0] for c in found], [self.chain_labels[c][1] for c in found]

    def suggest_node(self, chain: str, text: str) -> tuple[list[str], list[str]]:
        keys = self.node_keys.get(chain, {})
        close = difflib.get_close_matches(value_key(text), list(keys), n=6, cutoff=0.5)
        found = list(dict.fromkeys(n for k in close for n in sorted(keys[k])))[:3]
        lab = self.node_labels[chain]
        return [lab[n][0] for n in found], [lab[n][1] for n in found]


def _digits(code: str) -> str:
    m = _CODE.search(unicodedata.normalize("NFKC", str(code)))
    return m.group(2) if m else ""


@dataclass
class ChainMatch:
    """Per-row outcome of chain and node matching."""

    chain: Any  # pyarrow string arrays
    node: Any
    candidates: Any
    reasons: dict[str, BoolArray]
    details: dict[str, tuple[np.ndarray, np.ndarray]]
    notes: dict[str, BoolArray]
    note_details: dict[str, tuple[np.ndarray, np.ndarray]]
    values: dict[str, Any] = field(default_factory=dict)
    unknown: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Outcome:
    chain: str = ""
    node: str = ""
    candidates: str = ""
    reasons: dict[str, tuple[str, str]] = field(default_factory=dict)
    notes: dict[str, tuple[str, str]] = field(default_factory=dict)


def match_chains(
    chain_text: TextArray,
    node_text: TextArray,
    code_text: TextArray | None,
    vocab: Vocabulary,
    *,
    default_chain: str | None = None,
    user_values: Mapping[str, Any] | None = None,
) -> ChainMatch:
    """Resolve every row's chain and node (see the module docstring).

    Reasons set: ``unknown_chain``, ``unknown_node``, ``missing_chain`` (a node given without a
    chain that no chain has); notes: ``chain_name_resolved``, ``node_name_resolved``,
    ``value_mapped``, ``chain_from_option``, ``missing_chain``, ``missing_node``,
    ``node_from_industry_code``, ``chain_from_industry_code``, ``node_candidates``,
    ``industry_code_no_node``, ``invalid_industry_code``.
    """
    n = len(chain_text)
    c_raw, n_raw = strip(chain_text), strip(node_text)
    i_raw = strip(code_text) if code_text is not None else empty_text(n)
    combos, idx = _combinations([c_raw, n_raw, i_raw])
    user = _user_values(user_values)
    used_chain: dict[str, str] = {}
    used_node: dict[str, dict[str, str]] = {}
    unknown_chain: dict[str, None] = {}
    unknown_node: dict[str, dict[str, None]] = {}
    outcomes = []
    for c, nd, code in combos:
        out = _decide(c, nd, code, vocab, default_chain, user)
        outcomes.append(out)
        if c and out.chain and c != out.chain:
            used_chain.setdefault(c, out.chain)
        if nd and out.node and nd != out.node:
            used_node.setdefault(out.chain, {}).setdefault(nd, out.node)
        if "unknown_chain" in out.reasons:
            unknown_chain.setdefault(c, None)
        if "unknown_node" in out.reasons:
            unknown_node.setdefault(out.chain, {}).setdefault(nd, None)

    def spread(values: list[Any]) -> np.ndarray:
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return arr[idx] if n else np.zeros(0, dtype=object)

    def flags(which: str) -> tuple[dict[str, BoolArray], dict[str, tuple[np.ndarray, np.ndarray]]]:
        names = sorted({k for o in outcomes for k in getattr(o, which)})
        masks, texts = {}, {}
        for name in names:
            present = [name in getattr(o, which) for o in outcomes]
            masks[name] = spread(present).astype(bool)
            zh = spread([getattr(o, which).get(name, ("", ""))[0] for o in outcomes])
            en = spread([getattr(o, which).get(name, ("", ""))[1] for o in outcomes])
            texts[name] = (zh, en)
        return masks, texts

    reasons, details = flags("reasons")
    notes, note_details = flags("notes")
    values = {"chain": used_chain, "node": used_node}
    unknown = {
        "chain": list(unknown_chain)[:_MAX_LISTED],
        "node": {k: list(v)[:_MAX_LISTED] for k, v in unknown_node.items()},
    }

    def text(values: list[str]) -> pa.Array:
        if not n:
            return pa.array([], TEXT)
        dictionary = pa.array(values, TEXT)
        indices = pa.array(idx.astype(np.int32))
        return pa.DictionaryArray.from_arrays(indices, dictionary).dictionary_decode()

    return ChainMatch(
        text([o.chain for o in outcomes]),
        text([o.node for o in outcomes]),
        text([o.candidates for o in outcomes]),
        reasons,
        details,
        notes,
        note_details,
        values,
        unknown,
    )


def _combinations(columns: list[TextArray]) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """The distinct combinations of the columns' values and, per row, its combination's index.

    Each column is dictionary-encoded on its own (few distinct values: fast), and the codes are
    combined as integers, so no per-row strings are joined or hashed.
    """
    n = len(columns[0])
    if not n:
        return [], np.zeros(0, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    size = 1  # number of key values so far
    seen: list[np.ndarray] = []  # per row, the index into each dictionary
    dictionaries = []
    for col in columns:
        enc = col.dictionary_encode()
        dictionaries.append(enc.dictionary.to_pylist())
        codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        seen.append(codes)
        if size * len(dictionaries[-1]) >= 1 << 62:  # keep the key small: renumber first
            _, key = np.unique(key, return_inverse=True)
            size = int(key.max()) + 1
        key = key * len(dictionaries[-1]) + codes
        size *= len(dictionaries[-1])
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    combos = [
        tuple(values[int(codes[i])] for values, codes in zip(dictionaries, seen, strict=True))
        for i in first
    ]
    return combos, inverse


def _user_values(values: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"chain": {}, "node": {}}
    if not values:
        return out
    for raw, code in (values.get("chain") or {}).items():
        out["chain"][value_key(raw)] = str(code)
    for chain, table in (values.get("node") or {}).items():
        out["node"][str(chain)] = {value_key(raw): str(node) for raw, node in table.items()}
    return out


def _listing(items: list[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


def _decide(
    c: str, nd: str, code: str, vocab: Vocabulary, default: str | None, user: dict[str, Any]
) -> _Outcome:
    out = _Outcome()
    # chain ------------------------------------------------------------------------------
    if c:
        mapped = user["chain"].get(value_key(c))
        chain: str | None = mapped or vocab.chain_of(c)
        if chain is None:
            zh_s, en_s = vocab.suggest_chain(c)
            out.reasons["unknown_chain"] = (
                f"“{c}”"
                + (f"；是否指：{_listing(zh_s, 'zh')}？" if zh_s else "")
                + f"；可用的产业链：{_listing(vocab.chains, 'zh')}",
                f"{c!r}"
                + (f"; did you mean {_listing(en_s, 'en')}?" if en_s else "")
                + f"; valid chains: {_listing(vocab.chains, 'en')}",
            )
            return out
        out.chain = chain
        if mapped:
            out.notes["value_mapped"] = (f"产业链“{c}”→{chain}", f"chain {c!r} -> {chain}")
        elif c != chain:
            out.notes["chain_name_resolved"] = (f"“{c}”→{chain}", f"{c!r} -> {chain}")
    elif default:
        out.chain = default
        out.notes["chain_from_option"] = (default, default)
    # industry code -------------------------------------------------------------------------
    digits = ""
    if code:
        digits = _digits(code)
        if not digits:
            out.notes["invalid_industry_code"] = (f"“{code}”", repr(code))
    # node ---------------------------------------------------------------------------------
    if nd:
        if not out.chain:
            hits = [(ch, x) for ch in vocab.chains if (x := vocab.node_of(ch, nd))]
            if len(hits) == 1:
                out.chain, out.node = hits[0]
                out.notes["chain_name_resolved"] = (
                    f"环节“{nd}”只属于 {out.chain}",
                    f"node {nd!r} belongs to {out.chain} only",
                )
                return out
            where = [f"{ch}/{x}" for ch, x in hits]
            out.reasons["missing_chain"] = (
                f"环节“{nd}”没有注明产业链"
                + (f"（可能是 {_listing(where, 'zh')}）" if where else ""),
                f"node {nd!r} without a chain"
                + (f" (fits {_listing(where, 'en')})" if where else ""),
            )
            return out
        mapped = user["node"].get(out.chain, {}).get(value_key(nd))
        node: str | None = mapped or vocab.node_of(out.chain, nd)
        if node is None or node not in vocab.node_labels.get(out.chain, {}):
            zh_s, en_s = vocab.suggest_node(out.chain, nd)
            lab = vocab.node_labels.get(out.chain, {})
            out.reasons["unknown_node"] = (
                f"“{nd}”不是 {out.chain} 的环节"
                + (f"；是否指：{_listing(zh_s, 'zh')}？" if zh_s else "")
                + f"；可用的环节：{_listing([v[0] for v in lab.values()], 'zh')}",
                f"{nd!r} is not a node of {out.chain}"
                + (f"; did you mean {_listing(en_s, 'en')}?" if en_s else "")
                + f"; valid nodes: {_listing([v[1] for v in lab.values()], 'en')}",
            )
            return out
        out.node = node
        if mapped:
            out.notes["value_mapped"] = (
                (f"环节“{nd}”→{node}", f"node {nd!r} -> {node}")
                if "value_mapped" not in out.notes
                else (
                    out.notes["value_mapped"][0] + f"；环节“{nd}”→{node}",
                    out.notes["value_mapped"][1] + f"; node {nd!r} -> {node}",
                )
            )
        elif nd != node:
            out.notes["node_name_resolved"] = (f"“{nd}”→{node}", f"{nd!r} -> {node}")
        return out
    if digits:
        _from_code(out, digits, code, vocab)
        return out
    if out.chain:
        out.notes["missing_node"] = ("", "")
    else:
        out.notes["missing_chain"] = ("", "")
    return out


def _from_code(out: _Outcome, digits: str, code: str, vocab: Vocabulary) -> None:
    if out.chain:
        found = [(out.chain, x) for x in vocab.nodes_for_code(out.chain, digits)]
    else:
        found = [(ch, x) for ch in vocab.chains for x in vocab.nodes_for_code(ch, digits)]
    chains = list(dict.fromkeys(ch for ch, _ in found))
    if not found:
        if out.chain:
            out.notes["industry_code_no_node"] = (f"“{code}”", repr(code))
        else:
            out.notes["missing_chain"] = ("", "")
        return
    if not out.chain and len(chains) == 1:
        out.chain = chains[0]
        out.notes["chain_from_industry_code"] = (f"{code} → {out.chain}", f"{code} -> {out.chain}")
    if len(found) == 1 and out.chain:
        out.node = found[0][1]
        out.notes["node_from_industry_code"] = (f"{code} → {out.node}", f"{code} -> {out.node}")
        return
    names = [x if out.chain else f"{ch}/{x}" for ch, x in found]
    out.candidates = ";".join(names)
    out.notes["node_candidates"] = (
        f"{code}：{_listing(names, 'zh')}",
        f"{code}: {_listing(names, 'en')}",
    )
