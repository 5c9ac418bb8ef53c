"""The kinds of change an enable plan makes (contracts §4): one object per kind, in plan order.

Each kind owns the PowerShell it runs. A command is a constant text whose ``$Names`` are its values: the
PowerShell backend sends the text and the values apart (the values travel as data and are bound as
variables, never spliced into script text), and what the user is shown is the same text with each value
written as the single-quoted literal it is bound to. So what is shown is what runs, and pasting it does
the same thing. ``(Get-Credential)`` asks a person for the guest's credentials; a run answers it with the
credentials it was given.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from . import pwsh
from .model.facts import VM
from .model.plan import Change

# VMs are addressed by id: Hyper-V's -Name/-VMName take wildcards and act on every match (Microsoft's
# Get-VM docs: "Accept wildcard characters: True"). A VM without a known id is found by name, wildcards escaped.
BY_ID = "Get-VM -Id $VMId"
BY_NAME = "Get-VM -Name $VMName"
_VARIABLE = re.compile(r"\$([A-Za-z][A-Za-z0-9]*)\b")
_WILDCARDS = re.compile(r"([*?\[\]`])")
AUTOMATIC = {"ErrorActionPreference"}      # PowerShell's own variables a command may set
SHUTDOWN_SERVICE = "9F8233AC-BE49-4C79-8EE3-E7E1985B2077"   # the Shutdown integration service's id

# A graceful shutdown that never waits on a prompt: Stop-VM asks when the guest cannot shut down, and over
# WinRM nobody can answer, so the Shutdown integration service is checked first (facts §5.6).
GRACEFUL_STOP = ("$vm = {vm}; $shutdown = $vm | Get-VMIntegrationService | Where-Object {{ [string]$_.Id -like "
                 "'*" + SHUTDOWN_SERVICE + "' }}; "
                 "if (-not $shutdown -or -not $shutdown.Enabled -or [string]$shutdown.PrimaryOperationalStatus -ne 'Ok') "
                 "{{ throw 'its Shutdown integration service is not running, so it cannot shut down gracefully; "
                 "nothing was forced' }}; Stop-VM -VM $vm -Confirm:$false")
# PowerShell Direct holds only once the guest has booted: its heartbeat, then a session that answers (Microsoft's
# pattern, Virtualization-Documentation BigBuild.ps1 waitForPSDirect). Bounded, and shown as part of the step.
WAIT_FOR_GUEST = ("Wait-VM -VM $vm -For Heartbeat -Timeout 300; $until = (Get-Date).AddSeconds(300); "
                  "while (-not (Invoke-Command {vm_param} -Credential $cred -ScriptBlock {{ $true }} "
                  "-ErrorAction SilentlyContinue)) {{ if ((Get-Date) -gt $until) {{ throw 'PowerShell Direct did not "
                  "answer within 300 s of the heartbeat' }}; Start-Sleep -Seconds 5 }}")
# Installed WITHOUT a restart inside the session (a restart there drops it and reports a failure although the
# feature got installed); restarted from outside, then waited for again (Microsoft's Azure repair script:
# "The required restart is handled in the calling script").
_INSTALL = ("$vm = {vm}; $cred = Get-Credential; " + WAIT_FOR_GUEST + "; "
            "$restart = Invoke-Command {vm_param} -Credential $cred -ScriptBlock {{ %s }}; "
            "if ($restart) {{ Stop-VM -VM $vm -Confirm:$false; Start-VM -VM $vm; " + WAIT_FOR_GUEST + " }}; "
            "'Hyper-V is installed in the guest'")
INSTALL_HYPERV = {
    "client": _INSTALL % ("[bool](Enable-WindowsOptionalFeature -Online -FeatureName 'Microsoft-Hyper-V' -All "
                          "-NoRestart).RestartNeeded"),
    "server": _INSTALL % ("[string](Install-WindowsFeature -Name 'Hyper-V' -IncludeManagementTools).RestartNeeded "
                          "-ne 'No'"),
}
# What the NAT step answers about what it found (read back to undo only what it made).
NAT_ALREADY_THERE = "the NAT is already there"
SWITCH_KEPT = "the switch was already there"
ADDRESS_KEPT = "the gateway address was already there"
# NAT done right (Microsoft's nested-virtualization docs): an internal switch, the gateway address on its vEthernet
# adapter, then the NAT. One NAT per host: an existing one is reported before anything is made; a switch this
# step made is removed when a later part fails.
GUEST_NAT = ("$vm = {vm}; $cred = Get-Credential; " + WAIT_FOR_GUEST + "; "
             "Invoke-Command {vm_param} -Credential $cred -ArgumentList $Switch, $Nat, $Prefix, $Gateway, $Length "
             "-ScriptBlock {{ param($switch, $nat, $prefix, $gateway, $length) $ErrorActionPreference = 'Stop'; "
             "$existing = @(Get-NetNat); "
             "if (@($existing | Where-Object {{ $_.Name -eq $nat -and $_.InternalIPInterfaceAddressPrefix -eq $prefix }}).Count) "
             "{{ return '" + NAT_ALREADY_THERE + "' }}; "
             "if ($existing.Count) {{ throw ('this guest already has a NAT ({{0}} {{1}}) and Windows allows one NAT per "
             "host, so nothing was changed; use it, or remove it first (Remove-NetNat)' -f $existing[0].Name, "
             "$existing[0].InternalIPInterfaceAddressPrefix) }}; "
             "$made = $false; if (-not @(Get-VMSwitch | Where-Object {{ $_.Name -eq $switch }}).Count) "
             "{{ New-VMSwitch -Name $switch -SwitchType Internal | Out-Null; $made = $true }}; "
             "$addressed = $false; "
             "try {{ if (-not @(Get-NetIPAddress | Where-Object {{ $_.IPAddress -eq $gateway }}).Count) "
             "{{ New-NetIPAddress -IPAddress $gateway -PrefixLength $length -InterfaceAlias ('vEthernet (' + $switch + ')') "
             "| Out-Null; $addressed = $true }}; New-NetNat -Name $nat -InternalIPInterfaceAddressPrefix $prefix | Out-Null }} "
             "catch {{ $why = $_.Exception.Message; if ($made) {{ Remove-VMSwitch -Name $switch -Force; "
             "$why += ' (the switch this step made was removed)' }}; throw ('NAT not made: ' + $why) }}; "
             "$said = 'NAT ' + $nat + ' ' + $prefix + ', gateway ' + $gateway; "
             "if (-not $made) {{ $said += '; " + SWITCH_KEPT + "' }}; "
             "if (-not $addressed) {{ $said += '; " + ADDRESS_KEPT + "' }}; $said }}")
# The undo removes the NAT and only the switch and gateway address the step made (its answer says which it found).
REMOVE_GUEST_NAT = ("$vm = {vm}; $cred = Get-Credential; " + WAIT_FOR_GUEST + "; "
                    "Invoke-Command {vm_param} -Credential $cred -ArgumentList $Switch, $Nat, $Gateway, $RemoveSwitch, "
                    "$RemoveAddress -ScriptBlock {{ param($switch, $nat, $gateway, $removeSwitch, $removeAddress) "
                    "$ErrorActionPreference = 'Stop'; Remove-NetNat -Name $nat -Confirm:$false; "
                    "if ($removeAddress) {{ Get-NetIPAddress | Where-Object {{ $_.IPAddress -eq $gateway }} | "
                    "Remove-NetIPAddress -Confirm:$false }}; "
                    "if ($removeSwitch) {{ Remove-VMSwitch -Name $switch -Force }} }}")


def render(command: str, values: dict[str, Any]) -> str:
    """``command`` with each ``$Name`` that is one of its values written as that value's literal."""
    return _VARIABLE.sub(lambda m: pwsh.literal(values[m[1]]) if m[1] in values else m[0], command)


