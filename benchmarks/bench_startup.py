"""Start-up: what ``%load_ext nested_magics`` costs in a fresh process, against IPython + ipywidgets.

Each run is a new ``python`` process, timed from outside (interpreter start included), that creates
an IPython ``InteractiveShell`` and then either

* baseline: imports IPython and ipywidgets, creates the shell;
* nested-magics: imports IPython, creates the shell, ``%load_ext nested_magics`` (which imports
  the package and registers the magics);
* floor: ``python -c pass`` (the interpreter alone), and ipython: IPython and the shell alone, for scale
  (so what the extension itself adds can be told from what ipywidgets adds).

The variants alternate run by run (floor, ipython, baseline, nested-magics, floor, …) so drift hits all
alike; one unmeasured round first warms the disk cache and the byte-code caches. IPYTHONDIR is a
fresh temporary folder shared by all runs. The nested-magics child also reports which heavy
modules the extension pulled in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from benchmarks.common import ROOT, Sample

SHELL = "from IPython.core.interactiveshell import InteractiveShell\nshell = InteractiveShell.instance()\n"
VARIANTS = {
    "floor": "pass\n",
    "ipython": "import IPython\n" + SHELL,
    "baseline": "import IPython\nimport ipywidgets\n" + SHELL,
    "nested-magics": (
        "import IPython\n" + SHELL + "shell.run_line_magic('load_ext', 'nested_magics')\n"
        "import json, sys\n"
        "assert 'nested_magics' in shell.extension_manager.loaded, 'the extension did not load'\n"
        "print(json.dumps({m: m in sys.modules for m in ('ipywidgets', 'winrm', 'requests', 'jsonschema', 'yaml')}))\n"
    ),
}


def _run_child(code: str, env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"start-up child failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return elapsed, done.stdout


def run(quick: bool = False) -> dict:
    repeats = 2 if quick else 17
    samples = {name: Sample() for name in VARIANTS}
    loaded = None
    with tempfile.TemporaryDirectory(prefix="nm-bench-ipython-") as ipython_dir:
        env = {**os.environ, "IPYTHONDIR": ipython_dir, "PYTHONPATH": str(ROOT)}
        env.pop("NESTED_MAGICS_TARGET", None)
        for i in range(repeats + 1):
            for name, code in VARIANTS.items():
                elapsed, out = _run_child(code, env)
                if i == 0:
                    continue                      # the warm-up round
                samples[name].add(elapsed)
                if name == "nested-magics":
                    loaded = json.loads(out.strip().splitlines()[-1])
    baseline, ours, floor = samples["baseline"], samples["nested-magics"], samples["floor"]
    ipython = samples["ipython"]
    return {
        "samples": {name: s.to_dict() for name, s in samples.items()},
        "ratio": ours.median / baseline.median,
        "ratio_above_floor": (ours.median - floor.median) / (baseline.median - floor.median),
        "extension_cost": ours.median - ipython.median,
        "ipywidgets_cost": baseline.median - ipython.median,
        "loaded_by_extension": loaded,
    }
