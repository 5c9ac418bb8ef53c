"""Host facts (contracts §2): one data model for every backend.

A mock scenario *is* a host-facts document; a real host's backend gathers the same document. A VM's
``guest`` is itself a host (without ``schema``), so nesting is recursive. Plain data: loading and
validating a document is ``nested_magics.load``; mock-only keys (faults, latency) live in the mock backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator


SCHEMA_ID = "nested-magics/host-facts/v1"
# VMState names that count as settled (contracts §3, vm.state).
SETTLED_STATES = ("Off", "Running", "Saved", "Paused")


def version_tuple(text: str | None) -> tuple[int, ...]:
    """Compare VM configuration versions as versions: "10.0" > "8.0" (as strings it is not)."""
    if not text:
        return (0,)
    parts = [int(part) for part in str(text).split(".")]
    while len(parts) > 1 and parts[-1] == 0:      # "8" == "8.0" == "8.0.0"
        parts.pop()
    return tuple(parts)


def present(record) -> dict:
    """A record's known fields, in order (a field that is None is unknown, so it is left out)."""
    return {k: getattr(record, k) for k in record.__slots__ if getattr(record, k) is not None}


@dataclass(slots=True)
class OSInfo:
    build: int | None = None
    caption: str | None = None
    kind: str = "client"
    edition: str | None = None       # registry EditionID (Core = Home, Professional, ServerDatacenter, ...)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {}
        if self.caption is not None:
            out["caption"] = self.caption
        if self.build is not None:
            out["build"] = self.build
        out["kind"] = self.kind
        if self.edition is not None:
            out["edition"] = self.edition
        return out


@dataclass(slots=True)
class CPU:
    vendor: str | None = None
    model: str | None = None
    sockets: int | None = None
    logical_processors: int | None = None
    vmx: bool | None = None          # None: unknown (absent), never read as False
    slat: bool | None = None
    firmware_enabled: bool | None = None
    architecture: str | None = None  # x64 | ARM64 | x86; None: unknown

    @property
    def is_intel(self) -> bool:
        return self.vendor == "GenuineIntel"

    @property
    def is_amd(self) -> bool:
        return self.vendor == "AuthenticAMD"

    def to_dict(self) -> dict:
        return present(self)


@dataclass(slots=True)
class Memory:
    total_bytes: int | None = None
    free_bytes: int | None = None

    def to_dict(self) -> dict:
        return present(self)


@dataclass(slots=True)
class VBS:
    status: int = 0                  # Win32_DeviceGuard: 0 off, 1 enabled not running, 2 running
    services_running: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"status": self.status, "services_running": list(self.services_running)}


@dataclass(slots=True)
class Boot:
    """The current boot entry (bcdedit /enum {current}); a field that is None could not be read."""

    hypervisor_launch_type: str | None = None    # Auto | Off
    nested_virt_offered: bool | None = None      # False only when hypervisorloadoptions says OFFERNESTEDVIRT=FALSE

    def to_dict(self) -> dict:
        return {"hypervisor_launch_type": self.hypervisor_launch_type, "nested_virt_offered": self.nested_virt_offered}


@dataclass(slots=True)
class Cloud:
    """The cloud VM this computer is (Azure's instance metadata), when it is one."""

    provider: str
    vm_size: str | None = None
    security_type: str | None = None             # TrustedLaunch | Standard | ConfidentialVM

    def to_dict(self) -> dict:
        return {"provider": self.provider, "vm_size": self.vm_size, "security_type": self.security_type}


@dataclass(slots=True)
class Machine:
    """What this computer itself is: a physical machine, or a VM (then whatever it nests is one level deeper)."""

    virtual: bool | None = None
    manufacturer: str | None = None
    model: str | None = None
    cloud: Cloud | None = None
    # A Hyper-V guest's name on its host and that host's name, from Hyper-V's Data Exchange (Guest\Parameters
    # VirtualMachineName, PhysicalHostNameFullyQualified); None: unknown (a physical machine, or Data Exchange off).
    vm_name: str | None = None
    physical_host: str | None = None

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("virtual", "manufacturer", "model") if getattr(self, k) is not None}
        out["cloud"] = self.cloud.to_dict() if self.cloud is not None else None
        out.update({k: getattr(self, k) for k in ("vm_name", "physical_host") if getattr(self, k) is not None})
        return out


# The Windows optional features nesting users need (contracts §2 `features`); absent: unknown.
NESTING_FEATURES = ("Microsoft-Hyper-V", "VirtualMachinePlatform", "Microsoft-Windows-Subsystem-Linux",
                    "Containers-DisposableClientVM")


@dataclass(slots=True)
class NetworkAdapter:
    name: str = "Network Adapter"
    switch: str | None = None
    mac_spoofing: bool = False

    def to_dict(self) -> dict:
        return {"name": self.name, "switch": self.switch, "mac_spoofing": self.mac_spoofing}


@dataclass(slots=True)
class VM:
    name: str
    state: str
    version: str
    id: str | None = None
    generation: int | None = None
    processor_count: int | None = None
    expose_virtualization_extensions: bool = False
    startup_bytes: int | None = None
    dynamic_memory: bool = False
    network_adapters: list[NetworkAdapter] = field(default_factory=list)
    checkpoints: int = 0
    guest: "HostFacts | None" = None
    clustered: bool | None = None    # VM.IsClustered; None: unknown

    @property
    def nesting(self) -> bool:
        return self.expose_virtualization_extensions

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"name": self.name}
        if self.id is not None:
            out["id"] = self.id
        out["state"] = self.state
        if self.generation is not None:
            out["generation"] = self.generation
        out["version"] = self.version
        processor: dict[str, Any] = {}
        if self.processor_count is not None:
            processor["count"] = self.processor_count
        processor["expose_virtualization_extensions"] = self.expose_virtualization_extensions
        out["processor"] = processor
        memory: dict[str, Any] = {}
        if self.startup_bytes is not None:
            memory["startup_bytes"] = self.startup_bytes
        memory["dynamic"] = self.dynamic_memory
        out["memory"] = memory
        out["network_adapters"] = [a.to_dict() for a in self.network_adapters]
        out["checkpoints"] = self.checkpoints
        out["guest"] = self.guest.to_dict() if self.guest is not None else None
        if self.clustered is not None:
            out["clustered"] = self.clustered
        return out


