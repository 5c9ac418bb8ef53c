"""Readiness rules (contracts §3): host facts in, checks out.

Each rule cites where it comes from (``source``) and, where Microsoft changed its mind after the
2015 preview, says so in ``detail``. Rules never know which backend gathered the facts.
"""

from __future__ import annotations

from nested_magics import pwsh
from nested_magics.rules import requirements as req
from nested_magics.model.facts import SETTLED_STATES, VM, HostFacts
from nested_magics.model.report import FAIL, INFO, PASS, WARN, Check, Report, vm_verdict
from nested_magics.model.sizes import format_size

BLOG = "The blog (Windows Insider Preview: Nested Virtualization, 2015-10-13)"
DOCS_2016 = "Microsoft, nesting docs for build 14361 (June 2016) and GA (Sept 2016)"
DOCS_NOW = "Microsoft, Windows Server docs: Enable nested virtualization (2025)"
AMD_DOCS = "Microsoft, Virtualization-Documentation PR #1915 (2023): AMD needs WS2022 / Windows 11"
HW_DOCS = "Microsoft, System requirements for Hyper-V (SLAT, VT-x, firmware)"
VBS_NOTE = "Ben Armstrong (Hyper-V PM), Virtualization-Documentation PR #1059 (2019): nesting works with VBS"
SCRIPT = "Microsoft's Enable-NestedVm.ps1 (2015-2016), which offers 4 GB"
L1_225 = "Microsoft nesting docs (April 2023): WS2019 or earlier as L1: 225 vCPUs or fewer"


# ---------------------------------------------------------------- host rules


def check_os_build(host: HostFacts) -> Check:
    build = host.build
    if build is None or build < req.PREVIEW_FIRST_BUILD:
        return Check("host.os-build", None, FAIL, False,
                     f"Build {build} is too old for nested virtualization",
                     f"Nested virtualization arrived in Windows 10 Insider build {req.PREVIEW_FIRST_BUILD}; "
                     "the blog: \"Windows Server 2012R2, or even builds prior to 10565 will not work\". "
                     "Upgrade the host to Windows 10 / Windows Server 2016 or later.",
                     None, f"{BLOG}; facts §2.1")
    if req.profile(build) == "preview":
        return Check("host.os-build", None, WARN, False,
                     f"Build {build}: preview limitations apply",
                     f"Builds {req.PREVIEW_FIRST_BUILD}–{req.CURRENT_FIRST_BUILD - 1} carry the 2015 preview of nesting: "
                     "dynamic memory must be off, and checkpoints, save/restore, live migration and runtime "
                     f"memory resize fail on a VM hosting VMs. Build {req.CURRENT_FIRST_BUILD} (June 2016) and "
                     "the Anniversary Update / Windows Server 2016 (14393) lifted most of these limits.",
                     None, f"{BLOG}; {DOCS_2016}; facts §2.1, §2.2")
    return Check("host.os-build", None, PASS, False, f"Build {build} supports nested virtualization",
                 f"Build {build} is {req.CURRENT_FIRST_BUILD} or later: the 2015 preview limits no longer apply.",
                 None, f"{DOCS_2016}; facts §2.2, §2.3")


def _hyperv_fix(host: HostFacts) -> str:
    if host.os.kind == "server":
        return pwsh.command("Install-WindowsFeature", "IncludeManagementTools", "Restart", Name="Hyper-V")
    return pwsh.command("Enable-WindowsOptionalFeature", "Online", "All", FeatureName="Microsoft-Hyper-V")


def check_hyperv(host: HostFacts) -> Check:
    if host.hypervisor_present and host.hyperv_installed:
        return Check("host.hyperv", None, PASS, False, "Hyper-V is installed and its hypervisor is running",
                     "Win32_ComputerSystem.HypervisorPresent is true and the Hyper-V role is enabled.",
                     None, f"{BLOG}; facts §2.10")
    missing = []
    if not host.hyperv_installed:
        missing.append("the Hyper-V role is not installed")
    if not host.hypervisor_present:
        missing.append("the hypervisor is not running (restart after installing, or check "
                       "`bcdedit /set hypervisorlaunchtype auto`)")
    return Check("host.hyperv", None, FAIL, False, "Hyper-V is not running on this host",
                 "Nesting is Hyper-V on Hyper-V: " + "; ".join(missing) + ".",
                 _hyperv_fix(host), f"{BLOG}; facts §2.10")


