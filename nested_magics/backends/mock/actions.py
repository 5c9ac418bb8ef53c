"""What each ``%nested_vm`` action does to the simulated host; Hyper-V's refusals are ActionRefused."""

from __future__ import annotations

import uuid

from ...errors import ActionRefused, UsageProblem
from ...model.facts import VM, NetworkAdapter
from ...model.sizes import format_size
from ...rules import requirements as req
from ..base import VMPath
from ...model.sizes import size_option
from .levels import Level
from ...vocabulary import NEW_VM_MEMORY
from .texts import INVALID_STATE, NOT_RECOGNIZED, simulated


def new(sim, path: str, memory, start: bool) -> str:
    startup = NEW_VM_MEMORY if memory is None else size_option(memory)   # bad input first
    chain = sim.resolve(path, create=True)
    level = chain[-1]
    name = VMPath.parse(path).name
    if level.vm is not None:
        raise ActionRefused(simulated(f"a VM named '{level.vm.name}' already exists there; nested-magics "
                                      "addresses VMs by name, so pick another name"))
    sim._fault("new", name)
    above = chain[:-1]
    if above:
        parent = above[-1].vm
        if parent.state != "Running":
            raise ActionRefused(simulated(f"'{parent.name}' is {parent.state}: start it before creating VMs inside it"))
        if not level.host.hyperv_installed:
            raise ActionRefused(NOT_RECOGNIZED.format("New-VM"))
    elif not sim.facts.hyperv_installed:
        raise ActionRefused(NOT_RECOGNIZED.format("New-VM"))
    host = level.host
    version = host.default_vm_version or sim.effective_host(above).default_vm_version or "8.0"
    switch = next((s.name for s in host.switches if s.type == "External"), None) or (
        host.switches[0].name if host.switches else None)
    vm = VM(name=name, state="Off", version=version, id=str(uuid.uuid4()), generation=2, processor_count=1,
            startup_bytes=startup, dynamic_memory=False,
            network_adapters=[NetworkAdapter("Network Adapter", switch, False)] if switch else [])
    host.vms.append(vm)
    message = f"Created {path} ({format_size(startup)}, version {version}, generation 2)"
    if start:
        chain[-1] = Level(host, vm, level.parent_vm, level.depth)
        try:
            message += "; " + sim.start(chain, vm)
        except ActionRefused as refused:   # New-VM worked, Start-VM did not: say both
            raise ActionRefused(f"{message}, but it did not start: {refused}") from None
    return message




def start(sim, chain, vm: VM, **_) -> str:
    return sim.start(chain, vm)

def stop(sim, chain, vm: VM, turn_off: bool = False, **_) -> str:
    return sim.stop(chain, vm, turn_off)

def install_hyperv(sim, chain, vm: VM, **_) -> str:
    return sim.install_hyperv(chain, vm)

def _preview_nesting(sim, chain, vm: VM) -> bool:
    return vm.nesting and req.profile(sim.effective_host(chain[:-1]).os.build) == "preview"

def save(sim, chain, vm: VM, **_) -> str:
    if vm.state != "Running":
        raise ActionRefused(INVALID_STATE)
    if _preview_nesting(sim, chain, vm):
        raise ActionRefused(simulated(f"'{vm.name}' could not be saved: save/restore fails for a VM with nested "
                                      "virtualization enabled on the 2015 preview (the blog's known issues)"))
    vm.state = "Saved"
    return f"{vm.name} is Saved"

def checkpoint(sim, chain, vm: VM, **_) -> str:
    if vm.state == "Running" and _preview_nesting(sim, chain, vm):
        raise ActionRefused(simulated(f"checkpoint of '{vm.name}' failed: on the 2015 preview a running VM with "
                                      "nested virtualization cannot save its state (the blog: checkpoints of a "
                                      "running VM fail)"))
    vm.checkpoints += 1
    return f"Checkpoint {vm.checkpoints} of {vm.name} created"

def apply_checkpoint(sim, chain, vm: VM, **_) -> str:
    if not vm.checkpoints:
        raise ActionRefused(simulated(f"'{vm.name}' has no checkpoint to apply"))
    if vm.state == "Running" and _preview_nesting(sim, chain, vm):
        raise ActionRefused(simulated(f"applying a checkpoint to '{vm.name}' failed: the blog: \"Applying "
                                      "checkpoints to a running VM will fail\" once nesting is on (2015 preview)"))
    return f"{vm.name} is back at its latest checkpoint (checkpoint {vm.checkpoints})"

def resize_memory(sim, chain, vm: VM, size=None, **_) -> str:
    if size is None:
        raise UsageProblem("resize-memory needs a size: resize-memory PATH SIZE, e.g. resize-memory myVM 6GB")
    new = size_option(size)
    if vm.state == "Off":
        vm.startup_bytes = new
        return f"{vm.name} startup memory is {format_size(new)}"
    if vm.state != "Running":
        raise ActionRefused(INVALID_STATE)
    if _preview_nesting(sim, chain, vm):
        raise ActionRefused(simulated(f"runtime memory resize of '{vm.name}' failed: it fails for a VM with nested "
                                      "virtualization enabled on the 2015 preview (the blog's known issues)"))
    if vm.dynamic_memory:
        raise ActionRefused(simulated(f"'{vm.name}' uses dynamic memory: its startup memory changes only while "
                                      "it is Off (change minimum/maximum instead)"))
    if sim.hosts_vms(vm):
        raise ActionRefused(simulated(f"runtime memory resize of '{vm.name}' failed: while Hyper-V runs inside "
                                      "a VM it must be Off to change its memory (Microsoft's nesting docs)"))
    vm.startup_bytes = new
    return f"{vm.name} now has {format_size(new)} (resized while running)"

def live_migrate(sim, chain, vm: VM, **_) -> str:
    if vm.state != "Running":
        raise ActionRefused(simulated(f"'{vm.name}' is {vm.state}: only a running VM can be live-migrated"))
    if _preview_nesting(sim, chain, vm):
        raise ActionRefused(simulated(f"live migration of '{vm.name}' failed: a VM with nested virtualization "
                                      "enabled cannot be live-migrated on the 2015 preview (the blog's known issues)"))
    note = ""
    if sim.hosts_vms(vm):
        note = (" Note: Microsoft's current docs do not say whether live migration of a VM hosting VMs is "
                "supported (uncertain); test it before you rely on it.")
    return simulated(f"{vm.name} was live-migrated and keeps running") + note


# One handler per VM action but ``new`` (which has no VM yet).
ACTIONS = {
    "start": start,
    "stop": stop,
    "install-hyperv": install_hyperv,
    "save": save,
    "checkpoint": checkpoint,
    "apply-checkpoint": apply_checkpoint,
    "resize-memory": resize_memory,
    "live-migrate": live_migrate,
}
