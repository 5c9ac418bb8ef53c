"""The enable flow: the plan as a table, Apply and Cancel, a progress bar per change, then the result.

Nothing changes until Apply (or ``flow.apply()`` in code). The engine re-plans on apply and refuses a
plan the VM has outgrown ("stale"); Cancel changes nothing. A refused plan or one with nothing to do
shows no buttons at all.
"""

from __future__ import annotations

import ipywidgets as w

from nested_magics.errors import NestedMagicsError
from nested_magics.display.html import kit as html, enable as html_enable
from nested_magics.display import steps, text
from nested_magics.display.view import View
from nested_magics.display.widgets import html_widget

STEP = {"running": (1, "info", "running…"), "done": (2, "success", "done"), "failed": (2, "danger", "failed")}


class EnableFlow(View):
    """``state`` is waiting, cancelled, applied or error; ``result`` is the ApplyResult once applied."""

    def __init__(self, plan, advise: steps.Advise | None = None):
        self.plan = plan
        self.advise = advise
        self.result = None
        self.error: str | None = None
        self.state = "waiting"

    @property
    def can_apply(self) -> bool:
        return self.plan.refused is None and bool(self.plan.changes)

    # ------------------------------------------------------------ actions (buttons and code)

    def apply(self):
        """Apply the plan (the engine re-checks it first); returns the ApplyResult."""
        if self.state != "waiting":
            return self.result
        self._buttons(disabled=True)
        self._show_progress()
        try:
            self.result = self.plan.apply(confirm=True, progress=self._on_progress)
        except NestedMagicsError as exc:          # e.g. the host stopped answering: say so, allow a retry
            self.error = str(exc)
            self._buttons(disabled=False)
            self._set_status(f'<div class="nm-box nm-fail"><b>Could not apply</b>: {html.esc(exc)}<br>'
                             '<span class="nm-muted">Press Apply to try again.</span></div>')
            return None
        self.error = None
        self.state = "applied"
        if self._widget is not None:
            self.body.value = html.page(html_enable.apply_body(self.result, self.advice))
            self.steps.layout.display = "none"
            self.buttons.layout.display = "none"
            self._set_status("")
        return self.result

    def cancel(self) -> None:
        """Change nothing, and say so."""
        if self.state != "waiting":
            return
        self.state = "cancelled"
        self._buttons(disabled=True)
        self._set_status('<div class="nm-box nm-info"><b>Cancelled</b>: nothing was changed.</div>')

    # ------------------------------------------------------------ widgets

    def build(self):
        self.body = html_widget(html_enable.plan_body(self.plan))
        self.bars = {}
        rows = []
        for i, change in enumerate(self.plan.changes, 1):
            bar = w.IntProgress(value=0, min=0, max=2, layout=w.Layout(width="180px"))
            label = w.Label("waiting")
            self.bars[change.id] = (bar, label)
            rows.append(w.HBox([w.Label(f"{i}. {change.id}", layout=w.Layout(width="220px")), bar, label]))
        self.steps = w.VBox(rows, layout=w.Layout(display="none", margin="4px 0 8px 0"))
        self.apply_button = w.Button(description=f"Apply {len(self.plan.changes)} change(s)", button_style="warning",
                                     icon="play", tooltip=f"Make these changes to {self.plan.vm} now",
                                     layout=w.Layout(width="auto"))
        self.cancel_button = w.Button(description="Cancel", icon="times", tooltip="Change nothing",
                                      layout=w.Layout(width="auto"))
        self.apply_button.on_click(lambda _b: self.apply())
        self.cancel_button.on_click(lambda _b: self.cancel())
        self.buttons = w.HBox([self.apply_button, self.cancel_button])
        self.buttons.add_class("nm-actions")    # the focus ring of style.CSS
        if not self.can_apply:
            self.buttons.layout.display = "none"
        self.status = w.HTML("")
        return w.VBox([self.body, self.steps, self.buttons, self.status], layout=w.Layout(max_width="1120px"))

    def _buttons(self, disabled: bool) -> None:
        if self._widget is not None:
            self.apply_button.disabled = self.cancel_button.disabled = disabled

    def _show_progress(self) -> None:
        if self._widget is not None:
            self.steps.layout.display = "flex"
            for bar, label in self.bars.values():
                bar.value, bar.bar_style, label.value = 0, "", "waiting"

    def _on_progress(self, change, status: str, message: str) -> None:
        if self._widget is None or change.id not in self.bars:
            return
        bar, label = self.bars[change.id]
        bar.value, bar.bar_style, word = STEP[status]
        label.value = f"{word}: {message}" if message else word

    def _set_status(self, body: str) -> None:
        if self._widget is not None:
            self.status.value = html.page(body) if body else ""

    # ------------------------------------------------------------ static forms

    def __repr__(self) -> str:
        return f"<EnableFlow {self.plan.vm} on {self.plan.host_name}: {self.state}; {len(self.plan.changes)} change(s)>"

    def text(self) -> str:
        if self.state == "applied":
            return text.render_apply(self.result, style="magic", advise=self.advice)
        plain = text.render_plan(self.plan)
        if self.state == "waiting" and self.can_apply:
            plain += ("\nNothing has changed yet: press Apply to make these changes, or Cancel "
                      "(in code: flow.apply()). To apply without asking: %nested_enable ... --yes")
        elif self.state == "cancelled":
            plain += "\nCancelled: nothing was changed."
        return plain

    def html(self) -> str:
        """What a saved notebook shows where the buttons were: the plan, and that it is still only a plan."""
        if self.state == "applied":
            return html_enable.apply_html(self.result, self.advice)
        body = html_enable.plan_body(self.plan)
        if self.state == "waiting" and self.can_apply:
            body += html.box("info", "<b>Nothing has changed yet.</b> In a running notebook, Apply makes these "
                                     "changes and Cancel drops them; <code>%nested_enable ... --yes</code> applies "
                                     "without asking.")
        elif self.state == "cancelled":
            body += html.box("info", "<b>Cancelled:</b> nothing was changed.")
        return html.page(body)
