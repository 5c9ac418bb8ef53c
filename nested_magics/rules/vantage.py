"""From inside a VM (the L1 vantage): can nesting work here, why, and what to change on *its* host.

A VM cannot read from the inside whether its host exposes the virtualization extensions (the processor flags
are unreliable while a hypervisor runs, and one always runs under a VM), so the answer weighs what is known, best
first: a VM running in it; its host's own record (a guest reached from its host); Azure's size and security type;
Hyper-V installed here (it installs only where the extensions reach); the processor flags. Nothing known is
unknown, never yes. ``rules.workloads`` then answers for Hyper-V VMs, WSL2, Windows Sandbox and Docker Desktop.
"""

from __future__ import annotations

from dataclasses import dataclass

from nested_magics import pwsh
from nested_magics.model.facts import HostFacts, VM
from nested_magics.model.vantage import NO, UNKNOWN, YES, Step, Vantage
from nested_magics.rules import azure
from nested_magics.rules.sources import DOCS_NOW
from nested_magics.rules.workloads import workloads

# What Set-VMProcessor names when this VM's name on its host is not known from here.
NAME_PLACEHOLDER = "<this VM as its host names it>"
ARM64 = ("Microsoft on Snapdragon (2025-12-04): \"a hardware limitation of most ARM64 chips\"; Hyper-V's nesting "
         "spec: x64 only, https://github.com/microsoft/WSL/issues/13796")


@dataclass(slots=True)
class Under:
    """What this VM runs on: ``kind`` azure | hyperv | vmware | other; ``where`` its steps run."""

    kind: str
    label: str
    where: str
    vm_name: str | None = None
    security_type: str | None = None
    host_name: str | None = None
    named_here: bool = False        # the names came from this VM's own Data Exchange key, not its host's record


def is_vm(facts: HostFacts) -> bool:
    """This computer is known to be a VM (a guest, or its machine says so); unknown is not a VM here."""
    return facts.is_guest or (facts.machine is not None and facts.machine.virtual is True)


def what_can_run(facts: HostFacts, vm: VM | None = None, parent: HostFacts | None = None) -> Vantage | None:
    """The view from inside ``facts`` when it is a VM (None for a physical or unknown machine). ``vm`` and
    ``parent``: its own record on its host (a guest), which says whether the extensions are exposed."""
    if vm is None and not is_vm(facts):
        return None
    under = _under(facts, vm, parent)
    nesting, why, source, change, known = _nesting(facts, under, vm)
    vantage = Vantage(under.label, nesting, why, source, change, known)
    vantage.workloads = workloads(facts, vantage, under.kind, _host_steps(under, facts))
    return vantage


def inside(host: HostFacts, path: str) -> Vantage | None:
    """The view from inside the VM at ``path`` (``myVM`` or ``myVM/nestedVM``) of ``host``; None if not found."""
    parent = host
    parts = path.replace("\\", "/").split("/")
    for depth, name in enumerate(parts):
        vm = parent.find_vm(name)
        if vm is None:
            return None
        if depth == len(parts) - 1:
            return what_can_run(vm.guest or HostFacts(name=None, is_guest=True), vm, parent)
        if vm.guest is None:
            return None
        parent = vm.guest
    return None


