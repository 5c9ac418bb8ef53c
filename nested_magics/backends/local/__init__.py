"""The ``local`` target (contracts §1, §7): this machine itself, through its own Windows PowerShell.

Lab users run Jupyter on the Hyper-V host, or inside the VM they want to nest in; ``local`` reaches that
machine with the same scripts and stdin payload as WinRM, without listeners, certificates or credentials.
"""

from __future__ import annotations

from ...errors import UsageProblem

NAME = "local"
WINRM_ONLY = ("user", "username", "transport", "ca_file", "no_verify", "insecure")


def claims(target: str) -> bool:
    return target.strip().lower() == NAME


def key(target: str, **options) -> str:
    return NAME


def open_target(target: str, password_provider=None, guest_user: str | None = None, guest_password_provider=None,
                timeout: float | None = None, apply_timeout: float | None = None, **options):
    from ..powershell.backend import PowerShellBackend
    from .runner import LocalRunner, find_powershell

    given = [name for name in WINRM_ONLY if options.get(name) not in (None, False)]
    if given:
        raise UsageProblem(f"--{given[0].replace('_', '-')} is a WinRM option; local runs as the account running "
                           "this kernel or command, on this machine")
    return PowerShellBackend(target, LocalRunner(find_powershell(), timeout), "local", guest_user,
                             guest_password_provider, apply_timeout=apply_timeout)
