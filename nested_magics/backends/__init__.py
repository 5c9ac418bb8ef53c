"""Target strings (contracts §1) to backends, through a registry in which each backend claims its targets.

A backend package offers ``claims(target)``, ``key(target, **options)``, ``open_target(target, **options)``
and, optionally, ``expand_target(target)``; it is imported only when a target it claims is used, so a
mock check never loads pywinrm. Adding a backend is one entry here.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass

from ..errors import TargetError

__all__ = ["open_backend", "target_key", "expand_targets", "backend_for", "REGISTRY"]


@dataclass(frozen=True)
class Entry:
    """A backend: where it lives, and the prefix its targets start with (None: it claims by shape)."""

    name: str
    module: str
    prefix: str | None = None      # "mock" claims mock and mock:...

    def load(self):
        return importlib.import_module(self.module)

    def claims(self, target: str) -> bool:
        if self.prefix is not None:
            return target == self.prefix or target.startswith(self.prefix + ":")
        return self.load().claims(target)


REGISTRY: tuple[Entry, ...] = (
    Entry("mock", "nested_magics.backends.mock", "mock"),
    Entry("local", "nested_magics.backends.local"),     # local: this machine, through its powershell.exe
    Entry("winrm", "nested_magics.backends.winrm"),     # HOST, HOST:PORT, http(s)://HOST:PORT/wsman
)
FORMS = "mock, mock:NAME, mock:PATH, local, HOST[:PORT] or https://HOST:5986/wsman"


def _near_miss(target: str) -> None:
    """``MOCK:x`` or ``mokc:x`` is a misspelt prefix, never a host name with a bad port (contracts §1)."""
    head, sep, rest = target.partition(":")
    if not sep or "//" in rest[:2] or not head.isalpha():
        return
    prefixes = [e.prefix for e in REGISTRY if e.prefix]
    close = difflib.get_close_matches(head.lower(), prefixes, n=1, cutoff=0.6)
    if close and head != close[0]:
        raise TargetError(f"{target}: unknown target prefix {head!r}; did you mean '{close[0]}:{rest}'?")


def backend_for(target: str) -> Entry:
    """The registry entry that claims ``target``; TargetError for an empty or misspelt one."""
    if not isinstance(target, str) or not target.strip():
        raise TargetError(f"empty target: give {FORMS}")
    _near_miss(target)
    entry = next((entry for entry in REGISTRY if entry.claims(target)), None)
    if entry is None:
        shown = target if len(target) <= 80 else target[:79] + "…"
        raise TargetError(f"{shown!r} is not a target: give {FORMS}")
    return entry


def target_key(target: str, **options) -> str:
    """The identity of the host a target names: one key, one host object per process."""
    return backend_for(target).load().key(target, **options)


def expand_targets(targets: list[str]) -> list[str]:
    """Each target as the hosts it names (``mock:classroom-*`` is twelve); most name one."""
    out: list[str] = []
    for target in targets:
        module = backend_for(target).load()
        out.extend(module.expand_target(target) if hasattr(module, "expand_target") else [target])
    return out


def open_backend(target: str, **options):
    """A new backend for ``target``; TargetError when it cannot be read or reached."""
    return backend_for(target).load().open_target(target, **options)
