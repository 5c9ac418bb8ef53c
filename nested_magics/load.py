"""Host-facts documents in: JSON or YAML text, validated against the bundled schema, built into the model.

Validation runs a compiled draft-7 form of the schema first (fast); only a document known to be invalid
is read again by jsonschema, to name the first problem's key path (``vms[0].memroy: unknown key``).
"""

from __future__ import annotations

import copy
import difflib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from nested_magics.errors import FactsError
from nested_magics.model.facts import CPU, VBS, VM, HostFacts, Memory, Nat, NetworkAdapter, OSInfo, SCHEMA_ID, Switch, version_tuple
from nested_magics.model.sizes import parse_size

__all__ = ["SCHEMA_ID", "load_facts", "load_named", "parse_document", "parse_facts_text", "schema", "validate",
           "key_path", "version_tuple"]

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
        is_guest=is_guest,
    )
    host.vms = [_vm(v, f"{prefix}vms[{i}]") for i, v in enumerate(doc.get("vms") or [])]
    return host


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


def parse_document(text: str, source: str) -> Any:
    """JSON or YAML text (YAML is a superset of JSON) as a document; FactsError says where it breaks."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            return json.loads(text)
        import yaml

        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise FactsError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except Exception as exc:  # yaml.YAMLError and its subclasses
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise FactsError(f"{source}: not valid YAML{where}: {problem}") from None


def load_named(doc: Any, source: str) -> HostFacts:
    """``load_facts`` with errors led by where the document came from (``mock:lab.yaml: vms[0]...``)."""
    try:
        return load_facts(doc)
    except FactsError as exc:
        raise FactsError(f"{source}: {exc}") from None


def parse_facts_text(text: str, source: str) -> HostFacts:
    """Parse JSON or YAML text and load it."""
    return load_named(parse_document(text, source), source)
