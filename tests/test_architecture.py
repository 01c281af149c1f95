"""The architecture as the folders show it: imports flow serving → training → features, and no
module imports itself back through others (no import circle, lazy imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("features", "training", "serving")  # each may import only those before it
LAYER = {name: rank for rank, name in enumerate(PACKAGES)}  # features 0 < training 1 < serving 2


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    """The project modules `path` imports anywhere in its body (lazy imports included)."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `from x import name` names an attribute
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imported(path, name, known) for name, path in modules.items()}


def test_imports_flow_from_serving_to_training_to_features():
    against = [f"{source} imports {target}"
               for source, targets in import_graph().items() for target in sorted(targets)
               if LAYER[target.split(".")[0]] > LAYER[source.split(".")[0]]]
    assert not against, "imports against serving → training → features:\n" + "\n".join(against)


# serving's rooms: what each may not import (the CLI may import every room; none imports it)
ROOMS_BELOW = {"serving.workspace": ("serving.api", "serving.ui", "serving.cli"),
               "serving.batch": ("serving.api", "serving.ui", "serving.cli"),
               "serving.store": ("serving.api", "serving.ui", "serving.cli", "serving.workspace",
                                 "serving.batch", "serving.scheduling", "training"),
               "serving.scheduling": ("serving.api", "serving.ui", "serving.cli",
                                      "serving.workspace", "serving.batch", "serving.store"),
               "serving.ui": ("serving.api", "serving.cli"),
               "serving.api": ("serving.cli",)}


def test_serving_rooms_import_only_the_rooms_below_them():
    against = [f"{source} imports {target}"
               for source, targets in import_graph().items()
               for room, forbidden in ROOMS_BELOW.items()
               if source == room or source.startswith(f"{room}.")
               for target in sorted(targets)
               if any(target == f or target.startswith(f"{f}.") for f in forbidden)]
    assert not against, "imports across serving's rooms:\n" + "\n".join(against)


def _a_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of `graph` (as the modules walked round it), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (circle := visit(target)):
                return circle
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (circle := visit(start)):
            return circle
    return None


def test_no_import_circle():
    graph = import_graph()
    for module in graph:  # a package's __init__ re-exporting its own modules is no circle
        graph[module] = {t for t in graph[module] if not module.startswith(f"{t}.")}
    circle = _a_circle(graph)
    assert circle is None, "import circle: " + " → ".join(circle or [])


@pytest.mark.parametrize("graph, circle", [
    ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
    ({"a": {"b"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
])
def test_the_circle_finder_finds_circles(graph, circle):
    assert _a_circle(graph) == circle


def test_every_module_is_under_300_lines():
    long = [f"{name}: {n} lines" for name, path in project_modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) >= 300]
    assert not long, "modules of 300 lines or more:\n" + "\n".join(long)
