"""The facts about the computer itself, gathered from a real host by facts.ps1 (issue 13): its edition, architecture,
boot entry, what machine it is (and which Azure VM), and the optional features nesting users need, for the host
and for a guest read through PowerShell Direct, over WinRM and ``local``, on the twin that plays Windows 5.1.

Each test names the real-host fact it encodes (real-hosts.md sections, as code comments)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import nested_magics as nm
from nested_magics.backends.mock import load_scenario
from nested_magics.backends.powershell.backend import script
from nested_magics.backends.powershell.shape import shape_document
from nested_magics.load import load_facts

from local_twin import serve_local
from loopback_winrm import GUEST, PASSWORD, LoopbackWinRM
from network_guard import NonLoopbackConnect
from simulated_windows import SimulatedWindowsHost
from twin_facts import Conditions, FactsTwin
from twin_system import BCD_DENIED, NEEDS_ELEVATION, UNREACHABLE


pytestmark = pytest.mark.usefixtures("loopback_password", "guest_password")

TESTS = Path(__file__).resolve().parent


def over_winrm(facts, *, vms=None, guest_user=None, conditions=None):
    windows = SimulatedWindowsHost(facts, guest_credentials=GUEST, conditions=conditions)
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        host = nm.connect(server.url, user=server.username, transport="basic", insecure=True, timeout=10,
                          **({"guest_user": guest_user} if guest_user else {}))
        report = host.check(vms)
    assert server.errors == [], server.errors          # the twin refused nothing the script asked
    return report


def over_local(facts, monkeypatch, conditions=None):
    with serve_local(SimulatedWindowsHost(facts, conditions=conditions), monkeypatch):
        return nm.check("local")


def gathered(facts, conditions=None, text=None) -> tuple[dict, FactsTwin]:
    twin = FactsTwin(facts, conditions or Conditions())
    return shape_document(twin.answer(text or script("facts"), {}), facts.name), twin


def checks(report, check_id):
    return [c for c in report.checks if c.id == check_id]


def azure_vm(size: str, security: str, nesting: bool):
    """An Azure VM host (bundled as azure-d-series / azure-b-series by the scenarios' engineer; built here so these
    tests stand alone): the maker and model of every Hyper-V guest, and the cloud facts."""
    return a_host(name=f"AZ-{size.split('_')[1].upper()}", hyperv_installed=nesting,
                  cpu={"vendor": "GenuineIntel", "model": "Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz",
                       "sockets": 1, "logical_processors": 4, "vmx": nesting, "slat": nesting, "architecture": "x64"},
                  machine={"virtual": True, "manufacturer": "Microsoft Corporation", "model": "Virtual Machine",
                           "cloud": {"provider": "azure", "vm_size": size, "security_type": security}})


AZURE = {"azure-d-series": ("Standard_D4s_v5", "Standard", True), "azure-b-series": ("Standard_B2s", "TrustedLaunch", False)}


def a_host(**overrides):
    doc = load_scenario("server-2022-intel").to_dict()
    doc.update(overrides)
    return load_facts(doc)


# -- the host and a guest ----------------------------------------------------------------------------------


def test_each_new_fact_of_a_host_is_read_from_its_own_query():
    # real-hosts.md §4 (bcdedit's element names, OFFERNESTEDVIRT=FALSE), §5 (EditionID; Win32_Processor
    # Architecture 12 = ARM64), §6 (Win32_ComputerSystem's maker and model of a physical machine).
    facts = a_host(os={"caption": "Microsoft Windows 11 Pro", "build": 26100, "kind": "client", "edition": "Professional"},
                   cpu={"vendor": "Qualcomm Technologies Inc", "model": "Snapdragon X Elite", "architecture": "ARM64"},
                   boot={"hypervisor_launch_type": "Off", "nested_virt_offered": False},
                   machine={"virtual": False, "manufacturer": "LENOVO", "model": "21N1", "cloud": None},
                   features={"VirtualMachinePlatform": "Enabled", "Containers-DisposableClientVM": "NotPresent",
                             "Microsoft-Windows-Subsystem-Linux": "EnablePending"})
    report = over_winrm(facts)
    got = report.facts
    assert got.os.edition == "Professional" and got.cpu.architecture == "ARM64"
    assert (got.boot.hypervisor_launch_type, got.boot.nested_virt_offered) == ("Off", False)
    assert (got.machine.virtual, got.machine.manufacturer, got.machine.model, got.machine.cloud) == \
        (False, "LENOVO", "21N1", None)
    assert got.features == {"Microsoft-Hyper-V": "Enabled", "VirtualMachinePlatform": "Enabled",
                            "Microsoft-Windows-Subsystem-Linux": "EnablePending",
                            "Containers-DisposableClientVM": "NotPresent"}     # missing from the list: not offered
    assert checks(report, "host.facts")[0].status == "pass"


def test_a_guest_read_through_powershell_direct_reports_its_own_edition_machine_and_features():
    # real-hosts.md §6: a Hyper-V guest's firmware says Microsoft Corporation / Virtual Machine.
    doc = load_scenario("three-levels").to_dict()
    doc["vms"][0]["guest"].update(os={"caption": "Windows 10 Home", "build": 19045, "kind": "client", "edition": "Core"},
                                  features={"Microsoft-Hyper-V": "NotPresent"})
    report = over_winrm(load_facts(doc), vms=["myVM"], guest_user=GUEST[0])
    guest = report.facts.vms[0].guest
    assert guest.os.edition == "Core" and guest.cpu.architecture == "x64"
    assert guest.machine.virtual is True and guest.machine.model == "Virtual Machine" and guest.machine.cloud is None
    assert guest.features["Microsoft-Hyper-V"] == "NotPresent"
    assert guest.boot is not None and report.facts.machine.virtual is False


def test_a_hypervisorlaunchtype_never_set_stays_unknown():
    # real-hosts.md §4: an element never set is absent (an inference); whether the hypervisor starts without it
    # is not documented, so it is not read as Off (nor as Auto).
    doc, _ = gathered(a_host(hyperv_installed=False, boot=None))
    assert doc["boot"] == {"hypervisor_launch_type": None, "nested_virt_offered": None}
    assert not [e for e in doc.get("errors", []) if e["part"] == "boot"]


# -- Azure ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario, size, security", [("azure-d-series", "Standard_D4s_v5", "Standard"),
                                                       ("azure-b-series", "Standard_B2s", "TrustedLaunch")])
@pytest.mark.parametrize("way", ["local", "winrm"])
def test_an_azure_vm_gives_its_size_and_security_type_from_the_metadata_service(scenario, size, security, way,
                                                                                monkeypatch):
    # real-hosts.md §6 "Azure IMDS": compute.vmSize, compute.securityProfile.securityType (since 2021-12-13);
    # a Standard VM answers "" (believed Standard).
    facts = azure_vm(*AZURE[scenario])
    report = over_local(facts, monkeypatch) if way == "local" else over_winrm(facts)
    cloud = report.facts.machine.cloud
    assert (cloud.provider, cloud.vm_size, cloud.security_type) == ("azure", size, security)
    assert report.facts.machine.virtual is True
    assert checks(report, "host.facts")[0].status == "pass"


def test_the_metadata_request_is_made_once_with_its_header_and_only_on_azure():
    _, azure = gathered(azure_vm(*AZURE["azure-d-series"]))
    assert len(azure.imds_requests) == 1 and "api-version=2021-12-13" in azure.imds_requests[0]
    for name in ("server-2022-intel", "blog-2015", "three-levels"):
        doc, twin = gathered(load_scenario(name))
        assert twin.imds_requests == [] and doc["machine"]["cloud"] is None


def test_a_script_that_asks_the_metadata_service_on_any_machine_fails_on_the_twin():
    # The twin is the guard: a script without the asset-tag filter asks off Azure, and the twin refuses.
    text = script("facts").replace("| Where-Object { $_.SMBIOSAssetTag -eq '7783-7084-3265-9085-8269-3286-77' } ", "")
    assert text != script("facts")
    with pytest.raises(AssertionError, match="not an Azure VM"):
        gathered(load_scenario("server-2022-intel"), text=text)


def test_a_blocked_metadata_service_is_a_cloud_error_and_the_machine_is_still_a_vm():
    report = over_winrm(azure_vm(*AZURE["azure-d-series"]), conditions=Conditions(imds_unreachable=True))
    assert report.facts.machine.virtual is True and report.facts.machine.cloud is None
    detail = checks(report, "host.facts")[0].detail
    assert f"cloud: {UNREACHABLE}" in detail and "169.254.169.254" in detail and "Azure portal" in detail


# -- without an administrator ------------------------------------------------------------------------------


def test_without_an_administrator_boot_is_unknown_and_features_an_error_naming_the_cause(monkeypatch):
    # real-hosts.md §4: bcdedit exits 1 with "could not be opened" / "Access is denied."; DISM needs elevation.
    report = over_local(load_scenario("server-2022-intel"), monkeypatch, conditions=Conditions(not_admin=True))
    facts = report.facts
    assert (facts.boot.hypervisor_launch_type, facts.boot.nested_virt_offered) == (None, None)
    assert facts.features == {}
    errors = {e.part: e.message for e in facts.errors}
    assert errors["boot"] == " ".join(BCD_DENIED) and errors["features"] == NEEDS_ELEVATION
    detail = checks(report, "host.facts")[0].detail
    assert "bcdedit and Get-WindowsOptionalFeature need an elevated administrator" in detail
    assert facts.os.edition == "ServerDatacenter"           # the registry needs no administrator


def test_bcdedit_s_words_reach_the_error_only_because_the_script_merges_its_streams():
    # Where bcdedit writes its refusal is not documented: the script takes both streams and its exit code.
    text = script("facts").replace("bcdedit /enum '{current}' 2>&1", "bcdedit /enum '{current}'")
    assert text != script("facts")
    doc, _ = gathered(load_scenario("server-2022-intel"), Conditions(not_admin=True), text=text)
    assert {e["part"]: e["message"] for e in doc["errors"]}["boot"] == "failed without a message"
    unquoted = script("facts").replace("'{current}'", "{current}")
    with pytest.raises(AssertionError, match="quote"):
        gathered(load_scenario("server-2022-intel"), text=unquoted)


# -- cost --------------------------------------------------------------------------------------------------


def test_the_new_queries_add_a_fixed_number_of_host_side_calls():
    counts = set()
    for vm_count in (1, 100):
        doc = load_scenario("server-2022-intel").to_dict()
        doc["vms"] = [dict(doc["vms"][0], name=f"vm-{i}", id=f"00000000-0000-4000-8000-{i:012d}")
                      for i in range(vm_count)]
        counts.add(gathered(load_facts(doc))[1].cmdlet_calls)
    assert counts == {42}, counts       # 41 before data_exchange's Test-Path (the key is absent on a physical host)


# -- tests never leave this machine ------------------------------------------------------------------------


def test_the_network_guard_refuses_an_address_off_this_machine_and_lets_loopback_through(network_guard):
    import socket

    with pytest.raises(NonLoopbackConnect, match="192.0.2.1"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.2)      # TEST-NET-1: never routed
    with pytest.raises(NonLoopbackConnect):
        socket.create_connection(("169.254.169.254", 80), timeout=0.2)
    assert network_guard.attempts == ["('192.0.2.1', 80)", "('169.254.169.254', 80)"]
    network_guard.attempts.clear()                  # this test's own attempts were on purpose
    listener = socket.create_server(("127.0.0.1", 0))
    with listener, socket.create_connection(listener.getsockname(), timeout=2):
        pass


def test_a_test_that_swallows_the_refusal_still_fails(tmp_path):
    (tmp_path / "conftest.py").write_text(
        "import importlib.util, sys\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        f"spec = importlib.util.spec_from_file_location('nm_conftest', {str(TESTS / 'conftest.py')!r})\n"
        "module = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(module)\n"
        "network_guard = module.network_guard\n")
    (tmp_path / "test_swallow.py").write_text(
        "import socket\n\ndef test_swallows():\n    try:\n"
        "        socket.create_connection(('192.0.2.1', 80), timeout=0.2)\n    except OSError:\n        pass\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1, done.stdout
    assert "tried to connect off this machine" in done.stdout and "192.0.2.1" in done.stdout
    assert importlib.util.find_spec("network_guard") is not None
