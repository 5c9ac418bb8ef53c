"""The enable planner and applying its plans (contracts §4): order, `when` on the state left by earlier
changes, refusals, consent, stale plans, failing halfway, idempotent re-runs and reverting."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nested_magics as nm
from nested_magics.errors import UsageProblem
from nested_magics.load import load_facts
from nested_magics.changes import CHANGE_IDS
from nested_magics.planner import plan_enable, revert_changes
from nested_magics.model.plan import EnableOptions
from nested_magics.model.sizes import GiB

PREVIEW, CURRENT = 10565, 14393


def ids(plan) -> list[str]:
    return [c.id for c in plan.changes]


def plan_for(make_facts, make_vm, options: EnableOptions | None = None, host: dict | None = None, **vm):
    return plan_enable(make_facts(vms=[make_vm(**vm)], **(host or {})), "myVM", options)


def opts(**kw) -> EnableOptions:
    return EnableOptions.build(**kw)


# ---------------------------------------------------------------- order


def test_every_change_in_the_contract_order_from_a_running_vm(make_facts, make_vm, make_guest):
    """contracts §4 order: stop-vm, update-version, expose-extensions, disable-dynamic-memory, set-startup-memory,
    enable-mac-spoofing, start-vm, install-hyperv, guest-nat (facts §5.6 enable sequence)."""
    plan = plan_for(make_facts, make_vm, opts(update_version=True, install_hyperv=True, networking="mac-spoofing"),
                    state="Running", version="5.0", dynamic=True, startup="2GB", mac_spoofing=False,
                    guest=make_guest())
    assert ids(plan) == ["stop-vm", "update-version", "expose-extensions", "disable-dynamic-memory",
                         "set-startup-memory", "enable-mac-spoofing", "start-vm", "install-hyperv"]
    plan = plan_for(make_facts, make_vm, opts(update_version=True, install_hyperv=True, networking="nat"),
                    state="Running", version="5.0", dynamic=True, startup="2GB", mac_spoofing=False,
                    guest=make_guest())
    assert ids(plan) == ["stop-vm", "update-version", "expose-extensions", "disable-dynamic-memory",
                         "set-startup-memory", "start-vm", "install-hyperv", "guest-nat"]


def test_a_saved_vm_is_discarded_and_not_stopped_again(make_facts, make_vm):
    """`when` on the state left before: discard-saved-state leaves it Off, so no stop-vm (facts §1.1: the 2015
    script ran Stop-VM anyway and got "already in the specified state")."""
    plan = plan_for(make_facts, make_vm, opts(discard_saved_state=True, update_version=True, start=True),
                    state="Saved", version="5.0", startup="4GB")
    assert ids(plan) == ["discard-saved-state", "update-version", "expose-extensions", "start-vm"]
    assert plan.changes[-1].before == "Off"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=st.sampled_from(["Off", "Running", "Saved", "Paused"]), nesting=st.booleans(), dynamic=st.booleans(),
       startup=st.sampled_from([GiB, 4 * GiB]), spoof=st.sampled_from([None, True, False]),
       version=st.sampled_from(["7.0", "8.0"]), build=st.sampled_from([PREVIEW, CURRENT]),
       guest=st.sampled_from([None, False, True]), networking=st.sampled_from(["mac-spoofing", "nat", "none"]),
       flags=st.fixed_dictionaries({k: st.booleans() for k in ("start", "install_hyperv", "turn_off",
                                                                "update_version", "discard_saved_state")}))
def test_changes_always_come_in_the_contract_order_each_at_most_once(make_doc, state, nesting, dynamic, startup,
                                                                     spoof, version, build, guest, networking, flags):
    """contracts §4: one order, whatever the VM and the options."""
    vm = {"name": "myVM", "state": state, "version": version,
          "processor": {"expose_virtualization_extensions": nesting},
          "memory": {"startup_bytes": startup, "dynamic": dynamic},
          "network_adapters": [] if spoof is None else [{"name": "n", "mac_spoofing": spoof}]}
    if guest is not None:
        vm["guest"] = {"hyperv_installed": guest}
    facts = load_facts(make_doc(os={"build": build}, vms=[vm]))
    plan = plan_enable(facts, "myVM", EnableOptions(networking=networking, **flags))
    order = [CHANGE_IDS.index(i) for i in ids(plan)]
    assert order == sorted(set(order))
    if plan.refused is None:
        assert not ({"stop-vm", "discard-saved-state"} <= set(ids(plan)))


# ---------------------------------------------------------------- when


def test_the_blogs_vm_gets_what_enable_nestedvm_ps1_did(make_facts, make_vm):
    """facts §1.1: EVE, dynamic memory off, MAC spoofing, 4 GB; the VM is not started again."""
    plan = plan_for(make_facts, make_vm, host={"os": {"build": PREVIEW}}, version="7.0", dynamic=True,
                    startup="2GB", mac_spoofing=False)
    assert ids(plan) == ["expose-extensions", "disable-dynamic-memory", "set-startup-memory", "enable-mac-spoofing"]


def test_a_ready_vm_needs_no_change(make_facts, make_vm):
    plan = plan_for(make_facts, make_vm, nesting=True, startup="4GB", mac_spoofing=True)
    assert plan.ok and plan.changes == []
    assert "nothing to change" in repr(plan)


def test_a_running_vm_is_started_again_after_being_stopped(make_facts, make_vm):
    """contracts §4: start-vm when it was Running before."""
    plan = plan_for(make_facts, make_vm, state="Running", startup="4GB")
    assert ids(plan) == ["stop-vm", "expose-extensions", "start-vm"]
    assert (plan.changes[0].before, plan.changes[0].after) == ("Running", "Off")
    assert (plan.changes[-1].before, plan.changes[-1].after) == ("Off", "Running")


def test_mac_spoofing_changes_while_the_vm_runs(make_facts, make_vm):
    """facts §2.3 / contracts §4: enable-mac-spoofing needs no stop."""
    plan = plan_for(make_facts, make_vm, state="Running", nesting=True, startup="4GB", mac_spoofing=False)
    assert ids(plan) == ["enable-mac-spoofing"]


def test_warning_only_changes_never_stop_a_vm(make_facts, make_vm):
    """contracts §4: a change that needs the VM Off but only fixes a warning is planned only when the VM is Off
    or stopped anyway (facts §2.3: dynamic memory is a warning since 2016)."""
    plan = plan_for(make_facts, make_vm, state="Running", nesting=True, dynamic=True, startup="2GB",
                    mac_spoofing=True)
    assert plan.ok and ids(plan) == []


def test_warning_only_changes_ride_along_when_the_vm_is_stopped_anyway(make_facts, make_vm):
    """contracts §4: stopped anyway for the extensions, so memory is fixed too."""
    plan = plan_for(make_facts, make_vm, state="Running", dynamic=True, startup="2GB", mac_spoofing=True)
    assert ids(plan) == ["stop-vm", "expose-extensions", "disable-dynamic-memory", "set-startup-memory", "start-vm"]


def test_preview_dynamic_memory_stops_a_running_nesting_vm(make_facts, make_vm):
    """facts §2.1: in 2015 dynamic memory prevents booting, so it is a fail worth a stop."""
    plan = plan_for(make_facts, make_vm, host={"os": {"build": PREVIEW}}, state="Running", nesting=True,
                    dynamic=True, startup="4GB", version="7.0")
    assert ids(plan) == ["stop-vm", "disable-dynamic-memory", "start-vm"]


@pytest.mark.parametrize("memory, startup, expected", [
    (None, "2GB", [4 * GiB]),          # default 4 GiB (facts §1.1)
    ("keep", "2GB", []),
    ("8GB", "4GB", [8 * GiB]),
    ("2GB", "4GB", []),                # only ever raised
    ("6 GiB", None, [6 * GiB]),        # unknown startup memory
])
def test_startup_memory_option(make_facts, make_vm, memory, startup, expected):
    """contracts §4: set-startup-memory when startup < requested (default 4 GiB), `--memory keep` skips."""
    plan = plan_for(make_facts, make_vm, opts(memory=memory), startup=startup)
    assert [c.after for c in plan.changes if c.id == "set-startup-memory"] == expected


@pytest.mark.parametrize("networking, expected", [("mac-spoofing", True), ("none", False)])
def test_networking_mode(make_facts, make_vm, networking, expected):
    """contracts §4: --networking mac-spoofing (default) or none."""
    plan = plan_for(make_facts, make_vm, opts(networking=networking), nesting=True, startup="4GB",
                    adapters=[{"name": "a", "mac_spoofing": True}, {"name": "b", "mac_spoofing": False}])
    assert ("enable-mac-spoofing" in ids(plan)) is expected


def test_start_option_starts_an_off_vm(make_facts, make_vm):
    plan = plan_for(make_facts, make_vm, opts(start=True), nesting=True, startup="4GB", mac_spoofing=True)
    assert ids(plan) == ["start-vm"]


@pytest.mark.parametrize("guest, planned", [(None, True), (False, True), (True, False)])
def test_install_hyperv_unless_known_installed(make_facts, make_vm, make_guest, guest, planned):
    """The blog's step 3 (facts §2.6): install Hyper-V in the guest, which starts the VM first."""
    g = None if guest is None else make_guest(hyperv_installed=guest)
    plan = plan_for(make_facts, make_vm, opts(install_hyperv=True), nesting=True, startup="4GB", mac_spoofing=True,
                    guest=g)
    assert ids(plan) == (["start-vm", "install-hyperv"] if planned else ["start-vm"])
    if planned:
        assert plan.changes[-1].reversible is False


