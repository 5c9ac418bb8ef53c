"""HTML of the enable flow, pure and escaped: the plan table, a refusal, and what applying did."""

from __future__ import annotations

from ..plan import show
from .html import command, esc, page, report_body, verdict_badge


OUTCOME = {"planned": ("", ""), "running": ("info", "running"), "done": ("pass", "applied"),
           "failed": ("fail", "failed"), "skipped": ("", "not run")}


def plan_table(changes: list, outcomes: dict | None = None) -> str:
    """Change, before → after, the PowerShell it runs, reversible or not (and, once run, its outcome)."""
    rows = []
    for i, c in enumerate(changes, 1):
        rev = "yes" if c.reversible else '<span class="nm-irrev">NO: cannot be undone</span>'
        outcome = ""
        if outcomes is not None:
            cls, word = OUTCOME[outcomes.get(c.id, "skipped")]
            outcome = f'<td><span class="nm-badge nm-{cls}">{word}</span></td>' if cls else f'<td class="nm-muted">{word}</td>'
        rows.append(f'<tr><td>{i}</td><td><div class="nm-title">{esc(c.id)}</div><div class="nm-why">{esc(c.setting)}: '
                    f'{esc(show(c.setting, c.before))}<span class="nm-arrow">→</span>{esc(show(c.setting, c.after))}'
                    f'</div></td><td class="nm-fixcol">{command(c.powershell)}</td><td>{rev}</td>{outcome}</tr>')
    extra = "<th>Outcome</th>" if outcomes is not None else ""
    return ('<table class="nm-table"><thead><tr><th>#</th><th>Change: before → after</th><th>PowerShell it runs</th>'
            f'<th>Reversible</th>{extra}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def refusal_box(refusal) -> str:
    return (f'<div class="nm-box nm-fail"><b>Refused ({esc(refusal.id)})</b>: {esc(refusal.message)}<br>'
            '<span class="nm-muted">Nothing was changed.</span></div>')


def plan_head(plan) -> str:
    return f'<h4 class="nm-h">Plan: enable nesting on {esc(plan.vm)} ({esc(plan.host_name)})</h4>'


def plan_body(plan) -> str:
    if plan.refused is not None:
        out = plan_head(plan) + refusal_box(plan.refused)
        if plan.changes:
            out += '<p class="nm-muted">Once allowed, it would make these changes:</p>' + plan_table(plan.changes)
        return out
    if not plan.changes:
        return plan_head(plan) + '<div class="nm-box nm-pass">Nothing to change: nesting is already set up.</div>'
    return plan_head(plan) + plan_table(plan.changes)


def plan_html(plan) -> str:
    return page(plan_body(plan))


def apply_body(result) -> str:
    """What ran, what failed, the verdict before → after and the VM's checks now."""
    plan = result.plan
    out = plan_head(plan)
    failed = result.failed
    if failed is not None and (failed.id in ("host", "consent", "stale") or plan.refused is not None):
        out += refusal_box(failed)
    else:
        outcomes = {c.id: "done" for c in result.applied}
        if failed is not None:
            outcomes[failed.id] = "failed"
        out += plan_table(plan.changes, outcomes) if plan.changes else ""
        if failed is not None:
            out += f'<div class="nm-box nm-fail"><b>Failed at {esc(failed.id)}</b>: {esc(failed.message)}</div>'
    before, after = result.before, result.after
    if after is not None:
        if before is not None and before is not after:
            head = (f"{esc(plan.vm)}: {verdict_badge(before.verdict)}<span class=\"nm-arrow\">→</span>"
                    f"{verdict_badge(after.verdict)}")
            out += f'<div class="nm-box nm-{"pass" if after.verdict == "ready" else "info"}">{head}</div>'
        out += '<h4 class="nm-h">After</h4>' + report_body(after)
    return out


def apply_html(result) -> str:
    return page(apply_body(result))
