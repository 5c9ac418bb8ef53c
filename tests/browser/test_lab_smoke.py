"""Smoke test of the browser harness: ipywidgets render and react in a real JupyterLab."""

from __future__ import annotations

import json
import urllib.request

import nbformat
import pytest
from lab import collect_errors, open_and_run_all, screenshot, shutdown_all_sessions

pytestmark = pytest.mark.browser

WIDGET_CELL = """\
import ipywidgets as w

clicks = 0
html = w.HTML("<b>nested-magics smoke</b>")
label = w.Label("waiting")
button = w.Button(description="Press me")

def on_click(_):
    global clicks
    clicks += 1
    label.value = f"pressed {clicks}x"

button.on_click(on_click)
w.HBox([html, button, label])
"""


def write_notebook(directory, name: str, *sources: str, kernelspec: bool = True) -> str:
    nb = nbformat.v4.new_notebook()
    if kernelspec:
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nbformat.write(nb, directory / name)
    return name


def test_widgets_render_and_react(lab_page, lab_notebook_dir, console_errors):
    name = write_notebook(lab_notebook_dir, "smoke_widgets.ipynb", WIDGET_CELL, "print(6 * 7)")

    assert open_and_run_all(lab_page, name), collect_errors(lab_page)

    lab_page.wait_for_selector(".widget-html-content b:text-is('nested-magics smoke')")
    lab_page.wait_for_selector(".jp-OutputArea-output pre:text-is('42')")
    label = lab_page.locator("div.widget-label")
    assert label.inner_text() == "waiting"

    lab_page.click("button.jupyter-button:has-text('Press me')")
    lab_page.wait_for_selector("div.widget-label:text-is('pressed 1x')")

    screenshot(lab_page, "lab_smoke")
    assert collect_errors(lab_page) == []
    assert console_errors == []


def test_error_outputs_are_collected(lab_page, lab_notebook_dir, lab_server):
    """The harness must see a failing cell, or the notebook tests would prove nothing.

    The notebook has no kernelspec: the harness must not stop at "Select Kernel".
    """
    name = write_notebook(
        lab_notebook_dir, "smoke_error.ipynb", "1 / 0", "print('not reached')", kernelspec=False
    )

    assert open_and_run_all(lab_page, name) is False

    errors = collect_errors(lab_page, console_errors=[])
    assert any("ZeroDivisionError" in e for e in errors), errors
    assert lab_page.locator(".jp-OutputArea-output pre:text-is('not reached')").count() == 0

    assert shutdown_all_sessions(lab_page) == 1
    with urllib.request.urlopen(f"{lab_server.url}/api/kernels") as r:
        assert json.load(r) == []
