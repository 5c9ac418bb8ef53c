"""Layout that fits, measured in a real JupyterLab: 100-character VM and host names at 1280 px and at 800 px
with the file browser open. Every table's last column, every Copy button and every verdict can be reached
(visible, or inside a box that scrolls sideways), nothing sticks out of an output without such a box, the
dark theme's secondary text reads at 4.5:1 or better, and the buttons show a focus ring.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab import collect_errors, open_and_run_all, screenshot
from layout_probe import clipped, contrast, unreachable
from test_lab_smoke import write_notebook

pytestmark = pytest.mark.browser

SCENARIOS = Path(__file__).resolve().parents[2] / "nested_magics" / "scenarios"


def long_name(stem: str, dashes: bool = False) -> str:
    """100 characters; without dashes nothing in it is a line-break opportunity."""
    filler = "-segment" if dashes else "X"
    name = stem
    while len(name) < 100:
        name += filler
    return name[:100]


HOST = long_name("CLASSROOM-BUILDING-7-FLOOR-3-HYPERV-HOST-")
VM_SOLID = long_name("WORKSHOPVMFORNESTEDVIRTUALIZATION")
VM_DASHED = long_name("student-vm", dashes=True)
TREE_L1 = long_name("OUTERLEVELONEVM")
TREE_L2 = long_name("innerlevel-two-vm", dashes=True)

# Secondary text: every class the views use for muted words.
SECONDARY = ".nm-muted, .nm-why, .nm-src, .nm-th, .nm-k, .nm-foldsum, .nm-caption, .nm-arrow, .nm-sub"
# What must be reachable: each table's last column (header and cells), the Copy buttons, the verdicts.
MUST_REACH = ".nm-table tr > :last-child, button.nm-copy, .nm-verdict"


def scenario_files(directory: Path) -> dict[str, str]:
    """Host-facts files with 100-character names, in the notebook folder (so the kernel finds them)."""
    blog = json.loads((SCENARIOS / "blog-2015.json").read_text())
    blog["name"] = HOST
    first = blog["vms"][0]
    blog["vms"] = [dict(first, name=VM_SOLID), dict(first, name=VM_DASHED, id="230a8a2d-46be-5866-852f-387e8d58fb04"),
                   dict(first, name="myVM", id="230a8a2d-46be-5866-852f-387e8d58fb05")]
    tree = json.loads((SCENARIOS / "three-levels.json").read_text())
    tree["name"] = HOST
    tree["vms"][0]["name"] = TREE_L1
    tree["vms"][0]["guest"]["vms"][0]["name"] = TREE_L2
    files = {}
    # one file per enable cell: a later --yes on the same host would make an earlier plan out of date
    for key, doc in (("a", blog), ("b", dict(blog, name=HOST[:-1] + "B")), ("c", blog), ("d", blog), ("e", blog),
                     ("tree", tree)):
        path = directory / f"{key}-{long_name('host-facts-of-a-long-named-host', dashes=True)}.json"
        path.write_text(json.dumps(doc))
        files[key] = f"mock:{path}"
    return files


def notebook(directory: Path) -> str:
    t = scenario_files(directory)
    return write_notebook(
        directory, "long-names.ipynb",
        "%load_ext nested_magics",
        f"%nested_check -t {t['a']}",
        f"%nested_enable {VM_SOLID} -t {t['a']}",
        f"%nested_enable {VM_DASHED} -t {t['c']} --yes",
        f"%nested_check -t {t['a']} -t {t['b']} -t mock:classroom-01",
        f"%nested_tree -t {t['tree']}",
        "%config NestedMagics.widgets = False",
        f"%nested_check -t {t['d']}",
        f"%nested_enable {VM_SOLID} -t {t['d']}",
        f"%nested_enable {VM_DASHED} -t {t['e']} --yes",
        f"%nested_check -t {t['a']} -t {t['b']} -t mock:classroom-01",
    )


CELL = {"check": 1, "plan": 2, "applied": 3, "fleet": 4, "tree": 5, "static-check": 7, "static-plan": 8, "static-fleet": 10}


def open_file_browser(page) -> None:
    if not page.locator("#filebrowser").is_visible():
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
    page.wait_for_selector("#filebrowser", state="visible")


def open_everything(page) -> None:
    """Open the first host of a widget fleet (if any), and every <details>, so their tables are measured too."""
    fleet = page.locator(".jp-Notebook .jp-Cell").nth(CELL["fleet"])
    header = fleet.locator(".jupyter-widget-Collapse-header").first
    if header.count():
        header.click()
        fleet.locator(".jupyter-widget-Collapse-contents .nm-banner").first.wait_for()
    page.evaluate("() => document.querySelectorAll('.jp-Notebook details').forEach(d => d.open = true)")


def shot_view(page, index: int, name: str, inside: str = "") -> None:
    """The window, scrolled so cell ``index`` (or the first ``inside`` element of it) is at the top."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    target = cell.locator(inside).first if inside else cell
    target.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(100)
    screenshot(page, name)


