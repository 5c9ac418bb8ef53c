"""VM actions on a real host (issue 10 finding 8): names, ids and graceful stops over WinRM and ``local``.

Hyper-V allows two VMs with one name, and its -Name takes wildcards and acts on every match (real-hosts.md §3),
so an action finds its VM once, exactly, and then addresses it by id; an ambiguous name is refused listing the
ids, as plans are (contracts §3), and a VM id works where a name is expected. A graceful stop is judged by the
Shutdown integration service's PrimaryOperationalStatus (an enum), never by PrimaryStatusDescription, which
Windows localizes (real-hosts.md a7); a failed graceful stop does nothing and names --turn-off. Each runs end
to end: pywinrm -> loopback WinRM server -> the Windows twin, which runs the command text it is sent
(tests/twin_actions.py).
"""

from __future__ import annotations

import contextlib
import copy

import pytest

import nested_magics as nm
from nested_magics import session
from nested_magics.backends.mock.simulator import Simulator
from nested_magics.backends.powershell.backend import script
from nested_magics.front.cli import main

from loopback_winrm import PASSWORD, LoopbackWinRM
from simulated_windows import SimulatedWindowsHost
from twin_actions import ActionTwin, Shutdown
from twin_commands import STOP_PROMPT

IDS = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222")
OTHER = "33333333-3333-4333-8333-333333333333"


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("NESTED_MAGICS_PASSWORD", PASSWORD)


@pytest.fixture
def twins(make_facts, make_vm):
    """Two running VMs named myVM and MYVM (one name: Hyper-V matches names case-insensitively), and another."""
    return make_facts(vms=[make_vm("myVM", state="Running", id=IDS[0]), make_vm("MYVM", state="Running", id=IDS[1]),
                           make_vm("other", state="Running", id=OTHER)])


@contextlib.contextmanager
def remote(facts, shutdown: dict | None = None):
    """A host over WinRM whose guests' Shutdown services are ``shutdown`` (VM id -> Shutdown), else Ok."""
    windows = SimulatedWindowsHost(facts)
    windows.actions = ActionTwin(shutdown=shutdown or {})
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        session.forget_all()
        host = nm.connect(server.url, user=server.username, transport="basic", insecure=True, timeout=10)
        yield host, windows, server


def states(windows) -> dict:
    return {vm.id: vm.state for vm in windows.simulator.facts.vms}


# -- names and ids -------------------------------------------------------------------------------------


def test_stop_on_a_duplicate_name_is_refused_listing_both_ids_and_changes_nothing(twins):
    with remote(twins) as (host, windows, _):
        for name in ("myVM", "myvm"):
            with pytest.raises(nm.UsageProblem) as refused:
                host.vm("stop", name)
            message = str(refused.value)
            assert all(i in message for i in IDS) and "\n" not in message
            assert "rename one" in message and f"vm stop {IDS[0]}" in message      # the way forward, both of them
        assert states(windows) == {IDS[0]: "Running", IDS[1]: "Running", OTHER: "Running"}


