"""The house rules of ARCHITECTURE.md, read from the source: imports run one way, no import circle, the
engine never imports the display, IPython or ipywidgets (not even inside a function), small modules.

The import graph is built with ``ast`` from every module of the package, counting imports inside functions
too, so a late import cannot hide a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nested_magics

PACKAGE = Path(nested_magics.__file__).parent
MAX_LINES = 400
# Who may import whom (by module prefix). Every module of the package belongs to the first layer that
# matches it; a layer may import the layers listed for it, and itself.
LAYERS = {
    "front": ("nested_magics.front", "nested_magics.__init__", "nested_magics.__main__"),
    "display": ("nested_magics.display",),
    "api": ("nested_magics.api", "nested_magics.session"),
    "engine": ("nested_magics.host", "nested_magics.apply", "nested_magics.planner", "nested_magics.changes"),
    "rules": ("nested_magics.rules",),
    "mock": ("nested_magics.backends.mock",),
    "backends": ("nested_magics.backends",),
    "load": ("nested_magics.load",),
    "model": ("nested_magics.model", "nested_magics.vocabulary", "nested_magics.errors", "nested_magics.pwsh"),
}
MAY_IMPORT = {
    "front": {"front", "display", "api", "engine", "rules", "mock", "backends", "load", "model"},
    "display": {"display", "model"},
    "api": {"api", "engine", "backends", "model"},
    "engine": {"engine", "rules", "backends", "model"},
    "rules": {"rules", "model"},
    # The simulator plays the Hyper-V the rules describe, so it may ask them (one home for "can this nest").
    "mock": {"mock", "backends", "rules", "engine_changes", "load", "model"},
    "backends": {"backends", "load", "model"},
    "load": {"load", "model"},
    "model": {"model"},
}
FOREIGN_UI = ("IPython", "ipywidgets", "traitlets")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1 and parts[:-1] != ["nested_magics"]:
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Every module ``path`` imports (at any depth of the code), package modules resolved to the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in known else base)
    return out


def layer_of(name: str) -> str | None:
    if name == "nested_magics.changes":
        return "engine"
    for layer, prefixes in LAYERS.items():
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return layer
    return None


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: {m for m in imports(path, name, known) if m in known and m != name}
            for name, path in found.items()}


def test_every_module_is_in_a_layer():
    assert [name for name in modules() if layer_of(name) is None] == []


def test_imports_run_one_way():
    wrong = []
    for name, deps in graph().items():
        for dep in deps:
            allowed = MAY_IMPORT[layer_of(name)]
            dep_layer = "engine_changes" if dep == "nested_magics.changes" and "engine_changes" in allowed \
                else layer_of(dep)
            if dep_layer not in allowed:
                wrong.append(f"{name} ({layer_of(name)}) imports {dep} ({layer_of(dep)})")
    assert wrong == []


def test_there_is_no_import_circle():
    edges = graph()
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(edges[node]):
            if state.get(dep) == 1:
                circles.append(trail[trail.index(dep):] + [dep] if dep in trail else [node, dep])
            elif dep not in state:
                visit(dep, trail + [dep])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert circles == []


def test_no_engine_module_imports_the_display_ipython_or_widgets():
    found = modules()
    known = set(found)
    offenders = []
    for name, path in found.items():
        if layer_of(name) in ("front", "display"):
            continue
        for dep in imports(path, name, known):
            if dep.split(".")[0] in FOREIGN_UI or layer_of(dep) in ("front", "display"):
                offenders.append(f"{name} imports {dep}")
    assert offenders == []


def test_no_module_is_over_400_lines():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


# ---------------------------------------------------------------- the checks above can fail


def test_the_graph_sees_an_import_inside_a_function(tmp_path):
    source = tmp_path / "nested_magics" / "model" / "x.py"
    source.parent.mkdir(parents=True)
    source.write_text("def f():\n    from nested_magics.display import text\n    import IPython\n")
    found = imports(source, "nested_magics.model.x", {"nested_magics.display.text"})
    assert found == {"nested_magics.display.text", "IPython"}


def test_the_graph_resolves_relative_imports(tmp_path):
    source = tmp_path / "nested_magics" / "backends" / "mock" / "y.py"
    source.parent.mkdir(parents=True)
    source.write_text("from ...model.facts import VM\nfrom . import faults\n")
    known = {"nested_magics.model.facts", "nested_magics.backends.mock.faults"}
    assert imports(source, "nested_magics.backends.mock.y", known) == known


@pytest.mark.parametrize("name, layer", [("nested_magics.display.text", "display"),
                                         ("nested_magics.backends.winrm.transport", "backends"),
                                         ("nested_magics.backends.mock.simulator", "mock"),
                                         ("nested_magics.model.facts", "model")])
def test_layers_are_named_by_prefix(name, layer):
    assert layer_of(name) == layer
