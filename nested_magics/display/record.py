"""How the enable flow is shown in a live notebook so that what a saved notebook keeps is what happened.

A widget's saved output is a pointer to a model that dies with the kernel: a notebook reopened, converted
or read on GitHub shows its fallback, or nothing. So the flow's content (the plan, then the outcome) is a
plain text and HTML output under a display id, replaced (``update_display_data``) at each step, which
replaces it in the notebook's model too, so a save keeps it. Only Apply and Cancel are a widget, in an
output of their own whose fallback says they need the kernel; once used (or out of date) that output is
replaced by an empty one, so no dead button is left behind.
"""

from __future__ import annotations

import uuid
import weakref

from nested_magics.display import view

_waiting = weakref.WeakSet()      # flows shown live whose buttons may still be pressed

SPENT = {"text/plain": ""}        # what the controls' output becomes once they have done their job


class ShownFlow:
    """The two display ids of one flow shown live (a second display of it shares them)."""

    def __init__(self, flow):
        token = uuid.uuid4().hex
        self.flow = flow
        self.content_id, self.controls_id = f"nm-flow-{token}", f"nm-controls-{token}"
        self.has_controls = flow.can_apply and flow.state == "waiting"

    def content(self) -> dict:
        return {"text/plain": self.flow.text(), "text/html": self.flow.html()}

    def controls(self) -> dict:
        if self.flow.state != "waiting":
            return SPENT
        return {**(self.flow.widget._repr_mimebundle_() or {}), **self.flow.controls_fallback()}

    def update(self) -> None:
        from IPython.display import update_display

        update_display(self.content(), raw=True, display_id=self.content_id)
        if self.has_controls:
            update_display(self.controls(), raw=True, display_id=self.controls_id)


def show(flow) -> None:
    """Display ``flow``: content and controls in a live notebook, else its full text and HTML once."""
    from IPython.display import display

    if not (view.live() and flow.buttons_offered):
        display({"text/plain": flow.text(), "text/html": flow.html()}, raw=True)
        return
    if flow.shown is None:
        flow.shown = ShownFlow(flow)
    shown = flow.shown
    display(shown.content(), raw=True, display_id=shown.content_id)
    if shown.has_controls:
        display(shown.controls(), raw=True, display_id=shown.controls_id)
        _waiting.add(flow)


def host_changed(host, by=None) -> None:
    """``host`` was changed (an apply, a VM action): plans shown for it before may be out of date."""
    if host is None:
        return
    for flow in list(_waiting):
        if flow is not by and getattr(flow.plan, "host", None) is host:
            flow.outdate()
        if flow.state != "waiting":
            _waiting.discard(flow)
