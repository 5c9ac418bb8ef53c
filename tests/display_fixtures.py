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


class Tags(HTMLParser):
    """Every start tag with its attributes, as the browser would build the DOM from the HTML."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.data: list[str] = []
        self.codes: list[str] = []           # the text of every <code>, as a browser would show it
        self._in_code = 0
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "code":
            self._in_code += 1
            self.codes.append("")

    def handle_endtag(self, tag):
        if tag == "code":
            self._in_code -= 1

    def handle_data(self, data):
        self.data.append(data)
        if self._in_code:
            self.codes[-1] += data

    @property
    def text(self) -> str:
        return "".join(self.data)
