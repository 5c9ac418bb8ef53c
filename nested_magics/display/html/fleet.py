"""The fleet dashboard as HTML, pure and escaped: one row per host, worst first, each host's dashboard below.

Hosts that have not answered yet are rows that say so (the live view fills them in as they answer).
"""

from __future__ import annotations

from nested_magics.model.report import FAIL, VERDICT_ORDER, WARN, Report, worst
from nested_magics.display import steps
from nested_magics.display.order import Groups, verdict_tally
from nested_magics.display.html.kit import ROW, banner, clamp, esc, group, name_span, page, table, td, verdict_badge
from nested_magics.display.html.report import report_body


def fleet_row(target: str, report: Report | None) -> str:
    """A host's row; ``report`` None means it has not answered yet."""
    if report is None:
        return (f'<tr {ROW}>{td(verdict_badge("waiting"))}{td(name_span(target), "nm-title")}'
                f'{td("waiting for the host to answer…", "nm-muted", colspan=5)}</tr>')
    if report.error is not None:
        return (f'<tr {ROW}>{td(verdict_badge("error"))}{td(name_span(report.target), "nm-title")}'
                f'{td(esc(report.error), colspan=5)}</tr>')
    c = report.counts()
    build = report.facts.build if report.facts is not None else "?"
    if len(report.vms) <= 3:
        vms = ", ".join(f"{v['name']} {v['verdict']}" for v in report.vms) or "none"
    else:
        vms = f"{len(report.vms)}: " + ", ".join(f"{n} {v}" for v, n in verdict_tally(s["verdict"] for s in report.vms))
    return (f'<tr {ROW}>{td(verdict_badge(report.verdict))}{td(name_span(report.target), "nm-title")}'
            f'{td(name_span(report.host))}{td(esc(build), "nm-nw")}{td(f"{c[FAIL]} fail, {c[WARN]} warn", "nm-nw")}'
            f'{td(clamp(vms), "nm-prose")}{td(clamp(problem(report)), "nm-muted", "nm-prose")}</tr>')


def problem(report: Report) -> str:
    """The first thing in a host's way: a failing host check, else its worst VM's worst check."""
    groups = Groups(report)
    host_fail = next((c for c in groups.host if c.status == FAIL), None)
    if host_fail is not None:
        return host_fail.title
    ordered = groups.vms_worst_first()
    if ordered and ordered[0]["verdict"] != "ready":
        return f"{ordered[0]['name']}: {groups.headline(ordered[0]['name'])}"
    return ""


def fleet_table(rows: list[tuple[str, Report | None]]) -> str:
    body = "".join(fleet_row(t, r) for t, r in rows)
    return table(["Verdict", "Target", "Host", "Build", "Checks", "VMs", "First problem"], body, min_width=760)


def fleet_banner(reports: list[Report], total: int) -> str:
    """Worst verdict and the tally; while hosts are still answering, how many have."""
    answered = len(reports)
    tally = ", ".join(f"{n} {v}" for v, n in verdict_tally(r.verdict for r in reports)) or "none yet"
    if answered < total:
        return banner("waiting", f"Checking {total} hosts: {answered} answered", esc(tally))
    return banner(worst(r.verdict for r in reports), f"Fleet of {total} host{'s' if total != 1 else ''}", esc(tally))


def fleet_order(reports: list[Report | None]) -> list[int]:
    """The hosts' indexes as the fleet shows them: answered hosts worst first (stable), then the ones waiting."""
    return sorted(range(len(reports)),
                  key=lambda i: len(VERDICT_ORDER) if reports[i] is None else VERDICT_ORDER.index(reports[i].verdict))


def fleet_rows(targets: list[str], reports: list[Report | None]) -> list[tuple[str, Report | None]]:
    """``(target, report)`` in ``fleet_order``."""
    return [(targets[i], reports[i]) for i in fleet_order(reports)]


def fleet_title(report: Report) -> str:
    if report.error is not None:
        return f"{report.target} — ERROR"
    return f"{report.target} — {report.verdict.upper()} — {report.host}"


def fleet_body(targets: list[str], reports: list[Report | None], advise: steps.Advise | None = None) -> str:
    rows = fleet_rows(targets, reports)
    out = fleet_banner([r for r in reports if r is not None], len(targets)) + fleet_table(rows)
    for _target, report in rows:
        if report is not None:
            out += group(esc(fleet_title(report)), report_body(report, open_first=False, advise=advise))
    return out


def fleet_html(fleet, advise: steps.Advise | None = None) -> str:
    return page(fleet_body([r.target for r in fleet.hosts], fleet.hosts, advise))
