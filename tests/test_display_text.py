"""The text/plain forms: what nbval, terminals and nbconvert show must hold every check's status and title."""

from __future__ import annotations

from display_fixtures import HOSTILE_VM, hostile_target, many_vms  # noqa: F401

import nested_magics as nm
from nested_magics import session
from nested_magics.front import advice, render
from nested_magics.display import formatters, text
from nested_magics.display.enable_flow import EnableFlow
from nested_magics.display.fleet_view import FleetView
from nested_magics.display.widgets import ReportView, TreeView

LABEL = {"pass": "PASS", "info": "INFO", "warn": "WARN", "fail": "FAIL"}


def assert_every_check(plain: str, report) -> None:
    lines = plain.splitlines()
    for check in report.checks:
        assert any(line.startswith(LABEL[check.status]) and check.title in line and check.id in line
                   for line in lines), (check.status, check.title)


def test_report_dashboard_text_holds_every_check(hostile_target):
    report = nm.check(hostile_target)
    plain = ReportView(report).text()
    assert_every_check(plain, report)
    assert HOSTILE_VM in plain                       # plain text is not escaped: it is not markup
    assert f"Verdict: {report.verdict.upper()}" in plain


def test_bundle_text_is_complete_not_cut_at_110_characters(many_vms):
    report = nm.check(many_vms(12))
    plain = formatters.report_bundle(report)["text/plain"]
    assert len(plain) > 2000
    assert_every_check(plain, report)


def test_fleet_dashboard_text_holds_every_hosts_checks():
    fleet = nm.check_fleet(["mock:classroom-01", "mock:classroom-04", "mock:nosuch"])
    plain = FleetView.of(fleet).text()
    for report in fleet.hosts:
        if report.error is None:
            assert_every_check(plain, report)           # ready hosts too, not only the failing ones
    assert "ERROR" in plain and "mock:nosuch" in plain


def test_fleet_text_while_waiting():
    view = FleetView(["mock:classroom-01", "mock:classroom-02"])
    view.record(1, nm.check("mock:classroom-02"))
    plain = view.text()
    assert "Checking 2 host(s): 1 answered" in plain
    assert "WAITING  mock:classroom-01" in plain and "mock:classroom-02" not in plain


def test_enable_flow_text_follows_its_state():
    flow = EnableFlow(nm.plan_enable("mock", "myVM"))
    assert "press Apply" in flow.text() and "expose-extensions" in flow.text()
    flow.cancel()
    assert flow.text().endswith("Cancelled: nothing was changed.")
    applied = EnableFlow(nm.plan_enable("mock", "myVM"))
    applied.apply()
    plain = applied.text()
    assert "applied  expose-extensions" in plain and "Verdict: fixable → ready" in plain
    assert_every_check(plain, applied.result.after)


def test_tree_text_has_levels():
    plain = TreeView(nm.connect("mock:three-levels").tree()).text()
    assert plain.splitlines()[0].startswith("L0 TH2-DESKTOP")
    assert "L2 nestedVM [Running; nesting off" in plain


def test_next_steps_are_capped_for_big_hosts(many_vms):
    report = nm.check(many_vms(25))
    steps = advice.next_steps(report, "magic")
    assert len(steps) == advice.MAX_VM_STEPS + 1
    assert steps[-1] == f"... and {25 - advice.MAX_VM_STEPS} more VM(s) like these."


def test_magic_next_step_names_the_target_unless_it_is_the_default(many_vms):
    target = many_vms(1)
    report = nm.check(target)
    assert f"-t {target}" in advice.next_steps(report, "magic")[0]
    session.set_default_target(target)
    assert "-t" not in advice.next_steps(report, "magic")[0]
    assert advice.next_steps(nm.check("mock"), "cli") == ["Enable nesting on myVM: nested-magics enable myVM --yes"]


def test_opt_ins_come_from_the_failing_checks(many_vms):
    report = nm.check(many_vms(4))                   # Off, Running, Saved, Paused
    steps = advice.next_steps(report, "magic")
    assert steps[2].endswith("--discard-saved-state") and steps[3].endswith("--turn-off")
    assert "--" not in steps[0].split(" -t ")[0]


