"""Checks, verdicts and the readiness report (contracts §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .facts import HostFacts
from .vantage import Vantage

PASS, INFO, WARN, FAIL = "pass", "info", "warn", "fail"
STATUSES = (PASS, INFO, WARN, FAIL)
READY, FIXABLE, BLOCKED, ERROR = "ready", "fixable", "blocked", "error"
# Worst first: a fleet's verdict is its worst host's.
VERDICT_ORDER = (ERROR, BLOCKED, FIXABLE, READY)


def worst(verdicts) -> str:
    ranked = [VERDICT_ORDER.index(v) for v in verdicts]
    return VERDICT_ORDER[min(ranked)] if ranked else READY


@dataclass(slots=True)
class Check:
    id: str
    vm: str | None
    status: str
    fixable: bool
    title: str
    detail: str
    fix: str | None
    source: str
    # The enable options (dashed, as in vocabulary.ENABLE_OPTIONS) that the change fixing this check needs,
    # e.g. ("discard-saved-state",): next steps and plans read this, never the title.
    opt_ins: tuple[str, ...] = ()
    # What the rule knew beyond its words, for views and advice (e.g. {"existing": [...]} for vm.exists).
    data: dict = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "vm": self.vm, "status": self.status, "fixable": self.fixable,
            "title": self.title, "detail": self.detail, "fix": self.fix, "source": self.source,
        }

    def __repr__(self) -> str:
        where = f" [{self.vm}]" if self.vm else ""
        return f"<Check {self.status.upper()} {self.id}{where}: {self.title}>"


def vm_verdict(checks: list[Check], host_failed: bool) -> str:
    """blocked if the host fails, a fail is not fixable, or a fact a check needs could not be read (a VM is
    never ready on unknowns); fixable if any fail; else ready."""
    fails = [c for c in checks if c.status == FAIL]
    if host_failed or any(not c.fixable for c in fails) or any(c.data.get("unknown") for c in checks):
        return BLOCKED
    return FIXABLE if fails else READY


@dataclass
class Report:
    """A host's readiness, for the VMs it covers. ``error`` is set when facts could not be gathered."""

    target: str
    host: str | None
    profile: str | None
    checks: list[Check] = field(default_factory=list)
    vms: list[dict] = field(default_factory=list)   # [{"name", "verdict"}]
    verdict: str = READY
    error: str | None = None
    path_prefix: str = ""    # the VMs its VMs live in (``myVM`` for a report on myVM/nestedVM); "" for the host's own
    facts: HostFacts | None = field(default=None, repr=False, compare=False)   # the facts checked
    vantage: Vantage | None = field(default=None, repr=False, compare=False)   # what can run here, when it is a VM
    # Views show a big host as groups and its worst VMs; ``--details`` (True) asks for every check of every VM.
    details: bool = field(default=False, repr=False, compare=False)

    @classmethod
    def failed(cls, target: str, message: str) -> "Report":
        return cls(target=target, host=None, profile=None, verdict=ERROR, error=message)

    @property
    def host_checks(self) -> list[Check]:
        return [c for c in self.checks if c.vm is None]

    def checks_for(self, vm: str) -> list[Check]:
        return [c for c in self.checks if c.vm == vm]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for c in self.checks:
            out[c.status] += 1
        return out

    def to_dict(self) -> dict:
        if self.error is not None:
            return {"target": self.target, "verdict": ERROR, "error": self.error}
        out = {
            "target": self.target, "host": self.host, "verdict": self.verdict, "profile": self.profile,
            "checks": [c.to_dict() for c in self.checks],
            "vms": [dict(v) for v in self.vms],
        }
        if self.vantage is not None:      # only a VM's report has it: a physical host's document is unchanged
            out["vantage"] = self.vantage.to_dict()
        return out

    def __repr__(self) -> str:
        if self.error is not None:
            return f"<Report {self.target}: error: {self.error}>"
        c = self.counts()
        return (f"<Report {self.host} ({self.target}, {self.profile}): {self.verdict}; "
                f"{len(self.vms)} VM(s), {c[FAIL]} fail, {c[WARN]} warn, {c[INFO]} info, {c[PASS]} pass>")


@dataclass
class FleetReport:
    """Several hosts checked together; the verdict is the worst host's."""

    hosts: list[Report]

    @property
    def verdict(self) -> str:
        return worst(r.verdict for r in self.hosts)

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "hosts": [r.to_dict() for r in self.hosts]}

    def __repr__(self) -> str:
        tally: dict[str, int] = {}
        for r in self.hosts:
            tally[r.verdict] = tally.get(r.verdict, 0) + 1
        parts = ", ".join(f"{n} {v}" for v, n in sorted(tally.items(), key=lambda kv: VERDICT_ORDER.index(kv[0])))
        return f"<FleetReport {len(self.hosts)} host(s): {self.verdict}; {parts}>"
