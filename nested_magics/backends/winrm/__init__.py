"""WinRM backend entry: host names and URLs (contracts §1), run through the PowerShell backend.

Light on purpose: pywinrm and requests load only when a host is actually contacted.
"""

from __future__ import annotations

import re
import warnings

from .target import parse_winrm_target

BACKEND_ONLY = ("password_provider", "guest_user", "guest_password_provider", "apply_timeout")
_HOST_SHAPE = re.compile(r"[^\s/\\@]+")   # its port and spelling are then judged by parse_winrm_target


def claims(target: str) -> bool:
    """A URL (parse_winrm_target says which schemes work), or a host name or address with an optional port."""
    text = target.strip()
    return "://" in text or bool(_HOST_SHAPE.fullmatch(text))


def key(target: str, **options) -> str:
    """One host per endpoint and user, so two users on one host are two sessions."""
    parsed = parse_winrm_target(target, **{k: v for k, v in options.items() if k not in BACKEND_ONLY})
    return f"winrm:{parsed.endpoint}|{parsed.username or ''}"


def open_target(target: str, password_provider=None, guest_user: str | None = None, guest_password_provider=None,
                apply_timeout: float | None = None, **options):
    from ..powershell.backend import PowerShellBackend
    from .transport import WinRMTransport

    parsed = parse_winrm_target(target, **options)
    backend = PowerShellBackend(target, WinRMTransport(parsed, password_provider), "winrm", guest_user,
                                guest_password_provider, apply_timeout=apply_timeout)
    for message in parsed.warnings:   # e.g. --no-verify: visible in the CLI and in notebooks
        warnings.warn(message, stacklevel=4)
    return backend