def _cpu_flags_problem(host: HostFacts) -> str | None:
    """With no hypervisor running, a flag reading False is real (facts §2.10); None is unknown."""
    cpu = host.cpu
    off = [label for label, value in (("VT-x/AMD-V", cpu.vmx), ("SLAT (EPT/NPT)", cpu.slat),
                                      ("virtualization in firmware", cpu.firmware_enabled)) if value is False]
    return ", ".join(off) if off else None


def check_cpu(host: HostFacts) -> Check:
    vendor = host.cpu.vendor or "unknown"
    model = f" ({host.cpu.model})" if host.cpu.model else ""
    if not (host.cpu.is_intel or host.cpu.is_amd):
        return Check("host.cpu", None, FAIL, False, f"Processor vendor {vendor} cannot nest Hyper-V",
                     "Nested virtualization needs an Intel processor with VT-x and EPT, or (since Windows 11 / "
                     "Windows Server 2022) an AMD EPYC/Ryzen processor.",
                     None, f"{DOCS_NOW}; facts §2.6")
    if host.cpu.is_amd and not req.amd_build_supported(host):
        needed = "Windows Server 2022 (build 20348)" if host.os.kind == "server" else "Windows 11 (build 22000)"
        return Check("host.cpu", None, FAIL, False, f"AMD processors need {needed} or later to nest",
                     f"AMD{model} on build {host.build}: nesting on AMD is supported only from Windows 11 and "
                     "Windows Server 2022 (in 2015 it was Intel-only; Windows 10 Insider builds from about 19640 "
                     "worked but were never supported). Windows 10 on AMD cannot start a nesting VM.",
                     None, f"{AMD_DOCS}; {BLOG}; facts §2.5")
    if host.hypervisor_present:
        return Check("host.cpu", None, PASS, False, f"{'Intel' if host.cpu.is_intel else 'AMD'} processor{model}",
                     "The hypervisor is running, so the CPU's virtualization extensions and SLAT are present "
                     "(CIM reads them as false while a hypervisor runs, so they are not re-checked).",
                     None, f"{HW_DOCS}; facts §2.6, §2.10")
    problem = _cpu_flags_problem(host)
    if problem:
        return Check("host.cpu", None, FAIL, False, f"Processor is missing {problem}",
                     f"{vendor}{model}: Hyper-V needs VT-x/AMD-V, SLAT and virtualization enabled in firmware. "
                     "Turn virtualization on in the firmware (BIOS/UEFI) settings.",
                     None, f"{HW_DOCS}; facts §2.6, §2.10")
    unknown = [n for n, v in (("VT-x", host.cpu.vmx), ("SLAT", host.cpu.slat),
                              ("firmware", host.cpu.firmware_enabled)) if v is None]
    if unknown:
        return Check("host.cpu", None, INFO, False, f"{vendor} processor: {', '.join(unknown)} unknown",
                     "These CPU flags were not reported, so they could not be confirmed.",
                     None, f"{HW_DOCS}; facts §2.10")
    return Check("host.cpu", None, PASS, False, f"{vendor} processor with virtualization extensions and SLAT",
                 f"{vendor}{model}: VT-x/AMD-V, SLAT and firmware virtualization are all on.",
                 None, f"{HW_DOCS}; facts §2.6")


# The registry value Get-NestedVirtStatus.ps1 reads (facts §1.2); a Group Policy or a UEFI lock can still enforce VBS.
_VBS_OFF = pwsh.command("Set-ItemProperty", Path="HKLM:\\SYSTEM\\CurrentControlSet\\Control\\DeviceGuard",
                        Name="EnableVirtualizationBasedSecurity", Value=0) + "; Restart-Computer"


