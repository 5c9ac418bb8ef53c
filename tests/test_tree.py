"""The L0 → L1 → L2 → … tree as data (what %nested_tree and `nested-magics tree` draw)."""

from __future__ import annotations

import json

from nested_magics.model.tree import build_tree


def test_the_tree_follows_guests_to_any_depth(make_facts, make_vm, make_guest):
    l3 = make_vm("l3", state="Off")
    l2 = make_vm("l2", state="Running", nesting=True, guest=make_guest(os={"build": 14393}, hyperv_installed=True,
                                                                        vms=[l3]))
    l1 = make_vm("l1", state="Running", nesting=True, guest=make_guest(hyperv_installed=True, vms=[l2]))
    tree = build_tree(make_facts(vms=[l1, make_vm("other", state="Saved")]))
    rows = [(n.name, n.level, n.kind, n.state, n.nesting, n.hyperv, n.build) for n in tree.walk()]
    assert rows == [
        ("HV-TEST", 0, "host", None, True, True, 14393),
        ("l1", 1, "vm", "Running", True, True, None),
        ("l2", 2, "vm", "Running", True, True, 14393),
        ("l3", 3, "vm", "Off", False, None, None),
        ("other", 1, "vm", "Saved", False, None, None),
    ]
    assert tree.depth == 3 and tree.children[1].depth == 1
    assert "HV-TEST" in repr(tree) and "4 VM(s)" in repr(tree) and "4 level(s)" in repr(tree)


def test_the_host_node_shows_whether_hyper_v_runs(make_facts):
    tree = build_tree(make_facts(hypervisor_present=False, hyperv_installed=True, vms=[]))
    assert (tree.nesting, tree.hyperv, tree.children, tree.depth) == (False, True, [], 0)


def test_to_dict_names_levels_l0_l1_and_is_json(make_facts, make_vm, make_guest):
    tree = build_tree(make_facts(vms=[make_vm(state="Running", guest=make_guest(hyperv_installed=False))]))
    doc = tree.to_dict()
    assert doc == {"name": "HV-TEST", "level": "L0", "kind": "host", "hyperv": True, "build": 14393, "children": [
        {"name": "myVM", "level": "L1", "kind": "vm", "state": "Running", "nesting": False, "hyperv": False,
         "build": None, "children": []}]}
    assert json.loads(json.dumps(doc)) == doc


def test_an_unnamed_host_is_called_host(make_facts):
    facts = make_facts()
    facts.name = None
    assert build_tree(facts).name == "host"
