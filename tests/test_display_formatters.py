"""The display's formatters, registered with IPython by type name (the model never renders itself), and the
display's place in the layers: it reads the model only, and its next steps are handed in by the front end."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

import nested_magics as nm
from nested_magics.display import steps
from nested_magics.front import notebook

PACKAGE = Path(nm.__file__).resolve().parent
NOT_FOR_THE_DISPLAY = ("front", "api", "session", "host", "backends", "rules", "planner")


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (inside functions too), as dotted names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:                   # relative: resolve against the module's package
                package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-node.level]
                base = ".".join(package + ((base,) if base else ()))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@pytest.fixture
def shell():
    config = Config()
    config.HistoryAccessor.enabled = False
    ip = InteractiveShell(config=config)
    registered = steps.registered()
    yield ip
    notebook.unregister(ip)
    steps.use(registered)


def test_every_name_registered_is_a_class_of_the_package():
    """A class that moves fails here, not silently in a notebook (IPython matches the name exactly)."""
    for module, name in notebook.printers():
        cls = getattr(importlib.import_module(module), name)
        assert isinstance(cls, type) and cls.__module__ == module and cls.__name__ == name


def test_registered_objects_render_and_unregistered_ones_are_plain(shell):
    host = nm.connect("mock:three-levels")
    objects = [nm.check(host), nm.check_fleet(["mock", "mock:classroom-01"]), host.tree(), host,
               nm.plan_enable(host, "myVM/nestedVM", memory="keep"), host.vm("save", "myVM"),
               nm.plan_enable("mock", "myVM").apply(confirm=True)]
    assert {type(obj).__name__ for obj in objects} == {name for _module, name in notebook.printers()}
    notebook.register(shell)
    for obj in objects:
        data, _meta = shell.display_formatter.format(obj)
        assert set(data) == {"text/plain", "text/html"} and 'class="nm"' in data["text/html"], type(obj)
    data, _meta = shell.display_formatter.format(objects[0])
    assert "Next: myVM runs Hyper-V and 1 VM(s) of its own" in data["text/plain"]   # the front end's advice
    notebook.unregister(shell)
    for obj in objects:
        assert shell.display_formatter.format(obj)[0] == {"text/plain": repr(obj)}
    assert steps.registered() is None


def test_the_model_carries_no_display():
    for path in (PACKAGE / "model").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "_repr_mimebundle_" not in source, path.name
        assert not {m for m in imports(path) if m.split(".")[0] in ("IPython", "ipywidgets")}, path.name
        assert not {m for m in imports(path) if m.startswith("nested_magics.display")}, path.name


def test_the_display_depends_on_the_model_only():
    for path in sorted((PACKAGE / "display").rglob("*.py")):
        bad = {m for m in imports(path) for part in NOT_FOR_THE_DISPLAY
               if m == f"nested_magics.{part}" or m.startswith(f"nested_magics.{part}.")}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_no_display_module_is_over_400_lines():
    for path in (PACKAGE / "display").rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
