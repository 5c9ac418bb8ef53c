"""Per-process state: one Host per target (so a mock host's changes persist), and the default target."""

from __future__ import annotations

import os
import threading

_hosts: dict[str, object] = {}
_lock = threading.Lock()
_default: str | None = None

ENV_TARGET = "NESTED_MAGICS_TARGET"


def default_target() -> str:
    """The last ``connect`` of this session, else $NESTED_MAGICS_TARGET when set, else ``mock``."""
    if _default:
        return _default
    env = os.environ.get(ENV_TARGET, "").strip()
    return env or "mock"


def set_default_target(target: str | None) -> None:
    global _default
    _default = target


def get_host(key: str, factory, reset: bool = False):
    """The Host for ``key``, made by ``factory()`` the first time (or again after ``reset``)."""
    with _lock:
        host = _hosts.get(key)
    if host is not None and not reset:
        return host
    new = factory()                     # outside the lock: a slow host must not block the others
    with _lock:
        old = _hosts.get(key)
        if old is not None and not reset:
            return old
        _hosts[key] = new
    if old is not None and old is not new:
        old.close()
    return new


def forget_all() -> None:
    """Drop every host (tests; a fresh kernel)."""
    global _default
    with _lock:
        hosts = list(_hosts.values())
        _hosts.clear()
    for host in hosts:
        host.close()
    _default = None
