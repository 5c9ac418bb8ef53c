"""The next step after a report, phrased for the front end the user is in (CLI or notebook).

Read from fields only: a check's status, ``fixable`` and ``opt_ins``, and the report's facts; never from a
check's words. ``next_steps`` is the ``display.steps.Advise`` both front ends hand the display.

Every command it prints is runnable as printed: it names the target (unless the command reaches that host
without it), the VM by its path (``myVM/nestedVM``) and the connection options the user gave, which the
front end hands in as an ``Invocation`` (``advisor(invocation)`` is the ``Advise`` for it). A password is
never an option, so it is never printed.
"""

from __future__ import annotations

import functools
import os
import shlex
from dataclasses import dataclass, field
from typing import Mapping

from nested_magics import session
from nested_magics.model.report import BLOCKED, ERROR, FAIL, FIXABLE, PASS, READY, Report
from nested_magics.display.order import Groups
from nested_magics.display.steps import Advise
from nested_magics.rules.host_rules import part_next_step

MAX_VM_STEPS = 10   # a host with hundreds of VMs gets ten steps and a count, not hundreds of lines


# The connection options (``grammar.winrm_options`` keys) a command must repeat, in the grammar's order, and
# how each is written. Only these are ever printed: anything else handed in (a password provider) is not.
_OPTION_FLAGS = (
    ("user", lambda v: ["--user", str(v)]),
    ("transport", lambda v: ["--transport", str(v)]),
    ("ca_file", lambda v: ["--ca-file", str(v)]),
    ("verify", lambda v: [] if v else ["--no-verify"]),
    ("insecure", lambda v: ["--insecure"] if v else []),
    ("timeout", lambda v: ["--timeout", _number(v)]),
    ("guest_user", lambda v: ["--guest-user", str(v)]),
)


def _number(value) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


@dataclass(frozen=True)
class Invocation:
    """What a printed command must repeat of the line the user typed.

    ``options``: the connection options given, as ``grammar.winrm_options`` returns them (the CLI: all it was
    given; a magic: those the target's ``%nested_connect`` does not already supply). ``vm_prefix``: the path
    of the VM the report's VMs run in (``myVM`` for a report on ``myVM/nestedVM``), when the report does not
    carry it."""

    options: Mapping = field(default_factory=dict)
    vm_prefix: str = ""

    @classmethod
    def for_vm(cls, vm_path: str | None, options: Mapping | None = None) -> "Invocation":
        """The invocation of a command on ``vm_path``: its prefix is the path up to the last ``/``."""
        path = (vm_path or "").replace("\\", "/")
        return cls(dict(options or {}), path.rsplit("/", 1)[0] if "/" in path else "")

    def flags(self) -> list[str]:
        """The connection flags as words (quote each with ``shlex.quote`` to print them)."""
        words: list[str] = []
        for key, write in _OPTION_FLAGS:
            if self.options.get(key) is not None:
                words.extend(write(self.options[key]))
        return words


NO_INVOCATION = Invocation()


def advisor(invocation: Invocation | None) -> Advise:
    """The ``display.steps.Advise`` that phrases the next steps for ``invocation``."""
    if invocation is None:
        return next_steps
    return functools.partial(next_steps, invocation=invocation)


def vm_path(report: Report, name: str, invocation: Invocation | None = None) -> str:
    """``name`` as a path from the host the command connects to (``myVM/nestedVM`` for a nested VM)."""
    prefix = (invocation.vm_prefix if invocation is not None else "") or getattr(report, "path_prefix", "") or ""
    return f"{prefix.rstrip('/')}/{name}" if prefix else name


def opt_ins(checks: list) -> list[str]:
    """The opt-in flags enabling a VM will need (``--discard-saved-state`` ...): its failing ``checks``' ``opt_ins``."""
    flags: list[str] = []
    for check in checks:
        if check.status == FAIL:
            flags.extend(f"--{name}" for name in check.opt_ins if f"--{name}" not in flags)
    return flags


def target_words(target: str, style: str, invocation: Invocation | None = None) -> str:
    """`` -t TARGET`` unless the command would reach that host without it, then the connection options."""
    if style == "magic":   # the kernel's: its last %nested_connect, else $NESTED_MAGICS_TARGET, else mock
        default = session.default_target()
    else:                  # a new command's: $NESTED_MAGICS_TARGET, else mock
        default = os.environ.get(session.ENV_TARGET, "").strip() or "mock"
    implied = not target or target == default
    words = [] if implied else ["-t", target]
    words += (invocation or NO_INVOCATION).flags()
    return "".join(f" {shlex.quote(word)}" for word in words)


