"""The ``local`` target (contracts §1, §7; issue 10 finding 10): this machine through its own powershell.exe.

On Linux the tests put a fake powershell.exe first on PATH that hands the loader and payload to the Windows
twin (tests/local_twin.py), the same twin the loopback WinRM server serves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import nested_magics as nm
from nested_magics.backends.mock import load_scenario
from nested_magics.front.cli import main

from local_twin import serve_local
from simulated_windows import SimulatedWindowsHost
from twin_facts import NO_PERMISSION, Conditions
from twin_system import played_target

ROOT = Path(__file__).resolve().parents[1]


def without_target(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "target"}


def test_cli_check_on_local_gives_the_twins_report(capsys, monkeypatch, tmp_path):
    with serve_local(SimulatedWindowsHost(load_scenario("blog-2015")), monkeypatch):
        code = main(["check", "-t", "local", "--json"])
    remote = json.loads(capsys.readouterr().out)
    assert code == 1 and remote["target"] == "local"
    assert without_target(remote) == without_target(nm.check(played_target("blog-2015", tmp_path)).to_dict())


def test_the_command_line_program_runs_local_through_powershell_on_path(monkeypatch):
    with serve_local(SimulatedWindowsHost(load_scenario("server-2022-intel")), monkeypatch) as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-m", "nested_magics", "check", "-t", "local", "--quiet"],
                              capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    assert nm.check("mock:server-2022-intel").verdict in done.stdout.lower()
    assert len(server.argvs) == 1          # one PowerShell invocation for the check


def test_the_check_magic_on_local_and_enable_reaches_ready(monkeypatch, tmp_path):
    from test_magics import new_shell

    windows = SimulatedWindowsHost(load_scenario("blog-2015"))
    ip = new_shell()
    try:
        with serve_local(windows, monkeypatch):
            remote = ip.run_line_magic("nested_check", "-t local --json")
            assert without_target(remote) == without_target(nm.check(played_target("blog-2015", tmp_path)).to_dict())
            result = ip.run_line_magic("nested_enable", "myVM -t local --yes")
            assert result.after.verdict == "ready"
            assert windows.simulator.facts.find_vm("myVM").expose_virtualization_extensions
    finally:
        ip.extension_manager.unload_extension("nested_magics")


def test_enable_on_local_through_the_cli_reaches_ready_and_no_secret_is_on_a_command_line(capsys, monkeypatch):
    monkeypatch.setenv("NESTED_MAGICS_GUEST_PASSWORD", "Guest-Secret-9!")
    windows = SimulatedWindowsHost(load_scenario("blog-2015"))
    with serve_local(windows, monkeypatch) as server:
        code = main(["enable", "myVM", "-t", "local", "--yes", "--guest-user", "admin"])
    assert code == 0, capsys.readouterr()
    assert all("Guest-Secret-9!" not in " ".join(argv) for argv in server.argvs)
    assert all(argv[-2] == "-EncodedCommand" for argv in server.argvs)   # only the constant loader


def test_one_powershell_invocation_per_check_on_local(monkeypatch):
    with serve_local(SimulatedWindowsHost(load_scenario("blog-2015")), monkeypatch) as server:
        host = nm.connect("local")
        host.check()
    assert host.backend.invocations == 1 and len(server.argvs) == 1


def test_not_elevated_local_check_reports_the_parts_it_could_not_read(monkeypatch):
    facts = load_scenario("blog-2015")
    with serve_local(SimulatedWindowsHost(facts, conditions=Conditions(not_admin=True)), monkeypatch):
        report = nm.check("local", ["myVM"])
    facts_check = next(c for c in report.checks if c.id == "host.facts")
    assert NO_PERMISSION.format(facts.name) in facts_check.detail and "run as an administrator" in facts_check.detail
    assert report.verdict == "blocked"


def test_not_elevated_local_enable_says_in_one_line_to_run_as_an_administrator(capsys, monkeypatch):
    windows = SimulatedWindowsHost(load_scenario("blog-2015"), conditions=Conditions(not_admin=True))
    with serve_local(windows, monkeypatch):
        code = main(["enable", "myVM", "-t", "local", "--yes"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "run as an administrator" in err and "does not exist" not in err
    assert not windows.simulator.facts.find_vm("myVM").expose_virtualization_extensions


def test_without_windows_powershell_local_is_one_line(capsys, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("SystemRoot", raising=False)
    code = main(["check", "-t", "local"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "Windows PowerShell (powershell.exe)" in err and "mock" in err and "WinRM" in err
    assert "Traceback" not in err


def test_without_windows_powershell_the_local_magic_is_a_usage_error(monkeypatch):
    from IPython.core.error import UsageError
    from test_magics import new_shell

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("SystemRoot", raising=False)
    ip = new_shell()
    try:
        with pytest.raises(UsageError, match=r"local needs Windows PowerShell .*mock.*WinRM"):
            ip.run_line_magic("nested_check", "-t local")
    finally:
        ip.extension_manager.unload_extension("nested_magics")


def test_a_hung_powershell_meets_the_timeout_as_given(capsys, monkeypatch):
    monkeypatch.setenv("NM_TWIN_HANG", "30")
    with serve_local(SimulatedWindowsHost(load_scenario("blog-2015")), monkeypatch):
        started = time.monotonic()
        code = main(["check", "-t", "local", "--timeout", "2"])
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2 and "2 s" in err and "--timeout" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert 1.8 <= elapsed <= 2.2, elapsed      # the deadline as given, within 10 %


def test_winrm_options_on_local_are_one_line(capsys):
    code = main(["check", "-t", "local", "--user", "admin"])
    err = capsys.readouterr().err
    assert code == 2 and "WinRM option" in err
