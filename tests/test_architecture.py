"""The layers of the house (docs/architecture.md), checked on the imports every module writes, at the
top or inside a function, so a shortcut across layers fails here instead of in review.

Bottom up: ``model``/``values``/``storage``/``viewmodel`` import nothing else of fleetiac; ``knowledge`` the model;
front ends the model and knowledge; the graph the model and knowledge; policies the rule registry,
the graph, knowledge and the model, never a front end and never another policy; reporters the model
only. The pipeline (engine, parse stage, cache, discovery, CLI...) may import anything.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOTTOM = {f"fleetiac.analyzer.{name}" for name in ("model", "values", "storage", "viewmodel")}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    # Through the package (links in the repository, folders in an sdist), so the names are the imported ones.
    return {module_name(p): p for folder in ("analyzer", "policies")
            for p in sorted((ROOT / "fleetiac" / folder).rglob("*.py"))}


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:`` (never imported at run time)."""
    out: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def imports(path: Path) -> set[str]:
    """Every fleetiac module ``path`` imports at run time (``from analyzer import x`` names
    ``analyzer.x``), at the top or inside a function."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or node.level):
            module = node.module or ""
            if node.level:  # `from .evaluate import x`: named from this module's package
                package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                module = f"{package}.{module}" if module else package
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    known = modules()
    return {name for name in found if name in known}


def layer(name: str) -> str:
    if name in BOTTOM:
        return "bottom"
    for prefix, label in (("fleetiac.analyzer.knowledge", "knowledge"), ("fleetiac.analyzer.frontends", "frontends"),
                          ("fleetiac.analyzer.graph", "graph"), ("fleetiac.analyzer.reporters", "reporters"),
                          ("fleetiac.policies", "policies")):
        if name == prefix or name.startswith(prefix + "."):
            return label
    return "pipeline"


ALLOWED = {
    "bottom": {"bottom"},
    "knowledge": {"bottom", "knowledge"},
    "frontends": {"bottom", "knowledge", "frontends"},
    "graph": {"bottom", "knowledge", "graph"},
    "reporters": {"bottom", "reporters"},
    "policies": {"bottom", "knowledge", "graph", "fleetiac.analyzer.rules"},
}
"""The layers (and, for policies, the one module: the registry they declare rules in) each may import."""


def test_every_import_goes_down_a_layer() -> None:
    wrong = [f"{name} ({layer(name)}) imports {target} ({layer(target)})"
             for name, path in modules().items() if layer(name) != "pipeline"
             for target in imports(path)
             if layer(target) not in ALLOWED[layer(name)] and target not in ALLOWED[layer(name)]]
    assert wrong == []


def test_no_policy_imports_another() -> None:
    wrong = [f"{name} imports {target}" for name, path in modules().items() if layer(name) == "policies"
             for target in imports(path) if layer(target) == "policies" and target != "fleetiac.policies"]
    assert wrong == []


def test_no_import_cycle_between_modules() -> None:
    graph = {name: {t for t in imports(path) if t != name} for name, path in modules().items()}
    # A package's __init__ and its submodules are one node: "fleetiac.analyzer.graph" imports nothing of its
    # submodules, but a submodule importing its package is the usual way down.
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if node.startswith(target + "."):
                continue  # a submodule importing its own package
            if state.get(target) == 1:
                cycles.append(" -> ".join([*stack[stack.index(target):], target]))
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


LANGUAGE_WORDS = re.compile(r"terraform|bicep|\.tf\b|tfvars|hcl", re.IGNORECASE)
LANGUAGE_FREE = ("analyzer/engine.py", "analyzer/discovery.py", "analyzer/cache.py", "analyzer/parsestage.py",
                 "analyzer/postscan.py", "analyzer/suppressions.py", "analyzer/storage.py", "analyzer/model.py",
                 "analyzer/values.py", "analyzer/graph", "analyzer/knowledge", "analyzer/reporters")


@pytest.mark.parametrize("where", LANGUAGE_FREE)
def test_only_front_ends_know_languages(where: str) -> None:
    """Outside the front ends no code, comment or docstring names a language: adding an input is one
    folder under analyzer/frontends (the CLI's help texts and the docs may name them)."""
    path = ROOT / "fleetiac" / where
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    hits = [f"{f.relative_to(ROOT / 'fleetiac')}:{n}: {line.strip()}" for f in files
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1)
            if LANGUAGE_WORDS.search(line)]
    assert hits == []
