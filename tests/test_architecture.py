"""The shape of the code, read from its static import graph (every import, also those
inside functions): no module reaches itself through others, the apps use the small kit and
not the registry and dashboards that use them, and the kit stays on the foundation."""

from __future__ import annotations

import sys

import grimp
import pytest

FOUNDATION = ("koers.core", "koers.engine", "koers.org", "koers.sales", "koers.kit")
# the layers that put the apps together: pages of records, dashboards, the menu, the API
# and the demo; nothing below them imports them
ASSEMBLY = ("koers.ui", "koers.api", "koers.demo", "koers.urls", "koers.settings")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("koers", include_external_packages=False)


def _cycles(graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_through_others(graph):
    assert _cycles(graph) == []


def _imports(graph, importer_prefix: tuple[str, ...], imported_prefix: tuple[str, ...]):
    return sorted(
        (m, w)
        for m in graph.modules
        if m.startswith(importer_prefix)
        for w in graph.find_modules_directly_imported_by(m)
        if w.startswith(imported_prefix)
    )


def test_the_apps_use_the_kit_not_the_assembly(graph):
    apps = tuple(
        m
        for m in {".".join(x.split(".")[:2]) for x in graph.modules}
        if m != "koers" and not m.startswith(ASSEMBLY)
    )
    assert _imports(graph, apps, ("koers.ui",)) == []


def test_the_kit_stays_on_the_foundation(graph):
    outside = [
        (m, w)
        for m, w in _imports(graph, ("koers.kit",), ("koers.",))
        if not w.startswith(FOUNDATION)
    ]
    assert outside == []