def variables(command: str) -> set[str]:
    """The ``$Names`` a command uses (PowerShell's own ``$true``, ``$_``... included)."""
    return set(_VARIABLE.findall(command))


def _address(vm: VM) -> tuple[str, str, dict[str, Any]]:
    """How a command finds ``vm``: a Get-VM expression, an Invoke-Command parameter, and their values."""
    if vm.id:
        return BY_ID, "-VMId $VMId", {"VMId": vm.id}
    return BY_NAME, "-VMName $VMName", {"VMName": _WILDCARDS.sub(r"`\1", vm.name)}


@dataclass(frozen=True)
class ChangeKind:
    """One kind of change: its setting, whether it can be undone, what undoes it, and what to say when it fails."""

    id: str
    setting: str
    reversible: bool
    reverse: str | None = None        # the kind whose change undoes this one
    on_failure: str = ""              # the next step a failure of this kind names

    def make(self, vm: VM, before: Any, after: Any, template: str, values: dict[str, Any] | None = None,
             **params: Any) -> Change:
        """A change of this kind on ``vm``: ``template`` is its command, with ``{vm}`` (a Get-VM expression)
        and ``{vm_param}`` (Invoke-Command's VM parameter) filled in here; ``params`` are what it means, for
        the simulator and for undoing it."""
        get_vm, vm_param, address = _address(vm)
        command = template.format(vm=get_vm, vm_param=vm_param)
        bound = {**address, **(values or {})}
        unknown = {name for name in variables(command) if name[0].isupper()} - set(bound) - AUTOMATIC
        if unknown:   # a typo in a template would run with $null: refuse to build it at all
            raise ValueError(f"{self.id}: the command uses {sorted(unknown)} but has no value for them")
        return Change(self.id, vm.name, self.setting, before, after, render(command, bound), self.reversible,
                      {"vm": vm.name, **params}, command, bound)


