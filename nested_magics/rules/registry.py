"""The one list of readiness checks: each rule registers itself with its check id, in report order.

Adding a check is one decorated function in ``host_rules`` or ``vm_rules``; ``CHECK_IDS`` and the reports
follow from the registration.
"""

from __future__ import annotations

from typing import Callable

from nested_magics.model.facts import VM, HostFacts
from nested_magics.model.report import FAIL, INFO, Check

HOST_RULES: list[tuple[str, Callable[[HostFacts], Check]]] = []
VM_RULES: list[tuple[str, Callable[[HostFacts, VM], Check]]] = []
# The parts of the facts (contracts §2 ``errors``) each check needs: when one could not be read, the check
# says so (info, unknown), never judges on the defaults the model fills in.
NEEDS: dict[str, tuple[str, ...]] = {}


def _register(rules: list, check_id: str, needs: tuple[str, ...]):
    def decorate(rule):
        if any(known == check_id for known, _ in HOST_RULES + VM_RULES):
            raise ValueError(f"check {check_id} is registered twice")
        rules.append((check_id, rule))
        NEEDS[check_id] = tuple(needs)
        return rule
    return decorate


def host_rule(check_id: str, needs: tuple[str, ...] = ()):
    """``@host_rule("host.cpu", needs=("cpu",))``: a rule ``(host) -> Check`` with that id."""
    return _register(HOST_RULES, check_id, needs)


def vm_rule(check_id: str, needs: tuple[str, ...] = ()):
    """``@vm_rule("vm.state", needs=("vms",))``: a rule ``(host, vm) -> Check`` with that id."""
    return _register(VM_RULES, check_id, needs)


def unknown(check: Check, host: HostFacts, vm: str | None = None) -> Check:
    """``check`` turned into the info it must be when a fact it needs could not be read (unknown is never pass)."""
    error = host.unread(NEEDS.get(check.id, ()), vm) if host.errors else None
    if error is None:
        return check
    return Check(check.id, check.vm, INFO, False, f"Unknown: {error.part} could not be read on {host.name}",
                 f"This check needs {error.part}, which the host did not give: {error.message} "
                 "(host.facts says the likely cause and the next step).",
                 None, check.source, data={"unknown": error.part})


def _run(rules: list, host: HostFacts, *args) -> list[Check]:
    """Each rule's check, in report order; the unread facts' infos where a check needs one (see ``unknown``)."""
    checks = []
    for check_id, rule in rules:
        check = rule(host, *args)
        if check.id != check_id:   # a rule answering under another id would hide a check
            raise ValueError(f"the rule registered as {check_id} returned a {check.id} check")
        checks.append(check)
    if host.errors:
        vm = args[0].name if args else None
        checks = [unknown(check, host, vm) for check in checks]
    return checks


def host_checks(host: HostFacts) -> list[Check]:
    return _run(HOST_RULES, host)


def vm_checks(host: HostFacts, vm: VM) -> list[Check]:
    return _run(VM_RULES, host, vm)


def host_blockers(host: HostFacts) -> list[Check]:
    """The failing host checks: any of them means this host cannot run a nesting VM."""
    return [c for c in host_checks(host) if c.status == FAIL]


def check_ids() -> tuple[str, ...]:
    return tuple(check_id for check_id, _ in HOST_RULES + VM_RULES)
