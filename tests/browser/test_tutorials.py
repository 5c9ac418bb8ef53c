"""The tutorials in a real JupyterLab: every notebook runs clean, its dashboards render with their
rows, and in notebook 03 clicking Apply changes the tree (blog step 2)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from lab import collect_errors, open_and_run_all, screenshot, wait_kernel_idle

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def output_text(page, cell_index: int) -> str:
    return page.locator(".jp-Notebook .jp-Cell").nth(cell_index).locator(".jp-Cell-outputArea").inner_text()


def shot_cell(page, index: int, name: str) -> Path:
    """A screenshot of one cell (input and output): what a README picture should show."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    size = page.viewport_size
    height = cell.bounding_box()["height"]
    if height + 150 > size["height"]:     # a tall dashboard: grow the window so it is shown whole
        page.set_viewport_size({"width": size["width"], "height": int(min(height + 250, 4000))})
    cell.scroll_into_view_if_needed()
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    cell.screenshot(path=str(path))
    page.set_viewport_size(size)
    return path


def cell_index(name: str, starts_with: str) -> int:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.startswith(starts_with))


_RUN_JS = """async ([name, index, command]) => {
    const app = window.jupyterapp;
    const panel = [...app.shell.widgets('main')].find(w => w.context && w.context.path === name);
    app.shell.activateById(panel.id);
    panel.content.activeCellIndex = index;
    await app.commands.execute(command);
    return true;
}"""


def run(page, name: str, index: int, command: str) -> None:
    """Select cell ``index`` and run a notebook command on it; wait until the kernel is idle again."""
    page.evaluate(_RUN_JS, [name, index, command])
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-InputArea-prompt')].some(p => p.textContent.includes('[*]'))",
        timeout=60_000)
    wait_kernel_idle(page, name)


EXPECTED = {
    # notebook: (text every run must show, how many dashboard tables at least)
    "01-what-is-nested-virtualization.ipynb": ["L2", "nestedVM", "READY"],
    "02-known-issues.ipynb": ["failed to boot", "could not be saved", "live migration", "BLOCKED", "checkpoint"],
    "04-real-hosts.ipynb": ["skipped: set NESTED_MAGICS_REAL_HOST", "# nested-magics: facts"],
    "05-workshop.ipynb": ["CLASS-PC04", "CLASS-PC12", "12 hosts"],
    "06-nested-virtualization-today.ipynb": ["Nesting cannot work here", "Standard_B2s", "hypervisorlaunchtype Off",
                                             "This edition of Windows has no Hyper-V", "fix, or what the check says"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_tutorial_runs_and_its_dashboards_render(name, lab_page, console_errors):
    page = lab_page
    assert open_and_run_all(page, name), collect_errors(page, console_errors)
    if name != "04-real-hosts.ipynb":   # the one tutorial without a dashboard
        page.wait_for_selector(".jp-OutputArea-output .nm-table", timeout=30_000)
    text = page.locator(".jp-Notebook").inner_text()
    for expected in EXPECTED[name]:
        assert expected in text, f"{name}: {expected!r} not shown"
    tables = page.locator(".nm-table tr")
    if name != "04-real-hosts.ipynb":
        assert tables.count() > 0, "no dashboard rows rendered"
    if name == "05-workshop.ipynb":
        fleet = cell_index(name, "fleet =")
        fleet_rows = page.locator(".jp-Cell").nth(fleet).locator(".nm-table tr:has-text('mock:classroom-')")
        assert fleet_rows.count() >= 12
        shot_cell(page, fleet, "cell-fleet")
    if name == "01-what-is-nested-virtualization.ipynb":
        tree = cell_index(name, "%nested_tree")
        shot_cell(page, tree, "cell-tree")
        cell = page.locator(".jp-Cell").nth(tree)
        cell.locator("img[alt^='The levels of']").first.wait_for()
        cell.locator("summary:has-text('How nesting works')").first.click()
        cell.locator("img[alt^='Nested:']").first.wait_for(state="visible")
        shot_cell(page, tree, "cell-diagram")
    screenshot(page, name.removesuffix(".ipynb"))
    assert collect_errors(page, console_errors) == []


def test_notebook_03_apply_changes_the_tree(lab_page, console_errors):
    page = lab_page
    name = "03-enable-nested-virtualization.ipynb"
    plan = cell_index(name, "%%nested_enable myVM")
    tree = cell_index(name, "%nested_tree")
    page.goto(f"{page._nested_magics_base_url}/lab/tree/{name}?reset")
    page.wait_for_function("() => !!window.jupyterapp")
    wait_kernel_idle(page, name)
    run(page, name, plan + 1, "notebook:run-all-above")        # steps 1 and 2 up to the plan
    assert "nesting off" in output_text(page, tree)
    shot_cell(page, cell_index(name, "%nested_check myVM"), "cell-check")
    apply = page.locator(".jp-Cell").nth(plan).locator("button.jupyter-button:has-text('Apply')")
    apply.wait_for(timeout=30_000)
    screenshot(page, "03-plan")
    shot_cell(page, plan, "cell-plan")
    apply.click()
    page.locator(".jp-Cell").nth(plan).locator(".nm-verdict:text-is('READY')").first.wait_for(timeout=30_000)
    shot_cell(page, plan, "cell-applied")
    run(page, name, tree, "notebook:run-cell")                  # the same tree cell again
    assert "nesting on" in output_text(page, tree)
    screenshot(page, "03-applied")
    run(page, name, plan + 1, "notebook:run-all-below")        # the rest: --yes finds nothing left, steps 3-4
    last_tree = max(i for i, c in enumerate(nbformat.read(NOTEBOOKS / name, as_version=4).cells)
                    if c.cell_type == "code" and c.source.startswith("%nested_tree"))
    final = output_text(page, last_tree)
    assert "nestedVM" in final and "L2" in final
    screenshot(page, "03-three-levels")
    assert collect_errors(page, console_errors) == []
