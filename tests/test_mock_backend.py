"""The mock backend and mock targets (contracts §1): mock, mock:NAME, mock:PATH; one host per target per
process; targets that cannot be read name the target and the cause."""

from __future__ import annotations

import json

import pytest

import nested_magics as nm
from nested_magics.backends import backend_for, expand_targets, open_backend, target_key
from nested_magics.backends.mock import spec_of
from nested_magics.backends.mock import DEFAULT_SCENARIO, MockBackend, bundled_names, expand, is_path, load_scenario, scenario_key
from nested_magics.errors import TargetError
from nested_magics.planner import plan_enable

# ---------------------------------------------------------------- target strings


@pytest.mark.parametrize("spec, path", [
    ("blog-2015", False), ("classroom-01", False), ("", False),
    ("x.json", True), ("x.JSON", True), ("x.yaml", True), ("x.yml", True),
    ("dir/x", True), ("C:\\labs\\x", True), ("/abs/x.json", True), ("./x", True),
])
def test_after_mock_a_path_has_a_slash_or_a_scenario_suffix(spec, path):
    """contracts §1: PATH when it contains / or \\ or ends in .json, .yaml or .yml; else a NAME."""
    assert is_path(spec) is path


@pytest.mark.parametrize("target, mock, spec", [
    ("mock", True, ""), ("mock:blog-2015", True, "blog-2015"), ("mock:/a/b.json", True, "/a/b.json"),
    ("mock:C:\\x.json", True, "C:\\x.json"), ("mockhost", False, ""), ("hv01:5986", False, ""),
])
def test_mock_targets(target, mock, spec):
    assert (backend_for(target).name == "mock") is mock
    if mock:
        assert spec_of(target) == spec


def test_mock_and_mock_blog_2015_are_the_same_host():
    """contracts §1: `mock` and `mock:blog-2015` are the same host."""
    assert DEFAULT_SCENARIO == "blog-2015"
    assert target_key("mock") == target_key("mock:blog-2015") == target_key("mock:") == "mock:blog-2015"
    assert nm.connect("mock") is nm.connect("mock:blog-2015")


def test_a_relative_and_an_absolute_path_to_one_file_are_one_host(scenario, tmp_path, monkeypatch):
    target = scenario(name="lab.json")
    monkeypatch.chdir(tmp_path)
    assert scenario_key("lab.json") == scenario_key(str(tmp_path / "lab.json")) == target
    assert nm.connect("mock:lab.json") is nm.connect(target)


def test_bundled_names_are_the_scenario_files():
    names = bundled_names()
    assert names == sorted(names)
    assert {"blog-2015", "three-levels", "vbs-preview", "windows10-amd", "windows11-amd",
            "server-2022-intel"} <= set(names)
    assert sum(n.startswith("classroom-") for n in names) >= 12


def test_a_glob_expands_to_bundled_scenarios_only():
    assert expand("classroom-0[1-3]") == ["classroom-01", "classroom-02", "classroom-03"]
    assert expand_targets(["mock:classroom-1?", "hv01", "mock:blog-2015"]) == [
        "mock:classroom-10", "mock:classroom-11", "mock:classroom-12", "hv01", "mock:blog-2015"]
    assert expand_targets(["mock:nothing-*"]) == ["mock:nothing-*"]        # left for the error to name
    assert expand_targets(["mock:dir/*.json"]) == ["mock:dir/*.json"]      # paths are not globbed


# ---------------------------------------------------------------- loading


def test_a_bundled_name_loads():
    facts = load_scenario("blog-2015")
    assert facts.name == "TH2-DESKTOP" and facts.build == 10565


def test_an_unknown_name_lists_the_bundled_names():
    """contracts §1: an unknown NAME is an error that lists the bundled names."""
    with pytest.raises(TargetError) as info:
        open_backend("mock:blgo-2015")
    message = str(info.value)
    assert message.startswith("mock:blgo-2015: no bundled scenario of that name; bundled: ")
    for name in bundled_names():
        assert name in message


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(TargetError, match=r"^mock:.*nope\.json: no such scenario file$"):
        open_backend(f"mock:{tmp_path / 'nope.json'}")


def test_a_folder_is_not_a_scenario(tmp_path):
    with pytest.raises(TargetError, match="is a folder"):
        open_backend(f"mock:{tmp_path}/")


