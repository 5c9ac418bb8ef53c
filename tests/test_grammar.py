"""The one grammar the command line and the magics share (contracts §5, §6)."""

from __future__ import annotations

import argparse

import pytest

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
