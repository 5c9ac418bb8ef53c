"""The fleet dashboard: one row per host, worst first, each opening onto that host's dashboard.

It can start empty and fill in as hosts answer: ``record`` is ``check_fleet``'s ``on_result`` callback
and is called from worker threads (setting widget traits from a thread is fine in ipykernel).
"""

from __future__ import annotations

import threading

import ipywidgets as w

from nested_magics.model.report import FleetReport
from nested_magics.display.html import fleet as html_fleet, kit as html
from nested_magics.display import steps, text
from nested_magics.display.view import View
from nested_magics.display.widgets import LazyPicker, ReportView, html_widget


class FleetView(View):
    """Hosts in the order given; ``reports[i]`` is None until host ``i`` answers."""

    def __init__(self, targets: list[str], reports: list | None = None, advise: steps.Advise | None = None):
        self.advise = advise
        self.targets = list(targets)
        self.reports = list(reports) if reports is not None else [None] * len(self.targets)
        self._lock = threading.Lock()
        self._closed = False
        self.picker: LazyPicker | None = None

    @classmethod
    def of(cls, fleet: FleetReport, advise: steps.Advise | None = None) -> "FleetView":
        return cls([r.target for r in fleet.hosts], fleet.hosts, advise)

    @property
    def complete(self) -> bool:
        return all(r is not None for r in self.reports)

    @property
    def answered(self) -> int:
        return sum(r is not None for r in self.reports)

    def record(self, index: int, report) -> None:
        """Host ``index`` answered (any thread): fill its row, move the progress bar."""
        with self._lock:
            self.reports[index] = report
            if self._widget is not None and not self._closed:
                self._refresh()

    def close(self) -> None:
        """Close the widgets; a host answering later (a worker thread finishing) changes nothing."""
        with self._lock:
            self._closed = True
            super().close()

    def build(self):
        self.banner = html_widget("")
        self.table = html_widget("")
        self.details = w.VBox()
        self.progress = None if self.complete else w.IntProgress(
            value=0, min=0, max=max(1, len(self.targets)), description="Hosts answered", bar_style="info",
            style={"description_width": "initial"}, layout=w.Layout(width="min(100%, 480px)"))
        self.root = w.VBox([self.banner, *([self.progress] if self.progress else []), self.table, self.details],
                           layout=w.Layout(max_width="1120px"))
        self._refresh()
        return self.root

    def _refresh(self) -> None:
        answered = [r for r in self.reports if r is not None]
        self.banner.value = html.page(html_fleet.fleet_banner(answered, len(self.targets)))
        self.table.value = html.page(html_fleet.fleet_table(html_fleet.fleet_rows(self.targets, self.reports)))
        if self.progress is not None:
            self.progress.value = len(answered)
        if self.complete and self.picker is None:
            if self.progress is not None:      # finished: the bar goes (from the page and the saved state)
                self.root.children = (self.banner, self.table, self.details)
                self.progress.close()
                self.progress = None
            ordered = [r for _t, r in html_fleet.fleet_rows(self.targets, self.reports)]
            advise = self.advice
            self.picker = LazyPicker([html_fleet.fleet_title(r) for r in ordered],
                                     lambda i: ReportView(ordered[i], advise).widget, None, label="Host:")
            self.details.children = (self.picker.widget,)

    def text(self) -> str:
        if self.complete:
            return text.render_fleet(FleetReport(self.reports), style="magic", every=True, advise=self.advice)
        lines = [f"Checking {len(self.targets)} host(s): {self.answered} answered"]
        lines += [f"  WAITING  {text.clean(t)}" for t, r in zip(self.targets, self.reports) if r is None]
        return "\n".join(lines)

    def html(self) -> str:
        return html.page(html_fleet.fleet_body(self.targets, self.reports, self.advice))
