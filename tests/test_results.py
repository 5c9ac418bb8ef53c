"""What acting on a host returns, in the shapes of contracts §6."""

from __future__ import annotations

import nested_magics as nm


def test_an_apply_result_has_the_enable_document_shape():
    result = nm.plan_enable("mock", "myVM").apply(confirm=True)
    doc = result.to_dict()
    assert list(doc) == ["target", "vm", "plan", "applied", "failed", "after"]
    assert doc["applied"] == [c["id"] for c in doc["plan"]] and doc["failed"] is None
    assert doc["after"]["verdict"] == "ready" and result.ok
    assert "now ready" in repr(result)


def test_a_refused_action_is_a_result_not_an_exception():
    result = nm.connect("mock:three-levels").vm("save", "myVM")
    assert result.to_dict() == {"target": "mock:three-levels", "action": "save", "vm": "myVM", "ok": False,
                                "message": result.message}
    assert "refused" in repr(result) and "(simulated" in result.message
