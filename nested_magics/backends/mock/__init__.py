"""The mock backend: a bundled or user scenario, played by the Hyper-V simulator.

The default for Binder demos, workshops and every test. It claims the targets ``mock`` and ``mock:...``.
"""

from __future__ import annotations

from ...errors import ActionRefused, FactsError, TargetError
from ...model.facts import HostFacts
from ...model.plan import Change, Refusal
from ...model.results import ActionResult
from .scenarios import DEFAULT_SCENARIO, bundled_names, expand, is_path, load_scenario, read_scenario, scenario_key

__all__ = ["MockBackend", "claims", "key", "open_target", "expand_target", "bundled_names", "load_scenario",
           "DEFAULT_SCENARIO", "is_path", "expand", "scenario_key"]


def claims(target: str) -> bool:
    return target == "mock" or target.startswith("mock:")


def spec_of(target: str) -> str:
    """What follows ``mock:`` (empty for ``mock``)."""
    return target.split(":", 1)[1] if ":" in target else ""


def key(target: str, **_options) -> str:
    return scenario_key(spec_of(target))


def open_target(target: str, **_options) -> "MockBackend":
    return MockBackend(target, spec_of(target))


def expand_target(target: str) -> list[str]:
    """``mock:classroom-*`` is every bundled scenario it matches (a fleet in one word)."""
    spec = spec_of(target)
    if any(ch in spec for ch in "*?[") and not is_path(spec):
        matches = expand(spec)
        if matches:
            return [f"mock:{name}" for name in matches]
    return [target]


class MockBackend:
    """A simulated Hyper-V host whose state lives as long as this object (one per target per process)."""

    kind = "mock"

    def __init__(self, target: str, spec: str):
        self.target = target
        self.spec = spec or DEFAULT_SCENARIO
        try:
            scenario = read_scenario(self.spec)
        except FactsError as exc:
            raise TargetError(str(exc)) from None
        self.simulator = scenario.simulator()

    def facts(self, guests=()) -> HostFacts:
        # The simulator knows every guest already: ``guests`` only narrows what a real host looks inside.
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
                answer = self.simulator.apply_change(change)
            except ActionRefused as exc:
                if progress:
                    progress(change, "failed", str(exc))
                return applied, Refusal(change.id, str(exc))
            applied.append(change)
            if progress:
                progress(change, "done", answer)
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
