"""Big hosts stay small (issue 12, part 5): a 1,000-VM check weighs at most 300 KB in a notebook, every
``--quiet`` line is at most 200 characters, no VM is dropped from a count, and the full detail is one
option away (``--details``) and said so."""

from __future__ import annotations

import json
import re

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

import nested_magics as nm
from nested_magics.display import formatters
from nested_magics.display.widgets import ReportView
from nested_magics.front import cli
from nested_magics.front.advice import next_steps

NOTEBOOK_BUDGET = 300_000      # bytes, every mime type of one output together
LINE = 200                     # characters, any line of --quiet
STATES = ("Off", "Running", "Saved", "Paused", "Starting")   # Starting is not settled: those VMs are blocked


def _size(bundle: dict) -> int:
    return sum(len((v if isinstance(v, str) else json.dumps(v)).encode("utf-8")) for v in bundle.values())


@pytest.fixture
def thousand(scenario, make_vm):
    """1,000 VMs with 100-character names, in turn Off, Running, Saved, Paused and Starting."""
    vms = [make_vm(name=f"vm-{i:04d}-" + "n" * 92, state=STATES[i % 5]) for i in range(1000)]
    return scenario(name="host1000.json", vms=vms)


def test_a_thousand_vm_check_weighs_under_300_kb_in_a_notebook(thousand):
    report = nm.check(thousand)
    static = formatters.report_bundle(report, next_steps)             # reopened, nbconvert, GitHub
    view = ReportView(report, advise=next_steps)                      # a live kernel: widget view + both forms
    live = dict(view.widget._repr_mimebundle_() or {}, **{"text/plain": view.text(), "text/html": view.html()})
    view.close()
    assert set(static) == {"text/plain", "text/html"}
    assert _size(static) <= NOTEBOOK_BUDGET, {k: len(v) for k, v in static.items()}
    assert _size(live) <= NOTEBOOK_BUDGET, {k: len(json.dumps(v)) for k, v in live.items()}


def test_no_vm_is_dropped_from_the_counts(thousand):
    report = nm.check(thousand)
    plain = formatters.report_bundle(report, next_steps)["text/plain"]
    assert "Verdict: BLOCKED (1,000 VMs: 200 blocked, 800 fixable)" in plain
    grouped = re.findall(r"^  (BLOCKED|FIXABLE) +([\d,]+) VMs: ", plain, re.M)
    assert sum(int(n.replace(",", "")) for _, n in grouped) == 1000   # every VM in one group
    rows = re.findall(r"^  (BLOCKED|FIXABLE)  vm-\d{4}", plain, re.M)
    assert rows == ["BLOCKED"] * 50                                   # the 50 worst rows: blocked VMs first
    assert "Showing the 50 VMs that need attention most, of 1,000; all: %nested_check --details" in plain


def test_quiet_lines_stay_short(scenario, make_vm, capsys):
    """OS captions and CPU models as long as real ones, 1,000 VMs, a target path of about 80 characters."""
    vms = [make_vm(name=f"lab-{i:04d}", state=STATES[i % 5]) for i in range(1000)]
    target = scenario(name="lab-host-1000.json", vms=vms,
                      os={"caption": "Microsoft Windows Server 2022 Datacenter Azure Edition"},
                      cpu={"model": "Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz"})
    for argv in (["check", "-t", target, "--quiet"], ["check", "-t", "mock", "--quiet"],
                 ["check", "-t", "mock:classroom-*", "--quiet"]):
        cli.main(argv)
        lines = capsys.readouterr().out.splitlines()
        assert lines and max(map(len, lines)) <= LINE, max(lines, key=len)


def test_cli_says_how_to_get_everything_and_details_gives_it(thousand, capsys):
    cli.main(["check", "-t", thousand])
    short = capsys.readouterr().out
    assert "all: nested-magics check --details (every check of every VM), or --json" in short
    assert len(short) < 60_000
    cli.main(["check", "-t", thousand, "--details"])
    full = capsys.readouterr().out
    assert len(re.findall(r"^(PASS|INFO|WARN|FAIL)  vm\.exists ", full, re.M)) == 1000
    assert full.count("        source: ") == len(nm.check(thousand).checks)
    assert "Showing the" not in full


def test_details_is_one_grammar_for_the_magic_and_the_cli(thousand):
    assert cli.build_parser().parse_args(["check", "--details"]).details is True
    assert cli.build_parser().parse_args(["check"]).details is False
    c = Config()
    c.HistoryAccessor.enabled = False
    shell = InteractiveShell(config=c)
    shell.extension_manager.load_extension("nested_magics")
    try:
        report = shell.run_line_magic("nested_check", f"-t {thousand} --details")
        assert report.details is True
        plain = formatters.report_bundle(report, next_steps)["text/plain"]
        assert len(re.findall(r"^(PASS|INFO|WARN|FAIL)  vm\.exists ", plain, re.M)) == 1000
        assert shell.run_line_magic("nested_check", f"-t {thousand}").details is False
    finally:
        shell.extension_manager.unload_extension("nested_magics")
