"""The bundled scenarios: what each one teaches, and that every fixable VM in them really can be enabled."""

from __future__ import annotations

import pytest

import nested_magics as nm
from nested_magics.api import check_fleet
from nested_magics.backends.mock import bundled_names, load_scenario
from nested_magics.rules import build_report
from nested_magics.model.sizes import GiB

CLASSROOM = [n for n in bundled_names() if n.startswith("classroom-")]


def test_blog_2015_is_the_blogs_host_as_a_reader_had_it():
    """contracts §2 / facts §2.1: Windows 10 Insider 10565, Intel, 16 GB, VBS off, one VM myVM Off, version 7.0,
    2 GB of dynamic memory, MAC spoofing off, nesting off: verdict fixable."""
    facts = load_scenario("blog-2015")
    assert (facts.build, facts.cpu.vendor, facts.memory.total_bytes, facts.vbs.status) == (
        10565, "GenuineIntel", 16 * GiB, 0)
    assert facts.hypervisor_present and facts.hyperv_installed
    [vm] = facts.vms
    assert (vm.name, vm.state, vm.version, vm.startup_bytes, vm.dynamic_memory, vm.nesting) == (
        "myVM", "Off", "7.0", 2 * GiB, True, False)
    assert [a.mac_spoofing for a in vm.network_adapters] == [False]
    report = build_report(facts, "mock")
    assert (report.profile, report.verdict) == ("preview", "fixable")


def test_blog_2015_enables_to_ready_as_the_blog_did():
    """facts §1.1: the script's changes, then blog step 3 (install Hyper-V) and step 4 (a VM inside)."""
    host = nm.connect("mock:blog-2015")
    result = host.plan_enable("myVM", install_hyperv=True).apply(confirm=True)
    assert result.failed is None and (result.before.verdict, result.after.verdict) == ("fixable", "ready")
    assert host.vm("new", "myVM/nestedVM", start=True).ok
    assert [n.level for n in host.tree().walk()] == [0, 1, 2]


def test_vbs_preview_is_blocked_by_vbs_as_the_blog_warned():
    """facts §2.1: hosts with VBS enabled cannot expose the extensions (2015)."""
    report = nm.check("mock:vbs-preview")
    failing_host_checks = [c.id for c in report.host_checks if c.status == "fail"]
    assert failing_host_checks == ["host.vbs"]
    assert report.verdict == "blocked"
    assert nm.plan_enable("mock:vbs-preview", "myVM").refused.id == "host"


def test_the_same_host_at_build_14393_is_not_blocked_by_vbs():
    """facts §2.2, §1.2 quirk 3: VBS hosts run nested VMs since 14361 (Ben Armstrong, 2019). 14393 offers
    version 8.0 (facts §2.8)."""
    facts = load_scenario("vbs-preview")
    facts.os.build = 14393
    facts.supported_vm_versions = ["5.0", "6.2", "7.0", "8.0"]
    facts.default_vm_version = "8.0"
    report = build_report(facts, "mock:vbs-preview")
    by_id = {c.id: c for c in report.checks}
    assert by_id["host.vbs"].status == "info"
    assert not [c for c in report.host_checks if c.status == "fail"]
    assert report.profile == "current" and report.verdict == "fixable"


def test_windows10_amd_is_refused_for_the_host_with_the_reason():
    """facts §2.5: AMD needs Windows 11 / Server 2022 (NanaBox #17: Windows 10 19044/19045 on Ryzen fails)."""
    report = nm.check("mock:windows10-amd")
    cpu = next(c for c in report.checks if c.id == "host.cpu")
    assert (cpu.status, cpu.fixable) == ("fail", False)
    assert report.verdict == "blocked"
    plan = nm.plan_enable("mock:windows10-amd", "docker-vm")
    assert plan.refused.id == "host" and "AMD processors need Windows 11 (build 22000)" in plan.refused.message


