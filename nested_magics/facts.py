"""Host facts (contracts §2): one data model for both backends.

A mock scenario *is* a host-facts document; the WinRM backend gathers the same document from a
real host. A VM's ``guest`` is itself a host (without ``schema``), so nesting is recursive.
Loading validates against the bundled JSON Schema first, so every error names its key path.
"""

from __future__ import annotations

import copy
import difflib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator

from .errors import FactsError
from .sizes import parse_size

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


@dataclass(slots=True)
class OSInfo:
    build: int | None = None
    caption: str | None = None
    kind: str = "client"

    def to_dict(self) -> dict:
        out: dict[str, Any] = {}
        if self.caption is not None:
            out["caption"] = self.caption
        if self.build is not None:
            out["build"] = self.build
        out["kind"] = self.kind
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

    @property
    def is_intel(self) -> bool:
        return self.vendor == "GenuineIntel"

    @property
    def is_amd(self) -> bool:
        return self.vendor == "AuthenticAMD"

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}


@dataclass(slots=True)
class Memory:
    total_bytes: int | None = None
    free_bytes: int | None = None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}


@dataclass(slots=True)
class VBS:
    status: int = 0                  # Win32_DeviceGuard: 0 off, 1 enabled not running, 2 running
    services_running: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"status": self.status, "services_running": list(self.services_running)}


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
        return out


@dataclass(slots=True)
class Switch:
    name: str
    type: str | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.type} if self.type else {"name": self.name}


@dataclass(slots=True)
class Nat:
    name: str
    prefix: str | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "prefix": self.prefix} if self.prefix else {"name": self.name}


@dataclass(slots=True)
class Fault:
    """Mock only: make ``operation`` (on ``vm``, or any VM) fail with ``message``."""

    operation: str
    message: str
    vm: str | None = None
    times: int | None = None         # None: every time

    def matches(self, operation: str, vm: str | None) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.operation.lower() != operation.lower():
            return False
        return self.vm is None or (vm is not None and self.vm.lower() == vm.lower())

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"operation": self.operation, "message": self.message}
        if self.vm is not None:
            out["vm"] = self.vm
        if self.times is not None:
            out["times"] = self.times
        return out


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
    faults: list[Fault] = field(default_factory=list)
    latency_ms: float = 0.0
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
        if self.faults:
            out["faults"] = [f.to_dict() for f in self.faults]
        if self.latency_ms:
            out["latency_ms"] = self.latency_ms
        return out


# ---------------------------------------------------------------- loading


@lru_cache(maxsize=1)
def _schema_document() -> dict:
    return json.loads(resources.files("nested_magics").joinpath("schema/host-facts.v1.json").read_text())


def schema() -> dict:
    """The bundled JSON Schema of a host-facts document (a copy: callers may change it)."""
    return copy.deepcopy(_schema_document())


@lru_cache(maxsize=1)
def _validator():
    """jsonschema, for the precise key-path message once a document is known to be invalid.

    Imported only then: with Jupyter's optional format packages installed, importing it costs
    close to a second.
    """
    import jsonschema

    document = _schema_document()
    return jsonschema.validators.validator_for(document)(document)


def _as_draft7(document: dict) -> dict:
    """The same schema for a draft-7 validator: a host body referenced with ``unevaluatedProperties:
    false`` (2020-12) becomes its properties inlined with ``additionalProperties: false``."""
    out = copy.deepcopy(document)
    body = out["$defs"]["hostBody"]["properties"]

    def inline(node):
        if isinstance(node, dict):
            if node.get("$ref") == "#/$defs/hostBody" and node.get("unevaluatedProperties") is False:
                del node["$ref"], node["unevaluatedProperties"]
                own = node.get("properties", {})
                node["properties"] = {key: {"allOf": [body[key], own[key]]} if key in body and key in own
                                      else own.get(key, body.get(key)) for key in {**body, **own}}
                node["additionalProperties"] = False
            for value in node.values():
                inline(value)
        elif isinstance(node, list):
            for value in node:
                inline(value)

    inline(out)
    out.pop("$id", None)          # refs stay local: nothing is ever fetched
    out["$schema"] = "http://json-schema.org/draft-07/schema#"
    out["definitions"] = out.pop("$defs")
    return json.loads(json.dumps(out).replace("#/$defs/", "#/definitions/"))


@lru_cache(maxsize=1)
def _fast_validator():
    """A compiled validator: about 20x faster than jsonschema on a host with hundreds of VMs."""
    import fastjsonschema

    return fastjsonschema.compile(_as_draft7(_schema_document()))