def test_the_command_line_refuses_the_duplicate_name_in_one_line_exit_2(twins, capsys):
    with remote(twins) as (_, windows, server):
        code = main(["vm", "stop", "myVM", "-t", server.url, "--user", server.username, "--transport", "basic",
                     "--insecure"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and all(i in err for i in IDS)
    assert states(windows)[IDS[0]] == states(windows)[IDS[1]] == "Running"


def test_stop_by_id_stops_only_that_one_and_start_by_id_starts_it_again(twins):
    with remote(twins) as (host, windows, _):
        stopped = host.vm("stop", IDS[1])
        assert stopped.ok, stopped.message
        assert states(windows) == {IDS[0]: "Running", IDS[1]: "Off", OTHER: "Running"}
        assert "MYVM" in stopped.message and stopped.vm == IDS[1]
        assert host.vm("start", IDS[1].upper()).ok                 # ids match case-insensitively, as Guids do
        assert states(windows)[IDS[1]] == "Running"
        assert host.vm("stop", "other").ok                          # a unique name still works
        assert states(windows) == {IDS[0]: "Running", IDS[1]: "Running", OTHER: "Off"}


def test_a_name_with_wildcard_characters_acts_on_that_vm_only(make_facts, make_vm):
    facts = make_facts(vms=[make_vm("lab[1]", id=IDS[0]), make_vm("lab1", id=IDS[1]), make_vm("lab*", id=OTHER)])
    with remote(facts) as (host, windows, _):
        assert host.vm("start", "lab[1]").ok and host.vm("checkpoint", "lab*").ok
        assert states(windows) == {IDS[0]: "Running", IDS[1]: "Off", OTHER: "Off"}
        assert [vm.checkpoints for vm in windows.simulator.facts.vms] == [0, 0, 1]


def test_an_unknown_vm_lists_the_vms_there_and_new_refuses_a_name_in_use(twins):
    with remote(twins) as (host, windows, _):
        with pytest.raises(nm.UsageProblem, match=r"'ghost' does not exist on 127\.0\.0\.1: VMs there are myVM, MYVM, "
                                                  r"other$"):
            host.vm("start", "ghost")
        taken = host.vm("new", "Other")
        assert not taken.ok and OTHER in taken.message and "pick another name" in taken.message
        assert len(windows.simulator.facts.vms) == 3


# -- graceful stops ------------------------------------------------------------------------------------


def test_a_guest_whose_shutdown_service_is_not_ok_is_refused_naming_turn_off_and_left_running(make_facts, make_vm):
    facts = make_facts(vms=[make_vm("myVM", state="Running", id=IDS[0])])
    with remote(facts, {IDS[0]: Shutdown("LostCommunication", "Lost Communication")}) as (host, windows, _):
        refused = host.vm("stop", "myVM")
        assert not refused.ok and "\n" not in refused.message
        assert "nothing was done" in refused.message and "--turn-off" in refused.message
        assert "LostCommunication" in refused.message
        assert states(windows) == {IDS[0]: "Running"}
        turned = host.vm("stop", "myVM", turn_off=True)
        assert turned.ok and states(windows) == {IDS[0]: "Off"}


@pytest.mark.parametrize("description", ["Ok", "OK", "Opérationnel", "Funktionsfähig"])
def test_a_localized_status_description_with_status_ok_stops_gracefully(make_facts, make_vm, description):
    facts = make_facts(vms=[make_vm("myVM", state="Running", id=IDS[0])])
    with remote(facts, {IDS[0]: Shutdown("Ok", description)}) as (host, windows, _):
        stopped = host.vm("stop", "myVM")
        assert stopped.ok, stopped.message
        assert states(windows) == {IDS[0]: "Off"} and "shut down" in stopped.message


def test_a_saved_vm_is_not_stopped_without_saying_its_saved_state_would_be_lost(make_facts, make_vm):
    """A Saved VM runs nothing that could shut down; the way to Off is Remove-VMSavedState, which loses what was in
    its memory (Microsoft's Remove-VMSavedState docs; hyperv-facts.md §2.10). The refusal says so before anyone
    types --turn-off, on a real host as on the mock, and --turn-off then discards the saved state and says it did."""
    facts = make_facts(vms=[make_vm("myVM", state="Saved", id=IDS[0])])
    with remote(copy.deepcopy(facts)) as (host, windows, _):
        refused = host.vm("stop", "myVM")
        assert not refused.ok and "\n" not in refused.message
        assert "nothing was done" in refused.message and "--turn-off" in refused.message
        assert "saved state" in refused.message and "lost" in refused.message
        assert states(windows) == {IDS[0]: "Saved"}
        turned = host.vm("stop", "myVM", turn_off=True)
        assert turned.ok and states(windows) == {IDS[0]: "Off"}
        assert "saved state was discarded" in turned.message
    mock = Simulator(copy.deepcopy(facts))
    refused = mock.vm_action("mock", "stop", "myVM")
    assert not refused.ok and "saved state" in refused.message and "lost" in refused.message
    assert "saved state was discarded" in mock.vm_action("mock", "stop", "myVM", turn_off=True).message


def test_vm_actions_on_the_local_target_address_the_vm_by_id(twins, monkeypatch):
    from local_twin import serve_local

    windows = SimulatedWindowsHost(twins)
    with serve_local(windows, monkeypatch):
        session.forget_all()
        host = nm.connect("local")
        with pytest.raises(nm.UsageProblem, match=IDS[1]):
            host.vm("save", "myVM")
        assert host.vm("save", IDS[0]).ok
    assert states(windows) == {IDS[0]: "Saved", IDS[1]: "Running", OTHER: "Running"}


# -- the commands, and the twin that reads them -------------------------------------------------------------


def test_every_command_a_vm_action_runs_keeps_the_static_rules():
    from nested_magics.backends.powershell.actions import COMMANDS, LIST_VMS, TURN_OFF
    from test_ps1_static import problems

    for command in [LIST_VMS, TURN_OFF, *COMMANDS.values()]:
        assert problems(command) == [], command
        assert "-Name $VMName" not in command or command == COMMANDS["new"]     # found by id once resolved


def twin_run(facts, command: str, values: dict | None = None, shutdown: dict | None = None):
    simulator = Simulator(copy.deepcopy(facts))
    answer = ActionTwin(shutdown=shutdown or {}).answer(script("vm-action"), {"command": command,
                                                                              "values": values or {}}, simulator)
    return answer, {vm.id: vm.state for vm in simulator.facts.vms}


def test_the_twin_acts_on_every_vm_a_name_matches_and_on_one_by_id(twins):
    by_name, after = twin_run(twins, "Get-VM -Name $VMName | Stop-VM -TurnOff -Confirm:$false", {"VMName": "MyVm"})
    assert by_name["ok"] and after == {IDS[0]: "Off", IDS[1]: "Off", OTHER: "Running"}
    wildcard, after = twin_run(twins, "Stop-VM -Name 'o*' -TurnOff -Confirm:$false")
    assert wildcard["ok"] and after == {IDS[0]: "Running", IDS[1]: "Running", OTHER: "Off"}
    by_id, after = twin_run(twins, "Get-VM -Id $VMId | Stop-VM -TurnOff -Confirm:$false", {"VMId": IDS[0]})
    assert by_id["ok"] and after == {IDS[0]: "Off", IDS[1]: "Running", OTHER: "Running"}
    missing, _ = twin_run(twins, "Get-VM -Name $VMName", {"VMName": "ghost"})
    assert missing == {"ok": False, "message": 'Hyper-V was unable to find a virtual machine with name "ghost".',
                       "records": []}


def test_the_twin_judges_a_stop_by_the_text_it_is_sent(twins):
    from nested_magics.backends.powershell.actions import COMMANDS

    french = {IDS[0]: Shutdown("Ok", "Opérationnel")}
    by_display = ("$vm = Get-VM -Id $VMId; $s = @($vm | Get-VMIntegrationService | Where-Object { [string]$_.Id -like "
                  "'*9F8233AC-BE49-4C79-8EE3-E7E1985B2077' }); if ([string]$s[0].PrimaryStatusDescription -ne 'OK') "
                  "{ throw 'unavailable' }; Stop-VM -VM $vm -Confirm:$false")
    answer, after = twin_run(twins, by_display, {"VMId": IDS[0]}, french)      # the old script's test, on a French host
    assert answer["message"] == "unavailable" and after[IDS[0]] == "Running"
    answer, after = twin_run(twins, COMMANDS["stop"], {"VMId": IDS[0]}, french)
    assert answer["ok"] and after[IDS[0]] == "Off"
    lost = {IDS[0]: Shutdown("LostCommunication", "Lost Communication")}
    answer, after = twin_run(twins, "Get-VM -Id $VMId | Stop-VM -Confirm:$false", {"VMId": IDS[0]}, lost)
    assert answer["message"] == STOP_PROMPT and after[IDS[0]] == "Running"           # the prompt nobody answers
    answer, after = twin_run(twins, "Get-VM -Id $VMId | Stop-VM -Force -Confirm:$false", {"VMId": IDS[0]}, lost)
    assert answer["ok"] and after[IDS[0]] == "Off"                     # -Force turned it off hard: never graceful


def test_the_twin_reads_the_runner_and_says_what_powershell_says_for_what_it_cannot_run(twins):
    simulator = Simulator(twins)
    unwrapped = "$block.InvokeWithContext($null, $variables)\n"          # a runner that passes the wrapper on
    answer = ActionTwin().answer(unwrapped, {"command": "throw 'boom'", "values": {}}, simulator)
    assert answer["message"] == 'Exception calling "InvokeWithContext" with "2" argument(s): "boom"'
    bundled = ActionTwin().answer(script("vm-action"), {"command": "throw 'boom'", "values": {}}, simulator)
    assert bundled["message"] == "boom"
    for command, said in (("Get-VMx", "The term 'Get-VMx' is not recognized"),
                          ("Get-VM -Identity $VMId", "A parameter cannot be found that matches parameter name")):
        answer, _ = twin_run(twins, command, {"VMId": IDS[0]})
        assert not answer["ok"] and answer["message"].startswith(said)
    with pytest.raises(ValueError, match="not valid PowerShell"):
        twin_run(twins, "Get-VM | {")
