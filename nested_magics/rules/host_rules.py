"""Host rules (contracts §3): can this host run a VM that runs Hyper-V? One function per check id."""

from __future__ import annotations

from nested_magics import pwsh
from nested_magics.model.facts import HostFacts
from nested_magics.model.report import FAIL, INFO, PASS, WARN, Check
from nested_magics.model.sizes import format_size
from nested_magics.rules import requirements as req
from nested_magics.rules.registry import host_rule
from nested_magics.rules import cloud
from nested_magics.rules.sources import (AMD_DOCS, ARM64_NOTE, AZURE_SIZES, BLOG, DOCS_2016, DOCS_NOW, HW_DOCS, HYPERV_ADMINS, HYPERV_MODULE,
                                         TLFS_NESTED, VBS_NOTE)


@host_rule("host.os-build")
def check_os_build(host: HostFacts) -> Check:
    build = host.build
    if build is None or build < req.PREVIEW_FIRST_BUILD:
        return Check("host.os-build", None, FAIL, False,
                     f"Build {build} is too old for nested virtualization",
                     f"Nested virtualization arrived in Windows 10 Insider build {req.PREVIEW_FIRST_BUILD}; "
                     "the blog: \"Windows Server 2012R2, or even builds prior to 10565 will not work\". "
                     "Upgrade the host to Windows 10 / Windows Server 2016 or later.",
                     None, f"{BLOG}")  # facts §2.1
    if req.profile(build) == "preview":
        return Check("host.os-build", None, WARN, False,
                     f"Build {build}: preview limitations apply",
                     f"Builds {req.PREVIEW_FIRST_BUILD}–{req.CURRENT_FIRST_BUILD - 1} carry the 2015 preview of nesting: "
                     "dynamic memory must be off, and checkpoints, save/restore, live migration and runtime "
                     f"memory resize fail on a VM hosting VMs. Build {req.CURRENT_FIRST_BUILD} (June 2016) and "
                     "the Anniversary Update / Windows Server 2016 (14393) lifted most of these limits.",
                     None, f"{BLOG}; {DOCS_2016}")  # facts §2.1, §2.2
    return Check("host.os-build", None, PASS, False, f"Build {build} supports nested virtualization",
                 f"Build {build} is {req.CURRENT_FIRST_BUILD} or later: the 2015 preview limits no longer apply.",
                 None, f"{DOCS_2016}")  # facts §2.2, §2.3


def _hyperv_fix(host: HostFacts) -> str | None:
    if req.edition_lacks_hyperv(host):          # Home: the install fails ("Feature name ... is unknown"); host.edition
        return None
    if host.hyperv_installed and req.launch_type_off(host):     # installed, switched off at boot: host.boot
        return req.LAUNCH_AUTO
    if host.os.kind == "server":
        return pwsh.command("Install-WindowsFeature", "IncludeManagementTools", "Restart", Name="Hyper-V")
    return pwsh.command("Enable-WindowsOptionalFeature", "Online", "All", FeatureName="Microsoft-Hyper-V")


@host_rule("host.hyperv", needs=("hyperv", "computer"))
def check_hyperv(host: HostFacts) -> Check:
    if host.hypervisor_present and host.hyperv_installed:
        return Check("host.hyperv", None, PASS, False, "Hyper-V is installed and its hypervisor is running",
                     "Win32_ComputerSystem.HypervisorPresent is true and the Hyper-V role is enabled.",
                     None, f"{BLOG}")  # facts §2.10
    missing = []
    if not host.hyperv_installed:
        missing.append("the Hyper-V role is not installed")
    if not host.hypervisor_present:
        missing.append("the hypervisor is not running (restart after installing, or check "
                       "`bcdedit /set hypervisorlaunchtype auto`)")
    return Check("host.hyperv", None, FAIL, False, "Hyper-V is not running on this host",
                 "Nesting is Hyper-V on Hyper-V: " + "; ".join(missing) + ".",
                 _hyperv_fix(host), f"{BLOG}")  # facts §2.10


