"""The package layers: data flows one way, and no two top-level packages import each other.

Imports are read from the source (every ``import`` statement, also those inside
functions), so a cycle hidden behind a deferred import counts as much as one at
the top of a module.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import zebench

SRC = Path(zebench.__file__).parent
NOT_CODE = ("examples", "migrations")  # scenario fixtures; Alembic's own files


def _package(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def _imports() -> dict[str, dict[str, list[str]]]:
    """Top-level package -> the top-level packages it imports -> where."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in SRC.rglob("*.py"):
        if any(part in NOT_CODE for part in path.relative_to(SRC).parts):
            continue
        here = _package(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "zebench" and len(parts) > 1 and parts[1] != here:
                    graph[here][parts[1]].append(str(path.relative_to(SRC)))
    return graph


GRAPH = _imports()


def _reaches(start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        for nxt in GRAPH.get(todo.pop(), {}):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def test_the_reader_finds_the_imports() -> None:
    assert "store" in GRAPH["service"]
    assert "service" in GRAPH["api"]
    assert GRAPH["server"].keys() >= {"api", "web"}


def test_no_two_top_level_packages_import_each_other() -> None:
    cycles = [
        f"{a} -> {b} ({GRAPH[a][b][0]}) and back"
        for a in sorted(GRAPH)
        for b in sorted(GRAPH[a])
        if _reaches(b, a)
    ]
    assert cycles == []


FORBIDDEN = {
    "model": {"store", "service", "api", "web", "server", "harness", "delivery", "cli"},
    "store": {"service", "api", "web", "server", "harness", "delivery", "cli", "throughput"},
    "service": {"api", "web", "server", "harness", "delivery", "cli"},
    "api": {"web", "server", "cli"},
    "web": {"api", "server", "cli"},
    "harness": {"service", "api", "web", "server", "store"},
    "evaluators": {"harness"},
    "workspace": {"harness", "evaluators", "agents"},
    "sandbox": {"agents", "harness", "evaluators", "service", "store"},
    "delivery": {"llm", "api", "web", "server", "harness"},
    "throughput": {"llm", "api", "web", "server"},
}
"""What each layer must not reach: the app is assembled at the top (``server``), the
harness reaches the store only through delivery, shared helpers live below their users."""


def test_each_layer_imports_only_what_is_beneath_it() -> None:
    found = {
        f"{layer} -> {other} ({GRAPH[layer][other][0]})"
        for layer, others in FORBIDDEN.items()
        for other in others
        if other in GRAPH.get(layer, {})
    }
    assert found == set()