def test_three_levels_has_an_l2_vm_inside_a_nesting_l1():
    tree = nm.connect("mock:three-levels").tree()
    assert [(n.name, n.level) for n in tree.walk()] == [("TH2-DESKTOP", 0), ("myVM", 1), ("nestedVM", 2)]
    assert nm.check("mock:three-levels").verdict == "ready"


def test_the_classroom_fleet_has_at_least_12_hosts_with_a_mix_of_verdicts():
    fleet = check_fleet(["mock:classroom-*"])
    assert len(fleet.hosts) >= 12 and len(CLASSROOM) == len(fleet.hosts)
    verdicts = [r.verdict for r in fleet.hosts]
    assert {"ready", "fixable", "blocked"} <= set(verdicts)
    assert "error" not in verdicts
    assert fleet.verdict == "blocked"
    assert len({r.host for r in fleet.hosts}) == len(fleet.hosts)          # distinct machines


@pytest.mark.parametrize("name, verdict", [
    ("blog-2015", "fixable"), ("vbs-preview", "blocked"), ("windows10-amd", "blocked"),
    ("windows11-amd", "fixable"), ("three-levels", "ready"), ("server-2022-intel", "fixable"),
])
def test_each_teaching_scenario_has_its_verdict(name, verdict):
    assert nm.check(f"mock:{name}").verdict == verdict


ALL_VMS = [(name, vm.name) for name in bundled_names() for vm in load_scenario(name).vms]


@pytest.mark.parametrize("name, vm", ALL_VMS)
def test_every_fixable_vm_in_every_scenario_can_be_enabled_to_ready(name, vm):
    """What the checks call fixable, the simulator really can fix (with the opt-ins a user would give);
    a blocked VM's plan is refused and changes nothing."""
    host = nm.connect(f"mock:{name}")
    verdict = host.check([vm]).vms[0]["verdict"]
    before = host.facts().to_dict()
    plan = host.plan_enable(vm, update_version=True, discard_saved_state=True, turn_off=True)
    if verdict == "blocked":
        assert plan.refused is not None
        assert plan.apply(confirm=True).applied == []
        assert host.facts().to_dict() == before
        return
    result = plan.apply(confirm=True)
    assert result.failed is None, result.failed
    assert result.after.vms == [{"name": vm, "verdict": "ready"}]
    assert host.plan_enable(vm, update_version=True, turn_off=True).changes == []      # idempotent


# ---------------------------------------------------------------- today's machines (issue 13)

TODAY = {   # scenario: (verdict, {check id (vm or None): status}) — the checks each one is there to teach
    "azure-d-series": ("fixable", {("host.virtual", None): "info", ("host.cpu", None): "pass",
                                   ("vm.networking", "lab-l2"): "warn", ("vm.expose-extensions", "lab-l2"): "fail"}),
    "azure-b-series": ("blocked", {("host.cpu", None): "fail", ("host.hyperv", None): "fail",
                                   ("host.virtual", None): "info"}),
    "win11-24h2-vbs": ("ready", {("host.vbs", None): "info", ("host.edition", None): "pass",
                                 ("vm.guest-hyperv", "dev-box"): "pass"}),
    "win11-home": ("blocked", {("host.edition", None): "fail", ("host.hyperv", None): "fail"}),
    "server-core-no-module": ("blocked", {("host.facts", None): "warn"}),
    "arm64-laptop": ("blocked", {("host.cpu", None): "fail"}),
    "cluster-node": ("fixable", {("vm.clustered", "sql01"): "warn", ("vm.clustered", "build-l1"): "warn",
                                 ("vm.clustered", "jump01"): "pass"}),
    "hypervisor-off": ("blocked", {("host.boot", None): "fail", ("host.hyperv", None): "fail"}),
    "server-2025": ("fixable", {("vm.version", "web01"): "fail", ("host.cpu", None): "pass"}),
}


