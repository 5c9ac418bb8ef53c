"""What every backend offers the engine, and the VM path they all read the same way.

Rules and the planner never see which backend they talk to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from ..errors import UsageProblem
from ..model.facts import HostFacts
from ..model.plan import Change, Refusal
from ..model.results import ActionResult

# progress(change, status, message): status is "running", "done" or "failed".
Progress = Callable[[Change, str, str], None]


@dataclass(frozen=True)
class VMPath:
    """``myVM`` or ``myVM/nestedVM`` (a VM inside the guest of ``myVM``); ``\\`` works as ``/``."""

    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: object, what: str = "a VM path") -> "VMPath":
        """The path in ``text``; one usage line when it is not one."""
        if not isinstance(text, str):
            raise UsageProblem(f"{what} is needed: a VM name such as myVM, or myVM/nestedVM for a VM inside it")
        parts = tuple(text.replace("\\", "/").split("/"))
        if not text.strip() or any(not part.strip() for part in parts):
            raise UsageProblem(f"bad VM path {text!r}: use a VM name such as myVM, or myVM/nestedVM for a VM inside it")
        return cls(parts)

    @property
    def name(self) -> str:
        """The VM itself (the last part)."""
        return self.parts[-1]

    @property
    def nested(self) -> bool:
        """Does the VM live inside another VM?"""
        return len(self.parts) > 1

    @property
    def prefix(self) -> str:
        """The VMs it lives in, as a path (empty for a VM on the host)."""
        return "/".join(self.parts[:-1])

    def __str__(self) -> str:
        return "/".join(self.parts)


class Backend(Protocol):
    target: str
    kind: str                       # "mock", "winrm" or "local"

    def facts(self, guests: tuple[str, ...] = ()) -> HostFacts:
        """The host's facts now (one round trip for a real host), looking inside the ``guests`` named."""

    def apply_changes(self, changes: list[Change], progress: Progress | None = None) -> tuple[list[Change], Refusal | None]:
        """Apply in order, stop at the first failure; return what took effect and the failure."""

    def vm_action(self, action: str, path: str, **options) -> ActionResult:
        """One VM action; Hyper-V's refusal is a result with ok False."""

    def host_for(self, path: str) -> HostFacts:
        """The host facts that judge the VM at ``path`` (L0, or the guest a nested VM lives in)."""

    def describe(self) -> str:
        """One line: what this backend is connected to."""

    def close(self) -> None:
        ...
