"""Host rules about the machine itself (contracts §3): its edition, its boot entry, and whether it is a VM.

These catch what stops nesting before Hyper-V is even asked: Windows Home has no Hyper-V, a boot entry with
``hypervisorlaunchtype Off`` never starts the hypervisor, and a host that is itself a VM depends on its own host.
"""

from __future__ import annotations

from nested_magics.model.facts import HostFacts
from nested_magics.model.report import FAIL, INFO, PASS, Check
from nested_magics.rules import cloud
from nested_magics.rules import requirements as req
from nested_magics.rules.registry import host_rule
from nested_magics.rules.sources import (AZURE_IMDS, AZURE_SIZES, BCDEDIT, DOCS_NOW, EDITIONS, NESTED_STATUS,
                                         TLFS_NESTED, TRUSTED_LAUNCH, WSL_TROUBLESHOOTING)

EDITION_COMMAND = "(Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion').EditionID"
BOOT_COMMAND = "bcdedit /enum '{current}'"     # quoted: {current} alone is a script block in PowerShell
MACHINE_COMMAND = "Get-CimInstance Win32_ComputerSystem | Select-Object Manufacturer, Model"


def _unread_note(host: HostFacts, part: str) -> str:
    error = host.unread((part,))
    return f" ({part} could not be read: {error.message})" if error else ""


@host_rule("host.edition")
def check_edition(host: HostFacts) -> Check:
    lacks = req.edition_lacks_hyperv(host)
    shown = req.edition_name(host)
    if lacks:
        return Check("host.edition", None, FAIL, False, "This edition of Windows has no Hyper-V",
                     f"{shown}: Hyper-V cannot be installed on Windows 10 or 11 Home, so nothing can nest here. "
                     f"Hyper-V comes with {req.HYPERV_EDITIONS}: upgrade the edition (Settings > System > "
                     "Activation), or use another machine.", None, EDITIONS)
    if lacks is False:
        why = (f"EditionID {host.os.edition} offers Hyper-V." if host.os.edition else
               "Hyper-V is installed, so this edition offers it.")
        return Check("host.edition", None, PASS, False, "This edition of Windows has Hyper-V", f"{shown}: {why}",
                     None, EDITIONS)
    return Check("host.edition", None, INFO, False, "Edition unknown: whether it has Hyper-V is not known",
                 f"The edition was not reported{_unread_note(host, 'edition')}. Windows 10 and 11 Home have no "
                 f"Hyper-V; {req.HYPERV_EDITIONS} do. To see it: {EDITION_COMMAND}", None, EDITIONS)


@host_rule("host.boot")
def check_boot(host: HostFacts) -> Check:
    boot = host.boot
    if req.launch_type_off(host):
        return Check("host.boot", None, FAIL, False, "The hypervisor is switched off at boot (hypervisorlaunchtype Off)",
                     "This boot entry never starts the hypervisor, so Hyper-V, WSL2 and nested VMs cannot run. Tools such "
                     "as VirtualBox or Android emulators (or a person) often set it; turning it back on may stop "
                     "them working. Run as an administrator, then restart.", req.LAUNCH_AUTO,
                     f"{BCDEDIT}; {WSL_TROUBLESHOOTING}")
    if boot is not None and boot.nested_virt_offered is False:
        return Check("host.boot", None, FAIL, False, "The boot entry withholds nesting (OFFERNESTEDVIRT=FALSE)",
                     "hypervisorloadoptions holds OFFERNESTEDVIRT=FALSE, which Microsoft's Get-NestedVirtStatus.ps1 "
                     "flags as turning nesting off (the option is undocumented). Remove it: `bcdedit /deletevalue "
                     "hypervisorloadoptions` removes every load option of this entry (see them first with "
                     f"{BOOT_COMMAND}), then restart.", "bcdedit /deletevalue hypervisorloadoptions; Restart-Computer",
                     f"{NESTED_STATUS}; {BCDEDIT}")
    known = boot is not None and boot.hypervisor_launch_type is not None
    if known:
        return Check("host.boot", None, PASS, False, f"The hypervisor starts at boot ({boot.hypervisor_launch_type})",
                     f"hypervisorlaunchtype is {boot.hypervisor_launch_type} and nothing withholds nesting.", None, BCDEDIT)
    unread = _unread_note(host, "boot")
    if host.hypervisor_present:
        return Check("host.boot", None, PASS, False, "The hypervisor is running, so the boot entry starts it",
                     f"The boot entry was not read{unread}, but the hypervisor runs, so hypervisorlaunchtype is not "
                     f"Off. To see it (as an administrator): {BOOT_COMMAND}", None, BCDEDIT)
    return Check("host.boot", None, INFO, False, "Boot entry unknown, and the hypervisor is not running",
                 f"The boot entry was not read{unread}. If hypervisorlaunchtype is Off, the hypervisor never starts. "
                 f"To see it (as an administrator): {BOOT_COMMAND}; to turn it on: {req.LAUNCH_AUTO}", None, BCDEDIT)


@host_rule("host.virtual")
def check_virtual(host: HostFacts) -> Check:
    machine = host.machine
    if machine is None or machine.virtual is None:
        return Check("host.virtual", None, INFO, False, "Unknown whether this computer is itself a VM",
                     f"What this computer is was not reported{_unread_note(host, 'machine')}. A VM reports the model "
                     f"\"Virtual Machine\"; then its VMs are one level deeper. To see it: {MACHINE_COMMAND}",
                     None, TLFS_NESTED)
    if not machine.virtual:
        what = " ".join(part for part in (machine.manufacturer, machine.model) if part) or "a physical machine"
        return Check("host.virtual", None, PASS, False, "This computer is a physical machine",
                     f"{what}: its VMs run on the physical hypervisor (L0 -> L1).", None, TLFS_NESTED)
    what = " ".join(part for part in (machine.manufacturer, machine.model) if part) or "a virtual machine"
    detail = (f"{host.name} is itself a VM ({what}), so the VMs it runs are one level deeper than it (L2 under an "
              f"L1) and nesting here needs what its own host allows: {cloud.outer_host(host)}")
    source = f"{TLFS_NESTED}; {DOCS_NOW}"
    if cloud.is_azure(host):
        detail += " " + cloud.size_note(host) + _unread_note(host, "cloud")
        source = f"{DOCS_NOW}; {AZURE_SIZES}; {TRUSTED_LAUNCH}; {AZURE_IMDS}"
    elif machine.cloud is not None:
        detail += f" Cloud: {machine.cloud.provider}; its size and security type decide whether it can nest."
    return Check("host.virtual", None, INFO, False, "This computer is itself a VM: its VMs are nested one level deeper",
                 detail, None, source, data={"virtual": True})

