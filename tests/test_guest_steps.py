"""Steps inside a guest that hold on a real host (issue 10 findings 3 and 6; contracts §4, §7).

Blog step 3 over WinRM: the guest is waited for (heartbeat, then a PowerShell Direct session that answers)
before anything runs inside it, Hyper-V is installed without a restart inside the session and restarted from
outside; NAT gets its gateway address, an existing NAT is reported before anything is made, and a switch the
step made is removed when the NAT fails. The Windows twin (tests/twin_guest.py) follows each step's text.
"""

from __future__ import annotations

import pytest

import nested_magics as nm
from nested_magics.backends.mock import load_scenario
from nested_magics.changes import INSTALL_HYPERV
from nested_magics.front.cli import main
from nested_magics.model.facts import Nat

from loopback_winrm import GUEST, PASSWORD, LoopbackWinRM
from simulated_windows import SimulatedWindowsHost
from twin_facts import SESSION_ENDED

pytestmark = pytest.mark.usefixtures("loopback_password", "guest_password")
VM = "dc01"            # server-2022-intel: a running Windows Server guest without Hyper-V, nesting off


def connect(server):
    return nm.connect(server.url, user=server.username, transport="basic", insecure=True, timeout=30,
                      guest_user=GUEST[0])


def twin(**changes) -> SimulatedWindowsHost:
    facts = load_scenario("server-2022-intel")
    for key, value in changes.items():
        setattr(facts.find_vm(VM).guest, key, value)
    return SimulatedWindowsHost(facts, guest_credentials=GUEST)


def test_blog_step_3_and_nat_over_winrm_reach_ready_with_the_waits_shown(capsys):
    windows = twin()
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        code = main(["enable", VM, "-t", server.url, "--user", server.username, "--transport", "basic",
                     "--insecure", "--guest-user", GUEST[0], "--install-hyperv", "--networking", "nat", "--yes"])
        out = capsys.readouterr().out
    assert code == 0, out
    guest = windows.simulator.facts.find_vm(VM).guest
    assert guest.hyperv_installed and [n.name for n in guest.nat] == ["LocalNAT"]
    assert windows.guest.gateways[VM] == ("192.168.100.1", "vEthernet (VmNAT)")      # the gateway address
    # What is shown is what runs: the plan shows the waits and the restart from outside.
    assert "Wait-VM" in out and "-For Heartbeat" in out and "Stop-VM -VM $vm -Confirm:$false; Start-VM" in out
    assert windows.guest.log[:6] == ["heartbeat", "direct-ready", "install", "stopped", "started", "heartbeat"]
    assert "installed" in windows.guest.log


