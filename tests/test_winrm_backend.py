"""The WinRM backend end to end: pywinrm -> loopback WinRM server -> simulated Windows host."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nested_magics as nm
from nested_magics import session
from nested_magics.backends.mock.faults import Fault
from nested_magics.backends.mock import load_scenario
from nested_magics.backends.powershell.backend import script
from nested_magics.front.cli import main
from nested_magics.load import load_facts

from loopback_winrm import PASSWORD, LoopbackWinRM
from simulated_windows import SimulatedWindowsHost
from twin_system import played_target

pytestmark = pytest.mark.usefixtures("loopback_password")


def serve(scenario: str = "blog-2015", **kwargs) -> tuple[LoopbackWinRM, SimulatedWindowsHost]:
    host = SimulatedWindowsHost(load_scenario(scenario))
    return LoopbackWinRM(host, password=PASSWORD, **kwargs), host


def connect(server: LoopbackWinRM, **options):
    return nm.connect(server.url, user=server.username, transport="basic", insecure=True, timeout=10, **options)


def without_target(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "target"}


@pytest.mark.parametrize("scenario", ["blog-2015", "windows10-amd", "classroom-03", "classroom-07", "vbs-preview"])
def test_report_over_winrm_equals_the_mock_report(scenario, tmp_path):
    server, _ = serve(scenario)
    with server:
        remote = connect(server).check()
    local = nm.check(played_target(scenario, tmp_path))     # the scenario with what Windows says beyond it
    assert remote.verdict == local.verdict
    assert without_target(remote.to_dict()) == without_target(local.to_dict())


def test_cli_check_over_winrm_prints_the_same_json_as_the_mock(capsys, tmp_path):
    server, _ = serve()
    with server:
        code = main(["check", "-t", server.url, "--user", server.username, "--transport", "basic", "--insecure",
                     "--json"])
    remote = json.loads(capsys.readouterr().out)
    code_mock = main(["check", "-t", played_target("blog-2015", tmp_path), "--json"])
    local = json.loads(capsys.readouterr().out)
    assert code == code_mock == 1
    assert remote["target"] == server.url
    assert without_target(remote) == without_target(local)


@pytest.mark.parametrize("vm_count", [1, 50])
def test_a_check_is_one_powershell_invocation_whatever_the_number_of_vms(vm_count):
    facts = load_scenario("blog-2015")
    template = facts.vms[0]
    facts.vms = []
    for i in range(vm_count):
        vm = load_facts({"schema": "nested-magics/host-facts/v1", "name": "x", "os": {"build": 1},
                         "cpu": {"vendor": "x"}, "vms": [template.to_dict()]}).vms[0]
        vm.name = f"vm-{i:03d}"
        facts.vms.append(vm)
    handler = SimulatedWindowsHost(facts)
    with LoopbackWinRM(handler, password=PASSWORD) as server:
        host = connect(server)
        server.reset_counts()
        report = host.check()
        assert len(report.vms) == vm_count
        assert len(server.invocations) == 1
        assert handler.operations == ["facts"]
        requests_first = server.request_count
        assert host.backend.http_requests >= requests_first > 0
        server.reset_counts()
        host.check()
        assert len(server.invocations) == 1
        # the shell is reused: no Create, no Delete on the second check
        assert "Create" not in server.actions and server.shells_created == 0
        assert server.request_count < requests_first


def test_enable_over_winrm_changes_the_simulated_host():
    server, windows = serve()
    with server:
        host = connect(server)
        plan = host.plan_enable("myVM")
        assert [c.id for c in plan.changes] == ["expose-extensions", "disable-dynamic-memory", "set-startup-memory",
                                                "enable-mac-spoofing"]
        result = plan.apply(confirm=True)
        assert result.failed is None
        assert [c.id for c in result.applied] == [c.id for c in plan.changes]
        assert result.after.verdict == "ready"
        vm = windows.simulator.facts.find_vm("myVM")
        assert vm.expose_virtualization_extensions and not vm.dynamic_memory
        assert vm.startup_bytes == 4 * 1024**3
        assert all(a.mac_spoofing for a in vm.network_adapters)
        # one invocation per change, each under what is left of the apply deadline (issue 10 finding 4)
        assert windows.operations.count("enable") == len(plan.changes)


def test_enable_failing_halfway_over_winrm_says_what_was_applied_and_a_rerun_finishes():
    facts = load_scenario("blog-2015")
    faults = [Fault(operation="set-startup-memory", message="The host ran out of memory.", times=1)]
    with LoopbackWinRM(SimulatedWindowsHost(facts, faults=faults), password=PASSWORD) as server:
        host = connect(server)
        first = host.plan_enable("myVM").apply(confirm=True)
        assert first.failed.id == "set-startup-memory"
        assert [c.id for c in first.applied] == ["expose-extensions", "disable-dynamic-memory"]
        assert "expose-extensions, disable-dynamic-memory" in first.failed.message
        second = host.plan_enable("myVM")
        assert [c.id for c in second.changes] == ["set-startup-memory", "enable-mac-spoofing"]
        assert second.apply(confirm=True).after.verdict == "ready"


def test_vm_actions_over_winrm_reach_the_simulator_and_refusals_come_back():
    server, windows = serve()
    with server:
        host = connect(server)
        assert host.vm("start", "myVM").ok
        assert windows.simulator.facts.find_vm("myVM").state == "Running"
        refused = host.plan_enable("myVM")           # running: the plan stops it first
        assert refused.changes[0].id == "stop-vm"
        made = host.vm("new", "lab2", memory="2GB")
        assert made.ok and windows.simulator.facts.find_vm("lab2").startup_bytes == 2 * 1024**3
        with pytest.raises(nm.UsageProblem, match="not available over WinRM"):
            host.vm("live-migrate", "myVM")
        with pytest.raises(nm.UsageProblem, match="PowerShell Direct"):
            host.vm("start", "myVM/nested")


HOSTILE = st.text(alphabet=st.sampled_from(list("ab'\u2018\u2019\u201a\u201b\"`$();|&\n\r{}@#<>-")) |
                  st.characters(codec="utf-8", categories=("L", "N", "P", "S")), min_size=1, max_size=24)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=HOSTILE.filter(lambda s: s.strip() and "/" not in s and "\\" not in s))
def test_hostile_vm_names_travel_as_data_never_as_script_text(name):
    facts = load_scenario("blog-2015")
    facts.vms[0].name = name
    windows = SimulatedWindowsHost(facts)
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        session.forget_all()
        host = connect(server)
        host.plan_enable(name).apply(confirm=True)
        host.vm("start", name)
        for invocation in server.invocations:
            assert invocation.command_line.strip().startswith("# nested-magics: loader")
        for text in windows.scripts:
            assert text == script(text.splitlines()[0].split(":")[1].strip())
        assert any(p.get("vm") == name for p in windows.params)
        assert windows.simulator.facts.find_vm(name).expose_virtualization_extensions


def _blackhole() -> tuple[socket.socket, int]:
    """A listener that accepts connections and never answers: a host that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    return listener, listener.getsockname()[1]


