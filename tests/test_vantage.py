"""The L1 vantage (issue 13): from inside a VM, can nesting work here, and can Hyper-V VMs, WSL2, Windows Sandbox
and Docker Desktop run, each with its reason and the step on *its* host; and its summary at the top of the check
dashboard (text and HTML). Facts named: machine.virtual, machine.cloud (size, security type), cpu.architecture
and flags, hyperv_installed, os.edition and kind, features, boot, memory, a VM's ExposeVirtualizationExtensions.
"""

from __future__ import annotations

import json
import re


import nested_magics as nm
from nested_magics.backends.mock import load_scenario
from nested_magics.display.html.report import report_html
from nested_magics.display.text import render_report
from nested_magics.front.cli import main
from nested_magics.rules.vantage import inside

CONTRACT_KEYS = {"target", "host", "verdict", "profile", "checks", "vms"}


def scenario(name: str) -> dict:
    return json.loads(json.dumps(load_scenario(name).to_dict()))


def hyperv_vm(**changes) -> dict:
    """A Windows 11 Pro VM on an on-premises Hyper-V host, nothing installed, flags as given."""
    doc = {"schema": "nested-magics/host-facts/v1", "name": "DEV-VM01",
           "os": {"caption": "Microsoft Windows 11 Pro", "build": 26100, "kind": "client", "edition": "Professional"},
           "cpu": {"vendor": "GenuineIntel", "architecture": "x64", "logical_processors": 4},
           "memory": {"total_bytes": 8 * 1024 ** 3}, "hypervisor_present": True, "hyperv_installed": False,
           "machine": {"virtual": True, "manufacturer": "Microsoft Corporation", "model": "Virtual Machine",
                       "cloud": None},
           "features": {"Microsoft-Hyper-V": "Disabled", "VirtualMachinePlatform": "Disabled",
                        "Containers-DisposableClientVM": "Disabled"},
           "vms": []}
    for key, value in changes.items():
        doc[key] = {**doc[key], **value} if isinstance(value, dict) and isinstance(doc.get(key), dict) else value
    return doc


def check(tmp_path, doc: dict):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return nm.check(f"mock:{path}")


def answers(vantage) -> dict:
    return {w.name: w.can_run for w in vantage.workloads}


# ---------------------------------------------------------------- Azure (the bundled scenarios)


def test_azure_b_series_cannot_nest_says_why_and_the_size_to_change_to():
    vantage = nm.check("mock:azure-b-series").vantage
    assert vantage.nesting == "no"
    assert vantage.headline.startswith("Nesting cannot work here:") and "B-series" in vantage.headline
    assert vantage.change.where == "in Azure" and "Standard_D4s_v5" in vantage.change.command
    assert "security type Standard" in vantage.change.text
    assert set(answers(vantage).values()) == {"no"}
    # Its security type is Trusted Launch: what Microsoft said, with dates, and how to find out here.
    assert "2024-11-19" in vantage.known and "169.254.169.254" in vantage.known


def test_azure_d_series_with_nesting_says_hyperv_and_wsl2_can_run():
    vantage = nm.check("mock:azure-d-series").vantage
    assert vantage.nesting == "yes" and "Dsv5" in vantage.why and "Standard" in vantage.why
    can = answers(vantage)
    assert can["Hyper-V VMs"] == "yes" and can["WSL2"] == "yes"
    assert "Hyper-V VMs and WSL2 can run here" in vantage.headline
    assert can["Windows Sandbox"] == "no"                          # a Windows Server: Sandbox is a client feature
    docker = vantage.workload("Docker Desktop")
    assert docker.can_run == "no" and "Azure VMs" in docker.reason   # Docker's stance is said even so


def test_trusted_launch_on_a_supported_size_is_unknown_with_the_dates(tmp_path):
    doc = scenario("azure-d-series")
    doc["machine"]["cloud"]["security_type"] = "TrustedLaunch"
    doc.update(hyperv_installed=False, vms=[], features={"Microsoft-Hyper-V": "Disabled"})
    doc["cpu"].pop("vmx"), doc["cpu"].pop("slat")
    vantage = check(tmp_path, doc).vantage
    assert vantage.nesting == "unknown" and "Trusted Launch" in vantage.why
    assert "yes" not in answers(vantage).values()                  # unknown is never yes
    assert all(date in vantage.known for date in ("2023-04-25", "2024-11-19", "2025-04-21", "2025-06-10"))


def test_an_arm64_azure_size_cannot_nest(tmp_path):
    doc = scenario("azure-d-series")
    doc["machine"]["cloud"]["vm_size"] = "Standard_D4ps_v6"
    doc["cpu"]["architecture"] = "ARM64"
    vantage = check(tmp_path, doc).vantage
    assert vantage.nesting == "no" and "ARM64" in vantage.why and set(answers(vantage).values()) == {"no"}


# ---------------------------------------------------------------- an on-premises Hyper-V host


