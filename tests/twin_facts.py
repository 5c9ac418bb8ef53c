"""The Windows twin's answer to facts.ps1: each named query run as Windows PowerShell 5.1 on a Hyper-V host would.

The twin reads the script it is sent: the ``$Queries`` table inside the ``$Gather`` block, each query's
pipeline (the cmdlets, their parameters, the properties ``Select-Object`` keeps and how each calculated one
converts its value), and the guest loop (how it calls ``Invoke-Command``, whether it casts the answer to text).
It answers from the simulator's host in the objects' real shapes (enums, ids, versions as .NET types) and
serialises them as 5.1's ConvertTo-Json does (an enum is its number, a Guid a string), so a query that forgets
to convert an enum, or a guest answer that keeps its remoting properties, reaches the Python shaping as it
would from a real host. Failure modes with their real texts: no Hyper-V module, not a Hyper-V administrator,
a pending reboot (no vmms), one unreadable VM, a guest still booting, bad guest credentials.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field

from twin_commands import calls
from twin_pwsh import PARSER, Enum, Guid, Thrown   # .NET values: [string] gives the name, ConvertTo-Json the number
from twin_system import SystemQueries, enclosure, features, item_property, machine_record, modelled

NOT_RECOGNIZED = ("The term '{0}' is not recognized as the name of a cmdlet, function, script file, or operable "
                  "program. Check the spelling of the name, or if a path was included, verify that the path is "
                  "correct and try again.")
NO_PERMISSION = ("You do not have the required permission to complete this task. Contact the administrator of "
                 "the authorization policy for the computer '{0}'.")
NO_PLATFORM = ("The Hyper-V Management Tools could not access an expected WMI class on computer '{0}'. This may "
               "indicate that the Hyper-V Platform is not enabled on the target computer or the Virtual Machine "
               "Management Service is not running.")
NO_VMMS = "Cannot find any service with service name 'vmms'."
INVALID_CLASS = "Invalid class "
UNREADABLE = ("Hyper-V encountered an error trying to access an object on computer '{0}' because the object was "
              "not found. The object might have been deleted. Verify that the Virtual Machine Management service "
              "on the computer is running.")
SESSION_ENDED = "An error has occurred which Windows PowerShell cannot handle. A remote session might have ended."
BAD_CREDENTIAL = "The credential is invalid."
HYPERV_CMDLETS = {"get-vm", "get-vmprocessor", "get-vmmemory", "get-vmnetworkadapter", "get-vmsnapshot",
                  "get-vmswitch", "get-vmhostsupportedversion", "get-vmintegrationservice"}
STATE_VALUES = {"Other": 1, "Running": 2, "Off": 3, "Stopping": 4, "Saved": 6, "Paused": 9, "Starting": 10,
                "Reset": 11, "Saving": 32773, "Pausing": 32776, "Resuming": 32777}


@dataclass(frozen=True)
class Version:
    major: int
    minor: int


@dataclass
class Conditions:
    """How this Windows host differs from a healthy one run by a Hyper-V administrator."""
    module_missing: bool = False        # Server Core with the role but without Hyper-V-PowerShell
    not_admin: bool = False             # not elevated, not in Hyper-V Administrators
    pending_reboot: bool = False        # Hyper-V enabled (or RSAT only), vmms not running until a restart
    unreadable_vms: set = field(default_factory=set)   # VM names whose configuration cannot be read
    booting: set = field(default_factory=set)          # guests that have not finished booting
    no_device_guard: bool = False       # Win32_DeviceGuard absent (before 1607)
    language_mode: str = "FullLanguage"  # ConstrainedLanguage under an AppLocker or WDAC policy
    imds_unreachable: bool = False      # an Azure VM whose metadata service a firewall or proxy blocks


class ScriptFailed(Exception):
    """The whole script stops with this error (exit 1, the message on stderr)."""


class Failed(Exception):
    """A terminating error: the whole query fails with this message."""


def plain(value):
    """5.1 ConvertTo-Json of one value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Guid):
        return value.text
    if isinstance(value, Version):
        return {"Major": value.major, "Minor": value.minor, "Build": -1, "Revision": -1,
                "MajorRevision": -1, "MinorRevision": -1}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _as_text(value) -> str:
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, Guid):
        return value.text
    if isinstance(value, Version):
        return f"{value.major}.{value.minor}"
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


