"""Target strings (contracts §1) to backends: ``mock[:NAME|:PATH]`` or a WinRM host/URL."""

from __future__ import annotations

from .mock import MockBackend, bundled_names, expand, scenario_key

__all__ = ["open_backend", "target_key", "is_mock", "bundled_names", "expand_targets"]


def is_mock(target: str) -> bool:
    return target == "mock" or target.startswith("mock:")


def mock_spec(target: str) -> str:
    return target.split(":", 1)[1] if ":" in target else ""


def target_key(target: str, **winrm_options) -> str:
    """The identity of the host a target names: one key, one simulated host per process."""
    if is_mock(target):
        return scenario_key(mock_spec(target))
    from .winrm import winrm_key   # only real hosts need it

    return winrm_key(target, **winrm_options)


def expand_targets(targets: list[str]) -> list[str]:
    """``mock:classroom-*`` becomes every bundled scenario it matches; other targets stay as given."""
    out: list[str] = []
    for target in targets:
        spec = mock_spec(target) if is_mock(target) else ""
        if any(ch in spec for ch in "*?[") and "/" not in spec:
            matches = expand(spec)
            if matches:
                out.extend(f"mock:{name}" for name in matches)
                continue
        out.append(target)
    return out


def open_backend(target: str, **winrm_options):
    """A new backend for ``target``; TargetError when it cannot be read or reached."""
    if is_mock(target):
        return MockBackend(target, mock_spec(target))
    from .winrm import WinRMBackend   # pywinrm and requests load only for real hosts

    return WinRMBackend(target, **winrm_options)
