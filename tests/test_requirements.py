"""The numbers rules, planner and simulator share (facts §2)."""

from __future__ import annotations

from nested_magics.rules import requirements as req
from nested_magics.load import load_facts


def host(build, vendor="GenuineIntel", kind="client"):
    return load_facts({"schema": "nested-magics/host-facts/v1", "name": "h", "os": {"build": build, "kind": kind},
                       "cpu": {"vendor": vendor}, "vms": []})


def test_the_profiles_split_at_build_14361():
    """facts §2.2: build 14361 required version 8.0 and lifted the preview's limits."""
    assert req.profile(10565) == req.profile(14360) == "preview"
    assert req.profile(14361) == req.profile(26100) == "current"


def test_required_vm_version_by_vendor():
    """facts §2.6 (Intel 8.0) and §2.5 (AMD 9.3 since 2023); none in the preview."""
    assert req.required_vm_version(host(10565)) is None
    assert req.required_vm_version(host(14393)) == "8.0"
    assert req.required_vm_version(host(22000, "AuthenticAMD")) == "9.3"


def test_amd_needs_windows_11_or_server_2022():
    """facts §2.5: client 22000, server 20348."""
    assert not req.amd_build_supported(host(19045, "AuthenticAMD"))
    assert req.amd_build_supported(host(22000, "AuthenticAMD"))
    assert not req.amd_build_supported(host(17763, "AuthenticAMD", "server"))
    assert req.amd_build_supported(host(20348, "AuthenticAMD", "server"))


def test_versions_meet_as_versions():
    assert req.version_meets("10.0", "8.0") and req.version_meets("8", "8.0") and not req.version_meets("7.1", "8.0")
    assert req.version_meets(None, None)
