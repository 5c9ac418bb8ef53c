"""One line for each way a WinRM call fails, naming the host and the next step."""


from __future__ import annotations

import socket
from urllib.parse import urlsplit

from nested_magics.backends.powershell.clixml import one_line
from nested_magics.backends.powershell.payload import language_mode_refusal
from nested_magics.errors import TargetError

from nested_magics.backends.winrm.target import PASSWORD_ENV, WinRMOptions


class Deadline(Exception):
    """The wall-clock deadline of one call passed."""


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


def message_for(exc: Exception, o: WinRMOptions) -> str:
    """One line naming the host and the next step; library text is quoted only where it is safe."""
    import requests.exceptions as rx
    from winrm import exceptions as wx

    host, address = o.host, o.address
    if isinstance(exc, (Deadline, rx.ReadTimeout, wx.WinRMOperationTimeoutError)):
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
        return _connection_message(exc, o)
    if isinstance(exc, wx.InvalidCredentialsError):
        extra = " (and that Basic auth is enabled on the host)" if o.transport == "basic" else ""
        return (f"{host} rejected the credentials for {o.username}: check the user name and "
                f"{PASSWORD_ENV}{extra}{_uac_hint(o, '; ')}")
    if isinstance(exc, wx.WSManFaultError):
        code = exc.wsman_fault_code or exc.fault_subcode or exc.code
        reason = one_line(exc.reason or '', 240)
        if exc.wsman_fault_code == ACCESS_DENIED or "access is denied" in reason.lower():
            return (f"{host} answered with WinRM fault {code}: {reason.rstrip('.')}. By default only the host's "
                    f"Administrators may connect (`winrm configSDDL default` shows who may){_uac_hint(o, '; ')}")
        return f"{host} answered with WinRM fault {code}: {reason} (check the WinRM service on the host and try again)"
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


ACCESS_DENIED = 5   # ERROR_ACCESS_DENIED as a WS-Management fault code


def script_failure(host: str, exit_code: int, detail: str, stderr: bytes | str = b"") -> str:
    """One line for a script that ran and failed on ``host`` (``detail``: its cleaned stderr)."""
    return (language_mode_refusal(host, exit_code, stderr)
            or f"the script failed on {host} (exit code {exit_code}): {detail}")


def _uac_hint(o: WinRMOptions, lead: str) -> str:
    """For a local account: UAC remote restrictions (real-hosts.md §8, KB951016). A local administrator other than
    the built-in one gets a filtered token over the network, so WinRM refuses it until the host sets
    LocalAccountTokenFilterPolicy=1 (pywinrm #188: a 401, "credentials rejected")."""
    user = o.username or ""
    domain, slash, name = user.rpartition("\\")
    local = "@" not in user and (not slash or domain == "." or domain.lower() == o.host.split(".")[0].lower())
    if not local or (name or user).lower() == "administrator":
        return ""
    return (f"{lead}a local account other than the built-in Administrator also needs UAC remote restrictions lifted "
            "on the host: LocalAccountTokenFilterPolicy = 1 (DWORD) under "
            "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System (for every local account), "
            "or use a domain account")


def _refused(o: WinRMOptions) -> str:
    """Connection refused: what listens where (real-hosts.md §8). Enable-PSRemoting (Set-WSManQuickConfig) makes
    only an HTTP listener on 5985; HTTPS needs a certificate in LocalMachine\\My for Server Authentication, a
    listener made by hand and a firewall rule. Over HTTP, NTLM and Kerberos encrypt each message (pywinrm's
    message encryption); TrustedHosts is a Windows client's setting, which pywinrm does not read (inference)."""
    parts = urlsplit(o.endpoint)
    port, host = parts.port, (f"[{o.host}]" if ":" in o.host else o.host)
    if parts.scheme == "https":
        port_option = "" if port == 5986 else f" -Port {port}"
        return (f"cannot reach {o.address} (connection refused): no WinRM HTTPS listener answers there, and "
                "Enable-PSRemoting makes only an HTTP one, on 5985. Either connect to "
                f"http://{host}:5985/wsman with --transport ntlm (the default) or kerberos, which encrypt every "
                "message (no TrustedHosts entry needed: that is a setting of Windows clients), or give the host an "
                "HTTPS listener: with a Server Authentication certificate in Cert:\\LocalMachine\\My, run "
                "`New-Item -Path WSMan:\\localhost\\Listener -Transport HTTPS -Address * -CertificateThumbprint "
                f"<thumbprint>{port_option} -Force` and `New-NetFirewallRule -DisplayName 'WinRM HTTPS' -Direction "
                f"Inbound -Protocol TCP -LocalPort {port} -Action Allow`")
    if port == 5985:
        return (f"cannot reach {o.address} (connection refused): no WinRM listener there: on the host, in an elevated "
                "PowerShell, run `Enable-PSRemoting` (it makes the HTTP listener on 5985 and its firewall rule; on a "
                "Windows client whose network is Public add -SkipNetworkProfileCheck), or check the host name")
    return (f"cannot reach {o.address} (connection refused): nothing listens on port {port}; `Enable-PSRemoting` "
            f"makes WinRM's HTTP listener on 5985: check the port, or connect to http://{host}:5985/wsman")


def _connection_message(exc: Exception, o: WinRMOptions) -> str:
    host, address = o.host, o.address
    causes = list(_causes(exc))
    names = {c.__class__.__name__ for c in causes}
    if any(isinstance(c, socket.gaierror) for c in causes) or "NameResolutionError" in names:
        return f"cannot resolve {host} (unknown host name): check the spelling or use the host's IP address"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return _refused(o)
    if any(isinstance(c, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)) for c in causes) or (
        "ProtocolError" in names
    ):
        return (f"{address} closed the connection without answering: check that this port is a WinRM listener "
                "and that http/https matches it, then try again")
    if any(isinstance(c, TimeoutError) for c in causes):
        return f"cannot reach {address} (timed out connecting): check the host name, the port and the firewall"
    return f"cannot reach {address}: check the host name, the port and the network"