def test_a_20_host_fleet_with_one_dead_host_shows_19_reports_and_one_clear_error():
    servers = [serve("classroom-%02d" % (1 + i % 12))[0] for i in range(19)]
    listener, dead_port = _blackhole()
    timeout = 3.0
    try:
        targets = [s.url for s in servers]
        targets.insert(7, f"http://127.0.0.1:{dead_port}/wsman")
        started = time.monotonic()
        fleet = nm.check_fleet(targets, user="admin", transport="basic", insecure=True, timeout=timeout)
        elapsed = time.monotonic() - started
    finally:
        listener.close()
        for s in servers:
            s.stop()
    assert len(fleet.hosts) == 20
    errors = [r for r in fleet.hosts if r.verdict == "error"]
    assert len(errors) == 1 and errors[0].target.endswith(f":{dead_port}/wsman")
    assert "127.0.0.1" in errors[0].error and "--timeout" in errors[0].error
    assert len([r for r in fleet.hosts if r.verdict != "error"]) == 19
    assert fleet.verdict == "error"
    # the dead host costs one deadline, not one per host: all hosts ran at once
    assert elapsed < timeout * 3, elapsed


CANARY = "Canary-Secret-7f3a9!"


def test_the_password_never_appears_in_cli_output_across_faults(tmp_path):
    env_code = (
        "import sys, json; sys.path.insert(0, 'tests');"
        "from loopback_winrm import LoopbackWinRM, Fault;"
        "from simulated_windows import SimulatedWindowsHost;"
        "from nested_magics.backends.mock import load_scenario;"
        "from nested_magics.front.cli import main;"
        f"kinds = {['http401', 'soap', 'drop', 'truncate', 'clixml', None]!r};"
        "\nfor kind in kinds:\n"
        f"    with LoopbackWinRM(SimulatedWindowsHost(load_scenario('blog-2015')), password={CANARY!r}) as s:\n"
        "        if kind: s.faults.append(Fault(kind, message='boom'))\n"
        "        main(['check', '-t', s.url, '--user', 'admin', '--transport', 'basic', '--insecure', '--timeout', '5'])\n"
        "        main(['enable', 'myVM', '-t', s.url, '--user', 'admin', '--transport', 'basic', '--insecure', '--yes', '--json'])\n"
    )
    wrong = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True, timeout=120,
                           env={"NESTED_MAGICS_PASSWORD": CANARY, "PATH": "/usr/bin:/bin"}, cwd=str(_repo()))
    assert wrong.returncode == 0, wrong.stderr[-2000:]
    assert "Traceback" not in wrong.stderr
    assert CANARY not in wrong.stdout and CANARY not in wrong.stderr
    assert "TH2-DESKTOP" in wrong.stdout          # the fault-free round really ran


