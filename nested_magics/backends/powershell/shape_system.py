"""The thin facts about the computer itself: its edition, architecture, boot entry, what machine it is (which cloud
VM, and a Hyper-V guest's name on its host), and the optional features nesting users need.

facts.ps1 gathers each with one query (``edition``, ``boot``, ``features``, ``cloud``, ``data_exchange``; the
architecture and the maker come with ``processors`` and ``computer``); what the records mean is decided here. A
query that failed is an ``errors`` entry naming its part with the host's own words, and its fact stays absent:
unknown, never fine.
"""

from __future__ import annotations

import re
from typing import Any

from ...load.bounds import MAX_NAME
from ...model.facts import NESTING_FEATURES

# Win32_Processor.Architecture (Microsoft Learn, Win32_Processor): 0 x86, 5 ARM, 9 x64, 12 ARM64. 32-bit ARM
# (and 6, Itanium) have no name in the facts document: they stay unknown.
ARCHITECTURES = {0: "x86", 9: "x64", 12: "ARM64"}
# Hyper-V's virtual firmware names the maker and model of every Hyper-V guest, Azure VMs included.
HYPERV_GUEST = ("microsoft corporation", "virtual machine")
FEATURE_STATES = ("Enabled", "Disabled", "EnablePending", "DisablePending", "DisabledWithPayloadRemoved")
SECURITY_TYPES = ("TrustedLaunch", "Standard", "ConfidentialVM")
# Element names in bcdedit's output are not localized (its headers are); values are compared ignoring case.
_ELEMENT = re.compile(r"^\s*(hypervisorlaunchtype|hypervisorloadoptions)\s+(.*?)\s*$", re.IGNORECASE)


def architecture(processor: dict) -> str | None:
    code = processor.get("Architecture")
    return ARCHITECTURES.get(code) if isinstance(code, int) and not isinstance(code, bool) else None


def edition(record: dict) -> str | None:
    value = record.get("EditionID")
    return value.strip() or None if isinstance(value, str) else None


def boot(lines: list[dict]) -> dict:
    """The current boot entry's hypervisor elements.

    ``hypervisorlaunchtype`` absent means it was never set on this entry (real-hosts.md §4, an inference): enabling
    Hyper-V writes ``Auto``, but whether the hypervisor starts without the element (VBS may start it) is not
    documented, so absent stays unknown and the boot check judges by whether the hypervisor runs.
    ``OFFERNESTEDVIRT`` is undocumented; only ``=FALSE`` is read (Microsoft's Get-NestedVirtStatus.ps1 flags it).
    """
    found: dict[str, str] = {}
    for record in lines:
        match = _ELEMENT.match(str(record.get("Line") or ""))
        if match:
            found[match[1].lower()] = match[2]
    launch = found.get("hypervisorlaunchtype", "").casefold()
    options = found.get("hypervisorloadoptions", "").upper().replace(" ", "")
    offered = False if "OFFERNESTEDVIRT=FALSE" in options else True if "OFFERNESTEDVIRT=TRUE" in options else None
    return {"hypervisor_launch_type": {"auto": "Auto", "off": "Off"}.get(launch), "nested_virt_offered": offered}


def features(records: list[dict]) -> dict[str, str]:
    """name -> state for the nesting features. A name missing from a list that was read is not offered by this
    edition (Get-WindowsOptionalFeature lists only what the image has): NotPresent. A state outside the schema's
    (Superseded, PartiallyInstalled) stays unknown."""
    states = {str(r.get("FeatureName") or "").casefold(): r.get("State") for r in records}
    out: dict[str, str] = {}
    for name in NESTING_FEATURES:
        state = states.get(name.casefold(), "NotPresent")
        canonical = next((s for s in (*FEATURE_STATES, "NotPresent") if isinstance(state, str)
                          and s.casefold() == state.casefold()), None)
        if canonical is not None:
            out[name] = canonical
    return out


def cloud(record: dict) -> dict:
    """Azure's instance metadata: compute.vmSize and compute.securityProfile.securityType. An empty security type
    is what a VM created without one reports (inapplicable values are "", Microsoft Learn IMDS): believed to be
    Standard (uncertain; Trusted Launch is the default for new Gen2 VMs since 2025, and reports itself)."""
    size = record.get("vmSize")
    security = record.get("securityType")
    security = security.strip() if isinstance(security, str) else None
    known = next((s for s in SECURITY_TYPES if security is not None and s.casefold() == security.casefold()), None)
    return {"provider": "azure", "vm_size": size.strip() or None if isinstance(size, str) else None,
            "security_type": "Standard" if security == "" else known}


def data_exchange(record: dict) -> dict:
    """The names Hyper-V's Data Exchange wrote into a guest's Guest\\Parameters key (Microsoft Learn,
    IVMGuestOS::GetParameter): ``vm_name`` (VirtualMachineName: this VM as its host names it) and ``physical_host``
    (PhysicalHostNameFullyQualified, else PhysicalHostName): the host it ran on when checked (a clustered VM may move
    to another node). A value missing or empty stays absent (unknown), and so does one longer than a name may be
    (contracts §2 "Bounds"), rather than making the whole document one the loader refuses."""
    def name(key: str) -> str | None:
        value = record.get(key)
        value = value.strip() if isinstance(value, str) else ""
        return value if 0 < len(value) <= MAX_NAME else None

    out = {"vm_name": name("VirtualMachineName"),
           "physical_host": name("PhysicalHostNameFullyQualified") or name("PhysicalHostName")}
    return {k: v for k, v in out.items() if v is not None}


def machine(computer: dict, cloud_facts: dict | None, names: dict | None = None) -> dict | None:
    """What this computer is; None when Win32_ComputerSystem named neither maker nor model. ``names``: what Data
    Exchange said (``data_exchange``)."""
    maker, model = (str(computer.get(k) or "").strip() for k in ("Manufacturer", "Model"))
    if not maker and not model and cloud_facts is None:
        return None
    out: dict[str, Any] = {"virtual": (maker.casefold(), model.casefold()) == HYPERV_GUEST or cloud_facts is not None}
    if maker:
        out["manufacturer"] = maker
    if model:
        out["model"] = model
    out["cloud"] = cloud_facts
    out.update(names or {})
    return out
