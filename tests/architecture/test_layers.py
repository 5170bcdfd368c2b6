"""The package's layers (ARCHITECTURE.md): each module imports only from its own layer or the
layers below it, and no module imports another that imports it back, even inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src"

#: Lowest first, in the order of the data's path. A module belongs to the first entry that is
#: its name or a package above it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("errors", "periods", "words", "progress", "output", "settings", "extras",
              "priority")),
    ("reference", ("gazetteer", "actors")),
    ("formats", ("formats",)),
    ("places", ("geo",)),
    ("store", ("snapshot", "store", "samples", "compact", "ingest", "query", "bundled")),
    ("connectors", ("connectors",)),
    ("panels", ("panels",)),
    ("consequences", ("consequences",)),
    ("indicators", ("indicators", "status", "basemap")),
    ("forecast", ("forecast",)),
    ("alerts", ("alerts", "delivery")),
    ("brief", ("brief",)),
    ("config", ("config",)),
    ("services", ("watch", "main_job", "")),  # "": the package's public API, sahelwatch/__init__
    ("interfaces", ("cli", "cli_consequences", "web")),
)


def module_name(path: Path) -> str:
    """``sahelwatch.forecast.run`` for src/sahelwatch/forecast/run.py."""
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The sahelwatch modules (or packages) ``path`` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("sahelwatch")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sahelwatch"):
            assert node.level == 0, f"{path}: use absolute imports"
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                is_module = (SRC / name.replace(".", "/")).with_suffix(".py").exists() or (
                    SRC / name.replace(".", "/")
                ).is_dir()
                found.add(name if is_module else str(node.module))
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in (SRC / "sahelwatch").rglob("*.py")}
    return {name: imports(path) & modules.keys() for name, path in modules.items()}


def layer(module: str) -> int:
    rest = module.removeprefix("sahelwatch").removeprefix(".")
    for number, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if rest == prefix or (prefix and rest.startswith(prefix + ".")):
                return number
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and ARCHITECTURE.md")


def test_every_module_is_in_a_layer() -> None:
    for module in graph():
        layer(module)


def test_no_module_imports_a_higher_layer() -> None:
    upward = [
        f"{m} ({LAYERS[layer(m)][0]}) imports {i} ({LAYERS[layer(i)][0]})"
        for m, targets in graph().items()
        for i in targets
        if layer(i) > layer(m)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert cycles == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from sahelwatch.forecast import run\n", {"sahelwatch.forecast.run"}),
        ("def f():\n    from sahelwatch.store import Store\n", {"sahelwatch.store"}),
        ("import sahelwatch.geo\n", {"sahelwatch.geo"}),
    ],
)
def test_imports_are_read_at_any_depth(tmp_path: Path, source: str, expected: set[str]) -> None:
    file = tmp_path / "m.py"
    file.write_text(source)
    assert imports(file) == expected