def enable_command(report: Report, vm: str, style: str, extra: list[str] | None = None,
                   checks: list | None = None, invocation: Invocation | None = None) -> str:
    """The command that enables nesting on ``vm`` (a name in ``report``), with the opt-ins its checks call for."""
    checks = report.checks_for(vm) if checks is None else checks
    flags = " ".join(opt_ins(checks) + (extra or []))
    flags = f" {flags}" if flags else ""
    target = target_words(report.target, style, invocation)
    path = shlex.quote(vm_path(report, vm, invocation))
    if style == "magic":
        return f"%nested_enable {path}{target}{flags}"
    return f"nested-magics enable {path}{target}{flags} --yes"


# Host checks that explain the others (no Hyper-V on Home, none that nests on ARM64, a hypervisor switched off at
# boot, a build too early): named first, since fixing a later one cannot help until they pass.
ROOT_CAUSES = ("host.edition", "host.cpu", "host.boot", "host.os-build")


def next_steps(report: Report, style: str = "cli", groups: Groups | None = None,
               invocation: Invocation | None = None) -> list[str]:
    """Short sentences: what to do now. ``style`` is "cli" or "magic"; ``invocation``: what commands repeat."""
    if report.verdict == ERROR:
        return [f"Could not check {report.target}: {report.error}"]
    groups = groups or Groups(report)
    host_fails = [c for c in groups.host if c.status == FAIL]
    if host_fails:
        first = min(host_fails, key=lambda c: ROOT_CAUSES.index(c.id) if c.id in ROOT_CAUSES else len(ROOT_CAUSES))
        fix = f" Run on the host: {first.fix}" if first.fix else ""
        others = len(host_fails) - 1
        more = f" ({others} more host check{'s fail' if others > 1 else ' fails'})" if others else ""
        return [f"Fix the host first: {first.title}.{fix}{more}"]
    steps, more = [], 0
    for summary in report.vms:
        if len(steps) >= MAX_VM_STEPS:     # only counted: building a command for each of 5,000 VMs costs
            more += summary["verdict"] in (BLOCKED, FIXABLE) or report.verdict == READY
            continue
        name, verdict, checks = summary["name"], summary["verdict"], groups.checks(summary["name"])
        if verdict == BLOCKED:
            missing = next((c for c in checks if c.id == "vm.exists" and c.status == FAIL), None)
            if missing is not None:   # a typo, most likely: name the VMs that do exist
                existing = ", ".join(report.facts.vm_names()) or "none" if report.facts is not None else "unknown"
                steps.append(f"There is no VM {name} here; check the name (VMs on this host: {existing}).")
                continue
            why = next((c.title for c in checks if c.status == FAIL and not c.fixable), "")
            steps.append(f"{name} cannot nest here: {why}.")
        elif verdict == FIXABLE:
            steps.append(f"Enable nesting on {name}: {enable_command(report, name, style, checks=checks, invocation=invocation)}")
        elif report.verdict == READY:
            steps.append(_ready_step(report, name, style, checks, invocation))
    if not steps and report.verdict == BLOCKED:     # nothing failed: the facts that would judge it are unread
        unread = next((c for c in groups.host if c.id == "host.facts" and c.data.get("errors")), None)
        if unread is not None:
            first = unread.data["errors"][0]
            return [f"Read the host's facts first: {first['part']} could not be read "
                    f"({part_next_step(first['message'])}), then check again."]
    if report.verdict == READY and not report.vms:
        return ["The host can nest. Create a VM, then enable nesting on it (blog step 1)."]
    if more:
        steps.append(f"... and {more} more VM(s) like these.")
    return steps


def _ready_step(report: Report, name: str, style: str, checks: list, invocation: Invocation | None) -> str:
    guest = next((c for c in checks if c.id == "vm.guest-hyperv"), None)
    if guest is not None and guest.fixable:
        return (f"{name} is ready: install Hyper-V inside it (blog step 3): "
                f"{enable_command(report, name, style, ['--install-hyperv'], checks=checks, invocation=invocation)}")
    vm = _vm_facts(report, name)
    if guest is not None and guest.status == PASS and vm is not None and vm.guest is not None \
            and vm.guest.hyperv_installed:
        inner = len(vm.guest.vms)
        if inner:
            return f"{name} runs Hyper-V and {inner} VM(s) of its own: nesting works (the blog's three levels)."
        command = "%nested_vm new" if style == "magic" else "nested-magics vm new"
        path = shlex.quote(vm_path(report, name, invocation) + "/nestedVM")
        return (f"{name} is ready and runs Hyper-V: create nested VMs inside it (blog step 4): "
                f"{command} {path}{target_words(report.target, style, invocation)}")
    return f"{name} is ready: start it and install Hyper-V inside it (blog step 3)."


def _vm_facts(report: Report, name: str):
    """The facts of the VM ``name`` (or the VM path ``myVM/nestedVM``) in ``report``; None when unknown."""
    if report.facts is None:
        return None
    vm = report.facts.find_vm(name)
    if vm is not None or "/" not in name.replace("\\", "/"):
        return vm
    host = report.facts
    for part in name.replace("\\", "/").split("/"):
        vm = host.find_vm(part) if host is not None else None
        if vm is None:
            return None
        host = vm.guest
    return vm
