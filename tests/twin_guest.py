"""The Windows twin's reading of the steps that run inside a guest (install-hyperv, guest-nat), by their text.

What a real host does with them (real-hosts.md §2, §7): PowerShell Direct refuses a guest that has not finished
booting ("An error has occurred which Windows PowerShell cannot handle. A remote session might have ended.")
until its heartbeat has been waited for and a session answers; a restart inside the session drops it although the
feature got installed; a feature installed without a restart stays pending until the VM restarts from outside;
Windows allows one NAT per host ("The parameter is incorrect." from New-NetNat), and a duplicate gateway address
is "Instance MSFT_NetIPAddress already exists". The twin walks the step's commands in order and follows them.
"""

from __future__ import annotations

import re

from nested_magics.errors import ActionRefused

from twin_commands import Call, calls
from twin_facts import SESSION_ENDED

WAIT_TIMEOUT = "This command stopped operation because the specified condition is not satisfied in the specified time-out."
NAT_CLASH = "The parameter is incorrect."
ADDRESS_EXISTS = "Instance MSFT_NetIPAddress already exists"
WORK = ("Enable-WindowsOptionalFeature", "Install-WindowsFeature", "New-NetNat", "Remove-NetNat")


class GuestSteps:
    """The guest-side state a real host keeps between steps: who is still booting, what waits for a restart."""

    def __init__(self, booting: set):
        self.booting = booting            # shared with the facts twin: a booting guest cannot be looked inside
        self.pending: set[str] = set()    # Hyper-V installed in the guest, active after the next restart
        self.gateways: dict[str, tuple[str, str]] = {}   # vm -> (gateway address, interface alias)
        self.log: list[str] = []          # what the twin saw happen, in order, for tests to read

    def run(self, change, command: str, values: dict, simulator) -> str:
        vm = simulator.facts.find_vm(change.params["vm"])
        steps = calls(command)
        waited = False
        restarted = False
        for i, call in enumerate(steps):
            name = call.name
            if name == "Wait-VM":
                if vm.state != "Running":
                    raise ActionRefused(WAIT_TIMEOUT)
                waited = True
                self.log.append("heartbeat")
            elif name == "Invoke-Command" and _is_poll(call):
                if waited:                        # the loop polls until the booted guest answers
                    self.booting.discard(vm.name)
                    self.log.append("direct-ready")
            elif name == "Invoke-Command" and any(s.name in WORK for s in steps[i + 1:i + 1 + _block_size(call)]):
                if vm.name in self.booting or vm.state != "Running":
                    raise ActionRefused(SESSION_ENDED)
                inner = steps[i + 1:i + 1 + _block_size(call)]
                if change.id == "install-hyperv":
                    self._install(call, inner, vm, simulator, change)
                else:
                    message = self._nat(call, inner, vm, values, simulator, change)
                    if message:
                        return message
            elif name == "Stop-VM":
                vm.state = "Off"
                self.log.append("stopped")
            elif name == "Start-VM":
                vm.state = "Running"
                self.booting.add(vm.name)
                restarted = True
                self.log.append("started")
        if vm.name in self.pending and restarted and vm.name not in self.booting:
            self.pending.discard(vm.name)
            simulator.apply_change(change)        # the restart from outside finished the install
            self.log.append("installed")
        return "done"

    def _install(self, call: Call, inner: list[Call], vm, simulator, change) -> None:
        restarts = [c for c in inner if c.name == "Restart-Computer" or
                    re.search(r"-Restart\b(?!Needed)", c.elements)]
        self.log.append("install")
        if restarts:       # installed, but the restart inside the session drops it
            simulator.apply_change(change)
            raise ActionRefused(SESSION_ENDED)
        self.pending.add(vm.name)

    def _nat(self, call: Call, inner: list[Call], vm, values: dict, simulator, change) -> str | None:
        guest = vm.guest
        names = [c.name for c in inner]
        args = _arguments(call, values)
        if "Remove-NetNat" in names:
            return self._remove_nat(call, names, args, vm)
        switch, nat, prefix = args[0], args[1], args[2]
        gateway = args[3] if len(args) > 3 else None
        ours = [n for n in guest.nat if n.name == nat and n.prefix == prefix]
        if ours and "Get-NetNat" in names:          # the step's own answer: its first `return '...'`
            found = re.search(r"return '([^']*)'", call.elements)
            return found[1] if found else None
        checks_first = "Get-NetNat" in names and "New-VMSwitch" in names and \
            names.index("Get-NetNat") < names.index("New-VMSwitch")
        if guest.nat and checks_first:
            text = re.search(r"throw \('([^']*one NAT per host[^']*)' -f", call.elements)
            message = text[1] if text else "a NAT exists"
            raise ActionRefused(message.replace("{0}", guest.nat[0].name).replace("{1}", guest.nat[0].prefix or ""))
        made = False
        if "New-VMSwitch" in names and not any(s.name == switch for s in guest.switches):
            from nested_magics.model.facts import Switch

            guest.switches.append(Switch(name=switch, type="Internal"))
            made = True
            self.log.append("switch")
        try:
            addressed = False
            if "New-NetIPAddress" in names and gateway is not None:
                there = vm.name in self.gateways and self.gateways[vm.name][0] == gateway
                if there and "Get-NetIPAddress" not in names:
                    raise ActionRefused(ADDRESS_EXISTS)
                if not there:
                    self.gateways[vm.name] = (gateway, f"vEthernet ({switch})")
                    addressed = True
                    self.log.append("gateway")
            if "New-NetNat" in names and guest.nat:
                raise ActionRefused(NAT_CLASH)
        except ActionRefused as failed:
            why = str(failed)
            if made and "Remove-VMSwitch" in names:
                guest.switches[:] = [s for s in guest.switches if s.name != switch]
                why += " (the switch this step made was removed)"
                self.log.append("switch-removed")
            raise ActionRefused(f"NAT not made: {why}") from None
        simulator.apply_change(change)
        self.log.append("nat")
        return _answer(call.elements, nat, prefix, gateway, {"made": made, "addressed": addressed})

    def _remove_nat(self, call: Call, names: list[str], args: list, vm) -> None:
        """The undo: Remove-NetNat, and the address and switch removals the script asks for (each may be guarded
        by one of its parameters, as ``if ($removeSwitch) { Remove-VMSwitch ... }``)."""
        given = dict(zip(_parameters(call), args))
        switch, nat = args[0], args[1]

        def asked(command: str) -> bool:
            guard = re.search(r"if \(\$(\w+)\) \{[^;]*?" + command, call.elements)
            return command in names and (guard is None or bool(given.get(guard[1].casefold())))

        vm.guest.nat[:] = [n for n in vm.guest.nat if n.name != nat]
        self.log.append("nat-removed")
        if asked("Remove-NetIPAddress"):
            self.gateways.pop(vm.name, None)
            self.log.append("gateway-removed")
        if asked("Remove-VMSwitch"):
            vm.guest.switches[:] = [s for s in vm.guest.switches if s.name != switch]
            self.log.append("switch-removed")
        return None


