"""HTML views as pure functions returning strings.

Every value that comes from a host (VM names, OS captions, messages) goes through ``esc``, because the
notebook and ipywidgets' ``HTML`` insert it with ``innerHTML`` unsanitized. The only script in the output
is the constant ``onclick`` of the copy buttons; the text they copy travels in an escaped attribute.
"""

from __future__ import annotations

import html as _html

from ..report import FAIL, PASS, VERDICT_ORDER, Report, worst
from ..sizes import format_size
from .advice import next_steps
from .order import Groups, verdict_tally, worst_first
from .style import style_tag

LABEL = {"pass": "PASS", "info": "INFO", "warn": "WARN", "fail": "FAIL"}
HTML_VM_DETAILS = 25   # the static form details this many VMs (worst first); the text form has them all
COPY_JS = ("var b=this;try{navigator.clipboard.writeText(b.dataset.copy).then(function(){b.textContent='Copied'},"
           "function(){b.textContent='Select + Ctrl+C'})}catch(e){b.textContent='Select + Ctrl+C'}")


def esc(value) -> str:
    return "" if value is None else _html.escape(str(value), quote=True)


def page(body: str) -> str:
    """A self-contained fragment: the scoped stylesheet and ``body``."""
    return f'<div class="nm">{style_tag()}{body}</div>'


# ---------------------------------------------------------------- small pieces


def badge(status: str) -> str:
    return f'<span class="nm-badge nm-{esc(status)}">{LABEL[status]}</span>'


def verdict_badge(verdict: str) -> str:
    return f'<span class="nm-verdict nm-v-{esc(verdict)}">{esc(verdict.upper())}</span>'


def banner(verdict: str, head: str, sub: str = "") -> str:
    """The coloured strip a view opens with; ``head``/``sub`` are already-escaped HTML."""
    sub_html = f'<div class="nm-sub">{sub}</div>' if sub else ""
    return (f'<div class="nm-banner nm-v-{esc(verdict)}">{verdict_badge(verdict)}'
            f'<span class="nm-head">{head}</span>{sub_html}</div>')


def code_words(text: str) -> str:
    """Escaped text whose words never break (``Set-VMProcessor -VMName`` wraps only at spaces)."""
    return " ".join(f"<span>{esc(word)}</span>" if "-" in word else esc(word) for word in text.split(" "))


def command(text: str) -> str:
    """A command in monospace with a copy button (one click also selects it, for Ctrl+C)."""
    return (f'<div class="nm-cmd"><code class="nm-code">{code_words(text)}</code>'
            f'<button type="button" class="nm-copy" title="Copy to the clipboard" data-copy="{esc(text)}" '
            f'onclick="{COPY_JS}">Copy</button></div>')


def counts_text(counts: dict) -> str:
    return " · ".join(f"{counts[s]} {s}" for s in ("fail", "warn", "info", "pass"))


# ---------------------------------------------------------------- checks


def check_row(check) -> str:
    fix = command(check.fix) if check.fix else '<span class="nm-muted">—</span>'
    return (f'<tr><td class="nm-st">{badge(check.status)}</td>'
            f'<td><div class="nm-title">{esc(check.title)}</div><div class="nm-why">{esc(check.detail)}</div>'
            f'<div class="nm-src"><span class="nm-id">{esc(check.id)}</span> · {esc(check.source)}</div></td>'
            f'<td class="nm-fixcol">{fix}</td></tr>')


def _checks_table(rows: str) -> str:
    return ('<table class="nm-table"><thead><tr><th>Status</th><th>Check, why and source</th><th>Fix</th></tr></thead>'
            f'<tbody>{rows}</tbody></table>')


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
        out += (f'<details class="nm-fold"><summary>{label}: '
                f'{esc(" · ".join(c.title for c in passes[:4]))}{" …" if len(passes) > 4 else ""}</summary>'
                f'{_checks_table("".join(check_row(c) for c in passes))}</details>')
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
    cells = "".join(f'<div><span class="nm-k">{esc(k)}</span>{esc(v)}</div>' for k, v in items)
    return f'<div class="nm-card">{cells}</div>'


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
            return f"<li>{esc(step[:at].rstrip())}{command(step[at:])}</li>"
    return f"<li>{esc(step)}</li>"


def next_html(report: Report, groups: Groups) -> str:
    steps = next_steps(report, "magic", groups)
    return f'<div class="nm-next"><b>Next</b><ul>{"".join(step_html(s) for s in steps)}</ul></div>' if steps else ""


def vm_group_title(groups: Groups, summary: dict) -> str:
    """``myVM — FIXABLE — 2 fail, 2 warn: <worst title>`` as plain text (for Accordion titles too)."""
    counts = groups.counts(summary["name"])
    tally = f"{counts['fail']} fail, {counts['warn']} warn"
    head = groups.headline(summary["name"])
    return f"{summary['name']} — {summary['verdict'].upper()} — {tally}{': ' + head if head else ''}"