def test_cli_lines_stay_led_by_status_words():
    plain = text.render_report(nm.check("mock"))
    check_lines = [line for line in plain.splitlines()[1:] if not line.startswith((" ", "Verdict", "Next"))]
    assert check_lines and all(line[:4] in LABEL.values() for line in check_lines)


def test_the_next_step_for_a_vm_that_does_not_exist_names_the_vms_that_do():
    import nested_magics as nm
    from nested_magics.front.advice import next_steps

    steps = next_steps(nm.check("mock", ["nope"]), "cli")
    assert steps == ["There is no VM nope here; check the name (VMs on this host: myVM)."]


def test_the_next_step_once_nested_vms_exist_says_nesting_works():
    import nested_magics as nm
    from nested_magics.front.advice import next_steps

    assert next_steps(nm.check("mock:three-levels"), "cli") == [
        "myVM runs Hyper-V and 1 VM(s) of its own: nesting works (the blog's three levels)."]


def test_next_steps_are_the_front_ends_words():
    """The display shows the next steps the front end gives; the command line's text has them."""
    report = nm.check("mock")
    assert "Next:" not in text.render_report(report)
    advised = text.render_report(report, advise=advice.next_steps)
    assert advised.endswith("Next: Enable nesting on myVM: nested-magics enable myVM --yes")
    assert render.render_report(report) == advised
    assert render.render_fleet(nm.check_fleet(["mock", "mock:classroom-01"])).count("\nNext: ") == 1   # only not-ready
    result = nm.plan_enable("mock", "myVM").apply(confirm=True)
    assert "Next: myVM is ready" in render.render_apply(result) and "Next:" not in text.render_apply(result)


def test_opt_ins_are_read_from_the_checks_not_their_titles(many_vms):
    report = nm.check(many_vms(4))                   # Off, Running, Saved, Paused
    for check in report.checks:
        check.title = "reworded"                     # the words may change; the flags do not
    steps = advice.next_steps(report, "cli")
    assert steps[2].endswith("--discard-saved-state --yes") and steps[3].endswith("--turn-off --yes")
    assert advice.opt_ins(report.checks_for("vm-0002")) == ["--discard-saved-state"]
    state = next(c for c in report.checks_for("vm-0000") if c.id == "vm.state")
    state.status, state.opt_ins = "fail", ("turn-off", "discard-saved-state")
    assert advice.opt_ins([state, state]) == ["--turn-off", "--discard-saved-state"]


def test_the_ready_step_reads_the_facts_not_the_titles():
    report = nm.check("mock:three-levels")
    for check in report.checks:
        check.title = "reworded"
    assert advice.next_steps(report, "cli") == [
        "myVM runs Hyper-V and 1 VM(s) of its own: nesting works (the blog's three levels)."]
    report.facts.find_vm("myVM").guest.vms.clear()
    assert advice.next_steps(report, "magic") == [
        "myVM is ready and runs Hyper-V: create nested VMs inside it (blog step 4): "
        "%nested_vm new myVM/nestedVM -t mock:three-levels"]      # not the default host: the target is named
    report.facts.find_vm("myVM").guest = None       # the guest cannot be seen: unknown, so say what to check
    assert advice.next_steps(report, "cli") == [
        "myVM is ready: start it and install Hyper-V inside it (blog step 3)."]


# ---------------------------------------------------------------- host data cannot forge output (issue 11)

FORGED_VM = "evil\nPASS  host.cpu               all good\x1b[2J\x1b]8;;xx\x07link\x1b]8;;\x07\u202egnp.exe\u2066x\u2069\r\t"
FORGED_HOST = "HV\x1b[31mRED\x1b[0m\nPASS  host.fake"


def _forging_target(scenario, make_doc, make_vm, make_guest):
    guest = make_guest(name="g\x1b[1m", hyperv_installed=True, vms=[make_vm(name="inner\nFAIL  x", state="Off")])
    return scenario(make_doc(**{
        "name": FORGED_HOST,
        "os": {"caption": "Windows\x1b[2J\nPASS  caption"},
        "cpu": {"model": "CPU\u202e\x9b2J"},
        "vms": [make_vm(name=FORGED_VM, mac_spoofing=False, dynamic=True, startup=1024**3),
                make_vm(name="nest\u202d\nme", state="Running", nesting=True, guest=guest)],
    }))


