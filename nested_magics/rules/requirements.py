"""What nested virtualization needs, by build and CPU (facts §2): the numbers the rules,
the planner and the simulator share, so they can never disagree."""

from __future__ import annotations

from nested_magics.model.facts import SETTLED_STATES, VM, HostFacts, version_tuple
from nested_magics.model.sizes import GiB
from nested_magics.vocabulary import RECOMMENDED_VM_MEMORY  # noqa: F401  (the blog's 4 GB; one home)

PREVIEW_FIRST_BUILD = 10565     # blog: "builds prior to 10565 will not work" (facts §2.1)
CURRENT_FIRST_BUILD = 14361     # VM version 8.0 required; checkpoints, save, VBS work (facts §2.2)
AMD_SERVER_BUILD = 20348        # Windows Server 2022 (facts §2.5)
AMD_CLIENT_BUILD = 22000        # Windows 11 (facts §2.5)
INTEL_MIN_VM_VERSION = "8.0"    # facts §2.6
AMD_MIN_VM_VERSION = "9.3"      # facts §2.5 (changed from 10.0 in 2023)
HOST_MEMORY_WARNING = 8 * GiB   # the blog: "4 GB of host RAM, but things were tight"
MAX_VCPUS_OLD_SERVER_L1 = 225   # facts §2.4 (April 2023): WS2019 or earlier as L1
OLD_SERVER_LAST_BUILD = 17763   # Windows Server 2019


def profile(build: int | None) -> str:
    """``preview`` below build 14361 (the blog's world), ``current`` from it on."""
    if build is not None and build < CURRENT_FIRST_BUILD:
        return "preview"
    return "current"


def required_vm_version(host: HostFacts) -> str | None:
    """The lowest VM configuration version that may nest on this host; None in ``preview``."""
    if profile(host.build) == "preview":
        return None
    return AMD_MIN_VM_VERSION if host.cpu.is_amd else INTEL_MIN_VM_VERSION


def version_meets(version: str | None, required: str | None) -> bool:
    return required is None or version_tuple(version) >= version_tuple(required)


def amd_build_supported(host: HostFacts) -> bool:
    build = host.build or 0
    if host.os.kind == "server":
        return build >= AMD_SERVER_BUILD
    return build >= AMD_CLIENT_BUILD


def needs_off(host: HostFacts, vm: VM) -> bool:
    """Does enabling nesting on ``vm`` need it Off? Only a fail does: its version, nesting itself, or
    dynamic memory in ``preview`` (contracts §4: a change that only fixes a warning never stops a VM)."""
    return (not version_meets(vm.version, required_vm_version(host)) or not vm.nesting
            or (profile(host.build) == "preview" and vm.dynamic_memory))


def off_changes_offered(host: HostFacts, vm: VM) -> bool:
    """Would the enable plan offer a change that needs ``vm`` Off? Only when it is Off, or is stopped anyway
    (a settled state; Saved and Paused with their opt-ins)."""
    return vm.state == "Off" or (vm.state in SETTLED_STATES and needs_off(host, vm))


# Windows editions without Hyper-V (registry EditionID): Home is Core, CoreN, CoreSingleLanguage,
# CoreCountrySpecific (Microsoft, Install Hyper-V, 2025). The editions that have it, as users know them:
HYPERV_EDITIONS = "Pro, Enterprise or Education (client), or Windows Server Standard or Datacenter"


def edition_lacks_hyperv(host: HostFacts) -> bool | None:
    """True when this edition has no Hyper-V (Home, or the feature is NotPresent), False when it has it, None unknown."""
    edition = (host.os.edition or "").casefold()
    if edition.startswith("core") or host.features.get("Microsoft-Hyper-V") == "NotPresent":
        return True
    if edition or host.hyperv_installed:    # Hyper-V installed: this edition has it
        return False
    return None


def edition_name(host: HostFacts) -> str:
    """The edition as users say it: ``Microsoft Windows 11 Home (EditionID Core)``."""
    edition = host.os.edition
    return f"{host.os.caption or 'Windows'}" + (f" (EditionID {edition})" if edition else "")


def not_x64(host: HostFacts) -> str | None:
    """The architecture when it is known and not x64 (Hyper-V nests on x64 only), else None."""
    arch = host.cpu.architecture
    return arch if arch is not None and arch.casefold() not in ("x64", "amd64") else None


LAUNCH_AUTO = "bcdedit /set hypervisorlaunchtype auto; Restart-Computer"   # as an administrator (WSL docs)


def launch_type_off(host: HostFacts) -> bool:
    """bcdedit says the hypervisor does not start at boot (hypervisorlaunchtype Off)."""
    return host.boot is not None and (host.boot.hypervisor_launch_type or "").casefold() == "off"
