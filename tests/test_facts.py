"""Host facts (contracts §2): loading, defaults, sizes, versions, recursion and errors that name key paths."""

from __future__ import annotations

import json

import pytest

from nested_magics.errors import FactsError, UsageProblem
from nested_magics.model.facts import SCHEMA_ID, version_tuple
from nested_magics.load import key_path, load_facts, parse_facts_text
from nested_magics.model.sizes import GiB


def test_the_smallest_document_loads_with_the_contract_defaults(make_doc):
    doc = {"schema": SCHEMA_ID, "name": "H", "os": {"build": 14393}, "cpu": {"vendor": "GenuineIntel"},
           "vms": [{"name": "v", "state": "Off", "version": "8.0"}]}
    facts = load_facts(doc)
    assert facts.name == "H" and facts.build == 14393
    assert facts.os.kind == "client"
    assert facts.hypervisor_present is False and facts.hyperv_installed is False
    # A CPU flag that is absent is unknown, not false.
    assert facts.cpu.vmx is None and facts.cpu.slat is None and facts.cpu.firmware_enabled is None
    assert facts.vbs.status == 0
    assert facts.memory is None
    assert facts.default_vm_version is None and facts.supported_vm_versions == []
    vm = facts.vms[0]
    assert vm.expose_virtualization_extensions is False and vm.nesting is False
    assert vm.dynamic_memory is False
    assert vm.network_adapters == []
    assert vm.checkpoints == 0
    assert vm.guest is None


def test_default_vm_version_is_the_highest_supported_compared_as_versions(make_doc):
    facts = load_facts(make_doc(supported_vm_versions=["8.0", "9.3", "10.0", "9.0"]))
    assert facts.default_vm_version == "10.0"       # as strings "9.3" > "10.0" (facts §2.10)


def test_an_explicit_default_vm_version_is_kept(make_doc):
    facts = load_facts(make_doc(supported_vm_versions=["8.0", "9.0"], default_vm_version="8.0"))
    assert facts.default_vm_version == "8.0"


@pytest.mark.parametrize("a, b", [("10.0", "8.0"), ("9.3", "9.2"), ("8.0", "7.1"), ("12.0", "9.3"), ("8", "7.0")])
def test_versions_compare_as_versions_never_as_strings(a, b):
    """facts §2.10: as strings "10.0" -lt "8.0" is True; VM versions must compare as [version]."""
    assert version_tuple(a) > version_tuple(b)


def test_an_empty_version_is_the_lowest():
    assert version_tuple(None) < version_tuple("0.1")
    assert version_tuple("") == (0,)


def test_sizes_in_scenarios_may_be_strings(make_doc, make_vm):
    facts = load_facts(make_doc(memory={"total_bytes": "16GB", "free_bytes": "1.5 GiB"},
                                vms=[make_vm(startup="512mb")]))
    assert facts.memory.total_bytes == 16 * GiB
    assert facts.memory.free_bytes == 3 * GiB // 2
    assert facts.vms[0].startup_bytes == 512 * 1024**2


@pytest.mark.parametrize("where, value, path", [
    ("host", "-4GB", "memory.total_bytes"),
    ("host", -1, "memory.total_bytes"),
    ("vm", "-2GB", "vms[0].memory.startup_bytes"),
    ("vm", -2, "vms[0].memory.startup_bytes"),
])
def test_a_negative_size_names_its_key_path(make_doc, make_vm, where, value, path):
    doc = (make_doc(memory={"total_bytes": value}) if where == "host"
           else make_doc(vms=[make_vm(startup=value)]))
    with pytest.raises(FactsError, match="negative") as info:
        load_facts(doc)
    assert str(info.value).startswith(f"{path}:")


@pytest.mark.parametrize("value", ["lots", "4 parsecs", "4,0GB", True])
def test_an_unparsable_size_names_its_key_path(make_doc, make_vm, value):
    with pytest.raises(FactsError) as info:
        load_facts(make_doc(vms=[make_vm(), make_vm("second", startup=value)]))
    assert str(info.value).startswith("vms[1].memory.startup_bytes:")
    assert "\n" not in str(info.value)


def test_a_size_deep_inside_a_guest_names_the_whole_path(make_doc, make_vm, make_guest):
    inner = make_vm("nestedVM", startup="-1GB")
    doc = make_doc(vms=[make_vm(guest=make_guest(vms=[inner]))])
    with pytest.raises(FactsError) as info:
        load_facts(doc)
    assert str(info.value).startswith("vms[0].guest.vms[0].memory.startup_bytes:")


def test_facts_errors_are_usage_problems():
    """A bad scenario is the user's to fix: front ends show one line, exit 2."""
    assert issubclass(FactsError, UsageProblem)


