"""The room's state for the instructor to keep: one CSV row per host, or the fleet's JSON document, as
download links the page carries (data: URLs, so nothing is written on the server).
"""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import datetime

from nested_magics.model.report import FAIL, WARN, FleetReport
from nested_magics.display.html.fleet import problem
from nested_magics.display.html.kit import el, esc

CSV_COLUMNS = ("target", "host", "verdict", "build", "fail", "warn", "vms", "first_problem", "error", "read_at")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A host's words as inert CSV: a spreadsheet never runs a cell that starts like a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def room_csv(fleet: FleetReport, read_at: datetime) -> str:
    """One row per host in the order read, with the words the fleet table shows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in fleet.hosts:
        c = r.counts() if r.error is None else {FAIL: "", WARN: ""}
        build = r.facts.build if r.facts is not None else ""
        vms = "; ".join(f"{v['name']} {v['verdict']}" for v in r.vms)
        first = problem(r) if r.error is None else ""
        writer.writerow([_cell(v) for v in (r.target, r.host, r.verdict, build, c[FAIL], c[WARN], vms, first,
                                            r.error, read_at.isoformat(timespec="seconds"))])
    return out.getvalue()


def room_json(fleet: FleetReport, read_at: datetime) -> str:
    """The command line's fleet document (``check --json``) with the time it was read."""
    return json.dumps({"read_at": read_at.isoformat(timespec="seconds"), **fleet.to_dict()}, indent=1)


def download_links(fleet: FleetReport, read_at: datetime) -> str:
    """Two links that save the room as it was read at ``read_at``."""
    stamp = read_at.strftime("%Y%m%d-%H%M%S")
    links = [_link(f"classroom-{stamp}.csv", "text/csv", room_csv(fleet, read_at), "Download CSV"),
             _link(f"classroom-{stamp}.json", "application/json", room_json(fleet, read_at), "Download JSON")]
    return el("span", " · ".join(links), "nm-muted")


def _link(name: str, mime: str, body: str, label: str) -> str:
    data = base64.b64encode(body.encode("utf-8")).decode("ascii")
    return (f'<a download="{esc(name)}" href="data:{mime};charset=utf-8;base64,{data}" '
            f'title="The room as read: {esc(name)}">{esc(label)}</a>')
