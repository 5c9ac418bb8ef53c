"""Run one PowerShell script with parameters on a Hyper-V host over WinRM, the way Ansible does.

Why this shape (shared/reference/winrm.md §2, §6): pywinrm's ``Session.run_ps`` hits cmd.exe's
8191-character limit, garbles non-ASCII output, opens a shell per call and can wait forever.  So this
uses the low-level ``Protocol``: one shell per transport (codepage 65001), a short constant loader as
``-EncodedCommand``, the script and its parameters over stdin, our own wall-clock deadline, and
``cleanup_command`` on every path.  Values never enter script text: they travel as one base64 JSON
block.  pywinrm and requests are imported lazily so that loading the extension stays light.
"""

from __future__ import annotations

import base64
import binascii
import functools
import getpass
import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from urllib.parse import urlsplit

from nested_magics.backends.clixml import clean_stderr, one_line
from nested_magics.errors import TargetError, UsageProblem

TRANSPORTS = ("ntlm", "kerberos", "basic", "credssp", "certificate")
HTTPS_PORT, HTTP_PORT = 5986, 5985
PASSWORD_ENV = "NESTED_MAGICS_PASSWORD"
STDIN_CHUNK = 64 * 1024  # fits MaxEnvelopeSizekb even on old hosts (winrm.md §6)
MAX_OPERATION_TIMEOUT = 20  # WS-Man OperationTimeout: how long one Receive may wait on the host
CLEANUP_GRACE = 2.0  # seconds allowed for Signal/Delete once a call has failed or run out of time
SHELL_NOT_FOUND = 2150858843  # 0x8033805B: the host no longer knows the shell (restart, idle time-out)
QUOTA_EXCEEDED = 0x803381A6  # MaxConcurrentOperationsPerUser reached in this shell (ansible PR #83656)
_HOST_NAME = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?")
_OPTION_NAMES = {"user", "username", "transport", "ca_file", "no_verify", "verify", "insecure", "timeout"}


# -- target and options -----------------------------------------------------------------------------


@dataclass
class WinRMOptions:
    """Where and how to connect; deliberately has no password field, so no repr can show one."""

    endpoint: str
    host: str
    username: str | None
    transport: str = "ntlm"
    ca_file: str | None = None
    verify: bool = True
    insecure: bool = False
    timeout: float = 60.0
    warnings: list[str] = field(default_factory=list)  # for the front end to show (e.g. --no-verify)

    @property
    def address(self) -> str:
        """``HOST:PORT`` for messages about reaching the listener."""
        parts = urlsplit(self.endpoint)
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{parts.port}"


def parse_winrm_target(target: str, **options) -> WinRMOptions:
    """Parse ``HOST``, ``HOST:PORT`` or an http(s) URL plus WinRM options; refuse unsafe combinations early.

    Options (None means "not given"): ``user``, ``transport``, ``ca_file``, ``no_verify``, ``insecure``,
    ``timeout``.  Raises UsageProblem before anything is sent.
    """
    unknown = sorted(set(options) - _OPTION_NAMES)
    if unknown:
        raise UsageProblem(f"unknown WinRM option {unknown[0]!r}: use --user, --transport, --ca-file, --no-verify, "
                           "--insecure or --timeout")
    given = {name: value for name, value in options.items() if value is not None}
    scheme, host, port, path = _split_target(target)
    transport = str(given.get("transport", "ntlm")).lower()
    if transport not in TRANSPORTS:
        raise UsageProblem(f"unknown --transport {transport!r}: use one of {', '.join(TRANSPORTS)}")
    user = given.get("user", given.get("username")) or None
    verify = not given.get("no_verify", False) and given.get("verify", True) is not False
    insecure = bool(given.get("insecure", False))
    ca_file = given.get("ca_file") or None
    timeout = _positive_seconds(given.get("timeout", 60.0))
    if ca_file is not None and not os.path.isfile(ca_file):
        raise UsageProblem(f"--ca-file {ca_file}: no such file")
    if ca_file is not None and not verify:
        raise UsageProblem("--ca-file and --no-verify contradict each other: keep --ca-file")
    if transport in ("ntlm", "basic", "credssp") and not user:
        raise UsageProblem(f"--user is required for --transport {transport} (e.g. --user 'DOMAIN\\admin')")
    if transport == "certificate":
        raise UsageProblem("--transport certificate needs a client certificate and key, which no option supplies "
                           "yet: use --transport ntlm or kerberos")
    if scheme == "http" and transport == "basic" and not insecure:
        raise UsageProblem(f"refusing to send Basic credentials unencrypted over http to {host}: use an https "
                           "target, --transport ntlm or kerberos (encrypted), or --insecure on a lab network")
    bracketed = f"[{host}]" if ":" in host else host
    result = WinRMOptions(f"{scheme}://{bracketed}:{port}{path}", host, user, transport, ca_file, verify,
                          insecure, timeout)
    if scheme == "https" and not verify:
        result.warnings.append(f"certificate validation is off (--no-verify): anyone on the network path could "
                               f"pose as {host}; prefer --ca-file PATH")
    if scheme == "http" and transport == "basic":
        result.warnings.append(f"Basic over http (--insecure): the password and all traffic to {host} can be read "
                               "on the network")
    return result


