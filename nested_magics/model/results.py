"""What acting on a host returns: one VM action, or a whole enable run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ActionResult:
    """The outcome of one VM action; a refusal is a result with ok False, not an exception."""

    target: str
    action: str
    vm: str
    ok: bool
    message: str

    def to_dict(self) -> dict:
        return {"target": self.target, "action": self.action, "vm": self.vm, "ok": self.ok, "message": self.message}

    def __repr__(self) -> str:
        return f"<ActionResult {self.action} {self.vm}: {'done' if self.ok else 'refused'}: {self.message}>"


@dataclass
class ApplyResult:
    """An enable run: what was planned, what was applied, what failed, and the report before and after."""

    target: str
    plan: Any                      # plan.Plan
    applied: list = field(default_factory=list)   # the Change objects that took effect, in order
    failed: Any = None             # plan.Refusal, or None
    before: Any = None             # report.Report for the VM, before
    after: Any = None              # report.Report for the VM, after (facts gathered again)
    revert: list = field(default_factory=list)    # Changes that undo ``applied`` (reversible ones only)

    @property
    def ok(self) -> bool:
        return self.failed is None and self.after is not None and self.after.verdict == "ready"

    @property
    def vm(self) -> str:
        return self.plan.vm

    def to_dict(self) -> dict:
        return {
            "target": self.target, "vm": self.plan.vm,
            "plan": [c.to_dict() for c in self.plan.changes],
            "applied": [c.id for c in self.applied],
            "failed": self.failed.to_dict() if self.failed else None,
            "after": self.after.to_dict() if self.after is not None else None,
        }

    def __repr__(self) -> str:
        applied = ", ".join(c.id for c in self.applied) or "nothing"
        failed = f"; failed at {self.failed.id}: {self.failed.message}" if self.failed else ""
        verdict = self.after.verdict if self.after is not None else "unknown"
        return f"<ApplyResult {self.plan.vm}: applied {applied}{failed}; now {verdict}>"
