"""What can run inside a VM (the L1 vantage): data only, built by ``rules.vantage``, shown by the display.

A computer that is itself a VM can run Hyper-V VMs, WSL2, Windows Sandbox or Docker Desktop only when its own
host gives it the virtualization extensions; each answer says why, and which step runs where.
"""

from __future__ import annotations

from dataclasses import dataclass, field

YES, NO, UNKNOWN = "yes", "no", "unknown"
ANSWERS = (YES, NO, UNKNOWN)


@dataclass(slots=True)
class Step:
    """One thing to do, and where: ``here`` (this VM), its host (``on the Hyper-V host HV01``) or ``in Azure``."""

    where: str
    text: str
    command: str | None = None       # the exact line to run there, or None

    def to_dict(self) -> dict:
        return {"where": self.where, "text": self.text, "command": self.command}


@dataclass(slots=True)
class Workload:
    """One thing a user wants to run inside this VM. ``can_run`` yes means nothing outside this VM stops it (the
    steps left, if any, run here); no: something does (the steps say what and where); unknown: cannot tell."""

    name: str                        # Hyper-V VMs | WSL2 | Windows Sandbox | Docker Desktop
    can_run: str                     # yes | no | unknown
    reason: str
    source: str
    steps: list[Step] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "can_run": self.can_run, "reason": self.reason,
                "steps": [s.to_dict() for s in self.steps], "source": self.source}


@dataclass(slots=True)
class Vantage:
    """The view from inside a VM: can nesting work here (``nesting``), why, what to change and where, and the
    four workloads."""

    host: str                        # what this VM runs on, in words ("Azure (Standard_B2s, security type Standard)")
    nesting: str                     # yes | no | unknown
    why: str
    source: str
    change: Step | None = None       # what to change (or how to find out) when nesting is not yes
    known: str | None = None         # where facts are uncertain: what is known, with its date, and how to find out
    workloads: list[Workload] = field(default_factory=list)

    @property
    def headline(self) -> str:
        """One line: whether nesting can work here and why (and which workloads can run)."""
        if self.nesting == YES:
            can = [w.name for w in self.workloads if w.can_run == YES]
            runs = f"; {_join(can)} can run here" if can else ""
            return f"Nesting can work here: {self.why}{runs}"
        if self.nesting == NO:
            return f"Nesting cannot work here: {self.why}"
        return f"Whether nesting can work here is unknown: {self.why}"

    def workload(self, name: str) -> Workload | None:
        return next((w for w in self.workloads if w.name.casefold() == name.casefold()), None)

    def to_dict(self) -> dict:
        return {"host": self.host, "nesting": self.nesting, "headline": self.headline, "why": self.why,
                "change": self.change.to_dict() if self.change else None, "known": self.known,
                "source": self.source, "workloads": [w.to_dict() for w in self.workloads]}


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
