"""The one list of readiness checks: each rule registers itself with its check id, in report order.

Adding a check is one decorated function in ``host_rules`` or ``vm_rules``; ``CHECK_IDS`` and the reports
follow from the registration.
"""

from __future__ import annotations

from typing import Callable

from nested_magics.model.facts import VM, HostFacts
from nested_magics.model.report import FAIL, Check

HOST_RULES: list[tuple[str, Callable[[HostFacts], Check]]] = []
VM_RULES: list[tuple[str, Callable[[HostFacts, VM], Check]]] = []


def _register(rules: list, check_id: str):
    def decorate(rule):
        if any(known == check_id for known, _ in HOST_RULES + VM_RULES):
            raise ValueError(f"check {check_id} is registered twice")
        rules.append((check_id, rule))
        return rule
    return decorate


def host_rule(check_id: str):
    """``@host_rule("host.cpu")``: a rule ``(host) -> Check`` with that id."""
    return _register(HOST_RULES, check_id)


def vm_rule(check_id: str):
    """``@vm_rule("vm.state")``: a rule ``(host, vm) -> Check`` with that id."""
    return _register(VM_RULES, check_id)


def _checked(check_id: str, check: Check) -> Check:
    if check.id != check_id:   # a rule answering under another id would hide a check
        raise ValueError(f"the rule registered as {check_id} returned a {check.id} check")
    return check


def host_checks(host: HostFacts) -> list[Check]:
    return [_checked(check_id, rule(host)) for check_id, rule in HOST_RULES]


def vm_checks(host: HostFacts, vm: VM) -> list[Check]:
    return [_checked(check_id, rule(host, vm)) for check_id, rule in VM_RULES]


def host_blockers(host: HostFacts) -> list[Check]:
    """The failing host checks: any of them means this host cannot run a nesting VM."""
    return [c for c in host_checks(host) if c.status == FAIL]


def check_ids() -> tuple[str, ...]:
    return tuple(check_id for check_id, _ in HOST_RULES + VM_RULES)
