"""MIME bundles for IPython's display: full text/plain and escaped HTML, which every renderer shows and a
saved notebook keeps (the widget view of a dashboard only on a Voila page, which is never saved; the live
controls of an enable flow and a fleet's progress are widgets of their own: ``record``, ``live``).

The model's objects do not render themselves: the front end registers these functions with IPython's
formatters by type name (``front.notebook``), with its next steps (``display.steps``). Each takes the
object and returns its bundle; ``advise`` overrides the registered next steps.
"""

from __future__ import annotations

from nested_magics.display import steps, text, view
from nested_magics.display.html import enable as html_enable, fleet as html_fleet, kit as html, panels, \
    report as html_report, tree as html_tree


def _static(plain: str, rich: str) -> dict:
    return {"text/plain": plain, "text/html": rich}


def report_bundle(report, advise: steps.Advise | None = None) -> dict:
    advise = steps.resolve(advise)
    if view.live_page():
        from nested_magics.display.widgets import ReportView

        return ReportView(report, advise)._repr_mimebundle_()
    return _static(text.render_report(report, style="magic", advise=advise), html_report.report_html(report, advise))


def fleet_bundle(fleet, advise: steps.Advise | None = None) -> dict:
    advise = steps.resolve(advise)
    if view.live_page():
        from nested_magics.display.fleet_view import FleetView

        return FleetView.of(fleet, advise)._repr_mimebundle_()
    return _static(text.render_fleet(fleet, style="magic", every=True, advise=advise),
                   html_fleet.fleet_html(fleet, advise))


def tree_bundle(tree) -> dict:
    if view.live_page():
        from nested_magics.display.widgets import TreeView

        return TreeView(tree)._repr_mimebundle_()
    return _static(text.render_tree(tree), html_tree.tree_html(tree))


def _panel(plain: str, body: str) -> dict:
    """One panel (a plan, an apply result, a VM action, a connection) has nothing to press: plain text and
    HTML even live, so a saved notebook shows it wherever it is opened (a widget would be a dead pointer)."""
    return _static(plain, html.page(body))


# What a plan shown on its own (``%nested_enable --dry-run``, ``host.plan_enable(...)``) adds: it changed nothing.
PLAN_ONLY = ("Nothing has changed: this is a plan. To apply it: .apply(confirm=True) on it; "
             "after %nested_enable --dry-run, the same line with --yes instead.")


def plan_bundle(plan) -> dict:
    if plan.refused is not None or not plan.changes:    # their text says already why nothing will change
        return _panel(text.render_plan(plan), html_enable.plan_body(plan))
    return _panel(text.render_plan(plan) + "\n" + PLAN_ONLY,
                  html_enable.plan_body(plan) + html.box("info", html.esc(PLAN_ONLY)))


def apply_bundle(result, advise: steps.Advise | None = None) -> dict:
    advise = steps.resolve(advise)
    return _panel(text.render_apply(result, style="magic", advise=advise), html_enable.apply_body(result, advise))


def action_bundle(result) -> dict:
    return _panel(text.render_action(result), panels.action_body(result))


def connect_bundle(host, default: bool = False) -> dict:
    """What ``%nested_connect`` shows; ``default``: the host is now the magics' default target."""
    note = "\nThe nested magics use this target when no -t is given." if default else ""
    return _panel(f"Connected to {host.target}: {host.describe()}{note}", panels.connect_body(host, default))
