"""The enable flow: the plan as a table, Apply and Cancel, a progress bar per change, then the result.

Nothing changes until Apply (or ``flow.apply()`` in code). The engine re-plans on apply and refuses a
plan the VM has outgrown ("stale"); Cancel changes nothing. A refused plan or one with nothing to do
shows no buttons at all.

The saved record is the truth: in a live notebook the flow is two outputs (``record``). The
content (plan, then outcome) is plain text and HTML under a display id that each step replaces, so a saved
notebook keeps what happened; only the controls are a widget, and once used they are replaced too.
"""

from __future__ import annotations

import ipywidgets as w

from nested_magics.errors import NestedMagicsError
from nested_magics.display.html import kit as html, enable as html_enable
from nested_magics.display import record, steps, text
from nested_magics.display.view import View
from nested_magics.display.widgets import html_widget

STEP = {"running": (1, "info", "running…"), "done": (2, "success", "done"), "failed": (2, "danger", "failed")}
ANY_LINE = "%nested_enable ... --yes"


class EnableFlow(View):
    """``state`` is waiting, cancelled, outdated (the host changed after the plan, by a later cell) or
    applied; ``result`` is the ApplyResult once applied. ``buttons``: Apply and Cancel are offered (a live
    notebook); without them the text names ``apply_line``, the magic line that applies the plan."""

    def __init__(self, plan, advise: steps.Advise | None = None, apply_line: str = "", buttons: bool = True):
        self.plan = plan
        self.advise = advise
        self.apply_line = apply_line
        self.buttons_offered = buttons
        self.result = None
        self.error: str | None = None
        self.state = "waiting"
        self.shown: record.ShownFlow | None = None

    @property
    def can_apply(self) -> bool:
        return self.plan.refused is None and bool(self.plan.changes)

    # ------------------------------------------------------------ actions (buttons and code)

    def apply(self):
        """Apply the plan (the engine re-checks it first); returns the ApplyResult."""
        if self.state not in ("waiting", "outdated"):
            return self.result
        self._buttons(disabled=True)
        self._show_progress()
        try:
            self.result = self.plan.apply(confirm=True, progress=self._on_progress)
        except NestedMagicsError as exc:          # e.g. the host stopped answering: say so, allow a retry
            self.error = str(exc)
            self._buttons(disabled=False)
            self._set_status(html.box("fail", f"<b>Could not apply</b>: {html.esc(exc)}<br>"
                                              '<span class="nm-muted">Press Apply to try again.</span>'))
            return None
        self.error = None
        self.state = "applied"
        self._finished()
        record.host_changed(getattr(self.plan, "host", None), by=self)
        return self.result

    def cancel(self) -> None:
        """Change nothing, and say so."""
        if self.state != "waiting":
            return
        self.state = "cancelled"
        self._buttons(disabled=True)
        self._finished(hide=False)     # the saved record first: a save right after the click keeps it
        self._set_status(html.box("info", "<b>Cancelled</b>: nothing was changed."))

    def outdate(self) -> None:
        """The host was changed after this plan was made: take the buttons away before anyone clicks."""
        if self.state != "waiting" or not self.can_apply:
            return
        self.state = "outdated"
        self._buttons(disabled=True)
        self._finished()

    def _finished(self, hide: bool = True) -> None:
        if self._widget is not None and hide:
            self.steps.layout.display = self.buttons.layout.display = "none"
        if self.shown is not None:
            self.shown.update()

    # ------------------------------------------------------------ widgets: the controls only

    def build(self):
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
        if not self.can_apply or self.state != "waiting":
            self.buttons.layout.display = "none"
        self.status = html_widget("")
        return w.VBox([self.steps, self.buttons, self.status], layout=w.Layout(max_width="1120px"))

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

    def controls_fallback(self) -> dict:
        """What the controls' output says where no kernel answers (a reopened notebook, nbconvert, GitHub)."""
        line = self.apply_line or ANY_LINE
        plain = (f"Apply and Cancel work only while this notebook's kernel runs: run the cell again for them, "
                 f"or apply without buttons: {line}")
        rich = html.box("info", "<b>Apply and Cancel work only while this notebook's kernel runs</b>: run the "
                                f"cell again for them, or apply without buttons: <code>{html.esc(line)}</code>")
        return {"text/plain": plain, "text/html": html.page(rich)}

    def _ipython_display_(self):
        """In a live notebook: the content and the controls as two outputs (``record``); elsewhere one."""
        record.show(self)

    # ------------------------------------------------------------ the content: what a saved notebook keeps

    def __repr__(self) -> str:
        return f"<EnableFlow {self.plan.vm} on {self.plan.host_name}: {self.state}; {len(self.plan.changes)} change(s)>"

    def _waiting_text(self) -> str:
        if self.buttons_offered:
            return ("Nothing has changed yet: press Apply to make these changes, or Cancel (in code: flow.apply()). "
                    f"To apply without asking: {self.apply_line or ANY_LINE}")
        return (f"Nothing has changed yet: run {self.apply_line or ANY_LINE} to apply these changes "
                "(or .apply() on this object).")

    def _outdated_text(self) -> str:
        return (f"Out of date: {self.plan.host_name} was changed after this plan was made (by a later cell), so "
                "nothing here was applied; run this cell again for a fresh plan.")

    def text(self) -> str:
        if self.state == "applied":
            return text.render_apply(self.result, style="magic", advise=self.advice)
        plain = text.render_plan(self.plan)
        if self.state == "waiting" and self.can_apply:
            plain += "\n" + self._waiting_text()
        elif self.state == "cancelled":
            plain += "\nCancelled: nothing was changed."
        elif self.state == "outdated":
            plain += "\n" + self._outdated_text()
        return plain

    def html(self) -> str:
        """The plan and where it stands (only a plan, cancelled, out of date), or what applying did."""
        if self.state == "applied":
            return html_enable.apply_html(self.result, self.advice)
        body = html_enable.plan_body(self.plan)
        if self.state == "waiting" and self.can_apply:
            first, rest = self._waiting_text().split(": ", 1)
            body += html.box("info", f"<b>{html.esc(first)}.</b> {html.esc(rest)}")
        elif self.state == "cancelled":
            body += html.box("info", "<b>Cancelled:</b> nothing was changed.")
        elif self.state == "outdated":
            first, rest = self._outdated_text().split(": ", 1)
            body += html.box("info", f"<b>{html.esc(first)}:</b> {html.esc(rest)}")
        return html.page(body)