def _cpu_flags_problem(host: HostFacts) -> str | None:
    """With no hypervisor running, a flag reading False is real ("""  # facts §2.10); None is unknown.
    cpu = host.cpu
    off = [label for label, value in (("VT-x/AMD-V", cpu.vmx), ("SLAT (EPT/NPT)", cpu.slat),
                                      ("virtualization in firmware", cpu.firmware_enabled)) if value is False]
    return ", ".join(off) if off else None


def _not_x64_check(host: HostFacts, arch: str) -> Check:
    """contracts §3: a host that is not x64 cannot nest, said about the architecture, not the vendor."""
    model = f" ({host.cpu.model})" if host.cpu.model else ""
    if arch.casefold() == "arm64":
        return Check("host.cpu", None, FAIL, False, "ARM64 processor: Hyper-V cannot nest on ARM64",
                     f"ARM64{model}: nested virtualization is x64-only (Microsoft's hypervisor specification); "
                     "Microsoft, 2025: \"a hardware limitation of most ARM64 chips\" (Azure's Arm64 Dpsv6 sizes "
                     "say Not supported too). VMs run here, but none of them can run Hyper-V or WSL2 in turn.",
                     None, f"{TLFS_NESTED}; {ARM64_NOTE}")  # real-hosts §5
    return Check("host.cpu", None, FAIL, False, f"{arch} Windows cannot run nested virtualization",
                 f"The processor architecture is {arch}{model}: Hyper-V and nesting need 64-bit (x64) Windows.",
                 None, f"{TLFS_NESTED}; {HW_DOCS}")


def _in_vm_check(host: HostFacts, vendor: str, model: str) -> Check | None:
    """On a host that is itself a VM, HypervisorPresent is true anyway (its own host's hypervisor), so the
    CPU flags, its Azure size and Hyper-V's own install decide whether extensions reach it (real-hosts §6)."""
    if host.machine is None or not host.machine.virtual:
        return None
    flags = (host.cpu.vmx, host.cpu.slat)
    if host.hyperv_installed and host.hypervisor_present and not cloud.size_blocks(host):
        return Check("host.cpu", None, PASS, False, f"{vendor} processor{model}, extensions exposed to this VM",
                     "Hyper-V runs in this VM, and its installer refuses a VM whose host hides the virtualization "
                     "extensions (if they were turned off since, VMs here fail to start with \"one of the Hyper-V "
                     "components is not running\").", None, f"{DOCS_NOW}")  # facts §3
    if False in flags or cloud.size_blocks(host):
        why = ("its processor shows no VT-x/AMD-V or SLAT, so its own host does not expose them" if False in flags
               else "its Azure size does not offer nested virtualization")
        return Check("host.cpu", None, FAIL, False, "Virtualization extensions are not exposed to this VM",
                     f"{vendor}{model}: this computer is a VM and {why}: Hyper-V will not install here and WSL2 "
                     "fails with 0x80370102. "
                     + cloud.outer_step(host), None, f"{DOCS_NOW}; {AZURE_SIZES}" if cloud.is_azure(host) else DOCS_NOW,
                     data={"outer_step": cloud.outer_step(host)})  # facts §3, real-hosts §6
    if all(flags):
        return Check("host.cpu", None, PASS, False, f"{vendor} processor{model}, extensions exposed to this VM",
                     "This computer is a VM and its processor shows VT-x/AMD-V and SLAT: its host exposes them.",
                     None, f"{DOCS_NOW}")
    return Check("host.cpu", None, INFO, False, "Unknown whether this VM's host exposes virtualization extensions",
                 "This computer is a VM; its CPU flags were not reported, so whether its host exposes the extensions "
                 "is unknown (a VM cannot read it directly; installing Hyper-V here tells). " + cloud.outer_step(host),
                 None, f"{DOCS_NOW}")


