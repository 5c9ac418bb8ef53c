"""The PowerShell each VM action runs on a real host: the one home of these texts.

``vm-action.ps1`` runs one command with its ``$Names`` bound to values as variables, as ``enable.ps1`` runs a
change's command, so what runs is the text below and the values never enter it. A VM is found once by its
exact name or its id (``LIST_VMS``, judged in Python), then every action addresses it by id: Hyper-V's
``-Name``/``-VMName`` take wildcards and act on every match (Microsoft's Get-VM docs: "Accept wildcard
characters: True"; facts: real-hosts.md §3 "Duplicate names and wildcards").
"""

from __future__ import annotations

from typing import Any

from ...errors import UsageProblem
from ...model.facts import VM, HostFacts

# Every VM's name, id and state, as plain text (an enum would reach JSON as its number: real-hosts.md §1).
LIST_VMS = "Get-VM | ForEach-Object { @{ name = [string]$_.Name; id = [string]$_.Id; state = [string]$_.State } }"

_BY_ID = "$vm = Get-VM -Id $VMId; "
SHUTDOWN_SERVICE = "9F8233AC-BE49-4C79-8EE3-E7E1985B2077"   # the Shutdown integration service's id

# A graceful shutdown that never waits on a prompt and never forces. Stop-VM asks "Do you want to turn off the
# virtual machine?" when the Shutdown integration service is unavailable, and nobody can answer over WinRM
# (hyperv-facts.md §5.6); -Force would answer yes and turn the VM off hard (real-hosts.md "Corrections"). So the
# service is judged first, by PrimaryOperationalStatus (an enum: its name is 'Ok'), never by
# PrimaryStatusDescription, a display string that Windows localizes (real-hosts.md a7).
GRACEFUL_STOP = (
    _BY_ID + "if ([string]$vm.State -eq 'Off') { '{0} is already Off' -f $vm.Name } "
    "elseif ([string]$vm.State -eq 'Saved') { throw ('{0} was not stopped, nothing was done: it is Saved, so it "
    "cannot shut down; start it and stop it again, or run stop again with --turn-off, which discards its saved "
    "state (what was in its memory is lost)' -f $vm.Name) } else { "
    "$shutdown = @($vm | Get-VMIntegrationService | Where-Object { [string]$_.Id -like '*" + SHUTDOWN_SERVICE + "' }); "
    "$status = 'no status'; "
    "if ($shutdown.Count -gt 0 -and -not $shutdown[0].Enabled) { $status = 'disabled' } "
    "elseif ($shutdown.Count -gt 0 -and $null -ne $shutdown[0].PrimaryOperationalStatus) "
    "{ $status = [string]$shutdown[0].PrimaryOperationalStatus }; "
    "if ($status -ne 'Ok') { throw ('{0} was not stopped, nothing was done: it cannot shut down gracefully (it is {1} "
    "and its Shutdown integration service reports {2}); to turn it off instead, run stop again with --turn-off' "
    "-f $vm.Name, $vm.State, $status) }; "
    "try { Stop-VM -VM $vm -Confirm:$false } catch { throw ('{0} was not stopped: {1}; to turn it off instead, run "
    "stop again with --turn-off' -f $vm.Name, $_.Exception.Message) }; '{0} is Off (shut down)' -f $vm.Name }")
# A Saved VM reaches Off by discarding its saved state (Remove-VMSavedState, as the enable plan does: hyperv-facts.md
# §2.10); what Stop-VM -TurnOff does to a saved state is not documented, so it is never asked to.
TURN_OFF = (_BY_ID + "if ([string]$vm.State -eq 'Off') { '{0} is already Off' -f $vm.Name } "
            "elseif ([string]$vm.State -eq 'Saved') { Remove-VMSavedState -VM $vm -Confirm:$false; "
            "'{0} is Off (its saved state was discarded)' -f $vm.Name } "
            "else { Stop-VM -VM $vm -TurnOff -Confirm:$false; '{0} is Off (turned off)' -f $vm.Name }")