def test_guest_nat_with_hyperv_known_installed(make_facts, make_vm, make_guest):
    """facts §2.3: New-VMSwitch -SwitchType Internal plus New-NetNat, Microsoft's 192.168.100.0/24 example."""
    plan = plan_for(make_facts, make_vm, opts(networking="nat"), nesting=True, startup="4GB", mac_spoofing=False,
                    guest=make_guest(hyperv_installed=True))
    assert ids(plan) == ["start-vm", "guest-nat"]
    nat = plan.changes[-1]
    assert nat.after == "LocalNAT 192.168.100.0/24"
    # The names travel into the guest as -ArgumentList values (a script block cannot see the host's variables).
    assert "-ArgumentList 'VmNAT', 'LocalNAT', '192.168.100.0/24'" in nat.powershell
    assert "New-VMSwitch -Name $switch -SwitchType Internal" in nat.powershell
    assert "New-NetNat -Name $nat -InternalIPInterfaceAddressPrefix $prefix" in nat.powershell


def test_guest_nat_already_there_is_not_planned_again(make_facts, make_vm, make_guest):
    plan = plan_for(make_facts, make_vm, opts(networking="nat"), state="Running", nesting=True, startup="4GB",
                    guest=make_guest(hyperv_installed=True, nat=[{"name": "LocalNAT"}]))
    assert ids(plan) == []


