"""The one list of readiness checks (rules/registry.py): a registered rule is in every report; mistakes in
registering are refused rather than silently hiding a check."""

from __future__ import annotations

import pytest

from nested_magics.model.report import PASS, Check
from nested_magics.rules import CHECK_IDS, VM_RULES, build_report, registry


@pytest.fixture
def extra_rule():
    before = list(VM_RULES)
    yield registry.vm_rule
    VM_RULES[:] = before


def test_check_ids_are_the_registered_rules_in_report_order(make_facts):
    report = build_report(make_facts(), "mock:t")
    assert [c.id for c in report.checks] == list(CHECK_IDS)


def test_a_newly_registered_vm_rule_is_in_every_report(extra_rule, make_facts, make_vm):
    @extra_rule("vm.example")
    def check_example(host, vm):
        return Check("vm.example", vm.name, PASS, False, "Example", "Why.", None, "Example source")

    report = build_report(make_facts(vms=[make_vm("a"), make_vm("b")]), "mock:t")
    assert [c.vm for c in report.checks if c.id == "vm.example"] == ["a", "b"]


def test_an_id_registered_twice_is_refused(extra_rule):
    with pytest.raises(ValueError, match="registered twice"):
        extra_rule("vm.state")(lambda host, vm: None)


def test_a_rule_answering_under_another_id_is_refused(extra_rule, make_facts):
    extra_rule("vm.other")(lambda host, vm: Check("vm.state", vm.name, PASS, False, "t", "d", None, "s"))
    with pytest.raises(ValueError, match="registered as vm.other returned a vm.state check"):
        build_report(make_facts(), "mock:t")