def test_vm_names_match_case_insensitively_as_in_hyper_v(make_facts, make_vm):
    facts = make_facts(vms=[make_vm("myVM"), make_vm("Other")])
    assert facts.find_vm("MYVM").name == "myVM"
    assert facts.find_vm("other").name == "Other"
    assert facts.find_vm("nope") is None
    assert facts.vm_names() == ["myVM", "Other"]


def test_guests_nest_to_any_depth_and_walk_reports_levels(make_facts, make_vm, make_guest):
    l3 = make_vm("l3vm")
    l2 = make_vm("l2vm", guest=make_guest(name="L2", vms=[l3]))
    l1 = make_vm("l1vm", guest=make_guest(name="L1", vms=[l2]))
    facts = make_facts(vms=[l1, make_vm("sibling")])
    assert [(level, vm.name) for level, _, vm in facts.walk()] == [
        (0, "l1vm"), (1, "l2vm"), (2, "l3vm"), (0, "sibling")]
    guest = facts.vms[0].guest
    assert guest.is_guest and guest.name == "L1"
    assert guest.vms[0].guest.vms[0].name == "l3vm"


def test_a_guest_may_leave_every_key_out(make_facts, make_vm):
    facts = make_facts(vms=[make_vm(guest={})])
    guest = facts.vms[0].guest
    assert guest.build is None and guest.vms == [] and guest.hyperv_installed is False


def test_to_dict_round_trips(make_doc, make_vm, make_guest):
    doc = make_doc(memory={"total_bytes": 8 * GiB, "free_bytes": 4 * GiB}, vbs={"status": 1, "services_running": [1]},
                   nat=[{"name": "LocalNAT", "prefix": "192.168.100.0/24"}],
                   vms=[make_vm(nesting=True, dynamic=True, startup=2 * GiB, cpus=2, mac_spoofing=True, checkpoints=3,
                                id="6b0ec3e4", generation=2,
                                guest=make_guest(os={"build": 14393, "kind": "server"}, nat=[{"name": "N"}]))])
    facts = load_facts(doc)
    again = load_facts(facts.to_dict())
    assert again.to_dict() == facts.to_dict()
    assert "schema" not in facts.to_dict()["vms"][0]["guest"]


def test_key_path_formats_like_the_contract():
    assert key_path(["vms", 0, "memroy"]) == "vms[0].memroy"
    assert key_path(["vms", 1, "guest", "vms", 0, "state"]) == "vms[1].guest.vms[0].state"
    assert key_path([]) == "(top level)"


# ---------------------------------------------------------------- text: JSON and YAML


def test_json_text_loads(make_doc):
    facts = parse_facts_text(json.dumps(make_doc()), "mock:x.json")
    assert facts.name == "HV-TEST"


def test_yaml_text_loads_with_size_strings():
    text = """
schema: nested-magics/host-facts/v1
name: YAML-HOST
os: {build: 10565}
cpu: {vendor: GenuineIntel}
memory: {total_bytes: 4GB}
vms:
  - {name: myVM, state: "Off", version: "7.0", memory: {startup_bytes: 2 GB}}
"""
    facts = parse_facts_text(text, "mock:x.yaml")
    assert facts.memory.total_bytes == 4 * GiB
    assert facts.vms[0].startup_bytes == 2 * GiB


def test_malformed_json_names_the_source_and_the_position():
    with pytest.raises(FactsError) as info:
        parse_facts_text('{"schema": ', "mock:broken.json")
    message = str(info.value)
    assert message.startswith("mock:broken.json: not valid JSON (line 1")
    assert "\n" not in message


def test_malformed_yaml_names_the_source_and_the_position():
    with pytest.raises(FactsError, match=r"^mock:b\.yaml: not valid YAML \(line 2"):
        parse_facts_text("schema: [unclosed\n", "mock:b.yaml")


@pytest.mark.parametrize("text, kind", [("- a\n- b\n", "list"), ("just words\n", "str"), ("", "NoneType")])
def test_a_document_that_is_not_a_mapping_is_refused(text, kind):
    with pytest.raises(FactsError, match=rf"^mock:x: \(top level\): expected a host-facts mapping \(got {kind}\)"):
        parse_facts_text(text, "mock:x")


def test_an_invalid_document_error_is_prefixed_with_its_source(make_doc):
    doc = make_doc()
    doc["vms"][0]["memroy"] = {}
    with pytest.raises(FactsError, match=r"^mock:/tmp/s\.json: vms\[0\]\.memroy: unknown key"):
        parse_facts_text(json.dumps(doc), "mock:/tmp/s.json")


def test_versions_compare_as_versions_whatever_their_trailing_zeros():
    """contracts §2: "compared as a version, never as a string"; "8" is 8.0."""
    from nested_magics.model.facts import version_tuple

    assert version_tuple("8") == version_tuple("8.0") == version_tuple("8.0.0")
    assert version_tuple("10.0") > version_tuple("9.3") > version_tuple("9")
