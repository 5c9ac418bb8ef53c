"""The enable planner (contracts §4): facts + options in, an ordered list of changes out.

Like Microsoft's Enable-NestedVm.ps1, but it checks the host first, re-judges each change on the
state the changes before it leave, never forces anything without an opt-in, and records every
``before`` so a revert plan can restore it.
"""

from __future__ import annotations

import copy
from nested_magics import changes as kinds

from nested_magics.rules import requirements as req
from nested_magics.errors import UsageProblem
from nested_magics.model.facts import SETTLED_STATES, VM, HostFacts, Nat
from nested_magics.model.plan import Change, EnableOptions, Plan, Refusal
from nested_magics.model.sizes import format_size
from nested_magics.rules import host_blockers
from nested_magics.rules.host_rules import part_next_step

GUEST_NAT = Nat(name="LocalNAT", prefix="192.168.100.0/24")   # Microsoft's example (facts §2.3)
GUEST_NAT_SWITCH = "VmNAT"


def plan_enable(host: HostFacts, vm_name: str, options: EnableOptions | None = None,
                where: str | None = None) -> Plan:
    """Plan the changes that make ``vm_name`` ready to nest; refusals name the missing opt-in. ``where`` names
    what ``host`` is in messages (default its name; for a nested VM, the VM it lives in)."""
    options = options or EnableOptions()
    ambiguous = host.ambiguous(vm_name)
    if ambiguous:
        raise UsageProblem(ambiguous)
    found = host.find_vm(vm_name)
    if found is None:
        unread = host.unread(("vms",))
        if unread is not None:   # not "does not exist": the VMs could not be listed (e.g. not elevated, facts §3)
            raise UsageProblem(f"the VMs on {host.name} could not be read, so {vm_name!r} cannot be planned: "
                               f"{unread.message} ({part_next_step(unread.message)})")
        existing = ", ".join(host.vm_names()) or "none"
        raise UsageProblem(f"VM {vm_name!r} does not exist on {host.name}: VMs there are {existing}")
    plan = Plan(host.name, found.name, options, [])
    blockers = host_blockers(host)
    if blockers:
        reasons = "; ".join(c.title for c in blockers)
        plan.refused = Refusal("host", f"{host.name} cannot run nested VMs: {reasons}. Fix the host first.")
        return plan
    too_big = _too_big(host, options.memory, where or host.name)
    if too_big:
        plan.refused = Refusal("set-startup-memory", f"{found.name} cannot have {format_size(options.memory)} of "
                               f"startup memory: {too_big}; pass a smaller --memory, or --memory keep")
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
            changes.append(kinds.update_version(vm, host.default_vm_version))
            vm.version = host.default_vm_version
    if plan.refused is not None:
        return plan
    if vm.state == "Off":
        if not vm.nesting:
            changes.append(kinds.expose_extensions(vm, True))
            vm.expose_virtualization_extensions = True
        if vm.dynamic_memory:
            changes.append(kinds.dynamic_memory(vm, False))
            vm.dynamic_memory = False
        wanted = options.memory
        if wanted is not None and (vm.startup_bytes or 0) < wanted:
            changes.append(kinds.startup_memory(vm, vm.startup_bytes, wanted))
            vm.startup_bytes = wanted
    # On a cloud VM host MAC spoofing cannot reach the network (vm.networking): only --networking nat helps there.
    in_cloud = host.machine is not None and host.machine.cloud is not None
    if options.networking == "mac-spoofing" and not in_cloud and any(not a.mac_spoofing for a in vm.network_adapters):
        changes.append(kinds.mac_spoofing(vm, True))
        for adapter in vm.network_adapters:
            adapter.mac_spoofing = True
    guest_hyperv = vm.guest is not None and vm.guest.hyperv_installed
    wants_guest = options.install_hyperv or options.networking == "nat"
    if options.networking == "nat" and req.profile(host.build) == "preview":
        plan.refused = Refusal("guest-nat", f"a NAT network inside {vm.name} is not enough on build {host.build}: the "
                               "2015 preview needs MAC spoofing for nested guests (NAT works from build 14361 on); "
                               "use --networking mac-spoofing")
        return plan
    foreign = _foreign_nat(vm) if options.networking == "nat" else None
    if foreign is not None:   # New-NetNat would fail: "The parameter is incorrect." (real-hosts.md §7)
        named = " ".join(part for part in (foreign.name, foreign.prefix) if part)
        plan.refused = Refusal("guest-nat", f"{vm.name} already has a NAT ({named}) and Windows allows one NAT per "
                               f"host, so nothing was planned: use that NAT, or remove it inside {vm.name} first "
                               "(Remove-NetNat) and plan again")
        return plan
    no_hyperv = not guest_hyperv and vm.guest is not None and req.edition_lacks_hyperv(vm.guest)
    if no_hyperv and wants_guest:   # Windows Home: the install fails ("Feature name Microsoft-Hyper-V is unknown.")
        step = "install-hyperv" if options.install_hyperv else "guest-nat"
        plan.refused = Refusal(step, f"{vm.name} runs {req.edition_name(vm.guest)}, which has no Hyper-V, so it cannot "
                               f"be installed there{' (a NAT inside it needs Hyper-V)' if step == 'guest-nat' else ''}: "
                               f"upgrade the guest to {req.HYPERV_EDITIONS}")
        return plan
    if options.networking == "nat" and not guest_hyperv and not options.install_hyperv:
        plan.refused = Refusal("guest-nat", f"a NAT network inside {vm.name} needs Hyper-V in the guest, which is not "
                               "known to be installed: add --install-hyperv")
        return plan
    was_running = found.state == "Running"
    if vm.state != "Running" and (was_running or options.start or wants_guest):
        changes.append(kinds.start_vm(vm))
        vm.state = "Running"
    if options.install_hyperv and not guest_hyperv:
        kind = vm.guest.os.kind if vm.guest is not None else "client"
        changes.append(kinds.install_hyperv(vm, kind))
    # A guest that cannot be looked inside now (Off, no credentials) is checked by the step's own first command.
    if options.networking == "nat" and not (vm.guest is not None and any(_ours(n) for n in vm.guest.nat)):
        changes.append(kinds.guest_nat(vm, GUEST_NAT_SWITCH, GUEST_NAT.name, GUEST_NAT.prefix))
    return plan