def test_a_restart_inside_the_session_drops_it_although_hyperv_got_installed():
    """real-hosts.md §2: what the first version ran; the twin reports the dropped session."""
    windows = twin()
    from nested_magics import changes

    old = ("$vm = {vm}; $cred = Get-Credential; " + changes.WAIT_FOR_GUEST + "; "
           "Invoke-Command {vm_param} -Credential $cred -ScriptBlock {{ Install-WindowsFeature -Name 'Hyper-V' "
           "-IncludeManagementTools -Restart }}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(changes.INSTALL_HYPERV, "server", old)
        with LoopbackWinRM(windows, password=PASSWORD) as server:
            host = connect(server)
            result = host.plan_enable(VM, install_hyperv=True, networking="none", memory="keep").apply(confirm=True)
    assert result.failed is not None and SESSION_ENDED in result.failed.message
    assert windows.simulator.facts.find_vm(VM).guest.hyperv_installed      # it did get installed


def test_start_then_install_without_waiting_is_refused_by_a_booting_guest():
    """real-hosts.md §2 (a3): PowerShell Direct refuses a guest that has not finished booting."""
    windows = twin()
    no_wait = ("$vm = {vm}; $cred = Get-Credential; Invoke-Command {vm_param} -Credential $cred -ScriptBlock "
               "{{ [string](Install-WindowsFeature -Name 'Hyper-V' -IncludeManagementTools).RestartNeeded -ne 'No' }}")
    facts = windows.simulator.facts
    facts.find_vm(VM).state = "Off"
    from nested_magics import changes

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(changes.INSTALL_HYPERV, "server", no_wait)     # the guest is off: its kind is unknown,
        patch.setitem(changes.INSTALL_HYPERV, "client", no_wait)     # so the plan may pick either
        with LoopbackWinRM(windows, password=PASSWORD) as server:
            plan = connect(server).plan_enable(VM, install_hyperv=True, networking="none", memory="keep")
            assert [c.id for c in plan.changes][-2:] == ["start-vm", "install-hyperv"]
            result = plan.apply(confirm=True)
    assert result.failed is not None and result.failed.id == "install-hyperv"
    assert SESSION_ENDED in result.failed.message


def test_the_shipped_install_waits_for_the_guest_after_start():
    windows = twin()
    windows.simulator.facts.find_vm(VM).state = "Off"
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        result = connect(server).plan_enable(VM, install_hyperv=True, networking="none",
                                             memory="keep").apply(confirm=True)
    assert result.failed is None and result.after.verdict == "ready"
    for kind in INSTALL_HYPERV.values():
        assert "Wait-VM" in kind and "Restart-Computer" not in kind and "-Restart " not in kind


def off_with_a_nat() -> SimulatedWindowsHost:
    """The guest cannot be looked inside when the plan is made (the VM is Off), and it already has a NAT."""
    windows = twin(hyperv_installed=True)
    windows.simulator.facts.find_vm(VM).state = "Off"
    windows.simulator.facts.find_vm(VM).guest.nat.append(Nat(name="DockerNAT", prefix="172.20.0.0/16"))
    return windows


def test_an_existing_nat_is_reported_before_anything_is_made():
    """real-hosts.md §7: one NAT per host (Docker, containers); New-NetNat: "The parameter is incorrect."."""
    windows = off_with_a_nat()
    guest = windows.simulator.facts.find_vm(VM).guest
    switches = [s.name for s in guest.switches]
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        plan = connect(server).plan_enable(VM, install_hyperv=True, networking="nat", memory="keep")
        result = plan.apply(confirm=True)
    assert result.failed is not None and result.failed.id == "guest-nat"
    assert "one NAT per host" in result.failed.message and "DockerNAT" in result.failed.message
    assert [s.name for s in guest.switches] == switches and VM not in windows.guest.gateways


def test_undoing_a_run_that_found_our_nat_already_there_leaves_that_nat_alone():
    """Undo removes only what a run made (contracts §4: a revert undoes what was applied). A guest that could not be
    looked inside at plan time (the VM was Off) may already have the NAT the plan asks for; the step finds it and
    makes nothing, so undoing the run must not remove it (and with it the guest's network)."""
    windows = twin(hyperv_installed=True, nat=[Nat(name="LocalNAT", prefix="192.168.100.0/24")])
    windows.simulator.facts.find_vm(VM).state = "Off"
    guest = windows.simulator.facts.find_vm(VM).guest
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = connect(server)
        plan = host.plan_enable(VM, install_hyperv=True, networking="nat", memory="keep")
        assert "guest-nat" in [c.id for c in plan.changes]          # unreadable at plan time
        result = plan.apply(confirm=True)
        assert result.failed is None, result.failed
        assert "guest-nat" not in [c.id for c in result.revert]
        undone = host.revert(result, confirm=True)
    assert undone.failed is None, undone.failed
    assert [n.name for n in guest.nat] == ["LocalNAT"]


def _switch_already_there(windows) -> None:
    """The guest has an internal switch named as the plan's (made by hand, or by another lab), and no NAT yet."""
    from nested_magics.model.facts import Switch

    windows.simulator.facts.find_vm(VM).guest.switches.append(Switch(name="VmNAT", type="Internal"))


def test_undoing_a_nat_made_on_a_switch_that_was_already_there_keeps_that_switch():
    """Undo removes only what a run made (contracts §4). The step uses an internal switch it finds rather than make
    another; removing it on undo would cut off every VM connected to it."""
    windows = twin(hyperv_installed=True)
    _switch_already_there(windows)
    guest = windows.simulator.facts.find_vm(VM).guest
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = connect(server)
        result = host.plan_enable(VM, networking="nat", memory="keep").apply(confirm=True)
        assert result.failed is None, result.failed
        assert [n.name for n in guest.nat] == ["LocalNAT"]
        undone = host.revert(result, confirm=True)
    assert undone.failed is None, undone.failed
    assert guest.nat == [] and "VmNAT" in [s.name for s in guest.switches]


def test_undoing_a_nat_keeps_a_gateway_address_that_was_already_there():
    """The step adds the gateway address only when it is missing (New-NetIPAddress: "Instance MSFT_NetIPAddress
    already exists" otherwise); an address it found is someone else's, so the undo keeps it."""
    windows = twin(hyperv_installed=True)
    _switch_already_there(windows)
    windows.guest.gateways[VM] = ("192.168.100.1", "vEthernet (VmNAT)")
    guest = windows.simulator.facts.find_vm(VM).guest
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = connect(server)
        result = host.plan_enable(VM, networking="nat", memory="keep").apply(confirm=True)
        assert result.failed is None, result.failed
        undone = host.revert(result, confirm=True)
    assert undone.failed is None, undone.failed
    assert guest.nat == [] and windows.guest.gateways[VM][0] == "192.168.100.1"


def test_the_mock_keeps_a_switch_that_was_already_there_on_undo_too():
    host = nm.connect("mock:server-2022-intel")
    vm = host.backend.simulator.facts.find_vm(VM)
    vm.guest.hyperv_installed = True
    from nested_magics.model.facts import Switch

    vm.guest.switches.append(Switch(name="VmNAT", type="Internal"))
    result = host.plan_enable(VM, networking="nat", memory="keep").apply(confirm=True)
    assert result.failed is None, result.failed
    undone = host.revert(result, confirm=True)
    assert undone.failed is None, undone.failed
    assert vm.guest.nat == [] and "VmNAT" in [s.name for s in vm.guest.switches]


def test_undoing_a_nat_whose_switch_the_run_made_removes_that_switch():
    windows = twin(hyperv_installed=True)
    guest = windows.simulator.facts.find_vm(VM).guest
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = connect(server)
        result = host.plan_enable(VM, networking="nat", memory="keep").apply(confirm=True)
        assert result.failed is None and "VmNAT" in [s.name for s in guest.switches]
        undone = host.revert(result, confirm=True)
    assert undone.failed is None, undone.failed
    assert guest.nat == [] and "VmNAT" not in [s.name for s in guest.switches] and VM not in windows.guest.gateways


def test_a_half_made_switch_is_removed_when_the_nat_fails():
    """A NAT that fails after the switch was made (the first version left the switch behind)."""
    windows = off_with_a_nat()
    guest = windows.simulator.facts.find_vm(VM).guest
    from nested_magics import changes

    late_check = changes.GUEST_NAT.replace("$existing = @(Get-NetNat); ", "").replace(
        "if ($existing.Count) {{", "if ($false) {{")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(changes, "GUEST_NAT", late_check)
        with LoopbackWinRM(windows, password=PASSWORD) as server:
            plan = connect(server).plan_enable(VM, install_hyperv=True, networking="nat", memory="keep")
            result = plan.apply(confirm=True)
    assert "The parameter is incorrect." in result.failed.message
    assert "switch this step made was removed" in result.failed.message
    assert "VmNAT" not in [s.name for s in guest.switches]


# -- the apply deadline (finding 4) -------------------------------------------------------------------------


class SlowWindows(SimulatedWindowsHost):
    """Each enable step takes ``step_seconds`` on the host (a shutdown, a role install)."""

    def __init__(self, *args, step_seconds: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.step_seconds = step_seconds

    def _enable(self, params):
        import time

        time.sleep(self.step_seconds)
        return super()._enable(params)


def test_a_plan_longer_than_timeout_but_within_apply_timeout_finishes_with_progress_per_change():
    """A whole plan used to be one call under the check's --timeout, killed mid-plan with no per-step results."""
    windows = SlowWindows(load_scenario("blog-2015"), step_seconds=1.2)
    seen = []
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = nm.connect(server.url, user=server.username, transport="basic", insecure=True, timeout=2,
                          apply_timeout=1)
        plan = host.plan_enable("myVM")
        assert len(plan.changes) == 4                    # 4 x 1.2 s: past --timeout 2, within 1 minute
        result = plan.apply(confirm=True, progress=lambda change, status, _: seen.append((change.id, status)))
    assert result.failed is None and result.after.verdict == "ready"
    assert [s for s in seen if s[1] == "done"] == [(c.id, "done") for c in plan.changes]
    assert windows.operations.count("enable") == 4


def test_the_apply_deadline_says_what_was_applied_and_what_did_not_run():
    windows = SlowWindows(load_scenario("blog-2015"), step_seconds=1.5)
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = nm.connect(server.url, user=server.username, transport="basic", insecure=True, timeout=10,
                          apply_timeout=2.5 / 60)
        result = host.plan_enable("myVM").apply(confirm=True)
    assert result.failed is not None
    assert result.applied and "expose-extensions" == result.applied[0].id
    assert "--apply-timeout" in result.failed.message or "time limit" in result.failed.message


def test_blog_step_3_and_nat_on_local_reach_ready_too(capsys, monkeypatch):
    from local_twin import serve_local

    windows = twin()
    with serve_local(windows, monkeypatch):
        code = main(["enable", VM, "-t", "local", "--guest-user", GUEST[0], "--install-hyperv", "--networking", "nat",
                     "--yes"])
        out = capsys.readouterr().out
    assert code == 0, out
    guest = windows.simulator.facts.find_vm(VM).guest
    assert guest.hyperv_installed and [n.name for n in guest.nat] == ["LocalNAT"]
    assert "Wait-VM" in out and "installed" in windows.guest.log


# -- the plan knows the guest: one NAT per host (finding 6) -------------------------------------------------


def test_a_nat_the_guest_already_has_is_refused_at_plan_time_naming_it():
    """real-hosts.md §7: a guest whose facts were read and that already has another NAT (Docker's): the plan is
    refused before anything runs, naming that NAT and the one-NAT-per-host rule."""
    windows = twin(hyperv_installed=True, nat=[Nat(name="DockerNAT", prefix="172.20.0.0/16")])
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        plan = connect(server).plan_enable(VM, networking="nat", memory="keep")
        result = plan.apply(confirm=True)
    assert plan.refused is not None and plan.refused.id == "guest-nat"
    assert "DockerNAT 172.20.0.0/16" in plan.refused.message and "one NAT per host" in plan.refused.message
    assert "Remove-NetNat" in plan.refused.message and "\n" not in plan.refused.message
    assert result.applied == [] and "enable" not in windows.operations


def test_the_planner_refuses_a_nat_it_can_see_on_every_backend(connect_doc, make_doc, make_vm, make_guest):
    """The mock too: the first planner skipped guest-nat on any NAT, so nothing said the guest's NAT is not ours."""
    vm = make_vm(state="Running", nesting=True, guest=make_guest(hyperv_installed=True,
                                                                 nat=[{"name": "ContainerNAT", "prefix": "172.17.0.0/16"}]))
    plan = connect_doc(make_doc(vms=[vm])).plan_enable("myVM", networking="nat", memory="keep")
    assert plan.refused is not None and plan.refused.id == "guest-nat" and plan.changes == []
    assert "ContainerNAT 172.17.0.0/16" in plan.refused.message and "one NAT per host" in plan.refused.message


def test_our_nat_already_in_the_guest_is_not_planned_again():
    windows = twin(hyperv_installed=True, nat=[Nat(name="LocalNAT", prefix="192.168.100.0/24")])
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        plan = connect(server).plan_enable(VM, networking="nat", memory="keep")
    assert plan.refused is None and "guest-nat" not in [c.id for c in plan.changes]


def test_the_blog_vm_reaches_ready_over_winrm_with_each_step_said_as_it_goes(capsys):
    """Done when: `enable myVM --install-hyperv --networking nat` over WinRM reaches ready, the waits shown."""
    facts = load_scenario("blog-2015")          # the blog's myVM (Off, nesting off), on a current host
    facts.os.build, facts.default_vm_version = 22631, "10.0"
    facts.supported_vm_versions += ["8.0", "10.0"]
    facts.find_vm("myVM").version = "10.0"
    windows = SimulatedWindowsHost(facts, guest_credentials=GUEST)
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        code = main(["enable", "myVM", "-t", server.url, "--user", server.username, "--transport", "basic",
                     "--insecure", "--guest-user", GUEST[0], "--install-hyperv", "--networking", "nat", "--yes"])
        out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "Verdict: fixable → ready" in out and "Verdict: READY" in out
    install = next(line for line in out.splitlines() if "Enable-WindowsOptionalFeature" in line)
    assert install.index("Wait-VM -VM $vm -For Heartbeat -Timeout 300") < install.index("-NoRestart")
    assert install.index("-NoRestart") < install.index("Stop-VM -VM $vm -Confirm:$false; Start-VM -VM $vm")
    assert "New-NetIPAddress -IPAddress $gateway -PrefixLength $length" in out
    assert windows.guest.gateways["myVM"] == ("192.168.100.1", "vEthernet (VmNAT)")
    steps = [line for line in err.splitlines() if line.endswith(": running")]
    assert [s.split()[1] for s in steps] == ["expose-extensions", "disable-dynamic-memory", "set-startup-memory",
                                              "start-vm", "install-hyperv", "guest-nat"]
    assert "nested-magics: guest-nat on myVM: done" in err


# -- deadlines (finding 4): --timeout per check call, --apply-timeout for a plan -----------------------------


def test_a_step_longer_than_timeout_still_finishes_under_the_apply_deadline():
    """A role install is one step that takes minutes, past a check's --timeout: each change has what is left of
    --apply-timeout (scaled: steps of 1.6 s against --timeout 1)."""
    windows = SlowWindows(load_scenario("blog-2015"), step_seconds=1.6)
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = nm.connect(server.url, user=server.username, transport="basic", insecure=True, timeout=1,
                          apply_timeout=1)
        plan = host.plan_enable("myVM", networking="none", memory="keep")
        result = plan.apply(confirm=True)
    assert len(plan.changes) == 2 and result.failed is None, result.failed
    assert [c.id for c in result.applied] == [c.id for c in plan.changes]


def test_a_deadline_cut_names_the_change_it_cut_and_those_that_did_not_run():
    windows = SlowWindows(load_scenario("blog-2015"), step_seconds=1.5)
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = nm.connect(server.url, user=server.username, transport="basic", insecure=True, timeout=10,
                          apply_timeout=2.5 / 60)
        plan = host.plan_enable("myVM")
        result = plan.apply(confirm=True)
    ids = [c.id for c in plan.changes]
    message = result.failed.message
    assert result.failed.id == ids[1] and [c.id for c in result.applied] == ids[:1]
    assert f"while {ids[1]} was running" in message and f"not run: {', '.join(ids[2:])}" in message
    assert f"applied before it: {ids[0]}" in message and "--apply-timeout" in message and "\n" not in message
    assert "raise --timeout" not in message          # the check's deadline is not the way forward here


def test_a_silent_host_is_given_the_timeout_asked_for_within_ten_percent(capsys):
    """--timeout is each check call's deadline, honoured as given: a host that accepts and never answers."""
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    try:
        started = time.monotonic()
        code = main(["check", "-t", f"http://127.0.0.1:{listener.getsockname()[1]}/wsman", "--user", "admin",
                     "--transport", "basic", "--insecure", "--timeout", "2"])
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    err = capsys.readouterr().err
    assert code != 0 and "within the time limit (2 s)" in err
    assert 1.8 <= elapsed <= 2.2, elapsed


def test_the_mock_keeps_one_nat_per_host_too():
    """The simulator plays the step as the shipped command does: ours again changes nothing, another is refused."""
    from nested_magics.backends.mock.simulator import Simulator
    from nested_magics.errors import ActionRefused
    from nested_magics.model.plan import Change

    def nat(name: str, prefix: str) -> Change:
        return Change("guest-nat", VM, "NAT in guest", None, None, "", True,
                      {"vm": VM, "switch": "VmNAT", "nat_name": name, "prefix": prefix})

    s = Simulator(load_scenario("server-2022-intel"))
    guest = s.facts.find_vm(VM).guest
    guest.hyperv_installed = True
    s.apply_change(nat("LocalNAT", "192.168.100.0/24"))
    s.apply_change(nat("LocalNAT", "192.168.100.0/24"))
    assert [n.name for n in guest.nat] == ["LocalNAT"] and [s.name for s in guest.switches].count("VmNAT") == 1
    with pytest.raises(ActionRefused, match=r"already has a NAT \(LocalNAT\).*one NAT per host"):
        s.apply_change(nat("OtherNAT", "10.0.0.0/24"))
    assert [n.name for n in guest.nat] == ["LocalNAT"]