def _split_target(target: str) -> tuple[str, str, int, str]:
    text = (target or "").strip()
    if not text:
        raise UsageProblem("empty WinRM target: give HOST, HOST:PORT or https://HOST:PORT/wsman")
    if "://" in text:
        try:
            parts = urlsplit(text)
        except ValueError as exc:   # e.g. an unclosed [IPv6 bracket
            raise UsageProblem(f"target {target!r} is not a valid URL ({exc}): use https://HOST:PORT/wsman") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise UsageProblem(f"target {target!r}: only http:// and https:// WinRM URLs are supported")
        if parts.username or parts.password:
            raise UsageProblem(f"target {parts.hostname}: put the user in --user and the password in {PASSWORD_ENV}, "
                               "never in the URL")
        try:
            port = parts.port
        except ValueError:
            raise UsageProblem(f"target {target!r}: the port must be a number from 1 to 65535") from None
        host, path = parts.hostname or "", parts.path or "/wsman"
        port = port or (HTTPS_PORT if scheme == "https" else HTTP_PORT)
    else:
        scheme, path = "https", "/wsman"
        bracket = re.fullmatch(r"\[([^\]]+)\](?::(\d*))?", text)
        if bracket:
            host, port_text = bracket.group(1), bracket.group(2)
        elif text.count(":") > 1:
            host, port_text = text, None
        else:
            host, _, port_text = text.partition(":")
            port_text = port_text if ":" in text else None
        port = _port(target, port_text)
    if not _valid_host(host):
        raise UsageProblem(f"target {target!r}: {host or 'the host'!s} is not a host name or IP address")
    return scheme, host, port, path


def _port(target: str, text: str | None) -> int:
    if text is None:
        return HTTPS_PORT
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UsageProblem(f"target {target!r}: the port must be a number from 1 to 65535")
    return int(text)


def _valid_host(host: str) -> bool:
    if ":" in host:
        try:
            socket.inet_pton(socket.AF_INET6, host)
            return True
        except OSError:
            return False
    return bool(_HOST_NAME.fullmatch(host))


def _positive_seconds(value) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds > 0 or seconds == float("inf"):
        raise UsageProblem(f"--timeout {value}: give a positive number of seconds")
    return seconds


# -- payload ----------------------------------------------------------------------------------------