def test_no_extensions_on_a_hyperv_host_gives_the_set_vmprocessor_line_with_a_placeholder(tmp_path):
    vantage = check(tmp_path, hyperv_vm(cpu={"vmx": False, "slat": True})).vantage
    assert vantage.nesting == "no" and vantage.change.where == "on its Hyper-V host"
    assert vantage.change.command == ("Set-VMProcessor -VMName '<this VM as its host names it>' "
                                      "-ExposeVirtualizationExtensions $true")
    assert "DEV-VM01" in vantage.change.text          # the computer name, offered as the likely VM name
    wsl = vantage.workload("WSL2")
    assert wsl.can_run == "no" and "0x80370102" in wsl.reason
    docker = vantage.workload("Docker Desktop")
    assert docker.can_run == "no" and "does not support" in docker.reason


def test_extensions_shown_on_a_client_vm_let_all_four_run_with_steps_here(tmp_path):
    vantage = check(tmp_path, hyperv_vm(cpu={"vmx": True, "slat": True})).vantage
    assert vantage.nesting == "yes" and vantage.change is None
    assert set(answers(vantage).values()) == {"yes"}
    hyperv = vantage.workload("Hyper-V VMs")
    assert [s.where for s in hyperv.steps] == ["here"] and "Microsoft-Hyper-V" in hyperv.steps[0].command
    assert vantage.workload("WSL2").steps[0].command == "wsl --install"
    # Docker Desktop can run, and Docker's stance on a Hyper-V VM outside Azure is said plainly.
    docker = vantage.workload("Docker Desktop")
    assert "Docker does not support Docker Desktop in this VM" in docker.reason
    assert "VMware ESXi or Azure" in docker.reason


def test_hypervisor_launch_type_off_is_a_step_here(tmp_path):
    doc = hyperv_vm(cpu={"vmx": True, "slat": True}, boot={"hypervisor_launch_type": "Off", "nested_virt_offered": None})
    hyperv = check(tmp_path, doc).vantage.workload("Hyper-V VMs")
    assert hyperv.can_run == "yes" and hyperv.steps[0].command == "bcdedit /set hypervisorlaunchtype auto"


def test_without_flags_or_hyperv_it_is_unknown_and_says_how_to_find_out(tmp_path):
    vantage = check(tmp_path, hyperv_vm()).vantage
    assert vantage.nesting == "unknown" and set(answers(vantage).values()) == {"unknown"}
    assert vantage.change.command.startswith("Get-VMProcessor -VMName ")
    assert vantage.headline.startswith("Whether nesting can work here is unknown")


def test_windows_home_has_no_hyperv_nor_sandbox_but_wsl2_and_docker_run(tmp_path):
    doc = hyperv_vm(os={"edition": "Core", "caption": "Microsoft Windows 11 Home"}, cpu={"vmx": True, "slat": True},
                    features={"Microsoft-Hyper-V": "NotPresent", "Containers-DisposableClientVM": "NotPresent",
                              "VirtualMachinePlatform": "Enabled"})
    can = answers(check(tmp_path, doc).vantage)
    assert can == {"Hyper-V VMs": "no", "WSL2": "yes", "Windows Sandbox": "no", "Docker Desktop": "yes"}


def test_sandbox_minimums_are_steps_on_its_host(tmp_path):
    doc = hyperv_vm(cpu={"vmx": True, "slat": True, "logical_processors": 1}, memory={"total_bytes": 2 * 1024 ** 3})
    sandbox = check(tmp_path, doc).vantage.workload("Windows Sandbox")
    assert sandbox.can_run == "no"
    commands = [s.command for s in sandbox.steps]
    assert "Set-VMMemory -VMName '<this VM as its host names it>' -StartupBytes 4294967296" in commands
    assert "Set-VMProcessor -VMName '<this VM as its host names it>' -Count 2" in commands


def test_unknown_flags_are_never_yes_for_any_workload(tmp_path):
    for cpu in ({"vmx": None}, {"vmx": False}, {"slat": False}):
        doc = hyperv_vm(cpu={k: v for k, v in cpu.items() if v is not None})
        vantage = check(tmp_path, doc).vantage
        assert vantage.nesting != "yes" and "yes" not in answers(vantage).values(), cpu


# ---------------------------------------------------------------- a guest seen from its host


def test_a_guest_gets_the_same_answer_with_its_own_name_and_host():
    facts = nm.connect("mock:blog-2015").facts()
    vantage = inside(facts, "myVM")
    assert vantage.nesting == "no" and vantage.change.where == f"on its Hyper-V host {facts.name}"
    assert vantage.change.command == "Set-VMProcessor -VMName 'myVM' -ExposeVirtualizationExtensions $true"
    nm.connect("mock:blog-2015").plan_enable("myVM").apply(confirm=True)
    assert inside(nm.connect("mock:blog-2015").facts(), "myVM").nesting == "yes"
    assert inside(facts, "ghost") is None


