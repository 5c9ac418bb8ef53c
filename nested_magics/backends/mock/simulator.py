"""A faithful simulator of what Hyper-V does to a host's VMs, by build (facts §2, §3).

It mutates a HostFacts document in place and works at any depth: a VM path such as ``myVM/nestedVM``
names a VM inside the guest of ``myVM``. This module holds the host itself (levels, guests, power);
``changes`` and ``actions`` hold what each enable change and each VM action does to it.
"""

from __future__ import annotations

import copy
import time

from ...errors import ActionRefused, UsageProblem
from ...model.facts import VM, HostFacts, Machine, Memory, OSInfo, version_tuple
from ...model.plan import Change
from ...model.results import ActionResult
from ...model.sizes import format_size
from ...rules import host_blockers
from ...rules import requirements as req
from ...vocabulary import VM_ACTIONS
from ..base import VMPath
from . import actions
from .changes import CHANGES
from .faults import Fault
from .levels import Level
from .texts import (ALREADY_IN_STATE, COMPONENTS_NOT_RUNNING, FEATURE_UNKNOWN, GUEST_OS_MEMORY, HYPERVISOR_RUNNING,
                    INVALID_STATE, NO_NESTING_PLATFORM, NOT_RECOGNIZED, SAVED_NOT_STOPPED, VERSION_NOT_SUPPORTED,
                    simulated)


