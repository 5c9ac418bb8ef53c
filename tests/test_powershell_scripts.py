"""The bundled .ps1 scripts (contracts §7): valid PowerShell, named, and written for Windows PowerShell 5.1."""

from __future__ import annotations

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


def test_the_facts_script_is_one_json_document_deep_enough_for_l3():
    text = read("facts.ps1")
    assert text.count("ConvertTo-Json") == 1 and "-Depth 12" in text and "exit 0" in text
    assert "State.ToString()" in text and "[int]$os.BuildNumber" in text
