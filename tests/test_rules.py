"""Every check id (contracts §3) in both rule profiles: ``preview`` (build < 14361, the blog's world) and
``current`` (build >= 14361). Each test names the fact it encodes (``facts §N`` = the fact sheet)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nested_magics.rules import requirements as req
from nested_magics.load import load_facts
from nested_magics.model.plan import EnableOptions
from nested_magics.planner import plan_enable
from nested_magics.model.report import FAIL, INFO, PASS, WARN
from nested_magics.rules import CHECK_IDS, build_report
from nested_magics.model.sizes import GiB

PREVIEW = 10565     # Windows 10 Insider TH2, the blog's build (facts §2.1)
CURRENT = 14393     # Windows 10 1607 / Windows Server 2016 (facts §2.3)
HOST_IDS = [i for i in CHECK_IDS if i.startswith("host.")]
VM_IDS = [i for i in CHECK_IDS if i.startswith("vm.")]


def checks(facts, vm: str | None = "myVM") -> dict:
    """The checks of one VM (and the host's), by id."""
    report = build_report(facts, "t", [vm] if vm else None)
    return {c.id: c for c in report.checks}


def one(make_facts, check_id: str, vm: str = "myVM", **overrides):
    return checks(make_facts(**overrides), vm)[check_id]


def vm_check(make_facts, make_vm, check_id: str, build: int = CURRENT, host: dict | None = None, **vm):
    return one(make_facts, check_id, os={"build": build}, vms=[make_vm(**vm)], **(host or {}))


# ---------------------------------------------------------------- the shape of every check


def test_every_check_has_the_contract_keys_and_a_one_line_title(make_facts):
    facts = load_facts(__import__("json").loads(
        __import__("importlib").resources.files("nested_magics").joinpath("scenarios/blog-2015.json").read_text()))
    report = build_report(facts, "mock")
    assert [c.id for c in report.checks] == list(CHECK_IDS)
    for check in report.checks:
        d = check.to_dict()
        assert list(d) == ["id", "vm", "status", "fixable", "title", "detail", "fix", "source"]
        assert d["status"] in (PASS, INFO, WARN, FAIL)
        assert isinstance(d["fixable"], bool)
        assert d["title"] and "\n" not in d["title"]
        assert d["detail"] and d["source"]
        assert d["fix"] is None or (isinstance(d["fix"], str) and d["fix"])
        assert d["vm"] == (None if d["id"].startswith("host.") else "myVM")


def test_host_checks_come_first_then_every_vm_check_for_every_vm(make_facts, make_vm):
    facts = make_facts(vms=[make_vm("a"), make_vm("b")])
    report = build_report(facts, "t")
    assert [(c.id, c.vm) for c in report.checks] == (
        [(i, None) for i in HOST_IDS] + [(i, "a") for i in VM_IDS] + [(i, "b") for i in VM_IDS])


def test_a_report_covers_only_the_vms_named(make_facts, make_vm):
    report = build_report(make_facts(vms=[make_vm("a"), make_vm("b")]), "t", ["B"])
    assert {c.vm for c in report.checks} == {None, "b"}
    assert report.vms == [{"name": "b", "verdict": "fixable"}]


def test_a_vm_named_twice_is_checked_once(make_facts):
    report = build_report(make_facts(), "t", ["myVM", "MYVM"])
    assert len(report.vms) == 1


# ---------------------------------------------------------------- profiles


@pytest.mark.parametrize("build, profile", [(10240, "preview"), (10565, "preview"), (14360, "preview"),
                                            (14361, "current"), (14393, "current"), (26100, "current")])
def test_the_rule_profile_turns_at_build_14361(build, profile, make_facts):
    """facts §2.2: build 14361 (June 2016) lifted the preview limits; the report says which profile it used."""
    assert req.profile(build) == profile
    assert build_report(make_facts(os={"build": build}), "t").profile == profile


# ---------------------------------------------------------------- host.os-build


def test_os_build_below_10565_fails_not_fixable(make_facts):
    """facts §2.1: "Windows Server 2012R2, or even builds prior to 10565 will not work"."""
    check = one(make_facts, "host.os-build", os={"build": 10240})
    assert (check.status, check.fixable) == (FAIL, False)
    assert "10565" in check.detail


def test_os_build_9600_is_not_mistaken_for_a_newer_build(make_facts):
    """facts §1.2 quirk 1: Get-NestedVirtStatus compared builds as strings, so "9600" passed; we compare numbers."""
    assert one(make_facts, "host.os-build", os={"build": 9600}).status == FAIL


@pytest.mark.parametrize("build", [10565, 14360])
def test_os_build_in_preview_warns_that_preview_limitations_apply(make_facts, build):
    """facts §2.1 (the 2015 preview) and §2.2 (lifted at 14361)."""
    check = one(make_facts, "host.os-build", os={"build": build})
    assert (check.status, check.fixable) == (WARN, False)
    assert "preview limitations apply" in check.title


@pytest.mark.parametrize("build", [14361, 14393, 22631])
def test_os_build_passes_in_current(make_facts, build):
    """facts §2.2, §2.3: 14361 and GA (14393) support nesting."""
    assert one(make_facts, "host.os-build", os={"build": build}).status == PASS


# ---------------------------------------------------------------- host.hyperv


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_hyperv_passes_when_installed_and_running(make_facts, build):
    """facts §2.10: HypervisorPresent plus the Hyper-V role."""
    assert one(make_facts, "host.hyperv", os={"build": build}).status == PASS


@pytest.mark.parametrize("present, installed, says", [
    (True, False, "role is not installed"),
    (False, True, "hypervisor is not running"),
    (False, False, "role is not installed"),
])
def test_hyperv_fails_unless_both_present_and_installed(make_facts, present, installed, says):
    """facts §2.10: HypervisorPresent is also true under VBS alone, so the role is checked too."""
    check = one(make_facts, "host.hyperv", hypervisor_present=present, hyperv_installed=installed)
    assert (check.status, check.fixable) == (FAIL, False)
    assert says in check.detail


@pytest.mark.parametrize("kind, command", [
    ("client", "Enable-WindowsOptionalFeature -FeatureName 'Microsoft-Hyper-V' -Online -All"),
    ("server", "Install-WindowsFeature -Name 'Hyper-V' -IncludeManagementTools -Restart"),
])
def test_hyperv_fix_installs_the_role_the_way_this_edition_does(make_facts, kind, command):
    """facts §2.10: client optional feature vs server role."""
    check = one(make_facts, "host.hyperv", os={"kind": kind}, hyperv_installed=False)
    assert check.fix == command


# ---------------------------------------------------------------- host.cpu


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_cpu_intel_passes_when_the_hypervisor_runs_even_though_flags_read_false(make_facts, build):
    """facts §2.10: VMMonitorModeExtensions and SLAT read False once a hypervisor runs."""
    check = one(make_facts, "host.cpu", os={"build": build},
                cpu={"vmx": False, "slat": False, "firmware_enabled": False})
    assert check.status == PASS


@pytest.mark.parametrize("flag, label", [("vmx", "VT-x"), ("slat", "SLAT"), ("firmware_enabled", "firmware")])
def test_cpu_intel_without_a_running_hypervisor_fails_on_a_false_flag(make_facts, flag, label):
    """facts §2.6 (VT-x and EPT required), §2.10 (flags are real while no hypervisor runs)."""
    flags = {"vmx": True, "slat": True, "firmware_enabled": True, flag: False}
    check = one(make_facts, "host.cpu", cpu=flags, hypervisor_present=False)
    assert (check.status, check.fixable) == (FAIL, False)
    assert label in check.title


def test_cpu_intel_without_a_running_hypervisor_passes_with_every_flag_on(make_facts):
    """facts §2.6: VT-x, EPT, firmware virtualization."""
    check = one(make_facts, "host.cpu", cpu={"vmx": True, "slat": True, "firmware_enabled": True},
                hypervisor_present=False)
    assert check.status == PASS


def test_cpu_flags_that_were_not_reported_are_unknown_not_false(make_facts):
    """contracts §2 / facts §2.10: an absent CPU flag is unknown; the engine's choice is INFO, not FAIL."""
    check = one(make_facts, "host.cpu", cpu={"vmx": True}, hypervisor_present=False)
    assert check.status == INFO
    assert "SLAT" in check.title and "firmware" in check.title


@pytest.mark.parametrize("kind, build, status", [
    ("client", 19045, FAIL),    # Windows 10 22H2 on Ryzen: NanaBox #17
    ("client", 21999, FAIL),
    ("client", 22000, PASS),    # Windows 11
    ("server", 17763, FAIL),    # Windows Server 2019
    ("server", 20347, FAIL),
    ("server", 20348, PASS),    # Windows Server 2022
    ("client", PREVIEW, FAIL),  # the 2015 preview was Intel-only
])
def test_cpu_amd_needs_windows_11_or_server_2022(make_facts, kind, build, status):
    """facts §2.5: AMD nesting is public only from Windows 11 (22000) and Windows Server 2022 (20348)."""
    check = one(make_facts, "host.cpu", os={"build": build, "kind": kind}, cpu={"vendor": "AuthenticAMD"},
                supported_vm_versions=["8.0", "9.3", "10.0"])
    assert check.status == status
    assert check.fixable is False
    if status == FAIL:
        assert "AMD" in check.title


def test_cpu_amd_on_a_supported_build_still_needs_its_flags(make_facts):
    """facts §2.5 and §2.10: the same flag rule as Intel."""
    check = one(make_facts, "host.cpu", os={"build": 22631}, cpu={"vendor": "AuthenticAMD", "slat": False},
                hypervisor_present=False)
    assert check.status == FAIL and "SLAT" in check.title


@pytest.mark.parametrize("vendor", ["CentaurHauls", "HygonGenuine", "VIA VIA VIA ", ""])
def test_cpu_any_other_vendor_fails(make_facts, vendor):
    """facts §2.6: Intel VT-x/EPT or AMD EPYC/Ryzen only."""
    check = one(make_facts, "host.cpu", cpu={"vendor": vendor})
    assert (check.status, check.fixable) == (FAIL, False)


# ---------------------------------------------------------------- host.vbs


@pytest.mark.parametrize("status", [1, 2])
def test_vbs_enabled_fails_in_preview(make_facts, status):
    """facts §2.1: hosts with Device Guard or VBS enabled "cannot expose virtualization extensions to guests";
    status 1 (enabled, not running) counts too (facts §1.2 quirk 2, §2.10)."""
    check = one(make_facts, "host.vbs", os={"build": PREVIEW}, vbs={"status": status})
    assert (check.status, check.fixable) == (FAIL, False)
    assert check.fix == ("Set-ItemProperty -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\DeviceGuard' "
                         "-Name 'EnableVirtualizationBasedSecurity' -Value 0; Restart-Computer")


@pytest.mark.parametrize("status", [1, 2])
def test_vbs_is_only_info_in_current(make_facts, status):
    """facts §1.2 quirk 3 (Ben Armstrong, 2019: nesting works with VBS) and §2.2 (14361 notes)."""
    check = one(make_facts, "host.vbs", os={"build": 14361}, vbs={"status": status})
    assert check.status == INFO
    assert check.fix is None


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_vbs_off_passes(make_facts, build):
    """facts §2.10: Win32_DeviceGuard.VirtualizationBasedSecurityStatus 0."""
    assert one(make_facts, "host.vbs", os={"build": build}, vbs={"status": 0}).status == PASS


# ---------------------------------------------------------------- host.memory


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_memory_below_8_gib_warns(make_facts, build):
    """The blog / facts §2.1: "4 GB of host RAM, but things were tight"."""
    check = one(make_facts, "host.memory", os={"build": build}, memory={"total_bytes": 8 * GiB - 1})
    assert (check.status, check.fixable) == (WARN, False)


def test_memory_of_8_gib_passes(make_facts):
    """The blog (facts §2.1): the warning is below 8 GiB."""
    assert one(make_facts, "host.memory", memory={"total_bytes": "8GB"}).status == PASS


def test_no_memory_figures_give_no_warning(make_facts):
    """contracts §2: no `memory`, no memory warning (the blog's 4 GB remark, facts §2.1, needs a figure)."""
    check = one(make_facts, "host.memory")
    assert check.status == PASS and "not reported" in check.title


# ---------------------------------------------------------------- vm.exists


def test_a_named_vm_that_does_not_exist_gets_only_vm_exists_listing_the_vms_that_do(make_facts, make_vm):
    """contracts §3: fail, not fixable; the detail lists the VMs that exist. facts §1.1: Enable-NestedVm.ps1 carried
    on with $null when Get-VM found nothing; we stop and say so."""
    report = build_report(make_facts(vms=[make_vm("alpha"), make_vm("beta")]), "t", ["ghost"])
    vm_checks = [c for c in report.checks if c.vm is not None]
    assert [c.id for c in vm_checks] == ["vm.exists"]
    check = vm_checks[0]
    assert (check.vm, check.status, check.fixable) == ("ghost", FAIL, False)
    assert "alpha" in check.detail and "beta" in check.detail
    assert report.vms == [{"name": "ghost", "verdict": "blocked"}]
    assert report.verdict == "blocked"


def test_vm_exists_on_an_empty_host_says_none(make_facts):
    """facts §1.1 (Get-VM finds nothing): the detail still says what exists."""
    check = checks(make_facts(vms=[]), "ghost")["vm.exists"]
    assert "none" in check.detail


def test_vm_exists_passes_and_matches_names_case_insensitively(make_facts):
    """facts §1.1: VM names are case-insensitive."""
    report = build_report(make_facts(), "t", ["MYVM"])
    assert report.vms[0]["name"] == "myVM"
    assert next(c for c in report.checks if c.id == "vm.exists").status == PASS


# ---------------------------------------------------------------- vm.version


@pytest.mark.parametrize("version", ["5.0", "7.0"])
def test_version_has_no_requirement_in_preview(make_facts, make_vm, version):
    """facts §2.2: version 8.0 became required only at build 14361."""
    check = vm_check(make_facts, make_vm, "vm.version", build=PREVIEW, version=version)
    assert check.status == PASS and "14361" in check.detail


@pytest.mark.parametrize("version, status", [("7.0", FAIL), ("8.0", PASS), ("10.0", PASS), ("12.0", PASS)])
def test_version_on_intel_current_needs_8_0(make_facts, make_vm, version, status):
    """facts §2.6: Intel needs VM configuration version 8.0 or later; "10.0" is above "8.0" (facts §2.10)."""
    check = vm_check(make_facts, make_vm, "vm.version", version=version,
                     host={"supported_vm_versions": ["5.0", "8.0", "10.0", "12.0"]})
    assert check.status == status


def test_version_below_is_fixable_with_update_version_when_the_host_default_meets_it(make_facts, make_vm):
    """facts §2.8: Update-VMVersion moves a VM to the host's default; irreversible."""
    check = vm_check(make_facts, make_vm, "vm.version", version="5.0",
                     host={"supported_vm_versions": ["5.0", "8.0"]})
    assert (check.status, check.fixable) == (FAIL, True)
    assert check.fix == "Update-VMVersion -Name 'myVM' -Force"
    assert "--update-version" in check.detail and "cannot be undone" in check.detail


def test_version_below_is_not_fixable_when_the_host_cannot_offer_it(make_facts, make_vm):
    """facts §2.8: a host only offers the versions it supports."""
    check = vm_check(make_facts, make_vm, "vm.version", build=14361, version="7.0",
                     host={"supported_vm_versions": ["5.0", "7.0"]})
    assert (check.status, check.fixable, check.fix) == (FAIL, False, None)


@pytest.mark.parametrize("version, default, status, fixable", [
    ("9.2", "9.2", FAIL, False),    # Windows 10 on AMD tops out at 9.2 (facts §2.8)
    ("9.2", "10.0", FAIL, True),
    ("9.3", "10.0", PASS, False),
    ("10.0", "10.0", PASS, False),
])
def test_version_on_amd_current_needs_9_3(make_facts, make_vm, version, default, status, fixable):
    """facts §2.5: AMD needs 9.3 (changed from 10.0 in 2023); 9.3 exists only on Windows 11 / Server 2022."""
    check = vm_check(make_facts, make_vm, "vm.version", build=22631, version=version,
                     host={"cpu": {"vendor": "AuthenticAMD"}, "supported_vm_versions": ["8.0", default],
                           "default_vm_version": default})
    assert (check.status, check.fixable) == (status, fixable)
    if status == FAIL:
        assert "9.3" in check.title


def test_version_fixable_is_judged_as_if_no_host_check_failed(make_facts, make_vm):
    """contracts §3: `fixable` is about the VM; the verdict is still blocked by the host (facts §2.5)."""
    report = build_report(make_facts(os={"build": 19045}, cpu={"vendor": "AuthenticAMD"},
                                     supported_vm_versions=["8.0", "10.0"], vms=[make_vm(version="9.2")]), "t")
    by_id = {c.id: c for c in report.checks}
    assert by_id["host.cpu"].status == FAIL
    assert by_id["vm.version"].fixable is True
    assert by_id["vm.expose-extensions"].fixable is True
    assert report.vms[0]["verdict"] == "blocked"


# ---------------------------------------------------------------- vm.state


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_state_off_passes(make_facts, make_vm, build):
    """facts §2.3: EVE changes only while the VM is Off."""
    assert vm_check(make_facts, make_vm, "vm.state", build=build, state="Off").status == PASS


@pytest.mark.parametrize("state", ["Running", "Saved", "Paused", "Starting"])
def test_state_passes_when_nesting_is_already_on(make_facts, make_vm, state):
    """facts §2.3: nothing needs the VM Off once EVE is on."""
    assert vm_check(make_facts, make_vm, "vm.state", state=state, nesting=True).status == PASS


@pytest.mark.parametrize("state, fix, opt_in", [
    ("Running", "Stop-VM -Name 'myVM'", "--turn-off"),
    ("Saved", "Remove-VMSavedState -VMName 'myVM'", "--discard-saved-state"),
    ("Paused", "Stop-VM -Name 'myVM' -TurnOff", "--turn-off"),
])
@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_state_settled_but_not_off_fails_fixable(make_facts, make_vm, state, fix, opt_in, build):
    """facts §2.10: Saved means Remove-VMSavedState, Paused means turn off first; Running is shut down."""
    check = vm_check(make_facts, make_vm, "vm.state", build=build, state=state)
    assert (check.status, check.fixable) == (FAIL, True)
    assert check.fix == fix
    assert opt_in in check.detail


@pytest.mark.parametrize("state", ["Starting", "Stopping", "Saving", "Pausing", "Resuming", "Other",
                                   "FastSaving", "RunningCritical"])
def test_state_unsettled_is_not_fixable_now(make_facts, make_vm, state):
    """facts §5.3: VMState names beyond Off/Running/Saved/Paused are transitions; wait for them to settle."""
    report = build_report(make_facts(vms=[make_vm(state=state)]), "t")
    check = next(c for c in report.checks if c.id == "vm.state")
    assert (check.status, check.fixable) == (FAIL, False)
    assert "settle" in check.title
    assert report.vms[0]["verdict"] == "blocked"


# ---------------------------------------------------------------- vm.expose-extensions


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_expose_extensions_fails_fixable_when_off(make_facts, make_vm, build):
    """facts §2.3: Set-VMProcessor -ExposeVirtualizationExtensions $true; without it, installing Hyper-V in the
    guest fails with "A hypervisor is already running" (facts §3)."""
    check = vm_check(make_facts, make_vm, "vm.expose-extensions", build=build)
    assert (check.status, check.fixable) == (FAIL, True)
    assert check.fix == "Set-VMProcessor -VMName 'myVM' -ExposeVirtualizationExtensions $true"
    assert "A hypervisor is already running" in check.detail


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_expose_extensions_passes_when_on(make_facts, make_vm, build):
    """facts §2.3."""
    check = vm_check(make_facts, make_vm, "vm.expose-extensions", build=build, nesting=True)
    assert (check.status, check.fix) == (PASS, None)


# ---------------------------------------------------------------- vm.dynamic-memory


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_dynamic_memory_off_passes(make_facts, make_vm, build):
    """facts §2.7."""
    assert vm_check(make_facts, make_vm, "vm.dynamic-memory", build=build, dynamic=False).status == PASS


def test_dynamic_memory_on_fails_in_preview_because_the_vm_will_not_boot(make_facts, make_vm):
    """facts §2.1: "Dynamic memory must be OFF. This will prevent the VM from booting." """
    check = vm_check(make_facts, make_vm, "vm.dynamic-memory", build=PREVIEW, dynamic=True)
    assert (check.status, check.fixable) == (FAIL, True)
    assert "prevent the VM from booting" in check.detail
    assert check.fix == "Set-VMMemory -VMName 'myVM' -DynamicMemoryEnabled $false"


def test_dynamic_memory_on_only_warns_in_current(make_facts, make_vm):
    """facts §2.3: allowed since 2016, but memory "will not fluctuate" while Hyper-V runs inside."""
    check = vm_check(make_facts, make_vm, "vm.dynamic-memory", build=CURRENT, dynamic=True)
    assert (check.status, check.fixable) == (WARN, True)
    assert "fluctuate" in check.detail and "2015" in check.detail


# ---------------------------------------------------------------- vm.memory


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_startup_memory_below_4_gib_warns_fixable(make_facts, make_vm, build):
    """facts §1.1: Enable-NestedVm.ps1 offers 4 GB ("without 4GB or more, you may not be able to start VMs")."""
    check = vm_check(make_facts, make_vm, "vm.memory", build=build, startup="2GB")
    assert (check.status, check.fixable) == (WARN, True)
    assert check.fix == "Set-VMMemory -VMName 'myVM' -StartupBytes 4294967296"


@pytest.mark.parametrize("state, nesting, fixable", [
    ("Off", True, True),          # Off: the plan sets it
    ("Running", False, True),     # stopped anyway to expose the extensions
    ("Saved", False, True),       # stopped anyway (with --discard-saved-state)
    ("Running", True, False),     # nothing else needs it Off: a warning never stops a VM (contracts §4)
    ("Paused", True, False),
])
def test_memory_warnings_are_fixable_only_when_the_plan_would_change_them(make_facts, make_vm, state, nesting,
                                                                          fixable):
    """facts §2.3: memory changes only while the VM is Off; contracts §3: fixable = the plan offers a change."""
    for check_id, vm in (("vm.memory", {"startup": "2GB"}), ("vm.dynamic-memory", {"dynamic": True})):
        check = vm_check(make_facts, make_vm, check_id, state=state, nesting=nesting, **vm)
        assert (check.status, check.fixable) == (WARN, fixable), check_id
        assert check.fix                   # a person can still run it by hand


def test_startup_memory_of_4_gib_passes(make_facts, make_vm):
    """facts §1.1: the script compares with 4294967296."""
    assert vm_check(make_facts, make_vm, "vm.memory", startup=4294967296).status == PASS


def test_startup_memory_unknown_passes(make_facts, make_vm):
    """contracts §3: a rule that cannot apply passes, saying why (facts §1.1 compares a known Startup figure)."""
    check = vm_check(make_facts, make_vm, "vm.memory")
    assert check.status == PASS and "not reported" in check.title


# ---------------------------------------------------------------- vm.networking


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_networking_passes_when_every_adapter_spoofs(make_facts, make_vm, build):
    """facts §2.3: MAC spoofing on the L1 vNIC."""
    adapters = [{"name": "a", "mac_spoofing": True}, {"name": "b", "mac_spoofing": True}]
    assert vm_check(make_facts, make_vm, "vm.networking", build=build, adapters=adapters).status == PASS


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_networking_warns_fixable_when_any_adapter_does_not_spoof(make_facts, make_vm, build):
    """facts §1.1: "Mac Address Spoofing isn't enabled (nested guests won't have network)" - any NIC Off."""
    adapters = [{"name": "a", "mac_spoofing": True}, {"name": "b", "mac_spoofing": False}]
    check = vm_check(make_facts, make_vm, "vm.networking", build=build, adapters=adapters)
    assert (check.status, check.fixable) == (WARN, True)
    assert "won't have network" in check.title
    assert check.fix == "Get-VMNetworkAdapter -VMName 'myVM' | Set-VMNetworkAdapter -MacAddressSpoofing On"


def test_networking_passes_in_current_when_the_guest_has_nat(make_facts, make_vm, make_guest):
    """facts §2.3: NAT inside the L1 works instead of MAC spoofing (since GA)."""
    check = vm_check(make_facts, make_vm, "vm.networking", mac_spoofing=False,
                     guest=make_guest(nat=[{"name": "LocalNAT", "prefix": "192.168.100.0/24"}]))
    assert check.status == PASS and "NAT" in check.title


def test_networking_in_preview_needs_spoofing_even_with_guest_nat(make_facts, make_vm, make_guest):
    """facts §2.1 / §2.7: in 2015 spoofing was required."""
    check = vm_check(make_facts, make_vm, "vm.networking", build=PREVIEW, mac_spoofing=False,
                     guest=make_guest(nat=[{"name": "LocalNAT"}]))
    assert (check.status, check.fixable) == (WARN, True)


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_networking_warns_when_there_is_no_adapter(make_facts, make_vm, build):
    """facts §2.3: nested guests reach the network only through the L1's adapter."""
    check = vm_check(make_facts, make_vm, "vm.networking", build=build, adapters=[])
    assert check.status == WARN and "no network adapter" in check.title
    assert check.fixable is False      # the enable plan does not add adapters


# ---------------------------------------------------------------- vm.checkpoints


def test_checkpoints_warn_in_preview(make_facts, make_vm):
    """facts §2.1: "Applying checkpoints to a running VM will fail."."""
    check = vm_check(make_facts, make_vm, "vm.checkpoints", build=PREVIEW, checkpoints=2)
    assert (check.status, check.fixable) == (WARN, False)
    assert "2 checkpoint" in check.title


def test_no_checkpoints_pass_in_preview(make_facts, make_vm):
    """facts §2.1."""
    assert vm_check(make_facts, make_vm, "vm.checkpoints", build=PREVIEW, checkpoints=0).status == PASS


def test_checkpoints_pass_in_current(make_facts, make_vm):
    """facts §2.2: checkpoints work since 14361."""
    check = vm_check(make_facts, make_vm, "vm.checkpoints", build=14361, checkpoints=5)
    assert check.status == PASS and "14361" in check.detail


# ---------------------------------------------------------------- vm.processors


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_one_vcpu_warns(make_facts, make_vm, build):
    """facts §2.1: Microsoft's June 2016 example used Set-VMProcessor -Count 2."""
    check = vm_check(make_facts, make_vm, "vm.processors", build=build, cpus=1)
    assert (check.status, check.fixable) == (WARN, False)
    assert check.fix == "Set-VMProcessor -VMName 'myVM' -Count 2"


@pytest.mark.parametrize("cpus", [2, 225])
def test_two_or_more_vcpus_pass(make_facts, make_vm, cpus):
    """facts §2.1, §2.4."""
    assert vm_check(make_facts, make_vm, "vm.processors", cpus=cpus,
                    guest={"os": {"build": 17763, "kind": "server"}}).status == PASS


@pytest.mark.parametrize("guest_os, status", [
    ({"build": 17763, "kind": "server"}, WARN),   # Windows Server 2019
    ({"build": 14393, "kind": "server"}, WARN),   # Windows Server 2016
    ({"build": 20348, "kind": "server"}, PASS),   # Windows Server 2022
    ({"build": 17763, "kind": "client"}, PASS),
    ({"kind": "server"}, PASS),                   # build unknown
])
def test_more_than_225_vcpus_warn_only_for_a_known_old_server_guest(make_facts, make_vm, guest_os, status):
    """facts §2.4 (April 2023): WS2019 or earlier as L1 should have 225 vCPUs or fewer."""
    check = vm_check(make_facts, make_vm, "vm.processors", cpus=240, guest={"os": guest_os})
    assert check.status == status
    if status == WARN:
        assert check.fix == "Set-VMProcessor -VMName 'myVM' -Count 225"


def test_more_than_225_vcpus_with_an_unknown_guest_do_not_warn(make_facts, make_vm):
    """facts §2.4: only when the guest is known to be an old server."""
    assert vm_check(make_facts, make_vm, "vm.processors", cpus=240).status == PASS


def test_unknown_vcpu_count_passes(make_facts, make_vm):
    """facts §2.1, §2.4: both vCPU warnings need a known count."""
    assert vm_check(make_facts, make_vm, "vm.processors").status == PASS


# ---------------------------------------------------------------- vm.guest-hyperv


@pytest.mark.parametrize("build", [PREVIEW, CURRENT])
def test_guest_hyperv_unknown_is_info_saying_so(make_facts, make_vm, build):
    """The blog's step 3 / facts §2.6: install Hyper-V in the guest; unknown when the guest cannot be read, and
    unknown is never pass (contracts §3); --install-hyperv would install it, so it is fixable."""
    check = vm_check(make_facts, make_vm, "vm.guest-hyperv", build=build)
    assert (check.status, check.fixable) == (INFO, True)
    assert "unknown" in check.title and "unknown" in check.detail


@pytest.mark.parametrize("kind, inner", [("client", "Enable-WindowsOptionalFeature"),
                                         ("server", "Install-WindowsFeature")])
def test_guest_hyperv_known_missing_is_info_fixable_with_install_hyperv(make_facts, make_vm, make_guest, kind, inner):
    """facts §2.6: "start the VM, and install Hyper-V in the guest"; --install-hyperv does it."""
    check = vm_check(make_facts, make_vm, "vm.guest-hyperv", guest=make_guest(os={"kind": kind}))
    assert (check.status, check.fixable) == (INFO, True)
    assert "--install-hyperv" in check.detail
    assert check.fix.startswith("Invoke-Command -VMName 'myVM' -ScriptBlock { ") and inner in check.fix


def test_guest_hyperv_installed_passes(make_facts, make_vm, make_guest):
    """facts §2.6."""
    check = vm_check(make_facts, make_vm, "vm.guest-hyperv", guest=make_guest(hyperv_installed=True))
    assert (check.status, check.fixable) == (PASS, False)


# ---------------------------------------------------------------- vm.known-issues


def test_known_issues_warn_in_preview_with_nesting_on(make_facts, make_vm):
    """facts §2.1: runtime memory resize, live migration and save/restore fail for a VM hosting VMs."""
    check = vm_check(make_facts, make_vm, "vm.known-issues", build=PREVIEW, nesting=True)
    assert (check.status, check.fixable) == (WARN, False)
    for issue in ("runtime memory resize", "live migration", "save/restore"):
        assert issue in check.detail


def test_known_issues_pass_in_preview_with_nesting_off(make_facts, make_vm):
    """facts §2.1: the limits apply to a VM with nesting on."""
    check = vm_check(make_facts, make_vm, "vm.known-issues", build=PREVIEW, nesting=False)
    assert check.status == PASS and "not apply" in check.detail


def test_known_issues_pass_in_current_and_say_what_changed(make_facts, make_vm):
    """facts §2.2 (save/restore and checkpoints work since 14361), §2.7 (live migration uncertain)."""
    check = vm_check(make_facts, make_vm, "vm.known-issues", build=CURRENT, nesting=True)
    assert check.status == PASS
    assert "14361" in check.detail and "uncertain" in check.detail


# ---------------------------------------------------------------- fixable = the plan offers a change

# What change answers which check (contracts §3 "fixable" and §4).
ANSWERS = {
    "vm.version": {"update-version"},
    "vm.state": {"stop-vm", "discard-saved-state"},
    "vm.expose-extensions": {"expose-extensions"},
    "vm.dynamic-memory": {"disable-dynamic-memory"},
    "vm.memory": {"set-startup-memory"},
    "vm.networking": {"enable-mac-spoofing"},
    "vm.guest-hyperv": {"install-hyperv"},
}
ALL_OPT_INS = EnableOptions(update_version=True, turn_off=True, discard_saved_state=True, install_hyperv=True)


@st.composite
def vm_docs(draw):
    nesting = draw(st.booleans())
    vm = {
        "name": "myVM",
        "state": draw(st.sampled_from(["Off", "Running", "Saved", "Paused", "Starting"])),
        "version": draw(st.sampled_from(["5.0", "7.0", "8.0", "9.3", "10.0"])),
        "processor": {"count": draw(st.sampled_from([1, 2, 4])), "expose_virtualization_extensions": nesting},
        "memory": {"startup_bytes": draw(st.sampled_from([GiB, 2 * GiB, 4 * GiB, 8 * GiB])),
                   "dynamic": draw(st.booleans())},
        "network_adapters": [{"name": f"n{i}", "mac_spoofing": s}
                             for i, s in enumerate(draw(st.lists(st.booleans(), max_size=2)))],
        "checkpoints": draw(st.sampled_from([0, 1])),
    }
    guest = draw(st.sampled_from([None, "plain", "hyperv", "nat"]))
    if guest is not None:
        vm["guest"] = {"hyperv_installed": guest in ("hyperv", "nat"),
                       "nat": [{"name": "LocalNAT"}] if guest == "nat" else []}
    return vm


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vm=vm_docs(), build=st.sampled_from([PREVIEW, 14361, 22631]),
       vendor=st.sampled_from(["GenuineIntel", "AuthenticAMD"]),
       supported=st.sampled_from([["5.0", "7.0"], ["5.0", "8.0"], ["8.0", "9.2"], ["8.0", "10.0"]]))
