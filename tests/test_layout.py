"""The package layout: no import cycles, every capability a package with a stage, README in step."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PKG = ROOT / "src" / "newsweave"
CAPABILITIES = ["reuse", "stories", "entities", "quotes", "events", "corroborate", "summarize"]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _targets(name: str, node: ast.AST, modules: dict[str, Path]) -> set[str]:
    """Modules an import statement loads: the module itself and every package above it, except the
    importer's own packages (a package's ``__init__`` importing its submodules is no cycle)."""
    found: set[str] = set()
    if isinstance(node, ast.Import):
        found = {a.name for a in node.names}
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative import
            pkg = name.split(".") if modules[name].name == "__init__.py" else name.split(".")[:-1]
            base = ".".join(pkg[: len(pkg) - node.level + 1] + ([base] if base else []))
        found = {base} | {f"{base}.{a.name}" for a in node.names}
    own = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 1)}
    out = set()
    for target in found:
        parts = target.split(".")
        for k in range(1, len(parts) + 1):
            mod = ".".join(parts[:k])
            if mod in modules and mod != name and (mod not in own or k == len(parts)):
                out.add(mod)
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports, anywhere in its body (lazy imports included)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _targets(name, node, modules)
        graph[name] = edges - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as a path that ends where it starts), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert len(graph) > 40
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_every_capability_is_a_package_with_its_stage() -> None:
    from newsweave.stages import STAGES

    for cap in CAPABILITIES:
        assert (PKG / cap / "__init__.py").exists(), cap
        assert (PKG / cap / "stage.py").exists(), cap
    declared = {s.run.__module__.split(".")[1] for s in STAGES}
    assert declared == set(CAPABILITIES)


def test_readme_layout_matches_the_folders() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Layout", 1)[1].split("```")[1].split("\ntests/")[0]
    names = [re.split(r"\s{2,}", line.strip())[0] for line in block.splitlines() if line.startswith("  ")]
    listed = {m for col in names for m in re.findall(r"\b([a-z_]+)/", col)}
    folders = {p.name for p in PKG.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert listed == folders
    top = {p.name for p in PKG.glob("*.py") if p.name != "__init__.py"}
    named = {m for col in names for m in re.findall(r"\b([a-z_]+\.py)\b", col)}
    assert top <= named, top - named
