"""The live classroom page: a workshop's hosts read again on a button and every N seconds while the page is
open, shown by the fleet dashboard (worst first, each host expandable), with the room's state to download.

The page never checks a host itself: ``read(on_result)`` is handed in by the front end (the API's fleet
check) and returns a FleetReport whose hosts are in ``targets``' order. Readings run on one thread of
their own, one at a time, so a click never waits on a slow host and two readings never overlap.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from nested_magics.model.report import FleetReport
from nested_magics.display import steps, text
from nested_magics.display.html import fleet as html_fleet, kit as html
from nested_magics.display.room_export import download_links
from nested_magics.display.view import View
from nested_magics.display.order import verdict_tally

MIN_EVERY = 1


class ClassroomView(View):
    """The room: ``targets`` (already expanded), read by ``read`` every ``every`` seconds."""

    def __init__(self, targets: list[str], read, every: float = 30, advise: steps.Advise | None = None):
        self.targets = list(targets)
        self.read = read
        self.every = max(MIN_EVERY, int(every))
        self.advise = advise
        self.fleet: FleetReport | None = None
        self.read_at: datetime | None = None
        self.took = 0.0
        self.readings = 0
        self.fleet_view = None
        self._retired = None     # the reading before the one shown: closed one reading later (see _show)
        self._now = False
        self._ended = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ widgets

    def build(self):
        import ipywidgets as w

        from nested_magics.display.widgets import html_widget

        self.button = w.Button(description="Refresh now", tooltip="Read every host again now")
        self.button.on_click(lambda _button: self.refresh_soon())
        self.interval = w.BoundedIntText(value=self.every, min=MIN_EVERY, max=86_400, step=5,
                                         description="Refresh every (s):", style={"description_width": "initial"},
                                         layout=w.Layout(width="220px"))
        self.interval.observe(lambda change: self.set_every(change["new"]), "value")
        self.status = html_widget(self._status_body())
        self.export = html_widget("")
        self.hosts = w.VBox()
        controls = w.HBox([self.button, self.interval], layout=w.Layout(flex_flow="row wrap", grid_gap="8px"))
        return w.VBox([html_widget(self._head()), controls, self.status, self.export, self.hosts],
                      layout=w.Layout(max_width="1120px"))

    def _head(self) -> str:
        return (f'<h3 class="nm-h">Classroom: {len(self.targets)} host{"s" if len(self.targets) != 1 else ""}</h3>'
                + html.muted("Worst first; open a host for its checks. The page reads every host again on "
                             "Refresh now and on its own while it is open."))

    def _status_body(self, answered: int | None = None) -> str:
        if answered is not None:
            return html.muted(f"Reading {len(self.targets)} hosts: {answered} answered…")
        if self.fleet is None:
            return html.muted(f"Reading {len(self.targets)} hosts…")
        tally = ", ".join(f"{n} {v}" for v, n in verdict_tally(r.verdict for r in self.fleet.hosts))
        after = self.read_at + timedelta(seconds=self.every)
        return html.muted(html.esc(f"Read at {self.read_at:%H:%M:%S} in {self.took:.1f} s ({tally}); "
                                   f"readings so far: {self.readings}; next at {after:%H:%M:%S}."))

    def _set(self, name: str, body: str) -> None:
        if self._widget is not None:
            getattr(self, name).value = html.page(body)

    # ------------------------------------------------------------------ readings

    def refresh(self) -> FleetReport:
        """Read every host now (on the calling thread) and show the room as read."""
        from nested_magics.display.fleet_view import FleetView

        live = self._widget is not None
        view = FleetView(self.targets, advise=self.advise) if live else None
        first = self.fleet_view is None
        if live:
            view.widget                         # built now, so it fills in as hosts answer
            if first:
                self._show(view)
        answered = [0]

        def told(index: int, report) -> None:
            view.record(index, report)
            answered[0] += 1
            if not first:
                self._set("status", self._status_body(answered[0]))

        started = time.monotonic()
        fleet = self.read(told if live else None)
        self.took, self.read_at, self.fleet = time.monotonic() - started, datetime.now(), fleet
        self.readings += 1
        if live:
            for index, report in enumerate(fleet.hosts):
                if view.reports[index] is None:
                    view.record(index, report)
            if not first:
                self._show(view)
            self._set("status", self._status_body())
            self._set("export", download_links(fleet, self.read_at))
        return fleet

    def _show(self, view) -> None:
        """Put ``view`` on the page in place of the last reading, with the same host open."""
        old, self.fleet_view = self.fleet_view, view
        if old is not None:
            _reopen(view, _opened(old))
        self.hosts.children = (view.widget,)
        # Not closed at once: a click on the old view (opening a host) may be in the kernel's hands right now,
        # and its reply would reach a comm the page no longer knows ("Comm not found"); one reading later it is
        # long gone from the page, so it is closed then.
        if self._retired is not None:
            self._retired.close()
        self._retired = old

    def start(self) -> None:
        """The first reading now, then one every ``every`` seconds until ``close`` (one thread)."""
        self.widget
        self._thread = threading.Thread(target=self._loop, name="nested-classroom", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._now = False                   # a click during this reading asks for the next one
            try:
                self.refresh()
            except Exception as exc:          # a reading that broke says so and the page goes on
                self._set("status", html.muted(html.esc(f"Reading failed: {exc}; next in {self.every} s.")))
            self._ended = time.monotonic()
            while not (self._stop.is_set() or self._now) and time.monotonic() < self._ended + self.every:
                self._wake.wait(max(0.0, self._ended + self.every - time.monotonic()))
                self._wake.clear()

    def refresh_soon(self) -> None:
        """Read again as soon as the reading under way (if any) ends."""
        self._now = True
        self._wake.set()

    def set_every(self, seconds: int) -> None:
        """A new interval, counted from the end of the last reading."""
        self.every = max(MIN_EVERY, int(seconds))
        if self.fleet is not None:
            self._set("status", self._status_body())
        self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        for view in (self._retired, self.fleet_view):
            if view is not None:
                view.close()
        super().close()

    # ------------------------------------------------------------------ static forms

    def text(self) -> str:
        if self.fleet is None:
            return (f"Classroom: {len(self.targets)} hosts, read every {self.every} s while the page is open "
                    f"(this copy holds no reading)")
        head = f"Classroom, read at {self.read_at:%Y-%m-%d %H:%M:%S}"
        return head + "\n" + text.render_fleet(self.fleet, style="magic", quiet=True)

    def html(self) -> str:
        if self.fleet is None:
            return html.page(self._head() + html.muted(html.esc(self.text())))
        hosts = self.fleet.hosts
        return html.page(self._head() + self._status_body() + html_fleet.fleet_body(self.targets, hosts, self.advice))


def _ordered_targets(view) -> list[str]:
    return [target for target, _report in html_fleet.fleet_rows(view.targets, view.reports)]


def _opened(view) -> str | None:
    """The target whose details are open in ``view`` (None: none)."""
    picker = view.picker
    if picker is None:
        return None
    index = picker.dropdown.value if picker.dropdown is not None else picker.widget.selected_index
    return None if index is None else _ordered_targets(view)[index]


def _reopen(view, target: str | None) -> None:
    """Open ``target``'s details in ``view`` (where it now stands in the worst-first order)."""
    picker, order = view.picker, _ordered_targets(view)
    if picker is None or target not in order:
        return
    if picker.dropdown is not None:
        picker.dropdown.value = order.index(target)
    else:
        picker.widget.selected_index = order.index(target)
