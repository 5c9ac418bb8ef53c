"""The backend registry (backends/__init__.py): each backend claims its own targets (contracts §1); what
no backend claims, an empty target and a misspelt prefix are one line each, never another host."""

from __future__ import annotations

import pytest

from nested_magics.backends import backend_for, expand_targets, target_key
from nested_magics.errors import TargetError
from nested_magics.front.cli import main


@pytest.mark.parametrize("target, backend", [
    ("mock", "mock"), ("mock:blog-2015", "mock"), ("mock:/tmp/x.yaml", "mock"), ("hv01", "winrm"),
    ("hv01.lab.example:5986", "winrm"), ("10.0.0.5", "winrm"), ("[::1]:5985", "winrm"),
    ("https://hv01:5986/wsman", "winrm"), ("http://127.0.0.1:5985/wsman", "winrm"),
])
def test_each_target_is_claimed_by_its_backend(target, backend):
    assert backend_for(target).name == backend


@pytest.mark.parametrize("target, says", [
    ("", "empty target"), ("   ", "empty target"), ("mokc:blog-2015", "did you mean 'mock:blog-2015'"),
    ("MOCK:blog-2015", "did you mean 'mock:blog-2015'"), ("bad host", "is not a target"),
    ("a/b/c", "is not a target"),
])
def test_what_no_backend_claims_is_one_line_naming_the_forms(target, says):
    """contracts §1: an almost-mock prefix or an empty target says so; it is never read as a host name."""
    with pytest.raises(TargetError, match=says):
        backend_for(target)


@pytest.mark.parametrize("target", ["", "mokc:blog-2015", "MOCK:blog-2015"])
def test_the_cli_says_it_in_one_line_and_exits_2(target, capsys):
    assert main(["check", "-t", target]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "port" not in err[0], err


def test_a_glob_is_expanded_by_the_backend_that_claims_it():
    assert expand_targets(["mock:classroom-0[12]", "hv01"]) == ["mock:classroom-01", "mock:classroom-02", "hv01"]
    assert target_key("mock") == target_key("mock:blog-2015")
