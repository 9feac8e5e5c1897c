"""Guards on the shape of the code: module size, import cycles, where ``telegram`` may be imported.

Each rule has an allow-list of today's offenders. The lists may only shrink: a module that is
fixed must leave its list (the test says so), and nothing new may join without a conscious edit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage", "messages")
MAX_LINES = 500

KNOWN_OVER: set[str] = set()

KNOWN_CYCLES: set[frozenset[str]] = set()

TELEGRAM_HOMES = ("bot/channels/telegram/", "bot/fakes/")
KNOWN_TELEGRAM_IMPORTERS: set[str] = set()


# ----- reading the code --------------------------------------------------------------------


def source_files(root: Path = ROOT) -> dict[str, Path]:
    """Module name -> file, for every Python module of the guarded packages."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _import_time_nodes(body: Iterable[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports executed when the module is imported: not in functions, not TYPE_CHECKING-only."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _import_time_nodes(node.body)
            yield from _import_time_nodes(node.orelse)
        elif isinstance(node, ast.ClassDef | ast.With | ast.AsyncWith | ast.For | ast.While):
            yield from _import_time_nodes(node.body)
            yield from _import_time_nodes(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try | ast.TryStar):
            yield from _import_time_nodes(node.body)
            for handler in node.handlers:
                yield from _import_time_nodes(handler.body)
            yield from _import_time_nodes(node.orelse)
            yield from _import_time_nodes(node.finalbody)


def _base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_edges(source: str, module: str, is_package: bool, known: Iterable[str]) -> set[str]:
    """The guarded modules that importing ``module`` imports (and so runs) at import time.

    ``from x import y`` names the module ``x.y`` when there is one, else ``x`` itself. Importing
    ``a.b.c`` also runs the ``__init__`` of ``a`` and ``a.b``, except the importer's own
    ancestors, which are already being imported: a package's ``__init__`` importing its own
    submodules is not a cycle by itself, but a submodule importing its package explicitly is.
    """
    known = set(known)
    targets: set[str] = set()
    for node in _import_time_nodes(ast.parse(source).body):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = _base(node, module, is_package)
        for alias in node.names:
            child = f"{base}.{alias.name}"
            targets.add(child if child in known else base)
    own = set(_ancestors(module))
    if is_package:
        own.add(module)
    edges: set[str] = set()
    for target in targets:
        implied = [name for name in _ancestors(target) if name not in own]
        edges.update(name for name in [*implied, target] if name in known and name != module)
    return edges


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    files = source_files(root)
    return {
        module: import_edges(path.read_text("utf-8"), module, path.name == "__init__.py", files)
        for module, path in files.items()
    }


def find_cycles(graph: Mapping[str, Iterable[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: set[frozenset[str]] = set()
    counter = 0
    for start in graph:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(graph.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(graph.get(successor, ()))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.add(frozenset(component))
    return cycles


def imports_telegram(source: str) -> bool:
    """Whether the module imports ``telegram`` anywhere (functions and TYPE_CHECKING included)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        if any(name == "telegram" or name.startswith("telegram.") for name in names):
            return True
    return False


def allow_list_problems(found: set[str], known: set[str], what: str) -> list[str]:
    """Offenders missing from the allow-list, and allow-list entries that no longer offend."""
    problems = [f"{item}: {what}" for item in sorted(found - known)]
    problems += [
        f"{item}: no longer {what}; remove it from the allow-list" for item in sorted(known - found)
    ]
    return problems


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ----- the rules ---------------------------------------------------------------------------


def test_no_module_over_500_lines() -> None:
    lines = {
        _relative(path): len(path.read_text("utf-8").splitlines())
        for path in source_files().values()
    }
    found = {name for name, count in lines.items() if count > MAX_LINES}
    problems = allow_list_problems(found, KNOWN_OVER, f"over {MAX_LINES} lines")
    sizes = ", ".join(
        f"{name}={lines[name]}" for name in sorted(found | KNOWN_OVER) if name in lines
    )
    assert not problems, "\n".join([*problems, f"sizes now: {sizes}"])


def _render(cycles: set[frozenset[str]]) -> set[str]:
    return {" <-> ".join(sorted(cycle)) for cycle in cycles}


def test_no_import_cycles() -> None:
    found = find_cycles(import_graph())
    problems = allow_list_problems(_render(found), _render(KNOWN_CYCLES), "an import cycle")
    assert not problems, "\n".join(problems)


def test_telegram_imported_only_by_its_channel_and_the_fakes() -> None:
    found = {
        _relative(path)
        for path in source_files().values()
        if not _relative(path).startswith(TELEGRAM_HOMES)
        and imports_telegram(path.read_text("utf-8"))
    }
    problems = allow_list_problems(found, KNOWN_TELEGRAM_IMPORTERS, "imports telegram")
    assert not problems, "\n".join(problems)


# ----- the checkers can fail ---------------------------------------------------------------


def test_find_cycles_on_a_synthetic_graph() -> None:
    graph = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},
        "d": {"e"},
        "e": {"d"},
        "f": {"a"},
        "g": set(),
    }
    assert find_cycles(graph) == {frozenset("abc"), frozenset("de")}
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == set()


def test_import_edges_skip_type_checking_and_functions_and_resolve_submodules() -> None:
    known = {"p", "p.a", "p.b", "p.c", "q", "q.x"}
    source = (
        "from typing import TYPE_CHECKING\n"
        "import os\n"
        "from . import b\n"
        "from .c import thing\n"
        "from q.x import y\n"
        "if TYPE_CHECKING:\n"
        "    from p import everything\n"
        "else:\n"
        "    pass\n"
        "def later():\n"
        "    from p import late\n"
    )
    assert import_edges(source, "p.a", False, known) == {"p.b", "p.c", "q", "q.x"}
    assert import_edges("from . import shared\n", "p.a", False, known) == {"p"}


def test_package_init_importing_its_submodule_is_not_a_cycle_but_the_way_back_is() -> None:
    known = {"p", "p.a", "p.b"}
    graph = {
        "p": import_edges("from .a import A\n", "p", True, known),
        "p.a": import_edges("from .b import B\n", "p.a", False, known),
        "p.b": set(),
    }
    assert find_cycles(graph) == set()
    graph["p.b"] = import_edges("from p import A\n", "p.b", False, known)
    assert find_cycles(graph) == {frozenset({"p", "p.a", "p.b"})}


def test_telegram_detection_and_allow_list_shrink_rule() -> None:
    assert imports_telegram("def f():\n    from telegram.ext import Application\n")
    assert imports_telegram("import telegram\n")
    assert not imports_telegram("import telegramx\nfrom .telegram import sender\n")
    assert allow_list_problems({"a", "b"}, {"b", "c"}, "bad") == [
        "a: bad",
        "c: no longer bad; remove it from the allow-list",
    ]
