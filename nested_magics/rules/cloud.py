"""A host that is itself a cloud VM: what its own host (Azure) must allow, in the words host.cpu and host.virtual
use. What Azure says about sizes and security types, with dates, has its one home in ``rules.azure``."""

from __future__ import annotations

from nested_magics import pwsh
from nested_magics.model.facts import HostFacts
from nested_magics.model.vantage import NO
from nested_magics.rules import azure


def is_azure(host: HostFacts) -> bool:
    cloud = host.machine.cloud if host.machine is not None else None
    return cloud is not None and (cloud.provider or "").casefold() == "azure"


def size_note(host: HostFacts) -> str:
    """This VM's Azure size and security type: what is known about nesting on them, when, and how to check."""
    cloud = host.machine.cloud
    answer, why = azure.size_answer(cloud.vm_size)
    resize = f" Resize it to a size whose page says Supported, e.g. {azure.EXAMPLES}." if answer == NO else ""
    security = azure.security_note(cloud.security_type)
    return f"Azure: {why}.{resize}" + (f" {security}" if security else f" Security type {cloud.security_type}.")


def size_blocks(host: HostFacts) -> bool:
    """An Azure size whose size page says nesting is not supported."""
    return is_azure(host) and azure.size_answer(host.machine.cloud.vm_size)[0] == NO


def outer_host(host: HostFacts) -> str:
    """What this VM's own host must allow, for the words of host.virtual and host.cpu."""
    if is_azure(host):
        return ("its Azure size must support nested virtualization, with the security type Standard, and nested "
                "VMs need a NAT network here, since MAC spoofing does not reach a cloud network.")
    command = pwsh.command("Set-VMProcessor", VMName=host.name or "THIS-VM", ExposeVirtualizationExtensions=True)
    return ("its own Hyper-V host must expose the virtualization extensions to it: with this VM off, run on that "
            f"host {command} (with the VM's name there, if it is not its computer name).")


def outer_step(host: HostFacts) -> str:
    """The step on this VM's own host that gives it virtualization extensions (host.cpu's words)."""
    if is_azure(host):
        return "On Azure: " + outer_host(host) + " " + size_note(host)
    return "On its host: " + outer_host(host)
