"""Inside a VM: can Hyper-V VMs, WSL2, Windows Sandbox and Docker Desktop run here, why, and each step where.

Each needs the virtualization extensions to reach this VM (``rules.vantage``), plus its own edition, feature and
size needs. A need that only a change outside this VM meets (its host, its Azure size, its edition) makes the
answer no; one unknown makes it unknown (never yes); what is left to do here is listed as steps "here".
"""

from __future__ import annotations

from nested_magics import pwsh
from nested_magics.model.facts import HostFacts
from nested_magics.model.vantage import NO, UNKNOWN, YES, Step, Vantage, Workload

HYPERV_SRC = ("Microsoft, Install Hyper-V (Windows 10/11 Pro, Enterprise or Education; not Home), "
              "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/get-started/install-hyper-v")
WSL_SRC = ("Microsoft, WSL FAQ (\"Can I run WSL 2 in a virtual machine? Yes!\") and troubleshooting (0x80370102), "
           "https://learn.microsoft.com/en-us/windows/wsl/faq")
SANDBOX_SRC = ("Microsoft, Windows Sandbox install (2024-09-09): Pro, Enterprise or Education; 4 GB, 2 cores; in "
               "a VM, Set-VMProcessor -ExposeVirtualizationExtensions on its host, https://learn.microsoft.com/en-us/"
               "windows/security/application-security/application-isolation/windows-sandbox/windows-sandbox-install")
DOCKER_SRC = ("Docker, Run Docker Desktop for Windows in a VM or VDI environment, "
              "https://docs.docker.com/desktop/setup/vm-vdi/")
HERE = "here"
WSL_BUILD = 18362          # WSL2 arrived in Windows 10 1903 (build 18362)
SANDBOX_BUILD = 18362    # Windows 10 1903, the first release with Windows Sandbox
GIB = 1024 ** 3
VENDOR = {
    "azure": "Docker supports Docker Desktop in Azure VMs, for Docker Business customers",
    "vmware": "Docker supports Docker Desktop in VMware ESXi VMs, for Docker Business customers",
}
UNSUPPORTED = ("Docker does not support Docker Desktop in this VM: its docs support VMs only on VMware ESXi or "
               "Azure, for Docker Business customers, with \"no support for other VMs\"")


def workloads(facts: HostFacts, vantage: Vantage, kind: str, host_steps: dict) -> list[Workload]:
    """The four answers, in the order the dashboard shows them."""
    hyperv = _hyperv(facts, vantage)
    wsl = _wsl(facts, vantage)
    return [hyperv, wsl, _sandbox(facts, vantage, host_steps), _docker(facts, kind, hyperv, wsl, vantage)]


def _home(facts: HostFacts) -> bool:
    return (facts.os.edition or "").startswith("Core")


def _boot_step(facts: HostFacts) -> list[Step]:
    if facts.boot is not None and (facts.boot.hypervisor_launch_type or "").casefold() == "off":
        return [Step(HERE, "Let the hypervisor start at boot (hypervisorlaunchtype is Off), then restart",
                     "bcdedit /set hypervisorlaunchtype auto")]
    return []


def _feature_step(facts: HostFacts, feature: str, what: str) -> list[Step]:
    """Enable ``feature`` here unless it is on; a pending one needs a restart."""
    state = facts.features.get(feature)
    if state == "Enabled":
        return []
    if state == "EnablePending":
        return [Step(HERE, f"Restart to finish turning on {what}", "Restart-Computer")]
    return [Step(HERE, f"Turn on {what}, then restart",
                 pwsh.command("Enable-WindowsOptionalFeature", "Online", "All", FeatureName=feature))]


def _answer(name: str, source: str, vantage: Vantage, blockers: list[tuple[str, Step | None]],
            steps: list[Step], ready: str) -> Workload:
    """no when something outside this VM stops it; unknown when nesting is unknown; else yes, with the steps here."""
    if vantage.nesting == NO:
        blockers = [(f"the virtualization extensions do not reach this VM: {vantage.why}", vantage.change)] + blockers
    if blockers:
        return Workload(name, NO, "; ".join(why for why, _ in blockers), source,
                        [step for _, step in blockers if step is not None])
    if vantage.nesting == UNKNOWN:
        return Workload(name, UNKNOWN, f"it needs the virtualization extensions, and whether they reach this VM is "
                        f"unknown: {vantage.why}", source, [vantage.change] if vantage.change else [])
    left = f"; left to do here: {len(steps)} step{'s' if len(steps) != 1 else ''}" if steps else ""
    return Workload(name, YES, ready + left, source, steps)


def _hyperv(facts: HostFacts, vantage: Vantage) -> Workload:
    blockers = []
    if _home(facts) or facts.features.get("Microsoft-Hyper-V") == "NotPresent":
        blockers.append((f"this edition ({facts.os.edition or 'unknown'}) has no Hyper-V: it needs Windows Pro, "
                         "Enterprise or Education, or Windows Server",
                         Step(HERE, "Upgrade this VM's Windows to Pro, Enterprise or Education")))
    installed = facts.hyperv_installed or facts.features.get("Microsoft-Hyper-V") == "Enabled"
    if installed:
        steps, ready = [], "the virtualization extensions reach this VM and Hyper-V is installed"
    elif facts.os.kind == "server":
        steps = [Step(HERE, "Install Hyper-V (the VM restarts)",
                      pwsh.command("Install-WindowsFeature", "IncludeManagementTools", "Restart", Name="Hyper-V"))]
        ready = "the virtualization extensions reach this VM; Hyper-V is not installed yet"
    else:
        steps = _feature_step(facts, "Microsoft-Hyper-V", "Hyper-V")
        ready = "the virtualization extensions reach this VM; Hyper-V is not installed yet"
    return _answer("Hyper-V VMs", HYPERV_SRC, vantage, blockers, _boot_step(facts) + steps, ready)


