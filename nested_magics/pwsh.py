"""PowerShell text a person can copy and paste safely (contracts §6, "fix").

Names and values appear only as single-quoted literals. Inside single quotes PowerShell treats
nothing as code, but it honours the Unicode single quotes as delimiters too, so each of them is
doubled, exactly like ``'``.
"""

from __future__ import annotations

# ' plus the quotes PowerShell's tokenizer also treats as single quotes.
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"


_DOUBLED = str.maketrans({q: q * 2 for q in SINGLE_QUOTES})


def quote(value: object) -> str:
    """A single-quoted PowerShell literal of ``value``."""
    return "'" + str(value).translate(_DOUBLED) + "'"


def literal(value: object) -> str:
    """Booleans and integers as PowerShell literals; everything else single-quoted."""
    if value is True:
        return "$true"
    if value is False:
        return "$false"
    if isinstance(value, int):
        return str(value)
    return quote(value)


def command(name: str, *switches: str, **params: object) -> str:
    """``command("Set-VMProcessor", VMName="x", ExposeVirtualizationExtensions=True)``.

    Parameter names are code we write; their values are always literals.
    """
    parts = [name]
    for key, value in params.items():
        parts.append(f"-{key} {literal(value)}")
    parts.extend(f"-{s}" for s in switches)
    return " ".join(parts)


def mac_spoofing(vm: str, on: bool = True) -> str:
    """MAC address spoofing on (or off) for every adapter of ``vm`` (facts §2.3)."""
    return f"Get-VMNetworkAdapter -VMName {quote(vm)} | Set-VMNetworkAdapter -MacAddressSpoofing {'On' if on else 'Off'}"


def install_hyperv_in_guest(vm: str, guest_kind: str) -> str:
    """Blog step 3, run from the host through PowerShell Direct; the guest restarts."""
    if guest_kind == "server":
        inner = "Install-WindowsFeature -Name 'Hyper-V' -IncludeManagementTools -Restart"
    else:
        inner = ("Enable-WindowsOptionalFeature -FeatureName 'Microsoft-Hyper-V' -Online -All -NoRestart; "
                 "Restart-Computer -Force")
    return f"Invoke-Command -VMName {quote(vm)} -ScriptBlock {{ {inner} }}"
