"""The live classroom page: a workshop's hosts read again on a button and every N seconds while the page is
open, shown as the fleet dashboard shows a fleet (worst first, each host expandable), with the room's state
to download. Its widgets are made once and changed in place by every reading (see ``host_panes``).

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
from nested_magics.display.html import fleet as html_fleet, kit as html, report as html_report
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
        self._now = False
        self._ended = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ widgets

    def build(self):
        import ipywidgets as w

        from nested_magics.display.host_panes import HostPanes
        from nested_magics.display.widgets import html_widget

        self.button = w.Button(description="Refresh now", tooltip="Read every host again now")
        self.button.on_click(lambda _button: self.refresh_soon())
        self.interval = w.BoundedIntText(value=self.every, min=MIN_EVERY, max=86_400, step=5,
                                         description="Refresh every (s):", style={"description_width": "initial"},
                                         layout=w.Layout(width="220px"))
        self.interval.observe(lambda change: self.set_every(change["new"]), "value")
        self.status = html_widget(self._status_body())
        self.export = html_widget("")
        reports = self.fleet.hosts if self.fleet is not None else [None] * len(self.targets)
        self.banner = html_widget(html_fleet.fleet_banner([r for r in reports if r is not None], len(reports)))
        self.table = html_widget(html_fleet.fleet_table(html_fleet.fleet_rows(self.targets, reports)))
        self.panes = HostPanes(len(self.targets), self._host_body)
        if self.fleet is not None:
            self._show_panes()
        controls = w.HBox([self.button, self.interval], layout=w.Layout(flex_flow="row wrap", grid_gap="8px"))
        return w.VBox([html_widget(self._head()), controls, self.status, self.export, self.banner, self.table,
                       self.panes.widget], layout=w.Layout(max_width="1120px"))

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

    def _show_rows(self, reports: list) -> None:
        """The banner and the table for ``reports`` (None: not answered yet)."""
        self._set("banner", html_fleet.fleet_banner([r for r in reports if r is not None], len(self.targets)))
        self._set("table", html_fleet.fleet_table(html_fleet.fleet_rows(self.targets, reports)))

    def _show_panes(self) -> None:
        hosts = self.fleet.hosts
        order = html_fleet.fleet_order(hosts)
        self.panes.show(order, [html_fleet.fleet_title(hosts[i]) for i in order])

    def _host_body(self, index: int) -> str:
        return html_report.report_body(self.fleet.hosts[index], advise=self.advice)

    # ------------------------------------------------------------------ readings

    def refresh(self) -> FleetReport:
        """Read every host now (on the calling thread) and show the room as read, in the page's own widgets:
        the first reading fills the table in as hosts answer; later ones keep the last reading on the page
        until the new one is whole."""
        live, first = self._widget is not None, self.fleet is None
        reports, lock = [None] * len(self.targets), threading.Lock()

        def told(index: int, report) -> None:           # worker threads
            with lock:
                reports[index] = report
                if first:
                    self._show_rows(reports)
                else:
                    self._set("status", self._status_body(sum(r is not None for r in reports)))

        started = time.monotonic()
        fleet = self.read(told if live else None)
        self.took, self.read_at, self.fleet = time.monotonic() - started, datetime.now(), fleet
        self.readings += 1
        if live:
            with lock:
                self._show_rows(fleet.hosts)
                self._show_panes()
                self._set("status", self._status_body())
                self._set("export", download_links(fleet, self.read_at))
        return fleet

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

