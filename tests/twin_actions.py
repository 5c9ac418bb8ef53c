"""The Windows twin's answer to vm-action.ps1: the one command it is sent, run as Windows PowerShell would.

vm-action.ps1 runs ``params.command`` with ``params.values`` bound as variables. The twin runs that text
(twin_pwsh) against Hyper-V cmdlets played on the simulator, so what happens depends on what the text asks:
- ``Get-VM -Name`` takes wildcards and ``Stop-VM``/``Start-VM`` act on every VM they are given, so a command
  that passes a name acts on every VM of that name; ``Get-VM -Id`` finds one (real-hosts.md §3 "Duplicate names
  and wildcards"; the not-found text is the one observed, real-hosts.md "Corrections").
- ``Get-VMIntegrationService`` gives the Shutdown service with ``PrimaryOperationalStatus`` an enum (``Ok`` = 2,
  ``LostCommunication`` = 13, ...: Microsoft.HyperV.PowerShell's VMIntegrationComponentOperationalStatus, neon) and
  ``PrimaryStatusDescription`` a display string that Windows localizes (real-hosts.md a7): ``shutdown[vm id]``
  sets both per VM, as a French or a broken guest has them.
- ``Stop-VM`` without ``-TurnOff`` asks to turn the VM off when that service is not Ok, and nobody can answer
  (hyperv-facts.md §5.6); with ``-Force`` it turns the VM off hard without asking (real-hosts.md "Corrections").
- A method call wraps what a script block threw (``Exception calling "InvokeWithContext" with "2"
  argument(s): "..."``, as PowerShell/PowerShell#3018 and RamblingCookieMonster/Invoke-Parallel#34 show), so
  a runner that does not unwrap it passes that text on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from nested_magics.backends.mock import actions as hyperv
from nested_magics.backends.mock.levels import Level
from nested_magics.backends.mock.texts import INVALID_STATE
from nested_magics.changes import render
from nested_magics.errors import ActionRefused
from nested_magics.model.facts import VM, NetworkAdapter

from twin_commands import STOP_PROMPT
from twin_pwsh import NOT_RECOGNIZED, Args, Cmdlet, Enum, Guid, Obj, Shell, ScriptBlock, Thrown, compare, \
    has_wildcards, items, member, truthy, wildcard

SHUTDOWN_ID = "9F8233AC-BE49-4C79-8EE3-E7E1985B2077"
HEARTBEAT_ID = "84EAAE65-2F2E-45F5-9BB5-0E857DC8EB47"
STATUS_VALUES = {"Ok": 2, "Degraded": 3, "Error": 6, "NonRecoverableError": 7, "NoContact": 12,
                 "LostCommunication": 13, "ProtocolMismatch": 32775, "ApplicationCritical": 32782,
                 "CommunicationTimedOut": 32783, "CommunicationFailed": 32784, "Disabled": 32896}
STATE_VALUES = {"Other": 1, "Running": 2, "Off": 3, "Stopping": 4, "Saved": 6, "Paused": 9, "Starting": 10,
                "Reset": 11, "Saving": 32773, "Pausing": 32776, "Resuming": 32777}    # VMState (hyperv-facts.md §5.3)
SWITCH_TYPES = {"Private": 0, "Internal": 1, "External": 2}
NO_NAME = 'Hyper-V was unable to find a virtual machine with name "{0}".'
NO_ID = "Hyper-V was unable to find a virtual machine with identifier '{0}'."   # as twin_commands says it
OPERATION = {"start-vm": "start", "stop-vm": "stop", "save-vm": "save", "checkpoint-vm": "checkpoint",
             "restore-vmsnapshot": "apply-checkpoint", "set-vmmemory": "resize-memory", "new-vm": "new"}


@dataclass
class Shutdown:
    """A running guest's Shutdown integration service: its enum status, its (localized) description."""
    status: str | None = "Ok"
    description: str = "OK"
    enabled: bool = True


