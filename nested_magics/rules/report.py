"""A report from the rules: the host checks, then each covered VM's checks, and the verdicts (contracts §3)."""

from __future__ import annotations

from nested_magics.model.facts import HostFacts
from nested_magics.model.report import FAIL, Report, vm_verdict
from nested_magics.rules import requirements as req
from nested_magics.rules.registry import host_checks, vm_checks
from nested_magics.rules.vantage import what_can_run
from nested_magics.rules.vm_rules import ambiguous_vm_check, missing_vm_check


def build_report(host: HostFacts, target: str, vms: list[str] | None = None) -> Report:
    """Check the host, and the named VMs (or every VM when none is named)."""
    checks = host_checks(host)
    # A host check that could not judge (a part unread), or VMs that could not be listed, means nothing here
    # can be called ready yet: blocked until the facts can be read (host.facts says how).
    host_failed = (any(c.status == FAIL or c.data.get("unknown") for c in checks)
                   or host.unread(("vms",)) is not None)
    summaries = []
    names = vms if vms else [vm.name for vm in host.vms]
    by_name: dict[str, list] = {}
    for vm in host.vms:
        by_name.setdefault(vm.name.casefold(), []).append(vm)
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        matches = by_name.get(name.casefold(), [])
        vm = matches[0] if len(matches) == 1 else None
        if len(matches) > 1:     # never merged nor hidden: the name is refused, listing every VM it names
            vm_list = [ambiguous_vm_check(host, matches[0].name if not vms else name)]
        elif vm is None:
            vm_list = [missing_vm_check(host, name)]
        else:
            vm_list = vm_checks(host, vm)
        checks.extend(vm_list)
        shown = vm.name if vm else (matches[0].name if matches and not vms else name)
        summaries.append({"name": shown, "verdict": vm_verdict(vm_list, host_failed)})
    report = Report(target=target, host=host.name, profile=req.profile(host.build), checks=checks, vms=summaries,
                    facts=host, vantage=what_can_run(host))
    report.verdict = report_verdict(host_failed, summaries)
    return report


def report_verdict(host_failed: bool, summaries: list[dict]) -> str:
    verdicts = {s["verdict"] for s in summaries}
    if host_failed or "blocked" in verdicts:
        return "blocked"
    if "fixable" in verdicts:
        return "fixable"
    return "ready"
