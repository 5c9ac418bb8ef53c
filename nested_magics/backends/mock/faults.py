"""Fault injection for the simulated host (contracts §2: the mock-only ``faults`` and ``latency_ms`` keys).

A scenario can make an operation fail with a message of its choosing, to show a failure in a tutorial
or to test one. These keys belong to the mock alone: the shared host-facts model never carries them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from ...errors import FactsError
from ...vocabulary import VM_ACTIONS


@dataclass(slots=True)
class Fault:
    """Make ``operation`` (on ``vm``, or any VM) fail with ``message``, ``times`` times (None: always)."""

    operation: str
    message: str
    vm: str | None = None
    times: int | None = None

    def matches(self, operation: str, vm: str | None) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.operation.lower() != operation.lower():
            return False
        return self.vm is None or (vm is not None and self.vm.lower() == vm.lower())

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"operation": self.operation, "message": self.message}
        if self.vm is not None:
            out["vm"] = self.vm
        if self.times is not None:
            out["times"] = self.times
        return out


def known_operations() -> tuple[str, ...]:
    from ...changes import CHANGE_IDS

    return ("facts",) + CHANGE_IDS + tuple(a for a in VM_ACTIONS if a not in CHANGE_IDS)


def parse_faults(doc: dict, source: str) -> list[Fault]:
    """The ``faults`` of a scenario document (already schema-valid); an operation that could never match
    would silently never fire, so it is named instead."""
    known = known_operations()
    out = []
    for i, item in enumerate(doc.get("faults") or []):
        operation = item["operation"].lower()
        if operation not in known:
            hint = difflib.get_close_matches(operation, known, n=1)
            suffix = f" (did you mean {hint[0]!r}?)" if hint else f"; use one of {', '.join(known)}"
            raise FactsError(f"{source}: faults[{i}].operation: unknown operation {item['operation']!r}{suffix}")
        out.append(Fault(**item))
    return out
