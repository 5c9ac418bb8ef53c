"""The Python API (contracts §1): default target, one host per target, check, plan_enable, fleets."""

from __future__ import annotations

import contextlib
import threading

import pytest

import nested_magics as nm
from nested_magics import session
from nested_magics.api import check_fleet, check_one, check_targets
from nested_magics.backends.mock.simulator import Simulator
from nested_magics.errors import TargetError
from nested_magics.model.report import FleetReport, Report


def test_the_default_target_is_mock(monkeypatch):
    """contracts §1: the last connect, else NESTED_MAGICS_TARGET when set and not empty, else mock."""
    assert session.default_target() == "mock"
    monkeypatch.setenv("NESTED_MAGICS_TARGET", "   ")
    assert session.default_target() == "mock"
    monkeypatch.setenv("NESTED_MAGICS_TARGET", "mock:three-levels")
    assert session.default_target() == "mock:three-levels"
    assert nm.connect().facts().vms[0].guest is not None
    session.set_default_target("mock:windows10-amd")
    assert session.default_target() == "mock:windows10-amd"
    session.forget_all()
    assert session.default_target() == "mock:three-levels"


def test_connect_returns_the_same_host_for_the_same_target():
    assert nm.connect("mock") is nm.connect("mock")
    assert nm.connect("mock") is not nm.connect("mock:three-levels")


def test_connect_to_a_target_that_cannot_be_read_raises_target_error():
    with pytest.raises(TargetError, match="mock:nope: no bundled scenario"):
        nm.connect("mock:nope")


def test_check_takes_a_host_or_a_target_or_nothing():
    assert nm.check().verdict == "fixable"
    assert nm.check("mock:windows10-amd").verdict == "blocked"
    host = nm.connect("mock:three-levels")
    assert nm.check(host, ["nestedVM"]).vms == [{"name": "nestedVM", "verdict": "blocked"}]


def test_the_blogs_host_as_a_reader_had_it():
    """contracts §2: blog-2015 is Windows 10 Insider 10565, Intel, 16 GB, VBS off, myVM Off, version 7.0, 2 GB of
    dynamic memory, MAC spoofing off, nesting off: verdict fixable, profile preview (facts §2.1)."""
    report = nm.check()
    assert (report.target, report.host, report.profile, report.verdict) == ("mock", "TH2-DESKTOP", "preview",
                                                                            "fixable")
    status = {c.id: c.status for c in report.checks}
    assert status["vm.expose-extensions"] == status["vm.dynamic-memory"] == "fail"
    assert status["host.os-build"] == "warn" and status["vm.networking"] == "warn" and status["vm.memory"] == "warn"


def test_check_one_turns_a_bad_target_into_an_error_report():
    report = check_one("mock:nope")
    assert report.verdict == "error" and report.error.startswith("mock:nope: no bundled scenario")


def test_a_fleet_keeps_the_order_given_and_takes_the_worst_verdict(scenario, make_vm):
    ready = scenario(vms=[make_vm(nesting=True, startup="4GB", mac_spoofing=True)])
    targets = [ready, "mock", "mock:nope", "mock:windows10-amd"]
    seen = []
    fleet = check_fleet(targets, on_result=lambda i, r: seen.append((i, r.verdict)))
    assert [r.target for r in fleet.hosts] == targets
    assert [r.verdict for r in fleet.hosts] == ["ready", "fixable", "error", "blocked"]
    assert fleet.verdict == "error"
    assert sorted(seen) == [(0, "ready"), (1, "fixable"), (2, "error"), (3, "blocked")]


def test_check_targets_gives_a_report_for_one_host_and_a_fleet_for_several():
    """What both front ends call: targets expanded, one host a Report (error when unreadable), several a fleet."""
    assert isinstance(check_targets(), Report) and check_targets().target == "mock"
    assert check_targets(["mock:windows10-amd"]).verdict == "blocked"
    bad = check_targets(["mock:nope"])
    assert isinstance(bad, Report) and bad.verdict == "error" and bad.error.startswith("mock:nope: no bundled")
    fleet = check_targets(["mock:classroom-0[1-3]"], ["nope"])
    assert isinstance(fleet, FleetReport)
    assert [r.target for r in fleet.hosts] == ["mock:classroom-01", "mock:classroom-02", "mock:classroom-03"]
    assert all(r.vms == [{"name": "nope", "verdict": "blocked"}] for r in fleet.hosts)


def test_check_targets_shows_progress_for_a_fleet_only_and_asks_options_per_host():
    entered, seen, asked = [], [], []

    @contextlib.contextmanager
    def progress(targets):
        entered.append(list(targets))
        yield lambda i, r: seen.append(("bar", i))
        entered.append("closed")

    def options_for(target):
        asked.append(target)
        return {}

    check_targets(["mock"], progress=progress, options_for=options_for,
                  on_result=lambda i, r: seen.append(("mine", i)))
    assert entered == [] and seen == [("mine", 0)] and asked == ["mock"]
    check_targets(["mock:classroom-01", "mock:classroom-02"], progress=progress, options_for=options_for,
                  on_result=lambda i, r: seen.append(("mine", i)))
    assert entered == [["mock:classroom-01", "mock:classroom-02"], "closed"]
    assert sorted(seen[1:]) == [("bar", 0), ("bar", 1), ("mine", 0), ("mine", 1)]
    assert sorted(asked[1:]) == ["mock:classroom-01", "mock:classroom-02"]


