"""What a live kernel shows while work is under way (nothing, anywhere else)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from nested_magics.display import view


class FleetProgress:
    """A progress bar that fills as hosts answer.

    Its text form never changes, and it is updated through widget traits only (never with
    update_display_data), so a notebook saved with it compares equal under nbval; the finished
    fleet dashboard is displayed after it.
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
            self.bar.bar_style = "success"

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.box._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["text/plain"] = f"Checking {self.total} hosts concurrently"
        return bundle


@contextmanager
def fleet_progress(targets: list[str]):
    """Yield an ``on_result`` callback that moves a progress bar while hosts answer, or None
    outside a live kernel."""
    if not view.live():
        yield None
        return
    from IPython.display import display

    progress = FleetProgress(len(targets))
    display(progress)
    try:
        yield progress.record
    finally:
        progress.close()
