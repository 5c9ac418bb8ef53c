"""The Hyper-V simulator: every VM action and every change, with their failure modes, the real error texts
of facts §3, "(simulated" on every text Hyper-V was never quoted saying, fault injection and any depth."""

from __future__ import annotations

import re

import pytest

from nested_magics.backends.mock import simulator as sim
from nested_magics.backends.mock.scenarios import scenario_from_document
from nested_magics.backends.mock.simulator import Simulator
from nested_magics.errors import ActionRefused, UsageProblem
from nested_magics.changes import CHANGE_IDS
from nested_magics.planner import plan_enable
from nested_magics.model.plan import Change, EnableOptions
from nested_magics.model.sizes import GiB

PREVIEW, CURRENT = 10565, 14393
REAL_TEXTS = (sim.INVALID_STATE, sim.ALREADY_IN_STATE, sim.NO_NESTING_PLATFORM, sim.HYPERVISOR_RUNNING)


@pytest.fixture
def world(make_doc, make_vm, make_guest):
    """``world(**overrides)``: a Simulator on make_doc(**overrides) (faults and latency included)."""
    return lambda **overrides: scenario_from_document(make_doc(**overrides)).simulator()


def act(s: Simulator, action: str, path: str = "myVM", **options):
    return s.vm_action("mock:t", action, path, **options)


def refused(s: Simulator, action: str, path: str = "myVM", **options) -> str:
    result = act(s, action, path, **options)
    assert result.ok is False, result
    return result.message


def change(id_: str, vm: str = "myVM", **params) -> Change:
    return Change(id_, vm, "setting", None, None, "ps", True, {"vm": vm, **params})


def apply_refused(s: Simulator, id_: str, vm: str = "myVM", **params) -> str:
    with pytest.raises(ActionRefused) as info:
        s.apply_change(change(id_, vm, **params))
    return str(info.value)


def vm_of(s: Simulator, path: str = "myVM"):
    return s.resolve(path)[-1].vm


def assert_simulated(message: str) -> None:
    assert "(simulated" in message, message


def assert_real(message: str) -> None:
    assert "(simulated" not in message, message


# ---------------------------------------------------------------- the behaviour the issue asks for


def test_setting_nesting_on_a_running_vm_fails_with_hyper_vs_message(world, make_vm):
    """facts §3: Set-VMProcessor EVE on a running VM: "The operation cannot be performed while the virtual
    machine is in its current state." (OperationFailed_InvalidState)."""
    s = world(vms=[make_vm(state="Running")])
    message = apply_refused(s, "expose-extensions", value=True)
    assert message == sim.INVALID_STATE
    assert vm_of(s).nesting is False


def test_starting_a_nesting_vm_on_a_host_that_cannot_nest_fails(world, make_vm):
    """facts §3: Set-VMProcessor is accepted on unsupported platforms; Start-VM then fails with "The virtual
    machine could not be started because this platform does not support nested virtualization." (facts §2.5:
    Windows 10 on AMD)."""
    s = world(os={"build": 19045}, cpu={"vendor": "AuthenticAMD"}, supported_vm_versions=["8.0", "9.2"],
              vms=[make_vm(version="9.2")])
    s.apply_change(change("expose-extensions", value=True))          # accepted (facts §3 note)
    assert vm_of(s).nesting is True
    assert refused(s, "start") == sim.NO_NESTING_PLATFORM
    assert vm_of(s).state == "Off"


def test_the_same_vm_without_nesting_starts_on_that_host(world, make_vm):
    s = world(os={"build": 19045}, cpu={"vendor": "AuthenticAMD"}, supported_vm_versions=["8.0", "9.2"],
              vms=[make_vm(version="9.2")])
    assert act(s, "start").ok


def test_a_preview_host_with_vbs_cannot_start_a_nesting_vm(world, make_vm):
    """facts §2.1: VBS hosts "cannot expose virtualization extensions to guests" in 2015."""
    s = world(os={"build": PREVIEW}, vbs={"status": 2}, supported_vm_versions=["5.0", "7.0"],
              vms=[make_vm(version="7.0", nesting=True)])
    assert refused(s, "start") == sim.NO_NESTING_PLATFORM


def test_installing_hyperv_in_a_guest_without_nesting_fails_hypervisor_already_running(world, make_vm):
    """facts §3 (VD #193): "Hyper-V cannot be installed: A hypervisor is already running." """
    s = world(vms=[make_vm(state="Running", guest={"hyperv_installed": False})])
    assert refused(s, "install-hyperv") == sim.HYPERVISOR_RUNNING
    assert vm_of(s).guest.hyperv_installed is False


def test_installing_hyperv_fails_the_same_way_when_the_host_above_cannot_nest(world, make_vm):
    """facts §2.5, §3: EVE on, but Windows 10 on AMD never exposes VT-x."""
    s = world(os={"build": 19045}, cpu={"vendor": "AuthenticAMD"},
              vms=[make_vm(state="Running", nesting=True, guest={})])
    assert refused(s, "install-hyperv") == sim.HYPERVISOR_RUNNING


