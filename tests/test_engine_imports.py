"""The engine imports neither IPython nor ipywidgets (nor pywinrm or requests, which only real hosts need).

Proved in a fresh interpreter that imports nested_magics and uses check, plan, apply, the tree, a VM action, a
fleet and the CLI's main, then looks at sys.modules. (fastjsonschema is allowed: facts are validated with it.)
"""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("IPython", "ipywidgets", "winrm", "requests")

SCRIPT = r"""
import contextlib, io, json, sys
import nested_magics as nm
from nested_magics.front import cli

host = nm.connect("mock")
report = nm.check(host)
plan = nm.plan_enable(host, "myVM", install_hyperv=True)
result = plan.apply(confirm=True)
host.vm("new", "myVM/nestedVM", start=True)
host.tree().to_dict()
repr(report), repr(plan), repr(result)
fleet = nm.check_fleet(["mock:classroom-0[1-3]", "mock:nope"])
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    statuses = [cli.main(["check", "--json"]), cli.main(["enable", "myVM", "--yes", "-t", "mock:blog-2015"]),
                cli.main(["tree"]), cli.main(["vm", "save", "myVM"]), cli.main(["check", "-t", "mock:nope"])]
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"verdicts": [report.verdict, result.after.verdict, fleet.verdict], "statuses": statuses,
                  "loaded": loaded}))
"""


def test_the_engine_runs_without_ipython_ipywidgets_winrm_or_requests():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["verdicts"] == ["fixable", "ready", "error"]
    assert out["statuses"] == [0, 0, 0, 1, 2]      # myVM is ready by then (same host)
    loaded = set(out["loaded"])
    assert "nested_magics" in loaded and "fastjsonschema" in loaded  # the script really loaded facts
    for name in FORBIDDEN:
        assert name not in loaded, f"the engine imported {name}"


def test_the_probe_would_see_a_forbidden_import():
    """The check above can fail: the same probe reports a module once something imports it."""
    probe = "import sys, json, email; print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "email" in json.loads(proc.stdout)
