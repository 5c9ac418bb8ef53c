"""What Azure says about nesting in its VMs: which size series support it, and the security type.

Both change over time, so every answer names what is known with its date and how to find out on the VM itself
(the instance metadata service; the size's own page), rather than guessing past it.
"""

from __future__ import annotations

import re

from nested_magics import pwsh
from nested_magics.model.vantage import NO, UNKNOWN, YES, Step

SIZES = ("Microsoft, Azure VM size pages, Feature support: Nested Virtualization (read 2025), "
         "https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/overview")
TRUSTED_LAUNCH = ("Microsoft, Azure Trusted Launch page (2023-04-25, 2025-04-21) and FAQ (2025-08-05), WSL "
                  "troubleshooting (2024-11-19), Enable nested virtualization (2025-06-10), "
                  "https://learn.microsoft.com/en-us/azure/virtual-machines/trusted-launch")
# Series whose size page says "Nested Virtualization: Supported" (x64), and the sizes offered instead.
SUPPORTED = ("Dsv5", "Dasv6")
INSTEAD = "Standard_D4s_v5"
EXAMPLES = "Standard_D4s_v5 (Dsv5) or Standard_D4as_v6 (Dasv6)"
# Standard_D4s_v5 -> family D, additive features s, version v5: the series Dsv5.
_SIZE = re.compile(r"^(?:standard|basic)_([a-z]+)(\d+)(?:-\d+)?([a-z]*)(?:_(?!v\d+$)[a-z0-9]+)?(?:_(v\d+))?$", re.I)
IMDS = ("Invoke-RestMethod -Headers @{Metadata='true'} -Uri "
        "'http://169.254.169.254/metadata/instance/compute?api-version=2025-04-07' | "
        "Select-Object vmSize, securityProfile")


def _parts(size: str | None) -> tuple[str, str, str] | None:
    """(family, additive features, version) of a size name, or None when it is not one."""
    match = _SIZE.match(size or "")
    if not match:
        return None
    family, _, features, version = match.groups()
    return family.upper(), features.lower(), version or ""


def series(size: str | None) -> str | None:
    """The size series a size name belongs to (``Standard_B2s`` -> ``Bs``), or None when it is not one."""
    parts = _parts(size)
    return "".join(parts) if parts else None


def size_answer(size: str | None) -> tuple[str, str]:
    """(yes | no | unknown, why) for nesting on an Azure VM of ``size``, from the size pages."""
    parts = _parts(size)
    if parts is None:
        return UNKNOWN, f"its size ({size or 'not read'}) is not one this tool can look up"
    name = "".join(parts)
    if "p" in parts[1]:
        return NO, (f"{size} is an Arm64 size ({name}); Azure's Arm64 size pages (Dpsv6) say Nested Virtualization: "
                    "Not supported")
    if name.startswith("B"):
        return NO, (f"{size} is a B-series (burstable) size, and the B-series size pages (Bsv2) say Nested "
                    "Virtualization: Not supported")
    if name.startswith("A"):
        return NO, f"{size} is an A-series size, which does not offer nested virtualization"
    if name in SUPPORTED:
        return YES, f"{size} is a {name} size, whose size page says Nested Virtualization: Supported"
    return UNKNOWN, (f"{size} is a {name} size; this tool knows only {', '.join(SUPPORTED)} as supported: its size "
                     "page says under Feature support whether Nested Virtualization is supported")


def security_note(security_type: str | None) -> str | None:
    """What is known about the security type and nesting, with dates (None for Standard: nothing uncertain)."""
    if security_type == "Standard":
        return None
    said = {"TrustedLaunch": "This VM uses Trusted Launch.", "ConfidentialVM": "This VM is a confidential VM.",
            None: "This VM's security type could not be read."}.get(security_type, f"Security type {security_type}.")
    return (f"{said} What Microsoft has said: 2023-04-25 the Trusted Launch page listed nested virtualization as "
            "unsupported except on most v5 sizes; 2024-11-19 WSL's troubleshooting: not supported with Trusted "
            "Launch; 2025-04-21 the Trusted Launch page no longer lists it as unsupported, and Trusted Launch is the "
            "default for new Gen2 VMs; 2025-06-10 the nesting docs: set Security Type 'Standard'. To find out here: "
            f"{IMDS} (or the portal's Overview: Security type); installing Hyper-V here refuses when the extensions "
            "do not reach this VM.")


def size_known(size: str | None) -> str:
    """How to find out about nesting on this VM's size, with what is known."""
    return (f"Known (Azure's size pages, read 2025): {', '.join(SUPPORTED)} support nested virtualization; B-series, "
            "A-series and Arm64 (Dpsv6) sizes do not. To find out here: the size's page under Feature support, and "
            f"{IMDS}")


def resize(security_type: str | None) -> Step:
    """The change in Azure: a size that supports nesting, and security type Standard."""
    standard = ("" if security_type == "Standard" else "; security type Standard is chosen when a VM is created "
                "(Azure's Trusted Launch FAQ, 2025-08-05: securityType Standard)")
    command = (f"az vm resize --resource-group {pwsh.quote('<resource group>')} --name {pwsh.quote('<VM name>')} "
               f"--size {pwsh.quote(INSTEAD)}")
    return Step("in Azure", f"Resize this VM to a size whose page lists Nested Virtualization: Supported, e.g. "
                f"{EXAMPLES}, with security type Standard (replace the placeholders with this VM's resource group "
                f"and name){standard}", command)
