"""Host-facts documents in: JSON or YAML text, bounded, validated against the bundled schema, built into the model.

The order of work keeps bad input cheap (contracts §2 "Bounds"):

1. the text (``load.text``): over 16 MiB is refused unparsed; YAML aliases may add 10,000 nodes at most;
   nesting deeper than 128 levels and duplicate keys are refused;
2. the document (``load.bounds``): one walk copies it, drops PowerShell's remoting properties, refuses
   values that are not JSON, guests deeper than 32 levels and shared values that would expand past
   10,000 nodes;
3. the schema (``load.validation``): a compiled validator on every document; a small one words the most
   specific problem of an invalid one, without importing jsonschema;
4. the model (here): sizes up to 1 PiB, built into HostFacts.

Every message is one line and quotes at most 80 characters of a value.
"""

from __future__ import annotations

from typing import Any

from nested_magics.errors import FactsError
from nested_magics.load.bounds import (MAX_ALIAS_NODES, MAX_BUILD, MAX_FILE_BYTES, MAX_GUEST_DEPTH, MAX_NAME,
                                       MAX_NESTING, MAX_SIZE_BYTES, MAX_YAML_NODES, QUOTE_LIMIT, REMOTING_PROPERTIES,
                                       key_path, prepare, quote)
from nested_magics.load.text import parse_document
from nested_magics.load.validation import SCHEMA_KEYWORDS, Problem, _validate, problems, schema, validate
# The schema's draft-7 form and its compiled validator, for the tests that compare validators.
from nested_magics.load.validation import _as_draft7, _best, _fast_validator  # noqa: F401
from nested_magics.model.facts import CPU, VBS, VM, Boot, Cloud, FactError, Machine, HostFacts, Memory, Nat, NetworkAdapter, OSInfo, SCHEMA_ID, Switch, version_tuple
from nested_magics.model.sizes import parse_size

__all__ = ["SCHEMA_ID", "load_facts", "load_named", "load_document", "parse_document", "parse_facts_text", "schema",
           "validate", "problems", "prepare", "key_path", "quote", "version_tuple", "Problem",
           "MAX_FILE_BYTES", "MAX_ALIAS_NODES", "MAX_GUEST_DEPTH", "MAX_NESTING", "MAX_NAME", "MAX_SIZE_BYTES",
           "MAX_BUILD", "MAX_YAML_NODES", "QUOTE_LIMIT", "REMOTING_PROPERTIES", "SCHEMA_KEYWORDS"]


# ---------------------------------------------------------------- the model


def _int(value: Any) -> Any:
    """A whole float the schema took for an integer (2.0) as an int."""
    return int(value) if isinstance(value, float) else value


def _size(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) > QUOTE_LIMIT:
        raise FactsError(f"{path}: expected bytes or a size like \"4GB\" (got {quote(value)})")
    try:
        size = parse_size(value)
    except ValueError as exc:
        raise FactsError(f"{path}: {exc}") from None
    if size > MAX_SIZE_BYTES:
        raise FactsError(f"{path}: a size above the limit of 1 PiB (got {quote(value)})")
    return size


def _host(doc: dict, path: str, is_guest: bool) -> HostFacts:
    os_doc = doc.get("os") or {}
    cpu_doc = {key: _int(value) for key, value in (doc.get("cpu") or {}).items()}
    mem_doc = doc.get("memory")
    vbs_doc = doc.get("vbs") or {}
    supported = list(doc.get("supported_vm_versions") or [])
    default = doc.get("default_vm_version")
    if default is None and supported:
        default = max(supported, key=version_tuple)
    prefix = f"{path}." if path else ""
    host = HostFacts(
        name=doc.get("name"),
        os=OSInfo(build=_int(os_doc.get("build")), caption=os_doc.get("caption"), kind=os_doc.get("kind", "client"),
                  edition=os_doc.get("edition")),
        cpu=CPU(**cpu_doc),
        memory=None if mem_doc is None else Memory(
            total_bytes=_size(mem_doc.get("total_bytes"), f"{prefix}memory.total_bytes"),
            free_bytes=_size(mem_doc.get("free_bytes"), f"{prefix}memory.free_bytes"),
        ),
        hypervisor_present=doc.get("hypervisor_present", False),
        hyperv_installed=doc.get("hyperv_installed", False),
        vbs=VBS(status=_int(vbs_doc.get("status", 0)),
                services_running=[_int(s) for s in vbs_doc.get("services_running", [])]),
        supported_vm_versions=supported,
        default_vm_version=default,
        switches=[Switch(**s) for s in doc.get("switches") or []],
        nat=[Nat(**n) for n in doc.get("nat") or []],
        errors=[FactError(**e) for e in doc.get("errors") or []],
        boot=None if doc.get("boot") is None else Boot(**doc["boot"]),
        machine=_machine(doc.get("machine")),
        features=dict(doc.get("features") or {}),
        is_guest=is_guest,
    )
    host.vms = [_vm(v, f"{prefix}vms[{i}]") for i, v in enumerate(doc.get("vms") or [])]
    return host


def _machine(doc: dict | None) -> Machine | None:
    if doc is None:
        return None
    cloud = doc.get("cloud")
    return Machine(virtual=doc.get("virtual"), manufacturer=doc.get("manufacturer"), model=doc.get("model"),
                   cloud=None if cloud is None else Cloud(**cloud), vm_name=doc.get("vm_name"),
                   physical_host=doc.get("physical_host"))


def _vm(doc: dict, path: str) -> VM:
    processor = doc.get("processor") or {}
    memory = doc.get("memory") or {}
    guest = doc.get("guest")
    return VM(
        name=doc["name"],
        state=doc["state"],
        version=doc["version"],
        id=doc.get("id"),
        generation=_int(doc.get("generation")),
        processor_count=_int(processor.get("count")),
        expose_virtualization_extensions=processor.get("expose_virtualization_extensions", False),
        startup_bytes=_size(memory.get("startup_bytes"), f"{path}.memory.startup_bytes"),
        dynamic_memory=memory.get("dynamic", False),
        network_adapters=[NetworkAdapter(**a) for a in doc.get("network_adapters") or []],
        checkpoints=_int(doc.get("checkpoints", 0)),
        guest=None if guest is None else _host(guest, f"{path}.guest", is_guest=True),
        clustered=doc.get("clustered"),
    )


def load_document(doc: Any, source: str | None = None) -> tuple[HostFacts, dict]:
    """Bound, clean and validate a host-facts mapping; the model and the cleaned document (without remoting
    properties: what the mock backend reads its own keys from; it shares what did not change with ``doc``,
    which is never modified). Errors are led by ``source``."""
    try:
        clean = prepare(doc)
        _validate(clean)
        return _host(clean, "", is_guest=False), clean
    except FactsError as exc:
        if source is None:
            raise
        raise FactsError(f"{source}: {exc}") from None


def load_facts(doc: Any) -> HostFacts:
    """Validate a host-facts mapping and build the model; FactsError names the key path."""
    return load_document(doc)[0]


def load_named(doc: Any, source: str) -> HostFacts:
    """``load_facts`` with errors led by where the document came from (``mock:lab.yaml: vms[0]...``)."""
    return load_document(doc, source)[0]


def parse_facts_text(text: str, source: str) -> HostFacts:
    """Parse JSON or YAML text and load it."""
    return load_named(parse_document(text, source), source)