def test_a_fleet_expands_globs_of_bundled_scenarios():
    fleet = check_fleet(["mock:classroom-0[1-4]"])
    assert [r.target for r in fleet.hosts] == [f"mock:classroom-0{i}" for i in range(1, 5)]


def test_a_fleet_is_checked_concurrently(scenario, monkeypatch):
    """Both hosts must be inside their facts query at once to pass the barrier."""
    barrier = threading.Barrier(2, timeout=10)
    original = Simulator.gather

    def gather(self):
        barrier.wait()
        return original(self)

    monkeypatch.setattr(Simulator, "gather", gather)
    fleet = check_fleet([scenario(name="a.json"), scenario(name="b.json")])
    assert [r.verdict for r in fleet.hosts] == ["fixable", "fixable"]


def test_a_host_that_does_not_answer_by_the_deadline_is_an_error_and_the_others_go_on(scenario, make_doc,
                                                                                     monkeypatch):
    release = threading.Event()
    slow = scenario(make_doc(name="SLOW"))
    original = Simulator.gather

    def gather(self):
        if self.facts.name == "SLOW":
            release.wait(10)        # held until the fleet has given up on it
        return original(self)

    monkeypatch.setattr(Simulator, "gather", gather)
    nm.connect("mock")              # loaded before the clock starts: only the slow host can miss the deadline
    try:
        fleet = check_fleet([slow, "mock"], deadline=0.5)
    finally:
        release.set()
    assert [r.verdict for r in fleet.hosts] == ["error", "fixable"]
    assert fleet.hosts[0].error.startswith(f"{slow}: no answer within 0.5 s")


def test_the_package_exports_the_api():
    for name in ("connect", "check", "check_fleet", "plan_enable", "Host", "HostFacts", "load_facts",
                 "EnableOptions", "Plan", "Report", "FleetReport", "NestedMagicsError", "UsageProblem",
                 "FactsError", "TargetError", "ActionRefused"):
        assert hasattr(nm, name), name
    assert nm.__version__


# ---------------------------------------------------------------- arguments are checked (issue 11)

from nested_magics.errors import UsageProblem  # noqa: E402


def test_a_string_where_a_list_is_expected_is_one_item():
    """issue 11: check_fleet('mock:classroom-*') checked the targets 'm', 'o', 'c'..."""
    fleet = nm.check_fleet("mock:classroom-*")
    assert [h.target for h in fleet.hosts] == [f"mock:classroom-{i:02d}" for i in range(1, 13)]
    assert [v["name"] for v in nm.check("mock", "myVM").vms] == ["myVM"]
    assert [v["name"] for v in check_targets("mock", "myVM").vms] == ["myVM"]
    assert [v["name"] for v in check_one("mock", "myVM").vms] == ["myVM"]
    assert [h.target for h in check_fleet(("mock", "mock:three-levels"), ("myVM",)).hosts] == \
        ["mock", "mock:three-levels"]


@pytest.mark.parametrize("call, argument", [
    (lambda: nm.connect(42), "target"),
    (lambda: nm.check(42), "host"),
    (lambda: nm.check("mock", 42), "vms"),
    (lambda: nm.check("mock", ["myVM", 3]), "vms"),
    (lambda: nm.check_fleet(42), "targets"),
    (lambda: nm.check_fleet(["mock", None]), "targets"),
    (lambda: check_targets(b"mock"), "targets"),
    (lambda: check_one(42), "target"),
    (lambda: nm.plan_enable("mock", 42), "vm"),
    (lambda: nm.plan_enable(3.5, "myVM"), "host"),
])
def test_a_wrong_type_is_a_type_error_naming_the_argument(call, argument):
    with pytest.raises(TypeError) as caught:
        call()
    message = str(caught.value)
    assert f"{argument} must be" in message and "\n" not in message, message


def test_unknown_keyword_options_are_refused_naming_them_and_the_known_ones():
    for call in (lambda: nm.connect("mock", colour="x"), lambda: nm.check_fleet(["mock"], colour="x"),
                 lambda: check_targets(["mock"], colour="x"), lambda: check_one("mock", colour="x")):
        with pytest.raises(UsageProblem) as caught:
            call()
        message = str(caught.value)
        assert "'colour'" in message and "user" in message and "timeout" in message, message
    assert nm.connect("mock", user="admin", timeout=5, verify=False) is nm.connect("mock")


def test_check_of_a_glob_naming_several_hosts_points_to_check_fleet():
    """issue 11: nm.check('mock:classroom-*') said "only check takes several" (this is check)."""
    with pytest.raises(UsageProblem) as caught:
        nm.check("mock:classroom-*")
    message = str(caught.value)
    assert "check_fleet" in message and "names 12 hosts" in message and "only check takes" not in message
    with pytest.raises(UsageProblem, match="check_fleet"):
        nm.connect("mock:classroom-*")
    assert nm.check("mock:classroom-0[1]").target == "mock:classroom-01"   # a glob naming one host is one host