@host_rule("host.cpu", needs=("cpu",))
def check_cpu(host: HostFacts) -> Check:
    vendor = host.cpu.vendor or "unknown"
    model = f" ({host.cpu.model})" if host.cpu.model else ""
    arch = req.not_x64(host)
    if arch:
        return _not_x64_check(host, arch)
    if not (host.cpu.is_intel or host.cpu.is_amd):
        return Check("host.cpu", None, FAIL, False, f"Processor vendor {vendor} cannot nest Hyper-V",
                     "Nested virtualization needs an Intel processor with VT-x and EPT, or (since Windows 11 / "
                     "Windows Server 2022) an AMD EPYC/Ryzen processor.",
                     None, f"{DOCS_NOW}")  # facts §2.6
    if host.cpu.is_amd and not req.amd_build_supported(host):
        needed = "Windows Server 2022 (build 20348)" if host.os.kind == "server" else "Windows 11 (build 22000)"
        return Check("host.cpu", None, FAIL, False, f"AMD processors need {needed} or later to nest",
                     f"AMD{model} on build {host.build}: nesting on AMD is supported only from Windows 11 and "
                     "Windows Server 2022 (in 2015 it was Intel-only; Windows 10 Insider builds from about 19640 "
                     "worked but were never supported). Windows 10 on AMD cannot start a nesting VM.",
                     None, f"{AMD_DOCS}; {BLOG}")  # facts §2.5
    in_vm = _in_vm_check(host, vendor, model)
    if in_vm is not None:
        return in_vm
    if host.hypervisor_present:
        return Check("host.cpu", None, PASS, False, f"{'Intel' if host.cpu.is_intel else 'AMD'} processor{model}",
                     "The hypervisor is running, so the CPU's virtualization extensions and SLAT are present "
                     "(CIM reads them as false while a hypervisor runs, so they are not re-checked).",
                     None, f"{HW_DOCS}")  # facts §2.6, §2.10
    problem = _cpu_flags_problem(host)
    if problem:
        return Check("host.cpu", None, FAIL, False, f"Processor is missing {problem}",
                     f"{vendor}{model}: Hyper-V needs VT-x/AMD-V, SLAT and virtualization enabled in firmware. "
                     "Turn virtualization on in the firmware (BIOS/UEFI) settings.",
                     None, f"{HW_DOCS}")  # facts §2.6, §2.10
    unknown = [n for n, v in (("VT-x", host.cpu.vmx), ("SLAT", host.cpu.slat),
                              ("firmware", host.cpu.firmware_enabled)) if v is None]
    if unknown:
        return Check("host.cpu", None, INFO, False, f"{vendor} processor: {', '.join(unknown)} unknown",
                     "These CPU flags were not reported, so they could not be confirmed.",
                     None, f"{HW_DOCS}")  # facts §2.10
    return Check("host.cpu", None, PASS, False, f"{vendor} processor with virtualization extensions and SLAT",
                 f"{vendor}{model}: VT-x/AMD-V, SLAT and firmware virtualization are all on.",
                 None, f"{HW_DOCS}")  # facts §2.6


# The registry value Get-NestedVirtStatus.ps1 reads (facts §1.2); a Group Policy or a UEFI lock can still enforce VBS.
_VBS_OFF = pwsh.command("Set-ItemProperty", Path="HKLM:\\SYSTEM\\CurrentControlSet\\Control\\DeviceGuard",
                        Name="EnableVirtualizationBasedSecurity", Value=0) + "; Restart-Computer"


@host_rule("host.vbs", needs=("vbs",))
def check_vbs(host: HostFacts) -> Check:
    status = host.vbs.status
    state = {0: "off", 1: "enabled but not running", 2: "running"}.get(status, str(status))
    if status == 0:
        return Check("host.vbs", None, PASS, False, "Virtualization-based security is off",
                     "Win32_DeviceGuard.VirtualizationBasedSecurityStatus is 0.", None, f"{BLOG}")  # facts §2.10
    if req.profile(host.build) == "preview":
        return Check("host.vbs", None, FAIL, False, f"Virtualization-based security is {state}",
                     "The blog: hosts with Device Guard or VBS enabled \"cannot expose virtualization extensions "
                     "to guests. You must first disable VBS\". (Build 14361 lifted this limit.) Where Group Policy "
                     "(Turn On Virtualization Based Security) or a UEFI lock enforces it, turn it off there.",
                     _VBS_OFF, f"{BLOG}")  # facts §2.1, §1.2, §2.2
    return Check("host.vbs", None, INFO, False, f"Virtualization-based security is {state}",
                 "Since build 14361 nested VMs run on hosts with VBS, Device Guard or Credential Guard; "
                 "old scripts (Get-NestedVirtStatus.ps1) still wrongly report this as a blocker.",
                 None, f"{VBS_NOTE}; {DOCS_2016}")  # facts §1.2, §2.2


