"""A real Hyper-V host, through the bundled .ps1 scripts run by a Runner (WinRM today; this machine next).

One PowerShell invocation per operation: ``facts`` gathers the whole host-facts document, ``enable``
applies a plan given as data, ``vm-action`` runs one VM action. The runner owns the connection, the
deadline and the secrets; this module only knows the scripts and what they return.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

from ...errors import FactsError, TargetError, UsageProblem
from ...load import load_facts
from ...model.facts import HostFacts
from ...model.plan import Change, Refusal
from ...model.results import ActionResult
from ..base import VMPath
from . import actions
from .shape import shape_document
from ...model.sizes import size_option
from ...vocabulary import NEW_VM_MEMORY, VM_ACTION

GUEST_PASSWORD_ENV = "NESTED_MAGICS_GUEST_PASSWORD"
GUEST_STEPS = ("install-hyperv", "guest-nat")   # run inside the VM through PowerShell Direct
DEFAULT_APPLY_MINUTES = 30.0     # a graceful shutdown, a role install and two restarts fit with room to spare
DEADLINE_SLACK = 0.25            # seconds: a call that failed this close to the apply deadline was cut by it


class Runner(Protocol):
    """Runs one bundled script with its parameters on a host and returns the JSON document it printed."""

    host: str            # for messages
    invocations: int     # PowerShell invocations so far

    def run_json(self, script: str, params: Mapping | None = None, *, timeout: float | None = None) -> Any: ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


@lru_cache(maxsize=None)
def script(operation: str) -> str:
    """The text of ``scripts/<operation>.ps1``; its first line names the operation."""
    return resources.files(__package__).joinpath(f"scripts/{operation}.ps1").read_text(encoding="utf-8")


def _guest_password_from_env_or_prompt(user: str | None):
    def provide() -> str:
        import getpass
        import os

        return os.environ.get(GUEST_PASSWORD_ENV) or getpass.getpass(f"Password for {user} inside the VMs: ")

    return provide


class PowerShellBackend:
    """A Hyper-V host reached by running the bundled scripts through a Runner (WinRM, or this machine)."""

    def __init__(self, target: str, runner: Runner, kind: str, guest_user: str | None = None,
                 guest_password_provider=None, apply_timeout: float | None = None):
        self.target = target
        self.kind = kind
        self.label = {"winrm": "WinRM", "local": "the local PowerShell"}.get(kind, kind)
        self.runner = runner
        if apply_timeout is not None and not apply_timeout > 0:
            raise UsageProblem(f"--apply-timeout {apply_timeout:g}: give a positive number of minutes")
        self.apply_timeout = (apply_timeout or DEFAULT_APPLY_MINUTES) * 60.0     # seconds
        self.guest_user = guest_user
        self._guest_password = guest_password_provider or _guest_password_from_env_or_prompt(guest_user)

    @property
    def invocations(self) -> int:
        return self.runner.invocations

    @property
    def http_requests(self) -> int:
        return getattr(self.runner, "http_requests", 0)

    def facts(self, guests: list[str] | tuple[str, ...] = ()) -> HostFacts:
        """The host's facts in one invocation; PowerShell Direct only into ``guests`` (the VMs being checked or
        changed), and only when guest credentials were given."""
        params: dict = {}
        wanted = sorted({"*" if g == "*" else VMPath.parse(g).parts[0] for g in guests if isinstance(g, str) and g.strip()})
        if wanted and self.guest_user:
            params = {"guest_vms": wanted, **self._guest_params()}
        document = shape_document(self.runner.run_json(script("facts"), params), self.runner.host)
        try:
            return load_facts(document)
        except FactsError as exc:
            raise TargetError(f"{self.runner.host}: the facts it returned do not fit the schema ({exc}); "
                              "is nested-magics' facts.ps1 up to date on this version?") from None

    def _guest_params(self) -> dict:
        """Guest credentials travel in the encrypted parameter block, never in script text or output."""
        return {"guest_user": self.guest_user, "guest_password": self._guest_password()}

    def host_for(self, path: str) -> HostFacts:
        if VMPath.parse(path).nested:
            raise UsageProblem(f"{path}: VMs inside a VM need PowerShell Direct into it, which nested-magics does "
                               "not do over WinRM yet; use the VM's own name on its own host")
        return self.facts(guests=[path])

    def apply_changes(self, changes: list[Change], progress=None) -> tuple[list[Change], Refusal | None]:
        """One invocation per change, in order, under the apply deadline (--apply-timeout): a graceful shutdown
        and a role install take minutes, far past a check's --timeout; each change reports as it ends."""
        applied: list[Change] = []
        deadline = time.monotonic() + self.apply_timeout
        for index, change in enumerate(changes):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return applied, Refusal(change.id, self._past_deadline(f"before {change.id} started", changes[index:]))
            if progress:
                progress(change, "running", "")
            # What runs is the change's command, the text the user was shown, with its values bound as data.
            payload: dict = {"changes": [{"id": change.id, "command": change.command, "values": change.values}]}
            if self.guest_user and change.id in GUEST_STEPS:
                payload.update(self._guest_params())
            try:
                document = self.runner.run_json(script("enable"), payload, timeout=remaining)
            except TargetError as exc:          # the call itself failed (deadline, connection): say what ran
                message = str(exc)
                if time.monotonic() >= deadline - DEADLINE_SLACK:   # the call was cut at the apply deadline
                    message = self._past_deadline(f"while {change.id} was running (it may be partly done)",
                                                  changes[index + 1:])
                if progress:
                    progress(change, "failed", message)
                return applied, Refusal(change.id, message)
            results = document.get("results") if isinstance(document, dict) else None
            outcome = results[0] if isinstance(results, list) and results and isinstance(results[0], dict) else None
            if outcome is None:
                return applied, Refusal(change.id, f"{self.runner.host}: enable returned no result for {change.id}; "
                                                   "check the host's state with nested-magics check before running "
                                                   "enable again")
            if not outcome.get("ok"):
                message = str(outcome.get("message") or "failed")
                if progress:
                    progress(change, "failed", message)
                return applied, Refusal(change.id, message)
            applied.append(change)
            if progress:
                progress(change, "done", str(outcome.get("message") or ""))
        return applied, None

    def _past_deadline(self, when: str, not_run: list[Change]) -> str:
        """The apply deadline passed: when, which changes did not run, and the next step (what was applied before
        it is added by the caller)."""
        seconds = self.apply_timeout
        limit = f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:.3g} s"
        rest = ", ".join(c.id for c in not_run) or "none"
        return (f"the apply deadline of {limit} (--apply-timeout) passed on {self.runner.host} {when}; not run: "
                f"{rest}; check the host with nested-magics check and pass a larger --apply-timeout MINUTES")

    def vm_action(self, action: str, path: str, *, memory=None, start: bool = False, turn_off: bool = False,
                  size=None) -> ActionResult:
        if VMPath.parse(path).nested:
            raise UsageProblem(f"{path}: VMs inside a VM need PowerShell Direct into it, which nested-magics does "
                               f"not do over {self.label} yet")
        known = VM_ACTION.get(action)
        if known is None:
            raise UsageProblem(f"unknown VM action {action!r}: use one of {', '.join(VM_ACTION)}")
        if known.not_remote:
            raise UsageProblem(f"vm {action} is not available over {self.label} yet: {known.not_remote}")
        values: dict[str, Any] = {}
        if action == "new":
            values = {"Memory": size_option(memory) if memory is not None else NEW_VM_MEMORY, "Start": bool(start)}
        if action == "resize-memory":
            if size is None:
                raise UsageProblem("resize-memory needs a size: resize-memory PATH SIZE, e.g. resize-memory myVM 6GB")
            values = {"Size": size_option(size)}
        # Found once, exactly (no wildcards), then addressed by id; what runs is the text in actions.py.
        listed = self.runner.run_json(script("vm-action"), {"command": actions.LIST_VMS, "values": {}})
        if not isinstance(listed, dict) or not listed.get("ok"):
            return ActionResult(self.target, action, path, False, _said(listed))
        host = actions.listed_vms(listed.get("records"), self.runner.host)
        if action == "new":
            taken = actions.already_named(host, path)
            if taken:
                return ActionResult(self.target, action, path, False, taken)
            values["VMName"] = path
        else:
            values["VMId"] = actions.the_vm(host, path, action).id
        # A shutdown or a start can take minutes: it runs under the apply deadline, not a check's.
        document = self.runner.run_json(script("vm-action"), {"action": action, "vm": path, "values": values,
                                                              "command": actions.command(action, turn_off=turn_off)},
                                        timeout=self.apply_timeout)
        ok = isinstance(document, dict) and bool(document.get("ok"))
        return ActionResult(self.target, action, path, ok, _said(document))

    def describe(self) -> str:
        return self.runner.describe()

    def close(self) -> None:
        self.runner.close()

    def __repr__(self) -> str:
        return f"<PowerShellBackend {self.kind} {self.runner.host}>"


def _said(document: Any) -> str:
    """The message a vm-action step printed."""
    return str(document.get("message") or "") if isinstance(document, dict) else "no answer"