def _ours(nat: Nat) -> bool:
    """The NAT this tool makes (an unread prefix counts: the step's own check compares it)."""
    return nat.name.casefold() == GUEST_NAT.name.casefold() and nat.prefix in (None, GUEST_NAT.prefix)


def _foreign_nat(vm: VM) -> Nat | None:
    """A NAT the guest already has that is not ours, when ours is not there too (one NAT per host)."""
    nats = vm.guest.nat if vm.guest is not None else []
    return None if any(_ours(n) for n in nats) else next(iter(nats), None)


def _too_big(host: HostFacts, wanted: int | None, where: str | None) -> str | None:
    """Why ``wanted`` bytes cannot fit on ``host`` at all (contracts §4), or None."""
    total = host.memory.total_bytes if host.memory else None
    if wanted is None or total is None or wanted <= total:
        return None
    return f"{where} has {format_size(total)} of memory in all"


def _bring_off(vm: VM, options: EnableOptions, changes: list[Change]) -> Refusal | None:
    """Append the changes that leave the VM Off, or say which opt-in is missing."""
    if vm.state not in SETTLED_STATES:
        return Refusal("stop-vm", f"{vm.name} is {vm.state}: wait until it is Running, Off, Saved or Paused, then plan again")
    if vm.state == "Saved":
        if not options.discard_saved_state:
            return Refusal("discard-saved-state", f"{vm.name} is Saved and must be Off: pass --discard-saved-state to "
                           "discard its saved state (what is in its memory is lost), or start it and plan again")
        changes.append(kinds.discard_saved_state(vm))
        vm.state = "Off"
        return None
    if vm.state == "Paused" and not options.turn_off:
        return Refusal("stop-vm", f"{vm.name} is Paused and a paused VM cannot shut down gracefully: pass --turn-off "
                       "to turn it off, or resume it and plan again")
    changes.append(kinds.stop_vm(vm, turn_off=options.turn_off))
    vm.state = "Off"
    return None


def revert_changes(applied: list[Change], answers: dict[int, str] | None = None) -> list[Change]:
    """The changes that undo ``applied`` (newest first); irreversible ones are left out and said so by the caller.
    ``answers`` holds what the host said of each change (by ``id()``): what a step found already there is kept.

    Reversed order does the rest: a start the plan made is undone first, so settings that need the
    VM Off are undone while it is Off.
    """
    undo = (kinds.reverse(change, (answers or {}).get(id(change), "")) for change in reversed(applied))
    return [change for change in undo if change is not None]
