"""Per-process state: the default target and one Host per target (contracts §1)."""

from __future__ import annotations

import nested_magics as nm
from nested_magics import session


def test_the_default_target_is_the_last_connect_else_the_environment_else_mock(monkeypatch):
    assert session.default_target() == "mock"
    monkeypatch.setenv(session.ENV_TARGET, "mock:classroom-01")
    assert session.default_target() == "mock:classroom-01"
    monkeypatch.setenv(session.ENV_TARGET, "   ")                  # set but empty: ignored
    assert session.default_target() == "mock"
    session.set_default_target("mock:three-levels")
    monkeypatch.setenv(session.ENV_TARGET, "mock:classroom-01")
    assert session.default_target() == "mock:three-levels"


def test_a_target_names_one_host_whose_state_persists_until_reset():
    host = nm.connect("mock")
    assert nm.connect("mock:blog-2015") is host                     # the same host
    host.plan_enable("myVM").apply(confirm=True)
    assert nm.check("mock").verdict == "ready"
    fresh = nm.connect("mock", reset=True)
    assert fresh is not host and nm.check("mock").verdict == "fixable"


def test_forget_all_drops_hosts_and_the_default():
    session.set_default_target("mock:three-levels")
    host = nm.connect()
    session.forget_all()
    assert session.default_target() == "mock" and nm.connect("mock:three-levels") is not host
