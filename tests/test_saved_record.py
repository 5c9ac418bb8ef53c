"""What a notebook keeps of the enable flow, played as a notebook front end would: each display adds an
output, each update replaces every output with its display id. After Apply, Cancel or a later change to the
host, the kept outputs (every mime type) say what happened, and no widget is left to press."""

from __future__ import annotations

import re

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.displaypub import DisplayPublisher
from traitlets.config import Config

from nested_magics.display import view as view_module

WIDGET = "application/vnd.jupyter.widget-view+json"


class Notebook(DisplayPublisher):
    """The outputs a notebook holds: the shell publishes into it as a kernel does to a front end."""

    def __init__(self):
        super().__init__()
        self.outputs: list[dict] = []

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        display_id = (transient or {}).get("display_id")
        if update:
            for kept in self.outputs:
                if kept["id"] == display_id:
                    kept["data"] = data
        else:
            self.outputs.append({"id": display_id, "data": data})

    def mime(self, kind: str) -> str:
        return "\n".join(o["data"].get(kind, "") for o in self.outputs if isinstance(o["data"].get(kind), str))

    def widgets(self) -> list:
        return [o for o in self.outputs if WIDGET in o["data"]]


@pytest.fixture
def nb():
    return Notebook()


@pytest.fixture
def ip(monkeypatch, nb):
    monkeypatch.setattr(view_module, "in_kernel", lambda: True)
    c = Config()
    c.HistoryAccessor.enabled = False
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance(config=c)      # IPython.display.display publishes through the instance
    shell.display_pub = nb
    shell.extension_manager.load_extension("nested_magics")
    yield shell
    shell.extension_manager.unload_extension("nested_magics")
    InteractiveShell.clear_instance()


def run(ip, nb, code: str) -> None:
    """A cell run, or a button press (its handler runs in the kernel and publishes updates)."""
    ip.run_cell(code).raise_error()


click = run


def test_a_live_flow_is_plain_content_and_a_widget_for_the_buttons_only(ip, nb):
    run(ip, nb, "flow = %nested_enable myVM --memory 4GB\nflow")
    content, controls = nb.outputs
    assert WIDGET not in content["data"] and "expose-extensions" in content["data"]["text/html"]
    assert "Nothing has changed yet" in content["data"]["text/plain"]
    assert WIDGET in controls["data"]
    for kind in ("text/plain", "text/html"):   # where no kernel answers, the controls say what they need
        assert "work only while this notebook's kernel runs" in controls["data"][kind]
        assert "%nested_enable myVM --memory 4GB --yes" in controls["data"][kind]


def test_after_apply_every_kept_mime_type_shows_the_outcome(ip, nb):
    run(ip, nb, "flow = %nested_enable myVM\nflow")
    click(ip, nb, "flow.apply_button.click()")
    assert ip.user_ns["flow"].result.ok
    for kind in ("text/plain", "text/html"):
        kept = nb.mime(kind)
        assert "Nothing has changed yet" not in kept and "work only while" not in kept, kind
        assert "applied" in kept
    assert "Verdict: fixable → ready" in nb.mime("text/plain")                  # before -> after
    assert nb.mime("text/html").count(">applied<") == 4 and ">FIXABLE<" in nb.mime("text/html") and ">READY<" in nb.mime("text/html")
    assert nb.widgets() == []


def test_after_cancel_the_record_says_nothing_was_changed_in_a_styled_box(ip, nb):
    run(ip, nb, "flow = %nested_enable myVM\nflow")
    click(ip, nb, "flow.cancel_button.click()")
    assert "Cancelled: nothing was changed." in nb.mime("text/plain")
    assert re.search(r'<div class="nm-box nm-info" style="[^"]*border-left:6px[^"]*"><b>Cancelled:</b>',
                     nb.mime("text/html"))          # styled like every other status box
    assert "Nothing has changed yet" not in nb.mime("text/plain")
    assert nb.widgets() == []


def test_a_later_cell_that_changes_the_host_takes_the_buttons_away_first(ip, nb):
    """Tutorial 03 after Run All: the plan, then `--yes` applied it; the plan's Apply would be refused (stale)."""
    run(ip, nb, "flow = %nested_enable myVM\nflow")
    run(ip, nb, "%nested_enable myVM --yes")
    flow = ip.user_ns["flow"]
    assert flow.state == "outdated" and flow.result is None
    kept = nb.outputs[0]["data"]
    assert "Out of date: TH2-DESKTOP was changed after this plan was made" in kept["text/plain"]
    assert "run this cell again for a fresh plan" in kept["text/html"]
    assert nb.outputs[1]["data"] == {"text/plain": ""} and nb.widgets() == []
    assert flow.buttons.layout.display == "none"          # no Apply in the live controls either


def test_a_vm_action_outdates_a_shown_plan_and_a_refused_one_does_not(ip, nb):
    run(ip, nb, "flow = %nested_enable myVM\nflow")
    run(ip, nb, "%nested_vm save myVM")                 # refused on an Off VM: nothing changed
    assert ip.user_ns["flow"].state == "waiting"
    run(ip, nb, "%nested_vm start myVM")
    assert ip.user_ns["flow"].state == "outdated"


class Kernel:
    def __init__(self, allow_stdin):
        self.parent = {"header": {"msg_type": "execute_request"}, "content": {"allow_stdin": allow_stdin}}

    def get_parent(self, channel=None):
        return self.parent


@pytest.mark.parametrize("allow_stdin, voila, expected", [(True, False, True), (False, False, False),
                                                          (False, True, True)])
def test_widgets_only_for_a_front_end_someone_works_in(monkeypatch, allow_stdin, voila, expected):
    """nbclient and nbval ask for no input: no widget (it would be saved dead); Voila shows widgets live."""
    import IPython

    shell = type("Shell", (), {"kernel": Kernel(allow_stdin)})()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13") if voila else monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    assert view_module.interactive() is expected
    assert view_module.live() is expected
