"""A connected host: the one object the API, the magics and the CLI act through."""

from __future__ import annotations

from nested_magics.errors import UsageProblem
from nested_magics.model.plan import EnableOptions, Plan, Refusal
from nested_magics.planner import plan_enable, revert_changes
from nested_magics.model.report import Report
from nested_magics.model.results import ActionResult, ApplyResult
from nested_magics.rules import build_report
from nested_magics.model.tree import TreeNode, build_tree

VM_ACTION_OPTIONS = {"memory", "start", "turn_off", "size"}


class Host:
    """One Hyper-V host (L0) behind a backend. Its methods gather facts fresh on every call."""

    def __init__(self, target: str, backend):
        self.target = target
        self.backend = backend

    @property
    def kind(self) -> str:
        return self.backend.kind

    def facts(self):
        return self.backend.facts()

    def check(self, vms: list[str] | None = None) -> Report:
        """The readiness report for the named VMs (every VM when none is named)."""
        return build_report(self.facts(), self.target, list(vms) if vms else None)

    def tree(self) -> TreeNode:
        return build_tree(self.facts())

    def _split(self, vm: str) -> tuple[str, str]:
        """``myVM/nestedVM`` -> (the host facts' path prefix, the VM name)."""
        if not isinstance(vm, str) or not vm.strip():
            raise UsageProblem("enable needs a VM name, e.g. nested-magics enable myVM")
        parts = vm.replace("\\", "/").split("/")
        return "/".join(parts[:-1]), parts[-1]

    def plan_enable(self, vm: str, **options) -> Plan:
        """Plan the changes that enable nesting on ``vm`` (a name, or a path like ``myVM/nestedVM``)."""
        opts = options.pop("options", None) or EnableOptions.build(**options)
        prefix, name = self._split(vm)
        if prefix:
            facts = self.backend.host_for(vm)
        else:
            facts = self.facts()
        plan = plan_enable(facts, name, opts)
        if prefix:
            plan.vm = f"{prefix}/{plan.vm}"
            for change in plan.changes:
                change.params["path"] = plan.vm
        plan.host = self
        return plan

    def report_for(self, vm_path: str) -> Report:
        """The report for one VM, by name or by path (myVM/nestedVM)."""
        prefix, name = self._split(vm_path)
        if prefix:
            report = build_report(self.backend.host_for(vm_path), self.target, [name])
            return report
        return self.check([name])

    def dry_run(self, plan: Plan) -> ApplyResult:
        """What ``--dry-run`` shows: the plan, nothing applied, the refusal if any, the VM's report now."""
        result = ApplyResult(self.target, plan, failed=plan.refused)
        result.before = result.after = self.report_for(plan.vm)
        return result

    def apply(self, plan: Plan, confirm=False, progress=None) -> ApplyResult:
        """Apply ``plan`` with consent, then gather facts again and re-check."""
        result = ApplyResult(self.target, plan)
        if plan.refused is not None:
            result.failed = plan.refused
            result.after = result.before = self.report_for(plan.vm)
            return result
        agreed = confirm(plan) if callable(confirm) else confirm is True
        if not agreed:
            result.failed = Refusal("consent", "not confirmed: nothing was changed")
            result.after = result.before = self.report_for(plan.vm)
            return result
        fresh = self.plan_enable(plan.vm, options=plan.options)
        if [c.to_dict() for c in fresh.changes] != [c.to_dict() for c in plan.changes] or fresh.refused:
            result.failed = Refusal("stale", f"{plan.vm} changed since this plan was made: nothing was changed; "
                                    "plan again and review the new plan")
            result.after = result.before = self.report_for(plan.vm)
            return result
        result.before = self.report_for(plan.vm)
        result.applied, result.failed = self.backend.apply_changes(plan.changes, progress)
        if result.failed is not None:
            done = ", ".join(c.id for c in result.applied) or "none"
            if result.failed.id == "stop-vm" and not plan.options.turn_off:
                # contracts §4: a graceful shutdown that fails names the opt-in that forces it.
                result.failed.message += "; if it cannot shut down gracefully, run enable again with --turn-off"
            result.failed.message += f" (applied before it: {done}; run enable again to finish the job)"
        result.revert = revert_changes(result.applied)
        result.after = self.report_for(plan.vm)
        return result

    def revert(self, result: ApplyResult, confirm=False, progress=None) -> ApplyResult:
        """Undo what ``result`` applied (irreversible changes such as update-version stay)."""
        plan = Plan(result.plan.host_name, result.plan.vm, result.plan.options, list(result.revert), host=self)
        out = ApplyResult(self.target, plan)
        if not (confirm(plan) if callable(confirm) else confirm is True):
            out.failed = Refusal("consent", "not confirmed: nothing was changed")
            return out
        out.before = self.report_for(plan.vm)
        out.applied, out.failed = self.backend.apply_changes(plan.changes, progress)
        out.after = self.report_for(plan.vm)
        return out

    def vm(self, action: str, path: str, **options) -> ActionResult:
        """Run one VM action (new, start, stop, save, checkpoint, resize-memory, live-migrate)."""
        unknown = set(options) - VM_ACTION_OPTIONS
        if unknown:
            raise UsageProblem(f"unknown option(s) for vm {action}: {', '.join(sorted(unknown))}")
        if not isinstance(path, str) or not path.strip():
            raise UsageProblem(f"vm {action} needs a VM path, e.g. myVM or myVM/nestedVM")
        return self.backend.vm_action(action, path, **options)

    def describe(self) -> str:
        return self.backend.describe()

    def close(self) -> None:
        self.backend.close()

    def __repr__(self) -> str:
        return f"<Host {self.target}: {self.describe()}>"
