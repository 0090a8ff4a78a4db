"""One room per concern: the package's import graph, checked.

boltview is built in layers, each knowing only those below it:

    errors < bolt < render < protobuf < values < containerd < forensics < tui < cli

The engine (``bolt``) knows nothing of what the keys mean, containerd's model
nothing of Textual, and only the command line knows click.  These tests read
every module with ``ast`` (lazy imports inside functions included, and module
names written as strings for ``importlib``, as the CLI's lazy verbs are) and
fail on an import that points up, on a cycle between modules, on a module
grown past 600 lines, and on a UI library used outside its room.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "boltview"

#: Layers from the bottom up; a module may import its own layer and those below.
LAYERS = (
    "base", "bolt", "render", "protobuf", "values", "containerd", "stores", "forensics", "node", "tui", "cli",
)  # fmt: skip

#: Modules outside a layer's folder, and the layer they belong to.
LOOSE_MODULES = {
    "boltview": "base",
    "boltview.errors": "base",
    "boltview.__main__": "cli",
    "boltview.dump": "bolt",
    "boltview.provenance": "render",
}

#: Which layers may use each library that draws on a terminal or parses a command line.
UI_LIBRARIES = {
    "textual": {"tui"},
    "click": {"cli"},
    "rich": {"render", "tui", "cli"},
}

MAX_LINES = 600


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (of boltview) or top-level library
    line: int
    lazy: bool  # inside a function: runs only when called
    typing_only: bool  # under ``if TYPE_CHECKING``


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    if module in LOOSE_MODULES:
        return LOOSE_MODULES[module]
    name = module.split(".")[1]
    assert name in LAYERS, f"{module} is in no layer: add its folder to LAYERS"
    return name


def owning_module(dotted: str) -> str | None:
    """The boltview module a dotted name lives in (``a.b.c`` may be module ``a.b``'s name c)."""
    while dotted:
        if dotted in MODULES:
            return dotted
        dotted = dotted.rpartition(".")[0]
    return None


def imports(module: str) -> Iterator[Import]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST, lazy: bool, typing_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            child_lazy = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            child_typing = typing_only or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(module, alias.name, child.lineno, lazy, typing_only)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join(anchor + ([child.module] if child.module else []))
                for alias in child.names:
                    yield Import(module, f"{base}.{alias.name}", child.lineno, lazy, typing_only)
            elif (
                isinstance(child, ast.Constant)
                and isinstance(child.value, str)
                and child.value in MODULES
                and child.value != "boltview"
            ):
                # A module named in a string is imported with importlib: count it, lazily.
                yield Import(module, child.value, child.lineno, True, typing_only)
            yield from visit(child, child_lazy, child_typing)

    yield from visit(tree, False, False)


def package_imports() -> list[Import]:
    """Every import of one boltview module by another, targets resolved to modules."""
    found = []
    for module in MODULES:
        for item in imports(module):
            target = owning_module(item.target)
            if target is not None and target != module:
                found.append(Import(module, target, item.line, item.lazy, item.typing_only))
    return found


def where(item: Import) -> str:
    return f"{MODULES[item.source].relative_to(ROOT)}:{item.line}"


def test_every_module_is_in_a_layer() -> None:
    assert {layer(module) for module in MODULES} <= set(LAYERS)


def test_no_import_points_up() -> None:
    upward = {
        f"{where(item)}: {item.source} ({layer(item.source)}) imports {item.target} "
        f"({layer(item.target)})"
        for item in package_imports()
        if LAYERS.index(layer(item.target)) > LAYERS.index(layer(item.source))
    }
    assert not upward, "imports that point up a layer:\n" + "\n".join(sorted(upward))


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: the groups of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
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
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_cycle_between_modules() -> None:
    """Lazy imports count: a cycle broken only by deferring an import is still a cycle."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for item in package_imports():
        if not item.typing_only:
            graph[item.source].add(item.target)
    cycles = strongly_connected(graph)
    assert not cycles, "modules that import each other:\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert strongly_connected(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_too_long(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module}: {lines} lines; split it by concern"


def test_ui_libraries_stay_in_their_rooms() -> None:
    misplaced = []
    for module in MODULES:
        for item in imports(module):
            library = item.target.split(".")[0]
            allowed = UI_LIBRARIES.get(library)
            if allowed is not None and layer(module) not in allowed:
                misplaced.append(f"{where(item)}: {module} imports {library}")
    assert not misplaced, "\n".join(misplaced)


def test_the_browser_parses_no_bytes() -> None:
    """Page layouts and value formats are read below tui/: it only shows what they give it."""
    offending = []
    for module, path in MODULES.items():
        if layer(module) != "tui":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                )
                if "struct" in names:
                    offending.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports struct")
            elif isinstance(node, ast.Attribute) and node.attr == "from_bytes":
                offending.append(f"{path.relative_to(ROOT)}:{node.lineno}: int.from_bytes")
    assert not offending, "\n".join(offending)
