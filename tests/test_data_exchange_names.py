"""Inside a Hyper-V guest, the name its host knows it by and the host it runs on, from Hyper-V's Data Exchange.

The fact these tests encode (real-hosts.md §6): Hyper-V's Data Exchange integration service fills the guest's
registry key ``HKLM:\\SOFTWARE\\Microsoft\\Virtual Machine\\Guest\\Parameters`` with ``HostName``,
``PhysicalHostName``, ``PhysicalHostNameFullyQualified`` and ``VirtualMachineName`` (Microsoft Learn,
``IVMGuestOS::GetParameter``; seen on Hyper-V in Azure/iotedge-eflow#207). On a physical machine, or with Data
Exchange off, the key is absent. facts.ps1 reads it into ``machine.vm_name`` and ``machine.physical_host``
(optional keys: absent means unknown), and the L1 vantage then names the real VM in its Set-VMProcessor line.
"""

from __future__ import annotations

import json
import re

import pytest

import nested_magics as nm
from nested_magics.backends.mock import load_scenario
from nested_magics.backends.powershell.backend import script
from nested_magics.backends.powershell.shape import shape_document
from nested_magics.load import load_facts

from local_twin import serve_local
from simulated_windows import SimulatedWindowsHost
from twin_facts import Conditions, FactsTwin

KEY = r"HKLM:\SOFTWARE\Microsoft\Virtual Machine\Guest\Parameters"
NOT_FOUND = f"Cannot find path '{KEY}' because it does not exist."
PLACEHOLDER = "Set-VMProcessor -VMName '<this VM as its host names it>' -ExposeVirtualizationExtensions $true"


def guest_doc(**machine) -> dict:
    """A Windows 11 Pro VM on an on-premises Hyper-V host; the processor shows no VT-x (its host does not expose
    the extensions), and its machine carries what Data Exchange said (``machine``)."""
    return {"schema": "nested-magics/host-facts/v1", "name": "DEV-VM01",
            "os": {"caption": "Microsoft Windows 11 Pro", "build": 26100, "kind": "client", "edition": "Professional"},
            "cpu": {"vendor": "GenuineIntel", "architecture": "x64", "logical_processors": 4, "vmx": False,
                    "slat": True},
            "memory": {"total_bytes": 8 * 1024 ** 3}, "hypervisor_present": True, "hyperv_installed": False,
            "machine": {"virtual": True, "manufacturer": "Microsoft Corporation", "model": "Virtual Machine",
                        "cloud": None, **machine},
            "features": {"Microsoft-Hyper-V": "Disabled", "VirtualMachinePlatform": "Disabled",
                         "Containers-DisposableClientVM": "Disabled"},
            "vms": []}


def gathered(facts, text=None) -> tuple[dict, FactsTwin]:
    twin = FactsTwin(facts, Conditions())
    return shape_document(twin.answer(text or script("facts"), {}), facts.name), twin


def over_local(facts, monkeypatch):
    with serve_local(SimulatedWindowsHost(facts), monkeypatch):
        return nm.check("local")


def parts(doc: dict) -> dict:
    return {e["part"]: e["message"] for e in doc.get("errors") or []}


# ---------------------------------------------------------------- facts.ps1 on the twin


def test_a_guest_with_data_exchange_reports_its_vm_name_and_physical_host():
    """Data Exchange's Guest\\Parameters key (IVMGuestOS::GetParameter): VirtualMachineName, and
    PhysicalHostNameFullyQualified before PhysicalHostName."""
    facts = load_facts(guest_doc(vm_name="lab-vm-07", physical_host="hv-node1.corp.example"))
    doc, _twin = gathered(facts)
    assert doc["machine"]["vm_name"] == "lab-vm-07"
    assert doc["machine"]["physical_host"] == "hv-node1.corp.example"
    assert "data_exchange" not in parts(doc)
    got = load_facts(doc).machine
    assert (got.vm_name, got.physical_host) == ("lab-vm-07", "hv-node1.corp.example")


def test_the_short_physical_host_name_stands_in_when_the_fully_qualified_one_is_empty():
    """PhysicalHostNameFullyQualified may be empty (a host in no domain); PhysicalHostName is then the name."""
    from nested_magics.backends.powershell import shape_system as system

    assert system.data_exchange({"VirtualMachineName": "lab-vm-07", "PhysicalHostName": "HV-NODE1",
                                 "PhysicalHostNameFullyQualified": ""}) == \
        {"vm_name": "lab-vm-07", "physical_host": "HV-NODE1"}
    assert system.data_exchange({"VirtualMachineName": " ", "PhysicalHostName": None}) == {}


def test_a_physical_twin_has_neither_key_and_no_error_part():
    """On a physical machine the Guest\\Parameters key is absent: unknown, never an error."""
    doc, twin = gathered(load_scenario("server-2022-intel"))
    assert "vm_name" not in doc["machine"] and "physical_host" not in doc["machine"]
    assert "data_exchange" not in parts(doc) and doc["machine"]["virtual"] is False


def test_a_hyperv_guest_with_data_exchange_off_has_neither_key():
    doc, _twin = gathered(load_facts(guest_doc()))
    assert doc["machine"]["virtual"] is True and "vm_name" not in doc["machine"]
    assert "data_exchange" not in parts(doc)


def test_without_its_guard_the_query_meets_powershells_own_error_on_a_physical_twin():
    """The twin answers what the script asks: Get-ItemProperty on the absent key fails with PowerShell's words."""
    text = script("facts")
    unguarded = re.sub(r"if \(Test-Path -LiteralPath '[^']*'\) \{ (.*?) \}(\s*\})", r"\1\2", text)
    assert unguarded != text and "data_exchange = { Get-ItemProperty" in unguarded
    doc, _twin = gathered(load_scenario("server-2022-intel"), text=unguarded)
    assert parts(doc)["data_exchange"] == NOT_FOUND
    assert "vm_name" not in doc["machine"]


