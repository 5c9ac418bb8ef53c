"""The ``nested-magics`` command: check, enable, tree, vm (contracts §6).

Exit statuses: 0 done/ready, 1 not ready/refused, 2 usage or connection error. Errors are one
line on stderr; no traceback for a user's mistake.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import warnings

from nested_magics.front import grammar
from nested_magics import session
from nested_magics.api import check_targets, connect
from nested_magics.front import render as text
from nested_magics.front.advice import Invocation
from nested_magics.display.text import clean
from nested_magics.errors import NestedMagicsError, UsageProblem
from nested_magics.model.report import ERROR, READY, WARN, FleetReport, Report

PROG = "nested-magics"
DRY_RUN_DONE = ("Dry run: nothing was changed. To apply, run the same command without --dry-run "
                "(it asks first), or with --yes instead of --dry-run")
NO_CONSENT = ("no terminal to ask for consent and no --yes: nothing was changed; "
              "review the plan with --dry-run, then run again with --yes")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the problem and where to look."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        grammar.accept_negative_values(self)

    def error(self, message):
        raise UsageProblem(f"{message} (see {self.prog} --help)")


class _Formatter(argparse.HelpFormatter):
    """argparse's help, wrapped between words only: ``apply-checkpoint`` is never split at its hyphen."""

    def _split_lines(self, text, width):
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text, width, indent):
        return textwrap.fill(" ".join(text.split()), width, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, formatter_class=_Formatter,
                     description="Check, enable and teach Hyper-V nested virtualization. "
                                 "Default target: $NESTED_MAGICS_TARGET, else the simulated blog host (mock).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parts = {
        "check": ("readiness of a host (or a fleet) and its VMs", grammar.CHECK + grammar.CLI_CHECK + grammar.WINRM),
        "enable": ("plan, confirm and apply nesting on a VM",
                   [(("vm",), dict(metavar="VM", help="the VM (or myVM/nestedVM)"))] + grammar.ENABLE + grammar.WINRM),
        "tree": ("the host → VMs → nested VMs tree", grammar.TREE + grammar.WINRM),
        "vm": (grammar.VM_HELP, grammar.VM + grammar.WINRM),
    }
    for name, (help_text, specs) in parts.items():
        grammar.add_specs(sub.add_parser(name, help=help_text, description=help_text, formatter_class=_Formatter),
                          specs)
    return parser


def _say(message: str) -> None:
    """Print to stdout; if the reader has gone (``check | head``), stop printing but keep the exit status."""
    try:
        print(message)
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")   # later prints go nowhere; the status is still returned


def _complain(message) -> None:
    """One line on stderr: what the user typed (or a host sent) is shown with its control characters,
    line separators and bidi overrides escaped, so an error is always exactly one line."""
    print(f"{PROG}: {clean(message)}", file=sys.stderr)


def _emit(data) -> None:
    _say(json.dumps(data, indent=2, ensure_ascii=False))


def _connect(target: str | None, ns):
    return connect(target or session.default_target(), **grammar.winrm_options(ns))


def _invocation(ns) -> Invocation:
    """What the printed next steps must repeat so they reach the same host the same way."""
    return Invocation(grammar.winrm_options(ns))


def cmd_check(ns) -> int:
    checked = check_targets(ns.targets, ns.vms or None, **grammar.winrm_options(ns))
    reports = checked.hosts if isinstance(checked, FleetReport) else [checked]
    for report in reports:
        report.details = ns.details          # --details: every check of every VM, in a fleet too
        if report.error is not None:
            _complain(report.error)
    if ns.json:
        _emit(checked.to_dict())
    elif isinstance(checked, FleetReport):
        _say(_strict_fleet(text.render_fleet(checked, quiet=ns.quiet, invocation=_invocation(ns)), reports, ns.strict))
    elif checked.error is None:
        _say(_strict_verdict(text.render_report(checked, quiet=ns.quiet, details=ns.details, invocation=_invocation(ns)),
                            checked, ns.strict))
    return max(_check_status(report, ns.strict) for report in reports)


def _strict_warnings(report: Report, strict: bool) -> list[str]:
    """The warnings that make a READY report exit 1 under ``--strict`` (none without --strict)."""
    if not strict or report.verdict != READY:
        return []
    return [c.id for c in report.checks if c.status == WARN]


def _strict_verdict(shown: str, report: Report, strict: bool) -> str:
    """Under ``--strict`` a READY host with warnings exits 1, so its ``Verdict:`` line says so instead of a
    bare READY (``--quiet`` prints no WARN lines, so the verdict line is all the reader sees)."""
    warned = _strict_warnings(report, strict)
    if not warned:
        return shown
    note = (f" with {len(warned)} warning{'s' if len(warned) > 1 else ''} ({', '.join(warned[:5])}"
            f"{', ...' if len(warned) > 5 else ''}): not ready under --strict (exit 1)")
    lines = shown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("Verdict: READY"):
            lines[i] = line + note
            return "\n".join(lines)
    return shown + f"\nStrict: READY{note}"


def _strict_fleet(shown: str, reports: list[Report], strict: bool) -> str:
    """A fleet's READY hosts with warnings, named on one line when ``--strict`` makes them exit 1."""
    warned = [report.target for report in reports if _strict_warnings(report, strict)]
    if not warned:
        return shown
    head, sep, rest = shown.partition("\n")
    if head.endswith(": READY"):      # the fleet's verdict line says what the exit status will say
        shown = f"{head} ({len(warned)} with warnings: not ready under --strict){sep}{rest}"
    return shown + (f"\nStrict: {len(warned)} READY host(s) have warnings and are not ready under --strict "
                    f"(exit 1): {', '.join(warned[:10])}{', ...' if len(warned) > 10 else ''}")