def test_update_version_moves_to_the_hosts_default(make_facts, make_vm):
    """facts §2.8: Update-VMVersion moves the VM to the host's default version; it cannot be undone."""
    plan = plan_for(make_facts, make_vm, opts(update_version=True), host={"supported_vm_versions": ["5.0", "9.0"]},
                    version="5.0")
    change = plan.changes[0]
    assert (change.id, change.before, change.after, change.reversible) == ("update-version", "5.0", "9.0", False)
    assert change.powershell == "Get-VM -Name 'myVM' | Update-VMVersion -Force -Confirm:$false"


def test_every_change_carries_the_contract_fields(make_facts, make_vm, make_guest):
    """contracts §4: target, setting, before, after, powershell, reversible."""
    plan = plan_for(make_facts, make_vm, opts(update_version=True, install_hyperv=True, networking="nat"),
                    state="Running", version="5.0", dynamic=True, startup="2GB", guest=make_guest())
    for change in plan.changes:
        d = change.to_dict()
        assert list(d) == ["id", "target", "setting", "before", "after", "powershell", "reversible"]
        assert d["target"] == "myVM" and d["setting"] and d["powershell"]
        assert "'myVM'" in d["powershell"]
        assert d["reversible"] is (d["id"] not in ("update-version", "install-hyperv", "discard-saved-state"))
    assert plan.to_dict()["refused"] is None


