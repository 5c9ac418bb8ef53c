"""The next step after a report, phrased for the front end the user is in (CLI or notebook).

Read from fields only: a check's status, ``fixable`` and ``opt_ins``, and the report's facts; never from a
check's words. ``next_steps`` is the ``display.steps.Advise`` both front ends hand the display.
"""

from __future__ import annotations

import shlex

from nested_magics import session
from nested_magics.model.report import BLOCKED, ERROR, FAIL, FIXABLE, PASS, READY, Report
from nested_magics.display.order import Groups

MAX_VM_STEPS = 10   # a host with hundreds of VMs gets ten steps and a count, not hundreds of lines


def opt_ins(checks: list) -> list[str]:
    """The opt-in flags enabling a VM will need (``--discard-saved-state`` ...): its failing ``checks``' ``opt_ins``."""
    flags: list[str] = []
    for check in checks:
        if check.status == FAIL:
            flags.extend(f"--{name}" for name in check.opt_ins if f"--{name}" not in flags)
    return flags


def target_words(target: str, style: str) -> str:
    """`` -t TARGET`` unless the command would reach that host without it."""
    if style == "magic":
        implied = target == session.default_target() or (target == "mock" and session.default_target() == "mock")
    else:
        implied = target in ("mock", "")
    return "" if implied or not target else f" -t {shlex.quote(target)}"


def enable_command(report: Report, vm: str, style: str, extra: list[str] | None = None,
                   checks: list | None = None) -> str:
    """The command that enables nesting on ``vm``, with the opt-ins its checks call for."""
    checks = report.checks_for(vm) if checks is None else checks
    flags = " ".join(opt_ins(checks) + (extra or []))
    flags = f" {flags}" if flags else ""
    target = target_words(report.target, style)
    if style == "magic":
        return f"%nested_enable {shlex.quote(vm)}{target}{flags}"
    return f"nested-magics enable {shlex.quote(vm)}{target}{flags} --yes"


def next_steps(report: Report, style: str = "cli", groups: Groups | None = None) -> list[str]:
    """Short sentences: what to do now. ``style`` is "cli" or "magic"."""
    if report.verdict == ERROR:
        return [f"Could not check {report.target}: {report.error}"]
    groups = groups or Groups(report)
    host_fails = [c for c in groups.host if c.status == FAIL]
    if host_fails:
        first = host_fails[0]
        fix = f" Run on the host: {first.fix}" if first.fix else ""
        return [f"Fix the host first: {first.title}.{fix}"]
    steps = []
    for summary in report.vms:
        name, verdict, checks = summary["name"], summary["verdict"], groups.checks(summary["name"])
        if verdict == BLOCKED:
            missing = next((c for c in checks if c.id == "vm.exists" and c.status == FAIL), None)
            if missing is not None:   # a typo, most likely: name the VMs that do exist
                existing = ", ".join(report.facts.vm_names()) or "none" if report.facts is not None else "unknown"
                steps.append(f"There is no VM {name} here; check the name (VMs on this host: {existing}).")
                continue
            why = next((c.title for c in checks if c.status == FAIL and not c.fixable), "")
            steps.append(f"{name} cannot nest here: {why}.")
        elif verdict == FIXABLE:
            steps.append(f"Enable nesting on {name}: {enable_command(report, name, style, checks=checks)}")
        elif report.verdict == READY:
            steps.append(_ready_step(report, name, style, checks))
    if report.verdict == READY and not report.vms:
        return ["The host can nest. Create a VM, then enable nesting on it (blog step 1)."]
    if len(steps) > MAX_VM_STEPS:
        steps = steps[:MAX_VM_STEPS] + [f"... and {len(steps) - MAX_VM_STEPS} more VM(s) like these."]
    return steps


def _ready_step(report: Report, name: str, style: str, checks: list) -> str:
    guest = next((c for c in checks if c.id == "vm.guest-hyperv"), None)
    if guest is not None and guest.fixable:
        return (f"{name} is ready: install Hyper-V inside it (blog step 3): "
                f"{enable_command(report, name, style, ['--install-hyperv'], checks=checks)}")
    vm = _vm_facts(report, name)
    if guest is not None and guest.status == PASS and vm is not None and vm.guest is not None \
            and vm.guest.hyperv_installed:
        inner = len(vm.guest.vms)
        if inner:
            return f"{name} runs Hyper-V and {inner} VM(s) of its own: nesting works (the blog's three levels)."
        command = "%nested_vm new" if style == "magic" else "nested-magics vm new"
        return f"{name} is ready and runs Hyper-V: create nested VMs inside it (blog step 4): {command} {name}/nestedVM"
    return f"{name} is ready: start it and install Hyper-V inside it (blog step 3)."


def _vm_facts(report: Report, name: str):
    """The facts of the VM ``name`` (or the VM path ``myVM/nestedVM``) in ``report``; None when unknown."""
    if report.facts is None:
        return None
    vm = report.facts.find_vm(name)
    if vm is not None or "/" not in name.replace("\\", "/"):
        return vm
    host = report.facts
    for part in name.replace("\\", "/").split("/"):
        vm = host.find_vm(part) if host is not None else None
        if vm is None:
            return None
        host = vm.guest
    return vm
