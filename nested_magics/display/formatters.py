"""MIME bundles for IPython's display: full text/plain and escaped HTML always; in a live kernel also
the widget view. The engine objects' ``_repr_mimebundle_`` come here."""

from __future__ import annotations

from nested_magics.display.html import kit as html, enable as html_enable, tree as html_tree
from nested_magics.display import text
from nested_magics.display import view


def _static(plain: str, rich: str) -> dict:
    return {"text/plain": plain, "text/html": rich}


def report_bundle(report) -> dict:
    if view.live():
        from nested_magics.display.widgets import ReportView

        return ReportView(report)._repr_mimebundle_()
    return _static(text.render_report(report, style="magic"), html.report_html(report))


def fleet_bundle(fleet) -> dict:
    if view.live():
        from nested_magics.display.fleet_view import FleetView

        return FleetView.of(fleet)._repr_mimebundle_()
    return _static(text.render_fleet(fleet, style="magic", every=True), html.fleet_html(fleet))


def tree_bundle(tree) -> dict:
    if view.live():
        from nested_magics.display.widgets import TreeView

        return TreeView(tree)._repr_mimebundle_()
    return _static(text.render_tree(tree), html_tree.tree_html(tree))


def _panel(plain: str, body: str) -> dict:
    if view.live():
        from nested_magics.display.widgets import PanelView

        return PanelView(plain, body)._repr_mimebundle_()
    return _static(plain, html.page(body))


def plan_bundle(plan) -> dict:
    return _panel(text.render_plan(plan), html_enable.plan_body(plan))


def apply_bundle(result) -> dict:
    return _panel(text.render_apply(result, style="magic"), html_enable.apply_body(result))


def action_bundle(result) -> dict:
    return _panel(text.render_action(result), html.action_body(result))


def connect_bundle(host) -> dict:
    from nested_magics import session

    default = host.target == session.default_target()
    note = "\nThe nested magics use this target when no -t is given." if default else ""
    return _panel(f"Connected to {host.target}: {host.describe()}{note}", html.connect_body(host, default))