def _check_status(report: Report, strict: bool) -> int:
    if report.verdict == ERROR:
        return 2
    if report.verdict != READY:
        return 1
    if strict and any(c.status == WARN for c in report.checks):
        return 1
    return 0


def _ask(plan) -> bool:
    _say(text.render_plan(plan))
    try:
        answer = input(f"Apply these {len(plan.changes)} change(s) to {plan.vm} on {plan.host_name}? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _progress(change, status: str, message: str) -> None:
    """Each change on stderr as it starts and ends (a failure is said once, after the apply)."""
    if status == "running":
        _complain(f"{change.id} on {change.target}: running")
    elif status == "done":
        _complain(f"{change.id} on {change.target}: done" + (f" ({message})" if message not in ("", "done") else ""))


def cmd_enable(ns) -> int:
    host = _connect(ns.target, ns)
    plan = host.plan_enable(ns.vm, **grammar.enable_options(ns))
    if ns.dry_run:
        if ns.json:
            _emit(host.dry_run(plan).to_dict())
        else:
            _say(text.render_plan(plan))
            if plan.refused is None and plan.changes:
                _say(DRY_RUN_DONE + (" (--dry-run wins over --yes)" if ns.yes else ""))
        return 1 if plan.refused else 0
    watch = None if host.kind == "mock" else _progress     # a real host's steps take minutes: say each one
    if ns.yes or plan.refused is not None or not plan.changes:
        result = plan.apply(confirm=True, progress=watch)
    elif sys.stdin is not None and sys.stdin.isatty():
        result = plan.apply(confirm=_ask, progress=watch)
    else:
        result = host.decline(plan, NO_CONSENT)
    if result.failed is not None:
        _complain(result.failed.message)
    if ns.json:
        _emit(result.to_dict())
    else:
        _say(text.render_apply(result, invocation=Invocation.for_vm(ns.vm, grammar.winrm_options(ns))))
        if host.kind == "mock" and result.applied:
            _say("Note: a mock host is simulated, and its changes last for this command only "
                  "(in a notebook or a Python session, for as long as the kernel runs).")
    vm_ready = result.after is not None and all(v["verdict"] == READY for v in result.after.vms)
    return 0 if result.failed is None and vm_ready else 1


def cmd_tree(ns) -> int:
    tree = _connect(ns.target, ns).tree()
    if ns.json:
        _emit(tree.to_dict())
    else:
        _say(text.render_tree(tree))
    return 0


def cmd_vm(ns) -> int:
    host = _connect(ns.target, ns)
    result = host.vm(ns.action, ns.path, **grammar.vm_options(ns))
    if not result.ok:       # Hyper-V's message, once, on stderr
        _complain(result.message)
    if ns.json:
        _emit(result.to_dict())
    elif result.ok:
        _say(text.render_action(result))
    return 0 if result.ok else 1


COMMANDS = {"check": cmd_check, "enable": cmd_enable, "tree": cmd_tree, "vm": cmd_vm}


def _words(argv: list[str] | None) -> list[str]:
    words = list(sys.argv[1:] if argv is None else argv)
    return words[:words.index("--")] if "--" in words else words


def _asks_json(argv: list[str] | None) -> bool:
    """``--json`` on a line argparse refused: the reader still expects one JSON document."""
    return "--json" in _words(argv)


def _given_target(words: list[str]) -> str | None:
    """The first ``-t``/``--target`` on a line argparse may have refused (best effort, for the error document)."""
    for i, word in enumerate(words):
        if word in ("-t", "--target") and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--target="):
            return word.split("=", 1)[1]
        if word.startswith("-t") and len(word) > 2 and not word.startswith("--"):
            return word[2:]
    return None


def _error_document(exc: NestedMagicsError, ns, argv: list[str] | None) -> dict:
    """contracts §6's error document, ``{"target", "verdict": "error", "error"}``, for every command (check's
    is the contract; enable and vm add the keys of their own document that are known, with nothing done)."""
    words = _words(argv)
    if ns is not None:
        target = getattr(ns, "target", None) or (getattr(ns, "targets", None) or [None])[0]
        command = ns.command
    else:
        target = _given_target(words)
        command = next((word for word in words if word in COMMANDS), None)
    try:
        target = target or session.default_target()
    except NestedMagicsError:
        target = target or "mock"
    doc = {"target": target, "verdict": ERROR, "error": str(exc)}
    if command == "enable":
        doc.update(vm=getattr(ns, "vm", None), plan=[], applied=[], failed=None, after=None)
    elif command == "vm":
        doc.update(action=getattr(ns, "action", None), vm=getattr(ns, "path", None), ok=False, message=str(exc))
    return doc


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    _complain(f"warning: {message}")


def main(argv: list[str] | None = None) -> int:
    warnings.showwarning = _one_line_warning
    parser = build_parser()
    try:
        ns = parser.parse_args(argv)
        if ns.command is None:
            parser.print_help()
            return 2
        return COMMANDS[ns.command](ns)
    except SystemExit as exc:      # --help has been printed: a status to return, never an exception to the caller
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except NestedMagicsError as exc:
        _complain(exc)
        parsed = locals().get("ns")
        if (getattr(parsed, "json", False) if parsed is not None else _asks_json(argv)):
            _emit(_error_document(exc, parsed, argv))
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
