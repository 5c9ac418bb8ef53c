"""Scenarios the front-end tests share: hostile names, big hosts, fleets. Import the fixtures by name."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

HOSTILE_VM = "<img src=x onerror=alert(1)>"
HOSTILE_HOST = "<script>alert('host')</script>"
HOSTILE_NESTED = "O'Brien's \"VM\" & <i>co</i>"
HOSTILE_QUOTE_VM = "x' onclick='alert(4)"
STATES = ("Off", "Running", "Saved", "Paused")


@pytest.fixture
def hostile_target(scenario, make_doc, make_vm, make_guest):
    """A host whose every name is markup: a nesting VM with a nested VM, and a fixable VM."""
    nested = make_vm(name=HOSTILE_NESTED, state="Running")
    guest = make_guest(name="<b>guest</b>", hyperv_installed=True, vms=[nested])
    return scenario(make_doc(**{
        "name": HOSTILE_HOST,
        "os": {"caption": "Windows <script>alert('os')</script>"},
        "cpu": {"model": "\"><svg onload=alert('cpu')>"},
        "vms": [make_vm(name=HOSTILE_VM, state="Running", nesting=True, guest=guest),
                make_vm(name=HOSTILE_QUOTE_VM, mac_spoofing=False, dynamic=True, startup=1024**3)],
    }))


@pytest.fixture
def many_vms(scenario, make_vm):
    """``many_vms(n)``: a target with ``n`` VMs in turn Off, Running, Saved and Paused (every one fixable)."""
    def make(n: int) -> str:
        vms = [make_vm(name=f"vm-{i:04d}", state=STATES[i % 4]) for i in range(n)]
        return scenario(name=f"host{n}.json", vms=vms)
    return make


VOID = {"img", "br"}


class Tags(HTMLParser):
    """Every start tag with its attributes, as the browser would build the DOM from the HTML.

    ``buttons`` holds each ``<button>``'s attributes and the text of the node just before it (its DOM
    ``previousSibling``: an element's whole text, or a text node), which is what a copy button copies.
    """

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.data: list[str] = []
        self.codes: list[str] = []           # the text of every <code>, as a browser would show it
        self.buttons: list[dict] = []        # {"attrs": ..., "previous": text of the previous sibling node}
        self._in_code = 0
        self._open: list[dict] = [{"tag": "#root", "nodes": [], "text": ""}]
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        parent = self._open[-1]
        node = {"tag": tag, "nodes": [], "text": ""}
        if tag == "button":
            before = parent["nodes"][-1] if parent["nodes"] else None
            previous = None if before is None else before if isinstance(before, str) else before["text"]
            self.buttons.append({"attrs": dict(attrs), "previous": previous})
        parent["nodes"].append(node)
        if tag not in VOID:
            self._open.append(node)
        if tag == "code":
            self._in_code += 1
            self.codes.append("")

    def handle_endtag(self, tag):
        if tag == "code":
            self._in_code -= 1
        while len(self._open) > 1:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        self.data.append(data)
        self._open[-1]["nodes"].append(data)
        for node in self._open:
            node["text"] += data
        if self._in_code:
            self.codes[-1] += data

    @property
    def text(self) -> str:
        return "".join(self.data)
