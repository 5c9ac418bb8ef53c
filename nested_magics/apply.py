"""Applying a plan (contracts §4): consent, a stale-plan check, the changes, facts gathered again, revert.

A result is ``ready`` only when the facts gathered after the run say so; a failed change names what was
applied before it and leaves a re-run able to finish the job.
"""

from __future__ import annotations

from nested_magics.backends.base import VMPath
from nested_magics.changes import KIND
from nested_magics.model.plan import Plan, Refusal
from nested_magics.model.results import ApplyResult
from nested_magics.planner import revert_changes

NOT_CONFIRMED = "not confirmed: nothing was changed"


def _agreed(plan: Plan, confirm) -> bool:
    """``confirm`` is True, or a callable given the plan that returns True."""
    return confirm(plan) if callable(confirm) else confirm is True


def _unchanged(host, plan: Plan, refusal: Refusal) -> ApplyResult:
    """A run that changed nothing, with the reason, and the VM's report as it stands."""
    result = ApplyResult(host.target, plan, failed=refusal)
    result.before = result.after = host.report_for(plan.vm)
    return result


def dry_run(host, plan: Plan) -> ApplyResult:
    return _unchanged(host, plan, plan.refused)


def decline(host, plan: Plan, message: str) -> ApplyResult:
    return _unchanged(host, plan, Refusal("consent", message))


def apply(host, plan: Plan, confirm=False, progress=None) -> ApplyResult:
    if plan.refused is not None:
        return _unchanged(host, plan, plan.refused)
    if not _agreed(plan, confirm):
        return _unchanged(host, plan, Refusal("consent", NOT_CONFIRMED))
    fresh = host.plan_enable(plan.vm, options=plan.options)
    if [c.to_dict() for c in fresh.changes] != [c.to_dict() for c in plan.changes] or fresh.refused:
        return _unchanged(host, plan, Refusal("stale", f"{plan.vm} changed since this plan was made: nothing was "
                                              "changed; plan again and review the new plan"))
    result = ApplyResult(host.target, plan)
    result.before = host.report_for(plan.vm)
    was = _state(result.before, plan.vm)      # read now: a mock's facts are the live host
    answers: dict[int, str] = {}

    def told(change, status: str, message: str) -> None:
        if status == "done":
            answers[id(change)] = message
        if progress:
            progress(change, status, message)

    result.applied, result.failed = host.backend.apply_changes(plan.changes, told)
    result.revert = revert_changes(result.applied, answers)   # undo only what this run made, by what each step said
    result.after = host.report_for(plan.vm)
    if result.failed is not None:
        result.failed.message = _failure_message(result, plan) + _left_in(plan.vm, was, _state(result.after, plan.vm))
    return result


def _state(report, vm_path: str) -> str | None:
    """The state of the VM at ``vm_path`` in the facts ``report`` was made from (None: unknown)."""
    found = report.facts.find_vm(VMPath.parse(vm_path).name) if report is not None and report.facts else None
    return found.state if found is not None else None


def _left_in(vm: str, was: str | None, now: str | None) -> str:
    """A VM that was Running and is not after a failed run is said so (contracts §4: honest outcomes)."""
    return f"; {vm} was Running and is now {now}" if was == "Running" and now not in (None, "Running") else ""


def _failure_message(result: ApplyResult, plan: Plan) -> str:
    """Hyper-V's message, the next step this kind of change names, and what was applied before it."""
    failed = result.failed
    hint = KIND[failed.id].on_failure if failed.id in KIND else ""
    if failed.id == "stop-vm" and plan.options.turn_off:
        hint = ""          # it was already turning off: --turn-off is no way forward
    done = ", ".join(c.id for c in result.applied) or "none"
    return (f"{failed.message}{'; ' + hint if hint else ''} (applied before it: {done}; "
            "run enable again to finish the job)")


def revert(host, result: ApplyResult, confirm=False, progress=None) -> ApplyResult:
    plan = Plan(result.plan.host_name, result.plan.vm, result.plan.options, list(result.revert), host=host)
    out = ApplyResult(host.target, plan)
    if not _agreed(plan, confirm):
        out.failed = Refusal("consent", NOT_CONFIRMED)
        return out
    out.before = host.report_for(plan.vm)
    out.applied, out.failed = host.backend.apply_changes(plan.changes, progress)
    out.after = host.report_for(plan.vm)
    return out
