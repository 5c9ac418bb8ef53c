"""The classroom page without a browser: which hosts a room holds, readings that follow a rewritten facts
file, the page's own readings and Refresh now, the host left open, the room's downloads, and the notebook
run as Voila runs it (the browser test under Voila is tests/browser/test_classroom_voila.py)."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import shutil
import threading
import time
from datetime import datetime
from pathlib import Path

import ipywidgets
import nbformat
import pytest

import nested_magics as nm
from nested_magics import session
from nested_magics.display.classroom import ClassroomView
from nested_magics.display.view import walk_widgets
from nested_magics.display.room_export import room_csv, room_json
from nested_magics.errors import UsageProblem
from nested_magics.front import classroom as front
from nested_magics.model.report import FleetReport

SCENARIOS = Path(nm.__file__).parent / "scenarios"
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "classroom.ipynb"


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.delenv(front.ENV_TARGETS, raising=False)
    monkeypatch.delenv(front.ENV_EVERY, raising=False)
    session.forget_all()
    yield
    session.forget_all()


@pytest.fixture
def room_dir(tmp_path) -> list[Path]:
    return [Path(shutil.copy(SCENARIOS / f"classroom-{i:02d}.json", tmp_path)) for i in range(1, 13)]


def rewrite(path: Path, **top) -> None:
    facts = json.loads(path.read_text())
    facts.update(top)
    path.write_text(json.dumps(facts))
    stat = path.stat()                       # a new mtime even on a coarse clock
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def verdicts(fleet: FleetReport) -> dict[str, str]:
    return {re.search(r"classroom-\d+", r.target).group(0): r.verdict for r in fleet.hosts}


# ---------------------------------------------------------------- what a room holds


def test_room_targets_default_parameter_and_environment(monkeypatch):
    assert front.room_targets() == ["mock:classroom-*"]
    assert front.room_targets("mock:classroom-01") == ["mock:classroom-01"]
    assert front.room_targets(["a", "b"]) == ["a", "b"]
    monkeypatch.setenv(front.ENV_TARGETS, " mock:classroom-01,mock:classroom-02\n hv01 ")
    assert front.room_targets(["ignored"]) == ["mock:classroom-01", "mock:classroom-02", "hv01"]


@pytest.mark.parametrize("bad", ["abc", "0", "-5", "nan", ""])
def test_a_bad_interval_is_one_line(monkeypatch, bad):
    if bad:
        monkeypatch.setenv(front.ENV_EVERY, bad)
        with pytest.raises(UsageProblem, match="at least 1"):
            front.room_every(30)
    else:
        assert front.room_every(12.0) == 12 and front.room_every() == 30


def test_a_room_with_no_host_or_an_unknown_option_is_refused():
    with pytest.raises(UsageProblem, match="names no hosts"):
        front.Room([])
    with pytest.raises(UsageProblem, match="unknown option 'pasword'"):
        front.Room(["mock:classroom-*"], pasword="x")


def test_classroom_says_a_bad_input_in_one_line(capsys, monkeypatch):
    monkeypatch.setenv(front.ENV_EVERY, "soon")
    assert front.classroom() is None
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["classroom: the classroom's refresh interval must be a number of seconds, at least 1 (got 'soon')"]


# ---------------------------------------------------------------- readings


def test_a_rewritten_facts_file_is_read_again_and_the_others_are_not(room_dir):
    room = front.Room([f"mock:{p}" for p in room_dir])
    first = verdicts(room.read())
    assert first["classroom-05"] == "blocked" and len(first) == 12
    rewrite(room_dir[4], hypervisor_present=True, hyperv_installed=True)
    second = verdicts(room.read())
    assert second["classroom-05"] == "ready"
    assert {h: v for h, v in second.items() if h != "classroom-05"} == \
           {h: v for h, v in first.items() if h != "classroom-05"}


def test_a_bundled_host_keeps_what_this_kernel_did_to_it():
    room = front.Room(["mock:classroom-*"])
    assert verdicts(room.read())["classroom-02"] == "fixable"
    nm.plan_enable("mock:classroom-02", "lab-vm").apply(confirm=True)
    assert verdicts(room.read())["classroom-02"] == "ready"


def test_a_facts_file_that_breaks_is_that_hosts_error_row(room_dir):
    room = front.Room([f"mock:{p}" for p in room_dir[:2]])
    room.read()
    room_dir[1].write_text("{not json")
    os.utime(room_dir[1], ns=(0, room_dir[1].stat().st_mtime_ns + 1_000_000))
    fleet = room.read()
    assert [r.verdict for r in fleet.hosts] == ["ready", "error"]
    assert "not valid JSON" in fleet.hosts[1].error and "\n" not in fleet.hosts[1].error   # one line saying why
    rewrite_back = json.loads((SCENARIOS / "classroom-02.json").read_text())
    room_dir[1].write_text(json.dumps(rewrite_back))
    os.utime(room_dir[1], ns=(0, room_dir[1].stat().st_mtime_ns + 2_000_000))
    assert [r.verdict for r in room.read().hosts] == ["ready", "fixable"]      # fixed file: read again


# ---------------------------------------------------------------- the page


class Reader:
    """A room whose hosts' verdicts the test sets; counts the readings."""

    def __init__(self, fleet_targets):
        self.room = front.Room(fleet_targets)
        self.calls = 0
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, on_result=None):
        self.calls += 1                      # a reading has started (it may wait at the gate)
        self.gate.wait(10)
        return self.room.read(on_result)


