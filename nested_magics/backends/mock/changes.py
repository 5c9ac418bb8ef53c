"""What each enable change does to the simulated host, as Hyper-V would do it (facts §3)."""

from __future__ import annotations

from ...changes import NAT_ALREADY_THERE, SWITCH_KEPT
from ...errors import ActionRefused
from ...model.facts import VM, Nat, Switch
from ...model.plan import Change
from .texts import INVALID_STATE, NOT_RECOGNIZED, simulated


def _require_off(vm: VM) -> None:
    if vm.state != "Off":
        raise ActionRefused(INVALID_STATE)

def discard_saved_state(sim, chain, vm: VM, change: Change) -> None:
    if vm.state != "Saved":
        raise ActionRefused(INVALID_STATE)
    vm.state = "Off"

def stop_vm(sim, chain, vm: VM, change: Change) -> None:
    if change.params.get("suspend"):          # Suspend-VM: the undo of resuming a paused VM
        if vm.state != "Running":
            raise ActionRefused(INVALID_STATE)
        vm.state = "Paused"
        return
    sim.stop(chain, vm, turn_off=change.params.get("turn_off", False))

def start_vm(sim, chain, vm: VM, change: Change) -> None:
    if vm.state == "Paused":                  # Resume-VM
        vm.state = "Running"
        return
    sim.start(chain, vm)

def update_version(sim, chain, vm: VM, change: Change) -> None:
    _require_off(vm)
    host = chain[-1].host
    target = host.default_vm_version or change.after
    if target is None:
        raise ActionRefused(simulated(f"'{vm.name}': the host's default VM version is unknown"))
    vm.version = target

def expose_extensions(sim, chain, vm: VM, change: Change) -> None:
    # Accepted even on platforms that cannot nest: the failure shows only at Start-VM (facts §3).
    _require_off(vm)
    vm.expose_virtualization_extensions = bool(change.params.get("value", True))

def disable_dynamic_memory(sim, chain, vm: VM, change: Change) -> None:
    _require_off(vm)
    vm.dynamic_memory = bool(change.params.get("value", False))

def set_startup_memory(sim, chain, vm: VM, change: Change) -> None:
    _require_off(vm)
    vm.startup_bytes = int(change.params["value"])

def enable_mac_spoofing(sim, chain, vm: VM, change: Change) -> None:
    for adapter in vm.network_adapters:   # can change while the VM runs (facts §2.3)
        adapter.mac_spoofing = bool(change.params.get("value", True))

def install_hyperv(sim, chain, vm: VM, change: Change) -> None:
    sim.install_hyperv(chain, vm)

def guest_nat(sim, chain, vm: VM, change: Change) -> str | None:
    guest = sim.look_inside(vm, chain[-1].host)
    if vm.state != "Running" or guest is None:
        raise ActionRefused(simulated(f"'{vm.name}' must be running to change its guest's network"))
    if not guest.hyperv_installed:
        raise ActionRefused(NOT_RECOGNIZED.format("New-VMSwitch"))
    if change.params.get("remove"):
        guest.nat = [n for n in guest.nat if n.name != change.params.get("nat_name")]
        if change.params.get("remove_switch", True):
            guest.switches = [s for s in guest.switches if s.name != change.params.get("switch")]
        return None
    name, prefix = change.params.get("nat_name", "LocalNAT"), change.params.get("prefix")
    if any(n.name.casefold() == name.casefold() and n.prefix in (None, prefix) for n in guest.nat):
        return NAT_ALREADY_THERE    # already there: the step's first check finds it
    if guest.nat:                   # one NAT per host; the step checks before it makes anything (real-hosts.md §7)
        raise ActionRefused(simulated(f"this guest already has a NAT ({guest.nat[0].name}) and Windows allows one "
                                      "NAT per host, so nothing was changed"))
    switch = change.params.get("switch", "VmNAT")
    kept = any(s.name == switch for s in guest.switches)    # the step uses a switch it finds, and says so
    if not kept:
        guest.switches.append(Switch(switch, "Internal"))
    guest.nat.append(Nat(name, prefix))
    return SWITCH_KEPT if kept else None


# One handler per change id (contracts §4).
CHANGES = {
    "discard-saved-state": discard_saved_state,
    "stop-vm": stop_vm,
    "start-vm": start_vm,
    "update-version": update_version,
    "expose-extensions": expose_extensions,
    "disable-dynamic-memory": disable_dynamic_memory,
    "set-startup-memory": set_startup_memory,
    "enable-mac-spoofing": enable_mac_spoofing,
    "install-hyperv": install_hyperv,
    "guest-nat": guest_nat,
}
