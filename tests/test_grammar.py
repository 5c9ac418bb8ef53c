"""The one grammar the command line and the magics share (contracts §5, §6)."""

from __future__ import annotations

import argparse

import pytest

from nested_magics import vocabulary
from nested_magics.front import grammar
from nested_magics.errors import UsageProblem


def parse(specs, words):
    parser = argparse.ArgumentParser(add_help=False)
    grammar.add_specs(parser, specs)
    return parser.parse_args(words)


def test_winrm_options_hold_only_what_was_given():
    assert grammar.winrm_options(parse(grammar.WINRM, [])) == {}
    ns = parse(grammar.WINRM, ["--user", "LAB\\admin", "--transport", "basic", "--insecure", "--no-verify",
                               "--timeout", "5", "--ca-file", "ca.pem", "--guest-user", "admin"])
    assert grammar.winrm_options(ns) == {"user": "LAB\\admin", "transport": "basic", "insecure": True, "verify": False,
                                         "timeout": 5.0, "ca_file": "ca.pem", "guest_user": "admin"}


def test_no_password_option_exists():
    """contracts §1: the password is never a command-line value."""
    flags = {flag for specs in (grammar.WINRM, grammar.CHECK, grammar.ENABLE, grammar.VM, grammar.CONNECT)
             for names, _ in specs for flag in names}
    assert not any("pass" in flag for flag in flags)


def test_enable_options_leave_what_was_not_given_as_none_so_a_cell_body_can_fill_it():
    ns = parse(grammar.ENABLE, ["--memory", "6GB", "--install-hyperv"])
    assert grammar.enable_options(ns) == {"memory": "6GB", "networking": None, "start": None, "install_hyperv": True,
                                          "update_version": None, "turn_off": None, "discard_saved_state": None}


def test_several_targets_make_a_fleet_and_one_target_stays_one():
    assert parse(grammar.CHECK, ["-t", "a", "-t", "b", "myVM"]).targets == ["a", "b"]
    assert parse(grammar.TREE, ["-t", "a"]).target == "a"


def test_vm_options_take_only_what_the_action_uses():
    ns = parse(grammar.VM, ["new", "myVM/inner", "--memory", "1GB", "--start"])
    assert grammar.vm_options(ns) == {"memory": "1GB", "start": True}
    assert grammar.vm_options(parse(grammar.VM, ["resize-memory", "myVM", "6GB"])) == {"size": "6GB"}
    assert grammar.vm_options(parse(grammar.VM, ["stop", "myVM", "--turn-off"])) == {"turn_off": True}
    with pytest.raises(UsageProblem, match="vm start takes no size"):
        grammar.vm_options(parse(grammar.VM, ["start", "myVM", "6GB"]))


def test_the_enable_flags_are_the_vocabularys_table():
    """Each enable option is typed once (vocabulary); its flag, key and kind follow from it."""
    assert grammar.ENABLE_KEYS == tuple(option.attr for option in vocabulary.ENABLE_OPTIONS)
    assert [flags for flags, _ in grammar.ENABLE_OPTIONS] == [(option.flag,) for option in vocabulary.ENABLE_OPTIONS]
    ns = parse(grammar.ENABLE, [])
    assert all(value is None for value in grammar.enable_options(ns).values())     # the cell body may fill them
    with pytest.raises(SystemExit):
        parse(grammar.ENABLE, ["--networking", "carrier-pigeon"])


def test_each_kind_of_enable_option_makes_its_flag():
    """A new row in vocabulary.ENABLE_OPTIONS is a new flag: no edit here."""
    specs = [grammar._enable_spec(option) for option in (
        vocabulary.EnableOption("keep-notes", "flag", False, "a flag"),
        vocabulary.EnableOption("swap", "size", None, "a size"),
        vocabulary.EnableOption("colour", "choice", "red", "a choice", ("red", "blue")),
    )]
    assert vars(parse(specs, [])) == {"keep_notes": None, "swap": None, "colour": None}
    assert vars(parse(specs, ["--keep-notes", "--swap", "1GB", "--colour", "blue"])) == {
        "keep_notes": True, "swap": "1GB", "colour": "blue"}
    with pytest.raises(ValueError, match="unknown kind"):
        grammar._enable_spec(vocabulary.EnableOption("odd", "colourful", None, "?"))


def test_every_vm_action_is_a_choice_and_takes_the_options_the_vocabulary_gives_it():
    action = next(spec for flags, spec in grammar.VM if flags == ("action",))
    assert tuple(action["choices"]) == vocabulary.VM_ACTIONS
    assert all(f"{a.name}: {a.help}" in action["help"] for a in vocabulary.VM_ACTION_LIST)
    assert all(name in grammar.VM_HELP for name in vocabulary.VM_ACTIONS)
    dests = {names[-1].lstrip("-").replace("-", "_") for names, _ in grammar.VM}
    assert vocabulary.VM_ACTION_OPTIONS <= dests          # every option an action takes has a word
    for a in vocabulary.VM_ACTION_LIST:
        ns = parse(grammar.VM, [a.name, "myVM", "6GB"] if "size" in a.options else [a.name, "myVM"])
        assert set(grammar.vm_options(ns)) == set(a.options), a.name


def test_transports_are_the_vocabularys():
    transport = next(spec for flags, spec in grammar.WINRM if flags == ("--transport",))
    assert tuple(transport["choices"]) == vocabulary.TRANSPORTS


@pytest.mark.parametrize("option, value", [("--timeout", "-3"), ("--timeout", "0"), ("--apply-timeout", "nan"),
                                           ("--apply-timeout", "inf"), ("--timeout", "soon")])
def test_a_deadline_that_is_not_a_positive_number_is_one_usage_line_on_every_target(option, value, capsys):
    """Found in review: the mock accepted --timeout -3 and echoed it into its next step."""
    from nested_magics.front.cli import main

    command = ["enable", "myVM", "--yes"] if option == "--apply-timeout" else ["check"]
    assert main([*command, f"{option}={value}"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and option in err and "Traceback" not in err
