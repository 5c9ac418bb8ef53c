"""MIME bundles for IPython's display: full text/plain always, escaped HTML for rich front ends."""

from __future__ import annotations

import html

from . import text


def _bundle(plain: str) -> dict:
    return {"text/plain": plain, "text/html": f"<pre>{html.escape(plain)}</pre>"}


def report_bundle(report) -> dict:
    return _bundle(text.render_report(report, style="magic"))


def fleet_bundle(fleet) -> dict:
    return _bundle(text.render_fleet(fleet, style="magic"))


def plan_bundle(plan) -> dict:
    return _bundle(text.render_plan(plan))


def apply_bundle(result) -> dict:
    return _bundle(text.render_apply(result, style="magic"))


def tree_bundle(tree) -> dict:
    return _bundle(text.render_tree(tree))


def action_bundle(result) -> dict:
    return _bundle(text.render_action(result))
