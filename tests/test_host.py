"""The Host: the one object the API, magics and CLI act through (check, tree, plan/apply at any depth, VM
actions) and the results it returns."""

from __future__ import annotations

import pytest

import nested_magics as nm
from nested_magics.errors import UsageProblem
from nested_magics.model.plan import EnableOptions
from nested_magics.model.results import ActionResult


def test_check_gathers_facts_fresh_each_time(connect_doc):
    host = connect_doc()
    assert host.check().checks_for("myVM")[2].title == "VM is Off"
    host.vm("start", "myVM")
    state = next(c for c in host.check(["myVM"]).checks if c.id == "vm.state")
    assert state.title.startswith("VM is Running")


def test_check_covers_named_vms_or_every_vm(connect_doc, make_vm):
    host = connect_doc(vms=[make_vm("a"), make_vm("b")])
    assert [v["name"] for v in host.check().vms] == ["a", "b"]
    assert [v["name"] for v in host.check(["B"]).vms] == ["b"]
    assert [v["name"] for v in host.check(("a",)).vms] == ["a"]


def test_checking_a_vm_that_does_not_exist_is_not_an_error(connect_doc):
    """contracts: the vm.exists check fails instead."""
    report = connect_doc().check(["ghost"])
    assert [(c.id, c.status) for c in report.checks if c.vm] == [("vm.exists", "fail")]
    assert report.verdict == "blocked"


def test_plan_a_nested_vm_by_path():
    """Blog step 4 and deeper: plan_enable('myVM/nestedVM') judges the VM against the guest it lives in."""
    host = nm.connect("mock:three-levels")
    plan = host.plan_enable("myVM/nestedVM", memory="2GB")   # myVM has 4 GB: 4 GB would not fit inside it
    assert plan.vm == "myVM/nestedVM" and plan.host_name == "MYVM" and plan.host is host
    assert [c.id for c in plan.changes] == ["stop-vm", "expose-extensions", "set-startup-memory",
                                            "enable-mac-spoofing", "start-vm"]
    assert all(c.target == "nestedVM" and c.params["path"] == "myVM/nestedVM" for c in plan.changes)
    nested_id = host.facts().vms[0].guest.vms[0].id
    assert all(f"'{nested_id}'" in c.powershell and "myVM" not in c.powershell for c in plan.changes)
    result = plan.apply(confirm=True)
    assert result.failed is None and result.after.verdict == "ready"
    assert [v["name"] for v in result.after.vms] == ["nestedVM"]
    assert result.after.profile == "preview"
    inner = host.facts().vms[0].guest.vms[0]
    assert inner.nesting and inner.state == "Running"


def test_plan_a_nested_vm_that_does_not_exist_names_the_vms_there():
    host = nm.connect("mock:three-levels")
    with pytest.raises(UsageProblem, match=r"'myVM/ghost' does not exist on myVM: VMs there are nestedVM"):
        host.plan_enable("myVM/ghost")


def test_a_nested_vm_larger_than_its_parent_can_hold_fails_to_start_and_says_why():
    """The blog: nesting "requires a good amount of memory"; an L2 lives in its L1's memory."""
    host = nm.connect("mock:three-levels")
    result = host.plan_enable("myVM/nestedVM").apply(confirm=True)   # 4 GB inside a 4 GB VM
    assert result.failed.id == "start-vm"
    assert "has 3 GB left for its VMs" in result.failed.message and "(simulated" in result.failed.message
    assert [c.id for c in result.applied][-1] == "enable-mac-spoofing"


def test_plan_inside_a_vm_whose_guest_is_unknown_says_to_start_it():
    with pytest.raises(UsageProblem, match="start it first"):
        nm.connect("mock").plan_enable("myVM/inner")


@pytest.mark.parametrize("vm", ["", "   ", None])
def test_plan_needs_a_vm_name(vm):
    with pytest.raises(UsageProblem, match="enable needs a VM name"):
        nm.connect("mock").plan_enable(vm)


def test_plan_options_are_validated():
    host = nm.connect("mock")
    with pytest.raises(UsageProblem, match="unknown enable option 'colour'"):
        host.plan_enable("myVM", colour="red")
    with pytest.raises(UsageProblem, match="negative"):
        host.plan_enable("myVM", memory="-1GB")
    plan = host.plan_enable("myVM", options=EnableOptions(memory=None, networking="none"))
    assert [c.id for c in plan.changes] == ["expose-extensions", "disable-dynamic-memory"]


def test_a_refused_or_unconsented_apply_reports_before_and_after_as_the_same(connect_doc, make_vm):
    host = connect_doc(vms=[make_vm(state="Paused")])
    result = host.plan_enable("myVM").apply(confirm=True)
    assert result.failed.id == "stop-vm" and result.before is result.after
    assert "failed at stop-vm" in repr(result) and result.ok is False


def test_vm_actions_return_results_not_exceptions_when_hyper_v_refuses(connect_doc):
    host = connect_doc()
    result = host.vm("save", "myVM")
    assert isinstance(result, ActionResult) and result.ok is False
    assert result.to_dict() == {"target": host.target, "action": "save", "vm": "myVM", "ok": False,
                                "message": "The operation cannot be performed while the virtual machine is in its "
                                           "current state."}
    assert "refused" in repr(result)
    assert "done" in repr(host.vm("start", "myVM"))


def test_vm_actions_refuse_unknown_options_and_empty_paths(connect_doc):
    host = connect_doc()
    with pytest.raises(UsageProblem, match="unknown option"):
        host.vm("start", "myVM", force=True)
    with pytest.raises(UsageProblem, match="needs a VM path"):
        host.vm("start", "")


def test_revert_asks_for_consent_like_apply(connect_doc):
    host = connect_doc()
    result = host.plan_enable("myVM").apply(confirm=True)
    assert host.revert(result, confirm=lambda plan: False).failed.id == "consent"
    assert host.facts().vms[0].nesting is True
    assert host.revert(result, confirm=lambda plan: True).failed is None
    assert host.facts().vms[0].nesting is False


def test_host_basics(connect_doc):
    host = connect_doc()
    assert host.kind == "mock"
    assert host.target.startswith("mock:/")
    assert host.tree().name == "HV-TEST"
    host.close()


def test_check_takes_a_vm_path_and_judges_it_on_the_vm_it_runs_in():
    """contracts §3: VM arguments of check may be VM paths; before, `check myVM/nestedVM` said there is no such VM."""
    report = nm.connect("mock:three-levels", reset=True).check(["myVM/nestedVM"])
    assert report.host == "MYVM" and [v["name"] for v in report.vms] == ["nestedVM"]
    assert report.path_prefix == "myVM"
    with pytest.raises(UsageProblem, match="check one VM path at a time"):
        nm.connect("mock:three-levels").check(["myVM/nestedVM", "myVM"])
