"""Issue 13's checks in both rule profiles: ``host.edition``, ``host.boot``, ``host.virtual``, ``vm.clustered``, the
ARM64 and inside-a-VM words of ``host.cpu``, and ``vm.networking`` on a cloud VM host. Each test names the fact
it encodes (real-hosts §N = the reference on real hosts; facts §N = the fact sheet)."""

from __future__ import annotations

import pytest

from nested_magics.model.plan import EnableOptions
from nested_magics.model.report import FAIL, INFO, PASS, WARN
from nested_magics.planner import plan_enable
from nested_magics.rules import build_report

PREVIEW, CURRENT = 10565, 14393
BOTH = pytest.mark.parametrize("build", [PREVIEW, CURRENT], ids=["preview", "current"])
AZURE_VM = {"virtual": True, "manufacturer": "Microsoft Corporation", "model": "Virtual Machine"}
LAB_VM = dict(AZURE_VM, cloud=None)


def azure(size="Standard_D4s_v5", security="Standard") -> dict:
    return dict(AZURE_VM, cloud={"provider": "azure", "vm_size": size, "security_type": security})


def checks(facts, vm: str | None = "myVM") -> dict:
    return {c.id: c for c in build_report(facts, "t", [vm] if vm else None).checks}


def host_check(make_facts, check_id: str, build: int, **overrides):
    return checks(make_facts(os={"build": build, **overrides.pop("os", {})}, **overrides))[check_id]


# ---------------------------------------------------------------- host.edition (real-hosts §5)


@BOTH
@pytest.mark.parametrize("edition", ["Core", "CoreN", "CoreSingleLanguage", "CoreCountrySpecific"])
def test_home_editions_have_no_hyperv_and_block_the_host(make_facts, build, edition):
    """real-hosts §5: Hyper-V "can't be installed on Windows 10 Home or Windows 11 Home" (EditionID Core*)."""
    facts = make_facts(os={"build": build, "edition": edition, "caption": "Microsoft Windows 11 Home"},
                       hyperv_installed=False)
    check = checks(facts)["host.edition"]
    assert (check.status, check.fixable, check.fix) == (FAIL, False, None)
    assert "Pro, Enterprise or Education" in check.detail and "https://" in check.source
    assert checks(facts)["host.hyperv"].fix is None      # no Enable-WindowsOptionalFeature that cannot work
    assert plan_enable(facts, "myVM").refused.id == "host"


@BOTH
@pytest.mark.parametrize("edition", ["Professional", "Enterprise", "Education", "ServerDatacenter", "ServerStandard"])
def test_editions_with_hyperv_pass(make_facts, build, edition):
    """real-hosts §5: Pro, Enterprise, Education and the server editions have Hyper-V."""
    assert host_check(make_facts, "host.edition", build, os={"edition": edition}).status == PASS


@BOTH
def test_a_feature_this_edition_does_not_offer_fails_even_without_an_edition(make_facts, build):
    """contracts §2: features NotPresent = this edition does not offer Hyper-V."""
    check = host_check(make_facts, "host.edition", build, hyperv_installed=False,
                       features={"Microsoft-Hyper-V": "NotPresent"})
    assert check.status == FAIL


@BOTH
def test_an_unknown_edition_is_info_until_hyperv_itself_shows_it(make_facts, build):
    """Unknown is never pass: no edition and no Hyper-V is info with how to read EditionID; Hyper-V installed
    proves this edition has it."""
    unknown = host_check(make_facts, "host.edition", build, hyperv_installed=False)
    assert unknown.status == INFO and "EditionID" in unknown.detail
    assert host_check(make_facts, "host.edition", build).status == PASS


# ---------------------------------------------------------------- host.boot (real-hosts §4)


@BOTH
def test_hypervisorlaunchtype_off_blocks_the_host_with_the_bcdedit_fix(make_facts, build):
    """real-hosts §4: `hypervisorlaunchtype Off` never starts the hypervisor; fixed with bcdedit /set ... auto."""
    facts = make_facts(os={"build": build}, hypervisor_present=False,
                       boot={"hypervisor_launch_type": "Off", "nested_virt_offered": None})
    check = checks(facts)["host.boot"]
    assert (check.status, check.fixable) == (FAIL, False)
    assert check.fix == "bcdedit /set hypervisorlaunchtype auto; Restart-Computer"
    assert checks(facts)["host.hyperv"].fix == check.fix     # installed but switched off: the same step
    assert plan_enable(facts, "myVM").refused.id == "host"


@BOTH
def test_offernestedvirt_false_blocks_the_host(make_facts, build):
    """real-hosts §4: Get-NestedVirtStatus.ps1 flags hypervisorloadoptions OFFERNESTEDVIRT=FALSE."""
    check = host_check(make_facts, "host.boot", build,
                       boot={"hypervisor_launch_type": "Auto", "nested_virt_offered": False})
    assert (check.status, check.fixable) == (FAIL, False) and "OFFERNESTEDVIRT" in check.title


