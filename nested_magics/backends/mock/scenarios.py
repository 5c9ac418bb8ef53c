"""Mock scenarios: the bundled ones by NAME, a user's file by PATH (contracts §1, §2).

A scenario *is* a host-facts document, plus the mock-only ``faults`` and ``latency_ms``.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ...errors import TargetError
from ...load import MAX_FILE_BYTES, load_document, parse_document
from ...model.facts import HostFacts
from .faults import Fault, parse_faults


@dataclass
class Scenario:
    """A simulated host as its file describes it."""

    facts: HostFacts
    faults: list[Fault] = field(default_factory=list)
    latency_ms: float = 0.0

    def simulator(self, **options):
        """A Simulator playing this scenario (``sleep=`` for tests that count the latency)."""
        from .simulator import Simulator

        return Simulator(self.facts, self.faults, self.latency_ms, **options)


def scenario_from_document(doc, source: str = "scenario") -> Scenario:
    """A scenario from a host-facts mapping that may carry the mock-only keys."""
    facts, clean = load_document(doc, source)
    return Scenario(facts, parse_faults(clean, source), float(clean.get("latency_ms", 0) or 0))


def _scenario(text: str, source: str) -> Scenario:
    return scenario_from_document(parse_document(text, source), source)


DEFAULT_SCENARIO = "blog-2015"
SCENARIO_SUFFIXES = (".json", ".yaml", ".yml")


def _scenario_dir():
    return resources.files("nested_magics").joinpath("scenarios")


def _bundled() -> dict[str, object]:
    """Bundled scenario name -> its file (``.json`` before ``.yaml`` before ``.yml``)."""
    files: dict[str, object] = {}
    entries = {p.name: p for p in _scenario_dir().iterdir()}
    for suffix in SCENARIO_SUFFIXES:
        for name, entry in entries.items():
            if name.endswith(suffix):
                files.setdefault(name[: -len(suffix)], entry)
    return files


def bundled_names() -> list[str]:
    """The bundled scenario names (file names without their suffix), sorted."""
    return sorted(_bundled())


def is_path(spec: str) -> bool:
    """contracts §1: after ``mock:`` it is a PATH when it has / or \\ or ends in .json/.yaml/.yml."""
    return "/" in spec or "\\" in spec or spec.lower().endswith(SCENARIO_SUFFIXES)


def expand(spec: str) -> list[str]:
    """Bundled names matching a glob such as ``classroom-*`` (a fleet in one word)."""
    return [n for n in bundled_names() if fnmatch.fnmatchcase(n, spec)]


def scenario_key(spec: str) -> str:
    """One key per host: ``mock`` and ``mock:blog-2015`` are the same host; paths are made absolute.

    Never raises: a path that cannot be resolved (``~nosuchuser``, a symlink loop, a NUL) keys as written,
    and reading it then says what is wrong.
    """
    spec = spec or DEFAULT_SCENARIO
    if is_path(spec):
        try:
            return "mock:" + str(Path(spec).expanduser().resolve())
        except (OSError, RuntimeError, ValueError):
            return "mock:" + spec
    return "mock:" + spec


def _shown(spec: str, limit: int) -> str:
    """The spec as a message shows it: control characters escaped, long ones shortened in the middle."""
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in spec)
    if len(text) > limit:
        text = f"{text[: limit // 2 - 1]}…{text[-(limit // 2):]} ({len(spec):,} characters)"
    return text


def target_label(spec: str) -> str:
    """``mock:SPEC`` for messages: a path up to 160 characters as given, a NAME up to 80."""
    return "mock:" + _shown(spec, 160 if is_path(spec) else 80)


_KINDS = ((stat.S_ISFIFO, "a FIFO (a named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _not_a_file(label: str, mode: int) -> TargetError:
    if stat.S_ISDIR(mode):
        return TargetError(f"{label}: is a folder, not a scenario file")
    kind = next((text for test, text in _KINDS if test(mode)), "not a regular file")
    return TargetError(f"{label}: is {kind}, not a scenario file; save the host facts to a file and name that")


def _open_error(label: str, path: str, exc: OSError) -> TargetError:
    code = exc.errno
    if code == errno.ENOENT:
        return TargetError(f"{label}: no such scenario file")
    if code == errno.EISDIR or (code == errno.EACCES and os.path.isdir(path)):
        return TargetError(f"{label}: is a folder, not a scenario file")
    if code == errno.ENOTDIR:
        return TargetError(f"{label}: a part of the path is a file, not a folder")
    if code == getattr(errno, "ELOOP", None):
        return TargetError(f"{label}: the path is a symlink loop (too many levels of symbolic links)")
    if code == errno.ENAMETOOLONG:
        return TargetError(f"{label}: the path is too long for this system")
    if code == errno.ENXIO:
        try:
            return _not_a_file(label, os.stat(path).st_mode)
        except OSError:
            pass
    reason = f": {exc.strerror.lower()}" if exc.strerror else ""
    return TargetError(f"{label}: cannot read it ({exc.__class__.__name__}{reason})")


def read_file(spec: str) -> str:
    """The text of a scenario file, read without surprises: a FIFO, a device or a folder is refused without
    reading (nothing waits for a writer, nothing reads /dev/zero), and so is a file over 16 MiB."""
    label = target_label(spec)
    if "\x00" in spec:
        raise TargetError(f"{label}: the path contains a NUL character, which no file name can hold")
    path = os.path.expanduser(spec)
    if path.startswith("~"):
        user = re.split(r"[/\\]", path[1:], maxsplit=1)[0]
        if user:
            raise TargetError(f"{label}: no user named {_shown(user, 40)!r} here, so '~{_shown(user, 40)}' "
                              "has no home folder")
        raise TargetError(f"{label}: no home folder for '~' (HOME is not set)")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _open_error(label, path, exc) from None
    except ValueError:
        raise TargetError(f"{label}: the path cannot be opened (ValueError)") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_a_file(label, info.st_mode)
        if info.st_size > MAX_FILE_BYTES:
            raise TargetError(f"{label}: the file is {info.st_size / 1024**2:.1f} MiB, over the limit of 16 MiB "
                              "for a host-facts file")
        chunks, total = [], 0
        while total <= MAX_FILE_BYTES:           # a file that grows while read is bounded too
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_FILE_BYTES:
            raise TargetError(f"{label}: the file is over the limit of 16 MiB for a host-facts file")
    except OSError as exc:
        raise _open_error(label, path, exc) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    skip = 3 if data.startswith(b"\xef\xbb\xbf") else 0          # a byte-order mark, as Windows PowerShell writes
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        raise TargetError(f"{label}: cannot read it (UnicodeDecodeError): not UTF-8 text (byte "
                          f"0x{data[offset]:02x} at offset {offset}); save it as UTF-8") from None


def read_scenario(spec: str) -> Scenario:
    """Load a bundled scenario by NAME, or a scenario file by PATH; errors name the target and the cause."""
    spec = spec or DEFAULT_SCENARIO
    if is_path(spec):
        return _scenario(read_file(spec), target_label(spec))
    entry = _bundled().get(spec)
    if entry is None:
        raise TargetError(f"{target_label(spec)}: no bundled scenario of that name; bundled: {', '.join(bundled_names())}")
    return _scenario(entry.read_text(encoding="utf-8"), f"mock:{spec}")


def load_scenario(spec: str) -> HostFacts:
    """The host facts of a scenario (its faults and latency left out)."""
    return read_scenario(spec).facts
