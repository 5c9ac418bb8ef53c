"""The words every front end, the planner and the backends share, each list typed once.

The enable-option table is the one home of the enable options: the command-line flags, the magics'
flags, the ``%%nested_enable`` cell-body keys, ``EnableOptions`` and its JSON all derive from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nested_magics.model.sizes import GiB

NEW_VM_MEMORY = 1 * GiB           # what %nested_vm new gives a VM unless told (Hyper-V Manager's default)
RECOMMENDED_VM_MEMORY = 4 * GiB   # the blog; Microsoft's Enable-NestedVm.ps1 offers 4 GB
NETWORKING_MODES = ("mac-spoofing", "nat", "none")
TRANSPORTS = ("ntlm", "kerberos", "basic", "credssp", "certificate")


@dataclass(frozen=True)
class EnableOption:
    """One enable option. ``name`` is the dashed word of the flag (``--install-hyperv``), the cell-body
    key and the JSON key; ``attr`` is the Python name. ``kind``: ``size``, ``choice`` or ``flag``."""

    name: str
    kind: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()

    @property
    def attr(self) -> str:
        return self.name.replace("-", "_")

    @property
    def flag(self) -> str:
        return f"--{self.name}"


ENABLE_OPTIONS: tuple[EnableOption, ...] = (
    EnableOption("memory", "size", RECOMMENDED_VM_MEMORY, "startup memory to set when lower (default 4GB), or 'keep'"),
    EnableOption("networking", "choice", "mac-spoofing", "how nested guests reach the network (default mac-spoofing)",
                 NETWORKING_MODES),
    EnableOption("start", "flag", False, "start the VM afterwards"),
    EnableOption("install-hyperv", "flag", False, "install Hyper-V in the guest (blog step 3)"),
    EnableOption("update-version", "flag", False, "allow Update-VMVersion (cannot be undone)"),
    EnableOption("turn-off", "flag", False, "allow turning the VM off (not a graceful shutdown)"),
    EnableOption("discard-saved-state", "flag", False, "allow discarding a saved state"),
)
ENABLE_OPTION = {option.attr: option for option in ENABLE_OPTIONS}


@dataclass(frozen=True)
class VMAction:
    """One ``%nested_vm`` / ``nested-magics vm`` action and the options it takes."""

    name: str
    help: str
    options: tuple[str, ...] = ()
    not_remote: str | None = None    # why a real host's backend cannot run it yet (None: it can)


VM_ACTION_LIST: tuple[VMAction, ...] = (
    VMAction("new", "create a VM (myVM/nestedVM: inside a VM)", ("memory", "start")),
    VMAction("start", "start (or restore) a VM"),
    VMAction("stop", "shut a VM down gracefully (--turn-off: turn it off; a Saved VM: discard its saved state)",
             ("turn_off",)),
    VMAction("save", "save a running VM's state"),
    VMAction("checkpoint", "make a checkpoint"),
    VMAction("apply-checkpoint", "go back to the latest checkpoint"),
    VMAction("resize-memory", "change a VM's memory (resize-memory PATH SIZE)", ("size",)),
    VMAction("live-migrate", "move a running VM to another host",
             not_remote="it needs a destination host: run Move-VM on the host"),
    VMAction("install-hyperv", "install Hyper-V inside a running VM (blog step 3)",
             not_remote="it runs inside the VM: use enable VM --install-hyperv --guest-user USER"),
)
VM_ACTIONS = tuple(action.name for action in VM_ACTION_LIST)
VM_ACTION = {action.name: action for action in VM_ACTION_LIST}
VM_ACTION_OPTIONS = frozenset(name for action in VM_ACTION_LIST for name in action.options)