def test_fixable_means_the_enable_plan_offers_a_change_for_it(make_doc, vm, build, vendor, supported):
    """contracts §3: `fixable` is true exactly when the enable plan (with every opt-in) offers a change for the
    check, judged for the VM as if no host check failed. Covers facts §2.1-§2.8 together."""
    facts = load_facts(make_doc(os={"build": build}, cpu={"vendor": vendor}, supported_vm_versions=supported,
                                vms=[vm]))
    report = build_report(facts, "t")
    plan = plan_enable(facts, "myVM", ALL_OPT_INS)
    if plan.refused is not None:
        # A refused plan offers nothing: then some fail of this VM is not fixable (or the host fails).
        assert report.vms[0]["verdict"] == "blocked"
        return
    planned = {c.id for c in plan.changes}
    for check in report.checks:
        if check.id not in ANSWERS or check.status == PASS:
            continue
        offered = bool(planned & ANSWERS[check.id])
        assert check.fixable == offered, (check, sorted(planned))


def test_an_unsettled_vm_below_the_version_is_not_fixable_now(make_doc):
    """contracts §3: a state that is not settled is not fixable now (the plan waits); facts §2.2 / §2.6."""
    facts = load_facts(make_doc(os={"build": 20348, "kind": "server"}, supported_vm_versions=["8.0", "10.0"],
                                vms=[{"name": "myVM", "state": "Starting", "version": "7.0",
                                      "processor": {"expose_virtualization_extensions": True}}]))
    check = next(c for c in build_report(facts, "t").checks if c.id == "vm.version")
    assert check.status == "fail" and not check.fixable