# ---------------------------------------------------------------- refusals


def test_a_host_that_fails_refuses_the_plan(make_facts, make_vm):
    """facts §2.5: AMD on Windows 10 cannot nest; failed.id = "host" with the reason."""
    plan = plan_for(make_facts, make_vm, host={"os": {"build": 19045}, "cpu": {"vendor": "AuthenticAMD"}})
    assert plan.refused.id == "host"
    assert "AMD processors need Windows 11" in plan.refused.message
    assert plan.changes == [] and not plan.ok


def test_vbs_in_preview_refuses_the_plan(make_facts, make_vm):
    """facts §2.1: VBS hosts cannot expose the extensions in the 2015 preview."""
    plan = plan_for(make_facts, make_vm, host={"os": {"build": PREVIEW}, "vbs": {"status": 2}}, version="7.0")
    assert plan.refused.id == "host" and "Virtualization-based security" in plan.refused.message


def test_saved_without_discard_is_refused_naming_the_option(make_facts, make_vm):
    """facts §2.10: Saved means Remove-VMSavedState, which loses what is in memory."""
    plan = plan_for(make_facts, make_vm, state="Saved")
    assert plan.refused.id == "discard-saved-state"
    assert "--discard-saved-state" in plan.refused.message


def test_an_old_version_without_update_version_is_refused_naming_the_option(make_facts, make_vm):
    """facts §2.2: 8.0 required since 14361."""
    plan = plan_for(make_facts, make_vm, version="7.0")
    assert plan.refused.id == "update-version"
    assert "--update-version" in plan.refused.message


def test_a_version_the_host_cannot_offer_is_refused_naming_the_need_for_a_newer_host(make_facts, make_vm):
    """facts §2.8: Windows 10 tops out at 9.2, AMD needs 9.3."""
    plan = plan_for(make_facts, make_vm, opts(update_version=True),
                    host={"os": {"build": 22000}, "cpu": {"vendor": "AuthenticAMD"},
                          "supported_vm_versions": ["8.0", "9.2"]}, version="9.2")
    assert plan.refused.id == "update-version" and "newer host" in plan.refused.message


def test_paused_without_turn_off_is_refused(make_facts, make_vm):
    """facts §2.10 / §5.6: a Paused VM must be turned off (Stop-VM -TurnOff) or resumed."""
    plan = plan_for(make_facts, make_vm, state="Paused")
    assert plan.refused.id == "stop-vm" and "--turn-off" in plan.refused.message


def test_paused_with_turn_off_is_turned_off(make_facts, make_vm):
    plan = plan_for(make_facts, make_vm, opts(turn_off=True), state="Paused", startup="4GB")
    assert ids(plan) == ["stop-vm", "expose-extensions"]
    assert plan.changes[0].powershell == "Get-VM -Name 'myVM' | Stop-VM -TurnOff -Confirm:$false"


def test_a_running_vm_is_shut_down_gracefully_unless_turn_off(make_facts, make_vm):
    """facts §1.1 / §5.6: plain Stop-VM is graceful; -TurnOff only with the opt-in."""
    graceful = plan_for(make_facts, make_vm, state="Running")
    graceful_ps = graceful.changes[0].powershell
    assert graceful_ps.startswith("$vm = Get-VM -Name 'myVM'; ") and graceful_ps.endswith("Stop-VM -VM $vm -Confirm:$false")
    assert "Get-VMIntegrationService" in graceful_ps and "-TurnOff" not in graceful_ps   # shown: the check it runs
    forced = plan_for(make_facts, make_vm, opts(turn_off=True), state="Running")
    assert forced.changes[0].powershell == "Get-VM -Name 'myVM' | Stop-VM -TurnOff -Confirm:$false"


