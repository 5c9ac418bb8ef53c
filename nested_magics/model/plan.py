"""Enable plans as data (contracts §4): the options asked for, the changes planned, a refusal."""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from typing import Any

from nested_magics.errors import UsageProblem
from nested_magics.vocabulary import ENABLE_OPTION, ENABLE_OPTIONS
from nested_magics.model.sizes import format_size, parse_vm_memory



def _build(cls, **options: Any) -> "EnableOptions":
    """Validate loose values (from a CLI, a YAML cell or Python) into options; UsageProblem if bad."""
    out = cls()
    for raw_key, value in options.items():
        option = ENABLE_OPTION.get(str(raw_key).replace("-", "_"))
        if option is None:
            names = ", ".join(sorted(o.name for o in ENABLE_OPTIONS))
            raise UsageProblem(f"unknown enable option {raw_key!r}: use one of {names}")
        if value is None:
            continue
        if option.kind == "size":
            value = parse_memory_option(value)
        elif option.kind == "choice":
            if value not in option.choices:
                raise UsageProblem(f"{option.flag} {value!r}: use one of {', '.join(option.choices)}")
        elif not isinstance(value, bool):
            raise UsageProblem(f"{option.name}: expected true or false (got {value!r})")
        setattr(out, option.attr, value)
    return out


def _to_dict(self) -> dict:
    """The options as the JSON and the cell body name them (``install-hyperv``; memory ``keep`` when None)."""
    out = {o.name: getattr(self, o.attr) for o in ENABLE_OPTIONS}
    if out["memory"] is None:
        out["memory"] = "keep"
    return out


# What the user asked for; one field per row of vocabulary.ENABLE_OPTIONS (memory None means "keep").
EnableOptions = make_dataclass(
    "EnableOptions", [(o.attr, Any, field(default=o.default)) for o in ENABLE_OPTIONS],
    namespace={"build": classmethod(_build), "to_dict": _to_dict,
               "__doc__": "What the user asked for: one field per enable option (vocabulary.ENABLE_OPTIONS)."})
EnableOptions.__module__ = __name__


def parse_memory_option(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().lower() == "keep":
        return None
    try:
        return parse_vm_memory(value)
    except ValueError as exc:
        raise UsageProblem(f"--memory {value!r}: {exc}; or use 'keep'") from None


@dataclass
class Change:
    id: str
    target: str
    setting: str
    before: Any
    after: Any
    powershell: str
    reversible: bool
    params: dict = field(default_factory=dict, repr=False)   # what it means (the simulator and undoing read it)
    command: str = field(default="", repr=False)    # the PowerShell it runs: ``powershell`` is this with its values
    values: dict = field(default_factory=dict, repr=False)   # bound to the command's $Names as data, never spliced

    def to_dict(self) -> dict:
        return {"id": self.id, "target": self.target, "setting": self.setting, "before": self.before,
                "after": self.after, "powershell": self.powershell, "reversible": self.reversible}

    def describe(self) -> str:
        return f"{self.setting}: {show(self.setting, self.before)} → {show(self.setting, self.after)}"


def show(setting: str, value: Any) -> str:
    """A change value for people: sizes in GB, booleans as on/off."""
    if setting == "MemoryStartupBytes" and isinstance(value, int):
        return format_size(value)
    if isinstance(value, bool):
        return "on" if value else "off"
    return "unknown" if value is None else str(value)


@dataclass
class Refusal:
    id: str
    message: str

    def to_dict(self) -> dict:
        return {"id": self.id, "message": self.message}


@dataclass
class Plan:
    """An ordered list of changes for one VM. Nothing runs until ``apply(confirm=True)``."""

    host_name: str | None
    vm: str
    options: EnableOptions
    changes: list[Change]
    refused: Refusal | None = None
    host: Any = field(default=None, repr=False, compare=False)   # the Host that planned it (for apply)

    @property
    def ok(self) -> bool:
        return self.refused is None

    def to_dict(self) -> dict:
        return {"vm": self.vm, "host": self.host_name, "plan": [c.to_dict() for c in self.changes],
                "refused": self.refused.to_dict() if self.refused else None}

    def apply(self, confirm: Any = False, progress=None):
        """Apply with consent: ``confirm`` is True, or a callable given the plan that returns True."""
        if self.host is None:
            raise UsageProblem("this plan is not bound to a host: make it with host.plan_enable(...)")
        return self.host.apply(self, confirm=confirm, progress=progress)

    def __repr__(self) -> str:
        if self.refused:
            return f"<Plan {self.vm} on {self.host_name}: refused ({self.refused.id}): {self.refused.message}>"
        steps = ", ".join(c.id for c in self.changes) or "nothing to change"
        return f"<Plan {self.vm} on {self.host_name}: {len(self.changes)} change(s): {steps}>"