def test_the_query_costs_test_path_alone_where_the_key_is_absent():
    """Test-Path alone where the key is absent (a physical server: 42 host-side calls, 41 before this query);
    Test-Path, Get-ItemProperty and Select-Object where Data Exchange filled it."""
    assert gathered(load_scenario("server-2022-intel"))[1].cmdlet_calls == 42
    guest = load_facts(guest_doc(vm_name="lab-vm-07", physical_host="hv-node1.corp.example"))
    bare = load_facts(guest_doc())
    assert gathered(guest)[1].cmdlet_calls == gathered(bare)[1].cmdlet_calls + 2


# ---------------------------------------------------------------- the L1 vantage on `local`


@pytest.mark.parametrize("name, literal", [("lab-vm-07", "'lab-vm-07'"), ("lab'vm", "'lab''vm'")])
def test_a_local_l1_report_names_the_real_vm_and_its_physical_host(monkeypatch, name, literal):
    """Data Exchange's VirtualMachineName is the name Set-VMProcessor takes on the host it names
    (PhysicalHostNameFullyQualified; IVMGuestOS::GetParameter, eflow#207); the name is a quoted literal."""
    report = over_local(load_facts(guest_doc(vm_name=name, physical_host="hv-node1.corp.example")), monkeypatch)
    vantage = report.vantage
    assert report.facts.machine.vm_name == name
    assert vantage.nesting == "no"
    assert vantage.change.where == "on its Hyper-V host hv-node1.corp.example"
    assert vantage.change.command == f"Set-VMProcessor -VMName {literal} -ExposeVirtualizationExtensions $true"
    assert "Data Exchange" in vantage.change.text and "cluster" in vantage.change.text
    assert "placeholder" not in vantage.change.text
    assert "hv-node1.corp.example" in vantage.host and name in vantage.host
    sandbox = vantage.workload("Windows Sandbox")
    assert all("<this VM" not in (s.command or "") for s in sandbox.steps)


def test_without_data_exchange_the_local_l1_report_keeps_the_placeholder(monkeypatch):
    """No Guest\\Parameters key (Data Exchange off): the VM's name on its host is unknown from here."""
    vantage = over_local(load_facts(guest_doc()), monkeypatch).vantage
    assert vantage.change.where == "on its Hyper-V host" and vantage.change.command == PLACEHOLDER
    assert "DEV-VM01" in vantage.change.text


def test_a_vm_name_without_a_physical_host_says_its_hyperv_host(tmp_path):
    """VirtualMachineName read, both PhysicalHostName values empty: the host stays unnamed."""
    path = tmp_path / "facts.json"
    doc = guest_doc(vm_name="lab-vm-07")
    doc["cpu"].pop("vmx"), doc["cpu"].pop("slat")
    path.write_text(json.dumps(doc), encoding="utf-8")
    vantage = nm.check(f"mock:{path}").vantage
    assert vantage.nesting == "unknown" and vantage.change.where == "on its Hyper-V host"
    assert vantage.change.command == "Get-VMProcessor -VMName 'lab-vm-07' | Select-Object ExposeVirtualizationExtensions"
    assert "Data Exchange" in vantage.change.text


def test_azure_keeps_its_own_step_when_data_exchange_names_the_vm(tmp_path):
    """An Azure VM is a Hyper-V guest too (Data Exchange may fill the key), but its step is a size in Azure."""
    doc = json.loads(json.dumps(load_scenario("azure-b-series").to_dict()))
    doc["machine"].update(vm_name="0f3c-azure-vm", physical_host="azure-node-17")
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    vantage = nm.check(f"mock:{path}").vantage
    assert vantage.change.where == "in Azure" and "Set-VMProcessor" not in (vantage.change.command or "")


# ---------------------------------------------------------------- scenario files


def test_a_scenario_file_with_the_new_keys_loads_and_a_typo_is_an_error_naming_its_path(tmp_path):
    """Optional keys added to contracts §2 machine: vm_name and physical_host; unknown keys stay errors."""
    yaml_text = ("schema: nested-magics/host-facts/v1\nname: DEV-VM01\nos: {build: 26100}\n"
                 "cpu: {vendor: GenuineIntel}\nvms: []\n"
                 "machine: {virtual: true, manufacturer: Microsoft Corporation, model: Virtual Machine,\n"
                 "          vm_name: lab-vm-07, physical_host: hv-node1.corp.example}\n")
    path = tmp_path / "guest.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    facts = nm.connect(f"mock:{path}").facts()
    assert (facts.machine.vm_name, facts.machine.physical_host) == ("lab-vm-07", "hv-node1.corp.example")
    assert facts.machine.to_dict()["vm_name"] == "lab-vm-07"
    assert set(load_facts(guest_doc()).machine.to_dict()) == {"virtual", "manufacturer", "model", "cloud"}
    typo = tmp_path / "typo.yaml"
    typo.write_text(yaml_text.replace("vm_name:", "vm_nmae:"), encoding="utf-8")
    with pytest.raises((nm.FactsError, nm.TargetError), match=r"machine\.vm_nmae: unknown key"):
        nm.connect(f"mock:{typo}").facts()
    long = tmp_path / "long.yaml"
    long.write_text(yaml_text.replace("lab-vm-07", "v" * 256), encoding="utf-8")
    with pytest.raises((nm.FactsError, nm.TargetError), match=r"machine\.vm_name"):
        nm.connect(f"mock:{long}").facts()
