"""Duplicate VM names (contracts §2, §3): Hyper-V allows two VMs with one name (names match case-insensitively);
a document may hold them, and they are never merged or hidden: vm.exists fails, listing their ids, and plans
and actions refuse the ambiguous name the same way."""

from __future__ import annotations

import pytest

import nested_magics as nm
from nested_magics.errors import UsageProblem

IDS = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222")


@pytest.fixture
def twins(connect_doc, make_vm):
    return connect_doc(vms=[make_vm("myVM", id=IDS[0]), make_vm("MYVM", id=IDS[1], state="Running"),
                            make_vm("other")])


def test_a_report_of_every_vm_shows_both_and_blocks_the_name(twins):
    """Found: a file with myVM and MYVM showed "2 VM(s)" and checked one."""
    report = twins.check()
    exists = [c for c in report.checks if c.id == "vm.exists" and c.status == "fail"]
    assert len(exists) == 1 and all(i in exists[0].detail for i in IDS)
    assert exists[0].fixable is False
    assert [v["verdict"] for v in report.vms if v["name"].lower() == "myvm"] == ["blocked"]
    assert {v["name"] for v in report.vms} == {"myVM", "other"}


def test_naming_the_ambiguous_vm_fails_vm_exists_listing_the_ids(twins):
    report = twins.check(["myvm"])
    assert [(c.id, c.status) for c in report.checks if c.vm] == [("vm.exists", "fail")]
    assert "2 VMs" in report.checks[-1].title


def test_a_plan_and_an_action_refuse_the_ambiguous_name_listing_the_ids(twins):
    with pytest.raises(UsageProblem) as plan:
        twins.plan_enable("myVM")
    assert all(i in str(plan.value) for i in IDS)
    with pytest.raises(UsageProblem) as action:
        twins.vm("stop", "myvm")
    assert all(i in str(action.value) for i in IDS)
    assert nm.check(twins, ["other"]).verdict != "error"


def test_an_id_names_one_of_the_two_on_the_mock_as_over_winrm(twins):
    """contracts §3: an ambiguous name is refused listing the ids; the id then names one (every backend alike)."""
    result = twins.vm("stop", IDS[1], turn_off=True)
    assert result.ok
    states = {vm.id: vm.state for vm in twins.facts().vms}
    assert states[IDS[1]] == "Off" and states[IDS[0]] == "Off"
    started = twins.vm("start", "{" + IDS[0].upper() + "}")
    assert started.ok and {vm.id: vm.state for vm in twins.facts().vms}[IDS[1]] == "Off"
