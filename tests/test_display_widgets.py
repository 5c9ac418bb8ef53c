"""The ipywidgets views, built in plain pytest (no kernel: comms fall back to a dummy): their trees,
values, laziness, and the enable flow's buttons against the simulated host's state."""

from __future__ import annotations

import threading

import ipywidgets as w
import pytest
from display_fixtures import many_vms  # noqa: F401

import nested_magics as nm
from nested_magics.display import view as view_module
from nested_magics.display.enable_flow import EnableFlow
from nested_magics.display.fleet_view import FleetView
from nested_magics.display.widgets import ACCORDION_LIMIT, LazyPicker, PanelView, ReportView, TreeView


def nesting_on(target: str = "mock", vm: str = "myVM") -> bool:
    return nm.connect(target).facts().find_vm(vm).expose_virtualization_extensions


def html_of(widget) -> str:
    """All HTML values below ``widget``."""
    return "".join(x.value for x in view_module.walk_widgets(widget) if isinstance(x, w.HTML))


@pytest.fixture
def kernel(monkeypatch):
    """As in a live kernel: views hand Jupyter their widget."""
    monkeypatch.setattr(view_module, "in_kernel", lambda: True)


# ---------------------------------------------------------------- readiness dashboard


def test_dashboard_tree_for_the_blog_host():
    view = ReportView(nm.check("mock"))
    root = view.widget
    top, vms_head, accordion = root.children
    assert "TH2-DESKTOP: myVM can nest after the changes below" in top.value
    assert "Host checks" in top.value and "%nested_enable myVM" in top.value
    assert isinstance(accordion, w.Accordion) and accordion.selected_index == 0
    assert accordion.titles == ("myVM — FIXABLE — 2 fail, 2 warn: Virtualization extensions are not exposed",)
    details = accordion.children[0].children[0].value
    assert details.index("Virtualization extensions are not exposed") < details.index("Startup memory 2 GB")


def test_vm_details_are_built_only_when_opened(scenario, make_vm):
    vms = [make_vm(name="ok", nesting=True, mac_spoofing=True, startup=4 * 1024**3),
           make_vm(name="running", state="Running"), make_vm(name="gone-wrong", version="5.0")]
    view = ReportView(nm.check(scenario(vms=vms, default_vm_version="5.0")))
    accordion = view.widget.children[-1]
    titles = [t.split(" — ")[0] for t in accordion.titles]
    assert titles == ["gone-wrong", "running", "ok"]           # blocked, fixable, ready
    assert set(view.picker.built) == {0}
    assert [len(p.children) for p in accordion.children] == [1, 0, 0]
    accordion.selected_index = 2
    assert set(view.picker.built) == {0, 2}
    assert "All 11 passing checks" in accordion.children[2].children[0].value


def test_many_vms_use_a_dropdown_and_one_details_panel(many_vms):
    n = ACCORDION_LIMIT + 40
    view = ReportView(nm.check(many_vms(n)))
    picker = view.widget.children[-1]
    dropdown, panel = picker.children
    assert isinstance(dropdown, w.Dropdown) and len(dropdown.options) == n
    fails = [int(label.split(" — ")[2].split()[0]) for label, _i in dropdown.options]
    assert fails[0] == max(fails) and fails == sorted(fails, reverse=True)     # worst first
    assert len(view.picker.built) == 1
    dropdown.value = 7
    assert len(view.picker.built) == 2
    assert view.ordered[7]["name"] in panel.children[0].value
    table = view.widget.children[1].value
    assert table.count("<tr ") == n                              # the summary lists every VM


def test_ready_host_opens_nothing_but_a_single_vm(scenario, make_vm):
    ready = make_vm(nesting=True, mac_spoofing=True, startup=4 * 1024**3)
    one = ReportView(nm.check(scenario(vms=[ready]))).widget.children[-1]
    assert one.selected_index == 0
    two = ReportView(nm.check(scenario(vms=[ready, dict(ready, name="other")]))).widget.children[-1]
    assert two.selected_index is None


