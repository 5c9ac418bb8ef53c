"""Next steps are runnable as printed: they keep the target, the VM path and the connection options (issue 11)."""

from __future__ import annotations

import shlex

import nested_magics as nm
from nested_magics.front import advice, render
from nested_magics.front.cli import main

WINRM = {"user": "LAB\\admin", "transport": "kerberos", "ca_file": "/etc/ssl/lab ca.pem", "verify": False,
         "insecure": True, "guest_user": "LAB\\guest", "timeout": 45.0}


def _winrm_report(target="hv01.lab.example"):
    report = nm.check("mock")                   # the blog's host, as if a WinRM host had answered
    report.target = target
    return report


def _next_commands(out: str) -> list[str]:
    """The commands the ``Next:`` lines print (after the last ``: ``)."""
    return [line.rsplit(": ", 1)[1] for line in out.splitlines()
            if line.startswith("Next:") and "nested-magics " in line]


def test_next_steps_over_winrm_keep_the_connection_options():
    invocation = advice.Invocation(WINRM)
    assert advice.next_steps(_winrm_report(), "cli", invocation=invocation) == [
        "Enable nesting on myVM: nested-magics enable myVM -t hv01.lab.example --user 'LAB\\admin' "
        "--transport kerberos --ca-file '/etc/ssl/lab ca.pem' --no-verify --insecure --timeout 45 "
        "--guest-user 'LAB\\guest' --yes"]
    out = render.render_report(_winrm_report(), invocation=invocation)
    assert "--user 'LAB\\admin'" in out and "--ca-file '/etc/ssl/lab ca.pem'" in out


def test_the_flags_are_only_the_options_given_and_never_a_secret():
    assert advice.Invocation({"user": "u"}).flags() == ["--user", "u"]
    assert advice.Invocation({"verify": True, "insecure": False}).flags() == []
    given = {"user": "u", "password": "hunter2", "password_provider": lambda: "hunter2", "secret": "x"}
    words = advice.Invocation(given).flags()
    assert words == ["--user", "u"] and "hunter2" not in " ".join(words)


def test_magic_next_steps_keep_the_line_options_too():
    invocation = advice.Invocation({"user": "admin", "ca_file": "/ca.pem"})
    assert advice.next_steps(_winrm_report(), "magic", invocation=invocation) == [
        "Enable nesting on myVM: %nested_enable myVM -t hv01.lab.example --user admin --ca-file /ca.pem"]


def test_enabling_a_nested_vm_advises_its_path(capsys):
    assert main(["enable", "myVM/nestedVM", "-t", "mock:three-levels", "--yes"]) in (0, 1)
    out = capsys.readouterr().out
    nexts = [line for line in out.splitlines() if line.startswith("Next:")]
    assert nexts and all("myVM/nestedVM" in line for line in nexts), nexts
    assert all(" enable nestedVM" not in line for line in nexts)


def test_the_printed_next_command_for_a_nested_vm_runs(capsys):
    """Finding 3: the ``Next:`` command, pasted, parses and runs (exit 0 or 1, never 2)."""
    main(["enable", "myVM/nestedVM", "-t", "mock:three-levels", "--yes"])
    commands = _next_commands(capsys.readouterr().out)
    assert commands, "no Next: command printed"
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "nested-magics"
        assert main(words[1:]) in (0, 1), (command, capsys.readouterr().err)


def test_the_vm_path_can_be_given_when_the_report_does_not_carry_it():
    report = nm.connect("mock:three-levels").report_for("myVM/nestedVM")
    steps = advice.next_steps(report, "cli", invocation=advice.Invocation(vm_prefix="myVM"))
    assert "nested-magics enable myVM/nestedVM -t mock:three-levels" in " ".join(steps)
    magic = advice.next_steps(report, "magic", invocation=advice.Invocation(vm_prefix="myVM"))
    assert "%nested_enable myVM/nestedVM -t mock:three-levels" in " ".join(magic)


def test_create_nested_vms_keeps_the_target():
    report = nm.check("mock:three-levels")
    report.facts.find_vm("myVM").guest.vms.clear()
    assert advice.next_steps(report, "cli") == [
        "myVM is ready and runs Hyper-V: create nested VMs inside it (blog step 4): "
        "nested-magics vm new myVM/nestedVM -t mock:three-levels"]
    invocation = advice.Invocation({"user": "admin"})
    report.target = "hv01"
    assert advice.next_steps(report, "magic", invocation=invocation)[0].endswith(
        "%nested_vm new myVM/nestedVM -t hv01 --user admin")


def test_advisor_is_an_advise_for_the_display():
    from nested_magics.display import text
    invocation = advice.Invocation({"user": "admin"})
    out = text.render_report(_winrm_report(), advise=advice.advisor(invocation))
    assert "Next: Enable nesting on myVM: nested-magics enable myVM -t hv01.lab.example --user admin --yes" in out


def test_a_report_that_carries_its_path_prefix_is_advised_by_path():
    """For the notebook views, which get the registered advice only: ``Report.path_prefix`` (set by
    ``Host.report_for`` for ``myVM/nestedVM``) is read when the report has it."""
    report = nm.connect("mock:three-levels").report_for("myVM/nestedVM")
    report.path_prefix = getattr(report, "path_prefix", "") or "myVM"
    assert "%nested_enable myVM/nestedVM -t mock:three-levels" in " ".join(advice.next_steps(report, "magic"))


def test_the_host_step_names_the_root_cause_first():
    """Windows Home has no Hyper-V (Microsoft, Install Hyper-V): the step names the edition, not "Hyper-V is not
    running"; a hypervisor switched off at boot (bcdedit hypervisorlaunchtype Off) is named with its bcdedit fix."""
    home = advice.next_steps(nm.check("mock:win11-home"))
    assert home[0].startswith("Fix the host first: This edition of Windows has no Hyper-V"), home
    assert "1 more host check fails" in home[0]
    off = advice.next_steps(nm.check("mock:hypervisor-off"))
    assert "hypervisorlaunchtype" in off[0] and "bcdedit /set hypervisorlaunchtype auto" in off[0], off


def test_a_host_whose_vms_could_not_be_listed_says_so_and_what_to_do():
    """Server Core without the Hyper-V module (Microsoft, Install Hyper-V: -IncludeManagementTools): the VMs are
    unknown, not "no VMs", and the next step is the missing module (before: "BLOCKED (no VMs)" and no step)."""
    out = render.render_report(nm.check("mock:server-core-no-module"), quiet=True)
    assert "Verdict: BLOCKED (the VMs could not be listed)" in out
    assert "Next: Read the host's facts first: vms could not be read (the Hyper-V PowerShell module is missing" in out
