"""The Windows twin's reading of one enable command: what the PowerShell text asks Hyper-V to do.

enable.ps1 runs each change's command with its values bound as variables. The twin does not trust the
change's id: it parses the command with tree-sitter-pwsh, finds the cmdlets it calls and the variables
their parameters take, and turns that into what Hyper-V would do, on the simulator. A command that asks
for something else, or that would hang on a real host (a bare Stop-VM waiting on a prompt), fails here
as it would there. It also renders the command with its values, which is what the user was shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter_pwsh
from tree_sitter import Language, Parser

from nested_magics.changes import render
from nested_magics.errors import ActionRefused
from nested_magics.model.plan import Change

PARSER = Parser(Language(tree_sitter_pwsh.language()))
# What Stop-VM prints, then waits, when the guest cannot shut down and nobody confirms (over WinRM: forever).
STOP_PROMPT = ("Stop-VM is waiting for confirmation: the virtual machine's guest could not be shut down "
               "gracefully, and there is no one to answer")


@dataclass
class Call:
    name: str
    elements: str          # its parameters and arguments, as written


def calls(command: str) -> list[Call]:
    """The cmdlets a command calls, in order (script-block bodies included); ValueError if it does not parse."""
    tree = PARSER.parse(command.encode("utf-8"))
    if tree.root_node.has_error:
        raise ValueError(f"not valid PowerShell: {command}")
    out: list[Call] = []

    def walk(node) -> None:
        if node.type == "command":
            name = node.child_by_field_name("command_name")
            rest = "".join(ch.text.decode() for ch in node.children if ch.type == "command_elements")
            if name is not None:
                out.append(Call(name.text.decode(), rest))
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return out


def argument(call: Call, parameter: str, values: dict):
    """The value a parameter takes: a bound ``$Name``, ``$true``/``$false``, or a literal."""
    match = re.search(rf"-{parameter}(?::|\s+)(\$\w+|'(?:[^']|'')*'|\S+)", call.elements, re.IGNORECASE)
    if match is None:
        return None
    token = match[1]
    if token.startswith("$"):
        name = token[1:]
        if name.lower() in ("true", "false"):
            return name.lower() == "true"
        if name not in values:
            raise ValueError(f"{call.name} -{parameter} {token}: no value bound for it")
        return values[name]
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    return token


def switch(call: Call, name: str) -> bool:
    return re.search(rf"-{name}\b(?!:\$false)", call.elements, re.IGNORECASE) is not None


def interpret(command: str, values: dict, simulator) -> Change:
    """The simulator change this command makes, judged from its text; ActionRefused when it would fail."""
    found = calls(command)
    names = [c.name for c in found]
    by_name = {c.name.lower(): c for c in found}
    vm = _vm(found, values, simulator)
    params: dict = {"vm": vm, "path": vm}

    def has(name: str) -> Call | None:
        return by_name.get(name.lower())

    if has("Invoke-Command"):
        if has("Enable-WindowsOptionalFeature") or has("Install-WindowsFeature"):
            kind = "server" if has("Install-WindowsFeature") else "client"
            return Change("install-hyperv", vm, "", None, None, "", False, {**params, "guest_kind": kind})
        block_args = _argument_list(has("Invoke-Command"), values)
        if has("New-NetNat"):
            switch_name, nat, prefix = block_args[:3]
            return Change("guest-nat", vm, "", None, None, "", True,
                          {**params, "switch": switch_name, "nat_name": nat, "prefix": prefix,
                           "gateway": block_args[3] if len(block_args) > 3 else None})
        if has("Remove-NetNat"):
            switch_name, nat = block_args[:2]
            return Change("guest-nat", vm, "", None, None, "", True,
                          {**params, "switch": switch_name, "nat_name": nat, "remove": True})
        raise ValueError(f"the twin does not know what this guest step does: {names}")
    if has("Remove-VMSavedState"):
        return Change("discard-saved-state", vm, "", None, None, "", False, params)
    if has("Stop-VM"):
        stop = has("Stop-VM")
        turn_off = switch(stop, "TurnOff")
        if not turn_off and not has("Get-VMIntegrationService"):
            raise ActionRefused(STOP_PROMPT)
        return Change("stop-vm", vm, "", None, None, "", True, {**params, "turn_off": turn_off})
    if has("Suspend-VM"):
        return Change("stop-vm", vm, "", None, None, "", True, {**params, "suspend": True})
    if has("Start-VM") or has("Resume-VM"):
        return Change("start-vm", vm, "", None, None, "", True, params)
    if has("Update-VMVersion"):
        return Change("update-version", vm, "", None, None, "", False, params)
    if has("Set-VMProcessor"):
        value = argument(has("Set-VMProcessor"), "ExposeVirtualizationExtensions", values)
        return Change("expose-extensions", vm, "", None, None, "", True, {**params, "value": bool(value)})
    if has("Set-VMMemory"):
        call = has("Set-VMMemory")
        startup = argument(call, "StartupBytes", values)
        if startup is not None:
            return Change("set-startup-memory", vm, "", None, None, "", True, {**params, "value": int(startup)})
        dynamic = argument(call, "DynamicMemoryEnabled", values)
        return Change("disable-dynamic-memory", vm, "", None, None, "", True, {**params, "value": bool(dynamic)})
    if has("Set-VMNetworkAdapter"):
        state = argument(has("Set-VMNetworkAdapter"), "MacAddressSpoofing", values)
        return Change("enable-mac-spoofing", vm, "", None, None, "", True,
                      {**params, "value": str(state).lower() == "on"})
    raise ValueError(f"the twin does not know what this command does: {names}")


def shown(command: str, values: dict) -> str:
    """What the user was shown for this command: its text with each value as its literal."""
    return render(command, values)


def _vm(found: list[Call], values: dict, simulator) -> str:
    """The VM a command addresses, by id (Get-VM -Id / Invoke-Command -VMId) or by escaped name."""
    for call in found:
        for parameter in ("Id", "VMId"):
            if call.name in ("Get-VM", "Invoke-Command") and (vm_id := argument(call, parameter, values)):
                for vm in simulator.facts.vms:
                    if (vm.id or "").lower() == str(vm_id).lower():
                        return vm.name
                raise ActionRefused(f"Hyper-V was unable to find a virtual machine with identifier '{vm_id}'.")
        for parameter in ("Name", "VMName"):
            if call.name in ("Get-VM", "Invoke-Command") and (name := argument(call, parameter, values)):
                return re.sub(r"`(.)", r"\1", str(name))
    raise ValueError("the command does not say which VM it acts on")


def _argument_list(call: Call, values: dict) -> list:
    match = re.search(r"-ArgumentList\s+((?:\$\w+(?:,\s*)?)+)", call.elements)
    if match is None:
        return []
    return [values[name] for name in re.findall(r"\$(\w+)", match[1])]
