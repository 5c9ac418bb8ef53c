"""How the HTML views look, as inline styles.

Inline, because a notebook opened before it is trusted (a tutorial on Binder, GitHub's viewer) strips
``<style>`` blocks but keeps ``style`` attributes. No CSS variables either (sanitizers drop them):
neutral lines and tints are translucent grey, so they read on JupyterLab's light and dark themes;
status colours are fixed (pass green, info blue, warn amber, fail red) on light tints with dark text.
Secondary text is the surrounding text colour at 72 % (``color-mix`` with ``currentColor``), so it reads at
better than 4.5:1 on light and dark themes alike; where a sanitizer drops it, the text is simply not muted.
Wide tables scroll inside their own box (``nm-wide``) and keep a minimum width; names wrap anywhere, or in a
table cell are cut with an ellipsis and carry their full text as a ``title``. The small ``<style>`` block only
adds what inline styles cannot say (row hover, sticky headers, focus rings) where it survives.
"""

from __future__ import annotations

INK = "#1f2328"            # text on the light tints
MUTED = "color-mix(in srgb,currentColor 72%,transparent)"   # secondary text: the text colour, lighter
LINE = "rgba(128,128,128,.38)"
FAINT = "rgba(128,128,128,.2)"
TINT = "rgba(128,128,128,.09)"
MONO = "font-family:Menlo,Consolas,monospace"

# status: (text, background, border)
STATUS = {"pass": ("#116329", "#dafbe1", "#4ac26b"), "info": ("#0550ae", "#ddf4ff", "#54aeff"),
          "warn": ("#7d4e00", "#fff8c5", "#d4a72c"), "fail": ("#a40e26", "#ffebe9", "#ff8182"),
          "none": (MUTED, "transparent", LINE)}
# verdict: (solid, tint)
VERDICT = {"ready": ("#1a7f37", "#eefbf1"), "fixable": ("#9a6700", "#fff8e1"), "blocked": ("#cf222e", "#fff0ee"),
           "error": ("#82071e", "#fff0ee"), "waiting": ("#6e7781", "#f6f8fa")}
BOX = {"pass": VERDICT["ready"], "fail": VERDICT["blocked"], "info": ("#0969da", "#f1f8ff")}

STYLES = {
    "nm": "font-family:system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:13px;"
          "line-height:1.45;max-width:1120px;text-align:left;overflow-wrap:anywhere",
    "nm-banner": "display:flex;align-items:center;flex-wrap:wrap;gap:6px 12px;padding:10px 14px;border-radius:6px;"
                 f"margin:0 0 10px;color:{INK}",
    "nm-head": "font-size:15px;font-weight:600",
    "nm-sub": f"flex-basis:100%;color:{MUTED};font-size:12px",
    "nm-verdict": "display:inline-block;font-weight:700;font-size:12px;padding:2px 10px;border-radius:4px;"
                  "color:#ffffff;white-space:nowrap",
    "nm-badge": "display:inline-block;min-width:46px;text-align:center;font-size:11px;font-weight:700;"
                "padding:1px 6px;border-radius:10px;white-space:nowrap",
    "nm-card": f"display:flex;flex-wrap:wrap;gap:6px 28px;padding:8px 12px;margin:0 0 10px;border:1px solid {LINE};"
               "border-radius:6px",
    "nm-cell": "max-width:340px;overflow-wrap:anywhere",
    "nm-k": f"display:block;font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:{MUTED}",
    "nm-next": f"margin:0 0 12px;padding:8px 12px;border-radius:6px;background:{TINT};border:1px solid {LINE}",
    "nm-list": "margin:4px 0 0;padding-left:18px",
    "nm-item": "margin:3px 0",
    "nm-h": "font-size:13px;font-weight:600;margin:14px 0 6px;padding:0",
    "nm-table": "border-collapse:collapse;width:100%;margin:0;table-layout:auto;font-size:13px;border:none",
    # the box a table scrolls in sideways: it never widens what holds it (contain), the table keeps its min-width
    "nm-wide": "overflow-x:auto;max-width:100%;contain:inline-size;margin:0 0 8px",
    "nm-name": "display:inline-block;max-width:12em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;"
               "vertical-align:bottom",
    "nm-th": f"text-align:left;font-weight:600;font-size:11px;text-transform:uppercase;letter-spacing:.04em;"
             f"color:{MUTED};border-bottom:1px solid {LINE};padding:4px 8px;white-space:nowrap",
    "nm-row": f"border-bottom:1px solid {FAINT}",
    "nm-td": "text-align:left;vertical-align:top;padding:6px 8px",
    "nm-st": "width:64px",
    "nm-nw": "white-space:nowrap",
    "nm-prose": "min-width:9em",    # a column of sentences: never squeezed to a word per line
    "nm-clamp": "display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:3;overflow:hidden",
    "nm-fixcol": "width:40%",
    "nm-title": "font-weight:600",
    "nm-why": f"color:{MUTED};font-size:12px;margin-top:2px",
    "nm-src": f"color:{MUTED};font-size:11px;margin-top:3px;font-style:italic",
    "nm-id": f"{MONO};font-size:11px;font-style:normal",
    "nm-muted": f"color:{MUTED}",
    "nm-cmd": "display:flex;align-items:flex-start;gap:6px",
    "nm-cmdcol": "min-width:27em",   # in a table column: a quoted VM id and the Copy button fit side by side
    "nm-code": f"{MONO};flex:1 1 auto;display:block;font-size:12px;color:inherit;background:{TINT};"
               f"border:1px solid {LINE};border-radius:4px;padding:3px 6px;white-space:pre-wrap;user-select:all",
    "nm-copy": f"flex:none;font-size:11px;padding:3px 8px;border-radius:4px;cursor:pointer;color:inherit;"
               f"background:transparent;border:1px solid {LINE}",
    "nm-fold": "margin:2px 0 8px",
    "nm-foldsum": f"cursor:pointer;color:{MUTED};font-size:12px;padding:2px 0",
    "nm-group": f"border:1px solid {LINE};border-radius:6px;margin:6px 0;padding:0 10px",
    "nm-groupsum": "cursor:pointer;padding:7px 0;font-weight:600",
    "nm-scroll": f"max-height:360px;overflow-y:auto;overflow-x:auto;border:1px solid {LINE};border-radius:6px;"
                 "margin:0 0 8px;contain:inline-size",
    "nm-box": f"padding:8px 12px;border-radius:6px;margin:0 0 10px;color:{INK}",
    "nm-arrow": "padding:0 4px",   # inside secondary text already: muting it again would halve its contrast
    "nm-irrev": "color:#a40e26;font-weight:600",
    "nm-tree": "list-style:none;margin:0;padding-left:0",
    "nm-subtree": f"list-style:none;margin:0 0 0 8px;padding-left:14px;border-left:1px dashed {LINE}",
    "nm-node": "margin:3px 0",
    "nm-level": f"{MONO};display:inline-block;font-size:11px;font-weight:700;padding:0 5px;border-radius:3px;"
                "background:#24292f;color:#ffffff;margin-right:4px",
    "nm-tag": f"display:inline-block;font-size:11px;padding:0 6px;border-radius:10px;border:1px solid {LINE};"
              f"color:{MUTED};margin-left:4px;white-space:nowrap",
    "nm-on": "color:#6639ba;background:#fbefff;border-color:#c297ff",
    "nm-run": "color:#116329;background:#dafbe1;border-color:#4ac26b",
    "nm-hold": "color:#7d4e00;background:#fff8c5;border-color:#d4a72c",
    "nm-diagrams": "display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start;margin:10px 0",
    "nm-figure": "margin:0",
    "nm-caption": f"font-size:12px;color:{MUTED};margin-top:4px;max-width:420px",
}

