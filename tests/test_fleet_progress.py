"""The fleet progress bar is for the live kernel only: once the fleet dashboard is shown it is gone, and the
stored outputs of an executed fleet cell (what a saved notebook, nbconvert and GitHub show) carry no progress text."""

from __future__ import annotations

import json
import os
import re

import nbformat
import pytest

PROGRESS_WORDS = ("concurrently", "hosts answered", "Hosts answered")


def _executed(tmp_path, source: str):
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%load_ext nested_magics"), nbformat.v4.new_code_cell(source)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NESTED_MAGICS_")}
    saved = os.environ.copy()
    os.environ.clear()
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


@pytest.fixture(scope="module")
def fleet_cell(tmp_path_factory):
    nb = _executed(tmp_path_factory.mktemp("progress"), "%nested_check -t mock:classroom-*")
    return nb, nb.cells[1]


def test_executed_fleet_cell_stores_no_progress_text(fleet_cell):
    _nb, cell = fleet_cell
    stored = json.dumps(cell.outputs)
    assert "Fleet of 12 host" in stored                       # the dashboard is there
    for word in PROGRESS_WORDS:
        assert word not in stored, f"stored outputs still say {word!r}"


def test_the_dashboard_is_the_only_visible_output(fleet_cell):
    _nb, cell = fleet_cell
    visible = [o for o in cell.outputs if any(isinstance(v, str) and v.strip() for v in o.get("data", {}).values())]
    assert [o.output_type for o in visible] == ["execute_result"]
    assert "text/plain" in visible[0].data and "text/html" in visible[0].data


def outside_scripts(html: str) -> str:
    """What a reader can see: the page without its <script> elements (stored widget state lives there;
    nbclient keeps a closed widget's last state, but no output shows it)."""
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S | re.I)


def test_nbconvert_html_of_the_executed_cell_has_no_progress_line(fleet_cell):
    from nbconvert import HTMLExporter

    nb, _cell = fleet_cell
    for widget_state in (True, False):
        copy = nbformat.from_dict(json.loads(json.dumps(nb)))
        if not widget_state:
            copy.metadata.pop("widgets", None)
        body = outside_scripts(HTMLExporter().from_notebook_node(copy)[0])
        if not widget_state:        # with stored state nbconvert shows widgets instead (issue 12, item 2)
            assert "Fleet of 12 host" in body
        for word in PROGRESS_WORDS:
            assert word not in body, f"nbconvert HTML (widget state {widget_state}) says {word!r}"