def check_vbs(host: HostFacts) -> Check:
    status = host.vbs.status
    state = {0: "off", 1: "enabled but not running", 2: "running"}.get(status, str(status))
    if status == 0:
        return Check("host.vbs", None, PASS, False, "Virtualization-based security is off",
                     "Win32_DeviceGuard.VirtualizationBasedSecurityStatus is 0.", None, f"{BLOG}; facts §2.10")
    if req.profile(host.build) == "preview":
        return Check("host.vbs", None, FAIL, False, f"Virtualization-based security is {state}",
                     "The blog: hosts with Device Guard or VBS enabled \"cannot expose virtualization extensions "
                     "to guests. You must first disable VBS\". (Build 14361 lifted this limit.) Where Group Policy "
                     "(Turn On Virtualization Based Security) or a UEFI lock enforces it, turn it off there.",
                     _VBS_OFF, f"{BLOG}; facts §2.1, §1.2, §2.2")
    return Check("host.vbs", None, INFO, False, f"Virtualization-based security is {state}",
                 "Since build 14361 nested VMs run on hosts with VBS, Device Guard or Credential Guard; "
                 "old scripts (Get-NestedVirtStatus.ps1) still wrongly report this as a blocker.",
                 None, f"{VBS_NOTE}; {DOCS_2016}; facts §1.2, §2.2")


def check_memory(host: HostFacts) -> Check:
    total = host.memory.total_bytes if host.memory else None
    if total is None:
        return Check("host.memory", None, PASS, False, "Host memory not reported",
                     "No memory figures were gathered, so there is no memory warning.", None, BLOG)
    if total < req.HOST_MEMORY_WARNING:
        return Check("host.memory", None, WARN, False, f"Only {format_size(total)} of host memory",
                     "Nesting needs memory for the VM and for the VMs inside it. The blog: \"I managed to run a VM "
                     "in a VM with 4 GB of host RAM, but things were tight.\"", None, f"{BLOG}; facts §2.1")
    return Check("host.memory", None, PASS, False, f"{format_size(total)} of host memory",
                 f"At least {format_size(req.HOST_MEMORY_WARNING)}: room for a VM and its own guests.", None, BLOG)


HOST_RULES = (check_os_build, check_hyperv, check_cpu, check_vbs, check_memory)


def host_checks(host: HostFacts) -> list[Check]:
    return [rule(host) for rule in HOST_RULES]


def host_blockers(host: HostFacts) -> list[Check]:
    """The failing host checks: any of them means this host cannot run a nesting VM."""
    return [c for c in host_checks(host) if c.status == FAIL]


# ---------------------------------------------------------------- VM rules


def _vm_check(vm: VM, id_: str, status: str, fixable: bool, title: str, detail: str,
              fix: str | None, source: str) -> Check:
    return Check(id_, vm.name, status, fixable, title, detail, fix, source)


def check_exists(host: HostFacts, vm: VM) -> Check:
    return _vm_check(vm, "vm.exists", PASS, False, f"VM {vm.name} exists", f"Found on {host.name}.", None,
                     "Hyper-V: Get-VM")


def missing_vm_check(host: HostFacts, name: str) -> Check:
    existing = ", ".join(host.vm_names()) or "none"
    return Check("vm.exists", name, FAIL, False, f"VM {name} does not exist on {host.name}",
                 f"Hyper-V has no VM named {name!r} (names match case-insensitively). VMs on this host: {existing}.",
                 None, "Hyper-V: Get-VM")


def check_version(host: HostFacts, vm: VM) -> Check:
    required = req.required_vm_version(host)
    if required is None:
        return _vm_check(vm, "vm.version", PASS, False, f"Configuration version {vm.version}",
                         "The 2015 preview had no version requirement (version 8.0 became required at build 14361).",
                         None, f"{DOCS_2016}; facts §2.2")
    if req.version_meets(vm.version, required):
        return _vm_check(vm, "vm.version", PASS, False, f"Configuration version {vm.version} (needs {required})",
                         f"{'AMD' if host.cpu.is_amd else 'Intel'} hosts need VM configuration version {required} "
                         "or later to nest.", None, f"{DOCS_NOW}; facts §2.6")
    default = host.default_vm_version
    can_update = default is not None and req.version_meets(default, required)
    settled = vm.state in SETTLED_STATES        # the plan waits while the VM changes state
    if can_update:
        detail = (f"Version {vm.version} is below {required}, which nesting needs on this host (since build 14361). "
                  f"Update-VMVersion moves it to {default}; this cannot be undone and the VM then runs only on hosts "
                  "that support that version (opt in with --update-version).")
    else:
        detail = (f"Version {vm.version} is below {required}, and this host's highest version is {default or 'unknown'}: "
                  "nesting needs a newer host (AMD needs 9.3, which exists only on Windows 11 / Server 2022 and later).")
    check = _vm_check(vm, "vm.version", FAIL, can_update and settled, f"Configuration version {vm.version} is below {required}",
                      detail, pwsh.command("Update-VMVersion", "Force", Name=vm.name) if can_update else None,
                      f"{DOCS_NOW}; facts §2.2, §2.6, §2.8")
    if check.fixable:
        check.opt_ins = ("update-version",)
    return check