def test_a_preview_nesting_vm_with_dynamic_memory_will_not_boot(world, make_vm):
    """facts §2.1: "Dynamic memory must be OFF. This will prevent the VM from booting." (no real text: simulated)"""
    s = world(os={"build": PREVIEW}, supported_vm_versions=["5.0", "7.0"],
              vms=[make_vm(version="7.0", nesting=True, dynamic=True)])
    message = refused(s, "start")
    assert "dynamic memory" in message
    assert_simulated(message)


def test_a_current_nesting_vm_with_dynamic_memory_boots(world, make_vm):
    """facts §2.3: since GA dynamic memory is allowed (it just stops fluctuating)."""
    s = world(vms=[make_vm(nesting=True, dynamic=True)])
    assert act(s, "start").ok


@pytest.fixture
def preview_l1(world, make_vm, make_guest):
    """The blog's host with myVM running, nesting on and Hyper-V inside: a VM hosting VMs."""
    return world(os={"build": PREVIEW}, supported_vm_versions=["5.0", "7.0"],
                 vms=[make_vm(state="Running", version="7.0", nesting=True, startup="4GB",
                              guest=make_guest(hyperv_installed=True))])


@pytest.mark.parametrize("action, options, says", [
    ("save", {}, "save/restore fails"),
    ("live-migrate", {}, "cannot be live-migrated"),
    ("resize-memory", {"size": "6GB"}, "runtime memory resize"),
    ("checkpoint", {}, "checkpoint"),
])
def test_preview_known_issues_fail_for_a_nesting_vm(preview_l1, action, options, says):
    """facts §2.1: save/restore, live migration, runtime memory resize fail, and applying checkpoints to a running
    VM fails; no real texts are known (facts §3, §6), so each is marked simulated."""
    message = refused(preview_l1, action, **options)
    assert says in message
    assert_simulated(message)
    vm = vm_of(preview_l1)
    assert (vm.state, vm.startup_bytes, vm.checkpoints) == ("Running", 4 * GiB, 0)


def test_in_current_save_and_checkpoints_work_for_a_vm_hosting_vms(world, make_vm, make_guest):
    """facts §2.2: checkpoints and save/restore work since 14361."""
    s = world(vms=[make_vm(state="Running", nesting=True, guest=make_guest(hyperv_installed=True))])
    assert act(s, "checkpoint").ok and vm_of(s).checkpoints == 1
    assert act(s, "save").ok and vm_of(s).state == "Saved"
    result = act(s, "start")
    assert result.ok and "restored" in result.message


def test_in_current_runtime_resize_still_fails_while_hyper_v_runs_inside(world, make_vm, make_guest):
    """facts §2.3: while Hyper-V runs inside, the VM must be off to adjust its memory."""
    s = world(vms=[make_vm(state="Running", nesting=True, startup="4GB", guest=make_guest(hyperv_installed=True))])
    message = refused(s, "resize-memory", size="8GB")
    assert "must be Off" in message
    assert_simulated(message)


def test_in_current_live_migration_succeeds_with_an_uncertainty_note(world, make_vm, make_guest):
    """facts §2.7, §6: current docs are silent on live migration of a VM hosting VMs."""
    s = world(vms=[make_vm(state="Running", nesting=True, guest=make_guest(hyperv_installed=True))])
    result = act(s, "live-migrate")
    assert result.ok and "uncertain" in result.message
    assert_simulated(result.message)


def test_nested_guests_have_no_network_without_mac_spoofing_or_nat(make_facts, make_vm, make_guest):
    """facts §2.3, §1.1 ("nested guests won't have network"): the vm.networking check of the L1, whose guest
    runs VMs, warns until spoofing is on (or, since 2016, the guest has NAT)."""
    from nested_magics.rules import build_report

    def networking(**vm):
        l1 = make_vm(state="Running", nesting=True, guest=make_guest(hyperv_installed=True,
                                                                     vms=[make_vm("nestedVM", state="Running")]),
                     **vm)
        check = {c.id: c for c in build_report(make_facts(vms=[l1]), "t", ["myVM"]).checks}["vm.networking"]
        return check.status

    assert networking(mac_spoofing=False) == "warn"
    assert networking(mac_spoofing=True) == "pass"
    s = Simulator(make_facts(vms=[make_vm(state="Running", nesting=True, mac_spoofing=False,
                                          guest=make_guest(hyperv_installed=True))]))
    s.apply_change(change("guest-nat", switch="VmNAT", nat_name="LocalNAT", prefix="192.168.100.0/24"))
    report = build_report(s.facts, "t", ["myVM"])
    assert {c.id: c.status for c in report.checks}["vm.networking"] == "pass"


# ---------------------------------------------------------------- start


def test_start_an_off_vm_boots_a_guest_reporting_the_hosts_build(world, make_vm):
    s = world(memory={"total_bytes": "16GB", "free_bytes": "8GB"}, vms=[make_vm(startup="2GB")])
    result = act(s, "start")
    assert result.ok and result.message == "myVM is Running"
    vm = vm_of(s)
    assert vm.state == "Running" and vm.guest.build == CURRENT and vm.guest.hyperv_installed is False
    assert s.facts.memory.free_bytes == 6 * GiB


