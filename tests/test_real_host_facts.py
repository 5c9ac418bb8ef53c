"""Facts from a real Windows host, through the twin that plays Windows PowerShell 5.1 (issue 10 findings 1, 2,
5, 7, 11): guests read whole, partial facts reported with the host's own words, credentials handed only to the
VMs being checked, and host-side cmdlet calls that do not grow with the number of VMs.

Each test names the real-host fact it encodes (real-hosts.md sections, as code comments)."""

from __future__ import annotations

import copy
import uuid

import pytest

import nested_magics as nm
from nested_magics.backends.mock import load_scenario
from nested_magics.load import load_facts

from loopback_winrm import GUEST, PASSWORD, LoopbackWinRM
from simulated_windows import SimulatedWindowsHost
from twin_facts import NO_PERMISSION, NO_PLATFORM, NOT_RECOGNIZED, SESSION_ENDED, Conditions

pytestmark = pytest.mark.usefixtures("loopback_password", "guest_password")


def run(facts, *, vms=None, guest_user=None, conditions=None, password=GUEST[1], monkeypatch=None):
    """Check ``facts`` over WinRM on the twin; the report and the twin."""
    windows = SimulatedWindowsHost(facts, guest_credentials=GUEST, conditions=conditions)
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = nm.connect(server.url, user=server.username, transport="basic", insecure=True, timeout=10,
                          **({"guest_user": guest_user} if guest_user else {}))
        report = host.check(vms)
    return report, windows


def checks(report, check_id):
    return [c for c in report.checks if c.id == check_id]


# -- guests (findings 1, 2, 7) ---------------------------------------------------------------------------


def test_a_guest_that_has_vms_is_read_whole_through_powershell_direct():
    # real-hosts.md §1 "Function scope" (a1): the remote block must define every function it calls.
    report, windows = run(load_scenario("three-levels"), vms=["myVM"], guest_user=GUEST[0])
    guest = report.facts.vms[0].guest
    assert guest is not None and [vm.name for vm in guest.vms] == ["nestedVM"]
    assert checks(report, "vm.guest-hyperv")[0].title == "Hyper-V is installed in the guest"
    assert checks(report, "host.facts")[0].status == "pass"


def test_a_guest_without_vms_does_not_break_the_check():
    # real-hosts.md §1 (a2): objects that cross Invoke-Command carry PSComputerName, RunspaceId and
    # PSShowComputerName; the guest answers text, so none reaches the document.
    doc = load_scenario("three-levels").to_dict()
    doc["vms"][0]["guest"]["vms"] = []
    report, _ = run(load_facts(doc), vms=["myVM"], guest_user=GUEST[0])
    assert report.verdict != "error"
    assert report.facts.vms[0].guest is not None and report.facts.vms[0].guest.vms == []


def test_guest_credentials_go_only_to_the_vms_being_checked():
    # real-hosts.md §2: PowerShell Direct needs the guest's credentials; handing them to every running VM
    # risks lockouts and gives a password to guests nobody asked about.
    doc = load_scenario("three-levels").to_dict()
    doc["vms"].append(dict(doc["vms"][0], name="otherVM", id=str(uuid.uuid4())))
    report, windows = run(load_facts(doc), vms=["otherVM"], guest_user=GUEST[0])
    assert windows.params[-1]["guest_vms"] == ["otherVM"]
    report_all, windows_all = run(load_facts(doc), guest_user=GUEST[0])
    assert "guest_password" not in windows_all.params[-1] and "guest_vms" not in windows_all.params[-1]
    assert all(vm.guest is None for vm in report_all.facts.vms)


def test_an_empty_guest_password_skips_the_guest_with_a_note(monkeypatch):
    # real-hosts.md a12: ConvertTo-SecureString refuses an empty string, which used to fail the whole facts call.
    monkeypatch.setenv("NESTED_MAGICS_GUEST_PASSWORD", "")
    windows = SimulatedWindowsHost(load_scenario("three-levels"), guest_credentials=GUEST)
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = nm.connect(server.url, user=server.username, transport="basic", insecure=True, timeout=10,
                          guest_user=GUEST[0], )
        host.backend._guest_password = lambda: ""
        report = host.check(["myVM"])
    assert report.verdict != "error"
    facts_check = checks(report, "host.facts")[0]
    assert facts_check.status == "warn" and "password is empty" in facts_check.detail