def _answer(script: str, nat: str, prefix: str, gateway, found: dict[str, bool]) -> str:
    """What the step's script says it did: its ``$said`` line, with each ``if (-not $x) { $said += '...' }`` added
    when ``$x`` stayed false; "done" for a script that says nothing."""
    if "$said = 'NAT '" not in script:
        return "done"
    said = f"NAT {nat} {prefix}, gateway {gateway}"
    for name, text in re.findall(r"if \(-not \$(\w+)\) \{ \$said \+= '([^']*)' \}", script):
        if not found.get(name, True):
            said += text
    return said


def _parameters(call: Call) -> list[str]:
    """The names in the script block's ``param(...)``, lower-cased (PowerShell variables ignore case)."""
    match = re.search(r"param\(([^)]*)\)", call.elements)
    return [name.casefold() for name in re.findall(r"\$(\w+)", match[1])] if match else []


def _is_poll(call: Call) -> bool:
    return re.search(r"-ScriptBlock\s*\{\s*\$true\s*\}", call.elements) is not None


def _block_size(call: Call) -> int:
    """How many commands the Invoke-Command's script block holds (they follow it in ``calls``)."""
    block = re.search(r"-ScriptBlock\s*(\{.*\})", call.elements, re.DOTALL)
    return len(calls(block[1][1:-1])) if block else 0


def _arguments(call: Call, values: dict) -> list:
    match = re.search(r"-ArgumentList\s+((?:\$\w+(?:,\s*)?)+)", call.elements)
    return [values[name] for name in re.findall(r"\$(\w+)", match[1])] if match else []