def vm_row(groups: Groups, summary: dict) -> str:
    name = summary["name"]
    vm = groups.vm_facts.get(name)
    state = esc(vm.state) if vm else '<span class="nm-muted">missing</span>'
    nesting = ("on" if vm.nesting else "off") if vm else "—"
    counts = groups.counts(name)
    return (f'<tr><td>{verdict_badge(summary["verdict"])}</td><td class="nm-title">{esc(name)}</td><td>{state}</td>'
            f'<td>{nesting}</td><td>{counts["fail"]}</td><td>{counts["warn"]}</td>'
            f'<td class="nm-muted">{esc(groups.headline(name))}</td></tr>')


def vm_table(groups: Groups, summaries: list[dict]) -> str:
    """One row per VM (worst first), in a scroll box: quick to read and to draw for 1,000 VMs."""
    rows = "".join(vm_row(groups, s) for s in summaries)
    return ('<div class="nm-scroll"><table class="nm-table"><thead><tr><th>Verdict</th><th>VM</th><th>State</th>'
            f'<th>Nesting</th><th>Fail</th><th>Warn</th><th>Worst problem</th></tr></thead><tbody>{rows}</tbody>'
            '</table></div>')


def report_top(report: Report, groups: Groups) -> str:
    """Banner, host card, next steps and host checks: the part of the dashboard above the VMs."""
    if report.error is not None:
        return report_banner(report, groups)
    return (report_banner(report, groups) + host_card(report) + next_html(report, groups)
            + '<h4 class="nm-h">Host checks</h4>' + checks_table(groups.host))


def report_body(report: Report, groups: Groups | None = None, open_first: bool = True) -> str:
    """The whole static dashboard (without the stylesheet)."""
    groups = groups or Groups(report)
    out = report_top(report, groups)
    if report.error is not None or not report.vms:
        return out
    ordered = groups.vms_worst_first()
    out += f'<h4 class="nm-h">VMs ({len(ordered)}, worst first)</h4>'
    if len(ordered) > 1:
        out += vm_table(groups, ordered)
    shown = ordered[:HTML_VM_DETAILS]
    for i, summary in enumerate(shown):
        opened = " open" if open_first and i == 0 and summary["verdict"] != "ready" or len(ordered) == 1 else ""
        out += (f'<details class="nm-group"{opened}><summary>{esc(vm_group_title(groups, summary))}</summary>'
                f'{checks_table(groups.checks(summary["name"]))}</details>')
    if len(ordered) > len(shown):
        out += (f'<p class="nm-muted">Details above for the {len(shown)} worst of {len(ordered)} VMs; every check of '
                'every VM is in the text form, and <code>%nested_check NAME</code> details one VM.</p>')
    return out


def report_html(report: Report) -> str:
    return page(report_body(report))


# ---------------------------------------------------------------- fleets


def fleet_row(target: str, report: Report | None) -> str:
    """A host's row; ``report`` None means it has not answered yet."""
    if report is None:
        return (f'<tr><td>{verdict_badge("waiting")}</td><td class="nm-title">{esc(target)}</td>'
                '<td colspan="5" class="nm-muted">waiting for the host to answer…</td></tr>')
    if report.error is not None:
        return (f'<tr><td>{verdict_badge("error")}</td><td class="nm-title">{esc(report.target)}</td>'
                f'<td colspan="5">{esc(report.error)}</td></tr>')
    c = report.counts()
    build = report.facts.build if report.facts is not None else "?"
    if len(report.vms) <= 3:
        vms = ", ".join(f"{v['name']} {v['verdict']}" for v in report.vms) or "none"
    else:
        vms = f"{len(report.vms)}: " + ", ".join(f"{n} {v}" for v, n in verdict_tally(s["verdict"] for s in report.vms))
    return (f'<tr><td>{verdict_badge(report.verdict)}</td><td class="nm-title nm-nw">{esc(report.target)}</td>'
            f'<td class="nm-nw">{esc(report.host)}</td><td>{esc(build)}</td>'
            f'<td class="nm-nw">{c["fail"]} fail, {c["warn"]} warn</td>'
            f'<td>{esc(vms)}</td><td class="nm-muted">{esc(problem(report))}</td></tr>')


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
    return ('<table class="nm-table"><thead><tr><th>Verdict</th><th>Target</th><th>Host</th><th>Build</th>'
            f'<th>Checks</th><th>VMs</th><th>First problem</th></tr></thead><tbody>{body}</tbody></table>')


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
            out += (f'<details class="nm-group"><summary>{esc(fleet_title(report))}</summary>'
                    f'{report_body(report, open_first=False)}</details>')
    return out


def fleet_html(fleet) -> str:
    return page(fleet_body([r.target for r in fleet.hosts], fleet.hosts))


# ---------------------------------------------------------------- actions and connections


def action_body(result) -> str:
    cls, word = ("pass", "done") if result.ok else ("fail", "refused by Hyper-V")
    return (f'<div class="nm-box nm-{cls}"><b>{esc(result.action)} {esc(result.vm)}: {word}</b>'
            f'<div>{esc(result.message)}</div></div>')


def action_html(result) -> str:
    return page(action_body(result))


def connect_body(host, default: bool) -> str:
    note = '<div class="nm-muted">The nested magics use this target when no -t is given.</div>' if default else ""
    return f'<div class="nm-box nm-info"><b>Connected to {esc(host.target)}</b>: {esc(host.describe())}{note}</div>'