@dataclass
class ActionTwin:
    """What vm-action.ps1 does on this Windows host; ``ran`` is each command as a person would read it."""
    shutdown: dict = field(default_factory=dict)      # VM id -> Shutdown (default: Ok, "OK" while Running)
    ran: list = field(default_factory=list)

    def answer(self, runner: str, params: dict, simulator) -> dict:
        command, values = params["command"], params.get("values") or {}
        self.ran.append(render(command, values))
        shell = Shell(_cmdlets(self, simulator), {**values, "ErrorActionPreference": "Stop"})
        try:
            output = shell.run(command)
        except Thrown as failed:
            message = str(failed)
            if "InvokeWithContext" in runner and "InnerException" not in runner:
                message = f'Exception calling "InvokeWithContext" with "2" argument(s): "{message}"'
            return {"ok": False, "message": message, "records": []}
        lines = [o for o in output if isinstance(o, str)]
        return {"ok": True, "message": lines[-1] if lines else "done",
                "records": [{k: _json(v) for k, v in o.items()} for o in output if isinstance(o, dict)]}

    def service(self, vm: VM) -> Shutdown:
        chosen = self.shutdown.get((vm.id or "").lower(), Shutdown())
        if vm.state != "Running":           # an Off, Saved or Paused guest runs no integration service
            return Shutdown(None, "", chosen.enabled)
        return chosen


def _json(value):
    """5.1's ConvertTo-Json of one value: an enum is its number, a Guid its text."""
    return value.value if isinstance(value, Enum) else value.text if isinstance(value, Guid) else value


# -- the cmdlets -------------------------------------------------------------------------------------------


def _vm_object(vm: VM) -> Obj:
    guid = Guid(vm.id or "")
    return Obj("VirtualMachine", vm, Name=vm.name, VMName=vm.name, Id=guid, VMId=guid,
               State=Enum(vm.state, STATE_VALUES.get(vm.state, 1)))