def wait(condition, timeout=10.0):
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.02)


def test_outside_a_kernel_the_page_is_one_reading_as_text_and_html(room_dir):
    room = front.Room([f"mock:{p}" for p in room_dir])
    view = ClassroomView(room.targets, room.read, 30)
    assert "this copy holds no reading" in view.text()
    view.refresh()
    assert view.text().startswith("Classroom, read at ")
    assert "Fleet of 12 host(s): BLOCKED" in view.text()
    assert "Fleet of 12 hosts" in view.html() and "readings so far: 1" in view.html()


def test_host_names_are_escaped_on_the_page_and_inert_in_the_csv(tmp_path):
    path = Path(shutil.copy(SCENARIOS / "classroom-01.json", tmp_path / "pc.json"))
    rewrite(path, name="=HYPERLINK(\"x\")<script>")
    room = front.Room([f"mock:{path}"])
    view = ClassroomView(room.targets, room.read, 30)
    view.refresh()
    assert "<script>" not in view.html() and "&lt;script&gt;" in view.html()
    (row,) = list(csv.DictReader(io.StringIO(room_csv(view.fleet, view.read_at))))
    assert row["host"].startswith("'=HYPERLINK")


def test_the_page_reads_on_its_own_and_on_refresh_now():
    reader = Reader(["mock:classroom-01", "mock:classroom-02"])
    view = ClassroomView(reader.room.targets, reader, every=1)
    view.start()
    try:
        wait(lambda: view.readings >= 2, timeout=5)               # the first, then one a second later
        view.set_every(3600)
        wait(lambda: reader.calls == view.readings)
        settled = view.readings
        time.sleep(1.5)
        assert view.readings == settled                          # the new interval holds
        view.button.click()
        wait(lambda: view.readings == settled + 1, timeout=5)
        reader.gate.clear()                                      # a reading under way...
        view.button.click()
        wait(lambda: reader.calls == settled + 2)
        view.button.click()                                      # ...and a click while it runs
        time.sleep(0.2)
        assert reader.calls == settled + 2                       # never two readings at once
        reader.gate.set()
        wait(lambda: view.readings == settled + 3, timeout=5)    # the click is kept: one more reading after it
        time.sleep(0.3)
        assert view.readings == settled + 3
        assert "readings so far: " + str(view.readings) in view.status.value
    finally:
        view.close()
    assert not view._thread.is_alive() or (view._thread.join(5) or not view._thread.is_alive())


def test_a_reading_that_breaks_says_so_and_the_page_goes_on():
    calls = []

    def read(on_result=None):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the network went away")
        return front.Room(["mock:classroom-01"]).read(on_result)

    view = ClassroomView(["mock:classroom-01"], read, every=1)
    view.start()
    try:
        wait(lambda: "Reading failed: the network went away" in view.status.value, timeout=5)
        wait(lambda: view.readings == 1, timeout=5)
    finally:
        view.close()


def test_the_open_host_stays_open_across_readings(room_dir):
    room = front.Room([f"mock:{p}" for p in room_dir])
    view = ClassroomView(room.targets, room.read, 30)
    view.widget
    view.refresh()
    accordion = next(w for w in walk_widgets(view.widget) if isinstance(w, ipywidgets.Accordion))
    titles = accordion.titles
    pc07 = next(i for i, t in enumerate(titles) if "classroom-07" in t)
    accordion.selected_index = pc07
    assert "CLASS-PC07" in accordion.children[pc07].value                  # opened: its dashboard is there
    rewrite(room_dir[4], hypervisor_present=True, hyperv_installed=True)   # 05 moves from blocked to ready
    view.refresh()
    assert "classroom-07" in accordion.titles[accordion.selected_index]
    assert "CLASS-PC07" in accordion.children[accordion.selected_index].value
    assert accordion.titles != titles                                      # the order did change
    assert sum("CLASS-PC" in pane.value for pane in accordion.children) == 1   # only the open host is filled


