"""Bounds on a host-facts document (contracts §2 "Bounds") and the quoting every message uses.

One walk (``prepare``) checks a document before the schema sees it: JSON values only, PowerShell's remoting
properties dropped (copying only the mappings that held them), keys that are not text refused, nesting
deeper than 128 levels and guests deeper than 32 refused, and values shared between several places (YAML
aliases, or one Python list used twice) walked again only within a budget of 10,000 nodes, so that no
document can expand without bound.
Every message quotes at most 80 characters of a value.
"""

from __future__ import annotations

import math
import re
from typing import Any

from nested_magics.errors import FactsError

# contracts §2 "Bounds"
MAX_FILE_BYTES = 16 * 1024**2       # a facts file (or text) larger than this is refused unread
MAX_ALIAS_NODES = 10_000            # nodes that YAML aliases (or shared values) may add by expansion
MAX_GUEST_DEPTH = 32                # guest inside guest inside ...
MAX_NESTING = 128                   # any nesting of mappings and lists (32 guests need about 101)
MAX_YAML_NODES = 500_000            # YAML values in one document (PyYAML spends ~5 µs and ~400 bytes on each;
                                    # ~16,000 VMs; JSON, parsed in C, has no such limit below 16 MiB)
MAX_NAME = 255                      # characters in a name (schema: maxLength)
MAX_SIZE_BYTES = 1024**5            # 1 PiB (schema: maximum)
MAX_BUILD = 10**6                   # Windows builds (schema: maximum)
QUOTE_LIMIT = 80                    # characters of a value that a message quotes

# contracts §2: what objects that crossed Invoke-Command carry; dropped on loading, never an error.
REMOTING_PROPERTIES = frozenset({"PSComputerName", "RunspaceId", "PSShowComputerName"})

_NESTED = f"nested deeper than the limit of {MAX_NESTING} levels"
_SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


# ---------------------------------------------------------------- quoting and key paths


def _digits(n: int) -> int:
    """Decimal digits of abs(n), without str() (which refuses beyond 4300 digits)."""
    n = abs(n)
    if n.bit_length() < 10_000:
        return len(str(n))
    return int(n.bit_length() * math.log10(2)) + 1


def _quote_int(value: int) -> str:
    if value.bit_length() <= 200:
        return repr(value)
    return f"{'-' if value < 0 else ''}<a {_digits(value):,}-digit number>"


