"""HTML of the enable flow, pure and escaped: the plan table, a refusal, and what applying did."""

from __future__ import annotations

from nested_magics.model.plan import show
from nested_magics.display import steps
from nested_magics.display.html.kit import ROW, box, command, el, esc, muted, page, table, td, verdict_badge
from nested_magics.display.html.report import report_body
from nested_magics.display.style import status_colours

OUTCOME = {"running": ("info", "running"), "done": ("pass", "applied"), "failed": ("fail", "failed"),
           "skipped": ("", "not run")}


def outcome_cell(state: str) -> str:
    kind, word = OUTCOME[state]
    return td(el("span", word, "nm-badge", f"nm-{kind}", style=status_colours(kind)) if kind else muted(word))


def plan_table(changes: list, outcomes: dict | None = None) -> str:
    """Change, before → after, the PowerShell it runs, reversible or not (and, once run, its outcome)."""
    rows = []
    for i, c in enumerate(changes, 1):
        rev = "yes" if c.reversible else el("span", "NO: cannot be undone", "nm-irrev")
        change = (el("div", esc(c.id), "nm-title") + el("div", f"{esc(c.setting)}: {esc(show(c.setting, c.before))}"
                  + el("span", "→", "nm-arrow") + esc(show(c.setting, c.after)), "nm-why"))
        outcome = outcome_cell(outcomes.get(c.id, "skipped")) if outcomes is not None else ""
        rows.append(f"<tr {ROW}>{td(str(i))}{td(change)}{td(command(c.powershell, column=True), 'nm-fixcol')}{td(rev)}{outcome}</tr>")
    headers = ["#", "Change: before → after", "PowerShell it runs", "Reversible"]
    return table(headers + (["Outcome"] if outcomes is not None else []), "".join(rows), min_width=720)


def refusal_box(refusal) -> str:
    return box("fail", f"<b>Refused ({esc(refusal.id)})</b>: {esc(refusal.message)}<br>{muted('Nothing was changed.')}")


def plan_head(plan) -> str:
    return el("h4", f"Plan: enable nesting on {esc(plan.vm)} ({esc(plan.host_name)})", "nm-h")


def plan_body(plan) -> str:
    if plan.refused is not None:
        out = plan_head(plan) + refusal_box(plan.refused)
        if plan.changes:
            out += el("p", "Once allowed, it would make these changes:", "nm-muted") + plan_table(plan.changes)
        return out
    if not plan.changes:
        return plan_head(plan) + box("pass", "Nothing to change: nesting is already set up.")
    return plan_head(plan) + plan_table(plan.changes)


def plan_html(plan) -> str:
    return page(plan_body(plan))


def apply_body(result, advise: steps.Advise | None = None) -> str:
    """What ran, what failed, the verdict before → after and the VM's checks now (with ``advise``'s next steps)."""
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
            out += box("fail", f"<b>Failed at {esc(failed.id)}</b>: {esc(failed.message)}")
    before, after = result.before, result.after
    if after is not None:
        if before is not None and before is not after:
            head = f"{esc(plan.vm)}: {verdict_badge(before.verdict)}{el('span', '→', 'nm-arrow')}{verdict_badge(after.verdict)}"
            out += box("pass" if after.verdict == "ready" else "info", head)
        out += el("h4", "After", "nm-h") + report_body(after, advise=advise)
    return out


def apply_html(result, advise: steps.Advise | None = None) -> str:
    return page(apply_body(result, advise))
