"""Chain templates: the shipped files, the loader's graphs and its all-at-once validation."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from layout.chains import (
    DEFAULT_EDGES,
    DEFAULT_INDUSTRIES,
    DEFAULT_NODES,
    STAGES,
    ChainTemplateError,
    chain_codes,
    final_products,
    load_chain,
    load_chains,
    sources,
    stage_order,
)

CODES = ("LED", "PU", "MARBIO", "PETEQ", "CU", "ECOAG", "CLOUD", "TD", "POLY", "CERAM", "MINE",
         "STEEL", "BIOMED", "NEV", "COMP", "CONMACH", "CNC", "LIB")  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]

NODES_HEADER = "chain,node,stage,name_zh,name_en,gbt4754,weight\n"
EDGES_HEADER = "chain,source,target,relation\n"


def _write(tmp_path: Path, nodes: str, edges: str, *, bom: bool = False) -> tuple[Path, Path]:
    npath, epath = tmp_path / "nodes.csv", tmp_path / "edges.csv"
    prefix = "\ufeff" if bom else ""
    npath.write_text(prefix + NODES_HEADER + nodes, encoding="utf-8")
    epath.write_text(prefix + EDGES_HEADER + edges, encoding="utf-8")
    return npath, epath


GOOD_NODES = (
    "T,a,upstream,甲,A,C3985,1.0\nT,b,midstream,乙,B,C3975;C3976,2\nT,c,downstream,丙,C,,\n"
)
GOOD_EDGES = "T,a,b,supplies\nT,b,c,supplies\n"


# --------------------------------------------------------------------------- shipped templates


def test_all_18_shipped_chains_load_in_order() -> None:
    graphs = load_chains()
    assert tuple(graphs) == CODES
    assert chain_codes() == CODES


@pytest.mark.parametrize("code", CODES)
def test_shipped_chain_is_dag_and_every_node_on_a_source_to_sink_path(code: str) -> None:
    graph = load_chain(code)
    assert nx.is_directed_acyclic_graph(graph)
    assert graph.number_of_nodes() >= 5
    srcs, sinks = set(sources(graph)), set(final_products(graph))
    for node in graph.nodes:
        from_source = srcs & (nx.ancestors(graph, node) | {node})
        to_sink = sinks & (nx.descendants(graph, node) | {node})
        assert from_source and to_sink, node
        assert graph.degree(node) > 0, f"{code}.{node} is isolated"


@pytest.mark.parametrize("code", CODES)
def test_shipped_node_attributes(code: str) -> None:
    graph = load_chain(code)
    industries = pd.read_csv(DEFAULT_INDUSTRIES, dtype=str).set_index("chain")
    assert graph.graph["chain"] == code
    assert graph.graph["name_zh"] == industries.loc[code, "name_zh"]
    assert graph.graph["name_en"] == industries.loc[code, "name_en"]
    for node, attrs in graph.nodes(data=True):
        assert attrs["stage"] in STAGES, node
        assert attrs["name_zh"] and attrs["name_en"]
        assert isinstance(attrs["gbt4754"], list) and attrs["gbt4754"]
        assert all(re.fullmatch(r"[A-T]\d{4}", c) for c in attrs["gbt4754"]), attrs["gbt4754"]
        assert attrs["weight"] == 1.0
        assert attrs["verification"].startswith("unverified")
    assert all(d["relation"] for _, _, d in graph.edges(data=True))


def test_lib_recycling_loop_is_kept_as_feedback_not_as_edge() -> None:
    graph = load_chain("LIB")
    assert not graph.has_edge("recycle", "li")
    fb = graph.graph["feedback_edges"]
    assert [(u, v, d["relation"]) for u, v, d in fb] == [("recycle", "li", "recovered materials")]
    assert "li" in sources(graph) and "recycle" in final_products(graph)


def test_shipped_files_carry_provenance_columns() -> None:
    nodes = pd.read_csv(DEFAULT_NODES, dtype=str, keep_default_na=False)
    edges = pd.read_csv(DEFAULT_EDGES, dtype=str, keep_default_na=False)
    industries = pd.read_csv(DEFAULT_INDUSTRIES, dtype=str, keep_default_na=False)
    for df, cols in ((nodes, ["source", "verification", "gbt4754_note", "evidence"]),
                     (edges, ["source_ref", "verification", "evidence"]),
                     (industries, ["source", "verification", "evidence"])):  # fmt: skip
        for col in cols:
            assert (df[col] != "").all(), col
    assert (nodes["gbt4754_note"].str.contains("unverified")).all()
    # templates from general industry knowledge: no source states them
    assert set(nodes["evidence"]) == set(edges["evidence"]) == {"none"}
    assert set(industries["evidence"]) <= {"official", "press", "secondary", "none"}
    assert list(industries["chain"]) == list(CODES)
    assert list(industries["cluster_id"]) == [f"F{i:02d}" for i in range(1, 19)]
    assert set(industries["zone_2015"]) == {"BLUE", "YRD", "CAP", "WEST", "RES"}


def test_codes_and_node_ids_match_the_reference_exactly(reference_dir: Path) -> None:
    ref_nodes = pd.read_csv(reference_dir / "chain_nodes.csv", dtype=str, keep_default_na=False)
    ref_edges = pd.read_csv(reference_dir / "chain_edges.csv", dtype=str, keep_default_na=False)
    nodes = pd.read_csv(DEFAULT_NODES, dtype=str, keep_default_na=False)
    edges = pd.read_csv(DEFAULT_EDGES, dtype=str, keep_default_na=False)
    assert list(zip(nodes.chain, nodes.node, nodes.stage, strict=True)) == list(
        zip(ref_nodes.industry_code, ref_nodes.node_id, ref_nodes.stage, strict=True)
    )
    assert list(zip(edges.chain, edges.source, edges.target, edges.relation, strict=True)) == list(
        zip(ref_edges.industry_code, ref_edges.source, ref_edges.target, ref_edges.relation,
            strict=True))  # fmt: skip


def test_build_script_reproduces_the_shipped_files(reference_dir: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_chains", ROOT / "scripts/build_chains.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for frame, path in ((mod.build_nodes(reference_dir), DEFAULT_NODES),
                        (mod.build_edges(reference_dir), DEFAULT_EDGES)):  # fmt: skip
        text = frame.to_csv(index=False, lineterminator="\n")
        assert text == path.read_text(encoding="utf-8")
    chains = list(dict.fromkeys(mod.build_nodes(reference_dir)["chain"]))
    text = mod.build_industries(reference_dir, chains).to_csv(index=False, lineterminator="\n")
    assert text == DEFAULT_INDUSTRIES.read_text(encoding="utf-8")


def test_each_load_returns_fresh_graphs() -> None:
    first = load_chain("CU")
    first.remove_node("conc")
    assert "conc" in load_chain("CU")


# --------------------------------------------------------------------------- helpers


def test_stage_order_and_sources_and_final_products(tmp_path: Path) -> None:
    assert stage_order() == ("upstream", "midstream", "downstream", "support")
    npath, epath = _write(tmp_path, GOOD_NODES, GOOD_EDGES)
    graph = load_chain("T", npath, epath)
    assert sources(graph) == ["a"] and final_products(graph) == ["c"]
    assert list(graph.successors("a")) == ["b"]  # supplier -> buyer
    assert graph.nodes["b"]["gbt4754"] == ["C3975", "C3976"]
    assert graph.nodes["b"]["weight"] == 2.0
    assert graph.nodes["c"]["weight"] == 1.0 and graph.nodes["c"]["gbt4754"] == []
    assert graph.graph["name_en"] == "T"  # not in industries.csv: named by its code


def test_utf8_bom_files_load(tmp_path: Path) -> None:
    npath, epath = _write(tmp_path, GOOD_NODES, GOOD_EDGES, bom=True)
    graph = load_chain("T", npath, epath)
    assert graph.nodes["a"]["name_zh"] == "甲"


# --------------------------------------------------------------------------- validation


def test_three_problems_are_reported_together(tmp_path: Path) -> None:
    nodes = (
        "T,a,upstream,甲,A,C3985,1\n"
        "T,b,midsteam,乙,B,C3975,1\n"  # row 3: bad stage
        "T,c,downstream,丙,C,C3872,-2\n"  # row 4: negative weight
    )
    edges = "T,a,b,supplies\nT,b,cc,supplies\n"  # row 3: unknown node 'cc'
    npath, epath = _write(tmp_path, nodes, edges)
    with pytest.raises(ChainTemplateError) as info:
        load_chains(npath, epath)
    problems = info.value.problems
    assert len(problems) == 3
    found = {(p.file, p.row, p.column, p.value) for p in problems}
    assert found == {(str(npath), 3, "stage", "midsteam"), (str(npath), 4, "weight", "-2"),
                     (str(epath), 3, "target", "cc")}  # fmt: skip
    text = str(info.value)
    assert "3 problem(s)" in text and "Fix:" in text and "upstream, midstream" in text
    assert "did you mean 'c'" in text
    assert isinstance(info.value, ValueError)


def test_missing_columns_and_bad_values_reported(tmp_path: Path) -> None:
    npath, epath = tmp_path / "nodes.csv", tmp_path / "edges.csv"
    npath.write_text("chain,node,name_zh,name_en\nT,a,甲,A\n", encoding="utf-8")
    epath.write_text("chain,source\nT,a\n", encoding="utf-8")
    with pytest.raises(ChainTemplateError) as info:
        load_chains(npath, epath)
    cols = sorted((p.file, p.column) for p in info.value.problems)
    assert cols == [(str(epath), "target"), (str(npath), "stage")]


def test_duplicates_weights_codes_and_unknown_chain(tmp_path: Path) -> None:
    nodes = (
        "T,a,upstream,甲,A,C3985,abc\n"  # row 2: non-numeric weight
        "T,a,midstream,乙,B,3975,1\n"  # row 3: duplicate id; bad code
        "T,b,downstream,丙,C,,inf\n"  # row 4: non-finite weight
    )
    edges = "T,a,b,supplies\nT,a,b,supplies\nX,a,b,supplies\n"
    npath, epath = _write(tmp_path, nodes, edges)
    with pytest.raises(ChainTemplateError) as info:
        load_chains(npath, epath)
    found = sorted((p.row, p.column) for p in info.value.problems)
    assert found == [(2, "weight"), (3, "gbt4754"), (3, "node"), (3, "target"), (4, "chain"),
                     (4, "weight")]  # fmt: skip


def test_cycle_is_reported_and_feedback_flag_breaks_it(tmp_path: Path) -> None:
    npath, epath = _write(tmp_path, GOOD_NODES, GOOD_EDGES + "T,c,a,recovered\n")
    with pytest.raises(ChainTemplateError) as info:
        load_chains(npath, epath)
    [problem] = info.value.problems
    assert "cycle" in problem.message and "feedback=true" in problem.fix
    assert "rows 2, 3, 4" in problem.message
    epath.write_text("chain,source,target,relation,feedback\nT,a,b,,\nT,b,c,,false\n"
                     "T,c,a,recovered,true\n", encoding="utf-8")  # fmt: skip
    graph = load_chain("T", npath, epath)
    assert nx.is_directed_acyclic_graph(graph)
    assert graph.edges["a", "b"]["relation"] == "supplies"  # blank -> default
    assert [(u, v) for u, v, _ in graph.graph["feedback_edges"]] == [("c", "a")]


def test_isolated_node_is_not_connected(tmp_path: Path) -> None:
    npath, epath = _write(tmp_path, GOOD_NODES + "T,d,support,丁,D,M7452,1\n", GOOD_EDGES)
    with pytest.raises(ChainTemplateError) as info:
        load_chains(npath, epath)
    [problem] = info.value.problems
    assert problem.value == "d" and "not connected" in problem.message


def test_unknown_chain_code_lists_valid_codes() -> None:
    with pytest.raises(ChainTemplateError) as info:
        load_chain("led")
    text = str(info.value)
    assert "LED, PU, MARBIO" in text and "did you mean 'LED'" in text


def test_unreadable_files_are_problems(tmp_path: Path) -> None:
    npath = tmp_path / "nodes.csv"
    npath.write_bytes(NODES_HEADER.encode() + "T,a,upstream,甲,A,,1\n".encode("gbk"))
    with pytest.raises(ChainTemplateError) as info:
        load_chains(npath, tmp_path / "missing.csv")
    messages = sorted(p.message for p in info.value.problems)
    assert messages[0] == "file not found" and messages[1].startswith("not UTF-8")


# --------------------------------------------------------------------------- synonyms


def test_synonyms_load_from_nodes_and_industries(tmp_path: Path) -> None:
    npath, epath = _write(tmp_path, GOOD_NODES, GOOD_EDGES)
    nodes = pd.read_csv(npath, dtype=str, keep_default_na=False)
    nodes["synonyms"] = ["甲料;A material", "", "丙品"]
    nodes.to_csv(npath, index=False)
    ipath = tmp_path / "industries.csv"
    ipath.write_text("chain,name_zh,name_en,synonyms\nT,测试链,Test chain,试验链;trial\n")
    graph = load_chain("T", npath, epath, industries_path=ipath)
    assert graph.graph["synonyms"] == ["试验链", "trial"]
    assert graph.nodes["a"]["synonyms"] == ["甲料", "A material"]
    assert graph.nodes["b"]["synonyms"] == []


def test_a_synonym_naming_two_nodes_or_chains_is_a_problem(tmp_path: Path) -> None:
    npath, epath = _write(tmp_path, GOOD_NODES, GOOD_EDGES)
    nodes = pd.read_csv(npath, dtype=str, keep_default_na=False)
    nodes["synonyms"] = ["共用", "共用;ｂ", ""]  # full-width ｂ is node b's own id
    nodes.to_csv(npath, index=False)
    ipath = tmp_path / "industries.csv"
    ipath.write_text("chain,name_zh,name_en,synonyms\nT,测试链,Test chain,T\n")
    with pytest.raises(ChainTemplateError) as err:
        load_chains(npath, epath, industries_path=ipath)
    messages = [p.message for p in err.value.problems]
    assert messages == ["synonym of node T/b already names node T/a"]


def test_shipped_synonyms_are_what_the_build_script_makes() -> None:
    spec = importlib.util.spec_from_file_location("build_chains", ROOT / "scripts/build_chains.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    nodes = pd.read_csv(DEFAULT_NODES, dtype=str, keep_default_na=False)
    industries = pd.read_csv(DEFAULT_INDUSTRIES, dtype=str, keep_default_na=False)
    assert mod.node_synonyms(nodes) == nodes["synonyms"].tolist()
    assert mod.chain_synonyms(list(industries["chain"])) == industries["synonyms"].tolist()
    led = load_chain("LED")
    assert "半导体照明" in led.graph["synonyms"]
    assert "封装" in led.nodes["package"]["synonyms"]
    assert {"荧光粉", "封装材料"} <= set(led.nodes["phosphor"]["synonyms"])  # parts of its name