def check_state(host: HostFacts, vm: VM) -> Check:
    if vm.state == "Off":
        return _vm_check(vm, "vm.state", PASS, False, "VM is Off", "Nesting can be switched on only while the VM is Off.",
                         None, f"{BLOG}; {DOCS_NOW}; facts §2.3")
    if vm.nesting:
        return _vm_check(vm, "vm.state", PASS, False, f"VM is {vm.state}, nesting already on",
                         "Nothing needs the VM Off.", None, f"{DOCS_NOW}; facts §2.3")
    if vm.state not in SETTLED_STATES:
        return _vm_check(vm, "vm.state", FAIL, False, f"VM is {vm.state}: wait for it to settle",
                         "Nesting can be switched on only while the VM is Off; it is changing state now. "
                         "Check again when it is Running, Off, Saved or Paused.", None, f"{DOCS_NOW}; facts §2.10")
    how = {
        "Running": "The enable plan shuts it down gracefully (or turns it off with --turn-off).",
        "Saved": "Its saved state must be discarded first (opt in with --discard-saved-state): what is in its memory is lost.",
        "Paused": "A paused VM cannot shut down gracefully: turn it off (opt in with --turn-off).",
    }[vm.state]
    fix = {
        "Running": pwsh.command("Stop-VM", Name=vm.name),
        "Saved": pwsh.command("Remove-VMSavedState", VMName=vm.name),
        "Paused": pwsh.command("Stop-VM", "TurnOff", Name=vm.name),
    }[vm.state]
    check = _vm_check(vm, "vm.state", FAIL, True, f"VM is {vm.state}; it must be Off to enable nesting",
                      f"Hyper-V changes ExposeVirtualizationExtensions only while the VM is Off. {how}", fix,
                      f"{BLOG}; {DOCS_NOW}; facts §2.3, §2.10")
    check.opt_ins = {"Saved": ("discard-saved-state",), "Paused": ("turn-off",)}.get(vm.state, ())
    return check


def check_expose(host: HostFacts, vm: VM) -> Check:
    if vm.nesting:
        return _vm_check(vm, "vm.expose-extensions", PASS, False, "Virtualization extensions are exposed",
                         "ExposeVirtualizationExtensions is on: the guest can run its own hypervisor.", None,
                         f"{BLOG}; facts §2.3")
    return _vm_check(vm, "vm.expose-extensions", FAIL, True, "Virtualization extensions are not exposed",
                     "Without ExposeVirtualizationExtensions the hypervisor hides VT-x from the guest, and installing "
                     "Hyper-V in it fails with \"Hyper-V cannot be installed: A hypervisor is already running.\"",
                     pwsh.command("Set-VMProcessor", VMName=vm.name, ExposeVirtualizationExtensions=True),
                     f"{BLOG}; {DOCS_NOW}; facts §2.3, §3")


def check_dynamic_memory(host: HostFacts, vm: VM) -> Check:
    if not vm.dynamic_memory:
        return _vm_check(vm, "vm.dynamic-memory", PASS, False, "Dynamic memory is off",
                         "Startup memory is fixed, as nesting wants.", None, f"{BLOG}; facts §2.7")
    fix = pwsh.command("Set-VMMemory", VMName=vm.name, DynamicMemoryEnabled=False)
    if req.profile(host.build) == "preview":
        return _vm_check(vm, "vm.dynamic-memory", FAIL, vm.state in SETTLED_STATES, "Dynamic memory is on",
                         "The blog: \"Dynamic memory must be OFF. This will prevent the VM from booting.\"", fix,
                         f"{BLOG}; facts §2.1")
    return _vm_check(vm, "vm.dynamic-memory", WARN, req.off_changes_offered(host, vm),
                     "Dynamic memory is on (it stops working once Hyper-V runs inside)",
                     "Since 2016 a nesting VM may keep dynamic memory, but while Hyper-V runs in it the memory will not "
                     "fluctuate and runtime resize fails (in 2015 it stopped the VM from booting).", fix,
                     f"{DOCS_2016}; facts §2.3, §2.7")