@dataclass(slots=True)
class Switch:
    name: str
    type: str | None = None

    def to_dict(self) -> dict:
        return present(self)


@dataclass(slots=True)
class Nat:
    name: str
    prefix: str | None = None

    def to_dict(self) -> dict:
        return present(self)


@dataclass(slots=True)
class FactError:
    """A part of the facts that could not be read, with the host's own message (partial facts)."""

    part: str
    message: str

    def to_dict(self) -> dict:
        return {"part": self.part, "message": self.message}


@dataclass(slots=True)
class HostFacts:
    """One Hyper-V host: the physical L0, or the OS inside a VM (then most keys may be unknown)."""

    name: str | None = None
    os: OSInfo = field(default_factory=OSInfo)
    cpu: CPU = field(default_factory=CPU)
    memory: Memory | None = None
    hypervisor_present: bool = False
    hyperv_installed: bool = False
    vbs: VBS = field(default_factory=VBS)
    supported_vm_versions: list[str] = field(default_factory=list)
    default_vm_version: str | None = None
    switches: list[Switch] = field(default_factory=list)
    nat: list[Nat] = field(default_factory=list)
    vms: list[VM] = field(default_factory=list)
    errors: list[FactError] = field(default_factory=list)
    boot: Boot | None = None
    machine: Machine | None = None
    features: dict[str, str] = field(default_factory=dict)   # feature name -> Enabled | Disabled | ...; absent: unknown
    is_guest: bool = False

    @property
    def build(self) -> int | None:
        return self.os.build

    def find_vm(self, name: str) -> VM | None:
        """Hyper-V matches VM names case-insensitively."""
        wanted = name.casefold()
        for vm in self.vms:
            if vm.name.casefold() == wanted:
                return vm
        return None

    def find_vm_by_id(self, text: str) -> VM | None:
        """The VM whose id ``text`` is (case-insensitive, braces allowed): how one of two VMs of one name is named."""
        wanted = text.strip().strip("{}").casefold()
        return next((vm for vm in self.vms if vm.id and vm.id.casefold() == wanted), None)

    def find_vms(self, name: str) -> list[VM]:
        """Every VM of that name: Hyper-V allows two VMs with one name (different ids)."""
        wanted = name.casefold()
        return [vm for vm in self.vms if vm.name.casefold() == wanted]

    def ambiguous(self, name: str) -> str | None:
        """Why ``name`` cannot address one VM here (it names several), or None."""
        matches = self.find_vms(name)
        if len(matches) < 2:
            return None
        ids = ", ".join(f"{vm.name} ({vm.id or 'no id'})" for vm in matches)
        return (f"{len(matches)} VMs are named {name!r} on {self.name} (names match case-insensitively): {ids}; "
                "rename one (Rename-VM) so each has its own name")

    def unread(self, parts: tuple[str, ...], vm: str | None = None) -> FactError | None:
        """The first error that left one of ``parts`` unread: the whole part (``vms.processor``) or, for ``vm``,
        its own share of it (``vms[myVM].processor``, or ``vms[myVM]`` when nothing of it could be read)."""
        wanted = set(parts)
        if vm is not None:
            wanted |= {f"vms[{vm}]"} | {f"vms[{vm}].{p.split('.', 1)[1]}" for p in parts if p.startswith("vms.")}
        return next((e for e in self.errors if e.part in wanted), None)

    def vm_names(self) -> list[str]:
        return [vm.name for vm in self.vms]

    def walk(self, level: int = 0) -> Iterator[tuple[int, "HostFacts", VM]]:
        """Every VM at every depth, with the level of the host it runs on (L0 = 0)."""
        for vm in self.vms:
            yield level, self, vm
            if vm.guest is not None:
                yield from vm.guest.walk(level + 1)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {}
        if not self.is_guest:
            out["schema"] = SCHEMA_ID
        if self.name is not None:
            out["name"] = self.name
        out["os"] = self.os.to_dict()
        cpu = self.cpu.to_dict()
        if cpu or not self.is_guest:
            out["cpu"] = cpu
        if self.memory is not None:
            out["memory"] = self.memory.to_dict()
        out["hypervisor_present"] = self.hypervisor_present
        out["hyperv_installed"] = self.hyperv_installed
        out["vbs"] = self.vbs.to_dict()
        if self.supported_vm_versions:
            out["supported_vm_versions"] = list(self.supported_vm_versions)
        if self.default_vm_version is not None:
            out["default_vm_version"] = self.default_vm_version
        out["switches"] = [s.to_dict() for s in self.switches]
        out["nat"] = [n.to_dict() for n in self.nat]
        out["vms"] = [vm.to_dict() for vm in self.vms]
        if self.boot is not None:
            out["boot"] = self.boot.to_dict()
        if self.machine is not None:
            out["machine"] = self.machine.to_dict()
        if self.features:
            out["features"] = dict(self.features)
        if self.errors:
            out["errors"] = [e.to_dict() for e in self.errors]
        return out
