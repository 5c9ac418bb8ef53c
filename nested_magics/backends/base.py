"""What every backend offers the engine; rules and the planner never see which one they talk to."""

from __future__ import annotations

from typing import Callable, Protocol

from ..facts import HostFacts
from ..plan import Change, Refusal
from ..results import ActionResult

# progress(change, status, message): status is "running", "done" or "failed".
Progress = Callable[[Change, str, str], None]


class Backend(Protocol):
    target: str
    kind: str                       # "mock" or "winrm"

    def facts(self) -> HostFacts:
        """The host's facts now (one round trip for a real host)."""

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
