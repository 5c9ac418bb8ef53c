"""A static reading of every PowerShell text nested-magics runs (issue 10; contracts §7 "Scripts that hold on a
real host"): each bundled ``scripts/*.ps1`` (found by glob, so a new script is read too) and every command an
enable plan, or the revert of one, can run. The checker is tests/ps1_static.py, with tree-sitter-pwsh:

1. a block sent through Invoke-Command calls no function of the caller, smuggles none in, and a PowerShell
   Direct block uses no $Using:;
2. no restart inside a PowerShell Direct block;
3. no PowerShell 7-only syntax (hosts and guests run Windows PowerShell 5.1);
4. nothing that waits for a person (Read-Host, pause, $Host.UI.Prompt*, Get-Credential nothing answers, a
   cmdlet that confirms without -Confirm:$false, -Force or -TurnOff);
5. no Write-Host;
6. a bundled script starts with ``# nested-magics: OPERATION``.

Each rule has a self-test: a small bad snippet goes through the same checker and must be caught (on the line it
is on), and a good one must pass, so no rule can pass by reading nothing.

The one allowance: a change command may call ``(Get-Credential)`` (what a person pasting it answers), because
enable.ps1 runs each command with Get-Credential shadowed by its function table (ScriptBlock.InvokeWithContext)
and answers it with the credentials it was given; the test proves enable.ps1 does shadow it. The allowance never
reaches a block sent through Invoke-Command: the shadow does not exist in the remote session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nested_magics
from nested_magics.changes import CHANGE_IDS
from nested_magics.load import load_facts
from nested_magics.model.facts import SCHEMA_ID
from nested_magics.model.plan import EnableOptions
from nested_magics.planner import plan_enable, revert_changes

# problems and code_only are also read from here by test_vm_actions_remote.py and twin_language_mode.py.
from ps1_static import check, code_only, problems, shadows_get_credential  # noqa: F401

SCRIPTS_DIR = Path(nested_magics.__file__).parent / "backends" / "powershell" / "scripts"
SCRIPTS = sorted(path.name for path in SCRIPTS_DIR.glob("*.ps1"))
GUEST = {"name": "GUEST", "hypervisor_present": True, "hyperv_installed": False, "vms": []}
# Between them these plans make every kind of change, by id and by name: (VM, its settings, enable options).
PLANS = [
    (dict(name="saved", state="Saved", version="5.0", guest=GUEST),
     dict(discard_saved_state=True, update_version=True, install_hyperv=True, networking="nat")),
    (dict(name="running", guest={**GUEST, "os": {"kind": "server"}}), dict(install_hyperv=True)),
    (dict(name="paused", state="Paused"), dict(turn_off=True, start=True)),
    (dict(name="paused-nesting", state="Paused", nesting=True, dynamic=False, guest=GUEST),
     dict(install_hyperv=True)),
    (dict(name="no-id", state="Off", id=None), dict(install_hyperv=True, networking="nat")),
]


def _vm(i: int, name: str, state: str = "Running", version: str = "9.0", nesting: bool = False,
        dynamic: bool = True, guest=None, **extra) -> dict:
    vm = {"name": name, "id": f"00000000-0000-4000-8000-0000000000{i:02d}", "state": state, "version": version,
          "processor": {"count": 2, "expose_virtualization_extensions": nesting},
          "memory": {"startup_bytes": "2GB", "dynamic": dynamic},
          "network_adapters": [{"name": "Network Adapter", "switch": "External", "mac_spoofing": False}],
          "guest": guest, **extra}
    return {key: value for key, value in vm.items() if value is not None}


def plan_commands() -> dict[str, tuple[str, str]]:
    """Each distinct command the plans above (and their reverts) run: test id -> (change kind, command)."""
    facts = load_facts({
        "schema": SCHEMA_ID, "name": "HV-STATIC", "os": {"build": 20348, "kind": "server"},
        "cpu": {"vendor": "GenuineIntel"}, "hypervisor_present": True, "hyperv_installed": True,
        "memory": {"total_bytes": "64GB", "free_bytes": "48GB"}, "supported_vm_versions": ["5.0", "9.0"],
        "switches": [{"name": "External", "type": "External"}],
        "vms": [_vm(i, **settings) for i, (settings, _) in enumerate(PLANS)]})
    found: dict[str, tuple[str, str]] = {}
    for settings, options in PLANS:
        plan = plan_enable(facts, settings["name"], EnableOptions.build(**options))
        assert plan.refused is None, plan.refused
        for change in [*plan.changes, *revert_changes(plan.changes)]:
            if change.command not in (command for _, command in found.values()):
                n = sum(kind == change.id for kind, _ in found.values())
                found[f"{change.id}-{n}"] = (change.id, change.command)
    return found


COMMANDS = plan_commands()


# -- the real texts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_bundled_script_keeps_the_rules(name):
    text = (SCRIPTS_DIR / name).read_text(encoding="utf-8")
    assert problems(text, operation=name.removesuffix(".ps1")) == []


@pytest.mark.parametrize("key", sorted(COMMANDS))
def test_every_command_a_plan_can_run_keeps_the_rules(key):
    _kind, command = COMMANDS[key]
    assert problems(command, shadows_credential=True) == [], command


def test_the_texts_read_are_every_script_and_every_kind_of_change():
    assert {"enable.ps1", "facts.ps1", "loader.ps1"} <= set(SCRIPTS)
    assert {kind for kind, _ in COMMANDS.values()} == set(CHANGE_IDS)
    texts = [command for _, command in COMMANDS.values()]
    assert any("-VMId $VMId" in c for c in texts) and any("-VMName $VMName" in c for c in texts)
    assert any("Invoke-Command" in c for c in texts)


def test_enable_answers_get_credential_for_the_commands_it_runs_and_nothing_else_does():
    assert shadows_get_credential((SCRIPTS_DIR / "enable.ps1").read_text(encoding="utf-8"))
    assert not shadows_get_credential((SCRIPTS_DIR / "facts.ps1").read_text(encoding="utf-8"))
    assert shadows_get_credential("function Get-Credential { $c }\n")
    # the shadow does not reach a remote session: Get-Credential inside the block is never answered
    remote = "$c = Get-Credential\nInvoke-Command -VMId $i -Credential $c -ScriptBlock { Get-Credential }\n"
    assert problems(remote, shadows_credential=True) == [
        "line 2: rule 4: Get-Credential waits for a person (nothing answers it here)"]


# -- each rule can fail -------------------------------------------------------------------------------


def rules(text: str, **kwargs) -> set[tuple[int, int]]:
    """(line, rule) of every problem found."""
    return {(p.line, p.rule) for p in check(text, **kwargs)}


def test_rule_0_a_text_the_grammar_cannot_read_is_reported():
    assert rules("Get-VM\nGet-VM -Name 'unterminated; if ($x -eq { ) }\n") & {(2, 0)}
    assert rules("Get-VM | Select-Object Name, State\n") == set()


def test_rule_1_catches_a_remote_block_calling_a_function_of_the_caller():
    through_variable = ("function Get-NmOptional { 1 }\n$Block = {\n    Get-NmOptional\n}\n"
                        "Invoke-Command -VMName $n -Credential $c -ScriptBlock $Block\n")
    assert rules(through_variable) == {(3, 1)}
    literal = "function F { 1 }\nInvoke-Command -ComputerName $h -ScriptBlock { F }\n"
    positional = "function F { 1 }\nInvoke-Command -VMId $i -Credential $c { F }\n"
    colon = "function F { 1 }\nInvoke-Command -VMId $i -Credential $c -ScriptBlock:{ F }\n"
    for bad in (literal, positional, colon):
        assert rules(bad) == {(2, 1)}, bad
    transitive = ("function Get-A { 1 }\nfunction ConvertTo-B { Get-A }\n$G = { ConvertTo-B }\n"
                  "Invoke-Command -VMId $i -Credential $c -ScriptBlock $G\n")
    assert problems(transitive) == ["line 3: rule 1: the remote block calls ConvertTo-B, a function of the caller "
                                    "that does not exist in the remote session (which calls Get-A)"]
    unreadable = "Invoke-Command -VMId $i -Credential $c -ScriptBlock ([ScriptBlock]::Create($s))\n"
    assert rules(unreadable) == {(1, 1)}
    good = ("function Get-NmOptional { 2 }\n$Block = { function Get-NmOptional { 1 }; Get-NmOptional; Get-VM }\n"
            "Invoke-Command -VMId $i -Credential $c -ScriptBlock $Block\nGet-NmOptional\n")
    assert problems(good) == []


def test_rule_1_catches_smuggled_functions_and_using_in_powershell_direct():
    # the shape of the old facts.ps1: a helper sent as text and rebuilt inside the guest
    smuggled = ("function ConvertTo-NmVm($vm) { Get-NmOptional }\nfunction Get-NmOptional { 1 }\n"
                "$GuestFacts = {\n    param($f)\n"
                "    Set-Item -Path function:ConvertTo-NmVm -Value ([ScriptBlock]::Create($f))\n"
                "    Get-VM | ForEach-Object { ConvertTo-NmVm $_ }\n}\n"
                "Invoke-Command -VMName $n -Credential $c -ScriptBlock $GuestFacts `\n"
                "    -ArgumentList ${function:ConvertTo-NmVm}.ToString()\n")
    assert rules(smuggled) == {(5, 1), (6, 1), (9, 1)}
    using = "Invoke-Command -VMId $i -Credential $c -ScriptBlock {\n    Get-Item $Using:path\n}\n"
    assert rules(using) == {(2, 1)}
    assert problems("Invoke-Command -ComputerName $h -ScriptBlock { Get-Item $Using:path }\n") == []
    arguments = "Invoke-Command -VMId $i -Credential $c -ArgumentList $p -ScriptBlock { param($p) Get-Item $p }\n"
    assert problems(arguments) == []


def test_rule_2_catches_a_restart_inside_a_powershell_direct_block():
    for bad in ("Install-WindowsFeature -Name 'Hyper-V' -Restart", "Restart-Computer -Force", "shutdown.exe /r /t 0",
                "Enable-WindowsOptionalFeature -Online -FeatureName 'Microsoft-Hyper-V' -Restart:$true"):
        text = f"$vm = Get-VM -Id $i\nInvoke-Command -VMId $i -Credential $c -ScriptBlock {{\n    {bad}\n}}\n"
        assert rules(text) == {(3, 2)}, bad
    session = ("$s = New-PSSession -VMId $i -Credential $c\n"
               "Invoke-Command -Session $s -ScriptBlock { Restart-Computer }\n")
    assert rules(session) == {(2, 2)}
    good = ("$r = Invoke-Command -VMName $n -Credential $c -ScriptBlock { (Install-WindowsFeature -Name 'Hyper-V' "
            "-Restart:$false).RestartNeeded }\nif ($r) { Stop-VM -VM $vm -Confirm:$false; Start-VM -VM $vm }\n")
    assert problems(good) == []


@pytest.mark.parametrize("bad", ["$a = $b ?? 1", "$a ??= 2", "$a = ${b}?.Name", "$a = $b?[0]", "Get-VM && Get-VMSwitch",
                                 "Get-VM || throw 'x'", "1..3 | ForEach-Object -Parallel { $_ }",
                                 "ConvertTo-Json -InputObject $x -AsArray", "$x | ConvertTo-Json -EnumsAsStrings",
                                 "$PSStyle.Reset", "$x = $ok ? 'yes' : 'no'",
                                 "function F { process { 1 } clean { 2 } }",
                                 "Invoke-RestMethod -Uri $u -NoProxy"])
def test_rule_3_catches_powershell_7_syntax(bad):
    assert (2, 3) in rules(f"Get-VM\n{bad}\n"), bad


def test_rule_3_passes_windows_powershell_5_1_and_ignores_strings_and_comments():
    good = ("$a = 'a && b ?? c ?. d'  # -AsArray $PSStyle\nGet-VM | ? { $_.Name } | % { $_ }\n"
            "ConvertTo-Json -InputObject $x -Depth 6 -Compress\nConvertTo-Json -InputObject $x -Dep 3\n"
            "if ($ok) { 'yes' } else { 'no' }\nInvoke-RestMethod -Uri $u -UseBasicParsing\n")
    assert problems(good) == []


@pytest.mark.parametrize("bad", ["$p = Read-Host 'password'", "pause", "$c = Get-Credential",
                                 "$n = $Host.UI.PromptForChoice('a', 'b', $choices, 0)",
                                 "$s = $Host.UI.ReadLineAsSecureString()", "Get-VM -Id $i | Stop-VM",
                                 "Stop-VM -VM $vm -Confirm", "Stop-VM -VM $vm -TurnOff -Confirm:$true",
                                 "Remove-NetNat -Name $n", "Get-VM -Id $i | Remove-VMSavedState",
                                 "Restore-VMSnapshot -Name $s -VMName $n", "Get-VM -Id $i | Update-VMVersion",
                                 "Remove-Item -Path $p -Confirm"])
def test_rule_4_catches_what_waits_for_a_person(bad):
    assert (2, 4) in rules(f"Get-VM\n{bad}\n"), bad


def test_rule_4_passes_what_answers_itself():
    good = ("Get-VM -Id $i | Stop-VM -Confirm:$false\nStop-VM -VM $vm -TurnOff\nRemove-VMSwitch -Name $s -Force\n"
            "Get-VM -Id $i | Update-VMVersion -Force -Confirm:$false\nRemove-NetNat -Name $n -Confirm:$false\n"
            "$cred = Get-Credential\n")
    assert problems(good, shadows_credential=True) == []


def test_rule_5_catches_write_host():
    assert rules("Get-VM\nWrite-Host 'done'\n") == {(2, 5)}
    assert problems("Write-Output 'Write-Host'\nWrite-Verbose 'done'\n") == []


def test_rule_6_a_script_must_name_its_operation_on_its_first_line():
    assert rules("# nested-magics: facts\nGet-VM\n", operation="enable") == {(1, 6)}
    assert rules("param($Params)\n# nested-magics: enable\n", operation="enable") == {(1, 6)}
    assert problems("# nested-magics: enable\r\nGet-VM\r\n", operation="enable") == []