def key_path(parts) -> str:
    """["vms", 1, "memory"] -> "vms[1].memory"."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _describe(error) -> str:
    path = list(error.absolute_path)
    where = key_path(path)
    validator = error.validator
    if validator in ("additionalProperties", "unevaluatedProperties"):
        allowed = set(error.schema.get("properties", {}))
        if "$ref" in error.schema:
            allowed |= set(_schema_document()["$defs"]["hostBody"]["properties"])
        extra = sorted(set(error.instance) - allowed) if isinstance(error.instance, dict) else []
        key = extra[0] if extra else "?"
        hint = difflib.get_close_matches(key, sorted(allowed), n=1)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else f"; known keys: {', '.join(sorted(allowed))}"
        return f"{key_path(path + [key])}: unknown key{suffix}"
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return f"{key_path(path + [missing])}: required key is missing"
    if error.schema.get("description", "").startswith("Bytes"):
        if validator == "minimum":
            return f"{where}: a size cannot be negative (got {error.instance!r})"
        return f"{where}: expected bytes or a size like \"4GB\" (got {error.instance!r})"
    if validator == "const":
        return f"{where}: expected {error.validator_value!r} (got {error.instance!r})"
    if validator == "enum" and path and path[-1] == "state":
        hint = difflib.get_close_matches(str(error.instance), error.validator_value, n=1)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else ": use a Hyper-V VMState name such as 'Off' or 'Running'"
        return f"{where}: {error.instance!r} is not a Hyper-V VM state{suffix}"
    if validator == "enum":
        options = ", ".join(repr(v) for v in error.validator_value)
        return f"{where}: expected one of {options} (got {error.instance!r})"
    if validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{where}: expected {expected} (got {error.instance!r})"
    if validator == "pattern":
        return f"{where}: expected a version such as \"8.0\" (got {error.instance!r})"
    if validator == "oneOf" and path and path[-1] == "guest":
        inner = sorted(error.context, key=lambda e: len(list(e.absolute_path)), reverse=True)
        if inner:
            return _describe(inner[0])
    return f"{where}: {error.message}"


def validate(doc: Any) -> None:
    """Raise FactsError naming the first problem's key path (the deepest, most specific one)."""
    if not isinstance(doc, dict):
        raise FactsError(f"(top level): expected a host-facts mapping (got {type(doc).__name__})")
    import fastjsonschema

    try:
        _fast_validator()(doc)
        return
    except fastjsonschema.JsonSchemaValueException as fast:
        first = fast
    errors = list(_validator().iter_errors(doc))
    if not errors:   # the two validators disagree on an edge case: refuse, with the fast one's words
        raise FactsError(f"{key_path([p for p in first.path[1:]])}: {first.message}")
    if errors:
        best = min(errors, key=lambda e: (-len(list(e.absolute_path)), e.validator != "additionalProperties"))
        raise FactsError(_describe(best))


def _size(value: Any, path: str) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError as exc:
        raise FactsError(f"{path}: {exc}") from None


def _host(doc: dict, path: str, is_guest: bool) -> HostFacts:
    os_doc = doc.get("os") or {}
    cpu_doc = doc.get("cpu") or {}
    mem_doc = doc.get("memory")
    vbs_doc = doc.get("vbs") or {}
    supported = list(doc.get("supported_vm_versions") or [])
    default = doc.get("default_vm_version")
    if default is None and supported:
        default = max(supported, key=version_tuple)
    prefix = f"{path}." if path else ""
    host = HostFacts(
        name=doc.get("name"),
        os=OSInfo(build=os_doc.get("build"), caption=os_doc.get("caption"), kind=os_doc.get("kind", "client")),
        cpu=CPU(**cpu_doc),
        memory=None if mem_doc is None else Memory(
            total_bytes=_size(mem_doc.get("total_bytes"), f"{prefix}memory.total_bytes"),
            free_bytes=_size(mem_doc.get("free_bytes"), f"{prefix}memory.free_bytes"),
        ),
        hypervisor_present=doc.get("hypervisor_present", False),
        hyperv_installed=doc.get("hyperv_installed", False),
        vbs=VBS(status=vbs_doc.get("status", 0), services_running=list(vbs_doc.get("services_running", []))),
        supported_vm_versions=supported,
        default_vm_version=default,
        switches=[Switch(**s) for s in doc.get("switches") or []],
        nat=[Nat(**n) for n in doc.get("nat") or []],
        faults=[_fault(f, f"faults[{i}]") for i, f in enumerate(doc.get("faults") or [])],
        latency_ms=float(doc.get("latency_ms", 0) or 0),
        is_guest=is_guest,
    )
    host.vms = [_vm(v, f"{prefix}vms[{i}]") for i, v in enumerate(doc.get("vms") or [])]
    return host


def _fault(doc: dict, path: str) -> Fault:
    """A fault whose operation could never match would silently never fire: name it instead."""
    from .backends.simulator import VM_ACTIONS   # late: the simulator and the planner import this module
    from .plan import CHANGE_IDS

    known = ("facts",) + CHANGE_IDS + tuple(a for a in VM_ACTIONS if a not in CHANGE_IDS)
    if doc["operation"].lower() not in known:
        hint = difflib.get_close_matches(doc["operation"].lower(), known, n=1)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else f"; use one of {', '.join(known)}"
        raise FactsError(f"{path}.operation: unknown operation {doc['operation']!r}{suffix}")
    return Fault(**doc)


def _vm(doc: dict, path: str) -> VM:
    processor = doc.get("processor") or {}
    memory = doc.get("memory") or {}
    guest = doc.get("guest")
    return VM(
        name=doc["name"],
        state=doc["state"],
        version=doc["version"],
        id=doc.get("id"),
        generation=doc.get("generation"),
        processor_count=processor.get("count"),
        expose_virtualization_extensions=processor.get("expose_virtualization_extensions", False),
        startup_bytes=_size(memory.get("startup_bytes"), f"{path}.memory.startup_bytes"),
        dynamic_memory=memory.get("dynamic", False),
        network_adapters=[NetworkAdapter(**a) for a in doc.get("network_adapters") or []],
        checkpoints=doc.get("checkpoints", 0),
        guest=None if guest is None else _host(guest, f"{path}.guest", is_guest=True),
    )


def load_facts(doc: Any) -> HostFacts:
    """Validate a host-facts mapping and build the model; FactsError names the key path."""
    validate(doc)
    return _host(doc, "", is_guest=False)


def parse_facts_text(text: str, source: str) -> HostFacts:
    """Parse JSON or YAML text (YAML is a superset of JSON) and load it."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            doc = json.loads(text)
        else:
            import yaml

            doc = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise FactsError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except Exception as exc:  # yaml.YAMLError and its subclasses
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise FactsError(f"{source}: not valid YAML{where}: {problem}") from None
    try:
        return load_facts(doc)
    except FactsError as exc:
        raise FactsError(f"{source}: {exc}") from None