def measure(page, label: str) -> None:
    lost = unreachable(page, MUST_REACH)
    stuck_out = clipped(page)
    assert lost == [], f"{label}: cannot be reached: {lost[:8]}"
    assert stuck_out == [], f"{label}: sticks out of its output without a scroll box: {stuck_out[:8]}"


@pytest.fixture
def long_names_page(lab_page, lab_notebook_dir, console_errors):
    page = lab_page
    name = notebook(lab_notebook_dir)
    assert open_and_run_all(page, name), collect_errors(page)
    page.wait_for_selector(".nm-box .nm-verdict:text-is('READY')")
    assert VM_SOLID in page.locator(".jp-Notebook").inner_text()
    open_file_browser(page)
    open_everything(page)
    yield page
    assert collect_errors(page) == []


def test_every_column_is_reachable_with_long_names_at_1280_and_800_px(long_names_page):
    page = long_names_page
    for width in (1280, 800):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)   # JupyterLab lays its panels out again
        assert page.locator("#filebrowser").is_visible(), "the file browser closed"
        measure(page, f"{width} px")
        if width == 800:   # the test exercises real scrolling: some table is wider than its box here
            assert page.evaluate("() => [...document.querySelectorAll('.nm-table')].some(t => {"
                                 " const b = t.parentElement; return b.scrollWidth > b.clientWidth + 4"
                                 " && ['auto','scroll'].includes(getComputedStyle(b).overflowX); })")
        for key, index in CELL.items():
            shot_view(page, index, f"layout-{width}-{key}")
        shot_view(page, CELL["check"], f"layout-{width}-check-vms", ".nm-scroll")
        shot_view(page, CELL["fleet"], f"layout-{width}-fleet-host", "details")


def test_full_names_on_hover(long_names_page):
    page = long_names_page
    for name in (HOST, VM_SOLID, VM_DASHED):
        assert page.locator(f".jp-Notebook [title='{name}']").count() > 0, f"no hover title for {name[:20]}…"


def test_dark_theme_secondary_text_and_focus_rings(long_names_page):
    page = long_names_page
    for theme in ("JupyterLab Light", "JupyterLab Dark"):
        page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme)
        page.wait_for_function("(light) => document.body.dataset.jpThemeLight === light",
                               arg="true" if theme.endswith("Light") else "false")
        page.wait_for_timeout(500)
        ratios = contrast(page, SECONDARY)
        assert len(ratios) > 20
        low = [r for r in ratios if r["ratio"] < 4.5]
        assert low == [], f"{theme}: below 4.5:1: {low[:5]}"
        screenshot(page, f"layout-{theme.split()[-1].lower()}")
    plan = page.locator(".jp-Notebook .jp-Cell").nth(CELL["plan"])
    for button in (plan.locator("button.jupyter-button:has-text('Apply')"),
                   plan.locator("button.jupyter-button:has-text('Cancel')"), plan.locator("button.nm-copy").first):
        button.scroll_into_view_if_needed()
        page.keyboard.press("Shift")           # the last input was the keyboard: focus shows as it does on Tab
        button.focus()
        ring = button.evaluate("b => { const s = getComputedStyle(b); return [s.outlineStyle, "
                               "parseFloat(s.outlineWidth), parseFloat(s.outlineOffset)]; }")
        assert ring[0] not in ("none", "") and ring[1] >= 2 and ring[2] >= 1, f"focus ring {ring}"
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