def test_start_a_running_vm_says_already_in_the_specified_state(world, make_vm):
    """facts §3 (neonSDK Warning_VMAlreadyInDesiredState)."""
    result = act(world(vms=[make_vm(state="Running")]), "start")
    assert result.ok and result.message == sim.ALREADY_IN_STATE


def test_start_a_paused_vm_asks_for_resume(world, make_vm):
    message = refused(world(vms=[make_vm(state="Paused")]), "start")
    assert "Resume-VM" in message
    assert_simulated(message)


@pytest.mark.parametrize("state", ["Starting", "Stopping", "Saving"])
def test_start_an_unsettled_vm_is_an_invalid_state(world, make_vm, state):
    """facts §3: OperationFailed_InvalidState."""
    assert refused(world(vms=[make_vm(state=state)]), "start") == sim.INVALID_STATE


def test_start_a_vm_whose_version_the_host_does_not_support(world, make_vm):
    """facts §3 (VD #1276): "The VM version 9.3 of the virtual machine 'New Virtual Machine' is not supported." """
    message = refused(world(supported_vm_versions=["8.0", "9.2"], vms=[make_vm("New Virtual Machine",
                                                                               version="9.3")]),
                      "start", "New Virtual Machine")
    assert message == "The VM version 9.3 of the virtual machine 'New Virtual Machine' is not supported."
    assert_real(message)


def test_start_a_current_nesting_vm_below_version_8_fails(world, make_vm):
    """facts §2.2: "Starting with build 14361, version 8.0 is required for VM's with nested virtualization"."""
    message = refused(world(supported_vm_versions=["5.0", "7.0", "8.0"], vms=[make_vm(version="7.0", nesting=True)]),
                      "start")
    assert "8.0" in message and "Update-VMVersion" in message
    assert_simulated(message)


def test_start_without_enough_free_memory_fails(world, make_vm):
    s = world(memory={"total_bytes": "8GB", "free_bytes": "1GB"}, vms=[make_vm(startup="4GB")])
    message = refused(s, "start")
    assert "4 GB" in message and "1 GB free" in message
    assert_simulated(message)
    assert s.facts.memory.free_bytes == GiB


@pytest.mark.parametrize("installed, present", [(False, False), (True, False)])
def test_start_on_a_host_without_a_running_hyper_v_fails(world, make_vm, installed, present):
    s = world(hyperv_installed=installed, hypervisor_present=present, vms=[make_vm()])
    message = refused(s, "start")
    if not installed:
        assert message == sim.NOT_RECOGNIZED.format("Start-VM")
    else:
        assert "hypervisor is not running" in message
        assert_simulated(message)


# ---------------------------------------------------------------- stop


def test_stop_shuts_down_and_frees_memory(world, make_vm):
    s = world(memory={"total_bytes": "8GB", "free_bytes": "2GB"}, vms=[make_vm(state="Running", startup="2GB")])
    result = act(s, "stop")
    assert result.ok and "shut down" in result.message
    assert vm_of(s).state == "Off" and s.facts.memory.free_bytes == 4 * GiB


def test_stop_an_off_vm_says_already_in_the_specified_state(world):
    """facts §1.1: Stop-VM on an Off VM only warns."""
    result = act(world(), "stop")
    assert result.ok and result.message == sim.ALREADY_IN_STATE


@pytest.mark.parametrize("state", ["Paused", "Saved"])
def test_stop_a_paused_or_saved_vm_needs_turn_off(world, make_vm, state):
    """facts §2.10 / §5.6: Paused → Stop-VM -TurnOff; Saved → discard or start and shut down."""
    s = world(vms=[make_vm(state=state)])
    message = refused(s, "stop")
    assert "--turn-off" in message
    assert_simulated(message)
    result = act(s, "stop", turn_off=True)
    said = {"Paused": "turned off", "Saved": "its saved state was discarded"}[state]
    assert result.ok and said in result.message and vm_of(s).state == "Off"


def test_stop_an_unsettled_vm_is_an_invalid_state(world, make_vm):
    assert refused(world(vms=[make_vm(state="Starting")]), "stop") == sim.INVALID_STATE


def test_stopping_a_vm_stops_the_vms_inside_it(world, make_vm, make_guest):
    s = world(vms=[make_vm(state="Running", nesting=True, guest=make_guest(
        hyperv_installed=True, vms=[make_vm("a", state="Running"), make_vm("b", state="Saved")]))])
    assert act(s, "stop").ok
    assert [(v.name, v.state) for v in vm_of(s).guest.vms] == [("a", "Off"), ("b", "Saved")]


# ---------------------------------------------------------------- save, checkpoint, resize, live-migrate


def test_save_a_running_vm(world, make_vm):
    s = world(vms=[make_vm(state="Running")])
    assert act(s, "save").ok and vm_of(s).state == "Saved"


@pytest.mark.parametrize("state", ["Off", "Saved", "Paused"])
def test_save_a_vm_that_is_not_running_is_an_invalid_state(world, make_vm, state):
    assert refused(world(vms=[make_vm(state=state)]), "save") == sim.INVALID_STATE


