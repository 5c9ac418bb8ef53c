"""The classroom page's hosts: one pane per host, made once and kept for the page's whole life.

Each reading re-orders and re-titles the panes (worst first), keeps the open host open wherever it now
stands, and fills only the open pane. Nothing is closed or made anew while the page lives: a widget closed
while the browser is still connecting (Voila runs the notebook first and the reading thread goes on) reaches
a page that never knew it, which logs "Comm not found for comm id …"; and a page open all day stays the size
it was after its first reading.
"""

from __future__ import annotations

import ipywidgets as w

from nested_magics.display.html import kit as html
from nested_magics.display.widgets import ACCORDION_LIMIT, html_widget


class HostPanes:
    """``body(index)`` is host ``index``'s dashboard (HTML); an Accordion for a few hosts, a Dropdown for many."""

    def __init__(self, count: int, body, label: str = "Host:"):
        self._body = body
        self.order: list[int] = list(range(count))       # the host shown at each position
        self._filled: set[int] = set()                    # hosts whose pane holds the current reading
        self._moving = False                              # a reading re-ordering: selections are ours
        if count <= ACCORDION_LIMIT:
            self.dropdown = None
            self.panes = [html_widget("") for _ in range(count)]
            self.widget = w.Accordion(children=self.panes, titles=("",) * count, selected_index=None)
            self.widget.observe(self._picked, "selected_index")
        else:
            self.panes = [html_widget("")]
            self.dropdown = w.Dropdown(options=[], description=label, layout=w.Layout(width="min(100%, 760px)"),
                                       style={"description_width": "initial"})
            self.dropdown.observe(self._picked, "value")
            self.widget = w.VBox([self.dropdown, self.panes[0]])

    @property
    def opened(self) -> int | None:
        """The host whose pane is open (None: none)."""
        if self.dropdown is not None:
            return self.dropdown.value
        position = self.widget.selected_index
        return None if position is None else self.order[position]

    def show(self, order: list[int], titles: list[str]) -> None:
        """A new reading: hosts in ``order`` with ``titles`` (by position); the open host stays open."""
        opened = self.opened
        self._moving = True
        try:
            self.order = list(order)
            if self.dropdown is None:
                with self.widget.hold_sync():
                    self.widget.children = tuple(self.panes[i] for i in self.order)
                    self.widget.titles = tuple(titles)
                    self.widget.selected_index = None if opened is None else self.order.index(opened)
            else:
                with self.dropdown.hold_sync():
                    self.dropdown.options = list(zip(titles, self.order))
                    self.dropdown.value = self.order[0] if opened is None else opened
        finally:
            self._moving = False
        if self.dropdown is None:                 # an old reading is never what a pane opened later shows
            for index in self._filled - {opened}:
                self.panes[index].value = ""
        self._filled.clear()
        self._fill(self.opened)

    def _picked(self, _change) -> None:
        if not self._moving:
            self._fill(self.opened)

    def _fill(self, index: int | None) -> None:
        if index is None or index in self._filled:
            return
        pane = self.panes[0] if self.dropdown is not None else self.panes[index]
        pane.value = html.page(self._body(index))
        if self.dropdown is not None:
            self._filled.clear()
        self._filled.add(index)
