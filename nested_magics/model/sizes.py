"""Memory sizes: parse "4GB" the way PowerShell reads it (binary units) and print them back."""

from __future__ import annotations

import re

from ..errors import UsageProblem

_UNITS = {
    "b": 1,
    "kb": 1024, "kib": 1024,
    "mb": 1024**2, "mib": 1024**2,
    "gb": 1024**3, "gib": 1024**3,
    "tb": 1024**4, "tib": 1024**4,
}
_SIZE = re.compile(r"^\s*(?P<num>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>[a-z]*)\s*$", re.IGNORECASE)

GiB = 1024**3
MiB = 1024**2
MIN_VM_MEMORY = 32 * MiB


def parse_size(value: object) -> int:
    """Return bytes for an int or a string such as "4GB", "1.5 GiB" or "512mb".

    Raises ValueError with a short reason; callers add the key path or option name.
    """
    if isinstance(value, bool):
        raise ValueError("expected bytes or a size like \"4GB\"")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a size cannot be negative")
        return value
    if isinstance(value, float):
        if value < 0:
            raise ValueError("a size cannot be negative")
        if value != int(value):
            raise ValueError("bytes must be a whole number")
        return int(value)
    if not isinstance(value, str):
        raise ValueError("expected bytes or a size like \"4GB\"")
    text = value.strip()
    if text.startswith("-"):
        raise ValueError(f"a size cannot be negative (got {value!r})")
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"expected bytes or a size like \"4GB\" (got {value!r})")
    unit = (match["unit"] or "b").lower()
    if unit not in _UNITS:
        raise ValueError(f"unknown unit {match['unit']!r} in {value!r}: use B, KB, MB, GB or TB")
    number = float(match["num"]) if "." in match["num"] else int(match["num"])
    result = number * _UNITS[unit]
    if result != int(result):
        raise ValueError(f"{value!r} is not a whole number of bytes")
    return int(result)


def parse_vm_memory(value: object) -> int:
    """Startup memory for a Hyper-V VM: a size of at least 32 MB, in steps of 2 MB."""
    size = parse_size(value)
    if size < MIN_VM_MEMORY or size % (2 * MiB):
        raise ValueError("Hyper-V VMs need at least 32 MB of memory, in steps of 2 MB")
    return size


def format_size(n: int | None) -> str:
    """Human form, e.g. 4294967296 -> "4 GB" (binary units, as Hyper-V Manager shows them)."""
    if n is None:
        return "unknown"
    for unit, factor in (("TB", 1024**4), ("GB", GiB), ("MB", MiB), ("KB", 1024)):
        if n >= factor:
            value = n / factor
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text} {unit}"
    return f"{n} B"


def size_option(value) -> int:
    """A VM memory size given by the user; one usage line when it is not one."""
    try:
        return parse_vm_memory(value)
    except ValueError as exc:
        raise UsageProblem(f"size {value!r}: {exc}") from None
