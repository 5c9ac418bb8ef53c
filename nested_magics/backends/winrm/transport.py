"""WinRM as a PowerShell runner: one script with parameters on a Hyper-V host, the way Ansible does it.

Why this shape (shared/reference/winrm.md §2, §6): pywinrm's ``Session.run_ps`` hits cmd.exe's
8191-character limit, garbles non-ASCII output, opens a shell per call and can wait forever.  So this
uses the low-level ``Protocol``: one shell per transport (codepage 65001), the short constant loader as
``-EncodedCommand``, the script and its parameters over stdin, our own wall-clock deadline, and
``cleanup_command`` on every path.  pywinrm and requests are imported lazily so loading stays light.
"""


from __future__ import annotations

import dataclasses
import getpass
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping

from nested_magics.backends.powershell.clixml import clean_stderr
from nested_magics.errors import TargetError, UsageProblem

from nested_magics.backends.powershell.payload import encode_payload, json_document, loader_arguments
from nested_magics.backends.winrm.messages import Deadline, message_for, script_failure
from nested_magics.backends.winrm.target import PASSWORD_ENV, WinRMOptions

STDIN_CHUNK = 64 * 1024  # fits MaxEnvelopeSizekb even on old hosts (winrm.md §6)
MAX_OPERATION_TIMEOUT = 20  # WS-Man OperationTimeout: how long one Receive may wait on the host
READ_MARGIN = 10  # seconds an HTTP read may wait beyond the WS-Man OperationTimeout (pywinrm wants it longer)
CLEANUP_GRACE = 2.0  # seconds allowed for Signal/Delete once a call has failed or run out of time
SHELL_NOT_FOUND = 2150858843  # 0x8033805B: the host no longer knows the shell (restart, idle time-out)
QUOTA_EXCEEDED = 0x803381A6  # MaxConcurrentOperationsPerUser reached in this shell (ansible PR #83656)


def password_from_env_or_prompt(options: WinRMOptions) -> Callable[[], str]:
    """The default password provider: NESTED_MAGICS_PASSWORD, else an interactive getpass prompt."""

    def provide() -> str:
        value = os.environ.get(PASSWORD_ENV)
        if value:
            return value
        if not can_prompt():
            raise UsageProblem(f"no password for {options.username} on {options.host}: set {PASSWORD_ENV} "
                               "(there is no terminal to ask)")
        return getpass.getpass(f"Password for {options.username} on {options.host}: ")

    return provide


def can_prompt() -> bool:
    """A terminal, or a Jupyter kernel (ipykernel puts its own getpass in, which asks in the notebook)."""
    stdin_tty = sys.stdin is not None and hasattr(sys.stdin, "isatty") and sys.stdin.isatty()
    return stdin_tty or getattr(getpass.getpass, "__module__", "getpass") != "getpass"


# -- the transport ----------------------------------------------------------------------------------


