"""What a live kernel shows while work is under way (nothing, anywhere else)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from nested_magics.display import view

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
GONE = {"text/plain": ""}     # what the progress output becomes: nothing to see, and the same text nbval replays


class FleetProgress:
    """A progress bar that fills as hosts answer, shown only while they do.

    Its bundle is the widget and an empty text (nothing a static view could show), updated through
    widget traits; when the check ends its output is replaced by the empty text alone and its widgets
    are closed, so the saved cell shows the fleet dashboard only (and nbval, which skips widget views
    and cannot replay the update, compares it equal).
    """

    def __init__(self, total: int):
        import ipywidgets as w

        self.total = total
        self._lock = threading.Lock()
        self._answered = 0
        self._closed = False
        self.bar = w.IntProgress(value=0, min=0, max=max(total, 1), bar_style="info",
                                 layout=w.Layout(width="320px"))
        self.label = w.Label(f"0 of {total} hosts answered")
        self.box = w.HBox([self.bar, self.label])

    def record(self, index: int, report) -> None:
        with self._lock:
            if self._closed:
                return
            self._answered += 1
            self.bar.value = self._answered
            self.label.value = f"{self._answered} of {self.total} hosts answered"

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for widget in (self.box, self.bar, self.label):
                widget.close()

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.box._repr_mimebundle_(include=include, exclude=exclude) or {}
        return {**{key: value for key, value in bundle.items() if key == WIDGET_VIEW}, **GONE}


@contextmanager
def fleet_progress(targets: list[str]):
    """Yield an ``on_result`` callback that moves a progress bar while hosts answer, or None
    outside a live kernel."""
    if not view.live():
        yield None
        return
    from IPython.display import display

    progress = FleetProgress(len(targets))
    handle = display(progress, display_id=True)
    try:
        yield progress.record
    finally:
        progress.close()
        handle.update(GONE, raw=True)     # the output goes: the dashboard is what the cell keeps
