"""The code's layers, checked: no import cycle, services never import interfaces, every package shipped.

The import graph is built from the source with :mod:`ast`, *every* import statement included —
those inside functions too, which a run-time check would miss. An edge ``a -> b`` means module
``a`` imports project module ``b`` (``from pkg import name`` counts as importing ``pkg.name``
when that is a module, else ``pkg``).
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import networkx as nx
import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "layout", "atlas_app")


def _module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg in PACKAGES:
        for path in sorted((REPO / pkg).rglob("*.py")):
            mods[_module_name(path)] = path
    mods["streamlit_app"] = REPO / "streamlit_app.py"
    return mods


def _resolve(name: str, mods: dict[str, Path]) -> str | None:
    while name:
        if name in mods:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path, mods: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_pkg else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                out.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in mods else base)
    return out


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    mods = _modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    g.graph["external"] = {}
    for module, path in mods.items():
        names = _imports(module, path, mods)
        g.graph["external"][module] = {n.split(".")[0] for n in names}
        for name in names:
            target = _resolve(name, mods)
            if target is not None and target != module:
                g.add_edge(module, target)
    return g


def test_the_graph_sees_function_level_imports(graph: nx.DiGraph) -> None:
    # layout.cli.analyze imports layout.analysis only inside run(): the edge must be there.
    assert graph.has_edge("layout.cli.analyze", "layout.analysis")
    assert len(graph) > 40


def test_no_import_cycle(graph: nx.DiGraph) -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def _importers(graph: nx.DiGraph, of: str) -> dict[str, list[str]]:
    bad: dict[str, list[str]] = {}
    for a, b in graph.edges:
        if b == of or b.startswith(of + "."):
            bad.setdefault(a, []).append(b)
    return bad


def test_geo_imports_nothing_above_it(graph: nx.DiGraph) -> None:
    for upper in ("layout", "atlas_app", "streamlit_app"):
        bad = {a: b for a, b in _importers(graph, upper).items() if a.startswith("geo")}
        assert not bad, f"geo imports {upper}: {bad}"


def test_services_never_import_the_interfaces(graph: nx.DiGraph) -> None:
    services = [
        m for m in graph if m.startswith(("geo", "layout")) and not m.startswith("layout.cli")
    ]
    for interface in ("layout.cli", "atlas_app", "streamlit_app"):
        bad = {a: b for a, b in _importers(graph, interface).items() if a in services}
        assert not bad, f"services import {interface}: {bad}"
    # and never streamlit itself
    for m in services:
        assert not {"streamlit", "streamlit_folium"} & graph.graph["external"][m], m


def test_cli_and_app_stay_apart(graph: nx.DiGraph) -> None:
    cli = [m for m in graph if m.startswith("layout.cli")]
    app = [m for m in graph if m.startswith("atlas_app") or m == "streamlit_app"]
    assert not {a for a, b in graph.edges if a in cli and b in app}
    assert not {a for a, b in graph.edges if a in app and b in cli}


def test_every_package_folder_is_shipped() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        _module_name(init)
        for pkg in PACKAGES
        for init in (REPO / pkg).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set(), "add these packages to [tool.setuptools] packages"
    assert (
        "atlas_data" in listed
        and config["tool"]["setuptools"]["package-dir"]["atlas_data"] == "data"
    )
