"""What is shown is what runs (contracts §4): every change's `powershell` is the command its apply runs,
with each value written as the single-quoted literal the run passes as data.

Over WinRM the Windows twin reads each command it is sent (tree-sitter-pwsh), acts on the simulator by what
the text asks, and records the command as the user would have been shown it: that record must equal the
plan's `powershell`, change by change, for every change kind and the kinds a revert makes. On the mock the
same reading of each shown command must ask for exactly the change the simulator makes.
"""

from __future__ import annotations

import pytest

import nested_magics as nm
from nested_magics import session
from nested_magics.load import load_facts
from nested_magics.planner import plan_enable
from nested_magics.changes import CHANGE_IDS, render

from loopback_winrm import PASSWORD, LoopbackWinRM
from simulated_windows import SimulatedWindowsHost
from twin_commands import interpret

GUEST = ("admin", "Guest-Pa55!")
# Between them these plans make every kind of change: (VM, its state and settings, enable options).
PLANS = [
    ("saved", dict(state="Saved", version="5.0", dynamic=True, startup="2GB", mac_spoofing=False),
     dict(discard_saved_state=True, update_version=True, install_hyperv=True, networking="nat")),
    ("running", dict(state="Running", version="9.0", dynamic=True, startup="2GB", mac_spoofing=False), {}),
    ("paused", dict(state="Paused", version="9.0", startup="4GB", mac_spoofing=True), dict(turn_off=True)),
]


@pytest.fixture(autouse=True)
def winrm_password(monkeypatch):
    monkeypatch.setenv("NESTED_MAGICS_PASSWORD", PASSWORD)
    monkeypatch.setenv("NESTED_MAGICS_GUEST_PASSWORD", GUEST[1])
    yield
    session.forget_all()


def host_doc(make_doc, make_vm, make_guest):
    vms = [make_vm(name, id=f"00000000-0000-4000-8000-00000000000{i}", **settings,
                   guest=make_guest(hyperv_installed=name != "saved"))
           for i, (name, settings, _options) in enumerate(PLANS)]
    return make_doc(supported_vm_versions=["5.0", "9.0"], memory={"total_bytes": "64GB", "free_bytes": "48GB"},
                    vms=vms)


def test_over_winrm_every_change_runs_the_command_it_showed(make_doc, make_vm, make_guest):
    windows = SimulatedWindowsHost(load_facts(host_doc(make_doc, make_vm, make_guest)), guest_credentials=GUEST)
    kinds = set()
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = nm.connect(server.url, user=server.username, transport="basic", insecure=True, timeout=10,
                          guest_user=GUEST[0])
        for vm, _settings, options in PLANS:
            plan = host.plan_enable(vm, **options)
            before = len(windows.ran)
            result = plan.apply(confirm=True)
            assert result.failed is None, result.failed
            assert windows.ran[before:] == [c.powershell for c in plan.changes]
            kinds |= {c.id for c in plan.changes}
            undo = host.revert(result, confirm=True)
            assert undo.failed is None, undo.failed
            assert windows.ran[before + len(plan.changes):] == [c.powershell for c in undo.plan.changes]
            assert {"guest-nat", "stop-vm", "start-vm"} & {c.id for c in undo.plan.changes}
    assert kinds == set(CHANGE_IDS)


def test_on_the_mock_each_shown_command_asks_for_the_change_the_simulator_makes(connect_doc, make_doc, make_vm,
                                                                               make_guest):
    host = connect_doc(host_doc(make_doc, make_vm, make_guest))
    simulator = host.backend.simulator
    for vm, _settings, options in PLANS:
        plan = host.plan_enable(vm, **options)
        for change in plan.changes:
            assert render(change.command, change.values) == change.powershell
            asked = interpret(change.command, change.values, simulator)
            assert asked.id == change.id
            meaning = {k: v for k, v in change.params.items() if k not in ("vm", "path")}
            assert {k: asked.params.get(k) for k in meaning} == meaning, change.powershell
        assert plan.apply(confirm=True).failed is None


@pytest.mark.parametrize("name", ["it's", "$(Remove-Item C:\\)", "a;b", "my[1]*VM", "`whoami`"])
def test_a_vm_name_never_enters_the_command_text_that_runs(make_doc, make_vm, name):
    """contracts §7: values travel as data; the text that runs is the same for every name."""
    def commands(vm_name, vm_id):
        given_id = {"id": vm_id} if vm_id else {}
        facts = load_facts(make_doc(vms=[make_vm(vm_name, state="Running", dynamic=True, startup="2GB",
                                                 mac_spoofing=False, **given_id)]))
        return [(c.command, c.values) for c in plan_enable(facts, vm_name, nm.EnableOptions(install_hyperv=True)).changes]

    for vm_id in ("6b0ec3e4-8f5c-4c3e-9a55-2f1b1d6b3a10", None):
        plain, hostile = commands("plainvm", vm_id), commands(name, vm_id)
        assert [c for c, _ in plain] == [c for c, _ in hostile]
        assert all(name not in command for command, _ in hostile)
