"""The bundled JSON Schema (contracts §2): shipped in the package, used to validate, and every error names a
key path. Unknown keys are errors, never ignored."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from nested_magics.backends.mock import bundled_names
from nested_magics.errors import FactsError
from nested_magics.model.facts import SCHEMA_ID
from nested_magics.load import key_path, load_facts, schema, validate


def _packaged_schema() -> dict:
    return json.loads(resources.files("nested_magics").joinpath("schema/host-facts.v1.json").read_text())


def test_the_schema_ships_inside_the_package_and_is_a_valid_json_schema():
    packaged = _packaged_schema()
    assert packaged["$id"] == SCHEMA_ID
    cls = jsonschema.validators.validator_for(packaged)
    cls.check_schema(packaged)
    assert schema() == packaged


@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_scenario_is_valid_against_the_schema(name):
    text = resources.files("nested_magics").joinpath(f"scenarios/{name}.json").read_text()
    doc = json.loads(text)
    jsonschema.validate(doc, _packaged_schema())
    validate(doc)


def test_the_schema_and_the_loader_agree_on_the_smallest_document(make_doc):
    doc = make_doc()
    jsonschema.validate(doc, _packaged_schema())
    load_facts(doc)


def _error(doc) -> str:
    with pytest.raises(FactsError) as info:
        validate(doc)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("path, where", [
    (("memroy",), "memroy"),
    (("os", "bulid"), "os.bulid"),
    (("cpu", "vtx"), "cpu.vtx"),
    (("memory", "total"), "memory.total"),
    (("vbs", "state"), "vbs.state"),
    (("vms", 0, "memroy"), "vms[0].memroy"),
    (("vms", 0, "memory", "memroy"), "vms[0].memory.memroy"),
    (("vms", 0, "processor", "nesting"), "vms[0].processor.nesting"),
    (("vms", 0, "network_adapters", 0, "spoof"), "vms[0].network_adapters[0].spoof"),
    (("switches", 0, "kind"), "switches[0].kind"),
    (("nat", 0, "cidr"), "nat[0].cidr"),
    (("faults", 0, "when"), "faults[0].when"),
])
def test_an_unknown_key_anywhere_is_an_error_naming_its_path(make_doc, make_vm, path, where):
    doc = make_doc(memory={"total_bytes": 1}, vbs={"status": 0}, nat=[{"name": "N"}],
                   faults=[{"operation": "start", "message": "m"}],
                   vms=[make_vm(cpus=2, startup=1, mac_spoofing=True)])
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = 1
    assert _error(doc).startswith(f"{where}: unknown key")


def test_an_unknown_key_suggests_the_near_miss(make_doc, make_vm):
    doc = make_doc(vms=[make_vm(startup=1)])
    doc["vms"][0]["memroy"] = 1
    assert "did you mean 'memory'" in _error(doc)


def test_an_unknown_key_in_a_deep_guest_names_the_whole_path(make_doc, make_vm, make_guest):
    l2 = make_vm("nestedVM", guest=make_guest(frob=1))
    doc = make_doc(vms=[make_vm(guest=make_guest(vms=[l2]))])
    assert _error(doc).startswith("vms[0].guest.vms[0].guest.frob: unknown key")


def test_a_guest_has_no_schema_key(make_doc, make_vm, make_guest):
    doc = make_doc(vms=[make_vm(guest=make_guest(schema=SCHEMA_ID))])
    assert _error(doc).startswith("vms[0].guest.schema: unknown key")


def test_a_guest_may_be_null(make_doc, make_vm):
    validate(make_doc(vms=[make_vm(guest=None)]))


@pytest.mark.parametrize("drop, where", [
    (("schema",), "schema"),
    (("name",), "name"),
    (("os", "build"), "os.build"),
    (("cpu", "vendor"), "cpu.vendor"),
    (("vms",), "vms"),
    (("vms", 0, "name"), "vms[0].name"),
    (("vms", 0, "state"), "vms[0].state"),
    (("vms", 0, "version"), "vms[0].version"),
])
def test_required_keys_are_named_when_missing(make_doc, drop, where):
    doc = make_doc()
    node = doc
    for part in drop[:-1]:
        node = node[part]
    del node[drop[-1]]
    assert _error(doc) == f"{where}: required key is missing"


def test_vms_may_be_empty(make_doc):
    validate(make_doc(vms=[]))


@pytest.mark.parametrize("overrides, where, says", [
    ({"schema": "nested-magics/host-facts/v2"}, "schema", "expected 'nested-magics/host-facts/v1'"),
    ({"os": {"build": "10565"}}, "os.build", "expected integer"),
    ({"os": {"kind": "desktop"}}, "os.kind", "expected one of 'client', 'server'"),
    ({"vbs": {"status": 3}}, "vbs.status", "expected one of 0, 1, 2"),
    ({"hypervisor_present": "yes"}, "hypervisor_present", "expected boolean"),
    ({"default_vm_version": "eight"}, "default_vm_version", "expected a version"),
    ({"switches": [{"name": "S", "type": "Bridge"}]}, "switches[0].type", "expected one of"),
    ({"latency_ms": -1}, "latency_ms", "-1"),
    ({"faults": [{"operation": "start"}]}, "faults[0].message", "required key is missing"),
    ({"faults": [{"operation": "start", "message": "m", "times": 0}]}, "faults[0].times", "0"),
])
def test_wrong_values_name_their_key_path(make_doc, overrides, where, says):
    message = _error(make_doc(**overrides))
    assert message.startswith(f"{where}:")
    assert says in message


@pytest.mark.parametrize("field, value, where", [
    ("version", "8,0", "vms[0].version"),
    ("version", 8.0, "vms[0].version"),
    ("state", "", "vms[0].state"),
    ("generation", 3, "vms[0].generation"),
    ("checkpoints", -1, "vms[0].checkpoints"),
])
def test_wrong_vm_values_name_their_key_path(make_doc, make_vm, field, value, where):
    doc = make_doc(vms=[make_vm(**{field: value})])
    assert _error(doc).startswith(f"{where}:")


def test_a_wrong_type_inside_a_guest_names_the_guest_path(make_doc, make_vm, make_guest):
    doc = make_doc(vms=[make_vm(guest=make_guest(os={"build": "fast"}))])
    assert _error(doc).startswith("vms[0].guest.os.build:")


def test_the_compiled_validator_and_jsonschema_agree_on_every_bundled_scenario():
    """A valid document takes the fast path only; jsonschema is the reference for the same schema."""
    import fastjsonschema
    from nested_magics.backends.mock import bundled_names, load_scenario
    from nested_magics.load import _as_draft7, _fast_validator, problems, schema

    reference = jsonschema.validators.validator_for(_packaged_schema())(_packaged_schema())
    for name in bundled_names():
        document = load_scenario(name).to_dict()
        _fast_validator()(document)
        assert list(reference.iter_errors(document)) == [], name
        assert problems(document) == [], name
    broken = load_scenario("blog-2015").to_dict()
    broken["os"].pop("build")            # required at the top level, not in a guest
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        _fast_validator()(broken)
    assert "unevaluatedProperties" not in str(_as_draft7(schema()))


def test_loading_a_valid_scenario_does_not_import_jsonschema():
    import subprocess
    import sys

    code = ("import sys, nested_magics as nm; nm.check('mock:server-2022-intel');"
            "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_document_with_several_errors_at_different_depths_names_one(tmp_path):
    """Two errors, one at the top level and one nested, once crashed the sort that picks one."""
    import json

    from nested_magics.backends.mock import load_scenario
    from nested_magics.front.cli import main

    doc = load_scenario("blog-2015").to_dict()
    del doc["name"]
    doc["os"]["build"] = "ten"
    path = tmp_path / "two-errors.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(FactsError, match=r"os\.build: expected integer"):
        load_facts(doc)
    assert main(["check", "-t", f"mock:{path}"]) == 2


def test_a_vm_state_must_be_a_hyperv_vmstate_name():
    """facts §5.3: VMState is mapped by name; a typo is an error, not an unsettled state."""
    from nested_magics.backends.mock import load_scenario

    doc = load_scenario("blog-2015").to_dict()
    doc["vms"][0]["state"] = "Runing"
    with pytest.raises(FactsError, match=r"vms\[0\]\.state: 'Runing' is not a Hyper-V VM state \(did you mean 'Running'\?\)"):
        load_facts(doc)
    doc["vms"][0]["state"] = "FastSavingCritical"
    assert load_facts(doc).vms[0].state == "FastSavingCritical"


def test_the_error_wording_validator_understands_every_keyword_the_schema_uses():
    """nested_magics.load.problems words errors without jsonschema: it must know every keyword used here."""
    from nested_magics.load import SCHEMA_KEYWORDS, _as_draft7

    used: set[str] = set()

    def walk(node, in_properties=False):
        if isinstance(node, dict):
            for key, value in node.items():
                if not in_properties:
                    used.add(key)
                walk(value, in_properties=key in ("properties", "$defs", "definitions") and not in_properties)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_packaged_schema())
    walk(_as_draft7(_packaged_schema()))
    assert used <= SCHEMA_KEYWORDS, used - SCHEMA_KEYWORDS


@pytest.mark.parametrize("overrides", [
    {"schema": "nested-magics/host-facts/v2"}, {"os": {"build": "10565"}}, {"os": {"kind": "desktop"}},
    {"vbs": {"status": 3}}, {"vbs": {"status": True}}, {"hypervisor_present": "yes"}, {"default_vm_version": "eight"},
    {"switches": [{"name": "S", "type": "Bridge"}]}, {"latency_ms": -1}, {"latency_ms": 10**9},
    {"faults": [{"operation": "start"}]}, {"name": ""}, {"name": "n" * 256}, {"os": {"build": 10**7}},
    {"memory": {"total_bytes": 2**51}}, {"memory": {"total_bytes": 2.5}}, {"vms": [{"name": "v"}]},
    {"vms": [{"name": "v", "state": "Off", "version": "8.0", "guest": {"schema": SCHEMA_ID}}]},
])
def test_the_wording_validator_and_jsonschema_find_the_same_problems(make_doc, overrides):
    """Where jsonschema (the reference, 2020-12) finds problems, the wording validator (draft-7 form) finds
    them at the same key paths, and the message names the deepest one."""
    from nested_magics.load import _best, problems

    doc = make_doc(**overrides)
    reference = jsonschema.validators.validator_for(_packaged_schema())(_packaged_schema())
    expected = sorted(tuple(map(str, e.absolute_path)) for e in reference.iter_errors(doc))
    found = problems(doc)
    assert expected and found
    assert sorted(tuple(map(str, p.path)) for p in found) == expected
    best = _best(found)
    assert _error(doc).startswith(key_path(best.path + ([best.expected] if best.rule == "required" else [])))


def test_the_bounds_are_in_the_schema():
    """contracts §2: sizes up to 1 PiB, builds up to 10^6, names up to 255 characters."""
    from nested_magics.load import MAX_BUILD, MAX_NAME, MAX_SIZE_BYTES

    packaged = _packaged_schema()
    defs = packaged["$defs"]
    assert defs["size"]["maximum"] == MAX_SIZE_BYTES == 1024**5
    assert defs["os"]["properties"]["build"]["maximum"] == MAX_BUILD == 10**6
    assert defs["hostBody"]["properties"]["name"]["maxLength"] == defs["vm"]["properties"]["name"]["maxLength"] \
        == MAX_NAME == 255