KINDS: tuple[ChangeKind, ...] = (
    ChangeKind("discard-saved-state", "State", False),
    ChangeKind("stop-vm", "State", True, reverse="start-vm",
               on_failure="if it cannot shut down gracefully, run enable again with --turn-off"),
    ChangeKind("update-version", "Version", False),
    ChangeKind("expose-extensions", "ExposeVirtualizationExtensions", True, reverse="expose-extensions"),
    ChangeKind("disable-dynamic-memory", "DynamicMemoryEnabled", True, reverse="disable-dynamic-memory"),
    ChangeKind("set-startup-memory", "MemoryStartupBytes", True, reverse="set-startup-memory"),
    ChangeKind("enable-mac-spoofing", "MacAddressSpoofing", True, reverse="enable-mac-spoofing"),
    ChangeKind("start-vm", "State", True, reverse="stop-vm"),
    ChangeKind("install-hyperv", "Hyper-V in guest", False),
    ChangeKind("guest-nat", "NAT in guest", True, reverse="guest-nat"),
)
KIND = {kind.id: kind for kind in KINDS}
CHANGE_IDS = tuple(kind.id for kind in KINDS)


# ---------------------------------------------------------------- the changes themselves


def discard_saved_state(vm: VM) -> Change:
    return KIND["discard-saved-state"].make(vm, "Saved", "Off", "{vm} | Remove-VMSavedState -Confirm:$false")


def stop_vm(vm: VM, turn_off: bool) -> Change:
    template = "{vm} | Stop-VM -TurnOff -Confirm:$false" if turn_off else GRACEFUL_STOP
    return KIND["stop-vm"].make(vm, vm.state, "Off", template, turn_off=turn_off)


def suspend_vm(vm: VM) -> Change:
    """Undoes resuming a paused VM: it is paused again."""
    return KIND["stop-vm"].make(vm, "Running", "Paused", "{vm} | Suspend-VM", suspend=True)


def update_version(vm: VM, to: str | None) -> Change:
    return KIND["update-version"].make(vm, vm.version, to, "{vm} | Update-VMVersion -Force -Confirm:$false")


def expose_extensions(vm: VM, value: bool) -> Change:
    return KIND["expose-extensions"].make(vm, not value, value, "{vm} | Set-VMProcessor -ExposeVirtualizationExtensions "
                                          "$Value", {"Value": value}, value=value)