def _wsl(facts: HostFacts, vantage: Vantage) -> Workload:
    blockers = []
    if facts.build is not None and facts.build < WSL_BUILD:
        blockers.append((f"WSL2 needs Windows 10 1903 (build {WSL_BUILD}) or later; this is build {facts.build}",
                         Step(HERE, "Upgrade this VM's Windows to a build with WSL2")))
    if facts.features.get("VirtualMachinePlatform") == "NotPresent":
        blockers.append(("this Windows does not offer the Virtual Machine Platform that WSL2 runs on",
                         Step(HERE, "Use a Windows that offers it: Windows 10 1903 or later, Windows 11, or "
                              "Windows Server 2022 or later")))
    on = facts.features.get("VirtualMachinePlatform") == "Enabled"
    steps = [] if on else [Step(HERE, "Install WSL (it turns on the Virtual Machine Platform), then restart",
                                "wsl --install")]
    if facts.features.get("VirtualMachinePlatform") == "EnablePending":
        steps = [Step(HERE, "Restart to finish turning on the Virtual Machine Platform", "Restart-Computer")]
    ready = "the virtualization extensions reach this VM" + ("; the Virtual Machine Platform is on" if on else "")
    work = _answer("WSL2", WSL_SRC, vantage, blockers, _boot_step(facts) + steps, ready)
    if work.can_run == NO and vantage.nesting == NO:
        work.reason += ("; WSL2 then fails with 0x80370102 \"The virtual machine could not be started because a "
                        "required feature is not installed.\"")
    return work


def _sandbox(facts: HostFacts, vantage: Vantage, host_steps: dict) -> Workload:
    blockers = []
    if facts.os.kind == "server":
        blockers.append(("Windows Sandbox is a feature of Windows client editions (Pro, Enterprise, Education), "
                         "not of Windows Server", None))
    elif _home(facts) or facts.features.get("Containers-DisposableClientVM") == "NotPresent":
        blockers.append((f"this edition ({facts.os.edition or 'unknown'}) has no Windows Sandbox: it needs Pro, "
                         "Enterprise or Education", Step(HERE, "Upgrade this VM's Windows to Pro, Enterprise or "
                                                               "Education")))
    if facts.build is not None and facts.build < SANDBOX_BUILD:
        blockers.append((f"Windows Sandbox came with Windows 10 1903 (build {SANDBOX_BUILD}); this is build "
                         f"{facts.build}", Step(HERE, "Upgrade this VM's Windows to Windows 10 1903 or later, or Windows 11")))
    total = facts.memory.total_bytes if facts.memory is not None else None
    if total is not None and total < 4 * GIB:
        blockers.append((f"it needs at least 4 GB of memory; this VM has {total / GIB:.1f} GB", host_steps["memory"]))
    if facts.cpu.logical_processors is not None and facts.cpu.logical_processors < 2:
        blockers.append(("it needs at least 2 processors; this VM has 1", host_steps["processors"]))
    steps = _feature_step(facts, "Containers-DisposableClientVM", "Windows Sandbox")
    ready = "the virtualization extensions reach this VM" + ("" if steps else "; Windows Sandbox is on")
    return _answer("Windows Sandbox", SANDBOX_SRC, vantage, blockers, _boot_step(facts) + steps, ready)


def _docker(facts: HostFacts, kind: str, hyperv: Workload, wsl: Workload, vantage: Vantage) -> Workload:
    stance = VENDOR.get(kind, UNSUPPORTED)
    if facts.os.kind == "server":
        return Workload("Docker Desktop", NO, "Docker Desktop's requirements name Windows 10 and 11, not Windows "
                        f"Server; {stance}", DOCKER_SRC, [])
    engine = wsl if wsl.can_run == YES else hyperv if hyperv.can_run == YES else None
    if engine is not None:
        install = Step(HERE, "Install Docker Desktop" + (" (WSL 2 backend)" if engine is wsl else " (Hyper-V backend)"))
        return Workload("Docker Desktop", YES, f"its engine can run here on {engine.name}; {stance}", DOCKER_SRC,
                        engine.steps + [install])
    if NO in (wsl.can_run, hyperv.can_run) and UNKNOWN not in (wsl.can_run, hyperv.can_run):
        return Workload("Docker Desktop", NO, f"it runs its engine in WSL2 or a Hyper-V VM, and neither can run here "
                        f"(Docker Desktop then says \"... because one of the Hyper-V components is not running\"); "
                        f"{stance}", DOCKER_SRC, list(wsl.steps))
    return Workload("Docker Desktop", UNKNOWN, f"it runs its engine in WSL2 or a Hyper-V VM, and whether they can run "
                    f"here is unknown; {stance}", DOCKER_SRC, [vantage.change] if vantage.change else [])