class _Secret:
    """Holds the password; every printable form is masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


class _ScriptFailed(Exception):
    def __init__(self, exit_code: int, stdout: bytes, stderr: bytes):
        super().__init__(exit_code)
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr


class WinRMTransport:
    """One host, one reused WinRS shell; ``run`` executes a script with parameters under a deadline.

    Not for concurrent use from several threads at once: calls are serialized by a lock (NTLM and
    message encryption are bound to one connection).
    """

    def __init__(self, options: WinRMOptions, password_provider: Callable[[], str] | None = None):
        self.options = options
        self._password_provider = password_provider or password_from_env_or_prompt(options)
        self._secret: _Secret | None = None
        self._protocol = None
        self._shell_id: str | None = None
        self._deadline: float | None = None
        self._lock = threading.Lock()
        self.invocations = 0  # run() calls
        self.http_requests = 0  # HTTP requests actually sent, authentication round trips included
        self.shells_opened = 0

    @property
    def host(self) -> str:
        return self.options.host

    def describe(self) -> str:
        o = self.options
        return (f"WinRM host {o.address} as {o.username or '(no user)'}: "
                f"{self.invocations} PowerShell invocation(s), {self.http_requests} HTTP request(s) so far")

    def __repr__(self) -> str:
        o = self.options
        return (f"WinRMTransport(endpoint={o.endpoint!r}, username={o.username!r}, transport={o.transport!r}, "
                f"shell_open={self._shell_id is not None})")

    __str__ = __repr__

    def __enter__(self) -> "WinRMTransport":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- public calls -------------------------------------------------------------------------
    def run(self, script: str, params: Mapping | None = None, *, timeout: float | None = None) -> str:
        """Run ``script`` with ``params`` on the host; return its stdout.  Raises TargetError (one line).
        ``timeout`` is this call's deadline (seconds) instead of --timeout (applying a plan has its own)."""
        stdin = encode_payload(script, params or {})
        with self._lock:
            self.invocations += 1
            error = None
            try:
                stdout = self._run(stdin, timeout)
            except _ScriptFailed as failed:
                error = self._script_error(failed)
            except UsageProblem as problem:   # ours, already one line (e.g. no password and no terminal)
                error = problem
            except Exception as exc:  # noqa: BLE001 - every failure becomes one line naming the host
                error = self._describe(exc, timeout)
                self._reset(close_shell=self._worth_closing(exc))
        if error is not None:
            raise error from None
        return stdout.decode("utf-8", "replace").lstrip("\ufeff")

    def run_json(self, script: str, params: Mapping | None = None, *, timeout: float | None = None):
        """Run a script that prints one JSON document and return it parsed."""
        text = self.run(script, params, timeout=timeout).strip()
        document = json_document(text)
        if document is not None:
            return document
        raise self._error(f"{self.options.host} returned {len(text)} characters that are not one JSON document "
                          "(cut short or mixed with other output): try again, or run the script on the host", 0)

    def close(self) -> None:
        """Delete the shell and close the HTTP session; the next run() reconnects."""
        with self._lock:
            self._reset(close_shell=True)

    # -- one call -----------------------------------------------------------------------------
    def _run(self, stdin: bytes, timeout: float | None = None) -> bytes:
        self._deadline = time.monotonic() + (timeout or self.options.timeout)
        try:
            protocol, shell_id, command_id = self._start_command()
            try:
                for start in range(0, len(stdin), STDIN_CHUNK):
                    last = start + STDIN_CHUNK >= len(stdin)
                    protocol.send_command_input(shell_id, command_id, stdin[start : start + STDIN_CHUNK], end=last)
                stdout, stderr, exit_code = self._collect(protocol, shell_id, command_id)
            finally:
                self._quietly(lambda: protocol.cleanup_command(shell_id, command_id))
        finally:
            self._deadline = None
        if exit_code != 0:
            raise _ScriptFailed(exit_code, stdout, stderr)
        return stdout

    def _start_command(self):
        from winrm.exceptions import WSManFaultError

        protocol, shell_id = self._ensure_shell()
        try:
            return protocol, shell_id, self._command(protocol, shell_id)
        except WSManFaultError as fault:
            if fault.wsman_fault_code != SHELL_NOT_FOUND and fault.wmierror_code != QUOTA_EXCEEDED:
                raise
            quota = fault.wmierror_code == QUOTA_EXCEEDED
        # The host forgot the shell or it is used up: open a new one, once.  Nothing ran yet, so retrying is safe.
        if quota:
            self._quietly(lambda: protocol.close_shell(shell_id, close_session=False))
        self._shell_id = None
        protocol, shell_id = self._ensure_shell()
        return protocol, shell_id, self._command(protocol, shell_id)

    @staticmethod
    def _command(protocol, shell_id: str) -> str:
        return protocol.run_command(shell_id, "powershell.exe", loader_arguments(), console_mode_stdin=False)

    def _collect(self, protocol, shell_id: str, command_id: str) -> tuple[bytes, bytes, int]:
        from winrm.exceptions import WinRMOperationTimeoutError

        stdout, stderr = [], []
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise Deadline()
            # Never longer than the protocol was built for: its HTTP read timeout follows that (and --timeout).
            protocol.operation_timeout_sec = max(1, min(MAX_OPERATION_TIMEOUT, int(self.options.timeout), int(remaining)))
            try:
                out, err, exit_code, done = protocol.get_command_output_raw(shell_id, command_id)
            except WinRMOperationTimeoutError:
                continue  # still running: ask again while the deadline allows
            stdout.append(out)
            stderr.append(err)
            if done:
                return b"".join(stdout), b"".join(stderr), exit_code

    def _ensure_shell(self):
        if self._protocol is None:
            self._protocol = self._new_protocol()
        if self._shell_id is None:
            self._shell_id = self._protocol.open_shell(codepage=65001, noprofile=True)
            self.shells_opened += 1
        return self._protocol, self._shell_id

    def _new_protocol(self):
        from winrm.protocol import Protocol

        o = self.options
        if self._secret is None and o.transport not in ("kerberos", "certificate"):
            try:
                password = self._password_provider()
            except (EOFError, KeyboardInterrupt, OSError):
                password = None
            if not isinstance(password, str):
                raise TargetError(f"no password for {o.username} on {o.host}: set {PASSWORD_ENV}")
            self._secret = _Secret(password)
        operation = max(1, min(MAX_OPERATION_TIMEOUT, int(o.timeout)))
        protocol = Protocol(
            o.endpoint,
            transport=o.transport,
            username=o.username,
            password=self._secret.reveal() if self._secret else None,
            server_cert_validation="validate" if o.verify else "ignore",
            ca_trust_path=o.ca_file,
            operation_timeout_sec=operation,
            # Never shorter than the call's own deadline (each request is capped at what is left of it), so a
            # silent host is given the --timeout the user asked for, not operation + margin (issue 11).
            read_timeout_sec=max(operation + READ_MARGIN, o.timeout + 1),
            message_encryption="auto",
            proxy=None,
        )
        self._instrument(protocol.transport)
        return protocol

    # -- HTTP instrumentation: count requests, cap every wait at the call's deadline --------------
    def _instrument(self, transport) -> None:
        build_session, setup_encryption = transport.build_session, transport.setup_encryption

        def setup_encryption_counted(session):
            self._mount(session)  # the priming POST for message encryption is sent from here
            return setup_encryption(session)

        def build_session_counted():
            session = build_session()
            self._mount(session)
            return session

        transport.setup_encryption = setup_encryption_counted
        transport.build_session = build_session_counted

    def _mount(self, session) -> None:
        if not getattr(session, "_nested_magics_counted", False):
            adapter = _counting_adapter(self)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session._nested_magics_counted = True

    def _bounded(self, timeout):
        if self._deadline is None:
            return timeout
        remaining = max(0.05, self._deadline - time.monotonic())
        if timeout is None:
            return remaining
        if isinstance(timeout, tuple):
            return tuple(min(part, remaining) if part else remaining for part in timeout)
        return min(timeout, remaining)

    # -- failure handling ---------------------------------------------------------------------
    def _quietly(self, action) -> None:
        """Best effort within CLEANUP_GRACE: cleanup must never hide the real outcome."""
        saved = self._deadline
        self._deadline = time.monotonic() + min(CLEANUP_GRACE, self.options.timeout)
        try:
            action()
        except Exception:  # noqa: BLE001,S110 - a failed cleanup changes nothing for the caller
            pass
        finally:
            self._deadline = saved

    def _reset(self, *, close_shell: bool) -> None:
        protocol, shell_id = self._protocol, self._shell_id
        self._protocol = self._shell_id = None
        if protocol is None:
            return
        if close_shell and shell_id is not None:
            self._quietly(lambda: protocol.close_shell(shell_id, close_session=False))
        self._quietly(protocol.transport.close_session)

    @staticmethod
    def _worth_closing(exc: Exception) -> bool:
        """Delete the shell after a failure only when the host answered (a fault), not when it hung or vanished."""
        from winrm.exceptions import WSManFaultError

        return isinstance(exc, WSManFaultError)

    def _script_error(self, failed: _ScriptFailed) -> TargetError:
        detail = clean_stderr(failed.stderr) or clean_stderr(failed.stdout) or "no error text"
        message = script_failure(self.options.host, failed.exit_code, detail, failed.stderr)
        return self._error(message, failed.exit_code, detail)

    def _describe(self, exc: Exception, timeout: float | None = None) -> TargetError:
        options = dataclasses.replace(self.options, timeout=timeout) if timeout else self.options
        return self._error(message_for(exc, options))

    def _error(self, message: str, exit_code: int | None = None, detail: str | None = None) -> TargetError:
        """A TargetError carrying ``host``, ``exit_code`` (None: the call did not complete) and ``detail``."""
        error = TargetError(self._scrub(message))
        error.host, error.exit_code, error.detail = self.options.host, exit_code, self._scrub(detail or message)
        return error

    def _scrub(self, text: str) -> str:
        secret = self._secret.reveal() if self._secret else ""
        return text.replace(secret, "***") if len(secret) >= 3 else text


def _counting_adapter(owner: WinRMTransport):
    """A requests adapter that counts each HTTP request and bounds its timeout by the owner's deadline."""
    from requests.adapters import HTTPAdapter

    class CountingAdapter(HTTPAdapter):
        def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
            owner.http_requests += 1
            return super().send(request, stream=stream, timeout=owner._bounded(timeout), verify=verify, cert=cert,
                                proxies=proxies)

    return CountingAdapter()