class FactsTwin:
    """Answers one run of facts.ps1 for ``facts`` (the simulator's host), counting the cmdlets it runs."""

    def __init__(self, facts, conditions: Conditions, guest_credentials=None):
        self.facts = facts
        self.when = conditions
        self.guest_credentials = guest_credentials
        self.cmdlet_calls = 0          # host-side cmdlet invocations (one per command of each pipeline run)
        self.imds_requests: list[str] = []   # every metadata-service address asked, host and guests

    # -- the script --------------------------------------------------------------------------------------

    def answer(self, text: str, params: dict) -> dict:
        gather = _block(text, "$Gather = {")
        if gather is None:
            raise AssertionError("twin: facts.ps1 has no $Gather block; the twin reads the thin form only")
        queries = _queries(gather)
        form = re.search(r"""form"?\s*[=:]\s*['"]([^'"]+)['"]""", text)
        self.inner_depth = _depth(gather, "$answers")
        host = json.loads(self._gather(queries, self.facts, self.facts.name, count=True))
        guests = self._guests(text, gather, queries, params)
        return {"form": form[1] if form else None, "host": host, "guests": truncate(guests, _depth(text, "$guests"))}

    def _gather(self, queries: dict, host, computer: str, count: bool) -> str:
        answers = {}
        for key, (text, pipeline) in queries.items():
            records, problems = [], []
            try:
                for item in self._run(text, pipeline, host, computer, count):
                    (problems if isinstance(item, dict) and "__problem__" in item else records).append(item)
                answers[key] = {"ok": True, "records": [self._plain(r) for r in records],
                                "problems": [{"message": p["__problem__"], "target": p.get("target", "")}
                                             for p in problems]}
            except (Failed, Thrown) as exc:
                answers[key] = {"ok": False, "message": str(exc), "records": [], "problems": []}
        return json.dumps(truncate(answers, self.inner_depth))

    @staticmethod
    def _plain(record: dict) -> dict:
        return {k: plain(v) for k, v in record.items()}

    # -- guests -------------------------------------------------------------------------------------------

    def _guests(self, text: str, gather: str, queries: dict, params: dict) -> list:
        wanted = {str(n).casefold() for n in params.get("guest_vms") or []}
        if not wanted:
            return []
        invoke = re.search(r"^.*Invoke-Command\b.*$", text, re.MULTILINE)
        if invoke is None:
            raise AssertionError("twin: facts.ps1 names guests but never calls Invoke-Command")
        line = invoke[0]
        if "*" in wanted and "-contains '*'" not in text:
            wanted = set()
        by_id = "-VMId" in line
        as_text = re.search(r"\[string\]\s*\(\s*Invoke-Command", line) is not None
        out = []
        self.cmdlet_calls += 1                  # the script's own Get-VM, to find the guests by id
        for vm in self.facts.vms:
            if "*" not in wanted and vm.name.casefold() not in wanted:
                continue
            answer = {"id": vm.id, "name": vm.name, "state": vm.state}
            if vm.state != "Running":
                answer["skipped"] = "the VM is not running"
            elif not params.get("guest_user"):
                answer["skipped"] = "no guest user was given (--guest-user)"
            elif not params.get("guest_password"):
                # Without the script's own check, ConvertTo-SecureString refuses an empty string (real-hosts.md a12).
                if "-not $Params.guest_password" not in text:
                    raise ScriptFailed("Cannot bind argument to parameter 'String' because it is an empty string.")
                answer["skipped"] = "the guest password is empty: set NESTED_MAGICS_GUEST_PASSWORD"
            elif not by_id and sum(v.name.casefold() == vm.name.casefold() for v in self.facts.vms) > 1:
                answer["message"] = f"The input VMName {vm.name} does not resolve to a single virtual machine."
            elif vm.name in self.when.booting:
                answer["message"] = SESSION_ENDED
            elif self.guest_credentials is None or \
                    (params.get("guest_user"), params.get("guest_password")) != self.guest_credentials:
                answer["message"] = BAD_CREDENTIAL
            elif vm.guest is None:
                answer["message"] = SESSION_ENDED
            elif missing := self._missing_function(text, gather):
                answer["message"] = NOT_RECOGNIZED.format(missing)
            else:
                guest_text = self._gather(queries, vm.guest, vm.guest.name or vm.name, count=False)
                # Output that crossed Invoke-Command carries remoting properties; only a cast to text drops them.
                answer["json"] = guest_text if as_text else {
                    "value": guest_text, "PSComputerName": vm.name, "RunspaceId": str(uuid.uuid4()),
                    "PSShowComputerName": True}
            out.append(answer)
        return out

    @staticmethod
    def _missing_function(text: str, block: str) -> str | None:
        """A caller's function the remote block calls: it does not exist there (real-hosts.md §1)."""
        inside = {m.lower() for m in re.findall(r"function\s+([\w-]+)", block)}
        outside = {m.lower() for m in re.findall(r"function\s+([\w-]+)", text)} - inside
        return next((c.name for c in calls(block) if c.name.lower() in outside), None)

    # -- one query ---------------------------------------------------------------------------------------

    def _run(self, text: str, pipeline: list, host, computer: str, count: bool) -> list:
        """A plain pipeline of modelled cmdlets runs here; anything more in the small PowerShell (twin_system)."""
        if _plain(text, pipeline):
            return self._pipeline(pipeline, host, computer, count)
        when = self.when if host is self.facts else Conditions()
        shell = SystemQueries(host, when, lambda cls, namespace: self._cim(cls, namespace, host, when))
        try:
            return shell.run(text)
        finally:
            self.imds_requests += shell.imds_requests
            if count:
                self.cmdlet_calls += shell.calls

    # -- one pipeline -----------------------------------------------------------------------------------

    def _pipeline(self, pipeline: list, host, computer: str, count: bool) -> list:
        items: list | None = None
        for call in pipeline:
            if count:
                self.cmdlet_calls += 1
            name = call.name.lower()
            if name == "select-object":
                items = [i if "__problem__" in i else _select(i, call.elements) for i in items or []]
                continue
            items = self._cmdlet(name, call, items, host, computer)
        return items or []

    def _cmdlet(self, name: str, call, upstream: list | None, host, computer: str) -> list:
        when = self.when if host is self.facts else Conditions()
        if name in HYPERV_CMDLETS:
            if when.module_missing or not (host.hyperv_installed or when.pending_reboot):
                raise Failed(NOT_RECOGNIZED.format(call.name))
            if when.not_admin:
                return [{"__problem__": NO_PERMISSION.format(computer)}]
            if when.pending_reboot:
                return [{"__problem__": NO_PLATFORM.format(computer)}]
        elements = call.elements
        if name == "get-ciminstance":
            return self._cim(re.search(r"-ClassName\s+(\w+)", elements)[1], elements, host, when)
        if name == "get-service":
            if "vmms" in elements and host.hyperv_installed and not when.pending_reboot:
                return [{"Name": "vmms", "Status": Enum("Running", 4)}]
            return [{"__problem__": NO_VMMS}]
        if name == "get-command":
            present = host.hyperv_installed and not when.module_missing
            return [{"Name": "Get-VM", "ModuleName": "Hyper-V"}] if present else \
                [{"__problem__": NOT_RECOGNIZED.format("Get-VM")}]
        if name == "get-vmhostsupportedversion" and (host.build or 0) < 14393:
            raise Failed(NOT_RECOGNIZED.format(call.name))    # it came with Windows 10 1607 / Server 2016
        if name == "get-vmhostsupportedversion":
            versions = host.supported_vm_versions or ([host.default_vm_version] if host.default_vm_version else [])
            if "-Default" in elements:
                versions = [host.default_vm_version] if host.default_vm_version else []
            return [{"Name": f"Microsoft Windows {v}", "Version": Version(*map(int, v.split(".")[:2]))} for v in versions]
        if name == "get-vmswitch":
            kinds = {"Private": 0, "Internal": 1, "External": 2}
            return [{"Name": s.name, "SwitchType": Enum(s.type or "External", kinds.get(s.type or "External", 2))}
                    for s in host.switches]
        if name == "get-netnat":
            return [{"Name": n.name, "InternalIPInterfaceAddressPrefix": n.prefix} for n in host.nat]
        if name == "get-vm":
            return [self._vm(vm) for vm in host.vms]
        if name == "get-itemproperty":
            path = re.search(r"-(?:Literal)?Path\s+('[^']*'|\S+)", elements)
            return item_property(host, path[1] if path else "")
        if name == "get-windowsoptionalfeature":
            if "-Online" not in elements:
                raise Failed("Get-WindowsOptionalFeature: name an image (-Path) or the running Windows (-Online).")
            return modelled(features, host, when.not_admin)
        if name in ("get-vmprocessor", "get-vmsnapshot", "get-vmnetworkadapter"):
            return self._components(name, elements, upstream, host, computer, when)
        raise AssertionError(f"twin: no model of {call.name} {elements.strip()}")

    def _cim(self, cls: str, elements: str, host, when: Conditions) -> list:
        cpu, memory = host.cpu, host.memory
        if cls == "Win32_OperatingSystem":
            return [{"Caption": host.os.caption, "BuildNumber": str(host.os.build),
                     "ProductType": 1 if host.os.kind == "client" else 3,
                     "FreePhysicalMemory": (memory.free_bytes // 1024) if memory and memory.free_bytes else None}]
        if cls == "Win32_ComputerSystem":
            return [{"Name": host.name, "HypervisorPresent": host.hypervisor_present,
                     "TotalPhysicalMemory": memory.total_bytes if memory else None,
                     "NumberOfLogicalProcessors": cpu.logical_processors, **machine_record(host)}]
        if cls == "Win32_SystemEnclosure":
            return [enclosure(host)]
        if cls == "Win32_Processor":
            architecture = {"x86": 0, "x64": 9, "ARM64": 12}[cpu.architecture or "x64"]
            return [{"Manufacturer": cpu.vendor, "Name": cpu.model, "Architecture": architecture,
                     "VMMonitorModeExtensions": cpu.vmx, "SecondLevelAddressTranslationExtensions": cpu.slat,
                     "VirtualizationFirmwareEnabled": cpu.firmware_enabled} for _ in range(cpu.sockets or 1)]
        if cls == "Win32_DeviceGuard":
            if "root\\Microsoft\\Windows\\DeviceGuard" not in elements or when.no_device_guard:
                return [{"__problem__": INVALID_CLASS}]
            return [{"VirtualizationBasedSecurityStatus": host.vbs.status,
                     "SecurityServicesRunning": list(host.vbs.services_running)}]
        raise AssertionError(f"twin: no model of CIM class {cls}")

    @staticmethod
    def _vm(vm) -> dict:
        return {"Name": vm.name, "Id": Guid(vm.id), "VMId": Guid(vm.id), "VMName": vm.name,
                "State": Enum(vm.state, STATE_VALUES.get(vm.state, 1)), "Generation": vm.generation or 2,
                "Version": vm.version, "ProcessorCount": vm.processor_count or 1,
                "MemoryStartup": vm.startup_bytes, "DynamicMemoryEnabled": vm.dynamic_memory,
                "IsClustered": bool(vm.clustered)}

    def _components(self, name: str, elements: str, upstream, host, computer: str, when: Conditions) -> list:
        if name == "get-vmnetworkadapter" and "-All" in elements:
            source = [self._vm(vm) for vm in host.vms]
        elif upstream is not None:
            source = [u for u in upstream if "__problem__" not in u]
        else:
            raise Failed("Parameter set cannot be resolved using the specified named parameters.")
        by_id = {vm.id: vm for vm in host.vms}
        out: list = []
        for record in source:
            vm = by_id[record["Id"].text]
            if vm.name in when.unreadable_vms:
                out.append({"__problem__": UNREADABLE.format(computer), "target": vm.name})
                continue
            ids = {"VMId": Guid(vm.id), "VMName": vm.name}
            if name == "get-vmprocessor":
                out.append({**ids, "Count": vm.processor_count or 1,
                            "ExposeVirtualizationExtensions": vm.expose_virtualization_extensions})
            elif name == "get-vmsnapshot":
                out.extend({**ids, "Name": f"{vm.name} checkpoint {i + 1}"} for i in range(vm.checkpoints))
            else:
                out.extend({**ids, "Name": a.name, "SwitchName": a.switch, "IsManagementOs": False,
                            "MacAddressSpoofing": Enum("On", 0) if a.mac_spoofing else Enum("Off", 1)}
                           for a in vm.network_adapters)
        if name == "get-vmnetworkadapter" and "-All" in elements:
            out.extend({"VMId": None, "VMName": None, "Name": s.name, "SwitchName": s.name, "IsManagementOs": True,
                        "MacAddressSpoofing": Enum("Off", 1)} for s in host.switches if s.type != "Private")
        return out




# The cmdlets a plain pipeline may call (FactsTwin._cmdlet's models); anything else runs in the small PowerShell.
PLAIN = HYPERV_CMDLETS | {"select-object", "get-ciminstance", "get-service", "get-command", "get-netnat",
                          "get-itemproperty", "get-windowsoptionalfeature"}


def _plain(text: str, pipeline: list) -> bool:
    statements = PARSER.parse(text.encode("utf-8")).root_node.named_children[0].named_children
    return len(statements) == 1 and all(call.name.lower() in PLAIN for call in pipeline)


def _depth(text: str, variable: str) -> int:
    """The -Depth of ``ConvertTo-Json -InputObject $variable`` in the text (2, the default, when not given)."""
    match = re.search(rf"ConvertTo-Json -InputObject (?:@\()?\{variable}\b([^\n]*)", text)
    if match is None:
        raise AssertionError(f"twin: no ConvertTo-Json of {variable}")
    depth = re.search(r"-Depth\s+(\d+)", match[1])
    return int(depth[1]) if depth else 2


def truncate(value, depth: int):
    """What 5.1's ConvertTo-Json writes at -Depth ``depth``: deeper objects silently become their ToString()
    (a hashtable "System.Collections.Hashtable", an array its items joined by spaces) (real-hosts.md §1)."""
    if isinstance(value, dict):
        if depth < 0:
            return "System.Collections.Hashtable"
        return {k: truncate(v, depth - 1) for k, v in value.items()}
    if isinstance(value, list):
        if depth < 0:
            return " ".join("System.Collections.Hashtable" if isinstance(v, dict) else str(v) for v in value)
        return [truncate(v, depth) for v in value]      # containers consume no depth of their own
    return value


def _block(text: str, opener: str) -> str | None:
    """The text of the script block that ``opener`` starts (braces balanced)."""
    start = text.find(opener)
    if start < 0:
        return None
    i = start + len(opener)
    depth = 1
    while i < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start + len(opener):i - 1]


def _queries(gather: str) -> dict:
    """``name = { pipeline }`` entries of the $Queries table, each as the commands it runs, in order."""
    table = _block(gather, "$Queries = [ordered]@{")
    if table is None:
        raise AssertionError("twin: the $Gather block has no $Queries table")
    out = {}
    for match in re.finditer(r"^\s*(\w+)\s*=\s*\{(.*)\}\s*$", table, re.MULTILINE):
        out[match[1]] = (match[2], [c for c in calls(match[2]) if c.name.lower() not in ("[string]",)])
    return out


_CALCULATED = re.compile(r"@\{\s*Name\s*=\s*'(\w+)'\s*;\s*Expression\s*=\s*\{\s*(.*?)\s*\}\s*\}")


def _select(record: dict, elements: str) -> dict:
    """Select-Object -Property: plain names keep the value (and its .NET type); calculated ones evaluate."""
    spec = elements.split("-Property", 1)[1] if "-Property" in elements else elements
    out = {}
    for match in re.finditer(r"@\{.*?\}\s*\}|[\w]+", spec):
        token = match[0]
        calculated = _CALCULATED.fullmatch(token)
        if calculated:
            out[calculated[1]] = _evaluate(calculated[2], record)
        else:
            out[token] = record.get(token)
    return out


def _evaluate(expression: str, record: dict):
    if m := re.fullmatch(r"\[string\]\$_\.(\w+)", expression):
        return _as_text(record.get(m[1])) if record.get(m[1]) is not None else ""
    if m := re.fullmatch(r"\$_\.(\w+)\.ToString\((\d?)\)", expression):
        value = record.get(m[1])
        return _as_text(value)
    if m := re.fullmatch(r"\$_\.(\w+)", expression):
        return record.get(m[1])
    raise AssertionError(f"twin: no model of the expression {expression!r}")
