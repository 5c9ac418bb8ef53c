"""A connected host: the one object the API, the magics and the CLI act through."""

from __future__ import annotations

from nested_magics import apply as applying
from nested_magics.backends.base import VMPath
from nested_magics.errors import UsageProblem
from nested_magics.model import collector
from nested_magics.model.plan import EnableOptions, Plan
from nested_magics.planner import plan_enable
from nested_magics.vocabulary import VM_ACTION_OPTIONS
from nested_magics.model.report import Report
from nested_magics.model.results import ActionResult, ApplyResult
from nested_magics.rules import build_report
from nested_magics.rules.vantage import inside
from nested_magics.model.tree import TreeNode, build_tree

class Host:
    """One Hyper-V host (L0) behind a backend. Its methods gather facts fresh on every call."""

    def __init__(self, target: str, backend):
        self.target = target
        self.backend = backend

    @property
    def kind(self) -> str:
        return self.backend.kind

    def facts(self, guests: list[str] | tuple[str, ...] = ()):
        """The host's facts; a real host looks inside ``guests`` only (the VMs being checked or changed)."""
        return self.backend.facts(guests=tuple(guests))

    def check(self, vms: list[str] | None = None) -> Report:
        """The readiness report for the named VMs (every VM when none is named); one VM may be a path
        (``myVM/nestedVM``, contracts §3), judged on the host it runs in."""
        nested = [vm for vm in vms or () if VMPath.parse(vm).nested]
        if nested:
            if len(vms) > 1:
                raise UsageProblem(f"{nested[0]}: check one VM path at a time (a nested VM is judged on the VM it "
                                   "runs in, not with this host's VMs)")
            return self.report_for(nested[0])
        with collector.paused():       # many objects, no cycles: see model.collector
            return build_report(self.facts(guests=vms or ()), self.target, list(vms) if vms else None)

    def tree(self) -> TreeNode:
        return build_tree(self.facts(guests=("*",)))   # the tree is the one view that looks inside every guest

    def _split(self, vm: str) -> tuple[str, str]:
        """``myVM/nestedVM`` -> (the host facts' path prefix, the VM name)."""
        if not isinstance(vm, str) or not vm.strip():
            raise UsageProblem("enable needs a VM name, e.g. nested-magics enable myVM")
        path = VMPath.parse(vm)
        return path.prefix, path.name

    def plan_enable(self, vm: str, **options) -> Plan:
        """Plan the changes that enable nesting on ``vm`` (a name, or a path like ``myVM/nestedVM``)."""
        opts = options.pop("options", None) or EnableOptions.build(**options)
        prefix, name = self._split(vm)
        if prefix:
            facts, where = self.backend.host_for(vm), f"the VM {prefix} it runs in"
        else:
            facts, where = self.facts(guests=[vm]), None
        plan = plan_enable(facts, name, opts, where)
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
            report.path_prefix = prefix
            seen = inside(self.facts(), prefix)    # the VM it lives in as its own host sees it: its real name
            if seen is not None:                  # and setting, for the step on that host
                report.vantage = seen
            return report
        return self.check([name])

    def dry_run(self, plan: Plan) -> ApplyResult:
        """What ``--dry-run`` shows: the plan, nothing applied, the refusal if any, the VM's report now."""
        return applying.dry_run(self, plan)

    def decline(self, plan: Plan, message: str) -> ApplyResult:
        """Nothing is applied because consent cannot be had (``message`` says why and what to do instead)."""
        return applying.decline(self, plan, message)

    def apply(self, plan: Plan, confirm=False, progress=None) -> ApplyResult:
        """Apply ``plan`` with consent, then gather facts again and re-check."""
        return applying.apply(self, plan, confirm, progress)

    def revert(self, result: ApplyResult, confirm=False, progress=None) -> ApplyResult:
        """Undo what ``result`` applied (irreversible changes such as update-version stay)."""
        return applying.revert(self, result, confirm, progress)

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
