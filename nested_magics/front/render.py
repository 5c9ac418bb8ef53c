"""The command line's text: the display's text views with the front end's next steps (``advice``) composed in.

The display depends on the model only; this is where the advice joins it. Same calls as ``display.text``.
"""

from __future__ import annotations

from nested_magics.display import text
from nested_magics.display.text import render_action, render_plan, render_tree
from nested_magics.front.advice import next_steps
from nested_magics.model.report import FleetReport, Report

__all__ = ["render_report", "render_fleet", "render_apply", "render_plan", "render_tree", "render_action"]


def render_report(report: Report, style: str = "cli", quiet: bool = False, details: bool = False) -> str:
    return text.render_report(report, style, quiet=quiet, details=details, advise=next_steps)


def render_fleet(fleet: FleetReport, style: str = "cli", quiet: bool = False, every: bool = False) -> str:
    return text.render_fleet(fleet, style, quiet=quiet, every=every, advise=next_steps)


def render_apply(result, style: str = "cli") -> str:
    return text.render_apply(result, style, advise=next_steps)
