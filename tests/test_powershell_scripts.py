"""The bundled .ps1 scripts (contracts §7): valid PowerShell, named, and written for Windows PowerShell 5.1."""

from __future__ import annotations

import re

from importlib import resources

import pytest
import tree_sitter_pwsh
from tree_sitter import Language, Parser

SCRIPTS = sorted(p.name for p in resources.files("nested_magics").joinpath("backends/powershell/scripts").iterdir()
                 if p.name.endswith(".ps1"))
PARSER = Parser(Language(tree_sitter_pwsh.language()))


def read(name: str) -> str:
    return resources.files("nested_magics").joinpath(f"backends/powershell/scripts/{name}").read_text(encoding="utf-8")


def test_the_operations_are_all_there():
    assert SCRIPTS == ["enable.ps1", "facts.ps1", "loader.ps1", "vm-action.ps1"]


def errors(node) -> list[str]:
    found = [f"{node.start_point}: {node.text[:60]!r}"] if node.type == "ERROR" or node.is_missing else []
    for child in node.children:
        found += errors(child)
    return found


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_script_parses_without_errors_with_tree_sitter_pwsh(name):
    tree = PARSER.parse(read(name).encode("utf-8"))
    assert not tree.root_node.has_error, errors(tree.root_node)


def test_the_parse_check_can_fail():
    broken = read("facts.ps1").replace("$facts = @{", "$facts = @{ (", 1)
    assert PARSER.parse(broken.encode("utf-8")).root_node.has_error


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_script_starts_by_naming_its_operation(name):
    assert read(name).splitlines()[0] == f"# nested-magics: {name.removesuffix('.ps1')}"


@pytest.mark.parametrize("name", [n for n in SCRIPTS if n != "loader.ps1"])
def test_scripts_take_values_only_as_the_decoded_parameter_block(name):
    text = read(name)
    assert "param($Params)" in text
    # Windows PowerShell 5.1 has neither; enums become names with .ToString() instead.
    assert "-AsArray" not in text and "-EnumsAsStrings" not in text
    assert "Invoke-Expression" not in text and "iex " not in text


def json_depth(value) -> int:
    """How deep ConvertTo-Json must go to write ``value`` whole (it cuts anything deeper to a string)."""
    if isinstance(value, dict):
        return 1 + max((json_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((json_depth(v) for v in value), default=0)
    return 0


def test_the_facts_script_is_one_json_document_deep_enough_for_what_it_gathers():
    """ConvertTo-Json's -Depth (default 2) silently cuts deeper objects to strings (facts §5): the one document
    facts.ps1 writes must be deep enough for a host whose guests it reads (L0 -> L1 -> L1's VMs)."""
    from nested_magics.backends.mock import load_scenario

    text = read("facts.ps1")
    calls = re.findall(r"ConvertTo-Json\b[^\n]*", text)
    assert len(calls) == 1 and "exit 0" in text
    depth = int(re.search(r"-Depth\s+(\d+)", calls[0])[1])
    document = load_scenario("three-levels").to_dict()
    for vm in document["vms"]:          # what facts.ps1 reads: one level of guests, their VMs without guests
        if vm.get("guest"):
            vm["guest"]["vms"] = [dict(inner, guest=None) for inner in vm["guest"]["vms"]]
    assert json_depth(document) <= depth
    assert "State.ToString()" in text and "[int]$os.BuildNumber" in text