def test_checkpoint_counts_and_an_off_preview_nesting_vm_may_checkpoint(world, make_vm):
    """facts §2.1: only applying checkpoints to a *running* nesting VM fails."""
    s = world(os={"build": PREVIEW}, vms=[make_vm(version="7.0", nesting=True)])
    assert act(s, "checkpoint").ok and act(s, "checkpoint").ok
    assert vm_of(s).checkpoints == 2


def test_resize_an_off_vm_sets_its_startup_memory(world, make_vm):
    s = world(vms=[make_vm(startup="2GB")])
    result = act(s, "resize-memory", size="6GB")
    assert result.ok and vm_of(s).startup_bytes == 6 * GiB


def test_resize_a_running_vm_without_nesting_works_from_build_14393(world, make_vm):
    s = world(vms=[make_vm(state="Running", startup="2GB")])
    assert act(s, "resize-memory", size="3GB").ok and vm_of(s).startup_bytes == 3 * GiB


def test_resize_a_running_vm_without_nesting_works_on_the_preview(world, make_vm):
    """The blog: the limits "only apply to the first layer VM"; a VM without nesting resizes at build 10565."""
    s = world(os={"build": 10565}, vms=[make_vm(state="Running", startup="2GB")])
    result = s.vm_action("mock", "resize-memory", "myVM", size="3GB")
    assert result.ok and s.facts.find_vm("myVM").startup_bytes == 3 * 1024**3


def test_vm_sizes_are_at_least_32_mb_in_steps_of_2_mb(world):
    s = world()
    for size in ("3MB", "0", "33MB"):
        with pytest.raises(UsageProblem, match="at least 32 MB of memory, in steps of 2 MB"):
            s.vm_action("mock", "new", "tiny", memory=size)
    assert s.facts.find_vm("tiny") is None
    assert s.vm_action("mock", "new", "small", memory="32MB").ok


def test_resize_a_running_vm_with_dynamic_memory_fails(world, make_vm):
    message = refused(world(vms=[make_vm(state="Running", dynamic=True)]), "resize-memory", size="3GB")
    assert "dynamic memory" in message
    assert_simulated(message)


def test_resize_a_saved_vm_is_an_invalid_state(world, make_vm):
    assert refused(world(vms=[make_vm(state="Saved")]), "resize-memory", size="3GB") == sim.INVALID_STATE


@pytest.mark.parametrize("size, says", [(None, "needs a size"), ("huge", "size 'huge'"), ("-1GB", "negative")])
def test_resize_with_a_missing_or_bad_size_is_a_usage_problem(world, size, says):
    with pytest.raises(UsageProblem, match=says):
        act(world(), "resize-memory", size=size)


def test_live_migrate_needs_a_running_vm(world):
    message = refused(world(), "live-migrate")
    assert "only a running VM" in message
    assert_simulated(message)


def test_live_migrate_a_plain_running_vm(world, make_vm):
    result = act(world(vms=[make_vm(state="Running")]), "live-migrate")
    assert result.ok and "uncertain" not in result.message


# ---------------------------------------------------------------- new


def test_new_creates_an_off_vm_with_the_hosts_default_version(world):
    s = world(supported_vm_versions=["5.0", "8.0", "9.0"])
    result = act(s, "new", "fresh")
    assert result.ok and result.message.startswith("Created fresh (1 GB, version 9.0")
    vm = vm_of(s, "fresh")
    assert (vm.state, vm.version, vm.startup_bytes, vm.nesting) == ("Off", "9.0", GiB, False)
    assert [(a.switch, a.mac_spoofing) for a in vm.network_adapters] == [("External", False)]


def test_new_with_memory_and_start(world):
    s = world()
    result = act(s, "new", "fresh", memory="2GB", start=True)
    assert result.ok and result.message.endswith("fresh is Running")
    assert vm_of(s, "fresh").startup_bytes == 2 * GiB


def test_new_with_start_that_cannot_start_says_the_vm_was_created(world):
    s = world(memory={"total_bytes": "8GB", "free_bytes": "1GB"})
    result = act(s, "new", "fresh", memory="2GB", start=True)
    assert not result.ok
    assert result.message.startswith("Created fresh (2 GB") and "but it did not start: " in result.message
    assert vm_of(s, "fresh").state == "Off"


def test_new_with_a_name_that_exists_is_refused(world):
    message = refused(world(), "new", "MYVM")
    assert "already exists" in message
    assert_simulated(message)


def test_new_on_a_host_without_hyper_v_fails_like_a_missing_cmdlet(world):
    """facts §2.10: without the role, the Hyper-V cmdlets do not exist."""
    assert refused(world(hyperv_installed=False), "new", "x") == sim.NOT_RECOGNIZED.format("New-VM")


def test_new_inside_a_guest_without_hyper_v_fails_like_a_missing_cmdlet(world, make_vm, make_guest):
    s = world(vms=[make_vm(state="Running", nesting=True, guest=make_guest())])
    assert refused(s, "new", "myVM/inner") == sim.NOT_RECOGNIZED.format("New-VM")


