"""Fault injection, a mock-only part of a scenario (contracts §2: faults and latency_ms)."""

from __future__ import annotations

import pytest

from nested_magics.backends.mock.scenarios import scenario_from_document
from nested_magics.errors import FactsError


def test_the_shared_model_never_carries_faults_or_latency(make_doc):
    scenario = scenario_from_document(make_doc(faults=[{"operation": "start", "message": "m"}], latency_ms=5))
    assert scenario.latency_ms == 5 and len(scenario.faults) == 1
    assert "faults" not in scenario.facts.to_dict() and "latency_ms" not in scenario.facts.to_dict()


def test_faults_load_with_their_optional_times(make_doc):
    facts = scenario_from_document(make_doc(faults=[{"operation": "expose-extensions", "vm": "myVM", "message": "no"},
                               {"operation": "facts", "message": "down", "times": 1}]))
    first, second = facts.faults
    assert first.times is None and first.matches("EXPOSE-EXTENSIONS", "myvm")
    assert not first.matches("expose-extensions", "other")
    assert second.vm is None and second.matches("facts", None)
    second.times = 0
    assert not second.matches("facts", None)


@pytest.mark.parametrize("operation", ["expose-extension", "boot", ""])
def test_a_fault_on_an_operation_that_does_not_exist_is_named(make_doc, operation):
    """contracts §2: a fault's operation is a §4 change id, a VM action or facts; a typo would never fire."""
    doc = make_doc(faults=[{"operation": "start", "message": "m"}, {"operation": operation, "message": "m"}])
    with pytest.raises(FactsError) as info:
        scenario_from_document(doc, "mock:lab.yaml")
    assert str(info.value).startswith("mock:lab.yaml: faults[1].operation:")


@pytest.mark.parametrize("operation", ["facts", "stop-vm", "install-hyperv", "guest-nat", "resize-memory",
                                       "live-migrate", "new", "Start"])
def test_every_change_id_vm_action_and_facts_can_fault(make_doc, operation):
    assert scenario_from_document(make_doc(faults=[{"operation": operation, "message": "m"}])).faults[0].operation == operation
