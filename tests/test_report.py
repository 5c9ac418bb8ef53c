"""Verdicts and the report document (contracts §3, §6): per VM, per host, per fleet, and their edge cases."""

from __future__ import annotations

import json

import pytest

from nested_magics.model.report import BLOCKED, ERROR, FAIL, FIXABLE, INFO, PASS, READY, WARN, Check, FleetReport, Report, vm_verdict, worst
from nested_magics.rules import build_report, report_verdict


def _check(status: str, fixable: bool = False, id_: str = "vm.x", vm: str | None = "v") -> Check:
    return Check(id_, vm, status, fixable, "title", "detail", None, "source")


# ---------------------------------------------------------------- per VM


@pytest.mark.parametrize("statuses, host_failed, verdict", [
    ([], False, READY),
    ([PASS, PASS], False, READY),
    ([PASS, WARN, INFO], False, READY),                  # warnings never change a verdict
    ([(FAIL, True)], False, FIXABLE),
    ([(FAIL, True), WARN], False, FIXABLE),
    ([(FAIL, True), (FAIL, False)], False, BLOCKED),      # any fail that is not fixable
    ([(FAIL, False)], False, BLOCKED),
    ([PASS], True, BLOCKED),                             # any host check fails
    ([(FAIL, True)], True, BLOCKED),
    ([(WARN, True), (INFO, True)], False, READY),        # fixable warnings are still warnings
])
def test_vm_verdict(statuses, host_failed, verdict):
    checks = [_check(*s) if isinstance(s, tuple) else _check(s) for s in statuses]
    assert vm_verdict(checks, host_failed) == verdict


# ---------------------------------------------------------------- per host


@pytest.mark.parametrize("host_failed, vms, verdict", [
    (False, [], READY),
    (True, [], BLOCKED),
    (False, [READY, READY], READY),
    (False, [READY, FIXABLE], FIXABLE),
    (False, [FIXABLE, BLOCKED, READY], BLOCKED),
    (True, [READY], BLOCKED),
])
def test_report_verdict(host_failed, vms, verdict):
    assert report_verdict(host_failed, [{"name": f"v{i}", "verdict": v} for i, v in enumerate(vms)]) == verdict


def test_a_host_with_no_vms_and_no_failures_is_ready(make_facts):
    """Judgment call kept: nothing to block or fix. The next step says to create a VM."""
    report = build_report(make_facts(vms=[]), "t")
    assert report.verdict == READY and report.vms == []


def test_a_host_check_failure_blocks_even_a_perfect_vm(make_facts, make_vm):
    report = build_report(make_facts(hyperv_installed=False,
                                     vms=[make_vm(nesting=True, startup="4GB", mac_spoofing=True)]), "t")
    assert report.vms == [{"name": "myVM", "verdict": BLOCKED}]
    assert report.verdict == BLOCKED


def test_a_warning_only_vm_is_ready(make_facts, make_vm):
    """The blog's host after enabling: host.os-build and vm.known-issues warn, yet it is ready."""
    report = build_report(make_facts(os={"build": 10565}, vms=[make_vm(version="7.0", nesting=True, startup="4GB",
                                                                       mac_spoofing=True, cpus=1)]), "t")
    assert report.counts()[WARN] >= 3
    assert report.verdict == READY


def test_one_blocked_vm_blocks_the_host_report_but_not_its_sibling(make_facts, make_vm):
    report = build_report(make_facts(vms=[make_vm("good", nesting=True, mac_spoofing=True),
                                          make_vm("stuck", state="Stopping")]), "t")
    assert report.vms == [{"name": "good", "verdict": READY}, {"name": "stuck", "verdict": BLOCKED}]
    assert report.verdict == BLOCKED


# ---------------------------------------------------------------- fleets


@pytest.mark.parametrize("verdicts, expected", [
    ([], READY),
    ([READY], READY),
    ([READY, FIXABLE], FIXABLE),
    ([FIXABLE, BLOCKED], BLOCKED),
    ([BLOCKED, ERROR, READY], ERROR),
])
def test_the_worst_verdict_wins_error_blocked_fixable_ready(verdicts, expected):
    assert worst(verdicts) == expected


def test_a_fleet_report_lists_hosts_in_the_order_given_with_the_worst_verdict():
    hosts = [Report("a", "A", "current", verdict=READY), Report.failed("b", "b: unreachable"),
             Report("c", "C", "preview", verdict=FIXABLE)]
    fleet = FleetReport(hosts)
    assert fleet.verdict == ERROR
    doc = fleet.to_dict()
    assert doc["verdict"] == ERROR
    assert [h["target"] for h in doc["hosts"]] == ["a", "b", "c"]
    assert doc["hosts"][1] == {"target": "b", "verdict": "error", "error": "b: unreachable"}
    assert "3 host(s): error" in repr(fleet)


# ---------------------------------------------------------------- the document


def test_the_report_document_has_the_contract_keys_and_is_json(make_facts):
    report = build_report(make_facts(), "mock:x")
    doc = report.to_dict()
    assert list(doc) == ["target", "host", "verdict", "profile", "checks", "vms"]
    assert doc["target"] == "mock:x" and doc["host"] == "HV-TEST"
    assert doc["profile"] == "current" and doc["verdict"] == FIXABLE
    assert doc["vms"] == [{"name": "myVM", "verdict": FIXABLE}]
    assert json.loads(json.dumps(doc)) == doc


def test_an_error_report_is_target_verdict_error():
    report = Report.failed("mock:nope", "mock:nope: no bundled scenario of that name")
    assert report.to_dict() == {"target": "mock:nope", "verdict": "error",
                                "error": "mock:nope: no bundled scenario of that name"}
    assert "error" in repr(report)


def test_report_helpers(make_facts, make_vm):
    report = build_report(make_facts(vms=[make_vm("a"), make_vm("b")]), "t")
    assert len(report.host_checks) == 9 and all(c.vm is None for c in report.host_checks)
    assert {c.vm for c in report.checks_for("b")} == {"b"}
    assert sum(report.counts().values()) == len(report.checks)
    assert "2 VM(s)" in repr(report) and "fixable" in repr(report)


def test_a_check_repr_shows_status_id_vm_and_title():
    vm_check, host_check = repr(_check(FAIL, True, "vm.state", "myVM")), repr(_check(PASS, id_="host.cpu", vm=None))
    assert all(word in vm_check for word in ("FAIL", "vm.state", "myVM", "title"))
    assert all(word in host_check for word in ("PASS", "host.cpu", "title")) and "[" not in host_check
