"""Mock scenarios: the bundled ones by NAME, a user's file by PATH (contracts §1, §2).

A scenario *is* a host-facts document, plus the mock-only ``faults`` and ``latency_ms``.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ...errors import TargetError
from ...load import load_named, parse_document
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
    facts = load_named(doc, source)
    return Scenario(facts, parse_faults(doc, source), float(doc.get("latency_ms", 0) or 0))


def _scenario(text: str, source: str) -> Scenario:
    return scenario_from_document(parse_document(text, source), source)


DEFAULT_SCENARIO = "blog-2015"
SCENARIO_SUFFIXES = (".json", ".yaml", ".yml")


def _scenario_dir():
    return resources.files("nested_magics").joinpath("scenarios")


def bundled_names() -> list[str]:
    """The bundled scenario names (file names without their suffix), sorted."""
    names = {Path(p.name).stem for p in _scenario_dir().iterdir() if p.name.endswith(SCENARIO_SUFFIXES)}
    return sorted(names)


def is_path(spec: str) -> bool:
    """contracts §1: after ``mock:`` it is a PATH when it has / or \\ or ends in .json/.yaml/.yml."""
    return "/" in spec or "\\" in spec or spec.lower().endswith(SCENARIO_SUFFIXES)


def expand(spec: str) -> list[str]:
    """Bundled names matching a glob such as ``classroom-*`` (a fleet in one word)."""
    return [n for n in bundled_names() if fnmatch.fnmatchcase(n, spec)]


def scenario_key(spec: str) -> str:
    """One key per host: ``mock`` and ``mock:blog-2015`` are the same host; paths are made absolute."""
    spec = spec or DEFAULT_SCENARIO
    if is_path(spec):
        return "mock:" + str(Path(spec).expanduser().resolve())
    return "mock:" + spec


def read_scenario(spec: str) -> Scenario:
    """Load a bundled scenario by NAME, or a scenario file by PATH; errors name the target and the cause."""
    spec = spec or DEFAULT_SCENARIO
    if is_path(spec):
        path = Path(spec).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TargetError(f"mock:{spec}: no such scenario file") from None
        except IsADirectoryError:
            raise TargetError(f"mock:{spec}: is a folder, not a scenario file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TargetError(f"mock:{spec}: cannot read it ({exc.__class__.__name__})") from None
        return _scenario(text, f"mock:{spec}")
    for suffix in SCENARIO_SUFFIXES:
        candidate = _scenario_dir().joinpath(spec + suffix)
        if candidate.is_file():
            return _scenario(candidate.read_text(encoding="utf-8"), f"mock:{spec}")
    raise TargetError(f"mock:{spec}: no bundled scenario of that name; bundled: {', '.join(bundled_names())}")


def load_scenario(spec: str) -> HostFacts:
    """The host facts of a scenario (its faults and latency left out)."""
    return read_scenario(spec).facts
