"""The mock backend: a bundled or user scenario, played by the Hyper-V simulator.

The default for Binder demos, workshops and every test. A scenario *is* a host-facts document.
"""

from __future__ import annotations

import fnmatch
from importlib import resources
from pathlib import Path

from ..errors import ActionRefused, FactsError, TargetError
from ..facts import HostFacts, parse_facts_text
from ..plan import Change, Refusal
from ..results import ActionResult
from .simulator import Simulator

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


def load_scenario(spec: str) -> HostFacts:
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
        return parse_facts_text(text, f"mock:{spec}")
    for suffix in SCENARIO_SUFFIXES:
        candidate = _scenario_dir().joinpath(spec + suffix)
        if candidate.is_file():
            return parse_facts_text(candidate.read_text(encoding="utf-8"), f"mock:{spec}")
    raise TargetError(f"mock:{spec}: no bundled scenario of that name; bundled: {', '.join(bundled_names())}")


class MockBackend:
    """A simulated Hyper-V host whose state lives as long as this object (one per target per process)."""

    kind = "mock"

    def __init__(self, target: str, spec: str):
        self.target = target
        self.spec = spec or DEFAULT_SCENARIO
        try:
            facts = load_scenario(self.spec)
        except FactsError as exc:
            raise TargetError(str(exc)) from None
        self.simulator = Simulator(facts)

    def facts(self) -> HostFacts:
        try:
            return self.simulator.gather()
        except ActionRefused as exc:
            raise TargetError(f"{self.target}: facts could not be gathered: {exc}") from None

    def host_for(self, path: str) -> HostFacts:
        return self.simulator.host_at(path)

    def apply_changes(self, changes: list[Change], progress=None) -> tuple[list[Change], Refusal | None]:
        applied: list[Change] = []
        for change in changes:
            if progress:
                progress(change, "running", "")
            try:
                self.simulator.apply_change(change)
            except ActionRefused as exc:
                if progress:
                    progress(change, "failed", str(exc))
                return applied, Refusal(change.id, str(exc))
            applied.append(change)
            if progress:
                progress(change, "done", "")
        return applied, None

    def vm_action(self, action: str, path: str, **options) -> ActionResult:
        return self.simulator.vm_action(self.target, action, path, **options)

    def describe(self) -> str:
        facts = self.simulator.facts
        return (f"mock host {facts.name} (scenario {self.spec}): build {facts.build}, "
                f"{len(facts.vms)} VM(s), simulated")

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<MockBackend {self.target} ({self.spec})>"