def test_a_guest_name_is_a_single_quoted_literal(tmp_path):
    doc = json.loads(json.dumps(load_scenario("blog-2015").to_dict()))
    doc["vms"][0]["name"] = "Bob's VM"
    facts = nm.load_facts(doc)
    assert "-VMName 'Bob''s VM'" in inside(facts, "Bob's VM").change.command


# ---------------------------------------------------------------- the report, its JSON, the dashboard


def test_a_physical_hosts_report_and_json_are_unchanged():
    report = nm.check("mock:blog-2015")
    assert report.vantage is None and set(report.to_dict()) == CONTRACT_KEYS


def test_a_vms_json_carries_the_vantage(capsys):
    code = main(["check", "-t", "mock:azure-b-series", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and set(doc) == CONTRACT_KEYS | {"vantage"}
    assert doc["vantage"]["nesting"] == "no" and [w["can_run"] for w in doc["vantage"]["workloads"]] == ["no"] * 4


def test_the_text_form_says_it_at_the_top_and_keeps_check_lines_led_by_their_status():
    text = render_report(nm.check("mock:azure-b-series"))
    lines = text.split("\n")
    assert lines[1].startswith("From inside a VM on Azure (Standard_B2s") and "Nesting cannot work here" in lines[1]
    assert lines[2].startswith("  Change in Azure: Resize this VM")
    first_check = next(i for i, line in enumerate(lines) if re.match(r"(PASS|INFO|WARN|FAIL)  ", line))
    assert all(not re.match(r"\s*(PASS|INFO|WARN|FAIL)\b", line) for line in lines[1:first_check])
    quiet = render_report(nm.check("mock:azure-b-series"), quiet=True).split("\n")
    assert len(quiet) == 3 and "Nesting cannot work here" in quiet[1]


def test_the_dashboard_puts_the_summary_above_the_host_checks_and_escapes_host_data(tmp_path):
    html = report_html(nm.check("mock:azure-d-series"))
    assert html.index("From inside a VM") < html.index("Host checks")
    assert "Hyper-V VMs and WSL2 can run here" in html
    doc = scenario("azure-b-series")
    doc["machine"]["cloud"]["vm_size"] = "<img src=x onerror=alert(1)>"
    html = report_html(check(tmp_path, doc))
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# ---------------------------------------------------------------- Done when: %nested_check -t local on the twin


def test_nested_check_on_local_says_at_the_top_what_can_run(monkeypatch):
    from local_twin import serve_local
    from simulated_windows import SimulatedWindowsHost
    from test_magics import new_shell

    ip = new_shell()
    try:
        for name in ("azure-b-series", "azure-d-series"):
            with serve_local(SimulatedWindowsHost(load_scenario(name)), monkeypatch):
                report = ip.run_line_magic("nested_check", "-t local")
            data, _meta = ip.display_formatter.format(report)
            top = data["text/plain"].split("\n")[1]
            html = data["text/html"]
            assert html.index("From inside a VM") < html.index("Host checks")
            if name == "azure-b-series":
                assert "Nesting cannot work here: Standard_B2s is a B-series" in top
                assert "Change in Azure: Resize this VM" in data["text/plain"].split("\n")[2]
                assert "Standard_D4s_v5" in data["text/plain"].split("\n")[3]
            else:
                assert "Nesting can work here" in top and "Hyper-V VMs and WSL2 can run here" in top
    finally:
        ip.extension_manager.unload_extension("nested_magics")


def test_every_answer_cites_a_public_address_and_never_the_fact_sheet(tmp_path):
    docs = [scenario("azure-b-series"), scenario("azure-d-series"), hyperv_vm(), hyperv_vm(cpu={"vmx": True}),
            hyperv_vm(cpu={"architecture": "ARM64"})]
    for i, doc in enumerate(docs):
        (tmp_path / str(i)).mkdir()
        vantage = check(tmp_path / str(i), doc).vantage
        for source in [vantage.source] + [w.source for w in vantage.workloads]:
            assert re.search(r"https://\S+", source) and "facts §" not in source, source
        assert "facts §" not in json.dumps(vantage.to_dict())


def test_a_nested_path_is_seen_from_inside_the_vm_it_lives_in():
    """myVM/nestedVM is judged inside myVM: the summary names myVM's own host and the VM by its real name."""
    report = nm.connect("mock:three-levels", reset=True).report_for("myVM/nestedVM")
    assert report.vantage is not None
    assert report.vantage.host == "the Hyper-V host TH2-DESKTOP (as VM myVM)"


def test_windows_sandbox_needs_windows_10_1903():
    """Windows Sandbox arrived with Windows 10 1903 (build 18362): a 2015 guest cannot run it, whatever else holds."""
    report = nm.connect("mock:three-levels", reset=True).report_for("myVM/nestedVM")
    sandbox = next(w for w in report.vantage.workloads if w.name == "Windows Sandbox")
    assert sandbox.can_run == "no" and "build 18362" in sandbox.reason
