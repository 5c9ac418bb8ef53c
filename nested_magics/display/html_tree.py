"""HTML of the host tree, pure and escaped: nested ``<details>`` levels with badges, and the SVG drawings."""

from __future__ import annotations

from . import diagram
from .html import esc, page

TREE_SCROLL_AFTER = 30  # a longer tree scrolls inside its own box


def tree_label(node) -> str:
    level = f'<span class="nm-level">L{node.level}</span>'
    if node.kind == "host":
        running = node.nesting and node.hyperv
        hv = (f'<span class="nm-tag {"nm-run" if running else "nm-hold"}">'
              f'{"Hyper-V running" if running else "Hyper-V not running"}</span>')
        return f'{level}<b>{esc(node.name)}</b> <span class="nm-muted">physical host, build {esc(node.build)}</span>{hv}'
    state_cls = {"Running": "nm-run", "Off": ""}.get(node.state, "nm-hold")
    nesting = ('<span class="nm-tag nm-on">nesting on</span>' if node.nesting
               else '<span class="nm-tag">nesting off</span>')
    inside = {True: "Hyper-V inside", False: "no Hyper-V inside", None: "guest unknown"}[node.hyperv]
    return (f'{level}<b>{esc(node.name)}</b><span class="nm-tag {state_cls}">{esc(node.state)}</span>{nesting}'
            f'<span class="nm-tag">{inside}</span>')


def tree_list(node) -> str:
    """Nested ``<details>``/``<ul>``: open by default, any depth."""
    if not node.children:
        return f"<li>{tree_label(node)}</li>"
    kids = "".join(tree_list(child) for child in node.children)
    return f"<li><details open><summary>{tree_label(node)}</summary><ul>{kids}</ul></details></li>"


def tree_body(node, with_diagram: bool = True) -> str:
    vms = sum(1 for n in node.walk() if n.kind == "vm")
    tree = f'<ul class="nm-tree">{tree_list(node)}</ul>'
    if vms > TREE_SCROLL_AFTER:
        tree = f'<div class="nm-scroll" style="padding:6px 10px">{tree}</div>'
    out = f'<h4 class="nm-h">{esc(node.name)}: {vms} VM(s) on {node.depth + 1} level(s)</h4>{tree}'
    if with_diagram:
        out += (f'<div class="nm-diagrams"><figure>{diagram.tree_svg(node)}<figcaption>This host, level by level: '
                'L0 runs Hyper-V; a VM with nesting on gets the virtualization extensions (orange) and can run its '
                'own Hyper-V and VMs.</figcaption></figure></div>'
                '<details class="nm-fold"><summary>How nesting works: the blog\'s two pictures</summary>'
                f'{explainer_body()}</details>')
    return out


def explainer_body() -> str:
    """The blog's normal and nested pictures side by side, with its words."""
    return (f'<div class="nm-diagrams"><figure>{diagram.normal_svg()}<figcaption>Normal: the Hyper-V hypervisor '
            'takes full control of the virtualization extensions (orange) and does not expose them to the guest.'
            f'</figcaption></figure><figure>{diagram.nested_svg()}<figcaption>Nested: Hyper-V exposes the '
            'extensions to its guest VM, which can install its own hypervisor and run its own guest VMs.'
            '</figcaption></figure></div>')


def tree_html(node) -> str:
    return page(tree_body(node))
