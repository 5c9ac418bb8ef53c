"""A static reading of every PowerShell text nested-magics runs: each bundled .ps1 and every command an enable
plan can run (issue 10; contracts §7 "Scripts that hold on a real host").

Rules, each with a self-test that a bad snippet is caught:
1. a block sent through Invoke-Command calls no function of the caller (real-hosts.md §1 "Function scope");
2. no restart inside a PowerShell Direct block (real-hosts.md §2 "Restart inside a session");
3. no PowerShell 7-only syntax: the host runs Windows PowerShell 5.1 (real-hosts.md §1, Corrections);
4. no prompt that could hang without a person (Read-Host, pause, $Host.UI.Prompt*, an unanswered Get-Credential,
   a confirming cmdlet without -Confirm:$false or -Force);
5. no Write-Host (its output is lost over WinRM and mixes with the JSON document on stdout);
6. a .ps1 starts with ``# nested-magics: OPERATION``.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest
import tree_sitter_pwsh
from tree_sitter import Language, Parser

import nested_magics as nm
from nested_magics.backends.mock import load_scenario

PARSER = Parser(Language(tree_sitter_pwsh.language()))
SCRIPTS_DIR = resources.files("nested_magics").joinpath("backends/powershell/scripts")
SCRIPTS = sorted(p.name for p in SCRIPTS_DIR.iterdir() if p.name.endswith(".ps1"))
PS7_ONLY = [(r"\?\?", "?? (null-coalescing)"), (r"\?\.|\?\[", "?. / ?[ (null-conditional)"),
            (r"&&|\|\|", "&& / || (pipeline chains)"), (r"-Parallel\b", "ForEach-Object -Parallel"),
            (r"-AsArray\b", "ConvertTo-Json -AsArray"), (r"-EnumsAsStrings\b", "ConvertTo-Json -EnumsAsStrings"),
            (r"\$PSStyle\b", "$PSStyle"), (r"-NoProxy\b", "-NoProxy"), (r"^\s*clean\s*\{", "clean {} block"),
            (r"[\w)\]]\s+\?\s+[^{|\n]*?\s:\s", "a ? b : c (ternary)")]
CONFIRMING = ("Stop-VM", "Remove-VM", "Remove-VMSwitch", "Remove-NetNat", "Remove-NetIPAddress", "Restore-VMSnapshot",
              "Update-VMVersion", "Remove-VMSavedState", "Remove-VMSnapshot")


def code_only(text: str) -> str:
    """``text`` with strings and comments blanked (same length, same lines), so tokens inside them never count."""
    tree = PARSER.parse(text.encode("utf-8"))
    data = bytearray(text.encode("utf-8"))

    def walk(node) -> None:
        if node.type == "comment" or "string" in node.type:
            for i in range(node.start_byte, node.end_byte):
                if data[i] not in (10, 13):
                    data[i] = 32
            return
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return data.decode("utf-8")


def commands(text: str) -> list[tuple[str, str, int]]:
    """(name, its whole text, start byte) of every command, script-block bodies included."""
    tree = PARSER.parse(text.encode("utf-8"))
    found = []

    def walk(node) -> None:
        if node.type == "command":
            name = node.child_by_field_name("command_name")
            if name is not None:
                found.append((name.text.decode(), node.text.decode(), node.start_byte))
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return found


def _block_at(text: str, start: int) -> str:
    depth, i = 1, start + 1
    while i < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start + 1:i - 1]


def remote_blocks(text: str) -> list[tuple[str, bool]]:
    """Each script block sent through Invoke-Command, and whether it goes to a VM (PowerShell Direct)."""
    out = []
    for name, whole, _ in commands(text):
        if name.lower() != "invoke-command":
            continue
        direct = re.search(r"-VM(Name|Id)\b", whole, re.IGNORECASE) is not None
        literal = re.search(r"-ScriptBlock\s*\{", whole)
        if literal:
            out.append((_block_at(whole, literal.end() - 1), direct))
            continue
        variable = re.search(r"-ScriptBlock\s+\$(\w+)", whole)
        if variable:
            assigned = re.search(rf"\${variable[1]}\s*=\s*\{{", text)
            assert assigned, f"Invoke-Command sends ${variable[1]}, which this text never assigns a block"
            out.append((_block_at(text, assigned.end() - 1), direct))
    return out


def problems(text: str, *, shadows_credential: bool = False) -> list[str]:
    """Every rule broken by ``text``, as 'line N: rule: detail'."""
    code = code_only(text)
    found: list[str] = []

    def line(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    functions = {m[1].lower() for m in re.finditer(r"function\s+([\w-]+)", code, re.IGNORECASE)}
    for block, direct in remote_blocks(text):
        inside = {m[1].lower() for m in re.finditer(r"function\s+([\w-]+)", block, re.IGNORECASE)}
        for name, _, at in commands(block):
            if name.lower() in functions - inside:
                found.append(f"rule 1: the remote block calls {name}, a function of the caller")
        if "${function:" in block or re.search(r"Set-Item\s+(-Path\s+)?function:", block, re.IGNORECASE):
            found.append("rule 1: a function smuggled into the remote block")
        if direct and "$using:" in block.lower():
            found.append("rule 1: $Using: in a PowerShell Direct block (not documented for -VMName/-VMId)")
        if direct:
            for name, whole, _ in commands(block):
                if name.lower() == "restart-computer" or re.search(r"-Restart\b(?!Needed)", whole):
                    found.append(f"rule 2: {name} restarts inside a PowerShell Direct session")
    for pattern, what in PS7_ONLY:
        for match in re.finditer(pattern, code, re.MULTILINE):
            found.append(f"line {line(match.start())}: rule 3: {what} is PowerShell 7 only")
    for name, whole, at in commands(text):
        low = name.lower()
        if low in ("read-host", "pause") or re.search(r"\$Host\.UI\.Prompt", whole, re.IGNORECASE):
            found.append(f"line {line(at)}: rule 4: {name} waits for a person")
        if low == "get-credential" and not shadows_credential:
            found.append(f"line {line(at)}: rule 4: Get-Credential waits for a person")
        if name in CONFIRMING and not re.search(r"-Confirm:\$false|-Force\b|-TurnOff\b", whole):
            found.append(f"line {line(at)}: rule 4: {name} may ask for confirmation")
        if low == "write-host":
            found.append(f"line {line(at)}: rule 5: Write-Host")
    return found


def every_change_command() -> list[str]:
    """The commands of every kind of change, from plans on the bundled scenarios with every option."""
    seen: dict[str, str] = {}
    options = [dict(), dict(install_hyperv=True, networking="nat", update_version=True, turn_off=True,
                            discard_saved_state=True), dict(install_hyperv=True, update_version=True,
                                                            discard_saved_state=True)]
    for scenario in ("blog-2015", "server-2022-intel", "windows11-amd", "classroom-03", "three-levels"):
        facts = load_scenario(scenario)
        for vm in facts.vms:
            for opts in options:
                host = nm.connect(f"mock:{scenario}", reset=True)
                plan = host.plan_enable(vm.name, **opts)
                for change in plan.changes:
                    seen.setdefault(change.command, change.id)
    return sorted(seen)


# -- the real texts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_bundled_script_keeps_the_rules(name):
    text = SCRIPTS_DIR.joinpath(name).read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# nested-magics: {name.removesuffix('.ps1')}", "rule 6"
    assert problems(text, shadows_credential=(name == "enable.ps1")) == []


def test_every_command_a_plan_can_run_keeps_the_rules():
    # (Get-Credential) in a change command is answered by enable.ps1, which shadows it with the given credentials.
    found = every_change_command()
    kinds = {"Invoke-Command" in c for c in found}
    assert len(found) >= 8 and kinds == {True, False}
    assert {c: problems(c, shadows_credential=True) for c in found if problems(c, shadows_credential=True)} == {}


# -- each rule can fail -------------------------------------------------------------------------------


def test_rule_1_catches_a_remote_block_calling_a_function_of_the_caller():
    bad = ("function Get-NmOptional { 1 }\n$Block = { Get-NmOptional }\n"
           "Invoke-Command -VMName $n -Credential $c -ScriptBlock $Block\n")
    assert any("rule 1" in p for p in problems(bad))
    good = "$Block = { function Get-NmOptional { 1 }; Get-NmOptional }\nInvoke-Command -VMId $i -Credential $c -ScriptBlock $Block\n"
    assert problems(good) == []
    smuggled = "Invoke-Command -VMName $n -Credential $c -ScriptBlock { Set-Item -Path function:X -Value $a }\n"
    assert any("smuggled" in p for p in problems(smuggled))
    using = "Invoke-Command -VMId $i -Credential $c -ScriptBlock { Get-Item $Using:path }\n"
    assert any("$Using" in p for p in problems(using))


def test_rule_2_catches_a_restart_inside_a_powershell_direct_block():
    for bad in ("Invoke-Command -VMId $i -Credential $c -ScriptBlock { Install-WindowsFeature -Name 'Hyper-V' -Restart }\n",
                "Invoke-Command -VMName $n -Credential $c -ScriptBlock { Restart-Computer -Force }\n"):
        assert any("rule 2" in p for p in problems(bad))
    good = "Invoke-Command -VMId $i -Credential $c -ScriptBlock { (Install-WindowsFeature -Name 'Hyper-V').RestartNeeded }\n"
    assert problems(good) == []


@pytest.mark.parametrize("bad", ["$a = $b ?? 1\n", "$a = $b?.Name\n", "Get-VM && Get-VMSwitch\n",
                                 "1..3 | ForEach-Object -Parallel { $_ }\n", "ConvertTo-Json -InputObject $x -AsArray\n",
                                 "$PSStyle.Reset\n", "$x = $ok ? 'yes' : 'no'\n"])
def test_rule_3_catches_powershell_7_syntax(bad):
    assert any("rule 3" in p for p in problems(bad)), bad


def test_rule_3_ignores_strings_and_comments():
    assert problems("$a = 'a && b ?? c'  # -AsArray\nGet-VM | ? { $_.Name }\n") == []


@pytest.mark.parametrize("bad", ["$p = Read-Host 'password'\n", "pause\n", "$c = Get-Credential\n",
                                 "Get-VM -Id $i | Stop-VM\n", "Remove-NetNat -Name $n\n"])
def test_rule_4_catches_what_waits_for_a_person(bad):
    assert any("rule 4" in p for p in problems(bad)), bad
    assert problems("Get-VM -Id $i | Stop-VM -Confirm:$false\nRemove-VMSwitch -Name $s -Force\n") == []


def test_rule_5_catches_write_host():
    assert any("rule 5" in p for p in problems("Write-Host 'done'\n"))