def _under(facts: HostFacts, vm: VM | None, parent: HostFacts | None) -> Under:
    machine = facts.machine
    cloud = machine.cloud if machine is not None else None
    if cloud is not None and cloud.provider.casefold() == "azure":
        label = f"Azure ({cloud.vm_size or 'size unknown'}, security type {cloud.security_type or 'unknown'})"
        return Under("azure", label, "in Azure", security_type=cloud.security_type)
    if vm is not None:
        host = parent.name if parent is not None and parent.name else "its host"
        return Under("hyperv", f"the Hyper-V host {host} (as VM {vm.name})", f"on its Hyper-V host {host}", vm.name,
                     host_name=host)
    maker = (machine.manufacturer or "") if machine is not None else ""
    if facts.is_guest or maker.startswith("Microsoft"):
        if machine is not None and machine.vm_name:
            # Data Exchange's Guest\Parameters key (Microsoft Learn, IVMGuestOS::GetParameter): this VM's name on
            # its host, and that host's name where known.
            host = machine.physical_host
            label = f"the Hyper-V host {host} (as VM {machine.vm_name})" if host else \
                f"a Hyper-V host (as VM {machine.vm_name})"
            return Under("hyperv", label, f"on its Hyper-V host {host}" if host else "on its Hyper-V host",
                         machine.vm_name, host_name=host or "its host", named_here=True)
        return Under("hyperv", "a Hyper-V host", "on its Hyper-V host")
    if maker.casefold().startswith("vmware"):
        return Under("vmware", "VMware", "on its VMware host")
    return Under("other", f"a hypervisor ({maker or 'maker unknown'})", "on its host")


def _expose(under: Under, facts: HostFacts) -> Step:
    """The step on this VM's host that gives it the virtualization extensions."""
    if under.kind == "azure":
        return azure.resize(under.security_type)
    if under.kind == "hyperv":
        name = under.vm_name or NAME_PLACEHOLDER
        hint = _named_here(under) if under.vm_name else (
            " (replace the placeholder with this VM's name there: Get-VM on that host lists them; often it is this "
            f"computer's name, {facts.name or 'unknown'})")
        return Step(under.where, f"With this VM off, expose the virtualization extensions to it, then start it{hint}",
                    pwsh.command("Set-VMProcessor", VMName=name, ExposeVirtualizationExtensions=True))
    if under.kind == "vmware":
        return Step(under.where, "With this VM off, turn on \"Expose hardware assisted virtualization to the guest "
                    "OS\" in its CPU settings, then start it")
    return Step(under.where, "Its hypervisor must pass the virtualization extensions (VT-x/AMD-V) to this VM: "
                "its nested virtualization setting, with the VM off")


def _find_out(under: Under, facts: HostFacts) -> Step:
    """How to find out, on its host, whether it exposes the extensions to this VM."""
    if under.kind == "hyperv":
        name = under.vm_name or NAME_PLACEHOLDER
        return Step(under.where, "Find out whether it exposes the virtualization extensions to this VM (True: "
                    "it does); if not, with this VM off, run Set-VMProcessor ... -ExposeVirtualizationExtensions "
                    f"$true there{_named_here(under)}", f"Get-VMProcessor -VMName {pwsh.quote(name)} | Select-Object "
                    "ExposeVirtualizationExtensions")
    return _expose(under, facts)


def _named_here(under: Under) -> str:
    """Where the names in a step came from, when this VM read them itself."""
    if not under.named_here:
        return ""
    return (" (this VM's name and its host are what Hyper-V's Data Exchange reported here; a clustered VM may "
            "have moved to another node since it was checked)")


def _host_steps(under: Under, facts: HostFacts) -> dict:
    """Steps on the host for Windows Sandbox's minimums (4 GB, 2 virtual processors)."""
    if under.kind == "azure":
        return {"memory": azure.resize(under.security_type), "processors": azure.resize(under.security_type)}
    if under.kind != "hyperv":
        return {"memory": Step(under.where, "Give this VM at least 4 GB of memory"),
                "processors": Step(under.where, "Give this VM at least 2 virtual processors")}
    name = under.vm_name or NAME_PLACEHOLDER
    return {"memory": Step(under.where, "With this VM off, give it at least 4 GB of memory",
                           pwsh.command("Set-VMMemory", VMName=name, StartupBytes=4 * 1024 ** 3)),
            "processors": Step(under.where, "With this VM off, give it at least 2 virtual processors",
                               pwsh.command("Set-VMProcessor", VMName=name, Count=2))}


