"""The HTML toolkit every view is built with: pure functions returning strings.

Every value that comes from a host (VM names, OS captions, messages) goes through ``esc`` (which also shows
bidi overrides as escapes, as the text views do), because the
notebook and ipywidgets' ``HTML`` insert it with ``innerHTML`` unsanitized. The only script in the output
is the constant ``onclick`` of the copy buttons, which copy the (escaped) text of the code beside them.
Styles are inline (see ``style``), so the views keep their looks where a sanitizer strips ``<style>``.
"""

from __future__ import annotations

import html as _html

from nested_magics.display.text import no_bidi
from nested_magics.display.style import BOX, VERDICT, attrs, status_colours, style_tag, tinted, verdict_solid

LABEL = {"pass": "PASS", "info": "INFO", "warn": "WARN", "fail": "FAIL"}
# Copies the text of the <code> just before the button (so the text travels once, escaped, as content). Where
# the clipboard API is missing (plain http on a classroom address) or refuses, it selects the command instead and
# says to press Ctrl+C; where onclick is stripped (an untrusted notebook), the title says what to do.
COPY_JS = ("var b=this,c=b.previousSibling;function s(){var r=document.createRange();r.selectNodeContents(c);"
           "var g=window.getSelection();g.removeAllRanges();g.addRange(r);b.textContent='Selected: Ctrl+C'}"
           "if(navigator.clipboard&amp;&amp;window.isSecureContext){navigator.clipboard.writeText(c.textContent)"
           ".then(function(){b.textContent='Copied'},s)}else{s()}")
COPY_TITLE = "Copy (if nothing happens: select the command and press Ctrl+C)"


def esc(value) -> str:
    """Host data as inert HTML: markup escaped, bidi overrides shown as escapes (``\\u202e``) so they cannot
    reorder what is shown around them."""
    return "" if value is None else no_bidi(_html.escape(str(value), quote=True))


def page(body: str) -> str:
    """A self-contained fragment: the scoped niceties stylesheet and ``body``."""
    return f'<div {attrs("nm")}>{style_tag()}{body}</div>'


def el(tag: str, inner: str, *classes: str, style: str = "", extra: str = "") -> str:
    """``<tag class style>inner</tag>``; ``inner`` is HTML already escaped by the caller."""
    return f'<{tag} {attrs(*classes, style=style)}{extra}>{inner}</{tag}>'


def table(headers: list[str], rows: str, style: str = "", min_width: int = 560, boxed: bool = True) -> str:
    """A table at least ``min_width`` px wide, in its own sideways-scrolling box (``boxed``), so every column
    can be reached in a narrow window; ``boxed=False`` for a caller that gives it a scroll box of its own."""
    head = "".join(el("th", h, "nm-th") for h in headers)
    out = el("table", f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody>", "nm-table",
             style=f"min-width:{min_width}px" + (f";{style}" if style else ""))
    return el("div", out, "nm-wide") if boxed else out


ROW = attrs("nm-row")


def td(inner: str, *classes: str, colspan: int = 0) -> str:
    return el("td", inner, "nm-td", *classes, extra=f' colspan="{colspan}"' if colspan else "")


def muted(text: str) -> str:
    return el("span", text, "nm-muted")


def name_span(value, *classes: str) -> str:
    """A host's or VM's name for a table cell: cut with an ellipsis when long, the full name on hover."""
    text = esc(value)
    return el("span", text, "nm-name", *classes, extra=f' title="{text}"')


def clamp(value) -> str:
    """Host text for a table cell (a list of VM names, a problem): at most three lines, all of it on hover."""
    text = esc(value)
    return el("div", text, "nm-clamp", extra=f' title="{text}"')


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


NOWRAP_WORD = 40   # a cmdlet or parameter never breaks; a longer word (a 100-character name) wraps anywhere


def code_words(text: str) -> str:
    """Escaped text whose short words never break (``Set-VMProcessor -VMName`` wraps only at spaces)."""
    return " ".join(f'<span style="white-space:nowrap">{esc(word)}</span>' if "-" in word and len(word) <= NOWRAP_WORD
                    else esc(word) for word in text.split(" "))


def command(text: str, column: bool = False) -> str:
    """A command in monospace with a copy button (one click also selects it, for Ctrl+C); a table's ``column``
    of commands keeps room for both (the table scrolls in its box instead)."""
    button = el("button", "Copy", "nm-copy", extra=f' type="button" title="{COPY_TITLE}" onclick="{COPY_JS}"')
    return el("div", el("code", code_words(text), "nm-code") + button, "nm-cmd", *(["nm-cmdcol"] if column else []))


def counts_text(counts: dict) -> str:
    return " · ".join(f"{counts[s]} {s}" for s in ("fail", "warn", "info", "pass"))


def group(title: str, inner: str, opened: str = "") -> str:
    """A bordered ``<details>`` with a bold summary (``title`` already escaped)."""
    return el("details", el("summary", title, "nm-groupsum") + inner, "nm-group", extra=opened)