@pytest.mark.parametrize("state", ["Starting", "Stopping", "Saving", "Pausing", "Resuming"])
def test_an_unsettled_vm_is_refused_at_stop_vm(make_facts, make_vm, state):
    """facts §5.3: transitional states; wait for it to settle."""
    plan = plan_for(make_facts, make_vm, opts(turn_off=True, discard_saved_state=True), state=state)
    assert plan.refused.id == "stop-vm" and "wait" in plan.refused.message


def test_guest_nat_without_hyperv_in_the_guest_is_refused_naming_install_hyperv(make_facts, make_vm, make_guest):
    """facts §2.3: NAT in the L1 needs Hyper-V's switch there."""
    for guest in (None, make_guest(hyperv_installed=False)):
        plan = plan_for(make_facts, make_vm, opts(networking="nat"), nesting=True, guest=guest)
        assert plan.refused.id == "guest-nat" and "--install-hyperv" in plan.refused.message


def test_enabling_a_vm_that_does_not_exist_is_a_usage_error_listing_the_vms(make_facts, make_vm):
    with pytest.raises(UsageProblem, match=r"'ghost' does not exist on HV-TEST: VMs there are alpha, beta"):
        plan_enable(make_facts(vms=[make_vm("alpha"), make_vm("beta")]), "ghost")


def test_vm_names_match_case_insensitively_and_the_plan_uses_hyper_vs_spelling(make_facts, make_vm):
    plan = plan_enable(make_facts(vms=[make_vm("myVM")]), "MYVM")
    assert plan.vm == "myVM" and plan.changes[0].target == "myVM"


def test_planning_changes_nothing(make_facts, make_vm):
    facts = make_facts(vms=[make_vm(state="Running", dynamic=True)])
    before = facts.to_dict()
    plan_enable(facts, "myVM", opts(turn_off=True, install_hyperv=True))
    assert facts.to_dict() == before


# ---------------------------------------------------------------- options


@pytest.mark.parametrize("options, says", [
    ({"colour": "red"}, "unknown enable option 'colour'"),
    ({"networking": "bridge"}, "--networking 'bridge'"),
    ({"memory": "-4GB"}, "negative"),
    ({"memory": "lots"}, "--memory 'lots'"),
    ({"memory": "16MB"}, "at least 32 MB"),
    ({"start": "yes"}, "expected true or false"),
])
def test_bad_enable_options_are_usage_problems(options, says):
    with pytest.raises(UsageProblem, match=says):
        EnableOptions.build(**options)


def test_options_take_dashed_or_underscored_names_and_none_means_default():
    options = EnableOptions.build(**{"install-hyperv": True, "turn_off": True, "memory": None, "networking": None})
    assert options.install_hyperv and options.turn_off
    assert options.memory == 4 * GiB and options.networking == "mac-spoofing"
    assert EnableOptions.build(memory="KEEP").to_dict()["memory"] == "keep"


# ---------------------------------------------------------------- applying: consent, stale, halfway, revert


def vm_doc(host, name="myVM"):
    return next(v for v in host.facts().to_dict()["vms"] if v["name"] == name)


def test_nothing_changes_without_consent(connect_doc, make_vm):
    host = connect_doc(vms=[make_vm(dynamic=True)])
    before = host.facts().to_dict()
    for confirm in (False, None, "yes", 1, lambda plan: False):
        result = host.plan_enable("myVM").apply(confirm=confirm)
        assert result.failed.id == "consent"
        assert result.applied == []
        assert host.facts().to_dict() == before


def test_a_consent_callable_sees_the_plan(connect_doc, make_vm):
    host = connect_doc(vms=[make_vm(startup="4GB")])
    seen = []
    result = host.plan_enable("myVM").apply(confirm=lambda plan: seen.append(plan.vm) or True)
    assert seen == ["myVM"] and result.failed is None
    assert [c.id for c in result.applied] == ["expose-extensions"]


