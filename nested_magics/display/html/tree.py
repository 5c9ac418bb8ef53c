"""HTML of the host tree, pure and escaped: nested ``<details>`` levels with badges, and the drawings.

The SVG drawings travel as ``<img src="data:image/svg+xml;base64,...">``: a sanitizer that strips inline
``<svg>`` (an untrusted notebook) keeps images, and an SVG shown as an image can run nothing.
"""

from __future__ import annotations

import base64

from nested_magics.display import diagram
from nested_magics.display.html.kit import el, esc, muted, page

TREE_SCROLL_AFTER = 30  # a longer tree scrolls inside its own box
STATE_TAG = {"Running": "nm-run", "Off": ""}


def tag(text: str, kind: str = "") -> str:
    return el("span", text, "nm-tag", *([kind] if kind else []))


def tree_label(node) -> str:
    level = el("span", f"L{node.level}", "nm-level")
    if node.kind == "host":
        running = node.nesting and node.hyperv
        hv = tag("Hyper-V running", "nm-run") if running else tag("Hyper-V not running", "nm-hold")
        return f"{level}<b>{esc(node.name)}</b> {muted(f'physical host, build {esc(node.build)}')}{hv}"
    nesting = tag("nesting on", "nm-on") if node.nesting else tag("nesting off")
    inside = {True: "Hyper-V inside", False: "no Hyper-V inside", None: "guest unknown"}[node.hyperv]
    return f"{level}<b>{esc(node.name)}</b>{tag(esc(node.state), STATE_TAG.get(node.state, 'nm-hold'))}{nesting}{tag(inside)}"


def tree_list(node) -> str:
    """Nested ``<details>``/``<ul>``: open by default, any depth."""
    if not node.children:
        return el("li", tree_label(node), "nm-node")
    kids = el("ul", "".join(tree_list(child) for child in node.children), "nm-subtree")
    return el("li", el("details", el("summary", tree_label(node)) + kids, extra=" open"), "nm-node")


def image(svg: str, alt: str) -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/svg+xml;base64,{data}" style="max-width:100%;height:auto">'


def figure(svg: str, alt: str, caption: str) -> str:
    return el("figure", image(svg, alt) + el("figcaption", caption, "nm-caption"), "nm-figure")


def levels_body(node) -> str:
    """The drawing of this host's levels."""
    return el("div", figure(diagram.tree_svg(node), f"The levels of {node.name}", "This host, level by level: L0 runs "
                            "Hyper-V; a VM with nesting on gets the virtualization extensions (orange) and can run its "
                            "own Hyper-V and VMs."), "nm-diagrams")


def explainer_body() -> str:
    """The blog's normal and nested pictures side by side, with its words."""
    normal = figure(diagram.normal_svg(), "Normal: the hypervisor keeps the virtualization extensions",
                    "Normal: the Hyper-V hypervisor takes full control of the virtualization extensions (orange) and "
                    "does not expose them to the guest.")
    nested = figure(diagram.nested_svg(), "Nested: the extensions are exposed to the guest VM",
                    "Nested: Hyper-V exposes the extensions to its guest VM, which can install its own hypervisor and "
                    "run its own guest VMs.")
    return el("div", normal + nested, "nm-diagrams")


def tree_body(node, with_diagram: bool = True) -> str:
    vms = sum(1 for n in node.walk() if n.kind == "vm")
    tree = el("ul", tree_list(node), "nm-tree")
    if vms > TREE_SCROLL_AFTER:
        tree = el("div", tree, "nm-scroll", style="padding:6px 10px")
    out = el("h4", f"{esc(node.name)}: {vms} VM(s) on {node.depth + 1} level(s)", "nm-h") + tree
    if with_diagram:
        out += levels_body(node) + el("details", el("summary", "How nesting works: the blog's two pictures",
                                                    "nm-foldsum") + explainer_body(), "nm-fold")
    return out


def tree_html(node) -> str:
    return page(tree_body(node))
