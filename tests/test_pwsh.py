"""Copy-paste-safe PowerShell (contracts §6 "fix"): names and values appear only as single-quoted literals with
' and the Unicode single quotes doubled, never inside double quotes. Proved with hostile VM names against a
reference reading of PowerShell's tokenizer, and parsed with tree-sitter-pwsh."""

from __future__ import annotations

import re

import pytest
import tree_sitter_pwsh
from hypothesis import given, settings
from hypothesis import strategies as st
from tree_sitter import Language, Parser

from nested_magics import pwsh
from nested_magics.load import load_facts
from nested_magics.model.plan import EnableOptions
from nested_magics.planner import plan_enable, revert_changes
from nested_magics.rules import build_report

# What PowerShell's tokenizer accepts as a single quote (System.Management.Automation CharExtensions.IsSingleQuote).
QUOTES = "'\u2018\u2019\u201a\u201b"
HOSTILE = [
    "it's",
    "$(Remove-Item C:\\)",
    "`whoami`",
    "a;b",
    "line\nbreak",
    'say "hi"',
    "\u2018left\u2019 right\u201a low\u201b rev",
    "x\u2019; Remove-Item C:\\ -Recurse; \u2018",
    "'; Stop-Computer; '",
    "end'",
    "@{a=1} | % { $_ }",
    "tab\there & | > <",
]
PARSER = Parser(Language(tree_sitter_pwsh.language()))


def read_verbatim(ps: str) -> tuple[str, list[str]]:
    """(skeleton, strings): each single-quoted literal, read as PowerShell reads it (a quote char followed by a
    quote char is one literal quote char; a lone one ends the string), replaced by § in the skeleton."""
    skeleton, strings, i = [], [], 0
    while i < len(ps):
        if ps[i] not in QUOTES:
            skeleton.append(ps[i])
            i += 1
            continue
        i += 1
        value = []
        while True:
            assert i < len(ps), f"unterminated string in {ps!r}"
            if ps[i] in QUOTES:
                if i + 1 < len(ps) and ps[i + 1] in QUOTES:
                    value.append(ps[i + 1])
                    i += 2
                    continue
                i += 1
                break
            value.append(ps[i])
            i += 1
        strings.append("".join(value))
        skeleton.append("§")
    return "".join(skeleton), strings


def parses(ps: str) -> bool:
    return not PARSER.parse(ps.encode()).root_node.has_error


# ---------------------------------------------------------------- quote, literal, command


@pytest.mark.parametrize("value, expected", [
    ("myVM", "'myVM'"),
    ("", "''"),
    ("it's", "'it''s'"),
    ("$(Remove-Item C:\\)", "'$(Remove-Item C:\\)'"),
    ("`n", "'`n'"),
    ('"', "'\"'"),
    ("a\nb", "'a\nb'"),
    ("\u2018\u2019\u201a\u201b", "'\u2018\u2018\u2019\u2019\u201a\u201a\u201b\u201b'"),
    (42, "'42'"),
])
def test_quote(value, expected):
    assert pwsh.quote(value) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(QUOTES) + list("ab$`\"; \n()\\{}|&\u201c\u201d")) | st.characters(),
               max_size=30))
def test_a_quoted_literal_reads_back_as_exactly_the_value(text):
    skeleton, strings = read_verbatim(pwsh.quote(text))
    assert skeleton == "§" and strings == [text]


@pytest.mark.parametrize("value, expected", [(True, "$true"), (False, "$false"), (0, "0"), (4294967296, "4294967296"),
                                             ("8.0", "'8.0'"), (None, "'None'")])
def test_literal(value, expected):
    assert pwsh.literal(value) == expected


def test_command_puts_parameters_then_switches():
    assert pwsh.command("Stop-VM", "TurnOff", Name="it's") == "Stop-VM -Name 'it''s' -TurnOff"
    assert pwsh.command("Set-VMProcessor", VMName="v", ExposeVirtualizationExtensions=True) == (
        "Set-VMProcessor -VMName 'v' -ExposeVirtualizationExtensions $true")


# ---------------------------------------------------------------- every fix and every powershell