def dynamic_memory(vm: VM, value: bool) -> Change:
    return KIND["disable-dynamic-memory"].make(vm, not value, value, "{vm} | Set-VMMemory -DynamicMemoryEnabled $Value",
                                               {"Value": value}, value=value)


def startup_memory(vm: VM, before: int | None, value: int) -> Change:
    return KIND["set-startup-memory"].make(vm, before, value, "{vm} | Set-VMMemory -StartupBytes $Value",
                                           {"Value": value}, value=value)


def mac_spoofing(vm: VM, value: bool) -> Change:
    return KIND["enable-mac-spoofing"].make(vm, not value, value, "{vm} | Get-VMNetworkAdapter | Set-VMNetworkAdapter "
                                            "-MacAddressSpoofing $Value", {"Value": "On" if value else "Off"},
                                            value=value)


def start_vm(vm: VM) -> Change:
    """Start-VM refuses a paused VM: it is resumed instead (facts §5.6)."""
    verb = "Resume-VM" if vm.state == "Paused" else "Start-VM"
    return KIND["start-vm"].make(vm, vm.state, "Running", "{vm} | " + verb)


def install_hyperv(vm: VM, guest_kind: str) -> Change:
    """Blog step 3, from the host through PowerShell Direct; the guest restarts."""
    return KIND["install-hyperv"].make(vm, False, True, INSTALL_HYPERV["server" if guest_kind == "server" else "client"],
                                       guest_kind=guest_kind)


def gateway_of(prefix: str) -> tuple[str, int]:
    """The NAT's gateway (the first address of its prefix, as Microsoft's example) and the prefix length."""
    network = ipaddress.ip_network(prefix, strict=False)
    return str(next(network.hosts())), network.prefixlen


def guest_nat(vm: VM, switch: str, nat: str, prefix: str) -> Change:
    gateway, length = gateway_of(prefix)
    return KIND["guest-nat"].make(vm, None, f"{nat} {prefix}", GUEST_NAT,
                                  {"Switch": switch, "Nat": nat, "Prefix": prefix, "Gateway": gateway,
                                   "Length": length},
                                  switch=switch, nat_name=nat, prefix=prefix, gateway=gateway)


def remove_guest_nat(vm: VM, switch: str, nat: str, prefix: str, *, remove_switch: bool = True,
                     remove_address: bool = True) -> Change:
    return KIND["guest-nat"].make(vm, f"{nat}", None, REMOVE_GUEST_NAT,
                                  {"Switch": switch, "Nat": nat, "Gateway": gateway_of(prefix)[0],
                                   "RemoveSwitch": remove_switch, "RemoveAddress": remove_address},
                                  switch=switch, nat_name=nat, remove=True, remove_switch=remove_switch)


def reverse(change: Change, answer: str = "") -> Change | None:
    """The change that undoes ``change`` (on the same VM, found the same way), or None when it cannot be undone or
    made nothing. ``answer`` is what the host said when it was applied: a step that found its work done made nothing."""
    vm = VM(name=change.target, state=str(change.after), version="", id=change.values.get("VMId"))
    p = change.params
    undo = None
    if change.id == "stop-vm":
        undo = start_vm(vm)
    elif change.id == "start-vm":
        undo = suspend_vm(vm) if change.before == "Paused" else stop_vm(vm, turn_off=False)
    elif change.id == "expose-extensions":
        undo = expose_extensions(vm, bool(change.before))
    elif change.id == "disable-dynamic-memory":
        undo = dynamic_memory(vm, bool(change.before))
    elif change.id == "set-startup-memory" and change.before is not None:
        undo = startup_memory(vm, change.after, change.before)
    elif change.id == "enable-mac-spoofing":
        undo = mac_spoofing(vm, bool(change.before))
    elif change.id == "guest-nat" and not p.get("remove") and answer != NAT_ALREADY_THERE:
        undo = remove_guest_nat(vm, p["switch"], p["nat_name"], p["prefix"], remove_switch=SWITCH_KEPT not in answer,
                                remove_address=ADDRESS_KEPT not in answer)
    if undo is not None and "path" in p:
        undo.params["path"] = p["path"]
    return undo
