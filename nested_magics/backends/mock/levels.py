"""One step down a VM path, as the simulator walks it."""

from __future__ import annotations

from dataclasses import dataclass

from ...model.facts import VM, HostFacts


@dataclass
class Level:
    """One step down a VM path: the host a VM runs on, the VM, and the VM that host lives in (or None for L0)."""

    host: HostFacts
    vm: VM
    parent_vm: VM | None
    depth: int           # 0: the VM runs on the physical host