@BOTH
def test_launch_type_auto_passes(make_facts, build):
    assert host_check(make_facts, "host.boot", build,
                      boot={"hypervisor_launch_type": "Auto", "nested_virt_offered": None}).status == PASS


@BOTH
def test_an_unread_boot_entry_passes_only_while_the_hypervisor_runs(make_facts, build):
    """contracts §3: boot unknown is pass only when the hypervisor is known to run, else info; bcdedit needs an
    administrator (real-hosts §4: "The boot configuration data store could not be opened.")."""
    denied = [{"part": "boot", "message": "The boot configuration data store could not be opened. Access is denied."}]
    running = checks(make_facts(os={"build": build}, errors=denied))
    assert running["host.boot"].status == PASS and "could not be opened" in running["host.boot"].detail
    stopped = host_check(make_facts, "host.boot", build, hypervisor_present=False, errors=denied)
    assert stopped.status == INFO and not stopped.data.get("unknown")


# ---------------------------------------------------------------- host.virtual (real-hosts §6)


@BOTH
def test_a_physical_host_passes_and_an_unknown_one_is_info(make_facts, build):
    physical = host_check(make_facts, "host.virtual", build,
                          machine={"virtual": False, "manufacturer": "Dell Inc.", "model": "OptiPlex 7020"})
    assert physical.status == PASS and "OptiPlex 7020" in physical.detail
    unknown = host_check(make_facts, "host.virtual", build)
    assert unknown.status == INFO and "Win32_ComputerSystem" in unknown.detail


@BOTH
def test_a_host_that_is_a_vm_says_its_vms_are_l2_and_what_its_host_must_allow(make_facts, build):
    """real-hosts §6: Model "Virtual Machine" in a Hyper-V guest; its VMs are L2 and need EVE set on L0."""
    check = host_check(make_facts, "host.virtual", build, name="LAB-L1", machine=LAB_VM)
    assert (check.status, check.fixable) == (INFO, False)
    assert "L2 under an L1" in check.detail
    assert "Set-VMProcessor -VMName 'LAB-L1' -ExposeVirtualizationExtensions $true" in check.detail


@BOTH
def test_an_azure_vm_says_its_size_security_type_and_how_to_read_them(make_facts, build):
    """real-hosts §6: the Dsv5 page says Nested Virtualization: Supported; the Trusted Launch documents changed
    (2023-04-25, 2024-11-19, 2025-04-21, 2025-06-10); IMDS gives vmSize and securityType."""
    check = host_check(make_facts, "host.virtual", build, machine=azure(security="TrustedLaunch"))
    assert "Standard_D4s_v5" in check.detail and "Supported" in check.detail
    assert all(date in check.detail for date in ("2023-04-25", "2024-11-19", "2025-06-10"))
    assert "169.254.169.254" in check.detail and "NAT" in check.detail


# ---------------------------------------------------------------- host.cpu: ARM64, and inside a VM


@BOTH
def test_arm64_cannot_nest_in_words_about_the_architecture(make_facts, build):
    """real-hosts §5: nesting is x64-only (TLFS); Microsoft 2025-12-04: "a hardware limitation of most ARM64
    chips"."""
    facts = make_facts(os={"build": build}, cpu={"vendor": "Qualcomm Technologies Inc", "architecture": "ARM64",
                                                  "model": "Snapdragon(R) X Elite - X1E80100"})
    check = checks(facts)["host.cpu"]
    assert (check.status, check.fixable) == (FAIL, False)
    assert "ARM64" in check.title and "vendor" not in check.title and "Qualcomm" not in check.title
    assert plan_enable(facts, "myVM").refused.id == "host"


@BOTH
def test_a_32_bit_windows_cannot_nest(make_facts, build):
    check = host_check(make_facts, "host.cpu", build, cpu={"vendor": "GenuineIntel", "architecture": "x86"})
    assert check.status == FAIL and "x86" in check.title


@BOTH
def test_a_vm_whose_host_hides_the_extensions_is_told_the_step_on_that_host(make_facts, build):
    """contracts §3 / facts §3: a VM without EVE cannot install Hyper-V; HypervisorPresent is true in any VM
    (real-hosts §6), so it is no proof here; the step is Set-VMProcessor on its host."""
    check = host_check(make_facts, "host.cpu", build, name="LAB-L1", machine=LAB_VM, hyperv_installed=False,
                       cpu={"vendor": "GenuineIntel", "vmx": False, "slat": False, "firmware_enabled": False})
    assert (check.status, check.fixable, check.fix) == (FAIL, False, None)
    assert "not exposed to this VM" in check.title
    assert "Set-VMProcessor -VMName 'LAB-L1' -ExposeVirtualizationExtensions $true" in check.detail