@host_rule("host.memory", needs=("memory",))
def check_memory(host: HostFacts) -> Check:
    total = host.memory.total_bytes if host.memory else None
    if total is None:
        return Check("host.memory", None, PASS, False, "Host memory not reported",
                     "No memory figures were gathered, so there is no memory warning.", None, BLOG)
    if total < req.HOST_MEMORY_WARNING:
        return Check("host.memory", None, WARN, False, f"Only {format_size(total)} of host memory",
                     "Nesting needs memory for the VM and for the VMs inside it. The blog: \"I managed to run a VM "
                     "in a VM with 4 GB of host RAM, but things were tight.\"", None, f"{BLOG}")  # facts §2.1
    return Check("host.memory", None, PASS, False, f"{format_size(total)} of host memory",
                 f"At least {format_size(req.HOST_MEMORY_WARNING)}: room for a VM and its own guests.", None, BLOG)


# What a part's error usually means on a real host, and the next step (matched on the host's own words).
_CAUSES = (
    (("boot configuration data store", "requires elevation"),
     "bcdedit and Get-WindowsOptionalFeature need an elevated administrator: run PowerShell (or Jupyter) as "
     "administrator; over WinRM a local account also needs LocalAccountTokenFilterPolicy set to 1"),
    (("unable to connect to the remote server", "operation has timed out", "(400) bad request"),
     "the Azure instance metadata service (169.254.169.254) did not answer: a proxy or firewall inside the VM may "
     "block it (it must be reached directly); until then see the VM's size and security type in the Azure portal "
     "(Overview: Size, Security type) or with az vm show"),
    (("required permission", "access is denied", "could not be opened", "unauthorized"),
     "this account may not manage Hyper-V: run as an administrator (elevated), or join the local "
     "Hyper-V Administrators group and sign in again"),
    (("is not recognized as the name of a cmdlet", "module for powershell is not available"),
     "the Hyper-V PowerShell module is missing: install the management tools "
     "(server: Install-WindowsFeature -Name Hyper-V-PowerShell; client: Enable-WindowsOptionalFeature -Online "
     "-FeatureName Microsoft-Hyper-V-Management-PowerShell)"),
    (("expected wmi class", "virtual machine management service", "hyper-v platform"),
     "the Hyper-V platform is not running: restart to finish installing Hyper-V (a reboot is pending), "
     "or start the Hyper-V Virtual Machine Management service (vmms)"),
    (("credential is invalid", "username cannot be empty"),
     "the guest credentials were refused inside the VM: check --guest-user and NESTED_MAGICS_GUEST_PASSWORD"),
    (("remote session might have ended", "not in running state"),
     "the guest is not ready for PowerShell Direct (still booting, or stopped): check again once it has booted"),
    (("password is empty", "no guest password"),
     "no guest password was given: set NESTED_MAGICS_GUEST_PASSWORD to look inside the VM"),
)


def part_next_step(message: str) -> str:
    """The usual cause of a part's error on a real host, and the next step (from the host's own words)."""
    low = message.lower()
    for needles, cause in _CAUSES:
        if any(needle in low for needle in needles):
            return cause
    return "run the check again; if it persists, run that part's cmdlet on the host to see the whole error"


@host_rule("host.facts")
def check_facts(host: HostFacts) -> Check:
    if not host.errors:
        return Check("host.facts", None, PASS, False, "Every part of the host's facts was read",
                     "The host answered every query nested-magics asks.", None, HYPERV_MODULE)
    lines = [f"{e.part}: {e.message} ({part_next_step(e.message)})" for e in host.errors]
    parts = ", ".join(e.part for e in host.errors[:5]) + (" …" if len(host.errors) > 5 else "")
    return Check("host.facts", None, WARN, False,
                 f"{len(host.errors)} part{'s' if len(host.errors) != 1 else ''} of the facts could not be read: {parts}",
                 "\n".join(lines) + "\nThe checks that need these parts say unknown (info) until they can be read.",
                 None, f"{HYPERV_MODULE}; {HYPERV_ADMINS}",
                 data={"errors": [e.to_dict() for e in host.errors]})
