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
    broken = read("facts.ps1").replace("$answers = [ordered]@{}", "$answers = [ordered]@{ (", 1)
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


def test_the_facts_script_is_deep_enough_for_what_it_gathers_and_the_twin_would_see_it_cut():
    """ConvertTo-Json's -Depth (default 2) silently cuts deeper objects to strings (facts §5): the twin writes
    what 5.1 writes at the script's own -Depth, so a host with guests (L0 -> L1 -> L1's VMs) shapes whole, and
    the same script with a shallow -Depth does not."""
    from nested_magics.backends.mock import load_scenario
    from nested_magics.backends.powershell.shape import shape_document
    from nested_magics.errors import TargetError
    from twin_facts import Conditions, FactsTwin

    facts = load_scenario("three-levels")
    params = {"guest_vms": ["*"], "guest_user": "admin", "guest_password": "pw"}
    text = read("facts.ps1")
    doc = shape_document(FactsTwin(facts, Conditions(), ("admin", "pw")).answer(text, params), "h")
    assert doc["vms"][0]["guest"]["vms"][0]["name"] == facts.vms[0].guest.vms[0].name
    shallow = re.sub(r"(-InputObject \$answers -Depth )\d+", r"\g<1>1", text)
    with pytest.raises((TargetError, AttributeError, TypeError)):
        shape_document(FactsTwin(facts, Conditions(), ("admin", "pw")).answer(shallow, params), "h")