def test_readings_change_the_page_in_place_and_close_no_widget(room_dir, monkeypatch):
    """A live page never closes a widget: one closed while the browser is still connecting (Voila runs the notebook
    first, the reading thread goes on) reaches a page that never knew it ("Comm not found for comm id …" in its
    console, seen in CI). After the first reading, readings open and close nothing (bounded memory over a day)."""
    opened, closed = [], []
    real_open, real_close = ipywidgets.Widget.open, ipywidgets.Widget.close
    monkeypatch.setattr(ipywidgets.Widget, "open", lambda self: (opened.append(self), real_open(self))[1])
    monkeypatch.setattr(ipywidgets.Widget, "close", lambda self: (closed.append(self), real_close(self))[1])
    room = front.Room([f"mock:{p}" for p in room_dir])
    view = ClassroomView(room.targets, room.read, 30)
    view.widget
    view.refresh()
    made = len(opened)
    for reading in range(3):
        rewrite(room_dir[reading], hypervisor_present=True, hyperv_installed=True)
        view.refresh()
    ours = {id(w) for w in opened}                    # other tests' widgets may be collected (and closed) meanwhile
    assert (len(opened) - made, [w for w in closed if id(w) in ours]) == (0, [])
    assert view.readings == 4 and "readings so far: 4" in view.status.value
    view.close()
    assert [w for w in closed if id(w) in ours]       # closing the page closes its widgets


def test_downloads_are_the_room_as_read(room_dir):
    room = front.Room([f"mock:{p}" for p in room_dir])
    view = ClassroomView(room.targets, room.read, 30)
    view.widget
    view.refresh()
    links = dict(re.findall(r'download="([^"]+)" href="data:[^;]+;charset=utf-8;base64,([^"]+)"', view.export.value))
    assert sorted(Path(name).suffix for name in links) == [".csv", ".json"]
    text = {Path(name).suffix: base64.b64decode(data).decode() for name, data in links.items()}
    rows = list(csv.DictReader(io.StringIO(text[".csv"])))
    assert len(rows) == 12 and {r["verdict"] for r in rows} == {"blocked", "fixable", "ready"}
    pc04 = next(r for r in rows if "classroom-04" in r["target"])
    assert (pc04["host"], pc04["build"], pc04["fail"]) == ("CLASS-PC04", "19045", "3")
    assert "AMD processors need Windows 11" in pc04["first_problem"]
    document = json.loads(text[".json"])
    assert document["verdict"] == "blocked" and len(document["hosts"]) == 12
    assert document["read_at"] == view.read_at.isoformat(timespec="seconds")


def test_room_json_is_the_check_json_document_with_its_time():
    fleet = nm.check_fleet(["mock:classroom-01", "mock:classroom-04"])
    when = datetime(2026, 1, 2, 3, 4, 5)
    assert json.loads(room_json(fleet, when)) == {"read_at": "2026-01-02T03:04:05", **fleet.to_dict()}


# ---------------------------------------------------------------- the notebook


def test_the_notebook_runs_in_a_kernel_and_shows_the_page(tmp_path, monkeypatch):
    """As Voila runs it: every cell executes without an error, and the page is displayed."""
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert 'TARGETS = ["mock:classroom-*"]' in nb.cells[1].source and "EVERY = 30" in nb.cells[1].source
    # committed executed (every code cell has run), its page one static reading: what a reader on GitHub sees
    assert all(c.execution_count is not None for c in nb.cells if c.cell_type == "code")
    assert "widgets" not in nb.metadata
    assert nb.cells[2].outputs[0].data["text/plain"].startswith("Classroom, read at ")
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    problems = [o for c in nb.cells for o in c.get("outputs", [])
                if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")]
    assert problems == []
    (shown,) = nb.cells[2].outputs
    # live (widgets, filled in by the page's own thread) or, where no one works in the page (nbclient), one reading
    assert re.match(r"Classroom(: 12 hosts, read every 30 s|, read at .*\nFleet of 12 host\(s\): BLOCKED)",
                    shown.data["text/plain"]), shown.data["text/plain"][:200]
