"""Next steps are the front end's words, not the display's: the front end hands in a callable that phrases them.

An ``Advise`` is ``advise(report, style, groups) -> list[str]``, ``style`` being "cli" or "magic" and ``groups``
the report's ``order.Groups`` (so a 1,000-VM report is grouped once). The pure renderers (``text``, ``html``)
take it as an argument and show no next step without one. The notebook's views and formatters fall back to
the one registered with ``use``: the front end registers it with the display (``front.notebook``), as
``view.use_widgets`` is set by ``%config NestedMagics.widgets``.
"""

from __future__ import annotations

from typing import Callable

from nested_magics.display.order import Groups
from nested_magics.model.report import Report

Advise = Callable[[Report, str, Groups], "list[str]"]

_registered: Advise | None = None


def use(advise: Advise | None) -> None:
    """Register the front end's next steps for the notebook views (None: views show none)."""
    global _registered
    _registered = advise


def registered() -> Advise | None:
    return _registered


def resolve(advise: Advise | None) -> Advise | None:
    """``advise`` when given, else the registered one."""
    return advise if advise is not None else _registered


def of(advise: Advise | None, report: Report, style: str, groups: Groups) -> list[str]:
    """The next steps ``advise`` gives for ``report``; none without it."""
    return list(advise(report, style, groups)) if advise is not None else []
