"""The per-cmdlet way of gathering a host's facts, for comparison with nested-magics' one invocation.

Microsoft's two scripts (Get-NestedVirtStatus.ps1 and Enable-NestedVm.ps1), run against a remote
host, query it one cmdlet at a time: the host's CIM classes and features, then per VM ``Get-VM``,
``Get-VMProcessor``, ``Get-VMMemory`` and ``Get-VMNetworkAdapter``. Here each of those queries is
one ``WinRMTransport.run`` of a tiny script on the transport's reused shell, and
``PerCmdletWindowsHost`` (the loopback server's handler) answers each with that cmdlet's slice of
the simulator's facts, as ``ConvertTo-Json`` would. The client puts the slices back together into
the same host-facts document that ``facts.ps1`` returns in one invocation, so both ways feed the
same rules. (``Get-VMSnapshot`` per VM, for the checkpoint count, is left out: it would only add
calls to the per-cmdlet side.)
"""

from __future__ import annotations

import json

from nested_magics.backends.powershell.payload import decode_payload, loader_text
from nested_magics.backends.powershell import shape_system
from nested_magics.model.facts import SCHEMA_ID, HostFacts

from benchmarks.common import SimulatedWindowsHost
import twin_system     # the twin's answers where a document says nothing (on the path benchmarks.common sets)

PREFIX = "# per-cmdlet: "


def _script(name: str, body: str) -> str:
    return f"{PREFIX}{name}\nparam($Params)\n$ErrorActionPreference = 'Stop'\n{body}\n"


def _json(select: str) -> str:
    return f"ConvertTo-Json -Compress -Depth 4 -InputObject @({select})"


# The host queries, once per host.
HOST_QUERIES = {
    "Win32_OperatingSystem": _json("Get-CimInstance -ClassName Win32_OperatingSystem | "
                                   "Select-Object Caption, BuildNumber, ProductType, FreePhysicalMemory"),
    "Win32_ComputerSystem": _json("Get-CimInstance -ClassName Win32_ComputerSystem | "
                                  "Select-Object Name, TotalPhysicalMemory, HypervisorPresent, NumberOfLogicalProcessors, "
                                  "Manufacturer, Model"),
    "Win32_Processor": _json("Get-CimInstance -ClassName Win32_Processor | Select-Object Manufacturer, Name, Architecture, "
                             "VMMonitorModeExtensions, SecondLevelAddressTranslationExtensions, "
                             "VirtualizationFirmwareEnabled"),
    "Win32_DeviceGuard": _json("Get-CimInstance -ClassName Win32_DeviceGuard -Namespace "
                               "'root\\Microsoft\\Windows\\DeviceGuard' | "
                               "Select-Object VirtualizationBasedSecurityStatus, SecurityServicesRunning"),
    "Get-WindowsOptionalFeature": _json("Get-WindowsOptionalFeature -Online | "
                                        "Select-Object FeatureName, @{n='State'; e={$_.State.ToString()}}"),
    "Get-ItemProperty": _json("Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion' | "
                              "Select-Object EditionID"),
    "bcdedit": _json("bcdedit /enum '{current}' | Select-String hypervisor | ForEach-Object { [string]$_ }"),
    "Get-VMHostSupportedVersion": _json("Get-VMHostSupportedVersion | Select-Object "
                                        "@{n='Version'; e={$_.Version.ToString(2)}}, IsDefault"),
    "Get-VMSwitch": _json("Get-VMSwitch | Select-Object Name, @{n='SwitchType'; e={$_.SwitchType.ToString()}}"),
    "Get-NetNat": _json("Get-NetNat | Select-Object Name, InternalIPInterfaceAddressPrefix"),
    "Get-VM": _json("Get-VM | Select-Object Name"),
}
# The VM queries, once per VM ($Params.vm names it).
VM_QUERIES = {
    "Get-VM -Name": _json("Get-VM -Name $Params.vm | Select-Object Name, @{n='Id'; e={$_.Id.ToString()}}, "
                          "@{n='State'; e={$_.State.ToString()}}, Generation, Version, IsClustered"),
    "Get-VMProcessor": _json("Get-VMProcessor -VMName $Params.vm | Select-Object Count, ExposeVirtualizationExtensions"),
    "Get-VMMemory": _json("Get-VMMemory -VMName $Params.vm | Select-Object Startup, DynamicMemoryEnabled"),
    "Get-VMNetworkAdapter": _json("Get-VMNetworkAdapter -VMName $Params.vm | Select-Object Name, SwitchName, "
                                  "@{n='MacAddressSpoofing'; e={$_.MacAddressSpoofing.ToString()}}"),
}
SCRIPTS = {name: _script(name, body) for name, body in {**HOST_QUERIES, **VM_QUERIES}.items()}


