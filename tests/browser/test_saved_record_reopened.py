"""The saved record is the truth: click Apply (or Cancel) in JupyterLab, save, shut the kernel down, reload,
and the cell shows what happened, not what was planned; the file on disk says the same in every mime type, and
Notebook 7 opening the same file shows the same."""

from __future__ import annotations

import json
import re

import pytest
from lab import collect_errors, open_and_run_all, screenshot, shutdown_all_sessions
from test_lab_smoke import write_notebook

pytestmark = pytest.mark.browser

ENABLE = "%%nested_enable myVM\nmemory: 4GB"

_SAVE_JS = """async (name) => {
    const app = window.jupyterapp;
    const panel = [...app.shell.widgets('main')].find(w => w.context && w.context.path === name);
    await panel.context.save();
    return true;
}"""


def enable_cell(page):
    return page.locator(".jp-Notebook .jp-Cell").nth(2)


def saved_outputs(directory, name: str) -> list[dict]:
    """The enable cell's outputs as the file on disk has them."""
    return json.loads((directory / name).read_text())["cells"][2]["outputs"]


def reopen_without_kernel(page, name: str, where: str = "lab") -> None:
    """Open the saved ``name`` in JupyterLab (``lab``) or Notebook 7 (``notebook``), with no kernel behind it."""
    shutdown_all_sessions(page)
    path = f"/lab/tree/{name}?reset" if where == "lab" else f"/notebooks/{name}"
    page.goto(f"{page._nested_magics_base_url}{path}")
    if where == "lab":
        page.wait_for_function("() => !!window.jupyterapp")
    page.wait_for_selector(".jp-Notebook .jp-Cell .jp-OutputArea-output")
    shutdown_all_sessions(page)      # a kernel the reopened notebook may have started knows no widget either
    page.wait_for_timeout(2500)      # long enough for the widget manager to give up on any model


def mime_texts(outputs: list[dict]) -> dict[str, str]:
    """Every stored mime type's text, all outputs of the cell together."""
    found: dict[str, str] = {}
    for output in outputs:
        for mime, value in output.get("data", {}).items():
            value = "".join(value) if isinstance(value, list) else json.dumps(value)
            found[mime] = found.get(mime, "") + (re.sub(r"<[^>]+>", "", value) if mime == "text/html" else value)
    return found


@pytest.mark.parametrize("click", ["Apply", "Cancel"])
def test_the_saved_notebook_shows_what_the_click_did(click, lab_page, lab_notebook_dir, console_errors):
    page = lab_page
    name = write_notebook(lab_notebook_dir, f"saved-{click.lower()}.ipynb",
                          "%load_ext nested_magics", "%nested_connect mock --reset", ENABLE,
                          "%nested_check", "%nested_check -t mock:classroom-01 -t mock:classroom-04",
                          "%nested_tree -t mock:three-levels")
    assert open_and_run_all(page, name), collect_errors(page)
    enable_cell(page).locator(f"button.jupyter-button:has-text('{click}')").click()
    if click == "Apply":
        enable_cell(page).locator(".nm-verdict:text-is('READY')").first.wait_for(timeout=30_000)
    else:
        enable_cell(page).locator(".nm-box:has-text('Cancelled')").first.wait_for(timeout=30_000)
    # The controls' output is replaced after the content, so once the buttons are gone the record is complete
    enable_cell(page).locator("button.jupyter-button").first.wait_for(state="detached", timeout=30_000)
    page.evaluate(_SAVE_JS, name)

    texts = mime_texts(saved_outputs(lab_notebook_dir, name))
    for mime in ("text/plain", "text/html"):
        assert "Nothing has changed yet" not in texts[mime], f"{mime} still shows the plan"
        assert ("ready" if click == "Apply" else "Cancelled: nothing was changed") in texts[mime], mime

    reopen_without_kernel(page, name)
    shown = enable_cell(page).locator(".jp-Cell-outputArea").inner_text()
    screenshot(page, f"saved-{click.lower()}-reopened")
    assert "Nothing has changed yet" not in shown
    assert "Error displaying widget" not in shown and "Loading widget" not in shown
    if click == "Apply":
        assert "READY" in shown and "applied" in shown
    else:
        assert "Cancelled: nothing was changed" in shown
        box = enable_cell(page).locator(".nm-box:has-text('Cancelled')").first   # styled like the other statuses
        assert box.evaluate("e => getComputedStyle(e).borderLeftWidth") == "6px"
    assert enable_cell(page).locator("button:has-text('Apply')").count() == 0
    # The read-only dashboards of the same (trusted: JupyterLab saved it) notebook show too, not "model not found".
    for index, expected in ((3, "TH2-DESKTOP: myVM can nest after"), (4, "mock:classroom-04"), (5, "nestedVM")):
        output = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-Cell-outputArea")
        assert expected in output.inner_text(), (index, output.inner_text()[:200])
        assert output.locator(".nm-table, .nm-banner, .nm-level").count() > 0, index
    assert "Error displaying widget" not in page.locator(".jp-Notebook").inner_text()
    assert collect_errors(page, console_errors=[]) == []

    # Notebook 7 (the same server, its own front end) shows the same record and dashboards.
    reopen_without_kernel(page, name, where="notebook")
    assert "/notebooks/" in page.url
    screenshot(page, f"saved-{click.lower()}-notebook7")
    shown = enable_cell(page).locator(".jp-Cell-outputArea").inner_text()
    assert "Nothing has changed yet" not in shown
    assert ("READY" in shown and "applied" in shown) if click == "Apply" else "Cancelled: nothing was changed" in shown
    assert enable_cell(page).locator("button:has-text('Apply')").count() == 0
    for index, expected in ((3, "TH2-DESKTOP: myVM can nest after"), (4, "mock:classroom-04"), (5, "nestedVM")):
        output = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-Cell-outputArea")
        assert expected in output.inner_text(), (index, output.inner_text()[:200])
    notebook_text = page.locator(".jp-Notebook").inner_text()
    assert "Error displaying widget" not in notebook_text and "Loading widget" not in notebook_text