def test_a_guest_still_booting_is_a_facts_entry_and_the_rest_answers():
    # real-hosts.md §2 error texts: a guest that has not finished booting ends the PowerShell Direct session.
    report, _ = run(load_scenario("three-levels"), vms=["myVM"], guest_user=GUEST[0],
                    conditions=Conditions(booting={"myVM"}))
    assert SESSION_ENDED in checks(report, "host.facts")[0].detail
    assert checks(report, "vm.guest-hyperv")[0].status == "info"
    assert checks(report, "vm.expose-extensions")[0].status in ("pass", "fail")   # still judged


# -- partial facts (finding 5) --------------------------------------------------------------------------


def test_server_core_without_the_hyperv_module_reports_what_it_can():
    # real-hosts.md §3: Install-WindowsFeature without -IncludeManagementTools leaves Get-VM unrecognized.
    report, _ = run(load_scenario("server-2022-intel"), conditions=Conditions(module_missing=True))
    assert report.verdict == "blocked"            # never ready on VMs it could not read
    facts_check = checks(report, "host.facts")[0]
    assert facts_check.status == "warn" and NOT_RECOGNIZED.format("Get-VM") in facts_check.detail
    assert "Hyper-V-PowerShell" in facts_check.detail
    assert checks(report, "host.os-build")[0].status == "pass"          # the rest still answers
    assert checks(report, "host.cpu")[0].status == "pass"


def test_an_account_that_is_not_a_hyperv_administrator_gets_its_host_message_and_the_next_step():
    # real-hosts.md §3 "Who may run the cmdlets": the denial text, and the Hyper-V Administrators group.
    facts = load_scenario("blog-2015")
    report, _ = run(facts, vms=["myVM"], conditions=Conditions(not_admin=True))
    facts_check = checks(report, "host.facts")[0]
    assert NO_PERMISSION.format(facts.name) in facts_check.detail and "Hyper-V Administrators" in facts_check.detail
    exists = checks(report, "vm.exists")[0]
    assert exists.status == "info" and "Unknown" in exists.title          # not "does not exist"
    assert report.verdict == "blocked"


def test_a_pending_reboot_says_the_platform_is_not_running_yet():
    # real-hosts.md §3: module present, vmms absent until the post-enable restart.
    facts = load_scenario("blog-2015")
    report, _ = run(facts, conditions=Conditions(pending_reboot=True))
    detail = checks(report, "host.facts")[0].detail
    assert NO_PLATFORM.format(facts.name) in detail and "restart" in detail
    assert checks(report, "host.hyperv")[0].status == "fail"
    assert report.verdict == "blocked"


def test_one_unreadable_vm_leaves_only_its_settings_unknown():
    # contracts §2 "Partial facts": one VM whose configuration cannot be read is an errors entry; the rest answers.
    doc = load_scenario("server-2022-intel").to_dict()
    doc["vms"].append(dict(doc["vms"][0], name="broken", id=str(uuid.uuid4())))
    report, _ = run(load_facts(doc), conditions=Conditions(unreadable_vms={"broken"}))
    broken = [c for c in report.checks if c.vm == "broken"]
    assert {c.status for c in broken if c.id == "vm.expose-extensions"} == {"info"}
    assert {v["name"]: v["verdict"] for v in report.vms}["broken"] == "blocked"
    others = [v for v in report.vms if v["name"] != "broken"]
    assert others and all(v["verdict"] != "blocked" or v["name"] == "broken" for v in others)
    assert any(e.part.startswith("vms[broken]") for e in report.facts.errors)


def test_partial_facts_reach_the_json_and_the_text():
    report, _ = run(load_scenario("blog-2015"), conditions=Conditions(not_admin=True))
    document = report.to_dict()
    assert any(c["id"] == "host.facts" and c["status"] == "warn" for c in document["checks"])


# -- bulk queries (finding 11) ----------------------------------------------------------------------------


def _host_with(vm_count: int):
    doc = load_scenario("server-2022-intel").to_dict()
    template = doc["vms"][0]
    doc["vms"] = [dict(copy.deepcopy(template), name=f"vm-{i:05d}", id=str(uuid.uuid5(uuid.NAMESPACE_DNS, f"vm-{i}")))
                  for i in range(vm_count)]
    return load_facts(doc)


def test_host_side_cmdlet_calls_do_not_grow_with_the_number_of_vms():
    # Each Hyper-V cmdlet call is a WMI round trip on the host: one pipeline per kind of fact, not per VM.
    counts = {}
    for vm_count in (1, 100, 1000):
        report, windows = run(_host_with(vm_count))
        assert len(report.facts.vms) == vm_count
        counts[vm_count] = windows.cmdlet_calls[-1]
        assert windows.operations == ["facts"]              # one PowerShell invocation
    assert counts[1] == counts[100] == counts[1000], counts
