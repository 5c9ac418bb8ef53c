"""One line for each way a WinRM call fails, naming the host and the next step."""


from __future__ import annotations

import socket

from nested_magics.backends.powershell.clixml import one_line
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


CLM_EXIT = 3    # loader.ps1's exit code when the host runs PowerShell in Constrained Language Mode


def script_failure(host: str, exit_code: int, detail: str) -> str:
    """One line for a script that ran and failed on ``host``."""
    if exit_code == CLM_EXIT and "Constrained Language" in detail:
        return (f"{host} runs PowerShell in Constrained Language Mode (an AppLocker or WDAC policy), where "
                "nested-magics' scripts cannot run: they need Full Language; ask the host's administrator for an "
                "exception, or check it from a session without that policy")
    return f"the script failed on {host} (exit code {exit_code}): {detail}"


def _connection_message(exc: Exception, host: str, address: str) -> str:
    causes = list(_causes(exc))
    names = {c.__class__.__name__ for c in causes}
    if any(isinstance(c, socket.gaierror) for c in causes) or "NameResolutionError" in names:
        return f"cannot resolve {host} (unknown host name): check the spelling or use the host's IP address"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        if address.endswith(":5986"):   # Enable-PSRemoting makes only the HTTP listener (Set-WSManQuickConfig docs)
            return (f"cannot reach {address} (connection refused): no HTTPS listener; Enable-PSRemoting makes only "
                    f"http on 5985. Either connect to http://{host}:5985/wsman (NTLM or Kerberos encrypt the "
                    "messages; the default --transport ntlm), or make an HTTPS listener on the host: "
                    "New-Item -Path WSMan:\\localhost\\Listener -Transport HTTPS -Address * -CertificateThumbprint "
                    "<thumbprint> -Force, and open TCP 5986 in its firewall")
        return (f"cannot reach {address} (connection refused): is WinRM listening there? On the host, elevated: "
                "Enable-PSRemoting (a client on a Public network: -SkipNetworkProfileCheck), or check the port")
    if any(isinstance(c, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)) for c in causes) or (
        "ProtocolError" in names
    ):
        return (f"{address} closed the connection without answering: check that this port is a WinRM listener "
                "and that http/https matches it, then try again")
    if any(isinstance(c, TimeoutError) for c in causes):
        return f"cannot reach {address} (timed out connecting): check the host name, the port and the firewall"
    return f"cannot reach {address}: check the host name, the port and the network"