def _clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """A value as a message shows it: its repr, at most ``limit`` characters, always one line."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return _quote_int(value)
    if isinstance(value, str):
        text = repr(value[: limit + 1])
        if len(text) > limit or len(value) > limit:
            text = text[: limit - 2] + "…" + text[0]
        return text
    import reprlib

    class _Short(reprlib.Repr):
        def repr_int(self, x, level):
            return _quote_int(x)

    short = _Short()
    short.maxstring, short.maxother, short.maxlist, short.maxdict, short.maxlevel = 24, 40, 4, 3, 2
    try:
        text = short.repr(value)
    except Exception:                                   # an object whose repr itself fails
        text = f"<{type(value).__name__}>"
    return _clip(" ".join(text.split()), limit)


def _key_text(key: Any) -> str:
    if isinstance(key, str) and _SIMPLE_KEY.match(key) and len(key) <= QUOTE_LIMIT:
        return key
    return quote(key, 40)


def key_path(parts) -> str:
    """["vms", 1, "memory"] -> "vms[1].memory"; a key that is not a plain word is quoted (vms[0]['a b'])."""
    out = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            text = _key_text(part)
            if text != part:
                out += f"[{text}]"
            else:
                out += f".{text}" if out else text
    return out or "(top level)"


def _where(parts) -> str:
    """key_path, shortened in the middle when it is long (a guest 33 levels down)."""
    text = key_path(parts)
    if len(text) <= 110:
        return text
    return f"{text[:40]}…{text[-60:]}"


# ---------------------------------------------------------------- the document walk (bounds, remoting properties)


class _Refused(Exception):
    """A walk failure on its way up: each container it passes adds its key, so the path costs nothing
    until something is wrong."""

    def __init__(self, message: str, *parts) -> None:
        super().__init__(message)
        self.message, self.parts = message, list(parts)


_SCALARS = frozenset({str, int, bool, type(None)})


class _Walk:
    """Check a document: JSON values only, nesting and expansion bounded. What must change (remoting
    properties dropped, a tuple or a subclass made plain JSON) is copied; the rest is the caller's, unchanged."""

    __slots__ = ("seen", "active", "again", "expanded")

    def __init__(self) -> None:
        self.seen: set[int] = set()         # containers copied so far
        self.active: set[int] = set()       # containers on the current path
        self.again = 0                      # > 0 while walking a container seen before (shared)
        self.expanded = 0                   # values walked again because they are shared

    def count(self, n: int = 1) -> None:
        self.expanded += n
        if self.expanded > MAX_ALIAS_NODES:
            raise _Refused(f"shared values (YAML aliases) expand past the limit of {MAX_ALIAS_NODES:,} nodes")

    def value(self, value: Any, depth: int, guests: int) -> Any:
        kind = type(value)
        if kind in _SCALARS:
            if self.again:
                self.count()
            return value
        if kind is dict or kind is list or kind is tuple:
            return self.container(value, depth, guests)
        if kind is float:
            if self.again:
                self.count()
            if not math.isfinite(value):
                raise _Refused(f"expected a finite number (got {value!r})")
            return value
        return self.other(value, depth, guests)

    def container(self, value, depth: int, guests: int):
        ident = id(value)
        if ident in self.active:
            raise _Refused("a value contains itself (a YAML alias inside its own anchor?)")
        shared = ident in self.seen
        if shared:
            self.again += 1
        again = self.again
        if again:
            self.count()
        if depth >= MAX_NESTING:
            raise _Refused(_NESTED)
        self.seen.add(ident)
        self.active.add(ident)
        depth += 1
        out = value
        scalars = 0
        if isinstance(value, dict):
            changed: dict | None = None         # key -> its new value, only where something changes
            for key, item in value.items():
                if type(item) in _SCALARS and type(key) is str and key not in REMOTING_PROPERTIES:
                    scalars += 1
                    continue
                if type(key) is not str:
                    if not isinstance(key, str):
                        raise _Refused(f"the key {quote(key, 40)} is not text (quote it)")
                    changed = changed or {}
                if key in REMOTING_PROPERTIES:
                    changed = changed or {}
                    continue
                try:
                    if key == "guest" and isinstance(item, dict):
                        if guests >= MAX_GUEST_DEPTH:
                            raise _Refused(f"guests nested deeper than the limit of {MAX_GUEST_DEPTH} levels")
                        new = self.container(item, depth, guests + 1)
                    else:
                        new = self.value(item, depth, guests)
                except _Refused as refused:
                    refused.parts.append(key)
                    raise
                if new is not item:
                    changed = changed or {}
                    changed[str(key)] = new
            if changed is not None or type(value) is not dict:     # copy only what has to change
                changed = changed or {}
                out = {str(k): changed.get(str(k), v) for k, v in value.items() if k not in REMOTING_PROPERTIES}
        else:
            copy: list | None = None if type(value) is list else list(value)
            for index, item in enumerate(value):
                if type(item) in _SCALARS:
                    scalars += 1
                    continue
                try:
                    new = self.value(item, depth, guests)
                except _Refused as refused:
                    refused.parts.append(index)
                    raise
                if new is not item:
                    if copy is None:
                        copy = list(value)
                    copy[index] = new
            if copy is not None:
                out = copy
        if again:
            self.count(scalars)
        self.active.discard(ident)
        if shared:
            self.again -= 1
        return out

    def other(self, value, depth: int, guests: int):
        """Subclasses of JSON's types (from the Python API) become the type; anything else is named."""
        if isinstance(value, bool):
            return self.value(bool(value), depth, guests)
        if isinstance(value, int):
            return self.value(int(value), depth, guests)
        if isinstance(value, float):
            return self.value(float(value), depth, guests)
        if isinstance(value, str):
            return self.value(str(value), depth, guests)
        if isinstance(value, (dict, list, tuple)):
            return self.container(value, depth, guests)
        import datetime

        if isinstance(value, (datetime.date, datetime.datetime)):
            raise _Refused(f"a date ({value.isoformat()}) is not a host-facts value; quote it to make it text")
        if isinstance(value, (bytes, bytearray)):
            raise _Refused("binary data (!!binary) is not a host-facts value")
        raise _Refused(f"a value of type {type(value).__name__!r} is not a host-facts value (got {quote(value, 40)})")


def prepare(doc: Any) -> dict:
    """A host-facts mapping, bounded and cleaned (``doc`` itself when nothing had to change, never modified);
    FactsError names the key path."""
    if not isinstance(doc, dict):
        raise FactsError(f"(top level): expected a host-facts mapping (got {type(doc).__name__})")
    try:
        return _Walk().container(doc, 0, 0)
    except _Refused as refused:
        raise FactsError(f"{_where(refused.parts[::-1])}: {refused.message}") from None
