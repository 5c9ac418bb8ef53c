"""The benchmarks' quick mode runs in the suite so they never rot.

It checks that every section runs and writes its report, and that a check over WinRM is one
PowerShell invocation. It never checks a timing: those belong in benchmarks/BENCHMARKS.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("startup", "scaling", "roundtrips", "per_cmdlet", "fleet")


HAND_WRITTEN = ("<!-- Written by hand from here on: python -m benchmarks keeps it as it is. -->\n\n"
                "## A study no run repeats\n\nFigures measured by hand.\n")


def test_quick_benchmarks_run_and_a_check_is_one_invocation(tmp_path):
    out, raw = tmp_path / "BENCHMARKS.md", tmp_path / "results.json"
    out.write_text("# an earlier run's report\n\nold figures\n\n" + HAND_WRITTEN, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("NESTED_MAGICS_TARGET", "NESTED_MAGICS_PASSWORD")}
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(out), "--json", str(raw)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(raw.read_text(encoding="utf-8"))
    assert results["quick"] is True
    assert set(results["sections"]) == set(SECTIONS)

    report = out.read_text(encoding="utf-8")
    for heading in ("## Summary", "## Machine and versions", "## 1. Start-up", "## 2. Scaling on the mock",
                    "## 3. WinRM round trips per check", "## 4. One invocation versus one cmdlet per call",
                    "## 5. Fleet", "## How to reproduce"):
        assert heading in report
    assert "old figures" not in report and report.rstrip().endswith(HAND_WRITTEN.rstrip())   # kept as written
    assert "| Longest `check --quiet` line, any size |" in report

    sections = results["sections"]
    for row in sections["roundtrips"]["rows"]:
        for kind in ("cold", "warm"):
            assert row[kind]["invocations"] == 1, (row["vms"], kind, row[kind])
            assert row[kind]["operations"] == ["facts"]
            assert row[kind]["vms"] == row["vms"]
        assert row["cold"]["shells_created"] == 1 and row["warm"]["shells_created"] == 0
    for row in sections["per_cmdlet"]["rows"]:
        assert row["counts"]["one"]["invocations"] == 1
        assert row["counts"]["per_cmdlet"]["invocations"] == 11 + 4 * row["vms"]
    assert sections["fleet"]["invocations_per_host"] == 1
    assert [row["vms"] for row in sections["scaling"]["rows"]] == sections["scaling"]["sizes"]
    for row in sections["scaling"]["rows"]:   # what a check puts into a notebook: both mime types, counted
        assert set(row["output"]["bytes"]) == {"text/plain", "text/html"}
        assert row["output"]["total"] == sum(row["output"]["bytes"].values()) > 0
    assert sections["startup"]["loaded_by_extension"] is not None