def _cmdlets(twin: ActionTwin, sim) -> dict:
    host = sim.facts

    def module(run):
        """Hyper-V's cmdlets exist only where its PowerShell module does."""
        def guarded(shell: Shell, args: Args, flow):
            if not host.hyperv_installed:
                raise Thrown(NOT_RECOGNIZED.format(run.__name__.replace("_", "-")))
            try:
                return run(shell, args, flow)
            except ActionRefused as refused:     # what Hyper-V itself said
                raise Thrown(str(refused)) from None
        return guarded

    def by_name(pattern: str) -> list[VM]:
        found = [vm for vm in host.vms if wildcard(pattern).match(vm.name)]
        if not found and not has_wildcards(pattern):
            raise Thrown(NO_NAME.format(pattern))
        return found

    def targets(args: Args, flow, parameter: str = "VM") -> list:
        given = args.get(parameter)
        if given is None and args.get("Name") is not None:
            given = [_vm_object(vm) for vm in by_name(str(args.get("Name")))]
        if given is None:
            given = flow
        if given is None:
            raise Thrown(f"Cannot process command because of one or more missing mandatory parameters: {parameter}.")
        return [g for g in items(given) if g is not None]

    def vms(args: Args, flow) -> list[VM]:
        out = []
        for item in targets(args, flow):
            if not (isinstance(item, Obj) and item.type_name == "VirtualMachine"):
                raise Thrown(f"Cannot bind parameter 'VM'. Cannot convert the \"{item}\" value to type "
                             "\"Microsoft.HyperV.PowerShell.VirtualMachine\".")
            out.append(item.model)
        return out

    def act(operation: str, vm: VM) -> list[Level]:
        sim._fault(operation, vm.name)          # the mock's fault injection, as for every other operation
        return [Level(host, vm, None, 0)]

    @module
    def Get_VM(shell, args, flow):
        wanted = args.get("Id")
        if wanted is not None:
            found = [vm for vm in host.vms if (vm.id or "").lower() == str(getattr(wanted, "text", wanted)).lower()]
            if not found:
                raise Thrown(NO_ID.format(getattr(wanted, "text", wanted)))
            return [_vm_object(vm) for vm in found]
        name = args.get("Name", args.positional[0] if args.positional else None)
        return [_vm_object(vm) for vm in (by_name(str(name)) if name is not None else host.vms)]

    @module
    def Get_VMIntegrationService(shell, args, flow):
        out = []
        for vm in vms(args, flow):
            shutdown = twin.service(vm)
            status = None if shutdown.status is None else Enum(shutdown.status, STATUS_VALUES[shutdown.status])
            heartbeat = Enum("Ok", 2) if vm.state == "Running" else None
            rows = (("Shutdown", SHUTDOWN_ID, shutdown.enabled, status, shutdown.description),
                    ("Heartbeat", HEARTBEAT_ID, True, heartbeat, "OK" if heartbeat else ""))
            for name, sid, enabled, st, text in rows:
                out.append(Obj("VMIntegrationComponent", vm, Name=name, VMName=vm.name, VMId=Guid(vm.id or ""),
                               Id=f"Microsoft:{(vm.id or '').upper()}\\{sid}", Enabled=enabled,
                               PrimaryOperationalStatus=st, PrimaryStatusDescription=text))
        return out

    @module
    def Stop_VM(shell, args, flow):
        for vm in vms(args, flow):
            chain = act("stop", vm)
            service = twin.service(vm)
            graceful = service.enabled and service.status == "Ok"
            if args.get("TurnOff") or (args.get("Force") and not graceful and vm.state == "Running"):
                sim.stop(chain, vm, True)        # -Force answers the prompt with yes: the VM is turned off hard
            elif vm.state == "Running" and not graceful:
                raise Thrown(STOP_PROMPT)
            else:
                sim.stop(chain, vm, False)
        return []

    @module
    def Remove_VMSavedState(shell, args, flow):
        for vm in vms(args, flow):
            act("stop", vm)
            if vm.state != "Saved":              # Hyper-V refuses it for a VM that has no saved state
                raise Thrown(INVALID_STATE)
            vm.state = "Off"
        return []

    @module
    def Start_VM(shell, args, flow):
        for vm in vms(args, flow):
            sim.start(act("start", vm), vm)
        return []

    @module
    def Save_VM(shell, args, flow):
        for vm in vms(args, flow):
            hyperv.save(sim, act("save", vm), vm)
        return []

    @module
    def Checkpoint_VM(shell, args, flow):
        for vm in vms(args, flow):
            hyperv.checkpoint(sim, act("checkpoint", vm), vm)
        return []

    @module
    def Get_VMSnapshot(shell, args, flow):
        return [Obj("VMSnapshot", vm, Name=f"{vm.name} - ({n})", VMName=vm.name, CreationTime=n)
                for vm in vms(args, flow) for n in range(1, vm.checkpoints + 1)]

    @module
    def Restore_VMSnapshot(shell, args, flow):
        for snapshot in targets(args, flow, "VMSnapshot"):
            vm = snapshot.model
            if snapshot.get("CreationTime") != vm.checkpoints:
                raise ValueError("the twin restores only the latest checkpoint")
            hyperv.apply_checkpoint(sim, act("apply-checkpoint", vm), vm)
        return []

    @module
    def Set_VMMemory(shell, args, flow):
        for vm in vms(args, flow):
            if args.get("StartupBytes") is None:
                raise ValueError("the twin sets only -StartupBytes for a VM action")
            hyperv.resize_memory(sim, act("resize-memory", vm), vm, size=int(args.get("StartupBytes")))
        return []

    @module
    def Get_VMSwitch(shell, args, flow):
        return [Obj("VMSwitch", s, Name=s.name, SwitchType=Enum(s.type, SWITCH_TYPES.get(s.type, 0)))
                for s in host.switches]

    @module
    def New_VM(shell, args, flow):
        name = args.get("Name")                  # taken as given: two VMs may share it, as on Hyper-V
        sim._fault("new", name)
        switch = args.get("SwitchName")
        if switch is not None and not any(s.name.lower() == str(switch).lower() for s in host.switches):
            raise Thrown(f"Hyper-V was unable to find a virtual switch with name \"{switch}\".")
        version = host.default_vm_version or max(host.supported_vm_versions, default="8.0")
        vm = VM(name=str(name), state="Off", version=version, id=str(uuid.uuid4()),
                generation=int(args.get("Generation") or 1), processor_count=1,
                startup_bytes=int(args.get("MemoryStartupBytes") or 512 * 1024**2), dynamic_memory=False,
                network_adapters=[NetworkAdapter("Network Adapter", str(switch) if switch else None, False)])
        host.vms.append(vm)
        return [_vm_object(vm)]

    def Where_Object(shell, args, flow):
        test = args.get("FilterScript") or next((p for p in args.positional if isinstance(p, ScriptBlock)), None)
        if test is not None:
            return [x for x in flow or [] if truthy(shell.invoke(test, x))]
        positional = [p for p in args.positional if not isinstance(p, ScriptBlock)]
        prop = args.get("Property") or positional[0]
        value = args.get("Value", positional[1] if len(positional) > 1 else None)
        operator = next(op for op in ("eq", "ne", "like", "notlike", "match") if args.get(op))
        return [x for x in flow or [] if compare(operator, member(x, prop), value)]

    def ForEach_Object(shell, args, flow):
        block = args.get("Process") or args.positional[0]
        return [out for x in flow or [] for out in shell.invoke(block, x)]

    def Sort_Object(shell, args, flow):
        prop = args.get("Property") or (args.positional[0] if args.positional else None)
        return sorted(flow or [], key=lambda x: member(x, prop) if prop else x)

    vm_parameters = ("VM", "Name", "Passthru")
    return {
        "Get-VM": Cmdlet(Get_VM, ("Name", "Id")),
        "Get-VMIntegrationService": Cmdlet(Get_VMIntegrationService, ("VM", "Name", "VMName")),
        "Stop-VM": Cmdlet(Stop_VM, vm_parameters, ("TurnOff", "Force", "Save", "Passthru")),
        "Start-VM": Cmdlet(Start_VM, vm_parameters, ("Passthru",)),
        "Remove-VMSavedState": Cmdlet(Remove_VMSavedState, ("VM", "VMName")),
        "Save-VM": Cmdlet(Save_VM, vm_parameters, ("Passthru",)),
        "Checkpoint-VM": Cmdlet(Checkpoint_VM, vm_parameters + ("SnapshotName",), ("Passthru",)),
        "Get-VMSnapshot": Cmdlet(Get_VMSnapshot, ("VM", "VMName", "Name")),
        "Restore-VMSnapshot": Cmdlet(Restore_VMSnapshot, ("VMSnapshot", "Name", "VMName"), ("Passthru",)),
        "Set-VMMemory": Cmdlet(Set_VMMemory, ("VM", "VMName", "StartupBytes", "DynamicMemoryEnabled")),
        "Get-VMSwitch": Cmdlet(Get_VMSwitch, ("Name", "SwitchType")),
        "New-VM": Cmdlet(New_VM, ("Name", "MemoryStartupBytes", "Generation", "SwitchName", "Path", "NoVHD")),
        "Where-Object": Cmdlet(Where_Object, ("FilterScript", "Property", "Value"),
                               ("EQ", "NE", "Like", "NotLike", "Match")),
        "ForEach-Object": Cmdlet(ForEach_Object, ("Process",)),
        "Sort-Object": Cmdlet(Sort_Object, ("Property",), ("Descending",)),
    }