def test_new_inside_a_vm_that_is_not_running_is_refused(world, make_vm, make_guest):
    s = world(vms=[make_vm(state="Off", guest=make_guest(hyperv_installed=True))])
    message = refused(s, "new", "myVM/inner")
    assert "start it" in message
    assert_simulated(message)


# ---------------------------------------------------------------- paths and usage


@pytest.mark.parametrize("path", ["", "myVM//x", "/myVM", "myVM/", " "])
def test_a_bad_vm_path_is_a_usage_problem(world, path):
    with pytest.raises(UsageProblem, match="bad VM path"):
        act(world(), "start", path)


def test_a_missing_vm_names_the_vms_that_exist(world, make_vm):
    with pytest.raises(UsageProblem, match=r"'ghost' does not exist on HV-TEST: VMs there are a, b"):
        act(world(vms=[make_vm("a"), make_vm("b")]), "start", "ghost")


def test_a_missing_nested_vm_names_the_vms_inside_its_parent(world, make_vm, make_guest):
    s = world(vms=[make_vm(state="Running", guest=make_guest(hyperv_installed=True, vms=[make_vm("inner")]))])
    with pytest.raises(UsageProblem, match=r"'myVM/ghost' does not exist on myVM: VMs there are inner"):
        act(s, "start", "myVM/ghost")


def test_a_path_inside_a_vm_whose_guest_is_unknown_says_start_it_first(world):
    with pytest.raises(UsageProblem, match="start it first"):
        act(world(), "start", "myVM/inner")


def test_an_unknown_action_is_a_usage_problem(world):
    with pytest.raises(UsageProblem, match="unknown VM action 'reboot'"):
        act(world(), "reboot")


def test_backslash_paths_work_like_slashes(world, make_vm, make_guest):
    s = world(vms=[make_vm(state="Running", nesting=True, guest=make_guest(hyperv_installed=True,
                                                                           vms=[make_vm("inner")]))])
    assert vm_of(s, "myVM\\inner").name == "inner"


# ---------------------------------------------------------------- install-hyperv


def test_install_hyperv_needs_a_running_vm(world, make_vm, make_guest):
    message = refused(world(vms=[make_vm(nesting=True, guest=make_guest())]), "install-hyperv")
    assert "must be Running" in message
    assert_simulated(message)


def test_install_hyperv_in_a_nesting_guest(world, make_vm, make_guest):
    """Blog step 3 (facts §2.6): install Hyper-V in the guest once EVE is on; the guest then offers the
    versions of the host above."""
    s = world(vms=[make_vm(state="Running", nesting=True, guest=make_guest())])
    result = act(s, "install-hyperv")
    assert result.ok and "installed" in result.message
    guest = vm_of(s).guest
    assert guest.hyperv_installed and guest.hypervisor_present
    assert guest.supported_vm_versions == ["5.0", "8.0"]
    assert act(s, "install-hyperv").message == "Hyper-V is already installed in myVM"


def test_a_running_vm_whose_guest_was_unknown_is_found_booted_when_acted_inside(world, make_vm):
    """A scenario may leave a running VM's guest null (no guest access); Invoke-Command -VMName still reaches it."""
    s = world(vms=[make_vm(state="Running", nesting=True)])
    with pytest.raises(UsageProblem, match=r"'myVM/inner' does not exist on myVM: VMs there are none"):
        act(s, "start", "myVM/inner")
    s = world(vms=[make_vm(state="Running", nesting=True)])
    assert act(s, "install-hyperv").ok and vm_of(s).guest.hyperv_installed


def test_install_hyperv_in_a_guest_older_than_10565_fails(world, make_vm, make_guest):
    """facts §2.1: both hypervisors must be on 10565 or later."""
    s = world(vms=[make_vm(state="Running", nesting=True, guest=make_guest(os={"build": 10240}))])
    message = refused(s, "install-hyperv")
    assert "10565" in message
    assert_simulated(message)


# ---------------------------------------------------------------- changes


def test_the_simulator_applies_every_kind_of_change_a_plan_makes(connect_doc, make_vm, make_guest):
    """Two plans between them hold every change id (contracts §4); the mock applies each and ends ready."""
    applied = set()
    saved = make_vm("saved", state="Saved", version="5.0", dynamic=True, startup="2GB", mac_spoofing=False)
    running = make_vm("running", state="Running", version="9.0", dynamic=True, startup="2GB", mac_spoofing=False,
                      guest=make_guest(hyperv_installed=True))
    host = connect_doc(supported_vm_versions=["5.0", "9.0"], memory={"total_bytes": "64GB", "free_bytes": "48GB"},
                       vms=[saved, running])
    for vm, options in (("saved", dict(discard_saved_state=True, update_version=True, install_hyperv=True,
                                       networking="nat")),
                        ("running", dict())):
        result = host.plan_enable(vm, **options).apply(confirm=True)
        assert result.failed is None, result.failed
        assert result.after.verdict == "ready", vm
        applied |= {c.id for c in result.applied}
    assert applied == set(CHANGE_IDS)