def test_lazy_picker_builds_each_item_once():
    calls = []
    picker = LazyPicker(["a", "b"], lambda i: calls.append(i) or w.HTML(str(i)), open_index=None)
    picker.widget.selected_index = 1
    picker.widget.selected_index = 0
    picker.widget.selected_index = 1
    assert calls == [1, 0]


def test_bundle_keeps_the_widget_view_and_full_forms(kernel):
    report = nm.check("mock")
    data = report._repr_mimebundle_()
    assert set(data) == {"application/vnd.jupyter.widget-view+json", "text/plain", "text/html"}
    assert data["text/plain"].startswith("TH2-DESKTOP (mock)") and "FAIL  vm.expose-extensions" in data["text/plain"]
    assert "nm-banner" in data["text/html"]


def test_widgets_can_be_turned_off(kernel):
    view_module.use_widgets(False)
    try:
        assert set(nm.check("mock")._repr_mimebundle_()) == {"text/plain", "text/html"}
    finally:
        view_module.use_widgets(True)


def test_error_report_is_only_the_banner():
    view = ReportView(nm.Report.failed("mock:x", "mock:x: no bundled scenario of that name"))
    (top,) = view.widget.children
    assert "nm-v-error" in top.value and "no bundled scenario" in top.value


# ---------------------------------------------------------------- fleets


def test_fleet_fills_in_from_worker_threads():
    targets = [f"mock:classroom-{i:02d}" for i in range(1, 13)]
    fleet = nm.check_fleet(targets)
    view = FleetView(targets)
    root = view.widget
    assert view.progress.value == 0 and view.progress.max == 12 and "WAITING" in view.table.value
    threads = [threading.Thread(target=view.record, args=(i, r)) for i, r in enumerate(fleet.hosts)]
    for thread in threads[:5]:
        thread.start()
    for thread in threads[:5]:
        thread.join()
    assert view.progress.value == 5 and view.table.value.count(">WAITING<") == 7 and view.picker is None
    for thread in threads[5:]:
        thread.start()
    for thread in threads[5:]:
        thread.join()
    assert view.complete and view.progress.value == 12
    assert view.progress.layout.display == "none"
    accordion = root.children[-1].children[0]
    assert isinstance(accordion, w.Accordion) and len(accordion.titles) == 12
    assert [t.split(" — ")[1] for t in accordion.titles] == sorted(
        (r.verdict.upper() for r in fleet.hosts), key=["ERROR", "BLOCKED", "FIXABLE", "READY"].index)
    assert accordion.selected_index is None and view.picker.built == {}
    accordion.selected_index = 0
    host_view = accordion.children[0].children[0]
    assert "Host checks" in html_of(host_view)


def test_fleet_shows_a_failed_host_and_the_rest():
    view = FleetView.of(nm.check_fleet(["mock:classroom-01", "mock:missing"]))
    table = view.widget.children[2].value
    assert ">ERROR<" in table and "mock:missing: no bundled scenario" in table and ">READY<" in table


# ---------------------------------------------------------------- enable flow


def test_apply_changes_the_host_and_shows_the_result():
    flow = EnableFlow(nm.plan_enable("mock", "myVM"))
    root = flow.widget
    assert flow.buttons.layout.display != "none" and flow.apply_button.description == "Apply 4 change(s)"
    assert not nesting_on()
    flow.apply_button.click()
    assert nesting_on()
    assert flow.state == "applied" and flow.result.ok
    assert [bar.bar_style for bar, _label in flow.bars.values()] == ["success"] * 4
    assert [label.value for _bar, label in flow.bars.values()] == ["done"] * 4
    assert flow.buttons.layout.display == "none"
    assert ">applied<" in root.children[0].value and "nm-v-ready" in root.children[0].value


def test_cancel_changes_nothing_and_disables_the_buttons():
    flow = EnableFlow(nm.plan_enable("mock", "myVM"))
    flow.widget
    flow.cancel_button.click()
    assert flow.apply_button.disabled and flow.cancel_button.disabled
    assert "Cancelled" in flow.status.value
    flow.apply_button.click()                    # a click that slips through still changes nothing
    assert not nesting_on() and flow.result is None


