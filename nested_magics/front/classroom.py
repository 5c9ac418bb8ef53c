"""The classroom page's front end (``notebooks/classroom.ipynb``, served by Voila): which hosts the room
holds, how often to read them, and each reading through the API's fleet check.

A room can name host-facts files (``mock:PATH``): a file rewritten since the last reading is read again,
its host starting afresh from what the file now says; every other host is read as this process has it
(a real host answers anew each time; a bundled mock host keeps the changes made in this kernel).
"""

from __future__ import annotations

import os
import re

from nested_magics import api
from nested_magics.backends import expand_targets
from nested_magics.backends.mock import claims as is_mock, is_path
from nested_magics.errors import NestedMagicsError, UsageProblem
from nested_magics.model.report import FleetReport, Report

ENV_TARGETS = "NESTED_MAGICS_CLASSROOM"          # targets, separated by spaces, commas or new lines
ENV_EVERY = "NESTED_MAGICS_CLASSROOM_EVERY"      # seconds between readings
DEFAULT_TARGETS = ("mock:classroom-*",)
DEFAULT_EVERY = 30


def room_targets(targets=None) -> list[str]:
    """``$NESTED_MAGICS_CLASSROOM`` when set, else ``targets``, else the twelve bundled classroom hosts."""
    env = os.environ.get(ENV_TARGETS, "").strip()
    if env:
        return [t for t in re.split(r"[\s,]+", env) if t]
    if targets is None:
        return list(DEFAULT_TARGETS)
    return [targets] if isinstance(targets, str) else list(targets)


def room_every(every=None) -> int:
    """``$NESTED_MAGICS_CLASSROOM_EVERY`` when set, else ``every``, else 30: whole seconds, at least 1."""
    raw = os.environ.get(ENV_EVERY, "").strip() or (DEFAULT_EVERY if every is None else every)
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = -1
    if not seconds >= 1:
        raise UsageProblem(f"the classroom's refresh interval must be a number of seconds, at least 1 (got {raw!r})")
    return int(seconds)


class Room:
    """The hosts of one classroom page and how to read them all once."""

    def __init__(self, targets: list[str], **winrm_options):
        unknown = [key for key in winrm_options if key not in api.CONNECT_OPTIONS]
        if unknown:
            raise UsageProblem(f"classroom(): unknown option {unknown[0]!r}; known: {', '.join(api.CONNECT_OPTIONS)}")
        self.targets = expand_targets(targets)
        if not self.targets:
            raise UsageProblem("the classroom names no hosts: list targets such as 'mock:classroom-*' or HOST names")
        self.options = winrm_options
        self._seen: dict[str, int | None] = {}
        self._broken: dict[str, str] = {}      # facts files rewritten into something unreadable: why

    def read(self, on_result=None) -> FleetReport:
        """Every host once, concurrently (``on_result(index, report)`` as each answers)."""
        for target in self.targets:
            self._reread_if_rewritten(target)

        def as_read(index: int, report: Report) -> Report:
            target = self.targets[index]
            return Report.failed(target, self._broken[target]) if target in self._broken else report

        told = (lambda index, report: on_result(index, as_read(index, report))) if on_result else None
        fleet = api.check_fleet(self.targets, on_result=told, **self.options)
        return FleetReport([as_read(index, report) for index, report in enumerate(fleet.hosts)])

    def _reread_if_rewritten(self, target: str) -> None:
        spec = target.split(":", 1)[1] if ":" in target else ""
        if not (is_mock(target) and is_path(spec)):
            return
        try:
            stamp = os.stat(os.path.expanduser(spec)).st_mtime_ns
        except OSError:
            stamp = None                        # the check says what is wrong with the file
        if target in self._seen and self._seen[target] != stamp:
            try:
                api.connect(target, reset=True)
                self._broken.pop(target, None)
            except NestedMagicsError as exc:    # unreadable now: that host's row says why, not its old facts
                self._broken[target] = str(exc)
        self._seen[target] = stamp


def classroom(targets=None, every=None, **winrm_options):
    """Show the live classroom page for ``targets`` (see ``room_targets``), read every ``every`` seconds
    while it is open. Outside a live kernel, one reading shown as text and HTML. Returns the view."""
    from IPython.display import display

    from nested_magics.display.classroom import ClassroomView
    from nested_magics.display.view import live

    try:
        room = Room(room_targets(targets), **winrm_options)
        view = ClassroomView(room.targets, room.read, room_every(every))
    except NestedMagicsError as exc:
        print(f"classroom: {exc}")
        return None
    if live():
        display(view)
        view.start()
    else:
        view.refresh()
        display(view)
    return view