def test_a_plan_not_made_by_a_host_cannot_be_applied(make_facts):
    with pytest.raises(UsageProblem, match="not bound to a host"):
        plan_enable(make_facts(), "myVM").apply(confirm=True)


def test_a_refused_plan_changes_nothing_even_with_consent(connect_doc, make_vm):
    host = connect_doc(vms=[make_vm(state="Saved")])
    before = host.facts().to_dict()
    result = host.plan_enable("myVM").apply(confirm=True)
    assert result.failed.id == "discard-saved-state" and result.applied == []
    assert host.facts().to_dict() == before


def test_a_stale_plan_is_refused(connect_doc):
    """The VM changed after planning (someone started it): the old plan would run Set-VMProcessor on a running
    VM (facts §3), so nothing is applied and the user is told to plan again."""
    host = connect_doc()
    plan = host.plan_enable("myVM")
    assert host.vm("start", "myVM").ok
    before = host.facts().to_dict()
    result = plan.apply(confirm=True)
    assert result.failed.id == "stale" and "plan again" in result.failed.message
    assert result.applied == [] and host.facts().to_dict() == before


def test_enable_reaches_ready_and_records_before_and_after(connect_doc, make_vm):
    host = connect_doc(vms=[make_vm(state="Running", dynamic=True, startup="2GB", mac_spoofing=False)])
    result = host.plan_enable("myVM").apply(confirm=True)
    assert result.failed is None and result.ok
    assert [c.id for c in result.applied] == ["stop-vm", "expose-extensions", "disable-dynamic-memory",
                                              "set-startup-memory", "enable-mac-spoofing", "start-vm"]
    assert result.before.verdict == "fixable" and result.after.verdict == "ready"
    vm = vm_doc(host)
    assert vm["state"] == "Running" and vm["processor"]["expose_virtualization_extensions"] is True
    assert vm["memory"] == {"startup_bytes": 4 * GiB, "dynamic": False}
    doc = result.to_dict()
    assert list(doc) == ["target", "vm", "plan", "applied", "failed", "after"]
    assert doc["applied"] == [c.id for c in result.applied] and doc["after"]["verdict"] == "ready"


def test_a_failure_halfway_says_what_was_applied_and_a_rerun_finishes_the_job(connect_doc, make_vm):
    """contracts §4: a failed change stops the run, says which changes were applied, and a re-run finishes."""
    host = connect_doc(vms=[make_vm(dynamic=True, startup="2GB", mac_spoofing=False)],
                       faults=[{"operation": "set-startup-memory", "vm": "myVM", "message": "Out of memory (test)",
                                "times": 1}])
    result = host.plan_enable("myVM").apply(confirm=True)
    assert [c.id for c in result.applied] == ["expose-extensions", "disable-dynamic-memory"]
    assert result.failed.id == "set-startup-memory"
    assert result.failed.message.startswith("Out of memory (test)")
    assert "applied before it: expose-extensions, disable-dynamic-memory" in result.failed.message
    assert "run enable again" in result.failed.message
    assert not result.ok
    vm = vm_doc(host)
    assert vm["processor"]["expose_virtualization_extensions"] is True and vm["memory"]["startup_bytes"] == 2 * GiB

    again = host.plan_enable("myVM")
    assert ids(again) == ["set-startup-memory", "enable-mac-spoofing"]
    second = again.apply(confirm=True)
    assert second.failed is None and second.after.verdict == "ready"

    third = host.plan_enable("myVM")                       # idempotent: nothing left to do
    assert ids(third) == []
    assert third.apply(confirm=True).failed is None
    assert host.check(["myVM"]).verdict == "ready"


def test_a_graceful_stop_that_fails_names_turn_off(connect_doc, make_vm):
    """contracts §4: if the guest cannot shut down gracefully the change fails, naming --turn-off
    (facts §1.1: the Shutdown integration service prompt cannot be answered over WinRM)."""
    host = connect_doc(vms=[make_vm(state="Running", startup="4GB")],
                       faults=[{"operation": "stop-vm", "vm": "myVM",
                                "message": "Hyper-V can't shut down virtual machine \"myVM\" because the Shutdown "
                                           "integration service is unavailable."}])
    result = host.plan_enable("myVM").apply(confirm=True)
    assert result.failed.id == "stop-vm" and result.applied == []
    assert "--turn-off" in result.failed.message
    assert vm_doc(host)["state"] == "Running"


