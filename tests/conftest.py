"""Shared fixtures for the engine tests.

Every test gets a fresh process state (no mock host remembers what an earlier test did to it), and
builds the smallest scenario it needs in code:

    def test_x(make_facts, make_vm):
        facts = make_facts(os={"build": 10565}, vms=[make_vm(state="Saved")])

``make_doc`` returns the host-facts mapping (to write to a file, or to break on purpose), ``make_facts``
the loaded model, ``scenario`` writes a document to ``tmp_path`` and returns its ``mock:/abs/path.json``
target, and ``connect_doc`` connects to it.
"""

from __future__ import annotations

import copy
import json

import pytest

from nested_magics import session
from nested_magics.model.facts import SCHEMA_ID
from nested_magics.load import load_facts

from network_guard import Guard

_UNSET = object()


@pytest.fixture(autouse=True)
def network_guard():
    """No test connects off this machine (the Azure metadata address included): such a connect is refused and
    fails the test, even if the code under test swallowed the error (tests/network_guard.py)."""
    guard = Guard()
    guard.install()
    try:
        yield guard
    finally:
        guard.remove()
    if guard.attempts:
        pytest.fail(f"the test tried to connect off this machine: {', '.join(guard.attempts)}", pytrace=False)


@pytest.fixture(autouse=True)
def fresh_session(monkeypatch):
    """No test sees another's mock state, default target or NESTED_MAGICS_TARGET."""
    monkeypatch.delenv(session.ENV_TARGET, raising=False)
    session.forget_all()
    yield
    session.forget_all()


@pytest.fixture
def loopback_password(monkeypatch):
    """The password a WinRM or local test signs in with, where nested-magics reads it (never on a command line)."""
    from loopback_winrm import PASSWORD

    monkeypatch.setenv("NESTED_MAGICS_PASSWORD", PASSWORD)


@pytest.fixture
def guest_password(monkeypatch):
    """The guests' password for PowerShell Direct (--guest-user), where nested-magics reads it."""
    from loopback_winrm import GUEST

    monkeypatch.setenv("NESTED_MAGICS_GUEST_PASSWORD", GUEST[1])


def merge(base: dict, overrides: dict) -> dict:
    """A copy of ``base`` with ``overrides`` merged in (mappings merge key by key; anything else replaces)."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _make_vm(name: str = "myVM", state: str = "Off", version: str = "8.0", *, nesting=None, dynamic=None,
             startup=None, cpus=None, mac_spoofing=None, adapters=None, checkpoints=None, guest=_UNSET,
             **extra) -> dict:
    """A VM mapping with only what is asked for (the schema's defaults do the rest).

    ``mac_spoofing=False`` gives one adapter with spoofing off; ``adapters=[...]`` lists them outright.
    """
    vm: dict = {"name": name, "state": state, "version": version}
    for key, values in (("processor", {"count": cpus, "expose_virtualization_extensions": nesting}),
                        ("memory", {"startup_bytes": startup, "dynamic": dynamic})):
        given = {k: v for k, v in values.items() if v is not None}
        if given:
            vm[key] = given
    if adapters is not None:
        vm["network_adapters"] = adapters
    elif mac_spoofing is not None:
        vm["network_adapters"] = [{"name": "Network Adapter", "switch": "External", "mac_spoofing": mac_spoofing}]
    if checkpoints is not None:
        vm["checkpoints"] = checkpoints
    if guest is not _UNSET:
        vm["guest"] = guest
    return merge(vm, extra)


def _make_guest(**overrides) -> dict:
    """The facts of the OS inside a VM (every key optional there)."""
    return merge({"name": "GUEST", "hypervisor_present": True, "hyperv_installed": False, "vms": []}, overrides)


def _make_doc(**overrides) -> dict:
    """A host-facts document: by default an Intel host at build 14393 (profile ``current``) running
    Hyper-V, with one VM ``myVM`` that is Off, version 8.0, nesting off. Mappings in ``overrides``
    merge (``os={"build": 10565}`` keeps ``kind``); ``vms=[...]`` replaces the VM list."""
    base = {
        "schema": SCHEMA_ID,
        "name": "HV-TEST",
        "os": {"build": 14393, "kind": "client"},
        "cpu": {"vendor": "GenuineIntel"},
        "hypervisor_present": True,
        "hyperv_installed": True,
        "supported_vm_versions": ["5.0", "8.0"],
        "switches": [{"name": "External", "type": "External"}],
        "vms": [_make_vm()],
    }
    return merge(base, overrides)


@pytest.fixture
def make_vm():
    return _make_vm


@pytest.fixture
def make_guest():
    return _make_guest


@pytest.fixture
def make_doc():
    return _make_doc


@pytest.fixture
def make_facts():
    """``make_facts(**overrides)``: the loaded HostFacts of ``make_doc(**overrides)``."""
    return lambda **overrides: load_facts(_make_doc(**overrides))


@pytest.fixture
def scenario(tmp_path):
    """``scenario(doc=None, name="scenario.json", text=None, **overrides)`` writes a scenario file and
    returns its target, ``mock:/abs/path``. ``text`` writes that text as it is (for broken files)."""
    counter = iter(range(10_000))

    def write(doc: dict | None = None, name: str | None = None, text: str | None = None, **overrides) -> str:
        path = tmp_path / (name or f"scenario-{next(counter)}.json")
        if text is None:
            text = json.dumps(doc if doc is not None else _make_doc(**overrides), indent=1)
        path.write_text(text, encoding="utf-8")
        return f"mock:{path}"

    return write


@pytest.fixture
def connect_doc(scenario):
    """``connect_doc(doc=None, **overrides)``: a Host on a fresh scenario file."""
    import nested_magics as nm

    def connect(doc: dict | None = None, **overrides):
        return nm.connect(scenario(doc, **overrides))

    return connect