def _repo():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


def test_no_verify_warns_and_plain_basic_http_is_refused_before_sending(capsys):
    server, _ = serve()
    with server:
        code = main(["check", "-t", server.url, "--user", "admin", "--transport", "basic"])
        err = capsys.readouterr().err
        assert code == 2 and "--insecure" in err and server.request_count == 0
        assert len(err.strip().splitlines()) == 1


def test_guest_facts_through_powershell_direct_only_with_guest_credentials(monkeypatch):
    facts = load_scenario("three-levels")
    windows = SimulatedWindowsHost(facts, guest_credentials=("MYVM\\admin", "Guest-Pa55!"))
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        plain = connect(server).check()
        guest_check = next(c for c in plain.checks if c.id == "vm.guest-hyperv")
        assert "unknown" in guest_check.title
        assert windows.params[-1] == {}
        session.forget_all()
        monkeypatch.setenv("NESTED_MAGICS_GUEST_PASSWORD", "Guest-Pa55!")
        host = connect(server, guest_user="MYVM\\admin")
        assert "unknown" in next(c for c in host.check().checks if c.id == "vm.guest-hyperv").title
        assert "guest_vms" not in windows.params[-1]     # no VM named: no credential handed to any guest
        report = host.check(["myVM"])
        guest_check = next(c for c in report.checks if c.id == "vm.guest-hyperv")
        assert guest_check.title == "Hyper-V is installed in the guest"
        tree = host.tree()
        assert [n.name for n in tree.walk()] == ["TH2-DESKTOP", "myVM", "nestedVM"]
        assert "Guest-Pa55!" not in repr(host) and "Guest-Pa55!" not in repr(host.backend)


@pytest.mark.parametrize("scenario", ["three-levels", "server-2022-intel", "classroom-12"])
def test_with_guest_credentials_the_report_of_a_host_with_guests_equals_the_mock_report(scenario, monkeypatch,
                                                                                        tmp_path):
    monkeypatch.setenv("NESTED_MAGICS_GUEST_PASSWORD", "Guest-Pa55!")
    windows = SimulatedWindowsHost(load_scenario(scenario), guest_credentials=("admin", "Guest-Pa55!"))
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        names = load_scenario(scenario).vm_names()
        remote = connect(server, guest_user="admin").check(names)
    local = nm.check(played_target(scenario, tmp_path), names)
    assert without_target(remote.to_dict()) == without_target(local.to_dict())


def test_the_magics_over_winrm_give_the_mock_report_and_enable_changes_the_host(tmp_path):
    from test_magics import new_shell

    ip = new_shell()
    try:
        server, windows = serve()
        with server:
            words = f"-t {server.url} --user {server.username} --transport basic --insecure"
            remote = ip.run_line_magic("nested_check", f"{words} --json")
            assert without_target(remote) == without_target(nm.check(played_target("blog-2015", tmp_path)).to_dict())
            result = ip.run_line_magic("nested_enable", f"myVM {words} --yes")
            assert result.after.verdict == "ready"
            assert windows.simulator.facts.find_vm("myVM").expose_virtualization_extensions
    finally:
        ip.extension_manager.unload_extension("nested_magics")


def test_the_host_reports_its_invocations_and_http_requests():
    server, _ = serve()
    with server:
        host = connect(server)
        host.check()
        assert host.describe().endswith(f"1 PowerShell invocation(s), {server.request_count} HTTP request(s) so far")


