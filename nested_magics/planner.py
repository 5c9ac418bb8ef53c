"""The enable planner (contracts §4): facts + options in, an ordered list of changes out.

Like Microsoft's Enable-NestedVm.ps1, but it checks the host first, re-judges each change on the
state the changes before it leave, never forces anything without an opt-in, and records every
``before`` so a revert plan can restore it.
"""

from __future__ import annotations

import copy
from typing import Any

from nested_magics import pwsh
from nested_magics.rules import requirements as req
from nested_magics.errors import UsageProblem
from nested_magics.model.facts import SETTLED_STATES, VM, HostFacts, Nat
from nested_magics.model.plan import Change, EnableOptions, Plan, Refusal
from nested_magics.rules import host_blockers

GUEST_NAT = Nat(name="LocalNAT", prefix="192.168.100.0/24")   # Microsoft's example (facts §2.3)
GUEST_NAT_SWITCH = "VmNAT"


def _change(id_: str, vm: VM, setting: str, before: Any, after: Any, powershell: str, reversible: bool,
            **params: Any) -> Change:
    return Change(id_, vm.name, setting, before, after, powershell, reversible, {"vm": vm.name, **params})


def plan_enable(host: HostFacts, vm_name: str, options: EnableOptions | None = None) -> Plan:
    """Plan the changes that make ``vm_name`` ready to nest; refusals name the missing opt-in."""
    options = options or EnableOptions()
    found = host.find_vm(vm_name)
    if found is None:
        existing = ", ".join(host.vm_names()) or "none"
        raise UsageProblem(f"VM {vm_name!r} does not exist on {host.name}: VMs there are {existing}")
    plan = Plan(host.name, found.name, options, [])
    blockers = host_blockers(host)
    if blockers:
        reasons = "; ".join(c.title for c in blockers)
        plan.refused = Refusal("host", f"{host.name} cannot run nested VMs: {reasons}. Fix the host first.")
        return plan
    vm = copy.deepcopy(found)   # the simulated state each change is judged on
    changes = plan.changes
    required = req.required_vm_version(host)

    needs_version = not req.version_meets(vm.version, required)
    if vm.state != "Off" and req.needs_off(host, vm):
        refusal = _bring_off(vm, options, changes)
        if refusal:
            plan.refused = refusal
    if plan.refused is None and needs_version:
        if not req.version_meets(host.default_vm_version, required):
            plan.refused = Refusal("update-version", f"{vm.name} has version {vm.version} and nesting needs {required}, "
                                   f"but {host.name} supports at most {host.default_vm_version}: it needs a newer host")
        elif not options.update_version:
            plan.refused = Refusal("update-version", f"{vm.name} has version {vm.version}, below the {required} nesting "
                                   "needs: pass --update-version to run Update-VMVersion (it cannot be undone)")
        else:
            changes.append(_change("update-version", vm, "Version", vm.version, host.default_vm_version,
                                   pwsh.command("Update-VMVersion", "Force", Name=vm.name), False))
            vm.version = host.default_vm_version
    if plan.refused is not None:
        return plan
    if vm.state == "Off":
        if not vm.nesting:
            changes.append(_change("expose-extensions", vm, "ExposeVirtualizationExtensions", False, True,
                                   pwsh.command("Set-VMProcessor", VMName=vm.name, ExposeVirtualizationExtensions=True),
                                   True, value=True))
            vm.expose_virtualization_extensions = True
        if vm.dynamic_memory:
            changes.append(_change("disable-dynamic-memory", vm, "DynamicMemoryEnabled", True, False,
                                   pwsh.command("Set-VMMemory", VMName=vm.name, DynamicMemoryEnabled=False),
                                   True, value=False))
            vm.dynamic_memory = False
        wanted = options.memory
        if wanted is not None and (vm.startup_bytes or 0) < wanted:
            changes.append(_change("set-startup-memory", vm, "MemoryStartupBytes", vm.startup_bytes, wanted,
                                   pwsh.command("Set-VMMemory", VMName=vm.name, StartupBytes=wanted), True,
                                   value=wanted))
            vm.startup_bytes = wanted
    if options.networking == "mac-spoofing" and any(not a.mac_spoofing for a in vm.network_adapters):
        changes.append(_change("enable-mac-spoofing", vm, "MacAddressSpoofing", False, True,
                               pwsh.mac_spoofing(vm.name), True, value=True))
        for adapter in vm.network_adapters:
            adapter.mac_spoofing = True
    guest_hyperv = vm.guest is not None and vm.guest.hyperv_installed
    wants_guest = options.install_hyperv or options.networking == "nat"
    if options.networking == "nat" and req.profile(host.build) == "preview":
        plan.refused = Refusal("guest-nat", f"a NAT network inside {vm.name} is not enough on build {host.build}: the "
                               "2015 preview needs MAC spoofing for nested guests (NAT works from build 14361 on); "
                               "use --networking mac-spoofing")
        return plan
    if options.networking == "nat" and not guest_hyperv and not options.install_hyperv:
        plan.refused = Refusal("guest-nat", f"a NAT network inside {vm.name} needs Hyper-V in the guest, which is not "
                               "known to be installed: add --install-hyperv")
        return plan
    was_running = found.state == "Running"
    if vm.state != "Running" and (was_running or options.start or wants_guest):
        # A paused VM is resumed: Start-VM refuses it (facts §5.6: Paused → Resume-VM).
        verb = "Resume-VM" if vm.state == "Paused" else "Start-VM"
        changes.append(_change("start-vm", vm, "State", vm.state, "Running", pwsh.command(verb, Name=vm.name),
                               True))
        vm.state = "Running"
    if options.install_hyperv and not guest_hyperv:
        kind = vm.guest.os.kind if vm.guest is not None else "client"
        changes.append(_change("install-hyperv", vm, "Hyper-V in guest", False, True,
                               pwsh.install_hyperv_in_guest(vm.name, kind), False, guest_kind=kind))
    if options.networking == "nat" and not (vm.guest is not None and vm.guest.nat):
        nat = GUEST_NAT
        changes.append(_change("guest-nat", vm, "NAT in guest", None, f"{nat.name} {nat.prefix}",
                               f"Invoke-Command -VMName {pwsh.quote(vm.name)} -ScriptBlock {{ "
                               f"New-VMSwitch -Name {pwsh.quote(GUEST_NAT_SWITCH)} -SwitchType Internal; "
                               f"New-NetNat -Name {pwsh.quote(nat.name)} -InternalIPInterfaceAddressPrefix "
                               f"{pwsh.quote(nat.prefix)} }}", True,
                               switch=GUEST_NAT_SWITCH, nat_name=nat.name, prefix=nat.prefix))
    return plan


