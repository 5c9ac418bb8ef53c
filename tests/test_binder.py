"""Binder: the repo installs and runs a notebook the way repo2docker would.

repo2docker (with a ``binder/`` folder) does, in a copy of the repository:
``pip install -r binder/requirements.txt`` from the repo root, then starts the
server through ``binder/start``. This test does the same in a fresh venv (no
system site-packages) and executes a notebook with nbconvert through
``binder/start``, failing on any error output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.notebooks

REPO_ROOT = Path(__file__).resolve().parents[1]

# Not copied into the staged repo: VCS data, venvs, build output, caches.
STAGING_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__",
    ".pytest_cache", ".hypothesis", ".ipynb_checkpoints", "artifacts", "results",
)

GENERATED = "generated-smoke"
GENERATED_CELLS = [
    'import os\nprint(os.environ["NESTED_MAGICS_TARGET"])',
    "%load_ext nested_magics",
    'import nested_magics\nr = nested_magics.check(nested_magics.connect("mock"))\nprint(r.verdict)',
]
GENERATED_EXPECTED = ["mock", "fixable"]

# Notebooks run through Binder: GENERATED, or a path relative to the repo root
# (e.g. "notebooks/01-what-is-nested-virtualization.ipynb").
BINDER_NOTEBOOKS = [GENERATED, "notebooks/01-what-is-nested-virtualization.ipynb"]

ERROR_TEXT = re.compile(r"Traceback|\w+Error\b")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# `%load_ext` of a module without load_ipython_extension only prints this (stdout).
NOT_AN_EXTENSION = "is not an IPython extension"


def run(cmd, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        out = "\n".join(
            line for line in ANSI.sub("", proc.stdout + proc.stderr).splitlines()
            if "is ignored" not in line and "running over TCP without encryption" not in line
        )
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{out[-6000:]}", pytrace=False)
    return proc


@pytest.fixture(scope="module")
def binder_repo(tmp_path_factory) -> Path:
    """A staged copy of the repository, as repo2docker copies it into the image."""
    dest = tmp_path_factory.mktemp("binder") / "repo"
    shutil.copytree(REPO_ROOT, dest, ignore=STAGING_IGNORE)
    return dest


@pytest.fixture(scope="module")
def binder_env(binder_repo, tmp_path_factory) -> dict:
    """Environment of a fresh venv holding ``pip install -r binder/requirements.txt``."""
    venv = tmp_path_factory.mktemp("binder-venv") / "venv"
    t0 = time.monotonic()
    run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    run([str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q",
         "-r", "binder/requirements.txt"], cwd=binder_repo)
    print(f"\nbinder venv built in {time.monotonic() - t0:.1f} s")
    jupyter = tmp_path_factory.mktemp("binder-jupyter")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NESTED_MAGICS_", "PYTHON", "JUPYTER")) and k != "VIRTUAL_ENV"}
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        JUPYTER_CONFIG_DIR=str(jupyter / "config"),
        JUPYTER_DATA_DIR=str(jupyter / "data"),
        JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
    )
    return env


def write_generated_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in GENERATED_CELLS]
    nbformat.write(nb, path)
    return path


def run_through_binder(repo: Path, env: dict, notebook: Path, timeout: float = 600) -> nbformat.NotebookNode:
    """Execute ``notebook`` with nbconvert, launched by ``binder/start``, in its own folder."""
    out = notebook.with_name(notebook.stem + ".binder-executed.ipynb")
    run([str(repo / "binder" / "start"), "python", "-m", "jupyter", "nbconvert",
         "--to", "notebook", "--execute", f"--ExecutePreprocessor.timeout={int(timeout)}",
         notebook.name, "--output", out.name],
        cwd=notebook.parent, env=env, timeout=timeout + 60)
    return nbformat.read(out, as_version=4)


def error_outputs(nb: nbformat.NotebookNode) -> list[str]:
    errors = []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                errors.append(f"cell {i}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and (
                (output.name == "stderr" and ERROR_TEXT.search(output.text))
                or NOT_AN_EXTENSION in output.text
            ):
                errors.append(f"cell {i} {output.name}: {output.text.strip()}")
    return errors


def stdout_of(nb: nbformat.NotebookNode) -> str:
    return "".join(
        o.text for c in nb.cells for o in c.get("outputs", [])
        if o.output_type == "stream" and o.name == "stdout"
    )


@pytest.mark.parametrize("notebook", BINDER_NOTEBOOKS)
def test_notebook_runs_on_binder(notebook, binder_repo, binder_env):
    if notebook == GENERATED:
        # In notebooks/, like the tutorials: the kernel's cwd is the notebook's
        # folder, so at the repo root it would import the source tree instead
        # of the installed package.
        (binder_repo / "notebooks").mkdir(exist_ok=True)
        path = write_generated_notebook(binder_repo / "notebooks" / "binder-smoke.ipynb")
        expected = GENERATED_EXPECTED
    else:
        path, expected = binder_repo / notebook, []
    executed = run_through_binder(binder_repo, binder_env, path)
    errors = error_outputs(executed)
    assert not errors, f"{notebook} on Binder:\n" + "\n".join(errors)
    printed = stdout_of(executed).split()
    for word in expected:
        assert word in printed, f"{word!r} not printed; stdout was {printed}"
