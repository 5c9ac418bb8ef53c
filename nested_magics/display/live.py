"""What a live kernel shows while work is under way (nothing, anywhere else)."""

from __future__ import annotations

from contextlib import contextmanager

from . import view


@contextmanager
def fleet_progress(targets: list[str]):
    """Yield an ``on_result`` callback that fills a fleet view while hosts answer, or None outside a
    live kernel. The view is taken away afterwards: the FleetReport the magic returns is what stays."""
    if not view.live():
        yield None
        return
    from IPython.display import display

    from .fleet_view import FleetView

    fleet_view = FleetView(targets)
    handle = display(fleet_view, display_id=True)
    try:
        yield fleet_view.record
    finally:
        handle.update({"text/plain": ""}, raw=True)
        fleet_view.close()