def _bring_off(vm: VM, options: EnableOptions, changes: list[Change]) -> Refusal | None:
    """Append the changes that leave the VM Off, or say which opt-in is missing."""
    if vm.state not in SETTLED_STATES:
        return Refusal("stop-vm", f"{vm.name} is {vm.state}: wait until it is Running, Off, Saved or Paused, then plan again")
    if vm.state == "Saved":
        if not options.discard_saved_state:
            return Refusal("discard-saved-state", f"{vm.name} is Saved and must be Off: pass --discard-saved-state to "
                           "discard its saved state (what is in its memory is lost), or start it and plan again")
        changes.append(_change("discard-saved-state", vm, "State", "Saved", "Off",
                               pwsh.command("Remove-VMSavedState", VMName=vm.name), False))
        vm.state = "Off"
        return None
    if vm.state == "Paused" and not options.turn_off:
        return Refusal("stop-vm", f"{vm.name} is Paused and a paused VM cannot shut down gracefully: pass --turn-off "
                       "to turn it off, or resume it and plan again")
    if options.turn_off:
        ps = pwsh.command("Stop-VM", "TurnOff", Name=vm.name)
    else:
        ps = pwsh.command("Stop-VM", Name=vm.name)
    changes.append(_change("stop-vm", vm, "State", vm.state, "Off", ps, True, turn_off=options.turn_off))
    vm.state = "Off"
    return None


REVERSE = {
    "stop-vm": ("start-vm", lambda c: pwsh.command("Start-VM", Name=c.target)),
    "start-vm": ("stop-vm", lambda c: pwsh.command("Suspend-VM" if c.before == "Paused" else "Stop-VM",
                                                   Name=c.target)),
    "expose-extensions": ("expose-extensions", lambda c: pwsh.command(
        "Set-VMProcessor", VMName=c.target, ExposeVirtualizationExtensions=c.before)),
    "disable-dynamic-memory": ("disable-dynamic-memory", lambda c: pwsh.command(
        "Set-VMMemory", VMName=c.target, DynamicMemoryEnabled=c.before)),
    "set-startup-memory": ("set-startup-memory", lambda c: pwsh.command(
        "Set-VMMemory", VMName=c.target, StartupBytes=c.before)),
    "enable-mac-spoofing": ("enable-mac-spoofing", lambda c: pwsh.mac_spoofing(c.target, on=False)),
    "guest-nat": ("guest-nat", lambda c: f"Invoke-Command -VMName {pwsh.quote(c.target)} -ScriptBlock {{ "
                  f"Remove-NetNat -Name {pwsh.quote(c.params.get('nat_name', 'LocalNAT'))} -Confirm:$false; "
                  f"Remove-VMSwitch -Name {pwsh.quote(c.params.get('switch', 'VmNAT'))} -Force }}"),
}


def revert_changes(applied: list[Change]) -> list[Change]:
    """The changes that undo ``applied`` (newest first); irreversible ones are left out and said so by the caller.

    Reversed order does the rest: a start the plan made is undone first, so settings that need the
    VM Off are undone while it is Off.
    """
    undo: list[Change] = []
    for change in reversed(applied):
        if change.id not in REVERSE or change.before is None and change.id != "guest-nat":
            continue
        new_id, script = REVERSE[change.id]
        params = dict(change.params)
        if "value" in params:
            params["value"] = change.before
        if change.id == "guest-nat":
            params["remove"] = True
        if change.id == "start-vm" and change.before == "Paused":
            params["suspend"] = True
        undo.append(Change(new_id, change.target, change.setting, change.after, change.before, script(change),
                           True, params))
    return undo
