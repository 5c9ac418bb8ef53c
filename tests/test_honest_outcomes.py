"""Results never claim more than happened (contracts §4, issue 11): a size that cannot fit is refused before
anything changes, naming both sizes; a failed run says what was applied and which VM it left in another state."""

from __future__ import annotations

import nested_magics as nm
from nested_magics.front.cli import main


def test_a_startup_size_larger_than_the_host_is_refused_before_anything_changes(capsys):
    """Found: `enable myVM --memory 999999TB --yes` applied and ended READY on a 16 GB host."""
    before = nm.connect("mock").facts().to_dict()
    assert main(["enable", "myVM", "--memory", "999999TB", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "999999 TB" in err and "16 GB" in err
    assert nm.connect("mock").facts().to_dict() == before


def test_a_nested_vm_larger_than_its_parent_is_refused_naming_both_sizes():
    """Found: `enable myVM/nestedVM -t mock:three-levels --yes` raised the nested VM past its parent's memory,
    start-vm failed and a Running VM was left Off, yet the output said `Verdict: fixable → ready`."""
    host = nm.connect("mock:three-levels")
    parent = host.facts().vms[0]
    plan = host.plan_enable("myVM/nestedVM", memory="8GB")
    assert plan.refused is not None and plan.refused.id == "set-startup-memory"
    assert "8 GB" in plan.refused.message and "myVM" in plan.refused.message
    assert str(parent.startup_bytes // 1024**3) + " GB" in plan.refused.message


def test_a_failed_run_says_which_vm_it_left_in_another_state(connect_doc, make_vm):
    host = connect_doc(memory={"total_bytes": "16GB", "free_bytes": "1GB"},
                       vms=[make_vm(state="Running", startup="2GB", dynamic=False, mac_spoofing=True)])
    result = host.plan_enable("myVM").apply(confirm=True)     # stopped, set to 4 GB: 4 GB do not fit in 1 + 2
    assert result.failed is not None and result.failed.id == "start-vm"
    assert "myVM was Running and is now Off" in result.failed.message
    assert result.ok is False
