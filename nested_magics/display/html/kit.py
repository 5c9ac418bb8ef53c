"""HTML views as pure functions returning strings.

Every value that comes from a host (VM names, OS captions, messages) goes through ``esc``, because the
notebook and ipywidgets' ``HTML`` insert it with ``innerHTML`` unsanitized. The only script in the output
is the constant ``onclick`` of the copy buttons, which copy the (escaped) text of the code beside them.
Styles are inline (see ``style``), so the views keep their looks where a sanitizer strips ``<style>``.
"""

from __future__ import annotations

import html as _html

from nested_magics.model.report import FAIL, PASS, VERDICT_ORDER, WARN, Report, worst
from nested_magics.model.sizes import format_size
from nested_magics.front.advice import next_steps
from nested_magics.display.order import Groups, verdict_tally, worst_first
from nested_magics.display.style import BOX, VERDICT, attrs, status_colours, style_tag, tinted, verdict_solid

LABEL = {"pass": "PASS", "info": "INFO", "warn": "WARN", "fail": "FAIL"}
HTML_VM_DETAILS = 10   # the static form details this many VMs (worst first); the text form has them all
# Copies the text of the <code> just before the button (so the text travels once, escaped, as content).
COPY_JS = ("var b=this;navigator.clipboard.writeText(b.previousSibling.textContent)"
           ".then(()=>b.textContent='Copied',()=>b.textContent='Select + Ctrl+C')")


def esc(value) -> str:
    return "" if value is None else _html.escape(str(value), quote=True)


def page(body: str) -> str:
    """A self-contained fragment: the scoped niceties stylesheet and ``body``."""
    return f'<div {attrs("nm")}>{style_tag()}{body}</div>'


def el(tag: str, inner: str, *classes: str, style: str = "", extra: str = "") -> str:
    """``<tag class style>inner</tag>``; ``inner`` is HTML already escaped by the caller."""
    return f'<{tag} {attrs(*classes, style=style)}{extra}>{inner}</{tag}>'


