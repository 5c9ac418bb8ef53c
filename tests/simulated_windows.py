"""The remote program behind the loopback WinRM server: a Windows host played by the simulator.

It recovers each script the backend sends (the loader on the command line, then parameters and
script over stdin), checks it is one of the bundled .ps1 files, and answers it the way that script
would on a real host, from the Hyper-V simulator. So the whole real path runs in tests.
"""

from __future__ import annotations

import json

from nested_magics.backends.mock.simulator import Simulator
from nested_magics.backends.powershell.backend import script
from nested_magics.backends.powershell.payload import decode_payload, loader_text
from nested_magics.errors import ActionRefused
from nested_magics.model.facts import HostFacts

from loopback_winrm import clixml_error
from twin_actions import ActionTwin
from twin_commands import interpret, shown
from twin_facts import Conditions, FactsTwin, ScriptFailed
from twin_guest import GuestSteps
from twin_language_mode import loader_under_clm

GUEST_STEPS = {"install-hyperv", "guest-nat"}   # enable.ps1 refuses these: they need PowerShell Direct


class SimulatedWindowsHost:
    """Call it as the loopback server's handler: (command_line, stdin) -> (stdout, stderr, exit code)."""

    def __init__(self, facts: HostFacts, guest_credentials: tuple[str, str] | None = None, faults=None,
                 conditions: Conditions | None = None, language_mode: str | None = None):
        self.simulator = Simulator(facts, faults)
        self.conditions = conditions or Conditions()    # how this Windows host differs from a healthy one
        if language_mode is not None:                   # e.g. "ConstrainedLanguage" (an AppLocker or WDAC policy)
            self.conditions.language_mode = language_mode
        self.cmdlet_calls: list[int] = []               # host-side cmdlet calls of each facts run
        self.guest = GuestSteps(self.conditions.booting)
        self.guest_credentials = guest_credentials   # what PowerShell Direct accepts inside every guest
        self.operations: list[str] = []
        self.scripts: list[str] = []
        self.params: list[dict] = []
        self.ran: list[str] = []        # each enable command as the user was shown it, in the order run
        self.actions = ActionTwin()     # vm-action: its guests' Shutdown services, and each command it ran

    def __call__(self, command_line: str, stdin: bytes) -> tuple[bytes, bytes, int]:
        if command_line.strip() != loader_text().strip():
            return b"", clixml_error("unexpected command line: not the nested-magics loader"), 1
        stopped = loader_under_clm(command_line, self.conditions.language_mode)   # the loader's own text decides
        if stopped is not None:
            return b"", clixml_error(stopped[0]), stopped[1]
        text, params = decode_payload(stdin)
        operation = text.splitlines()[0].removeprefix("# nested-magics:").strip()
        if text != script(operation):
            return b"", clixml_error(f"script for {operation} is not the bundled one"), 1
        self.operations.append(operation)
        self.scripts.append(text)
        self.params.append(params)
        try:
            document = getattr(self, "_" + operation.replace("-", "_"))(params)
        except ActionRefused as refused:
            return b"", clixml_error(str(refused)), 1
        return json.dumps(document, ensure_ascii=False).encode("utf-8"), b"", 0

    def _facts(self, params: dict) -> dict:
        """facts.ps1 as Windows would run it: its own queries, read from the text sent (twin_facts)."""
        twin = FactsTwin(self.simulator.gather(), self.conditions, self.guest_credentials)
        try:
            document = twin.answer(self.scripts[-1], params)
        except ScriptFailed as failed:
            raise ActionRefused(str(failed)) from None
        finally:
            self.cmdlet_calls.append(twin.cmdlet_calls)
        return document

    def _enable(self, params: dict) -> dict:
        """Each change is judged from its command (twin_commands), not from its id; what ran is recorded as the
        text the user would have been shown for it."""
        results = []
        direct = self._direct(params)
        for item in params["changes"]:
            try:
                change = interpret(item["command"], item.get("values") or {}, self.simulator)
                self.ran.append(shown(item["command"], item.get("values") or {}))
                if change.id in GUEST_STEPS and not params.get("guest_user"):
                    raise ActionRefused("this step runs inside the VM through PowerShell Direct and needs "
                                        "guest credentials: pass --guest-user")
                if change.id in GUEST_STEPS and not direct:
                    raise ActionRefused("The credential is invalid.")
                if change.id in GUEST_STEPS:      # waits, sessions and restarts as a real host has them
                    message = self.guest.run(change, item["command"], item.get("values") or {}, self.simulator)
                else:
                    self.simulator.apply_change(change)
                    message = "done"
                if change.id == "start-vm":       # a guest just started is still booting (real-hosts.md §2)
                    self.conditions.booting.add(change.params["vm"])
            except ActionRefused as refused:
                results.append({"id": item["id"], "ok": False, "message": str(refused)})
                break
            results.append({"id": item["id"], "ok": True, "message": message})
        return {"results": results}

    def _direct(self, params: dict) -> bool:
        """Does PowerShell Direct accept the guest credentials these parameters carry?"""
        given = (params.get("guest_user"), params.get("guest_password"))
        return self.guest_credentials is not None and given == self.guest_credentials

    def _vm_action(self, params: dict) -> dict:
        """vm-action.ps1 runs the one command it is sent: the twin runs that text (twin_actions), not the action's
        name, so a command that addresses a VM by name acts on every VM of that name, as Hyper-V does."""
        return self.actions.answer(self.scripts[-1], params, self.simulator)