def calls_for(vm_count: int) -> int:
    return len(HOST_QUERIES) + len(VM_QUERIES) * vm_count


# -- the remote side: one cmdlet's slice of the simulator's facts ------------------------------------------


def _answer(name: str, facts: HostFacts, params: dict) -> list[dict]:
    """What ``SCRIPTS[name]`` prints on the simulated host, as data."""
    if name in VM_QUERIES:
        vm = facts.find_vm(params["vm"])
        if vm is None:
            raise LookupError(f"Hyper-V was unable to find a virtual machine with name \"{params['vm']}\".")
        return {
            "Get-VM -Name": lambda: [{"Name": vm.name, "Id": vm.id, "State": vm.state, "Generation": vm.generation,
                                      "Version": vm.version, "IsClustered": bool(vm.clustered)}],
            "Get-VMProcessor": lambda: [{"Count": vm.processor_count,
                                         "ExposeVirtualizationExtensions": vm.expose_virtualization_extensions}],
            "Get-VMMemory": lambda: [{"Startup": vm.startup_bytes, "DynamicMemoryEnabled": vm.dynamic_memory}],
            "Get-VMNetworkAdapter": lambda: [{"Name": a.name, "SwitchName": a.switch,
                                              "MacAddressSpoofing": "On" if a.mac_spoofing else "Off"}
                                             for a in vm.network_adapters],
        }[name]()
    memory, cpu = facts.memory, facts.cpu
    sockets = cpu.sockets or 1
    return {
        "Win32_OperatingSystem": lambda: [{
            "Caption": facts.os.caption, "BuildNumber": str(facts.os.build),
            "ProductType": 1 if facts.os.kind == "client" else 3,
            "FreePhysicalMemory": memory.free_bytes // 1024 if memory and memory.free_bytes is not None else None}],
        "Win32_ComputerSystem": lambda: [{
            "Name": facts.name, "TotalPhysicalMemory": memory.total_bytes if memory else None,
            "HypervisorPresent": facts.hypervisor_present, "NumberOfLogicalProcessors": cpu.logical_processors,
            **twin_system.machine_record(facts)}],
        "Win32_Processor": lambda: [{
            "Manufacturer": cpu.vendor, "Name": cpu.model, "VMMonitorModeExtensions": cpu.vmx,
            "Architecture": {"x86": 0, "x64": 9, "ARM64": 12}[cpu.architecture or "x64"],
            "SecondLevelAddressTranslationExtensions": cpu.slat,
            "VirtualizationFirmwareEnabled": cpu.firmware_enabled}] * sockets,
        "Win32_DeviceGuard": lambda: [{"VirtualizationBasedSecurityStatus": facts.vbs.status,
                                       "SecurityServicesRunning": list(facts.vbs.services_running)}],
        "Get-WindowsOptionalFeature": lambda: [{"FeatureName": name, "State": state}
                                               for name, state in twin_system.feature_states(facts).items()],
        "Get-ItemProperty": lambda: [{"EditionID": twin_system.edition_of(facts)}],
        "bcdedit": lambda: [line for line in twin_system.bcd_lines(facts) if "hypervisor" in line],
        # (the cmdlet came with Windows 10 1607 / Server 2016: older hosts report no versions)
        "Get-VMHostSupportedVersion": lambda: [] if (facts.build or 0) < 14393 else [{"Version": v, "IsDefault": v == facts.default_vm_version}
                                               for v in facts.supported_vm_versions],
        "Get-VMSwitch": lambda: [{"Name": s.name, "SwitchType": s.type} for s in facts.switches],
        "Get-NetNat": lambda: [{"Name": n.name, "InternalIPInterfaceAddressPrefix": n.prefix} for n in facts.nat],
        "Get-VM": lambda: [{"Name": vm.name} for vm in facts.vms],
    }[name]()


class PerCmdletWindowsHost(SimulatedWindowsHost):
    """The simulated Windows host, answering the per-cmdlet scripts as well as nested-magics' own."""

    def __call__(self, command_line: str, stdin: bytes) -> tuple[bytes, bytes, int]:
        from loopback_winrm import clixml_error

        if command_line.strip() != loader_text().strip():
            return super().__call__(command_line, stdin)
        text, params = decode_payload(stdin)
        if not text.startswith(PREFIX):
            return super().__call__(command_line, stdin)
        name = text.splitlines()[0].removeprefix(PREFIX)
        if SCRIPTS.get(name) != text:
            return b"", clixml_error(f"unknown per-cmdlet script {name!r}"), 1
        self.operations.append(name)
        try:
            answer = _answer(name, self.simulator.gather(), params)
        except LookupError as missing:
            return b"", clixml_error(str(missing)), 1
        return json.dumps(answer).encode("utf-8"), b"", 0


# -- the client: one call per cmdlet, then the slices put together ------------------------------------------


def _drop_none(mapping: dict) -> dict:
    return {k: v for k, v in mapping.items() if v is not None}


def gather(transport) -> dict:
    """The host-facts document, gathered one cmdlet per ``transport.run``."""
    def ask(name: str, **params) -> list[dict]:
        return transport.run_json(SCRIPTS[name], params)

    (os_,) = ask("Win32_OperatingSystem")
    (computer,) = ask("Win32_ComputerSystem")
    processors = ask("Win32_Processor")
    guard = ask("Win32_DeviceGuard")
    features = {f["FeatureName"]: f["State"] for f in ask("Get-WindowsOptionalFeature")}
    (edition,) = ask("Get-ItemProperty")
    boot = shape_system.boot([{"Line": line} for line in ask("bcdedit")])
    versions = ask("Get-VMHostSupportedVersion")
    switches = ask("Get-VMSwitch")
    nat = ask("Get-NetNat")
    names = [vm["Name"] for vm in ask("Get-VM")]
    vms = []
    for name in names:
        (vm,) = ask("Get-VM -Name", vm=name)
        (processor,) = ask("Get-VMProcessor", vm=name)
        (memory,) = ask("Get-VMMemory", vm=name)
        adapters = ask("Get-VMNetworkAdapter", vm=name)
        vms.append(_drop_none({
            "name": vm["Name"], "id": vm["Id"], "state": vm["State"], "generation": vm["Generation"], "clustered": vm["IsClustered"],
            "version": vm["Version"],
            "processor": _drop_none({"count": processor["Count"],
                                     "expose_virtualization_extensions": processor["ExposeVirtualizationExtensions"]}),
            "memory": _drop_none({"startup_bytes": memory["Startup"], "dynamic": memory["DynamicMemoryEnabled"]}),
            "network_adapters": [{"name": a["Name"], "switch": a["SwitchName"],
                                  "mac_spoofing": a["MacAddressSpoofing"] == "On"} for a in adapters],
        }))
        vms[-1]["guest"] = None           # what is inside a guest is unknown over WinRM, as in facts.ps1
    cpu = processors[0]
    doc = {
        "schema": SCHEMA_ID,
        "name": computer["Name"],
        "os": _drop_none({"caption": os_["Caption"], "build": int(os_["BuildNumber"]),
                          "kind": "client" if os_["ProductType"] == 1 else "server", "edition": edition["EditionID"]}),
        "cpu": _drop_none({"vendor": cpu["Manufacturer"], "model": cpu["Name"], "sockets": len(processors),
                           "logical_processors": computer["NumberOfLogicalProcessors"],
                           "vmx": cpu["VMMonitorModeExtensions"],
                           "slat": cpu["SecondLevelAddressTranslationExtensions"],
                           "firmware_enabled": cpu["VirtualizationFirmwareEnabled"],
                           "architecture": shape_system.architecture(cpu)}),
        "hypervisor_present": computer["HypervisorPresent"],
        "hyperv_installed": features.get("Microsoft-Hyper-V") == "Enabled",
        "boot": boot, "machine": shape_system.machine(computer, None),
        "features": shape_system.features([{"FeatureName": k, "State": v} for k, v in features.items()]),
        "vbs": {"status": guard[0]["VirtualizationBasedSecurityStatus"] if guard else 0,
                "services_running": guard[0]["SecurityServicesRunning"] if guard else []},
        "supported_vm_versions": [v["Version"] for v in versions],
        "switches": [_drop_none({"name": s["Name"], "type": s["SwitchType"]}) for s in switches],
        "nat": [_drop_none({"name": n["Name"], "prefix": n["InternalIPInterfaceAddressPrefix"]}) for n in nat],
        "vms": vms,
    }
    memory = _drop_none({"total_bytes": computer["TotalPhysicalMemory"],
                         "free_bytes": os_["FreePhysicalMemory"] * 1024 if os_["FreePhysicalMemory"] is not None else None})
    if memory:
        doc["memory"] = memory
    default = [v["Version"] for v in versions if v["IsDefault"]]
    if default:
        doc["default_vm_version"] = default[0]
    return doc