def _hostile_hosts(name: str, make_doc) -> list:
    """Hosts whose checks give every fix there is, for a VM called ``name``."""
    guest_missing = {"os": {"build": 17763, "kind": "server"}, "hyperv_installed": False}
    vm = {"name": name, "state": "Running", "version": "5.0", "processor": {"count": 1},
          "memory": {"startup_bytes": 1024**3, "dynamic": True},
          "network_adapters": [{"name": "n", "mac_spoofing": False}], "checkpoints": 2, "guest": guest_missing}
    variants = [
        vm,
        {**vm, "state": "Saved"},
        {**vm, "state": "Paused", "network_adapters": [], "processor": {"count": 240}},
        {**vm, "state": "Off", "guest": {"os": {"kind": "client"}}},
    ]
    return [load_facts(make_doc(os={"build": build, "kind": kind}, hyperv_installed=False, vbs={"status": 2},
                                supported_vm_versions=["5.0", "8.0"], vms=[v]))
            for build in (10565, 14393) for kind in ("client", "server") for v in variants]


def _all_powershell(name: str, make_doc) -> list[str]:
    scripts = []
    for facts in _hostile_hosts(name, make_doc):
        scripts += [c.fix for c in build_report(facts, "t").checks if c.fix]
        facts.hyperv_installed = True                                  # so that the planner goes on
        facts.vbs.status = 0
        for options in (EnableOptions(update_version=True, install_hyperv=True, turn_off=True,
                                      discard_saved_state=True),
                        EnableOptions(update_version=True, networking="nat", turn_off=True, install_hyperv=True,
                                      discard_saved_state=True)):
            if options.networking == "nat" and facts.build < 14361:
                continue                            # the 2015 preview refuses NAT (MAC spoofing only)
            plan = plan_enable(facts, name, options)
            assert plan.refused is None, plan.refused
            scripts += [c.powershell for c in plan.changes]
            scripts += [c.powershell for c in revert_changes(plan.changes)]
    return scripts


def test_the_hostile_fixtures_reach_every_fix_and_every_change(make_doc):
    facts_list = _hostile_hosts("x", make_doc)
    fixed = {c.id for f in facts_list for c in build_report(f, "t").checks if c.fix}
    assert fixed >= {"host.hyperv", "host.vbs", "vm.version", "vm.state", "vm.expose-extensions",
                     "vm.dynamic-memory", "vm.memory", "vm.networking", "vm.checkpoints", "vm.processors",
                     "vm.guest-hyperv"}
    changes = set()
    for facts in facts_list:
        facts.hyperv_installed, facts.vbs.status = True, 0
        for networking in ("mac-spoofing", "nat"):
            changes |= {c.id for c in plan_enable(facts, "x", EnableOptions(
                update_version=True, install_hyperv=True, turn_off=True, discard_saved_state=True,
                networking=networking)).changes}
    from nested_magics.changes import CHANGE_IDS

    assert changes == set(CHANGE_IDS)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_vm_names_appear_only_as_single_quoted_literals(make_doc, name):
    """contracts §6: every `fix` and every `powershell`, for any VM name, has the same code as for a plain name;
    the name is only ever the whole content of a single-quoted literal; no double quotes anywhere."""
    plain = _all_powershell("plainvm", make_doc)
    hostile = _all_powershell(name, make_doc)
    assert len(plain) == len(hostile) > 50
    for safe, script in zip(plain, hostile):
        safe_skeleton, safe_strings = read_verbatim(safe)
        skeleton, strings = read_verbatim(script)
        assert skeleton == safe_skeleton, script
        # After Get-VM -Name (a VM with no known id) the name is a wildcard pattern, its wildcard characters
        # escaped with a backtick; everywhere else it is the name itself.
        escaped = re.sub(r"([*?\[\]`])", r"`\1", name)
        expected = [name if s == "plainvm" else s for s in safe_strings]
        assert all(got == want or (want == name and got == escaped) for got, want in zip(strings, expected)), script
        assert '"' not in skeleton and "\u201c" not in skeleton and "\u201d" not in skeleton


@pytest.mark.parametrize("name", ["plainvm", "it's", "$(Remove-Item C:\\)", "`whoami`", "a;b", 'say "hi"'])
def test_every_fix_and_powershell_is_valid_powershell(make_doc, name):
    """tree-sitter-pwsh parses each script without an error node (a prose `fix` would not parse)."""
    for script in _all_powershell(name, make_doc):
        assert parses(script), script


def test_the_reference_reader_catches_an_unquoted_name():
    """The checks above can fail: a name spliced into code changes the skeleton or breaks the string."""
    safe = read_verbatim("Stop-VM -Name 'plainvm'")[0]
    assert read_verbatim('Stop-VM -Name "$(x)"')[0] != safe
    assert read_verbatim("Stop-VM -Name 'it''s'; Remove-Item x")[0] != safe
    with pytest.raises(AssertionError, match="unterminated"):
        read_verbatim("Stop-VM -Name 'it's'")
    assert not parses("Stop-VM -Name 'a' )(")
