"""Plain-text views: the CLI's output, and the text/plain form every notebook object carries.

The next steps come from the front end: ``advise`` (see ``steps``); without it a report has none.

Host data cannot forge output: every line a view returns goes through ``clean`` (in ``_join``), which shows
control characters, ANSI escapes, bidi overrides and newlines inside a value as escapes (``\\x1b``, ``\\u202e``,
``\\n``), so a VM called ``"evil\\nPASS  host.cpu"`` cannot add a line. No view writes colour codes."""

from __future__ import annotations

from nested_magics.model import collector
from nested_magics.model.plan import show
from nested_magics.model.report import FAIL, WARN, FleetReport, Report
from nested_magics.model.sizes import format_size
from nested_magics.display import digest, steps
from nested_magics.display.order import Groups
from nested_magics.display.vantage import vantage_lines

LABEL = {"pass": "PASS", "info": "INFO", "warn": "WARN", "fail": "FAIL"}

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Bidi embeddings, overrides and isolates, the marks, and the separators some terminals break lines at.
_UNSAFE_FORMAT = {0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x20 or 0x7F <= code < 0xA0 or code in _UNSAFE_FORMAT:
        return _NAMED.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return ch


_TABLE = {code: _escape(chr(code)) for code in (*range(0x20), *range(0x7F, 0xA0), *_UNSAFE_FORMAT)}


def clean(value) -> str:
    """``value`` as one line of inert text: control characters (ANSI escapes start with one), bidi overrides and
    line breaks become visible escapes; everything else, backslashes included, is kept (so it is idempotent)."""
    return str(value).translate(_TABLE)


_BIDI_TABLE = {code: _TABLE[code] for code in _UNSAFE_FORMAT}


def no_bidi(value: str) -> str:
    """``value`` with its bidi overrides, isolates and marks shown as escapes, as ``clean`` shows them: what the
    HTML views apply to host data (markup is escaped there; these would reorder the text around them)."""
    return value.translate(_BIDI_TABLE)


def _join(lines: list[str]) -> str:
    """The view's lines, each cleaned: a line break inside a host's value can never start a line of its own."""
    return "\n".join(clean(line) for line in lines)


def host_summary(report: Report) -> str:
    facts = report.facts
    if facts is None:
        return f"{report.host} ({report.target})"
    os_ = facts.os.caption or "Windows"
    cpu = facts.cpu.model or facts.cpu.vendor or "unknown CPU"
    memory = format_size(facts.memory.total_bytes) if facts.memory and facts.memory.total_bytes else "memory unknown"
    return (f"{report.host} ({report.target}): {os_}, build {facts.build}, profile {report.profile}; "
            f"{cpu}; {memory}; {len(facts.vms)} VM(s)")


LINE = 200   # a summary line longer than this is split after the target (``--quiet`` lines stay readable)


def _summary_lines(report: Report) -> list[str]:
    """The host summary, split after the target when it is longer than ``LINE``."""
    summary, head = host_summary(report), f"{report.host} ({report.target})"
    if len(summary) <= LINE or not summary.startswith(head + ": "):
        return [summary]
    return [head, "  " + summary[len(head) + 2:]]


def check_line(check, width: int = 22) -> str:
    where = f"[{check.vm}] " if check.vm else ""
    return f"{LABEL[check.status]}  {check.id:<{width}} {where}{check.title}"


def _vm_verdicts(report: Report) -> str:
    """Each VM and its verdict, or, for many VMs or long names, how many have each verdict (a line stays short)."""
    vms = report.vms
    named = ", ".join(f"{v['name']} {v['verdict']}" for v in vms)
    if not vms:
        unlisted = report.facts is not None and report.facts.unread(("vms",)) is not None
        return "the VMs could not be listed" if unlisted else "no VMs"
    if len(vms) <= 4 and len(named) <= 120:
        return named
    counts = {verdict: sum(v["verdict"] == verdict for v in vms) for verdict in ("blocked", "fixable", "ready")}
    return f"{len(vms):,} VMs: " + ", ".join(f"{n:,} {verdict}" for verdict, n in counts.items() if n)


def render_report(report: Report, style: str = "cli", quiet: bool = False, details: bool = False,
                  advise: steps.Advise | None = None) -> str:
    """One line per check led by PASS/INFO/WARN/FAIL, then the verdict and the next step. A big host (see
    ``digest``) shows its host checks, its VMs grouped, its worst VMs and how to see the rest; ``details``
    (or ``report.details``) shows every check of every VM with its why and source."""
    if report.error is not None:
        return clean(f"ERROR  {report.target}: {report.error}")
    with collector.paused():           # a big host's report: many objects, no cycles (see model.collector)
        return _report_text(report, style, quiet, details or report.details, advise)


def _report_text(report: Report, style: str, quiet: bool, details: bool, advise: steps.Advise | None) -> str:
    groups = Groups(report)
    lines = _summary_lines(report) + vantage_lines(report.vantage, brief=quiet)
    if not quiet:
        if details or not digest.is_big(groups):
            lines.extend(_check_lines(report.checks, details))
        else:
            lines.extend(_digest_lines(groups, style))
    lines.append(f"Verdict: {report.verdict.upper()} ({_vm_verdicts(report)})")
    if advise is not None:
        lines.extend(f"Next: {step}" for step in steps.of(advise, report, style, groups))
    return _join(lines)


def _check_lines(checks, details: bool) -> list[str]:
    lines = []
    for check in checks:
        lines.append(check_line(check))
        if details:
            lines.append(f"        why: {check.detail}")
            lines.append(f"        source: {check.source}")
        if check.fix and (details or check.status in (FAIL, WARN)):
            lines.append(f"        fix: {check.fix}")
    return lines


def _digest_lines(groups: Groups, style: str) -> list[str]:
    """A big host: host checks, VMs by verdict and failing checks, the worst VMs a line each, the checks of the
    worst VM of the first groups, and the way to every check of every VM."""
    lines = _check_lines(groups.host, False)
    found = digest.problem_groups(groups)
    shown, rest = digest.listed(found)
    lines.append(f"VMs by verdict and the checks they fail ({len(groups.report.vms):,} VMs in {len(found):,} "
                 f"group{'s' if len(found) != 1 else ''}):")
    lines.extend(f"  {g.verdict.upper():<8} {len(g.names):>6,} VMs: {g.problems()} ({g.examples()})" for g in shown)
    if rest:
        lines.append(f"  {rest}")
    ordered = groups.vms_worst_first()[:digest.ROWS]
    width = min(max(len(s["name"]) for s in ordered), 40)
    lines.append(f"The {len(ordered):,} VMs that need attention most:")
    for summary in ordered:
        counts, head = groups.counts(summary["name"]), groups.headline(summary["name"])
        lines.append(f"  {summary['verdict'].upper():<8} {summary['name']:<{width}}  {counts[FAIL]} fail, "
                     f"{counts[WARN]} warn{': ' + head if head else ''}")
    for g in shown[:digest.DETAILED]:
        if g.fails or g.warns:
            lines.append(f"Checks of {g.names[0]}, first of a group of {len(g.names):,} VM(s) ({g.verdict}):")
            lines.extend(_check_lines(groups.checks(g.names[0]), False))
    lines.append(digest.showing(len(groups.report.vms), len(ordered), style))
    return lines


def render_fleet(fleet: FleetReport, style: str = "cli", quiet: bool = False, every: bool = False,
                 advise: steps.Advise | None = None) -> str:
    """A line per host, worst first, then the reports of the hosts that are not ready (``every``: all)."""
    width = max((len(r.target) for r in fleet.hosts), default=10)
    lines = [f"Fleet of {len(fleet.hosts)} host(s): {fleet.verdict.upper()}"]
    order = sorted(fleet.hosts, key=lambda r: ("error", "blocked", "fixable", "ready").index(r.verdict))
    for r in order:
        if r.error is not None:
            lines.append(f"  {r.verdict.upper():<8} {r.target:<{width}}  {r.error}")
            continue
        c = r.counts()
        vms = _vm_verdicts(r)
        lines.append(f"  {r.verdict.upper():<8} {r.target:<{width}}  {r.host}, build {r.facts.build if r.facts else '?'}: "
                     f"{c['fail']} fail, {c['warn']} warn; {vms}")
    if not quiet:
        for r in order:
            if r.error is None and (every or r.verdict != "ready"):
                lines.append("")
                lines.extend(render_report(r, style, advise=advise).split("\n"))
    return _join(lines)


def render_plan(plan, with_reason: bool = True) -> str:
    """``with_reason=False``: a refusal's message is said elsewhere (the CLI's one stderr line)."""
    head = f"Plan for {plan.vm} on {plan.host_name}:"
    if plan.refused is not None:
        lines = [head + f" REFUSED ({plan.refused.id})"] + ([f"  {plan.refused.message}"] if with_reason else [])
        if plan.changes:
            lines.append("  It would make these changes once allowed:")
            lines.extend(f"    {c.id}: {c.describe()}" for c in plan.changes)
        return _join(lines)
    if not plan.changes:
        return clean(head + " nothing to change: nesting is already set up.")
    lines = [head]
    for i, c in enumerate(plan.changes, 1):
        rev = "reversible" if c.reversible else "NOT reversible"
        lines.append(f"  {i}. {c.id:<22} {c.describe()}  ({rev})")
        lines.append(f"     PS> {c.powershell}")
    return _join(lines)


def render_apply(result, style: str = "cli", advise: steps.Advise | None = None) -> str:
    """The plan, what was applied (or why nothing was), and the VM's report after.

    In the CLI the reason for changing nothing is already the one line on stderr, so it is not
    repeated; nor is the report, which nothing changed."""
    said = style == "cli" and result.failed is not None and result.failed is result.plan.refused
    lines = render_plan(result.plan, with_reason=not said).split("\n")
    if result.failed is not None and not result.applied and (
            result.failed.id in ("host", "consent", "stale") or result.plan.refused):
        lines.append("Nothing was changed." if style == "cli" else f"Nothing was changed: {result.failed.message}")
        if style == "cli":
            return _join(lines)
    else:
        for c in result.applied:
            lines.append(f"  applied  {c.id}: {show(c.setting, c.before)} → {show(c.setting, c.after)}")
        if result.failed is not None:
            lines.append(f"  FAILED   {result.failed.id}: {result.failed.message}")
    if result.before is not None and result.after is not None and result.before is not result.after:
        lines.append(f"Verdict: {result.before.verdict} → {result.after.verdict}")
    if result.after is not None:
        lines.append("After:")
        lines.extend(render_report(result.after, style, advise=advise).split("\n"))   # lines stay led by PASS/WARN/...
    return _join(lines)


def render_tree(node, prefix: str = "") -> str:
    """L0 → L1 → L2 ... with state and nesting badges, as an indented tree."""
    lines = [_tree_label(node)]
    _tree_children(node, "", lines)
    return _join(lines)


def _tree_label(node) -> str:
    if node.kind == "host":
        hv = "Hyper-V running" if node.nesting and node.hyperv else "Hyper-V not running"
        return f"L0 {node.name} (host, build {node.build}; {hv})"
    nesting = "nesting on" if node.nesting else "nesting off"
    inside = {True: "Hyper-V inside", False: "no Hyper-V inside", None: "guest unknown"}[node.hyperv]
    return f"L{node.level} {node.name} [{node.state}; {nesting}; {inside}]"


def _tree_children(node, indent: str, lines: list[str]) -> None:
    for i, child in enumerate(node.children):
        last = i == len(node.children) - 1
        lines.append(f"{indent}{'└── ' if last else '├── '}{_tree_label(child)}")
        _tree_children(child, indent + ("    " if last else "│   "), lines)


def render_action(result) -> str:
    status = "done" if result.ok else "refused by Hyper-V"
    return clean(f"{result.action} {result.vm}: {status}: {result.message}")