def test_revert_restores_before(connect_doc, make_vm):
    """contracts §4: every applied change records its before, so a revert plan restores it."""
    host = connect_doc(vms=[make_vm(state="Running", dynamic=True, startup="2GB", mac_spoofing=False)])
    original = vm_doc(host)
    result = host.plan_enable("myVM").apply(confirm=True)
    assert vm_doc(host) != original
    assert [c.id for c in result.revert] == ["stop-vm", "enable-mac-spoofing", "set-startup-memory",
                                             "disable-dynamic-memory", "expose-extensions", "start-vm"]
    refused = host.revert(result)
    assert refused.failed.id == "consent" and vm_doc(host)["state"] == "Running"
    undone = host.revert(result, confirm=True)
    assert undone.failed is None
    after = vm_doc(host)
    assert after.pop("guest") is not None       # the restarted guest can be seen now; the rest is as before
    original.pop("guest")
    assert after == original


def test_irreversible_changes_are_left_out_of_a_revert(connect_doc, make_vm):
    """facts §2.8: Update-VMVersion cannot be undone; a discarded saved state is gone."""
    host = connect_doc(vms=[make_vm(state="Saved", version="5.0", startup="4GB")])
    result = host.plan_enable("myVM", update_version=True, discard_saved_state=True).apply(confirm=True)
    assert [c.id for c in result.applied] == ["discard-saved-state", "update-version", "expose-extensions"]
    assert [c.id for c in result.revert] == ["expose-extensions"]
    host.revert(result, confirm=True)
    vm = vm_doc(host)
    assert vm["version"] == "8.0" and vm["state"] == "Off"
    assert vm["processor"]["expose_virtualization_extensions"] is False


def test_revert_removes_the_guest_nat_but_not_hyper_v(connect_doc, make_vm, make_guest):
    """facts §2.3: Remove-NetNat / Remove-VMSwitch undo the guest's NAT; installing Hyper-V is not undone."""
    host = connect_doc(vms=[make_vm(state="Running", nesting=True, startup="4GB", mac_spoofing=False,
                                    guest=make_guest())])
    result = host.plan_enable("myVM", networking="nat", install_hyperv=True).apply(confirm=True)
    assert [c.id for c in result.applied] == ["install-hyperv", "guest-nat"]
    assert host.check(["myVM"]).verdict == "ready"
    assert [c.id for c in result.revert] == ["guest-nat"]
    assert "-ArgumentList 'VmNAT', 'LocalNAT'" in result.revert[0].powershell
    assert "Remove-NetNat -Name $nat" in result.revert[0].powershell
    assert host.revert(result, confirm=True).failed is None
    guest = host.facts().vms[0].guest
    assert guest.nat == [] and guest.switches == [] and guest.hyperv_installed is True


def test_a_nested_vm_reverts_by_its_path():
    host = nm.connect("mock:three-levels")
    original = host.facts().to_dict()["vms"][0]["guest"]["vms"][0]
    result = host.plan_enable("myVM/nestedVM").apply(confirm=True)
    assert all(c.params["path"] == "myVM/nestedVM" for c in result.revert)
    assert host.revert(result, confirm=True).failed is None
    assert host.facts().to_dict()["vms"][0]["guest"]["vms"][0] == original


def test_a_paused_vm_that_must_run_is_resumed_and_a_revert_pauses_it_again(connect_doc, make_vm):
    """facts §5.6: Paused → Resume-VM (Start-VM refuses a paused VM); nothing needs it Off when nesting is on."""
    host = connect_doc(vms=[make_vm(state="Paused", nesting=True, startup="4GB", mac_spoofing=True)])
    plan = host.plan_enable("myVM", start=True)
    assert [(c.id, c.before, c.powershell) for c in plan.changes] == [("start-vm", "Paused",
                                                                       "Get-VM -Name 'myVM' | Resume-VM")]
    result = plan.apply(confirm=True)
    assert result.failed is None and host.facts().vms[0].state == "Running"
    assert [c.powershell for c in result.revert] == ["Get-VM -Name 'myVM' | Suspend-VM"]
    assert host.revert(result, confirm=True).failed is None
    assert host.facts().vms[0].state == "Paused"