# Only what inline styles cannot say; harmless where a sanitizer drops it.
FOCUS = "outline:2px solid #1f6feb!important;outline-offset:2px!important"   # 3:1 or better on white and on dark grey
CSS = (".nm .nm-table tr:hover td{background:rgba(128,128,128,.06)}"
       ".nm button.nm-copy:hover{background:rgba(128,128,128,.15)}"
       ".nm .nm-scroll th{position:sticky;top:0;background:var(--jp-layout-color1,#fff)}"
       f".nm button:focus-visible,.nm-actions .jupyter-button:focus-visible{{{FOCUS}}}"
       # a VM's or host's long name in an Accordion title wraps instead of running out of the output
       ".jp-OutputArea-output:has(.nm) .jupyter-widget-Collapse-header{overflow-wrap:anywhere}"
       # shadows at a sideways-scrolling table's edges say there is more (a hidden scrollbar does not)
       ".nm .nm-wide{background:linear-gradient(to right,var(--jp-layout-color0,#fff) 30%,transparent) left/32px 100% "
       "no-repeat local,linear-gradient(to left,var(--jp-layout-color0,#fff) 30%,transparent) right/32px 100% "
       "no-repeat local,linear-gradient(to right,rgba(128,128,128,.45),transparent) left/10px 100% no-repeat scroll,"
       "linear-gradient(to left,rgba(128,128,128,.45),transparent) right/10px 100% no-repeat scroll}"
       ".nm .nm-wide .nm-table tbody tr{background:transparent}")   # JupyterLab's stripes would hide the shadows


def attrs(*classes: str, style: str = "") -> str:
    """``class="..." style="..."`` for our own class names (constants, never host data) plus ``style``."""
    css = ";".join(STYLES[c] for c in classes if c in STYLES)
    if style:
        css = f"{css};{style}" if css else style
    return f'class="{" ".join(classes)}" style="{css}"'


def status_colours(status: str) -> str:
    text, background, border = STATUS.get(status, STATUS["none"])
    return f"color:{text};background:{background};border:1px solid {border}"


def verdict_solid(verdict: str) -> str:
    return f"background:{VERDICT.get(verdict, VERDICT['waiting'])[0]}"


def tinted(colours: tuple[str, str]) -> str:
    """A box edged in the solid colour with a wide left bar, on the tint."""
    solid, tint = colours
    return f"background:{tint};border:1px solid {solid};border-left:6px solid {solid}"


def style_tag() -> str:
    return f"<style>{CSS}</style>"
