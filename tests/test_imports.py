"""No import cycle inside the ``openai_deals`` package: a cycle says that two modules are one,
or that a small shared type wants a home of its own.

The graph is read from the source with ``ast`` (nothing is imported): every module of the
package, its ``import openai_deals.…`` and ``from openai_deals… import …`` statements, relative
ones resolved, and ``from package import name`` counted as an import of the submodule when
``name`` is one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "openai_deals"


def _modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name → (file, is a package ``__init__``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(name: str, *, at_import_time: bool) -> set[str]:
    """The package's modules that module ``name`` imports.

    With ``at_import_time``, only what Python runs when the module is imported: imports
    inside functions and under ``if TYPE_CHECKING:`` are left out. Otherwise every import
    statement counts: a deferred import or a type hint is a dependency all the same.
    """
    path, is_package = MODULES[name]
    source = path.read_text(encoding="utf-8")
    return _imports_in(source, name, is_package, at_import_time=at_import_time)


def _imports_in(source: str, name: str, is_package: bool, *, at_import_time: bool) -> set[str]:
    here = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()

    def target(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = here[: len(here) - (node.level - 1)]
        return ".".join([*base, *([node.module] if node.module else [])])

    def visit(node: ast.AST, deferred: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                if not at_import_time:
                    visit(child, deferred)
                for other in child.orelse:
                    visit_one(other, deferred)
                continue
            visit_one(child, deferred)

    def visit_one(child: ast.AST, deferred: bool) -> None:
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            deferred = True
        if deferred and at_import_time:
            pass
        elif isinstance(child, ast.Import):
            found.update(alias.name for alias in child.names)
        elif isinstance(child, ast.ImportFrom):
            module = target(child)
            for alias in child.names:
                submodule = f"{module}.{alias.name}"
                found.add(submodule if submodule in MODULES else module)
        visit(child, deferred)

    visit(ast.parse(source, filename=name), False)
    return {m for m in found if m in MODULES and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan's
    algorithm, iterative), each as a path that comes back to its first module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return [_path_in(graph, component) for component in components]


def _path_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A cycle through the component's first module, found breadth-first (the shortest)."""
    start = min(component)
    came_from: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & component):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")  # a component always has one


@pytest.mark.parametrize("at_import_time", [True, False], ids=["at-import-time", "every-import"])
def test_no_import_cycle(at_import_time):
    """No module imports one that imports it back: neither in what runs at import time
    (``if TYPE_CHECKING:`` and imports inside functions left out), nor counting every import
    statement, deferred ones and type hints included."""
    graph = {name: _imported(name, at_import_time=at_import_time) for name in MODULES}
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)


def test_the_graph_sees_what_it_must():
    """The reader of the graph resolves absolute, relative and submodule imports, and finds a
    cycle when there is one (a self-check, so that an empty answer means something)."""
    listeners = _imported("openai_deals.slack.listeners", at_import_time=True)
    assert "openai_deals.slack.listeners.actions" in listeners  # from package import submodule
    assert "openai_deals.slack.answerer" in listeners
    # a deferred import (inside a function) counts only in the every-import graph
    assert "openai_deals.retrieval.answering.engine" in _imported(
        "openai_deals.live_corpus", at_import_time=False
    )
    assert "openai_deals.retrieval.answering.engine" not in _imported(
        "openai_deals.cli", at_import_time=True
    )
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import render\n"  # a sibling submodule, relative
        "from ..retrieval.model import Answer\n"  # a name from a module, two levels up
        "if TYPE_CHECKING:\n"
        "    from openai_deals.slack.app import create_app\n"
        "def f():\n"
        "    import openai_deals.settings\n"
    )
    name = "openai_deals.slack.answerer"
    assert _imports_in(source, name, False, at_import_time=True) == {
        "openai_deals.slack.render",
        "openai_deals.retrieval.model",
    }
    assert _imports_in(source, name, False, at_import_time=False) == {
        "openai_deals.slack.render",
        "openai_deals.retrieval.model",
        "openai_deals.slack.app",
        "openai_deals.settings",
    }
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