@pytest.mark.parametrize("change_id, params", [
    ("update-version", {}),
    ("expose-extensions", {"value": True}),
    ("disable-dynamic-memory", {"value": False}),
    ("set-startup-memory", {"value": 4 * GiB}),
])
def test_changes_that_need_the_vm_off_fail_on_a_running_vm(world, make_vm, change_id, params):
    """facts §2.3, §2.8: EVE, memory and Update-VMVersion change only while the VM is Off."""
    s = world(vms=[make_vm(state="Running", version="5.0", dynamic=True, startup="2GB")])
    before = s.facts.to_dict()
    assert apply_refused(s, change_id, **params) == sim.INVALID_STATE
    assert s.facts.to_dict() == before


def test_changes_on_an_off_vm(world, make_vm):
    s = world(supported_vm_versions=["5.0", "9.0"], vms=[make_vm(version="5.0", dynamic=True, startup="2GB",
                                                                 mac_spoofing=False)])
    for change_id, params in [("update-version", {}), ("expose-extensions", {"value": True}),
                              ("disable-dynamic-memory", {"value": False}),
                              ("set-startup-memory", {"value": 4 * GiB}), ("enable-mac-spoofing", {"value": True})]:
        s.apply_change(change(change_id, **params))
    vm = vm_of(s)
    assert (vm.version, vm.nesting, vm.dynamic_memory, vm.startup_bytes) == ("9.0", True, False, 4 * GiB)
    assert all(a.mac_spoofing for a in vm.network_adapters)


def test_mac_spoofing_changes_on_a_running_vm(world, make_vm):
    """facts §2.3: Set-VMNetworkAdapter -MacAddressSpoofing works while the VM runs."""
    s = world(vms=[make_vm(state="Running", adapters=[{"name": "a"}, {"name": "b"}])])
    s.apply_change(change("enable-mac-spoofing", value=True))
    assert [a.mac_spoofing for a in vm_of(s).network_adapters] == [True, True]


def test_discard_saved_state(world, make_vm):
    s = world(vms=[make_vm(state="Saved")])
    s.apply_change(change("discard-saved-state"))
    assert vm_of(s).state == "Off"
    assert apply_refused(s, "discard-saved-state") == sim.INVALID_STATE


def test_stop_vm_change_with_and_without_turn_off(world, make_vm):
    s = world(vms=[make_vm(state="Paused")])
    assert "--turn-off" in apply_refused(s, "stop-vm")
    s.apply_change(change("stop-vm", turn_off=True))
    assert vm_of(s).state == "Off"


def test_start_vm_change_raises_hyper_vs_refusal(world, make_vm):
    s = world(os={"build": 19045}, cpu={"vendor": "AuthenticAMD"}, vms=[make_vm(nesting=True)])
    assert apply_refused(s, "start-vm") == sim.NO_NESTING_PLATFORM


def test_install_hyperv_change_raises_hypervisor_already_running(world, make_vm):
    s = world(vms=[make_vm(state="Running", guest={})])
    assert apply_refused(s, "install-hyperv") == sim.HYPERVISOR_RUNNING


def test_guest_nat_needs_a_running_vm_with_hyper_v_inside(world, make_vm, make_guest):
    """facts §2.3: New-VMSwitch / New-NetNat run inside the L1."""
    off = world(vms=[make_vm(guest=make_guest(hyperv_installed=True))])
    assert_simulated(apply_refused(off, "guest-nat"))
    bare = world(vms=[make_vm(state="Running", guest=make_guest())])
    assert apply_refused(bare, "guest-nat") == sim.NOT_RECOGNIZED.format("New-VMSwitch")


def test_guest_nat_adds_and_removes_the_switch_and_the_nat(world, make_vm, make_guest):
    s = world(vms=[make_vm(state="Running", guest=make_guest(hyperv_installed=True))])
    params = {"switch": "VmNAT", "nat_name": "LocalNAT", "prefix": "192.168.100.0/24"}
    s.apply_change(change("guest-nat", **params))
    guest = vm_of(s).guest
    assert [(n.name, n.prefix) for n in guest.nat] == [("LocalNAT", "192.168.100.0/24")]
    assert [(w.name, w.type) for w in guest.switches] == [("VmNAT", "Internal")]
    s.apply_change(change("guest-nat", remove=True, **params))
    assert guest.nat == [] and guest.switches == []


def test_a_plans_changes_apply_in_order_to_reach_ready(make_facts, make_vm):
    facts = make_facts(os={"build": PREVIEW}, supported_vm_versions=["5.0", "7.0"],
                       vms=[make_vm(state="Running", version="7.0", dynamic=True, startup="2GB", mac_spoofing=False)])
    plan = plan_enable(facts, "myVM", EnableOptions(install_hyperv=True))
    s = Simulator(facts)
    for c in plan.changes:
        s.apply_change(c)
    vm = vm_of(s)
    assert vm.state == "Running" and vm.nesting and vm.guest.hyperv_installed


# ---------------------------------------------------------------- faults and latency