def table(headers: list[str], rows: str, style: str = "") -> str:
    head = "".join(el("th", h, "nm-th") for h in headers)
    return el("table", f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody>", "nm-table", style=style)


ROW = attrs("nm-row")


def td(inner: str, *classes: str, colspan: int = 0) -> str:
    return el("td", inner, "nm-td", *classes, extra=f' colspan="{colspan}"' if colspan else "")


def muted(text: str) -> str:
    return el("span", text, "nm-muted")


# ---------------------------------------------------------------- small pieces


def badge(status: str) -> str:
    return el("span", LABEL[status], "nm-badge", f"nm-{esc(status)}", style=status_colours(status))


def verdict_badge(verdict: str) -> str:
    return el("span", esc(verdict.upper()), "nm-verdict", f"nm-v-{esc(verdict)}", style=verdict_solid(verdict))


def banner(verdict: str, head: str, sub: str = "") -> str:
    """The coloured strip a view opens with; ``head``/``sub`` are already-escaped HTML."""
    sub_html = el("div", sub, "nm-sub") if sub else ""
    return el("div", verdict_badge(verdict) + el("span", head, "nm-head") + sub_html, "nm-banner", f"nm-v-{esc(verdict)}",
              style=tinted(VERDICT.get(verdict, VERDICT["waiting"])))


def box(kind: str, inner: str) -> str:
    """A message box: ``pass`` (green), ``fail`` (red) or ``info`` (blue)."""
    return el("div", inner, "nm-box", f"nm-{kind}", style=tinted(BOX[kind]))


def code_words(text: str) -> str:
    """Escaped text whose words never break (``Set-VMProcessor -VMName`` wraps only at spaces)."""
    return " ".join(f'<span style="white-space:nowrap">{esc(word)}</span>' if "-" in word else esc(word)
                    for word in text.split(" "))


def command(text: str) -> str:
    """A command in monospace with a copy button (one click also selects it, for Ctrl+C)."""
    button = el("button", "Copy", "nm-copy", extra=f' type="button" title="Copy" onclick="{COPY_JS}"')
    return el("div", el("code", code_words(text), "nm-code") + button, "nm-cmd")


def counts_text(counts: dict) -> str:
    return " · ".join(f"{counts[s]} {s}" for s in ("fail", "warn", "info", "pass"))


# ---------------------------------------------------------------- checks


def check_row(check) -> str:
    fix = command(check.fix) if check.fix else muted("—")
    why = (el("div", esc(check.title), "nm-title") + el("div", esc(check.detail), "nm-why")
           + el("div", el("span", esc(check.id), "nm-id") + " · " + esc(check.source), "nm-src"))
    return f"<tr {ROW}>{td(badge(check.status), 'nm-st')}{td(why)}{td(fix, 'nm-fixcol')}</tr>"


def _checks_table(rows: str) -> str:
    return table(["Status", "Check, why and source", "Fix"], rows)


def checks_table(checks: list) -> str:
    """Problems first, each with why, source and fix; passing checks folded below them."""
    ordered = worst_first(checks)
    problems = [c for c in ordered if c.status != PASS]
    passes = [c for c in ordered if c.status == PASS]
    out = _checks_table("".join(check_row(c) for c in problems)) if problems else ""
    if passes:
        label = f"{len(passes)} passing check{'s' if len(passes) != 1 else ''}"
        if not problems:
            label = f"All {label}"
        summary = f'{label}: {esc(" · ".join(c.title for c in passes[:4]))}{" …" if len(passes) > 4 else ""}'
        out += el("details", el("summary", summary, "nm-foldsum") + _checks_table("".join(check_row(c) for c in passes)),
                  "nm-fold")
    return out


# ---------------------------------------------------------------- a host's report


def host_card(report: Report) -> str:
    facts = report.facts
    items = [("Host", report.host), ("Target", report.target)]
    if facts is not None:
        cpu = facts.cpu.model or facts.cpu.vendor or "unknown"
        memory = format_size(facts.memory.total_bytes) if facts.memory and facts.memory.total_bytes else "unknown"
        items += [("Windows", facts.os.caption or facts.os.kind), ("Build", f"{facts.build} ({report.profile} rules)"),
                  ("Processor", cpu), ("Memory", memory), ("VMs", len(facts.vms))]
    return el("div", "".join(el("div", el("span", esc(k), "nm-k") + esc(v), "nm-cell") for k, v in items), "nm-card")


def _headline(report: Report, groups: Groups) -> str:
    """One sentence for the banner: who can nest, or the first thing in the way."""
    name = esc(report.host)
    host_fails = [c for c in groups.host if c.status == FAIL]
    if host_fails:
        return f"{name} cannot nest: {esc(host_fails[0].title)}"
    by = {}
    for s in report.vms:
        by.setdefault(s["verdict"], []).append(s["name"])
    if not report.vms:
        return f"{name} can run nested VMs: create a VM, then enable nesting on it"
    if report.verdict == "ready":
        return f"{name} can nest: " + (f"{esc(report.vms[0]['name'])} is ready" if len(report.vms) == 1
                                         else f"all {len(report.vms)} VMs are ready")
    if "blocked" in by:
        blocked = by["blocked"]
        if len(blocked) == 1:
            return f"{name}: {esc(blocked[0])} cannot nest here: {esc(groups.headline(blocked[0]))}"
        return f"{name}: {len(blocked)} VMs cannot nest here"
    fixable = by["fixable"]
    if len(fixable) == 1:
        return f"{name}: {esc(fixable[0])} can nest after the changes below"
    return f"{name}: {len(fixable)} VMs can nest after changes"


def report_banner(report: Report, groups: Groups) -> str:
    if report.error is not None:
        return banner("error", f"Could not check {esc(report.target)}", esc(report.error))
    vms = ", ".join(f"{n} {v}" for v, n in verdict_tally(s["verdict"] for s in report.vms)) or "no VMs"
    sub = f"{len(report.vms)} VM(s) checked: {esc(vms)} — checks: {counts_text(report.counts())}"
    return banner(report.verdict, _headline(report, groups), sub)


def step_html(step: str) -> str:
    """A next step; the command in it (``%nested_…`` or ``nested-magics …``) gets a copy button."""
    for marker in ("%nested_", "nested-magics "):
        at = step.find(marker)
        if at > 0:
            return el("li", esc(step[:at].rstrip()) + command(step[at:]), "nm-item")
    return el("li", esc(step), "nm-item")


def next_html(report: Report, groups: Groups) -> str:
    steps = next_steps(report, "magic", groups)
    if not steps:
        return ""
    return el("div", "<b>Next</b>" + el("ul", "".join(step_html(s) for s in steps), "nm-list"), "nm-next")


def vm_group_title(groups: Groups, summary: dict) -> str:
    """``myVM — FIXABLE — 2 fail, 2 warn: <worst title>`` as plain text (for Accordion titles too)."""
    counts = groups.counts(summary["name"])
    tally = f"{counts['fail']} fail, {counts['warn']} warn"
    head = groups.headline(summary["name"])
    return f"{summary['name']} — {summary['verdict'].upper()} — {tally}{': ' + head if head else ''}"


def vm_row(groups: Groups, summary: dict) -> str:
    """Three cells, so a 1,000-VM table stays small: verdict; name, state, nesting; counts and worst problem."""
    name = summary["name"]
    vm = groups.vm_facts.get(name)
    where = f"{esc(vm.state)} · nesting {'on' if vm.nesting else 'off'}" if vm else "missing"
    counts = groups.counts(name)
    head = groups.headline(name)
    problems = f"{counts[FAIL]} fail, {counts[WARN]} warn" + (f" — {esc(head)}" if head else "")
    return (f'<tr {ROW}>{td(verdict_badge(summary["verdict"]))}{td(f"<b>{esc(name)}</b> " + muted(where))}'
            f'{td(problems)}</tr>')


def vm_table(groups: Groups, summaries: list[dict]) -> str:
    """One row per VM (worst first), in a scroll box: quick to read and to draw for 1,000 VMs."""
    rows = "".join(vm_row(groups, s) for s in summaries)
    return el("div", table(["Verdict", "VM", "Checks and worst problem"], rows, style="margin:0"), "nm-scroll")


def report_top(report: Report, groups: Groups) -> str:
    """Banner, host card, next steps and host checks: the part of the dashboard above the VMs."""
    if report.error is not None:
        return report_banner(report, groups)
    return (report_banner(report, groups) + host_card(report) + next_html(report, groups)
            + el("h4", "Host checks", "nm-h") + checks_table(groups.host))


def report_body(report: Report, groups: Groups | None = None, open_first: bool = True) -> str:
    """The whole static dashboard (without the stylesheet)."""
    groups = groups or Groups(report)
    out = report_top(report, groups)
    if report.error is not None or not report.vms:
        return out
    ordered = groups.vms_worst_first()
    out += el("h4", f"VMs ({len(ordered)}, worst first)", "nm-h")
    if len(ordered) > 1:
        out += vm_table(groups, ordered)
    shown = ordered[:HTML_VM_DETAILS]
    for i, summary in enumerate(shown):
        opened = " open" if open_first and i == 0 and summary["verdict"] != "ready" or len(ordered) == 1 else ""
        out += group(esc(vm_group_title(groups, summary)), checks_table(groups.checks(summary["name"])), opened)
    if len(ordered) > len(shown):
        out += el("p", f"Details above for the {len(shown)} worst of {len(ordered)} VMs; every check of every VM is "
                  "in the text form, and <code>%nested_check NAME</code> details one VM.", "nm-muted")
    return out


def group(title: str, inner: str, opened: str = "") -> str:
    """A bordered ``<details>`` with a bold summary (``title`` already escaped)."""
    return el("details", el("summary", title, "nm-groupsum") + inner, "nm-group", extra=opened)


def report_html(report: Report) -> str:
    return page(report_body(report))


# ---------------------------------------------------------------- fleets


def fleet_row(target: str, report: Report | None) -> str:
    """A host's row; ``report`` None means it has not answered yet."""
    if report is None:
        return (f'<tr {ROW}>{td(verdict_badge("waiting"))}{td(esc(target), "nm-title", "nm-nw")}'
                f'{td("waiting for the host to answer…", "nm-muted", colspan=5)}</tr>')
    if report.error is not None:
        return (f'<tr {ROW}>{td(verdict_badge("error"))}{td(esc(report.target), "nm-title", "nm-nw")}'
                f'{td(esc(report.error), colspan=5)}</tr>')
    c = report.counts()
    build = report.facts.build if report.facts is not None else "?"
    if len(report.vms) <= 3:
        vms = ", ".join(f"{v['name']} {v['verdict']}" for v in report.vms) or "none"
    else:
        vms = f"{len(report.vms)}: " + ", ".join(f"{n} {v}" for v, n in verdict_tally(s["verdict"] for s in report.vms))
    return (f'<tr {ROW}>{td(verdict_badge(report.verdict))}{td(esc(report.target), "nm-title", "nm-nw")}'
            f'{td(esc(report.host), "nm-nw")}{td(esc(build))}{td(f"{c[FAIL]} fail, {c[WARN]} warn", "nm-nw")}'
            f'{td(esc(vms))}{td(esc(problem(report)), "nm-muted")}</tr>')


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
    return table(["Verdict", "Target", "Host", "Build", "Checks", "VMs", "First problem"], body)


def fleet_banner(reports: list[Report], total: int) -> str:
    """Worst verdict and the tally; while hosts are still answering, how many have."""
    answered = len(reports)
    tally = ", ".join(f"{n} {v}" for v, n in verdict_tally(r.verdict for r in reports)) or "none yet"
    if answered < total:
        return banner("waiting", f"Checking {total} hosts: {answered} answered", esc(tally))
    return banner(worst(r.verdict for r in reports), f"Fleet of {total} host{'s' if total != 1 else ''}", esc(tally))


def fleet_rows(targets: list[str], reports: list[Report | None]) -> list[tuple[str, Report | None]]:
    """Answered hosts worst first (stable), then the ones still waiting."""
    rows = list(zip(targets, reports))
    return sorted(rows, key=lambda row: len(VERDICT_ORDER) if row[1] is None else VERDICT_ORDER.index(row[1].verdict))


def fleet_title(report: Report) -> str:
    if report.error is not None:
        return f"{report.target} — ERROR"
    return f"{report.target} — {report.verdict.upper()} — {report.host}"


def fleet_body(targets: list[str], reports: list[Report | None]) -> str:
    rows = fleet_rows(targets, reports)
    out = fleet_banner([r for r in reports if r is not None], len(targets)) + fleet_table(rows)
    for _target, report in rows:
        if report is not None:
            out += group(esc(fleet_title(report)), report_body(report, open_first=False))
    return out


def fleet_html(fleet) -> str:
    return page(fleet_body([r.target for r in fleet.hosts], fleet.hosts))


# ---------------------------------------------------------------- actions and connections


def action_body(result) -> str:
    kind, word = ("pass", "done") if result.ok else ("fail", "refused by Hyper-V")
    return box(kind, f"<b>{esc(result.action)} {esc(result.vm)}: {word}</b><div>{esc(result.message)}</div>")


def action_html(result) -> str:
    return page(action_body(result))


def connect_body(host, default: bool) -> str:
    note = el("div", "The nested magics use this target when no -t is given.", "nm-muted") if default else ""
    return box("info", f"<b>Connected to {esc(host.target)}</b>: {esc(host.describe())}{note}")
