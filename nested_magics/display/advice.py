"""The next step after a report, phrased for the front end the user is in (CLI or notebook)."""

from __future__ import annotations

from ..report import BLOCKED, ERROR, FAIL, FIXABLE, READY, Report


def opt_ins(report: Report, vm: str) -> list[str]:
    """The opt-in flags enabling ``vm`` will need, read from its failing checks."""
    flags = []
    for check in report.checks_for(vm):
        if check.status != FAIL:
            continue
        if check.id == "vm.version" and check.fixable:
            flags.append("--update-version")
        if check.id == "vm.state" and "Saved" in check.title:
            flags.append("--discard-saved-state")
        if check.id == "vm.state" and "Paused" in check.title:
            flags.append("--turn-off")
    return flags


def enable_command(report: Report, vm: str, style: str, extra: list[str] | None = None) -> str:
    quoted = f'"{vm}"' if any(ch.isspace() for ch in vm) else vm
    target = "" if report.target in ("mock", "") or style == "magic" else f" -t {report.target}"
    flags = " ".join(opt_ins(report, vm) + (extra or []))
    flags = f" {flags}" if flags else ""
    if style == "magic":
        return f"%nested_enable {quoted}{flags}"
    return f"nested-magics enable {quoted}{target}{flags} --yes"


def next_steps(report: Report, style: str = "cli") -> list[str]:
    """Short sentences: what to do now. ``style`` is "cli" or "magic"."""
    if report.verdict == ERROR:
        return [f"Could not check {report.target}: {report.error}"]
    host_fails = [c for c in report.host_checks if c.status == FAIL]
    if host_fails:
        first = host_fails[0]
        fix = f" Run on the host: {first.fix}" if first.fix else ""
        return [f"Fix the host first: {first.title}.{fix}"]
    steps = []
    by_verdict = {v["name"]: v["verdict"] for v in report.vms}
    for name, verdict in by_verdict.items():
        if verdict == BLOCKED:
            why = next((c.title for c in report.checks_for(name) if c.status == FAIL and not c.fixable), "")
            steps.append(f"{name} cannot nest here: {why}.")
        elif verdict == FIXABLE:
            steps.append(f"Enable nesting on {name}: {enable_command(report, name, style)}")
    if report.verdict == READY:
        ready = [n for n, v in by_verdict.items() if v == READY]
        if not ready:
            return ["The host can nest. Create a VM, then enable nesting on it (blog step 1)."]
        for name in ready:
            guest = next((c for c in report.checks_for(name) if c.id == "vm.guest-hyperv"), None)
            if guest is not None and guest.fixable:
                steps.append(f"{name} is ready: install Hyper-V inside it (blog step 3): "
                             f"{enable_command(report, name, style, ['--install-hyperv'])}")
            elif guest is not None and "installed" in guest.title and "not" not in guest.title:
                steps.append(f"{name} is ready and runs Hyper-V: create nested VMs inside it (blog step 4).")
            else:
                steps.append(f"{name} is ready: start it and install Hyper-V inside it (blog step 3).")
    return steps