def test_blog_step_3_over_winrm_needs_guest_credentials_and_then_installs_hyperv(monkeypatch):
    facts = load_scenario("classroom-02")   # a current host: NAT inside the guest counts there
    windows = SimulatedWindowsHost(facts, guest_credentials=("admin", "Guest-Pa55!"))
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = connect(server)
        first = host.plan_enable("lab-vm", install_hyperv=True).apply(confirm=True)
        assert first.failed.id == "install-hyperv" and "--guest-user" in first.failed.message
        assert [c.id for c in first.applied][-1] == "start-vm"
        session.forget_all()
        monkeypatch.setenv("NESTED_MAGICS_GUEST_PASSWORD", "Guest-Pa55!")
        host = connect(server, guest_user="admin")
        second = host.plan_enable("lab-vm", install_hyperv=True, networking="nat").apply(confirm=True)
        assert second.failed is None, second.failed
        assert [c.id for c in second.applied] == ["install-hyperv", "guest-nat"]
        guest = windows.simulator.facts.find_vm("lab-vm").guest
        assert guest.hyperv_installed and guest.nat[0].name == "LocalNAT"
        assert second.after.verdict == "ready"
        sent = [p for p in windows.params if "changes" in p][-1]
        assert sent["guest_user"] == "admin"          # credentials travel as data, in the parameter block
        assert all("Guest-Pa55!" not in text for text in windows.scripts)
        again = host.plan_enable("lab-vm", networking="nat")       # the guest's NAT is read back: nothing left
        assert again.changes == [] and again.refused is None


def test_apply_checkpoint_over_winrm_and_what_winrm_cannot_do_says_why():
    facts = load_scenario("server-2022-intel")
    windows = SimulatedWindowsHost(facts)
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = connect(server)
        assert not host.vm("apply-checkpoint", "build-agent").ok          # no checkpoint yet
        assert host.vm("checkpoint", "build-agent").ok
        assert host.vm("apply-checkpoint", "build-agent").ok               # current profile: it works
        with pytest.raises(nm.UsageProblem, match="--install-hyperv --guest-user"):
            host.vm("install-hyperv", "test-lab")
        with pytest.raises(nm.UsageProblem, match="at least 32 MB"):
            host.vm("new", "tiny", memory="3MB")
    assert [p["action"] for p in windows.params if "action" in p] == ["apply-checkpoint", "checkpoint",
                                                                      "apply-checkpoint"]


def test_a_fleet_in_a_notebook_uses_the_options_each_host_was_connected_with():
    from test_magics import new_shell

    ip = new_shell()
    servers = [serve("classroom-01")[0], serve("classroom-04")[0]]
    try:
        for server in servers:
            ip.run_line_magic("nested_connect", f"{server.url} --user {server.username} --transport basic --insecure")
        fleet = ip.run_line_magic("nested_check", " ".join(f"-t {s.url}" for s in servers) + " --timeout 10")
        assert [r.verdict for r in fleet.hosts] == ["ready", "blocked"], [r.error for r in fleet.hosts]
    finally:
        ip.extension_manager.unload_extension("nested_magics")
        for server in servers:
            server.stop()


def test_cli_next_steps_over_winrm_keep_the_connection_options(capsys):
    """Found (issue 11): over WinRM the `Next:` commands dropped --user and --ca-file, so they failed as printed."""
    server, _ = serve()
    with server:
        code = main(["check", "-t", server.url, "--user", server.username, "--transport", "basic", "--insecure"])
    out = capsys.readouterr().out
    assert code == 1
    step = next(line for line in out.splitlines() if line.startswith("Next:") and "nested-magics enable" in line)
    assert f"-t {server.url}" in step and f"--user {server.username}" in step
    assert "--transport basic" in step and "--insecure" in step


def test_a_magic_next_step_over_winrm_runs_as_printed():
    """Found (issue 11): options typed on a magic line were not kept, so the printed next step could not reach
    the host (a WinRM host is keyed by endpoint and user)."""
    from test_magics import new_shell

    from nested_magics.display import text
    from nested_magics.front.advice import next_steps

    ip = new_shell()
    try:
        server, windows = serve()
        with server:
            words = f"-t {server.url} --user {server.username} --transport basic --insecure"
            report = ip.run_line_magic("nested_check", words)
            plain = text.render_report(report, style="magic", advise=next_steps)
            step = next(line for line in plain.splitlines() if "%nested_enable" in line)
            line = step[step.index("%nested_enable") + len("%nested_enable "):]
            result = ip.run_line_magic("nested_enable", line + " --yes")
            assert result.after.verdict == "ready"
            assert windows.simulator.facts.find_vm("myVM").expose_virtualization_extensions
    finally:
        ip.extension_manager.unload_extension("nested_magics")
