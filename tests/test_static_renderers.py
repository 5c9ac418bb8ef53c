"""The saved record, read where no kernel runs: nbconvert's HTML (offline, with and without stored widget
state) shows every dashboard's text as page content, not only inside <script> elements; no button a reader
sees pretends to act; and every committed notebook keeps GitHub's rule (``metadata.widgets`` has ``state``).
"""

from __future__ import annotations

import copy
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# cell source -> text its dashboard must show as page content
CELLS = {
    "%load_ext nested_magics": None,
    "%nested_check": "TH2-DESKTOP: myVM can nest after",
    "%nested_check -t mock:classroom-01 -t mock:classroom-04": "CLASS-PC04",
    "%nested_tree -t mock:three-levels": "nestedVM",
    "%%nested_enable myVM\nmemory: 4GB": "ExposeVirtualizationExtensions",
    "%nested_vm start myVM -t mock:three-levels": "myVM",
}


class Visible(HTMLParser):
    """The text a reader sees (outside <script> and <style>), and the buttons on the page."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.buttons: list[dict] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "button" and not self._skip:
            self.buttons.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def visible(html: str) -> Visible:
    parser = Visible()
    parser.feed(html)
    parser.text = " ".join(" ".join(parser.text).split())
    return parser


def to_html(nb) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(copy.deepcopy(nb))
    return body


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """A notebook of every dashboard, executed by nbclient as `jupyter nbconvert --execute` does (widget
    state stored)."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    saved = os.environ.copy()
    os.environ.pop("NESTED_MAGICS_TARGET", None)
    os.environ["PYTHONWARNINGS"] = "ignore"
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True,
                       resources={"metadata": {"path": str(tmp_path_factory.mktemp("nb"))}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


def dead_buttons(nb) -> list[str]:
    """Widget buttons a static page would draw from stored state (online) with no kernel to answer them."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return [model["state"].get("description", "") for model in state.values()
            if model.get("model_name") == "ButtonModel"]


@pytest.mark.parametrize("stored_state", [True, False], ids=["with-widget-state", "without-widget-state"])
def test_executed_notebook_shows_every_dashboard_in_nbconvert_html(executed, stored_state):
    nb = copy.deepcopy(executed)
    if not stored_state:
        nb.metadata.pop("widgets", None)
    page = visible(to_html(nb))
    missing = [expected for expected in CELLS.values() if expected and expected not in page.text]
    assert not missing, f"not shown outside <script>: {missing}"
    assert "Nothing has changed yet" in page.text            # the plan says it is only a plan
    assert all("nm-copy" in (b.get("class") or "") for b in page.buttons), page.buttons   # Copy works there
    assert dead_buttons(nb) == []


def test_executed_notebook_keeps_githubs_rule(executed):
    widgets = executed.metadata.get("widgets")
    assert widgets is None or "state" in widgets[WIDGET_STATE]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_committed_notebook_opens_on_github_and_in_nbconvert(path):
    """GitHub refuses a notebook whose metadata.widgets lacks `state`; nbconvert shows each output."""
    raw = json.loads(path.read_text())
    widgets = raw.get("metadata", {}).get("widgets")
    assert widgets is None or "state" in widgets.get(WIDGET_STATE, {}), f"{path.name}: widgets without state"
    nb = nbformat.reads(path.read_text(), as_version=4)
    page = visible(to_html(nb))
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html")
            if html:
                first = " ".join(visible(html).text.split())[:40]
                assert first in page.text, f"{path.name}: an HTML output is not shown ({first!r})"