def test_a_fault_on_an_action_fails_it_with_the_scenarios_message(world, make_vm):
    """contracts §2: faults = [{operation, vm, message}]; every time unless `times` is given."""
    s = world(faults=[{"operation": "start", "vm": "myvm", "message": "Injected: start failed"}],
              vms=[make_vm(), make_vm("other")])
    assert refused(s, "start") == "Injected: start failed"
    assert refused(s, "start") == "Injected: start failed"
    assert act(s, "start", "other").ok                      # another VM is not affected


def test_a_fault_with_times_fires_that_many_times(world):
    s = world(faults=[{"operation": "checkpoint", "message": "flaky", "times": 2}])
    assert [act(s, "checkpoint").ok for _ in range(4)] == [False, False, True, True]


def test_a_fault_without_a_vm_matches_every_vm(world, make_vm):
    s = world(faults=[{"operation": "stop", "message": "no"}], vms=[make_vm("a", state="Running"),
                                                                   make_vm("b", state="Running")])
    assert refused(s, "stop", "a") == "no" and refused(s, "stop", "b") == "no"


def test_a_fault_on_new_names_the_new_vm(world):
    s = world(faults=[{"operation": "new", "vm": "fresh", "message": "disk full"}])
    assert refused(s, "new", "fresh") == "disk full"
    assert act(s, "new", "other").ok
    assert s.facts.find_vm("fresh") is None


def test_a_fault_on_a_change_fails_apply_change(world):
    s = world(faults=[{"operation": "expose-extensions", "vm": "myVM", "message": "Failed to modify device "
                                                                                  "'Processor'."}])
    assert apply_refused(s, "expose-extensions", value=True) == "Failed to modify device 'Processor'."
    assert vm_of(s).nesting is False


def test_a_fault_on_facts_fails_gathering(world):
    s = world(faults=[{"operation": "facts", "message": "WinRM timed out", "times": 1}])
    with pytest.raises(ActionRefused, match="WinRM timed out"):
        s.gather()
    assert s.gather() is s.facts


def test_latency_is_added_to_every_operation(make_doc):
    slept = []
    s = scenario_from_document(make_doc(latency_ms=250)).simulator(sleep=slept.append)
    s.gather()
    act(s, "start")
    s.apply_change(change("enable-mac-spoofing", value=True))
    assert slept == [0.25, 0.25, 0.25]


def test_no_latency_means_no_sleep(make_facts):
    s = Simulator(make_facts(), sleep=lambda _: pytest.fail("slept"))
    s.gather()
    act(s, "start")


# ---------------------------------------------------------------- "(simulated" marking


def test_real_hyper_v_texts_are_not_marked_simulated():
    """facts §3: these are quoted from real reports."""
    for text in REAL_TEXTS:
        assert_real(text)
    assert sim.simulated("x") == "x (simulated: no real Hyper-V text for this case is known)"


# ---------------------------------------------------------------- any depth


@pytest.fixture
def deep_host():
    """L0 → L1 → L2 → L3 built with VM actions and enable plans on the blog's host (blog steps 1-4)."""
    import nested_magics as nm

    host = nm.connect("mock")
    # each level lives in the memory of the one above (less 1 GB for its own OS): 12 GB > 8 GB > 4 GB > 1 GB
    assert host.plan_enable("myVM", install_hyperv=True, memory="12GB").apply(confirm=True).after.verdict == "ready"
    assert host.vm("new", "myVM/nestedVM").ok
    assert host.plan_enable("myVM/nestedVM", install_hyperv=True, memory="8GB").apply(confirm=True).after.verdict == "ready"
    assert host.vm("new", "myVM/nestedVM/deepVM", start=True).ok
    return host


def test_nesting_goes_to_any_depth(deep_host):
    """facts §2.6 (TLFS terms L0/L1/L2): nesting is per VM, so it recurses; here to L3 and L4."""
    tree = deep_host.tree()
    assert [(n.name, n.level, n.state, n.nesting, n.hyperv) for n in tree.walk()] == [
        ("TH2-DESKTOP", 0, None, True, True),
        ("myVM", 1, "Running", True, True),
        ("nestedVM", 2, "Running", True, True),
        ("deepVM", 3, "Running", False, False),
    ]
    assert tree.depth == 3
    message = deep_host.vm("install-hyperv", "myVM/nestedVM/deepVM").message
    assert message == sim.HYPERVISOR_RUNNING               # L3 without nesting, as at L1 (facts §3)
    result = deep_host.plan_enable("myVM/nestedVM/deepVM", install_hyperv=True).apply(confirm=True)
    assert [c.id for c in result.applied] == ["stop-vm", "expose-extensions", "set-startup-memory", "start-vm",
                                              "install-hyperv"]
    assert deep_host.vm("new", "myVM/nestedVM/deepVM/l4", start=True).ok
    assert deep_host.tree().depth == 4


def test_a_vm_inside_a_guest_without_nesting_cannot_start(deep_host):
    """facts §3 (docker/for-win #11499): "Failed to start the virtual machine '<name>' because one of the
    Hyper-V components is not running." when the VM above has no EVE."""
    host = deep_host
    # Turn nesting off on nestedVM (the way its revert would), restart it and try its inner VM again.
    assert host.vm("stop", "myVM/nestedVM").ok
    s = host.backend.simulator
    s.apply_change(Change("expose-extensions", "nestedVM", "x", True, False, "ps", True,
                          {"vm": "nestedVM", "path": "myVM/nestedVM", "value": False}))
    assert host.vm("start", "myVM/nestedVM").ok
    result = host.vm("start", "myVM/nestedVM/deepVM")
    assert not result.ok
    assert result.message == "Failed to start the virtual machine 'deepVM' because one of the Hyper-V components " \
                             "is not running."