@BOTH
def test_a_vm_running_hyperv_or_showing_the_flags_passes_and_unknown_flags_are_info(make_facts, build):
    """facts §3: Hyper-V's installer refuses a VM without the extensions, so Hyper-V running in it shows them."""
    assert host_check(make_facts, "host.cpu", build, machine=LAB_VM).status == PASS
    flags = {"vendor": "GenuineIntel", "vmx": True, "slat": True, "firmware_enabled": True}
    assert host_check(make_facts, "host.cpu", build, machine=LAB_VM, hyperv_installed=False, cpu=flags).status == PASS
    assert host_check(make_facts, "host.cpu", build, machine=LAB_VM, hyperv_installed=False).status == INFO


@BOTH
def test_an_azure_size_whose_page_says_not_supported_fails_with_the_resize(make_facts, build):
    """real-hosts §6: the Bsv2 page says Nested Virtualization: Not supported; Dsv5 says Supported."""
    check = host_check(make_facts, "host.cpu", build, machine=azure("Standard_B2s_v2"), hyperv_installed=False)
    assert check.status == FAIL and "Not supported" in check.detail and "Standard_D4s_v5" in check.detail


# ---------------------------------------------------------------- vm.clustered (facts §2.6)


@BOTH
def test_a_clustered_vm_is_warned_about_the_cluster(make_facts, make_vm, build):
    """facts §2.6: nesting "isn't suitable for Windows Server Failover Clustering"; the 2015 preview: live
    migration fails (the blog)."""
    facts = make_facts(os={"build": build, "kind": "server"}, vms=[make_vm(clustered=True)])
    check = checks(facts)["vm.clustered"]
    assert (check.status, check.fixable) == (WARN, False) and "Failover Clustering" in check.detail
    assert ("live migration of a VM hosting VMs fails" in check.detail) == (build == PREVIEW)
    assert build_report(facts, "t").verdict == "fixable"        # warnings never change a verdict


@BOTH
def test_clustered_unknown_is_info_on_a_server_and_pass_on_a_client(make_facts, make_vm, build):
    """Unknown is never pass, except where it cannot be: client Windows has no failover clustering."""
    assert checks(make_facts(os={"build": build}, vms=[make_vm(clustered=False)]))["vm.clustered"].status == PASS
    assert checks(make_facts(os={"build": build}))["vm.clustered"].status == PASS
    server = checks(make_facts(os={"build": build, "kind": "server"}))["vm.clustered"]
    assert server.status == INFO and "IsClustered" in server.detail


# ---------------------------------------------------------------- vm.networking on a cloud VM host (real-hosts §6)


@BOTH
def test_mac_spoofing_does_not_count_on_a_cloud_vm_host(make_facts, make_vm, build):
    """real-hosts §6: NAT "is best suited for cases where MAC address spoofing isn't possible, like in a public
    cloud"; NAT inside the VM works from build 14361 (facts §2.3), so the 2015 preview has no way there."""
    facts = make_facts(os={"build": build}, machine=azure(), vms=[make_vm(mac_spoofing=True)])
    check = checks(facts)["vm.networking"]
    assert check.status == WARN and "cloud network" in check.detail
    assert check.fixable == (build == CURRENT)


def test_a_nat_inside_the_vm_passes_on_a_cloud_vm_host(make_facts, make_vm, make_guest):
    """facts §2.3: since 2016 a NAT inside the VM gives nested guests a network."""
    vm = make_vm(state="Running", nesting=True, mac_spoofing=False,
                 guest=make_guest(hyperv_installed=True, nat=[{"name": "LocalNAT", "prefix": "192.168.100.0/24"}]))
    facts = make_facts(machine=azure(), vms=[vm])
    assert checks(facts)["vm.networking"].status == PASS


def test_the_plan_on_a_cloud_vm_host_offers_nat_never_mac_spoofing(make_facts, make_vm):
    """The plan never offers a change that cannot work: MAC spoofing does not reach a cloud network."""
    facts = make_facts(machine=azure(), vms=[make_vm(mac_spoofing=False)])
    assert "enable-mac-spoofing" not in [c.id for c in plan_enable(facts, "myVM").changes]
    nat = plan_enable(facts, "myVM", EnableOptions(networking="nat", install_hyperv=True))
    assert nat.refused is None and [c.id for c in nat.changes][-1] == "guest-nat"


# ---------------------------------------------------------------- vm.guest-hyperv in a Home guest (real-hosts §5)


@BOTH
def test_hyperv_cannot_be_installed_in_a_home_guest_and_the_plan_says_so(make_facts, make_vm, make_guest, build):
    """real-hosts §5: Home has no Hyper-V, so --install-hyperv cannot work there (DISM: "Feature name
    Microsoft-Hyper-V is unknown.")."""
    guest = make_guest(os={"caption": "Microsoft Windows 11 Home", "edition": "Core", "build": build})
    facts = make_facts(os={"build": build}, vms=[make_vm(state="Running", nesting=True, guest=guest)])
    check = checks(facts)["vm.guest-hyperv"]
    assert (check.status, check.fixable) == (INFO, False) and "Home" in check.detail
    refused = plan_enable(facts, "myVM", EnableOptions(install_hyperv=True)).refused
    assert refused.id == "install-hyperv" and "no Hyper-V" in refused.message
