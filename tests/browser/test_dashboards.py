"""The magics' dashboards in a real JupyterLab: they render (plain HTML that folds with <details>), the enable flow
reacts, and they stay inert with hostile names."""

from __future__ import annotations

import json

import pytest
from lab import collect_errors, open_and_run_all, screenshot
from test_lab_smoke import write_notebook

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"


def hostile_scenario(directory) -> str:
    doc = {"schema": "nested-magics/host-facts/v1", "name": "<script>alert('host')</script>",
           "os": {"build": 14393, "kind": "client", "caption": "<b onmouseover=alert(2)>Windows</b>"},
           "cpu": {"vendor": "GenuineIntel"}, "hypervisor_present": True, "hyperv_installed": True,
           "supported_vm_versions": ["8.0"],
           "vms": [{"name": HOSTILE, "state": "Off", "version": "8.0"},
                   {"name": "x' onclick='alert(3)", "state": "Running", "version": "8.0"}]}
    path = directory / "hostile.json"
    path.write_text(json.dumps(doc))
    return f"mock:{path}"


def test_dashboards_render_and_the_enable_flow_applies(lab_page, lab_notebook_dir, console_errors):
    page = lab_page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    target = hostile_scenario(lab_notebook_dir)
    name = write_notebook(
        lab_notebook_dir, "dashboards.ipynb",
        "%load_ext nested_magics",
        "%nested_check",
        "%nested_check -t mock:classroom-01 -t mock:classroom-04 -t mock:nowhere",
        "%nested_tree -t mock:three-levels",
        "flow = %nested_enable myVM\nflow",
        f"%nested_check -t {target}",
    )
    assert open_and_run_all(page, name), collect_errors(page)

    page.wait_for_selector(".nm-banner:has-text('TH2-DESKTOP: myVM can nest after')")
    page.wait_for_selector("summary:has-text('myVM — FIXABLE — 2 fail, 2 warn')")
    page.wait_for_selector(".nm-table td:has-text('mock:nowhere: no bundled scenario of that name')")
    page.wait_for_selector("summary:has-text(\"How nesting works: the blog's two pictures\")")
    assert page.locator(".jp-OutputArea .jupyter-widget-Collapse-header, .jp-OutputArea .lm-TabBar-tab").count() == 0   # no widget dashboard

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy = page.locator(".jp-Cell-outputArea").nth(1).locator("button.nm-copy").first
    copy.click()
    page.wait_for_selector("button.nm-copy:text-is('Copied')")
    assert page.evaluate("() => navigator.clipboard.readText()") == "%nested_enable myVM"
    # Without the clipboard API (plain http on a classroom address), Copy selects the command and says so.
    page.evaluate("() => Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true})")
    fallback = page.locator(".jp-Cell-outputArea").nth(1).locator("button.nm-copy").nth(1)
    fallback.click()
    page.wait_for_selector("button.nm-copy:text-is('Selected: Ctrl+C')")
    assert page.evaluate("() => window.getSelection().toString()").strip().startswith("Set-VM")

    page.wait_for_selector("img[alt='The levels of TH2-DESKTOP']")
    page.locator("summary:has-text(\"How nesting works: the blog's two pictures\")").first.click()
    page.wait_for_selector("img[alt='Nested: the extensions are exposed to the guest VM']", state="visible")

    page.click("button.jupyter-button:has-text('Apply 4 change(s)')")
    page.wait_for_selector(".nm-box:has-text('myVM:') .nm-verdict:text-is('READY')")
    assert page.locator("button.jupyter-button:has-text('Apply 4 change(s)')").is_hidden()

    host_cell = page.locator(".jp-Cell-outputArea").nth(5)
    assert HOSTILE in host_cell.inner_text()
    assert host_cell.locator("img, script, [onmouseover], [onclick*=alert]").count() == 0   # text, never markup
    screenshot(page, "dashboards")
    assert dialogs == []
    assert collect_errors(page) == []
    assert console_errors == []