def test_acting_inside_a_stopped_vm_is_refused(deep_host):
    assert deep_host.vm("stop", "myVM").ok
    states = [(n.name, n.state) for n in deep_host.tree().walk()][1:]
    assert states == [("myVM", "Off"), ("nestedVM", "Off"), ("deepVM", "Running")]
    result = deep_host.vm("start", "myVM/nestedVM")
    assert not result.ok and "start it before" in result.message
    assert_simulated(result.message)


def test_a_vm_inside_a_guest_without_hyper_v_cannot_start(world, make_vm, make_guest):
    """facts §2.10: no role, no Start-VM cmdlet."""
    s = world(vms=[make_vm(state="Running", nesting=True, guest=make_guest(vms=[make_vm("inner")]))])
    assert refused(s, "start", "myVM/inner") == sim.NOT_RECOGNIZED.format("Start-VM")


def test_the_guest_host_for_planning_inherits_the_physical_cpu_only_through_nesting(deep_host):
    """facts §2.10: inside a VM, VT-x is visible only when the VM above exposes it."""
    inside_l1 = deep_host.backend.host_for("myVM/nestedVM")
    assert (inside_l1.cpu.vendor, inside_l1.cpu.vmx, inside_l1.hypervisor_present) == ("GenuineIntel", True, True)
    inside_l2 = deep_host.backend.host_for("myVM/nestedVM/deepVM")
    assert inside_l2.hypervisor_present is True
    assert deep_host.backend.host_for("myVM") is deep_host.backend.simulator.facts


def test_every_refusal_the_simulator_gives_is_a_quoted_text_or_marked_simulated():
    """contracts §2 / facts §3, §6: a refusal's text is Hyper-V's (or PowerShell's) own where one is quoted,
    else it says "(simulated". Every VM action and every change, on every VM of every bundled scenario, in
    every settled state, with and without nesting: whatever is refused says which it is."""
    import copy

    from nested_magics.backends.mock import bundled_names, load_scenario
    from nested_magics.vocabulary import VM_ACTIONS

    quoted = [sim.INVALID_STATE, sim.ALREADY_IN_STATE, sim.NO_NESTING_PLATFORM, sim.HYPERVISOR_RUNNING]
    patterns = [re.escape(t).replace(r"\{0\}", ".*").replace(r"\{1\}", ".*") for t in
                (sim.COMPONENTS_NOT_RUNNING, sim.VERSION_NOT_SUPPORTED, sim.NOT_RECOGNIZED)]
    messages: set[str] = set()
    for name in bundled_names():
        original = load_scenario(name)
        for vm in [v.name for v in original.vms]:
            for state in ("Off", "Running", "Saved", "Paused"):
                for nesting in (False, True):
                    facts = copy.deepcopy(original)
                    target = facts.find_vm(vm)
                    target.state, target.expose_virtualization_extensions = state, nesting
                    for action in VM_ACTIONS:
                        for path in ((vm + "/new", "new") if action == "new" else (vm,)):
                            try:
                                result = Simulator(copy.deepcopy(facts)).vm_action("mock", action, path,
                                                     size="6GB" if action == "resize-memory" else None)
                            except UsageProblem:        # e.g. nothing known inside an Off VM: not a refusal
                                continue
                            if not result.ok:
                                messages.add(result.message)
                    for change_id in CHANGE_IDS:
                        try:
                            Simulator(copy.deepcopy(facts)).apply_change(change(change_id, vm, value=True))
                        except ActionRefused as refused:
                            messages.add(str(refused))
    assert len(messages) > 25          # the sweep reaches many different refusals
    for message in messages:
        assert ("(simulated" in message or message in quoted
                or any(re.fullmatch(p, message) for p in patterns)), message


def test_applying_a_checkpoint_to_a_running_nesting_vm_fails_on_the_preview(world, make_vm):
    """The blog: "Applying checkpoints to a running VM will fail" (2015 preview, nesting on)."""
    s = world(os={"build": 10565}, vms=[make_vm(state="Running", nesting=True, checkpoints=1)])
    message = refused(s, "apply-checkpoint")
    assert "Applying checkpoints to a running VM will fail" in message
    assert_simulated(message)
    current = world(os={"build": 14393}, vms=[make_vm(state="Running", nesting=True, checkpoints=1, version="8.0")])
    assert current.vm_action("mock", "apply-checkpoint", "myVM").ok          # fixed in build 14361 (facts §2.2)


def test_a_version_written_without_its_minor_part_still_starts(world, make_vm):
    s = world(supported_vm_versions=["8.0", "10.0"], vms=[make_vm(version="10", state="Off")])
    assert s.vm_action("mock", "start", "myVM").ok