def test_revert_changes_swap_before_and_after():
    from nested_magics.model.plan import Change

    applied = [Change("set-startup-memory", "v", "MemoryStartupBytes", 1, 2, "x", True, {"vm": "v", "value": 2},
                      values={"VMId": "id-of-v"}),
               Change("update-version", "v", "Version", "5.0", "8.0", "x", False, {"vm": "v"})]
    undo = revert_changes(applied)
    assert [(c.id, c.before, c.after, c.params["value"]) for c in undo] == [("set-startup-memory", 2, 1, 1)]
    assert undo[0].powershell == "Get-VM -Id 'id-of-v' | Set-VMMemory -StartupBytes 1"   # the same VM, by its id


def test_the_api_plan_enable_applies_through_the_session_host():
    host = nm.connect("mock")
    plan = nm.plan_enable("mock", "myVM")
    assert plan.host is host
    assert plan.apply(confirm=True).after.verdict == "ready"
    assert nm.check("mock:blog-2015").verdict == "ready"      # the same host (contracts §1)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=st.sampled_from(["Off", "Running", "Saved", "Paused"]), nesting=st.booleans(), dynamic=st.booleans(),
       startup=st.sampled_from([None, GiB, 4 * GiB]), spoof=st.sampled_from([None, True, False]),
       version=st.sampled_from(["7.0", "8.0"]), build=st.sampled_from([PREVIEW, CURRENT]),
       guest=st.sampled_from([None, "plain", "hyperv", "nat"]),
       networking=st.sampled_from(["mac-spoofing", "nat", "none"]),
       flags=st.fixed_dictionaries({k: st.booleans() for k in ("start", "install_hyperv", "turn_off",
                                                                "update_version", "discard_saved_state")}))
def test_a_plan_that_is_not_refused_applies_to_ready_and_then_has_nothing_left(
        scenario, make_doc, state, nesting, dynamic, startup, spoof, version, build, guest, networking, flags):
    """The planner and the simulator agree: every change a plan offers, Hyper-V (simulated) accepts, the VM ends
    ready, and planning again with the same options finds nothing to do (contracts §4: idempotent)."""
    vm = {"name": "myVM", "state": state, "version": version,
          "processor": {"count": 2, "expose_virtualization_extensions": nesting},
          "memory": {"dynamic": dynamic, **({} if startup is None else {"startup_bytes": startup})},
          "network_adapters": [] if spoof is None else [{"name": "n", "mac_spoofing": spoof}]}
    if guest is not None and state != "Off":
        vm["guest"] = {"hyperv_installed": guest != "plain", "nat": [{"name": "LocalNAT"}] if guest == "nat" else []}
    doc = make_doc(os={"build": build}, supported_vm_versions=["5.0", "7.0", "8.0"], vms=[vm])
    host = nm.connect(scenario(doc))
    options = dict(networking=networking, **flags)
    plan = host.plan_enable("myVM", **options)
    if plan.refused is not None:
        return
    result = plan.apply(confirm=True)
    assert result.failed is None, (result.failed, ids(plan))
    assert result.after.vms[0]["verdict"] == "ready", result.after.checks
    assert ids(host.plan_enable("myVM", **options)) == []


def test_guest_nat_on_the_preview_is_refused_naming_mac_spoofing():
    """The blog (2015): MAC spoofing must be on for nested guests; NAT inside the L1 came with 2016 (facts §2.3)."""
    import nested_magics as nm

    plan = nm.plan_enable("mock", "myVM", networking="nat", install_hyperv=True)
    assert plan.refused.id == "guest-nat" and "--networking mac-spoofing" in plan.refused.message