@pytest.mark.parametrize("name", sorted(TODAY))
def test_each_scenario_for_today_has_its_verdict_and_key_checks(name):
    verdict, expected = TODAY[name]
    report = nm.check(f"mock:{name}")
    assert report.verdict == verdict
    got = {(c.id, c.vm): c.status for c in report.checks}
    assert {key: got.get(key) for key in expected} == expected


def test_the_azure_scenarios_are_azure_vms_of_the_sizes_they_teach():
    """real-hosts §6: Dsv5 says Nested Virtualization: Supported, B-series (Bsv2) Not supported."""
    d, b = load_scenario("azure-d-series"), load_scenario("azure-b-series")
    assert (d.machine.cloud.vm_size, d.machine.cloud.security_type) == ("Standard_D4s_v5", "Standard")
    assert (b.machine.cloud.vm_size, b.machine.virtual) == ("Standard_B2s", True)
    cpu = next(c for c in nm.check("mock:azure-b-series").checks if c.id == "host.cpu")
    assert "Standard_B2s" in cpu.detail and "Not supported" in cpu.detail


def test_on_the_azure_d_series_vm_nested_guests_get_a_nat_and_the_vm_ends_ready():
    """real-hosts §6, §7: on a cloud VM host only a NAT inside the VM gives nested guests a network."""
    host = nm.connect("mock:azure-d-series")
    plan = host.plan_enable("lab-l2", networking="nat", install_hyperv=True)
    assert "enable-mac-spoofing" not in [c.id for c in plan.changes] and plan.changes[-1].id == "guest-nat"
    result = plan.apply(confirm=True)
    assert result.failed is None and result.after.vms == [{"name": "lab-l2", "verdict": "ready"}]
    assert next(c for c in result.after.checks if c.id == "vm.networking").status == "pass"


def test_server_core_without_the_module_has_partial_facts_in_the_hosts_own_words():
    """real-hosts §3: without -IncludeManagementTools, Get-VM is not recognized on Server Core."""
    facts = load_scenario("server-core-no-module")
    assert {e.part for e in facts.errors} >= {"vms"}
    assert all("is not recognized as the name of a cmdlet" in e.message for e in facts.errors)
    check = next(c for c in nm.check("mock:server-core-no-module").checks if c.id == "host.facts")
    assert "Hyper-V-PowerShell" in check.detail


def test_hypervisor_off_refuses_the_plan_and_no_vm_starts():
    """real-hosts §4: with hypervisorlaunchtype Off the hypervisor never starts, so no VM can run."""
    host = nm.connect("mock:hypervisor-off")
    assert host.plan_enable("ubuntu-dev").refused.id == "host"
    started = host.vm("start", "ubuntu-dev")
    assert not started.ok and "hypervisor is not running" in started.message


def test_installing_hyperv_in_a_home_guest_fails_with_dism_s_words(scenario, make_vm, make_guest):
    """real-hosts §5: Home does not own the feature: "Feature name Microsoft-Hyper-V is unknown." (0x800f080c)."""
    guest = make_guest(os={"caption": "Microsoft Windows 11 Home", "edition": "Core", "build": 26100})
    host = nm.connect(scenario(os={"build": 26100}, supported_vm_versions=["8.0", "12.0"],
                               vms=[make_vm(state="Running", version="12.0", nesting=True, guest=guest)]))
    result = host.vm("install-hyperv", "myVM")
    assert not result.ok and result.message == "Feature name Microsoft-Hyper-V is unknown."
    assert host.plan_enable("myVM", install_hyperv=True).refused.id == "install-hyperv"


def test_inside_a_vm_the_mock_reports_a_virtual_machine():
    """real-hosts §6: Win32_ComputerSystem says Model "Virtual Machine" in any Hyper-V guest."""
    report = nm.connect("mock:three-levels").report_for("myVM/nestedVM")
    virtual = next(c for c in report.checks if c.id == "host.virtual")
    assert virtual.status == "info" and "L2 under an L1" in virtual.detail