def check_vm_memory(host: HostFacts, vm: VM) -> Check:
    startup = vm.startup_bytes
    if startup is None:
        return _vm_check(vm, "vm.memory", PASS, False, "Startup memory not reported",
                         "No startup memory was gathered.", None, SCRIPT)
    if startup < req.RECOMMENDED_VM_MEMORY:
        return _vm_check(vm, "vm.memory", WARN, req.off_changes_offered(host, vm), f"Startup memory {format_size(startup)} is below 4 GB",
                         "Enable-NestedVm.ps1: \"without 4GB or more, you may not be able to start VMs\" inside it.",
                         pwsh.command("Set-VMMemory", VMName=vm.name, StartupBytes=req.RECOMMENDED_VM_MEMORY),
                         f"{SCRIPT}; {BLOG}; facts §1.1")
    return _vm_check(vm, "vm.memory", PASS, False, f"Startup memory {format_size(startup)}",
                     "4 GB or more: room for the guest's own VMs.", None, SCRIPT)


def check_networking(host: HostFacts, vm: VM) -> Check:
    adapters = vm.network_adapters
    source = f"{BLOG}; {DOCS_2016}; facts §2.3"
    if not adapters:
        return _vm_check(vm, "vm.networking", WARN, False, "VM has no network adapter",
                         "Nested guests will have no network until the VM has an adapter "
                         "(then MAC spoofing, or NAT inside the guest).",
                         pwsh.command("Add-VMNetworkAdapter", VMName=vm.name), source)
    if all(a.mac_spoofing for a in adapters):
        return _vm_check(vm, "vm.networking", PASS, False, "MAC address spoofing is on",
                         "Nested guests can reach the network through this VM's adapter.", None, source)
    if req.profile(host.build) == "current" and vm.guest is not None and vm.guest.nat:
        return _vm_check(vm, "vm.networking", PASS, False, "Nested guests use NAT inside the VM",
                         f"The guest has a NAT network ({vm.guest.nat[0].name}); since 2016 that works without MAC spoofing.",
                         None, source)
    detail = ("MAC spoofing is off, so nested guests won't have network. The blog required MAC spoofing; since 2016 "
              "a NAT network inside the VM works too (best where spoofing is not allowed, as in a public cloud).")
    if req.profile(host.build) == "preview":
        detail = "The blog: \"MAC spoofing must be enabled for networking to work in its guests.\""
    return _vm_check(vm, "vm.networking", WARN, True, "Nested guests won't have network (MAC spoofing off)", detail,
                     pwsh.mac_spoofing(vm.name),
                     source)


def check_checkpoints(host: HostFacts, vm: VM) -> Check:
    if req.profile(host.build) == "preview" and vm.checkpoints:
        return _vm_check(vm, "vm.checkpoints", WARN, False, f"VM has {vm.checkpoints} checkpoint(s)",
                         "The blog: \"Applying checkpoints to a running VM will fail\" once nesting is on "
                         "(fixed in build 14361).",
                         f"Get-VMCheckpoint -VMName {pwsh.quote(vm.name)} | Remove-VMCheckpoint", f"{BLOG}; facts §2.1")
    detail = ("Checkpoints work with nesting since build 14361." if req.profile(host.build) == "current"
              else "No checkpoints.")
    return _vm_check(vm, "vm.checkpoints", PASS, False, "Checkpoints are no obstacle", detail, None,
                     f"{DOCS_2016}; facts §2.2")


def check_processors(host: HostFacts, vm: VM) -> Check:
    count = vm.processor_count
    if count == 1:
        return _vm_check(vm, "vm.processors", WARN, False, "Only 1 virtual processor",
                         "A nested hypervisor wants 2 or more; Microsoft's 2016 example set -Count 2.",
                         pwsh.command("Set-VMProcessor", VMName=vm.name, Count=2), f"{DOCS_2016}; facts §2.1")
    guest = vm.guest
    old_server = (guest is not None and guest.os.kind == "server" and guest.build is not None
                  and guest.build <= req.OLD_SERVER_LAST_BUILD)
    if count is not None and count > req.MAX_VCPUS_OLD_SERVER_L1 and old_server:
        return _vm_check(vm, "vm.processors", WARN, False, f"{count} virtual processors: too many for this guest",
                         f"The guest runs Windows Server build {guest.build} (2019 or earlier): as a first-level VM "
                         "it should have 225 vCPUs or fewer.",
                         pwsh.command("Set-VMProcessor", VMName=vm.name, Count=req.MAX_VCPUS_OLD_SERVER_L1),
                         f"{L1_225}; facts §2.4")
    shown = "unknown number of" if count is None else str(count)
    return _vm_check(vm, "vm.processors", PASS, False, f"{shown} virtual processors",
                     "Enough for a nested hypervisor.", None, f"{DOCS_2016}; {L1_225}")


