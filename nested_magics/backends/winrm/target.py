"""WinRM targets: ``HOST``, ``HOST:PORT`` or an http(s) URL, plus the connection options (contracts §1).

Unsafe combinations are refused here, before anything is sent.
"""


from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from nested_magics.errors import UsageProblem
from nested_magics.vocabulary import TRANSPORTS

HTTPS_PORT, HTTP_PORT = 5986, 5985
PASSWORD_ENV = "NESTED_MAGICS_PASSWORD"
_HOST_NAME = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?")
_OPTION_NAMES = {"user", "username", "transport", "ca_file", "no_verify", "verify", "insecure", "timeout"}




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