# New-VM takes its name as given (no wildcards); the first external switch, else any switch, as Hyper-V Manager.
NEW = ("$switch = @(Get-VMSwitch | Where-Object { [string]$_.SwitchType -eq 'External' }) + @(Get-VMSwitch); "
       "if ($switch.Count -gt 0) { $vm = New-VM -Name $VMName -MemoryStartupBytes $Memory -Generation 2 "
       "-SwitchName $switch[0].Name } else { $vm = New-VM -Name $VMName -MemoryStartupBytes $Memory -Generation 2 }; "
       "if ($Start) { try { Start-VM -VM $vm } catch { throw ('created {0}, but it did not start: {1}' -f "
       "$vm.Name, $_.Exception.Message) }; 'created {0}; started' -f $vm.Name } else { 'created {0}' -f $vm.Name }")

COMMANDS = {
    "new": NEW,
    "start": _BY_ID + "Start-VM -VM $vm; '{0} is Running' -f $vm.Name",
    "stop": GRACEFUL_STOP,
    "save": _BY_ID + "Save-VM -VM $vm; '{0} is Saved' -f $vm.Name",
    "checkpoint": _BY_ID + "Checkpoint-VM -VM $vm; 'checkpoint of {0} created' -f $vm.Name",
    "apply-checkpoint": (_BY_ID + "$latest = @(Get-VMSnapshot -VM $vm | Sort-Object -Property CreationTime); "
                         "if ($latest.Count -eq 0) { throw ('{0} has no checkpoint to apply' -f $vm.Name) }; "
                         "Restore-VMSnapshot -VMSnapshot $latest[-1] -Confirm:$false; "
                         "'{0} is back at its latest checkpoint' -f $vm.Name"),
    "resize-memory": (_BY_ID + "Set-VMMemory -VM $vm -StartupBytes $Size; "
                      "'{0} startup memory is {1} bytes' -f $vm.Name, $Size"),
}


def command(action: str, *, turn_off: bool = False) -> str:
    """The command ``action`` runs (KeyError for an action a real host cannot run)."""
    if action == "stop" and turn_off:
        return TURN_OFF
    return COMMANDS[action]


def listed_vms(records: Any, host: str) -> HostFacts:
    """What LIST_VMS returned, as the host's VMs (names, ids, states; nothing else is known of them)."""
    if isinstance(records, dict):          # one record, in case a JSON writer unrolled the list
        records = [records]
    rows = [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
    return HostFacts(name=host, vms=[VM(name=str(r.get("name") or ""), state=str(r.get("state") or "Other"), version="",
                                        id=str(r.get("id") or "") or None) for r in rows])


def the_vm(host: HostFacts, text: str, action: str) -> VM:
    """The one VM ``text`` names on ``host``: its exact name (case-insensitive, as Hyper-V matches names) or, when
    no VM has that name, its id. Two VMs of one name are refused listing their ids, as plans are refused
    (contracts §3 vm.exists); one of them is then addressed by its id."""
    refusal = host.ambiguous(text)
    if refusal:
        example = host.find_vms(text)[0].id or "ID"
        raise UsageProblem(f"{refusal}, or give the id of the one you mean in place of its name (vm {action} "
                           f"{example})")
    named = host.find_vms(text)
    if named:
        return named[0]
    by_id = host.find_vm_by_id(text)
    if by_id is not None:
        return by_id
    existing = ", ".join(host.vm_names()) or "none"
    raise UsageProblem(f"VM {text!r} does not exist on {host.name}: VMs there are {existing}")


def already_named(host: HostFacts, name: str) -> str | None:
    """Why ``new`` refuses ``name``: a VM of that name exists (Hyper-V would make a second one of the same name)."""
    same = host.find_vms(name)
    if not same:
        return None
    ids = ", ".join(vm.id or "no id" for vm in same)
    return (f"a VM named {name!r} already exists on {host.name} ({ids}); pick another name: two VMs of one name "
            "can be told apart only by their ids")