def _nesting(facts: HostFacts, under: Under, vm: VM | None):
    """(yes | no | unknown, why, source, the change or how to find out, what is known where uncertain)."""
    arch = facts.cpu.architecture
    if arch is not None and arch.casefold() not in ("x64", "amd64"):
        change = azure.resize(under.security_type) if under.kind == "azure" else Step(
            under.where, "Run this workload in an x64 VM on an x64 host: nesting is x64 only")
        return NO, f"this VM's processor is {arch}, and Hyper-V nests on x64 only", ARM64, change, None
    running = next((inner.name for inner in facts.vms if inner.state == "Running"), None)
    if running is not None:
        return YES, f"a VM ({running}) is running inside this VM", DOCS_NOW, None, None
    if vm is not None and under.kind == "hyperv":
        if vm.expose_virtualization_extensions:
            return (YES, f"{under.host_name} exposes the virtualization extensions to {vm.name} "
                    "(ExposeVirtualizationExtensions is on)", DOCS_NOW, None, None)
        return (NO, f"{under.host_name} does not expose the virtualization extensions to {vm.name} "
                "(ExposeVirtualizationExtensions is off)", DOCS_NOW, _expose(under, facts), None)
    inside_says = _inside_evidence(facts)
    if under.kind == "azure":
        return _azure(facts, under, inside_says)
    if inside_says is not None:
        answer, why = inside_says
        return answer, why, DOCS_NOW, None if answer == YES else _expose(under, facts), None
    return (UNKNOWN, "a VM cannot read whether its host exposes the virtualization extensions to it (the "
            "processor flags were not read, and Hyper-V is not installed here)", DOCS_NOW, _find_out(under, facts), None)


def _inside_evidence(facts: HostFacts) -> tuple[str, str] | None:
    """What this VM's own facts say about the extensions reaching it, or None."""
    if facts.hyperv_installed or facts.features.get("Microsoft-Hyper-V") == "Enabled":
        return YES, ("Hyper-V is installed here, and it installs only where the virtualization extensions reach "
                     "the VM (its prerequisite check)")
    cpu = facts.cpu
    if cpu.vmx is True and cpu.slat is not False:
        return YES, "this VM's processor shows the virtualization extensions (VT-x/AMD-V) and SLAT"
    if cpu.vmx is False or cpu.slat is False:
        missing = "VT-x/AMD-V" if cpu.vmx is False else "SLAT (EPT/NPT)"
        return NO, f"this VM's processor shows no {missing}: its host does not expose the virtualization extensions"
    return None


def _azure(facts: HostFacts, under: Under, inside_says):
    """Azure's size pages and security type first; this VM's own evidence where they leave it open."""
    cloud = facts.machine.cloud
    answer, why = azure.size_answer(cloud.vm_size)
    note = azure.security_note(cloud.security_type)
    change = azure.resize(cloud.security_type)
    if answer == NO:
        return NO, why, azure.SIZES, change, note
    if answer == YES and note is None:
        return YES, f"{why}, and its security type is Standard", azure.SIZES, None, None
    if inside_says is not None and inside_says[0] == YES:
        return YES, f"{inside_says[1]} ({why})", azure.SIZES, None, note
    if note is not None:       # Trusted Launch, confidential or not read: not known to allow nesting
        source = f"{azure.SIZES}; {azure.TRUSTED_LAUNCH}"
        if cloud.security_type == "TrustedLaunch":
            return (UNKNOWN, f"{why}, but this VM uses Trusted Launch, which Microsoft has said blocks nesting "
                    "(what is known, with dates, below)", source, change, note)
        return UNKNOWN, f"{why}, and its security type is {cloud.security_type or 'not known'}", source, change, note
    if inside_says is not None:
        return inside_says[0], f"{inside_says[1]} ({why})", azure.SIZES, change, None
    return UNKNOWN, why, azure.SIZES, change, azure.size_known(cloud.vm_size)