def test_refused_plan_has_no_apply_button(scenario, make_vm):
    target = scenario(vms=[make_vm(state="Saved")])
    flow = EnableFlow(nm.plan_enable(target, "myVM"))
    body = flow.widget.children[0].value
    assert flow.buttons.layout.display == "none"
    assert "Refused (discard-saved-state)" in body and "--discard-saved-state" in body


def test_nothing_to_change_has_no_buttons(scenario, make_vm):
    target = scenario(vms=[make_vm(nesting=True, mac_spoofing=True, startup=4 * 1024**3)])
    flow = EnableFlow(nm.plan_enable(target, "myVM"))
    assert "Nothing to change" in flow.widget.children[0].value
    assert flow.buttons.layout.display == "none"


def test_stale_plan_is_refused_and_changes_nothing():
    flow = EnableFlow(nm.plan_enable("mock", "myVM"))
    flow.widget
    nm.connect("mock").vm("start", "myVM")               # the VM moves on after the plan was made
    flow.apply_button.click()
    assert flow.result.failed.id == "stale"
    assert not nesting_on()
    assert "Refused (stale)" in flow.widget.children[0].value


def test_a_failing_change_shows_in_its_progress_bar(scenario, make_doc):
    doc = make_doc(vms=[{"name": "myVM", "state": "Off", "version": "8.0",
                         "memory": {"startup_bytes": 4 * 1024**3, "dynamic": True}}],
                   faults=[{"operation": "disable-dynamic-memory", "message": "disk on fire"}])
    target = scenario(doc)
    flow = EnableFlow(nm.plan_enable(target, "myVM"))
    flow.widget
    flow.apply()
    bar, label = flow.bars["disable-dynamic-memory"]
    assert bar.bar_style == "danger" and label.value == "failed: disk on fire"
    assert flow.bars["expose-extensions"][0].bar_style == "success"
    assert flow.result.failed.id == "disable-dynamic-memory"
    assert "Failed at disable-dynamic-memory" in flow.widget.children[0].value


def test_apply_in_code_without_widgets():
    flow = EnableFlow(nm.plan_enable("mock", "myVM"))
    result = flow.apply()
    assert result.ok and nesting_on() and flow._widget is None
    assert flow.apply() is result                        # a second apply does nothing more


# ---------------------------------------------------------------- tree and panels


def test_tree_view_tabs():
    tab = TreeView(nm.connect("mock:three-levels").tree()).widget
    assert tab.titles == ("Tree", "Levels", "Normal vs nested")
    tree, levels, explainer = (child.value for child in tab.children)
    assert ">L2<" in tree and 'alt="The levels of TH2-DESKTOP"' in levels
    assert 'alt="Nested: the extensions are exposed to the guest VM"' in explainer


def test_panel_view_for_an_apply_result(kernel):
    result = nm.plan_enable("mock", "myVM").apply(confirm=True)
    data = result._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("Plan for myVM on TH2-DESKTOP:")
    assert isinstance(PanelView("x", "<b>y</b>").widget, w.HTML)


def test_fleet_view_ignores_hosts_answering_after_close():
    view = FleetView(["mock:classroom-01"])
    view.widget
    view.close()
    view.record(0, nm.check("mock:classroom-01"))
    assert view._widget is None and view.picker is None


def test_close_closes_every_widget():
    view = ReportView(nm.check("mock"))
    widgets = list(view_module.walk_widgets(view.widget))
    view.close()
    assert all(widget.comm is None for widget in widgets)


def test_a_saved_plan_says_nothing_has_changed_yet_where_the_buttons_were():
    """A static viewer (GitHub, nbconvert) shows no buttons: the HTML itself says it is only a plan."""
    import nested_magics as nm
    from nested_magics.display.enable_flow import EnableFlow

    flow = EnableFlow(nm.plan_enable("mock", "myVM"))
    assert "Nothing has changed yet." in flow.html()
    flow.cancel()
    assert "Cancelled:" in flow.html() and "Nothing has changed yet" not in flow.html()