def test_a_file_that_is_not_text_is_named(tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(TargetError, match=r"binary\.json: cannot read it \(UnicodeDecodeError\)"):
        open_backend(f"mock:{path}")


@pytest.mark.parametrize("text, says", [
    ('{"schema": ', "not valid JSON"),
    ("schema: [oops\n", "not valid YAML"),
    ("[]", "(top level): expected a host-facts mapping"),
])
def test_a_malformed_scenario_is_a_target_error_naming_the_file(scenario, text, says):
    target = scenario(text=text, name="broken.yaml")
    with pytest.raises(TargetError) as info:
        open_backend(target)
    assert str(info.value).startswith(f"{target}: {says}")


def test_an_invalid_scenario_names_the_key_path(scenario, make_doc):
    doc = make_doc()
    doc["vms"][0]["memroy"] = 1
    target = scenario(doc)
    with pytest.raises(TargetError, match=r"vms\[0\]\.memroy: unknown key"):
        nm.connect(target)


def test_a_yaml_scenario_file_loads(scenario):
    target = scenario(name="lab.yml", text="""
schema: nested-magics/host-facts/v1
name: YAML-LAB
os: {build: 22631}
cpu: {vendor: GenuineIntel}
hypervisor_present: true
hyperv_installed: true
vms: [{name: v, state: "Off", version: "11.0", memory: {startup_bytes: 8GB}}]
""")
    host = nm.connect(target)
    assert host.facts().name == "YAML-LAB"
    assert host.kind == "mock"


# ---------------------------------------------------------------- the backend


def test_state_persists_in_the_process_until_reset():
    """contracts §1: what enable changed, check then sees, until --reset."""
    host = nm.connect("mock")
    host.plan_enable("myVM").apply(confirm=True)
    assert nm.connect("mock:blog-2015").check().verdict == "ready"
    fresh = nm.connect("mock", reset=True)
    assert fresh is not host and fresh.check().verdict == "fixable"
    assert nm.connect("mock") is fresh


def test_different_scenario_files_are_different_hosts(scenario):
    a, b = nm.connect(scenario(name="a.json")), nm.connect(scenario(name="b.json"))
    assert a is not b
    a.vm("start", "myVM")
    assert b.facts().find_vm("myVM").state == "Off"


def test_the_bundled_file_is_never_changed():
    from importlib import resources

    path = resources.files("nested_magics").joinpath("scenarios/blog-2015.json")
    before = path.read_text()
    nm.connect("mock").plan_enable("myVM").apply(confirm=True)
    assert path.read_text() == before


def test_a_facts_fault_is_a_target_error_naming_the_target(scenario):
    target = scenario(faults=[{"operation": "facts", "message": "WinRM timed out", "times": 1}])
    backend = MockBackend(target, target.split(":", 1)[1])
    with pytest.raises(TargetError, match=r"^mock:.*: facts could not be gathered: WinRM timed out$"):
        backend.facts()
    assert backend.facts().name == "HV-TEST"


def test_apply_changes_reports_progress_and_stops_at_the_first_failure(scenario, make_doc, make_vm):
    target = scenario(make_doc(vms=[make_vm(dynamic=True, startup="2GB")],
                               faults=[{"operation": "set-startup-memory", "message": "nope"}]))
    backend = MockBackend(target, target.split(":", 1)[1])
    plan = plan_enable(backend.facts(), "myVM")
    events = []
    applied, failed = backend.apply_changes(plan.changes, lambda c, status, msg: events.append((c.id, status, msg)))
    assert [c.id for c in applied] == ["expose-extensions", "disable-dynamic-memory"]
    assert (failed.id, failed.message) == ("set-startup-memory", "nope")
    assert events == [("expose-extensions", "running", ""), ("expose-extensions", "done", ""),
                      ("disable-dynamic-memory", "running", ""), ("disable-dynamic-memory", "done", ""),
                      ("set-startup-memory", "running", ""), ("set-startup-memory", "failed", "nope")]


def test_describe_and_repr_say_it_is_simulated():
    host = nm.connect("mock")
    assert host.describe() == "mock host TH2-DESKTOP (scenario blog-2015): build 10565, 1 VM(s), simulated"
    assert "simulated" in repr(host) and "blog-2015" in repr(host.backend)


def test_a_scenario_written_by_facts_to_dict_loads_back(scenario):
    host = nm.connect("mock:three-levels")
    host.vm("new", "myVM/another")
    target = scenario(text=json.dumps(host.facts().to_dict()))
    again = nm.connect(target).facts()
    assert [vm.name for _, _, vm in again.walk()] == ["myVM", "nestedVM", "another"]
