"""SVG drawings: the blog's two pictures (normal vs nested) and the actual levels of a host's tree.

Orange always means the processor's virtualization extensions (VT-x / AMD-V), as in the blog: without
nesting the hypervisor keeps them; with nesting they are exposed to the guest, which runs its own Hyper-V.
Pure functions returning SVG text; every name is escaped. Deterministic, so nbval can compare it.
"""

from __future__ import annotations

from html import escape

ORANGE, ORANGE_TINT = "#e8590c", "#fff1e6"
INK, MUTED, LINE = "#1f2328", "#59636e", "#8c959f"
HW, HV, HOST_OS = "#d0d7de", "#24292f", "#eaeef2"
STATE_STROKE = {"Running": "#1a7f37", "Off": "#8c959f"}
AMBER = "#bf8700"
MAX_DRAWN = 8          # children drawn per VM or host; the rest become one "+N more" box
BOX_W, GAP, PAD, LABEL_H, BAR_H = 132, 10, 8, 34, 22


def _text(x, y, s, size=12, weight="normal", fill=INK, anchor="middle") -> str:
    return (f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
            f'text-anchor="{anchor}">{escape(str(s))}</text>')


def _rect(x, y, w, h, fill, stroke="none", rx=5, width=1.5, dash="") -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" rx="{rx}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{width}"{dash_attr}/>')


def _arrow(x, y1, y2) -> str:
    """An orange arrow up from y1 to y2 (the virtualization extensions travelling)."""
    return (f'<line x1="{x:.0f}" y1="{y1:.0f}" x2="{x:.0f}" y2="{y2 + 8:.0f}" stroke="{ORANGE}" stroke-width="4"/>'
            f'<polygon points="{x - 8:.0f},{y2 + 10:.0f} {x + 8:.0f},{y2 + 10:.0f} {x:.0f},{y2:.0f}" fill="{ORANGE}"/>')


def _svg(w, h, body, title) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}" '
            f'role="img" aria-label="{escape(title)}" font-family="Segoe UI, Helvetica, Arial, sans-serif">'
            f'<title>{escape(title)}</title>{_rect(0, 0, w, h, "#ffffff", LINE, 8, 1)}{body}</svg>')


def _hardware(x, y, w) -> str:
    """The hardware bar with its orange virtualization-extensions chip; returns SVG."""
    return (_rect(x, y, w, 40, HW) + _text(x + 12, y + 25, "Hardware", 13, "bold", anchor="start")
            + _rect(x + w - 150, y + 7, 138, 26, ORANGE_TINT, ORANGE, 4)
            + _text(x + w - 81, y + 24, "VT-x / AMD-V", 12, "bold", ORANGE))


def normal_svg() -> str:
    """The blog's first picture: Hyper-V keeps the virtualization extensions; the guest cannot run a hypervisor."""
    w, h = 380, 270
    body = [_text(w / 2, 24, "Normal: no nesting", 14, "bold"),
            _rect(16, 40, 160, 120, HOST_OS, LINE), _text(96, 96, "Host OS", 13, "bold"),
            _text(96, 114, "(root partition)", 11, fill=MUTED),
            _rect(192, 40, 172, 120, "#ffffff", LINE), _text(278, 90, "Guest VM (L1)", 13, "bold"),
            _text(278, 110, "no VT-x: cannot run", 11, fill=MUTED), _text(278, 124, "a hypervisor", 11, fill=MUTED),
            _rect(16, 170, 348, 34, HV), _text(w / 2, 192, "Hyper-V (L0 hypervisor)", 13, "bold", "#ffffff"),
            _hardware(16, 214, 348), _arrow(w - 97, 221, 204)]
    return _svg(w, h, "".join(body), "Normal: the hypervisor keeps the virtualization extensions")


def nested_svg() -> str:
    """The blog's second picture: the extensions are exposed to the guest, which runs Hyper-V and its own VMs."""
    w, h = 380, 300
    body = [_text(w / 2, 24, "Nested: extensions exposed", 14, "bold"),
            _rect(16, 40, 120, 152, HOST_OS, LINE), _text(76, 110, "Host OS", 13, "bold"),
            _text(76, 128, "(root partition)", 11, fill=MUTED),
            _rect(150, 40, 214, 152, "#ffffff", STATE_STROKE["Running"], width=2),
            _text(257, 58, "Guest VM (L1)", 13, "bold"),
            _rect(160, 68, 94, 52, "#ffffff", LINE), _text(207, 92, "L2 guest", 12, "bold"),
            _text(207, 108, "VM", 11, fill=MUTED),
            _rect(262, 68, 92, 52, "#ffffff", LINE), _text(308, 92, "L2 guest", 12, "bold"),
            _text(308, 108, "VM", 11, fill=MUTED),
            _rect(160, 128, 194, 24, HV, rx=3), _text(257, 145, "Hyper-V inside the guest", 12, "bold", "#ffffff"),
            _rect(160, 158, 194, 24, ORANGE_TINT, ORANGE, 3),
            _text(257, 175, "VT-x exposed to the guest", 11, "bold", ORANGE),
            _rect(16, 202, 348, 34, HV), _text(w / 2, 224, "Hyper-V (L0 hypervisor)", 13, "bold", "#ffffff"),
            _hardware(16, 246, 348), _arrow(w - 97, 253, 182)]
    return _svg(w, h, "".join(body), "Nested: the virtualization extensions are exposed to the guest VM")


# ---------------------------------------------------------------- the actual tree