def encode_payload(script: str, params: Mapping) -> bytes:
    """Stdin for the loader: base64(UTF-8 JSON of params) and base64(UTF-8 script), one per line."""
    if not isinstance(params, Mapping):
        raise TypeError("params must be a mapping (it becomes one JSON object)")
    if not script:
        raise ValueError("empty script: nothing to run")
    data = json.dumps(dict(params), ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return base64.b64encode(data.encode("ascii")) + b"\n" + base64.b64encode(script.encode("utf-8")) + b"\n"


def decode_payload(stdin: bytes) -> tuple[str, dict]:
    """The inverse of encode_payload: (script, params).  Raises ValueError on anything else."""
    lines = [line.strip() for line in stdin.splitlines() if line.strip()]
    if len(lines) != 2:
        raise ValueError(f"expected 2 base64 lines, got {len(lines)}")
    try:
        params = json.loads(base64.b64decode(lines[0], validate=True).decode("utf-8"))
        script = base64.b64decode(lines[1], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(f"payload is not base64 UTF-8: {exc}") from None
    if not isinstance(params, dict):
        raise ValueError("the parameter block is not a JSON object")
    return script, params


@functools.lru_cache(maxsize=1)
def loader_text() -> str:
    """The constant PowerShell loader (nested_magics/powershell/loader.ps1)."""
    return (resources.files("nested_magics") / "powershell" / "loader.ps1").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def loader_arguments() -> tuple[str, ...]:
    """``powershell.exe`` arguments that run the loader; short enough for cmd's 8191 characters."""
    encoded = base64.b64encode(loader_text().encode("utf-16-le")).decode("ascii")
    return ("-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", encoded)


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


class _Deadline(Exception):
    """The wall-clock deadline of one call passed."""


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
    def run(self, script: str, params: Mapping | None = None) -> str:
        """Run ``script`` with ``params`` on the host; return its stdout.  Raises TargetError (one line)."""
        stdin = encode_payload(script, params or {})
        with self._lock:
            self.invocations += 1
            error = None
            try:
                stdout = self._run(stdin)
            except _ScriptFailed as failed:
                error = self._script_error(failed)
            except UsageProblem as problem:   # ours, already one line (e.g. no password and no terminal)
                error = problem
            except Exception as exc:  # noqa: BLE001 - every failure becomes one line naming the host
                error = self._describe(exc)
                self._reset(close_shell=self._worth_closing(exc))
        if error is not None:
            raise error from None
        return stdout.decode("utf-8", "replace").lstrip("\ufeff")

    def run_json(self, script: str, params: Mapping | None = None):
        """Run a script that prints one JSON document and return it parsed."""
        text = self.run(script, params).strip()
        candidates = [text] + [line for line in reversed(text.splitlines()) if line.strip()[:1] in ("{", "[")]
        for candidate in candidates:
            try:
                return json.loads(candidate)
            except ValueError:
                continue
        raise self._error(f"{self.options.host} returned {len(text)} characters that are not one JSON document "
                          "(cut short or mixed with other output): try again, or run the script on the host", 0)

    def close(self) -> None:
        """Delete the shell and close the HTTP session; the next run() reconnects."""
        with self._lock:
            self._reset(close_shell=True)

    # -- one call -----------------------------------------------------------------------------
    def _run(self, stdin: bytes) -> bytes:
        self._deadline = time.monotonic() + self.options.timeout
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
                raise _Deadline()
            protocol.operation_timeout_sec = max(1, min(MAX_OPERATION_TIMEOUT, int(remaining)))
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
            read_timeout_sec=operation + 10,
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
        message = f"the script failed on {self.options.host} (exit code {failed.exit_code}): {detail}"
        return self._error(message, failed.exit_code, detail)

    def _describe(self, exc: Exception) -> TargetError:
        return self._error(_message_for(exc, self.options))

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


# -- error messages ---------------------------------------------------------------------------------


def _causes(exc: BaseException):
    """The exception and everything it wraps (cause, context, urllib3 reasons, exception args)."""
    seen, stack = set(), [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [getattr(current, "reason", None), current.__cause__, current.__context__, *current.args]


def _message_for(exc: Exception, o: WinRMOptions) -> str:
    """One line naming the host and the next step; library text is quoted only where it is safe."""
    import requests.exceptions as rx
    from winrm import exceptions as wx

    host, address = o.host, o.address
    if isinstance(exc, (_Deadline, rx.ReadTimeout, wx.WinRMOperationTimeoutError)):
        return (f"{host} did not finish the call within the time limit ({o.timeout:g} s): the host may be busy or "
                "the script hung; try again or raise --timeout")
    if isinstance(exc, rx.SSLError):
        if any("CERTIFICATE_VERIFY_FAILED" in str(c) or c.__class__.__name__ == "SSLCertVerificationError"
               for c in _causes(exc)):
            return (f"cannot verify the TLS certificate of {address}: pass --ca-file PATH with the CA that issued "
                    "the host's certificate (or --no-verify on a lab host)")
        return (f"the TLS handshake with {address} failed: check that this port serves https (WinRM uses 5986) "
                "or give an http:// URL")
    if isinstance(exc, rx.ConnectTimeout):
        return f"cannot reach {address} (timed out connecting): check the host name, the port and the firewall"
    if isinstance(exc, rx.ConnectionError):
        return _connection_message(exc, host, address)
    if isinstance(exc, wx.InvalidCredentialsError):
        extra = " (and that Basic auth is enabled on the host)" if o.transport == "basic" else ""
        return (f"{host} rejected the credentials for {o.username}: check the user name and "
                f"{PASSWORD_ENV}{extra}")
    if isinstance(exc, wx.WSManFaultError):
        code = exc.wsman_fault_code or exc.fault_subcode or exc.code
        return (f"{host} answered with WinRM fault {code}: {one_line(exc.reason or '', 240)} "
                "(check the WinRM service on the host and try again)")
    if isinstance(exc, wx.WinRMTransportError):
        return (f"{host} answered HTTP {exc.code}: check that {o.endpoint} is a WinRM listener and that "
                f"{o.transport} authentication is enabled there")
    if isinstance(exc, wx.WinRMError) and "is not installed" in str(exc):
        return (f"{o.transport} authentication needs an extra package: pip install 'pywinrm[{o.transport}]', "
                f"then connect to {host} again")
    if isinstance(exc, wx.WinRMError):
        return f"WinRM to {host} failed: {one_line(str(exc), 240)}"
    if isinstance(exc, TargetError):
        return str(exc)
    return f"WinRM to {host} failed unexpectedly ({type(exc).__name__}): try again, and report it if it persists"


def _connection_message(exc: Exception, host: str, address: str) -> str:
    causes = list(_causes(exc))
    names = {c.__class__.__name__ for c in causes}
    if any(isinstance(c, socket.gaierror) for c in causes) or "NameResolutionError" in names:
        return f"cannot resolve {host} (unknown host name): check the spelling or use the host's IP address"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return (f"cannot reach {address} (connection refused): is WinRM listening? Run `Enable-PSRemoting` on the "
                "host or check the port")
    if any(isinstance(c, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)) for c in causes) or (
        "ProtocolError" in names
    ):
        return (f"{address} closed the connection without answering: check that this port is a WinRM listener "
                "and that http/https matches it, then try again")
    if any(isinstance(c, TimeoutError) for c in causes):
        return f"cannot reach {address} (timed out connecting): check the host name, the port and the firewall"
    return f"cannot reach {address}: check the host name, the port and the network"
