"""One-box views as HTML, pure and escaped: what a VM action did, and what ``%nested_connect`` reached."""

from __future__ import annotations

from nested_magics.display.html.kit import box, el, esc, page


def action_body(result) -> str:
    kind, word = ("pass", "done") if result.ok else ("fail", "refused by Hyper-V")
    return box(kind, f"<b>{esc(result.action)} {esc(result.vm)}: {word}</b><div>{esc(result.message)}</div>")


def action_html(result) -> str:
    return page(action_body(result))


def connect_body(host, default: bool) -> str:
    note = el("div", "The nested magics use this target when no -t is given.", "nm-muted") if default else ""
    return box("info", f"<b>Connected to {esc(host.target)}</b>: {esc(host.describe())}{note}")