def _drawn(children: list) -> tuple[list, int]:
    """The children to draw and how many are left out."""
    if len(children) <= MAX_DRAWN:
        return children, 0
    return children[:MAX_DRAWN - 1], len(children) - (MAX_DRAWN - 1)


def _size(node) -> tuple[float, float]:
    """Width and height of a VM's box, children included."""
    kids, more = _drawn(node.children)
    sizes = [_size(k) for k in kids] + ([(BOX_W * 0.7, LABEL_H)] if more else [])
    inner_w = sum(s[0] for s in sizes) + GAP * (len(sizes) - 1) if sizes else 0
    inner_h = max((s[1] for s in sizes), default=0)
    w = max(BOX_W, inner_w + 2 * PAD)
    h = LABEL_H + (BAR_H + 4 if node.nesting else 0) + (BAR_H + 4 if node.hyperv else 0)
    h += inner_h + PAD if sizes else 0
    return w, h + PAD


def _short(name: str, width: float, size: int = 12) -> str:
    """``name`` cut with an ellipsis to fit ``width`` pixels of bold text at ``size``."""
    room = max(6, int(width / (size * 0.62)))
    return name if len(name) <= room else name[:room - 1] + "…"


def _vm_box(node, x, y, w, h) -> str:
    """Draw a VM from the top: its label, its nested VMs, its Hyper-V, then (at the bottom, where the
    hardware's arrow arrives) the exposed extensions."""
    stroke = STATE_STROKE.get(node.state, AMBER)
    out = [_rect(x, y, w, h, "#ffffff", stroke, width=2, dash="" if node.state == "Running" else "5 3"),
           _text(x + w / 2, y + 16, f"L{node.level} {_short(node.name, w)}", 12, "bold"),
           _text(x + w / 2, y + 29, f"{node.state}" + ("" if node.nesting else " · nesting off"), 10, fill=MUTED)]
    kids, more = _drawn(node.children)
    cx, cy = x + PAD, y + LABEL_H
    if kids or more:
        sizes = [_size(k) for k in kids]
        inner_h = max((s[1] for s in sizes), default=LABEL_H)
        for kid, (kw, _kh) in zip(kids, sizes):
            out.append(_vm_box(kid, cx, cy, kw, inner_h))
            cx += kw + GAP
        if more:
            out.append(_rect(cx, cy, BOX_W * 0.7, inner_h, "#f6f8fa", LINE, dash="3 3"))
            out.append(_text(cx + BOX_W * 0.35, cy + inner_h / 2 + 4, f"+{more} more", 11, fill=MUTED))
    bar_y = y + h - PAD - (BAR_H + 4 if node.nesting else 0) - (BAR_H + 4 if node.hyperv else 0)
    if node.hyperv:
        out.append(_rect(x + PAD, bar_y, w - 2 * PAD, BAR_H, HV, rx=3))
        out.append(_text(x + w / 2, bar_y + 15, f"Hyper-V (L{node.level})", 11, "bold", "#ffffff"))
        bar_y += BAR_H + 4
    if node.nesting:
        out.append(_rect(x + PAD, bar_y, w - 2 * PAD, BAR_H, ORANGE_TINT, ORANGE, 3))
        out.append(_text(x + w / 2, bar_y + 15, "VT-x exposed", 11, "bold", ORANGE))
    return "".join(out)


def tree_svg(root) -> str:
    """The host's levels as boxes in boxes: L0 at the bottom, each VM above it, nested VMs inside their VM.

    One orange arrow brings the extensions from the hardware to L0's Hyper-V; one more goes up from it
    to each VM that has them exposed.
    """
    kids, more = _drawn(root.children)
    sizes = [_size(k) for k in kids]
    inner_w = sum(s[0] for s in sizes) + GAP * (len(sizes) - 1) if sizes else BOX_W
    if more:
        inner_w += GAP + BOX_W * 0.7
    w = max(380, inner_w + 32)
    vm_h = max((s[1] for s in sizes), default=LABEL_H)
    x, y = 16, 40
    hv_y = y + vm_h + 28
    hw_y = hv_y + 56
    h = hw_y + 40 + 16
    out = [_text(16, 26, _short(f"{root.name}: the levels", w - 32, 14), 14, "bold", anchor="start")]
    arrows = []
    if not kids:
        out.append(_text(w / 2, y + vm_h / 2 + 4, "no VMs", 12, fill=MUTED))
    for kid, (kw, _kh) in zip(kids, sizes):
        out.append(_vm_box(kid, x, y, kw, vm_h))
        if kid.nesting:
            arrows.append(_arrow(x + kw / 2, hv_y, y + vm_h - PAD))
        x += kw + GAP
    if more:
        out.append(_rect(x, y, BOX_W * 0.7, vm_h, "#f6f8fa", LINE, dash="3 3"))
        out.append(_text(x + BOX_W * 0.35, y + vm_h / 2 + 4, f"+{more} more", 11, fill=MUTED))
    running = root.nesting and root.hyperv
    hv = "Hyper-V" if running else "Hyper-V is not running"
    out.append(_rect(16, hv_y, w - 32, 34, HV if running else "#8c959f"))
    out.append(_text(28, hv_y + 22, f"L0 {_short(root.name, w / 3, 13)} · {hv}", 13, "bold", "#ffffff", "start"))
    out.append(_hardware(16, hw_y, w - 32))
    if running:
        arrows.append(_arrow(w - 97, hw_y + 7, hv_y + 34))
    out.extend(arrows)
    return _svg(w, h, "".join(out), f"The levels of {root.name}")