def check_guest_hyperv(host: HostFacts, vm: VM) -> Check:
    guest = vm.guest
    source = f"{BLOG} (step 3); facts §2.6"
    if guest is None:
        return _vm_check(vm, "vm.guest-hyperv", PASS, False, "Hyper-V in the guest: unknown",
                         "The guest OS could not be inspected (the VM is not running, or there are no guest "
                         "credentials), so whether Hyper-V is installed inside is unknown.", None, source)
    if guest.hyperv_installed:
        return _vm_check(vm, "vm.guest-hyperv", PASS, False, "Hyper-V is installed in the guest",
                         "The guest can create its own VMs (blog step 4).", None, source)
    return _vm_check(vm, "vm.guest-hyperv", INFO, True, "Hyper-V is not installed in the guest yet",
                     "Blog step 3: install Hyper-V in the guest once nesting is on (--install-hyperv).",
                     pwsh.install_hyperv_in_guest(vm.name, guest.os.kind), source)


def check_known_issues(host: HostFacts, vm: VM) -> Check:
    if req.profile(host.build) == "preview" and vm.nesting:
        return _vm_check(vm, "vm.known-issues", WARN, False, "Preview limits apply to this nesting VM",
                         "On the 2015 preview these fail for a VM hosting VMs: runtime memory resize, live migration, "
                         "save/restore (and applying checkpoints while it runs). They still work in the innermost "
                         "guest. Build 14361 and later lifted most of them.", None, f"{BLOG}; facts §2.1, §2.7")
    detail = ("Nesting is off, so the preview's limits do not apply yet." if not vm.nesting else
              "Since build 14361 save/restore and checkpoints work; runtime memory resize still fails while Hyper-V "
              "runs inside, and Microsoft's current docs do not say whether live migration is supported (uncertain).")
    return _vm_check(vm, "vm.known-issues", PASS, False, "No known-issue warnings", detail, None,
                     f"{BLOG}; {DOCS_2016}; facts §2.7")


VM_RULES = (check_exists, check_version, check_state, check_expose, check_dynamic_memory, check_vm_memory,
            check_networking, check_checkpoints, check_processors, check_guest_hyperv, check_known_issues)
CHECK_IDS = tuple(["host.os-build", "host.hyperv", "host.cpu", "host.vbs", "host.memory", "vm.exists",
                   "vm.version", "vm.state", "vm.expose-extensions", "vm.dynamic-memory", "vm.memory",
                   "vm.networking", "vm.checkpoints", "vm.processors", "vm.guest-hyperv", "vm.known-issues"])


def vm_checks(host: HostFacts, vm: VM) -> list[Check]:
    return [rule(host, vm) for rule in VM_RULES]


def build_report(host: HostFacts, target: str, vms: list[str] | None = None) -> Report:
    """Check the host, and the named VMs (or every VM when none is named)."""
    checks = host_checks(host)
    host_failed = any(c.status == FAIL for c in checks)
    summaries = []
    names = vms if vms else [vm.name for vm in host.vms]
    by_name = {vm.name.casefold(): vm for vm in reversed(host.vms)}   # as find_vm: the first match wins
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        vm = by_name.get(name.casefold())
        vm_list = [missing_vm_check(host, name)] if vm is None else vm_checks(host, vm)
        checks.extend(vm_list)
        summaries.append({"name": vm.name if vm else name, "verdict": vm_verdict(vm_list, host_failed)})
    report = Report(target=target, host=host.name, profile=req.profile(host.build), checks=checks, vms=summaries,
                    facts=host)
    report.verdict = report_verdict(host_failed, summaries)
    return report


def report_verdict(host_failed: bool, summaries: list[dict]) -> str:
    verdicts = {s["verdict"] for s in summaries}
    if host_failed or "blocked" in verdicts:
        return "blocked"
    if "fixable" in verdicts:
        return "fixable"
    return "ready"
