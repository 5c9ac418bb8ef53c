"""The "from inside a VM" summary as text lines: whether nesting can work here and why, what to change and
where, then Hyper-V VMs, WSL2, Windows Sandbox and Docker Desktop with their reasons and steps.

Lines are plain; ``display.text`` cleans each one (host data cannot add a line). None of them starts with a
check's PASS/INFO/WARN/FAIL, so the CLI's one-line-per-check form still holds."""

from __future__ import annotations

from nested_magics.model.vantage import Step, Vantage

ANSWER = {"yes": "YES", "no": "NO", "unknown": "UNKNOWN"}


def step_lines(step: Step, indent: str, lead: str = "") -> list[str]:
    lines = [f"{indent}{lead}{step.where}: {step.text}"]
    if step.command:
        lines.append(f"{indent}  > {step.command}")
    return lines


def vantage_lines(vantage: Vantage | None, brief: bool = False) -> list[str]:
    """The summary (``brief``: its one headline line); no lines for a machine that is not a VM."""
    if vantage is None:
        return []
    head = f"From inside a VM on {vantage.host}: {vantage.headline}"
    if brief:
        return [head]
    lines = [head]
    if vantage.change is not None:
        lines.extend(step_lines(vantage.change, "  ", "Change "))
    if vantage.known:
        lines.append(f"  Known: {vantage.known}")
    for work in vantage.workloads:
        lines.append(f"  {ANSWER[work.can_run]:<8} {work.name:<16} {work.reason}")
        for step in work.steps:
            if step == vantage.change:
                lines.append("           (the change above)")
            else:
                lines.extend(step_lines(step, "           "))
    lines.append(f"  source: {vantage.source}")
    return lines