class Simulator:
    """Hyper-V's behaviour on one host-facts document."""

    def __init__(self, facts: HostFacts, faults: list[Fault] | None = None, latency_ms: float = 0.0,
                 sleep=time.sleep):
        self.facts = facts
        self.faults = list(faults or [])
        self.latency_ms = latency_ms
        self._sleep = sleep

    # ------------------------------------------------------------ paths and levels

    def resolve(self, path: str, *, create: bool = False) -> list[Level]:
        """The chain of levels down to the VM at ``path`` (its last element may be missing when ``create``)."""
        parts = VMPath.parse(path).parts
        host, parent_vm, chain = self.facts, None, []
        for depth, name in enumerate(parts):
            if host.ambiguous(name):
                raise UsageProblem(host.ambiguous(name))
            vm = host.find_vm(name) or host.find_vm_by_id(name)    # an id names one of two VMs of one name
            last = depth == len(parts) - 1
            if vm is None:
                if create and last:
                    chain.append(Level(host, None, parent_vm, depth))  # type: ignore[arg-type]
                    return chain
                where = self.facts.name if depth == 0 else "/".join(parts[:depth])
                existing = ", ".join(host.vm_names()) or "none"
                raise UsageProblem(f"VM {'/'.join(parts[:depth + 1])!r} does not exist on {where}: VMs there are {existing}")
            chain.append(Level(host, vm, parent_vm, depth))
            if not last:
                self.look_inside(vm, host)
                if vm.guest is None:
                    raise UsageProblem(f"nothing is known inside {'/'.join(parts[:depth + 1])!r}: start it first "
                                       f"(vm start {'/'.join(parts[:depth + 1])})")
                host, parent_vm = vm.guest, vm
        return chain

    def host_at(self, path: str) -> HostFacts:
        """The host facts a planner should judge for a VM at ``path`` (L0 itself, or an effective guest host)."""
        chain = self.resolve(path)
        return self.effective_host(chain[:-1])

    def effective_host(self, chain: list[Level]) -> HostFacts:
        """A guest's facts filled in from the levels above, so host rules can judge it.

        Inside a VM the CPU is the physical one, exposed only when that VM nests; the hypervisor
        there is Hyper-V once it is installed.
        """
        if not chain:
            return self.facts
        last = chain[-1]
        guest = copy.copy(last.vm.guest)
        above = self.effective_host(chain[:-1])
        guest.cpu = copy.copy(above.cpu)
        exposed = last.vm.nesting and self.level_can_nest(chain[:-1])
        guest.cpu.vmx = exposed
        guest.cpu.slat = exposed
        guest.cpu.firmware_enabled = exposed
        guest.hypervisor_present = guest.hyperv_installed and exposed
        if guest.os.build is None:
            guest.os = OSInfo(build=above.os.build, caption=above.os.caption, kind=guest.os.kind)
        if not guest.supported_vm_versions:
            guest.supported_vm_versions = list(above.supported_vm_versions)
            guest.default_vm_version = above.default_vm_version
        if guest.memory is None and last.vm.startup_bytes:
            guest.memory = Memory(total_bytes=last.vm.startup_bytes)
        if guest.machine is None:   # what Win32_ComputerSystem says in any Hyper-V guest (real-hosts §6)
            guest.machine = Machine(virtual=True, manufacturer="Microsoft Corporation", model="Virtual Machine")
        return guest

    def level_can_nest(self, chain: list[Level]) -> bool:
        """Can the hypervisor at the end of ``chain`` expose virtualization extensions to its VMs?"""
        if not chain:
            return not host_blockers(self.facts)
        last = chain[-1]
        guest = last.vm.guest
        if guest is None or not guest.hyperv_installed or not last.vm.nesting:
            return False
        if guest.os.build is not None and guest.os.build < req.PREVIEW_FIRST_BUILD:
            return False
        return self.level_can_nest(chain[:-1])

    def level_runs_vms(self, chain: list[Level]) -> str | None:
        """None when the host at the end of ``chain`` can run VMs, else why not."""
        if not chain:
            if not self.facts.hyperv_installed:
                return NOT_RECOGNIZED.format("Start-VM")
            if not self.facts.hypervisor_present:
                return simulated(f"the virtual machine could not be started because the hypervisor is not running "
                                 f"on {self.facts.name} (bcdedit /set hypervisorlaunchtype auto, then restart)")
            return None
        last = chain[-1]
        if last.vm.state != "Running":
            return simulated(f"'{last.vm.name}' is {last.vm.state}: start it before acting on the VMs inside it")
        if last.vm.guest is None or not last.vm.guest.hyperv_installed:
            return None  # handled by the caller: the cmdlet does not exist there
        if not (last.vm.nesting and self.level_can_nest(chain[:-1])):
            return "components"
        return None

    # ------------------------------------------------------------ faults and latency

    def _fault(self, operation: str, vm: str | None) -> None:
        for fault in self.faults:
            if fault.matches(operation, vm):
                if fault.times is not None:
                    fault.times -= 1
                raise ActionRefused(fault.message)

    def pause(self) -> None:
        if self.latency_ms:
            self._sleep(self.latency_ms / 1000)

    def gather(self) -> HostFacts:
        """What a facts query returns (honours a ``facts`` fault and the latency)."""
        self.pause()
        self._fault("facts", None)
        return self.facts

    # ------------------------------------------------------------ enable changes

    def apply_change(self, change: Change) -> str:
        """Apply one planned change to the VM named in it, as Hyper-V would; ActionRefused if it fails. Returns
        what the step answers ("" unless it has something to say, such as finding its work done)."""
        self.pause()
        path = change.params.get("path", change.target)
        chain = self.resolve(path)
        level = chain[-1]
        vm = level.vm
        self._fault(change.id, vm.name)
        return CHANGES[change.id](self, chain, vm, change) or ""

    # ------------------------------------------------------------ behaviour

    def start(self, chain: list[Level], vm: VM) -> str:
        if vm.state == "Running":
            return ALREADY_IN_STATE
        if vm.state not in ("Off", "Saved"):
            raise ActionRefused(INVALID_STATE if vm.state != "Paused" else
                                simulated(f"'{vm.name}' is Paused: resume it (Resume-VM) instead of starting it"))
        above = chain[:-1]
        host = chain[-1].host
        why = self.level_runs_vms(above)
        if why == "components":
            raise ActionRefused(COMPONENTS_NOT_RUNNING.format(vm.name))
        if why:
            raise ActionRefused(why)
        if above and not host.hyperv_installed:
            raise ActionRefused(NOT_RECOGNIZED.format("Start-VM"))
        supported = {version_tuple(v) for v in host.supported_vm_versions}
        if supported and version_tuple(vm.version) not in supported:
            raise ActionRefused(VERSION_NOT_SUPPORTED.format(vm.version, vm.name))
        if vm.nesting:
            if not self.level_can_nest(above):
                raise ActionRefused(NO_NESTING_PLATFORM)
            effective = self.effective_host(above)
            build = effective.os.build
            if req.profile(build) == "preview" and vm.dynamic_memory:
                raise ActionRefused(simulated(
                    f"'{vm.name}' failed to boot: dynamic memory must be off in a VM with nested virtualization "
                    f"enabled on build {build} (the blog: \"This will prevent the VM from booting\")"))
            required = req.required_vm_version(effective)
            if not req.version_meets(vm.version, required):
                raise ActionRefused(simulated(
                    f"'{vm.name}' could not be started: since build 14361 a VM with nested virtualization needs "
                    f"configuration version {required} or later (it has {vm.version}); run Update-VMVersion, or set "
                    "-ExposeVirtualizationExtensions $false"))
        memory = host.memory
        need = vm.startup_bytes or 0
        if vm.state == "Off" and above:
            self.fits_in_guest(above[-1].vm, host, vm, need)
        if vm.state == "Off" and memory is not None and memory.free_bytes is not None:
            if need > memory.free_bytes:
                raise ActionRefused(simulated(
                    f"'{vm.name}' could not be started: it needs {format_size(need)} of memory and "
                    f"{host.name or 'the host'} has {format_size(memory.free_bytes)} free"))
            memory.free_bytes -= need
        restored = vm.state == "Saved"
        vm.state = "Running"
        if vm.guest is None:
            vm.guest = self.new_guest(vm, host)
        return f"{vm.name} is Running" + (" (restored from its saved state)" if restored else "")

    def look_inside(self, vm: VM, host: HostFacts) -> HostFacts | None:
        """A running VM whose guest the scenario left unknown (no guest access) boots as a fresh guest the first
        time the simulator acts inside it, as Invoke-Command -VMName would find it."""
        if vm.guest is None and vm.state == "Running":
            vm.guest = self.new_guest(vm, host)
        return vm.guest

    def fits_in_guest(self, parent: VM, guest: HostFacts, vm: VM, need: int) -> None:
        """Inside a VM, nested VMs share that VM's own memory, less what its OS keeps (the blog:
        nesting "requires a good amount of memory")."""
        if not parent.startup_bytes:
            return
        running = sum(v.startup_bytes or 0 for v in guest.vms if v.state in ("Running", "Paused") and v is not vm)
        free = max(parent.startup_bytes - GUEST_OS_MEMORY - running, 0)
        if need > free:
            raise ActionRefused(simulated(
                f"'{vm.name}' could not be started: it needs {format_size(need)} of memory and '{parent.name}' has "
                f"{format_size(free)} left for its VMs ({format_size(parent.startup_bytes)}, of which its own OS "
                f"keeps about {format_size(GUEST_OS_MEMORY)}); give '{parent.name}' more memory while it is Off"))

    def new_guest(self, vm: VM, host: HostFacts) -> HostFacts:
        """What a freshly booted guest reports: the host's OS (the blog wants the same build at every level)."""
        name = "".join(ch for ch in vm.name.upper() if ch.isalnum() or ch == "-")[:15] or "GUEST"
        os = OSInfo(build=host.os.build or self.facts.os.build, caption=host.os.caption or self.facts.os.caption,
                    kind=host.os.kind)
        return HostFacts(name=name, os=os, hypervisor_present=True, hyperv_installed=False, is_guest=True)

    def stop(self, chain: list[Level], vm: VM, turn_off: bool) -> str:
        if vm.state == "Off":
            return ALREADY_IN_STATE
        if vm.state == "Paused" and not turn_off:
            raise ActionRefused(simulated(f"'{vm.name}' is Paused and cannot shut down gracefully: "
                                          "turn it off (--turn-off)"))
        if vm.state == "Saved" and not turn_off:
            raise ActionRefused(simulated(SAVED_NOT_STOPPED.format(vm.name)))
        if vm.state not in ("Running", "Paused", "Saved"):
            raise ActionRefused(INVALID_STATE)
        was_running = vm.state in ("Running", "Paused")
        vm.state = "Off"
        host = chain[-1].host
        if was_running and host.memory is not None and host.memory.free_bytes is not None:
            host.memory.free_bytes += vm.startup_bytes or 0
        if vm.guest is not None:
            for inner in vm.guest.vms:   # the guest shut down: so did every VM it ran
                if inner.state in ("Running", "Paused"):
                    inner.state = "Off"
        if was_running:
            return f"{vm.name} is Off" + (" (turned off)" if turn_off else " (shut down)")
        return f"{vm.name} is Off (its saved state was discarded)"

    def hosts_vms(self, vm: VM) -> bool:
        return vm.nesting and vm.guest is not None and vm.guest.hyperv_installed

    def install_hyperv(self, chain: list[Level], vm: VM) -> str:
        self.look_inside(vm, chain[-1].host)
        if vm.state != "Running" or vm.guest is None:
            raise ActionRefused(simulated(f"'{vm.name}' must be Running to install Hyper-V inside it "
                                          "(Invoke-Command -VMName needs a running guest)"))
        guest = vm.guest
        if guest.hyperv_installed:
            return f"Hyper-V is already installed in {vm.name}"
        if req.edition_lacks_hyperv(guest):       # Home: the edition does not own the feature
            raise ActionRefused(FEATURE_UNKNOWN.format("Microsoft-Hyper-V"))
        above = chain[:-1]
        if not vm.nesting or not self.level_can_nest(above):
            raise ActionRefused(HYPERVISOR_RUNNING)
        build = guest.os.build
        if build is not None and build < req.PREVIEW_FIRST_BUILD:
            raise ActionRefused(simulated(f"Hyper-V in {vm.name} must be build {req.PREVIEW_FIRST_BUILD} or later: "
                                          "the blog says both hypervisors need to be the latest"))
        effective = self.effective_host(above)
        guest.hyperv_installed = True
        guest.hypervisor_present = True
        if not guest.supported_vm_versions:
            guest.supported_vm_versions = list(effective.supported_vm_versions)
            guest.default_vm_version = effective.default_vm_version
        return f"Hyper-V is installed in {vm.name}; the guest restarted"

    # ------------------------------------------------------------ VM actions

    def vm_action(self, target: str, action: str, path: str, *, memory=None, start: bool = False,
                  turn_off: bool = False, size=None) -> ActionResult:
        """Run one %nested_vm action; Hyper-V's refusals come back as ``ok=False`` results."""
        if action not in VM_ACTIONS:
            raise UsageProblem(f"unknown VM action {action!r}: use one of {', '.join(VM_ACTIONS)}")
        self.pause()
        try:
            if action == "new":
                message = actions.new(self, path, memory=memory, start=start)
            else:
                chain = self.resolve(path)
                vm = chain[-1].vm
                self._fault(action, vm.name)
                message = actions.ACTIONS[action](self, chain, vm, turn_off=turn_off, size=size)
        except ActionRefused as refused:
            return ActionResult(target, action, path, False, str(refused))
        return ActionResult(target, action, path, True, message)
