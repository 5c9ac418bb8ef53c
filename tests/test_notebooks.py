"""The tutorial notebooks: nbval in strict mode over all of them, and a guard that fails on any error.

nbval compares every stored output with a fresh run (text/plain, HTML, SVG; widget model ids are
skipped by nbval itself). It lets a magic's UsageError through (it only prints to stderr), so the
guard executes each notebook with nbclient and fails on error outputs and on stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))   # the tutorials (classroom.ipynb is a Voila page: tests/test_classroom.py)
pytestmark = pytest.mark.notebooks


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NESTED_MAGICS_")}
    env["PYTHONWARNINGS"] = "ignore"
    return env


def test_there_are_six_tutorials_all_executed_with_outputs():
    names = [p.name for p in PATHS]
    assert names == ["01-what-is-nested-virtualization.ipynb", "02-known-issues.ipynb",
                     "03-enable-nested-virtualization.ipynb", "04-real-hosts.ipynb", "05-workshop.ipynb",
                     "06-nested-virtualization-today.ipynb"]
    for path in PATHS:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.execution_count is not None for c in code), f"{path.name} has unexecuted cells"
        assert "widgets" not in nb.metadata, f"{path.name} stores widget state"


def test_nbval_strict_passes_on_every_notebook():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "-q",
         "--nbval-cell-timeout", "300", *[str(p) for p in PATHS]],
        capture_output=True, text=True, cwd=str(NOTEBOOKS.parent), env=_env(), timeout=900,
    )
    tail = (result.stdout + result.stderr)[-4000:]
    assert result.returncode == 0, tail
    assert " passed" in result.stdout and " failed" not in result.stdout, tail


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_without_any_error_output(path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    saved = os.environ.copy()
    os.environ.clear()
    os.environ.update(_env())
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"cell {index}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"cell {index}: stderr: {output.text.strip()[:300]}")
    assert not problems, "\n".join(problems)


def test_no_output_reads_as_a_python_object_repr():
    """A renderer that cannot show an output's rich form (an untrusted SVG, a terminal) shows its text/plain:
    it must say something, never "<IPython.core.display.SVG object>" (issue 12, 7)."""
    for path in PATHS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                plain = output.get("data", {}).get("text/plain", "")
                assert "<IPython.core.display." not in plain, f"{path.name}: {plain[:80]}"
