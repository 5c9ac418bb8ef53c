"""The "from inside a VM" summary at the top of the check dashboard, as escaped HTML: one line on whether
nesting can work here and why, the change on this VM's own host (with a copy button), then the four
workloads with their reason and steps. Every value from the host goes through ``esc``."""

from __future__ import annotations

from nested_magics.model.vantage import NO, YES, Step, Vantage
from nested_magics.display.style import status_colours
from nested_magics.display.html.kit import ROW, box, command, el, esc, muted, table, td

TONE = {"yes": "pass", "no": "fail", "unknown": "info"}     # unknown is blue, never green
LABEL = {"yes": "YES", "no": "NO", "unknown": "UNKNOWN"}


def answer_badge(answer: str) -> str:
    return el("span", LABEL[answer], "nm-badge", f"nm-can-{esc(answer)}", style=status_colours(TONE[answer]))


def _step(step: Step) -> str:
    text = el("div", el("b", esc(step.where)) + ": " + esc(step.text))
    return text + (command(step.command) if step.command else "")


def _workload_row(work, change: Step | None) -> str:
    steps = "".join(muted("the change above") if s == change else _step(s) for s in work.steps)
    why = el("div", esc(work.reason), "nm-why") + steps + el("div", esc(work.source), "nm-src")
    return f"<tr {ROW}>{td(answer_badge(work.can_run), 'nm-st')}{td(el('b', esc(work.name)))}{td(why)}</tr>"


def vantage_html(vantage: Vantage | None) -> str:
    """The summary box (red: nesting cannot work here; green: it can; blue: unknown); "" for a machine that is
    not a VM."""
    if vantage is None:
        return ""
    head = el("div", el("b", "From inside a VM") + " on " + esc(vantage.host), "nm-muted")
    line = el("div", esc(vantage.headline), "nm-title", extra=' data-nm="vantage-headline"')
    change = el("div", el("b", "Change ") + _step(vantage.change)) if vantage.change else ""
    known = el("div", esc(vantage.known), "nm-why") if vantage.known else ""
    rows = "".join(_workload_row(w, vantage.change) for w in vantage.workloads)
    kind = "pass" if vantage.nesting == YES else "fail" if vantage.nesting == NO else "info"
    return box(kind, head + line + change + known + table(["Can run", "Here", "Why, and the steps"], rows)
               + el("div", esc(vantage.source), "nm-src"))