def _assert_unforged(out: str) -> None:
    bad = [ch for ch in out if ch != "\n" and (ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0
                                               or 0x202a <= ord(ch) <= 0x202e or 0x2066 <= ord(ch) <= 0x2069)]
    assert not bad, bad
    for line in out.splitlines():   # every line the host could have written is one of ours
        assert not line.startswith(("PASS  caption", "PASS  host.fake", "PASS  host.cpu               all good",
                                    "FAIL  x"))


def test_host_names_cannot_forge_lines_or_send_escapes(scenario, make_doc, make_vm, make_guest):
    target = _forging_target(scenario, make_doc, make_vm, make_guest)
    report = nm.check(target)
    views = [render.render_report(report, details=True), render.render_report(report, "magic"),
             render.render_fleet(nm.check_fleet([target, "mock"]), every=True),
             text.render_tree(nm.connect(target).tree()),
             render.render_plan(nm.plan_enable(target, FORGED_VM)),
             render.render_apply(nm.plan_enable(target, FORGED_VM).apply(confirm=True)),
             text.render_action(nm.connect(target).vm("start", FORGED_VM))]
    for out in views:
        _assert_unforged(out)
    plain = views[0]
    assert "evil\\nPASS  host.cpu" in plain and "\\x1b[2J" in plain and "\\u202e" in plain   # shown, escaped
    assert "HV\\x1b[31mRED\\x1b[0m\\nPASS  host.fake" in plain and "\\x9b2J" in plain


def test_clean_escapes_controls_bidi_and_newlines_and_keeps_plain_text():
    assert text.clean("myVM O'Brien <b> é ü 日本 \\x1b") == "myVM O'Brien <b> é ü 日本 \\x1b"
    assert text.clean("a\nb\r\tc\x1b[2J\x00\x7f\x85") == "a\\nb\\r\\tc\\x1b[2J\\x00\\x7f\\x85"
    assert text.clean("\u202a\u202e\u2066\u2069\u200f\u2028") == "\\u202a\\u202e\\u2066\\u2069\\u200f\\u2028"
    assert text.clean(None) == "None" and text.clean(42) == "42"


def test_the_cli_writes_no_ansi_codes_to_a_pipe(scenario, make_doc, make_vm, make_guest, capsys):
    from nested_magics.front import cli
    target = _forging_target(scenario, make_doc, make_vm, make_guest)
    for argv in (["check", "-t", target], ["check", "-t", target, "--details"], ["tree", "-t", target],
                 ["enable", FORGED_VM, "-t", target, "--yes"], ["check", "-t", "mock:classroom-*"],
                 ["enable", "myVM", "--yes"], ["check", "-t", "mock:three-levels"]):
        cli.main(argv)
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x9b" not in out, argv   # no colour codes at all, and none forged
        _assert_unforged(out)


def test_the_verdict_line_of_a_big_host_stays_short():
    """Issue 12: a 1,000-VM check printed a 16 KB Verdict: line with --quiet; now it counts."""
    import copy

    from nested_magics.backends.mock import load_scenario
    from nested_magics.load import load_facts
    from nested_magics.rules import build_report

    doc = load_scenario("blog-2015").to_dict()
    doc["vms"] = [dict(copy.deepcopy(doc["vms"][0]), name=f"vm-{i:05d}-{'x' * 60}", id=None) for i in range(1000)]
    for vm in doc["vms"]:
        vm.pop("id")
    report = build_report(load_facts(doc), "mock")
    verdict = [line for line in text.render_report(report, quiet=True).splitlines() if line.startswith("Verdict:")]
    assert verdict == ["Verdict: FIXABLE (1,000 VMs: 1,000 fixable)"]
    few = build_report(load_scenario("blog-2015"), "mock")
    assert "Verdict: FIXABLE (myVM fixable)" in text.render_report(few, quiet=True)
