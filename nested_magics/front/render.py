"""The command line's text: the display's text views with the front end's next steps (``advice``) composed in.

The display depends on the model only; this is where the advice joins it. Same calls as ``display.text``, plus
``invocation`` (``advice.Invocation``): what the printed commands must repeat of the line (connection options,
the VM path); without it they repeat the target only.
"""

from __future__ import annotations

from nested_magics.display import text
from nested_magics.display.text import render_action, render_plan, render_tree
from nested_magics.front.advice import Invocation, advisor
from nested_magics.model.report import FleetReport, Report

__all__ = ["render_report", "render_fleet", "render_apply", "render_plan", "render_tree", "render_action"]


def render_report(report: Report, style: str = "cli", quiet: bool = False, details: bool = False,
                  invocation: Invocation | None = None) -> str:
    return text.render_report(report, style, quiet=quiet, details=details, advise=advisor(invocation))


def render_fleet(fleet: FleetReport, style: str = "cli", quiet: bool = False, every: bool = False,
                 invocation: Invocation | None = None) -> str:
    return text.render_fleet(fleet, style, quiet=quiet, every=every, advise=advisor(invocation))


def render_apply(result, style: str = "cli", invocation: Invocation | None = None) -> str:
    """The result of enabling; its report covers the VM the plan names, so its next steps name that VM's path."""
    invocation = invocation or Invocation()
    if not invocation.vm_prefix and result.plan is not None:
        invocation = Invocation.for_vm(result.plan.vm, invocation.options)
    return text.render_apply(result, style, advise=advisor(invocation))
