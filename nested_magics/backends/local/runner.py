"""A Runner for this machine: the loader through ``powershell.exe``, the payload on stdin (contracts §7).

The first ``powershell.exe`` on PATH, else %SystemRoot%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe. Each
call has a deadline; at it, the process tree is killed and the error says what timed out and how to raise it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from ...errors import TargetError
from ..powershell.clixml import clean_stderr
from ..powershell.payload import encode_payload, json_document, language_mode_refusal, loader_arguments

DEFAULT_TIMEOUT = 60.0
NOT_ELEVATED = ("run Jupyter (or the command) as an administrator, or join the local Hyper-V Administrators "
                "group and sign in again")


def find_powershell() -> str:
    """Windows PowerShell on this machine; TargetError (one line) where there is none."""
    found = shutil.which("powershell.exe") or shutil.which("powershell")
    if found:
        return found
    root = os.environ.get("SystemRoot")
    if root:
        candidate = Path(root) / "System32" / "WindowsPowerShell" / "v1.0" / "powershell.exe"
        if candidate.exists():
            return str(candidate)
    raise TargetError("local needs Windows PowerShell (powershell.exe), which this machine does not have; use "
                      "mock (a simulated host) or a WinRM target HOST")


class LocalRunner:
    """Runs each bundled script in a fresh ``powershell.exe -NoProfile -NonInteractive`` on this machine."""

    def __init__(self, executable: str, timeout: float | None = None):
        self.executable = executable
        self.timeout = float(timeout) if timeout else DEFAULT_TIMEOUT
        if self.timeout <= 0:
            raise TargetError(f"--timeout {timeout}: give a positive number of seconds")
        self.host = socket.gethostname() or "this computer"
        self.invocations = 0

    def run(self, script: str, params: Mapping | None = None, *, timeout: float | None = None) -> str:
        stdin = encode_payload(script, params or {})
        limit = timeout if timeout else self.timeout
        self.invocations += 1
        started = time.monotonic()
        try:
            process = subprocess.Popen([self.executable, *loader_arguments()], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            raise TargetError(f"{self.host}: could not start {self.executable}: {exc.strerror or exc}") from None
        try:
            stdout, stderr = process.communicate(stdin, timeout=limit)
        except subprocess.TimeoutExpired:
            self._kill(process)
            raise TargetError(f"{self.host}: the local PowerShell did not finish within {limit:g} s "
                              f"({time.monotonic() - started:.1f} s passed) and was stopped: raise --timeout, or "
                              "run the script in PowerShell to see where it waits") from None
        if process.returncode != 0:
            raise TargetError(self._failure(process.returncode, stderr))
        return stdout.decode("utf-8", "replace").lstrip("\ufeff")

    def run_json(self, script: str, params: Mapping | None = None, *, timeout: float | None = None):
        text = self.run(script, params, timeout=timeout).strip()
        document = json_document(text)
        if document is None:
            raise TargetError(f"{self.host}: the local PowerShell printed {len(text)} characters that are not one "
                              "JSON document: run the script in PowerShell to see what it prints")
        return document

    def _failure(self, code: int, stderr: bytes) -> str:
        message = clean_stderr(stderr) or "no message"
        refusal = language_mode_refusal(self.host, code, stderr)   # the loader's exit 3 (Constrained Language)
        if refusal:
            return refusal
        low = message.lower()
        if "required permission" in low or "access is denied" in low or "requires elevation" in low:
            return f"{self.host}: {message} ({NOT_ELEVATED})"
        return f"{self.host}: the local PowerShell failed (exit code {code}): {message}"

    @staticmethod
    def _kill(process: subprocess.Popen) -> None:
        """The whole tree: PowerShell may have started children (a cmdlet's helper, a nested shell)."""
        try:
            if os.name == "nt":
                subprocess.run(["taskkill", "/T", "/F", "/PID", str(process.pid)], capture_output=True, timeout=10)
            else:
                os.killpg(process.pid, 9)
        except (OSError, subprocess.SubprocessError):
            process.kill()
        process.communicate()

    def describe(self) -> str:
        return f"{self.host} (this computer, through {self.executable})"

    def close(self) -> None:
        pass
