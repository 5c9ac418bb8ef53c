"""The readiness dashboard of one host as HTML, pure and escaped: banner, host card, next steps, host
checks, then the VMs worst first (a summary row each, details for the worst few).

The next steps are the front end's (``advise``, see ``display.steps``); without it the dashboard has none.
"""

from __future__ import annotations

import re

from nested_magics.model import collector
from nested_magics.model.report import FAIL, PASS, WARN, Report
from nested_magics.model.sizes import format_size
from nested_magics.display import digest, steps
from nested_magics.display.order import Groups, verdict_tally, worst_first
from nested_magics.display.html.vantage import vantage_html
from nested_magics.display.html.kit import ROW, badge, banner, command, counts_text, el, esc, group, muted, \
    name_span, page, table, td, verdict_badge

HTML_VM_DETAILS = 5    # a host of up to this many VMs shows each VM's checks; a bigger one, one VM per group
ADDRESS = re.compile(r"https://[^\s;]+")    # a public address in a check's source (sources are joined by "; ")


# ---------------------------------------------------------------- checks


def check_row(check) -> str:
    fix = command(check.fix, column=True) if check.fix else muted("—")
    why = (el("div", esc(check.title), "nm-title") + el("div", esc(check.detail), "nm-why")
           + el("div", el("span", esc(check.id), "nm-id") + " · " + source_html(check.source), "nm-src"))
    return f"<tr {ROW}>{td(badge(check.status), 'nm-st')}{td(why)}{td(fix, 'nm-fixcol')}</tr>"


def source_html(source: str) -> str:
    """A check's source, escaped, with each public address a link that opens in a new tab."""
    out, at = [], 0
    for found in ADDRESS.finditer(source):
        url = esc(found.group())
        out.append(esc(source[at:found.start()]))
        out.append(f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>')
        at = found.end()
    return "".join(out) + esc(source[at:])


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


def next_html(report: Report, groups: Groups, advise: steps.Advise | None = None) -> str:
    """The front end's next steps for ``report`` (none without ``advise``)."""
    lines = steps.of(advise, report, "magic", groups)
    if not lines:
        return ""
    return el("div", "<b>Next</b>" + el("ul", "".join(step_html(s) for s in lines), "nm-list"), "nm-next")


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
    return (f'<tr {ROW}>{td(verdict_badge(summary["verdict"]))}{td(el("b", name_span(name)) + " " + muted(where))}'
            f'{td(problems, "nm-prose")}</tr>')


def vm_table(groups: Groups, summaries: list[dict]) -> str:
    """One row per VM (worst first), in a scroll box; a big host (``digest``) gets its VMs grouped by verdict
    and failing checks first, rows for its worst VMs only, and the way to see every VM."""
    big = digest.is_big(groups)
    shown = summaries[:digest.ROWS] if big else summaries
    rows = "".join(vm_row(groups, s) for s in shown)
    out = el("div", table(["Verdict", "VM", "Checks and worst problem"], rows, min_width=480, boxed=False),
             "nm-scroll")
    if not big:
        return out
    return problem_groups_table(groups) + out + el("p", _showing_html(len(summaries), len(shown)), "nm-muted")


def problem_groups_table(groups: Groups) -> str:
    """Every VM counted once: a row per group of VMs with one verdict failing and warning on the same checks."""
    shown, rest = digest.listed(digest.problem_groups(groups))
    rows = "".join(f'<tr {ROW}>{td(verdict_badge(g.verdict))}{td(f"{len(g.names):,}")}{td(esc(g.problems()))}'
                   f'{td(muted(esc(g.examples())))}</tr>' for g in shown)
    if rest:
        rows += f'<tr {ROW}>{td(muted(esc(rest)), colspan=4)}</tr>'
    return table(["Verdict", "VMs", "Checks they fail and warn on", "VMs, for example"], rows)


def _showing_html(total: int, shown: int) -> str:
    """``digest.showing`` for the notebook, its commands in ``<code>``."""
    line = esc(digest.showing(total, shown, "magic"))
    for command_text in ("%nested_check --details", "r = %nested_check", "r.to_dict()"):
        line = line.replace(command_text, f"<code>{command_text}</code>", 1)
    return line


def _detailed(groups: Groups, ordered: list[dict]) -> list[tuple[dict, str]]:
    """The VMs whose checks are shown, with a note: each VM of a small host; the first VM of the worst groups
    of a bigger one (the others of a group fail and warn on the same checks)."""
    if len(ordered) <= HTML_VM_DETAILS:
        return [(s, "") for s in ordered]
    verdicts = {s["name"]: s for s in ordered}
    first = [g for g in digest.problem_groups(groups) if g.fails or g.warns][:digest.DETAILED]
    return [(verdicts[g.names[0]], f" (first of {len(g.names):,} VM(s) failing and warning alike)") for g in first]


def report_top(report: Report, groups: Groups, advise: steps.Advise | None = None) -> str:
    """Banner, host card, next steps and host checks: the part of the dashboard above the VMs."""
    if report.error is not None:
        return report_banner(report, groups)
    return (report_banner(report, groups) + vantage_html(report.vantage) + host_card(report)
            + next_html(report, groups, advise)
            + el("h4", "Host checks", "nm-h") + checks_table(groups.host))


def report_body(report: Report, groups: Groups | None = None, open_first: bool = True,
                advise: steps.Advise | None = None) -> str:
    """The whole static dashboard (without the stylesheet)."""
    with collector.paused():           # a big host's report: many objects, no cycles (see model.collector)
        return _body(report, groups or Groups(report), open_first, advise)


def _body(report: Report, groups: Groups, open_first: bool, advise: steps.Advise | None) -> str:
    out = report_top(report, groups, advise)
    if report.error is not None or not report.vms:
        return out
    ordered = groups.vms_worst_first()
    out += el("h4", f"VMs ({len(ordered):,}, worst first)", "nm-h")
    if len(ordered) > 1:
        out += vm_table(groups, ordered)
    shown = [(s, "") for s in ordered] if report.details else _detailed(groups, ordered)
    for i, (summary, note) in enumerate(shown):
        opened = " open" if open_first and i == 0 and summary["verdict"] != "ready" or len(ordered) == 1 else ""
        out += group(esc(vm_group_title(groups, summary) + note), checks_table(groups.checks(summary["name"])),
                     opened)
    if len(ordered) > len(shown) and not digest.is_big(groups):
        out += el("p", f"Checks above for the first VM of each kind of problem; <code>%nested_check NAME</code> "
                  "shows one VM, <code>%nested_check --details</code> every check of every VM.", "nm-muted")
    return out


def report_html(report: Report, advise: steps.Advise | None = None) -> str:
    return page(report_body(report, advise=advise))
