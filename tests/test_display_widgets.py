"""The ipywidgets views, built in plain pytest (no kernel: comms fall back to a dummy): what they show,
how they open and fill in, and the enable flow's buttons against the simulated host's state.

The tests look for widgets by what a user sees (text, a button's label, a progress bar), never by their
position in a layout."""

from __future__ import annotations

import re
import threading

import ipywidgets as w
import pytest
from display_fixtures import many_vms  # noqa: F401

import nested_magics as nm
from nested_magics.display import digest, formatters, steps, view as view_module
from nested_magics.display.enable_flow import EnableFlow
from nested_magics.display.fleet_view import FleetView
from nested_magics.display.widgets import ACCORDION_LIMIT, LazyPicker, ReportView, TreeView
from nested_magics.front.advice import next_steps


def nesting_on(target: str = "mock", vm: str = "myVM") -> bool:
    return nm.connect(target).facts().find_vm(vm).expose_virtualization_extensions


def shown(widget):
    """The widgets below ``widget`` that are on screen (a hidden box hides all it holds), top to bottom."""
    if getattr(getattr(widget, "layout", None), "display", None) == "none":
        return
    yield widget
    for child in getattr(widget, "children", ()):
        yield from shown(child)


def html_of(widget) -> str:
    """All the HTML on screen below ``widget``, top to bottom."""
    return "".join(x.value for x in shown(widget) if isinstance(x, w.HTML))


def found(widget, kind) -> list:
    """The widgets of type ``kind`` on screen below ``widget``."""
    return [x for x in shown(widget) if isinstance(x, kind)]


def button(widget, label: str) -> w.Button:
    """The one button on screen whose label starts with ``label``."""
    (match,) = [b for b in found(widget, w.Button) if b.description.startswith(label)]
    return match


def progress_rows(widget) -> dict[str, tuple[str, str]]:
    """Each change's progress row on screen: ``{change id: (bar style, status text)}``."""
    rows = {}
    for box in found(widget, w.HBox):
        bars = [c for c in box.children if isinstance(c, w.IntProgress)]
        labels = [c.value for c in box.children if isinstance(c, w.Label)]
        if bars and len(labels) == 2:
            rows[labels[0].split(". ", 1)[1]] = (bars[0].bar_style, labels[1])
    return rows


# ---------------------------------------------------------------- readiness dashboard


@pytest.fixture
def kernel(monkeypatch):
    """As in a live kernel: views hand Jupyter their widget."""
    monkeypatch.setattr(view_module, "in_kernel", lambda: True)


def test_dashboard_for_the_blog_host():
    root = ReportView(nm.check("mock"), next_steps).widget
    page = html_of(root)
    assert "TH2-DESKTOP: myVM can nest after the changes below" in page
    assert "%nested_enable myVM" in page                                  # the next step, with its command
    assert page.index("Host checks") < page.index("VMs (1, worst first)")
    (accordion,) = found(root, w.Accordion)
    assert accordion.selected_index == 0                                  # the one VM is open
    assert accordion.titles == ("myVM — FIXABLE — 2 fail, 2 warn: Virtualization extensions are not exposed",)
    details = html_of(accordion)
    assert details.index("Virtualization extensions are not exposed") < details.index("Startup memory 2 GB")


def test_the_dashboard_shows_the_next_steps_it_is_given_or_registered():
    report = nm.check("mock")
    registered = steps.registered()
    try:
        steps.use(None)
        assert "%nested_enable myVM" not in html_of(ReportView(report).widget)   # the display has none of its own
        assert "%nested_enable myVM" in html_of(ReportView(report, next_steps).widget)
        steps.use(next_steps)                        # what the front end does when it registers the display
        assert "Next: Enable nesting on myVM: %nested_enable myVM" in ReportView(report).text()
        flow = EnableFlow(nm.plan_enable("mock", "myVM"))       # as %nested_enable makes it
        flow.apply()
        assert "Next: myVM is ready" in flow.text() and "myVM is ready" in flow.html()
    finally:
        steps.use(registered)


def test_vm_details_are_built_only_when_opened(scenario, make_vm):
    vms = [make_vm(name="ok", nesting=True, mac_spoofing=True, startup=4 * 1024**3),
           make_vm(name="running", state="Running"), make_vm(name="gone-wrong", version="5.0")]
    root = ReportView(nm.check(scenario(vms=vms, default_vm_version="5.0"))).widget
    (accordion,) = found(root, w.Accordion)
    titles = [t.split(" — ")[0] for t in accordion.titles]
    assert titles == ["gone-wrong", "running", "ok"]           # blocked, fixable, ready
    assert [len(pane.children) for pane in accordion.children] == [1, 0, 0]   # only the worst is built
    assert "VM gone-wrong exists" in html_of(root) and "VM ok exists" not in html_of(root)
    accordion.selected_index = 2
    assert [len(pane.children) for pane in accordion.children] == [1, 0, 1]
    assert "11 passing checks" in html_of(accordion.children[2])   # every VM check but vm.guest-hyperv (unknown)


def test_many_vms_use_a_dropdown_and_one_details_panel(many_vms):
    n = ACCORDION_LIMIT + 40
    root = ReportView(nm.check(many_vms(n))).widget
    assert not found(root, w.Accordion)
    (dropdown,) = found(root, w.Dropdown)
    assert len(dropdown.options) == n
    fails = [int(label.split(" — ")[2].split()[0]) for label, _i in dropdown.options]
    assert fails[0] == max(fails) and fails == sorted(fails, reverse=True)     # worst first
    page = html_of(root)
    listed = re.findall(r'<b[^>]*>(?:<span [^>]*>)?(vm-\d{4})<', page)
    assert len(listed) == min(n, digest.ROWS)                  # the worst VMs a row each (issue 12: big hosts
    assert "Showing the" in page or n <= digest.FULL           # stay small; the groups count every VM)
    first, seventh = (dropdown.options[i][0].split(" — ")[0] for i in (0, 7))
    assert f"VM {first} exists" in page and f"VM {seventh} exists" not in page  # one VM's details
    dropdown.value = 7
    page = html_of(root)
    assert f"VM {seventh} exists" in page and f"VM {first} exists" not in page  # the panel shows the one chosen


def test_ready_host_opens_nothing_but_a_single_vm(scenario, make_vm):
    ready = make_vm(nesting=True, mac_spoofing=True, startup=4 * 1024**3)
    (one,) = found(ReportView(nm.check(scenario(vms=[ready]))).widget, w.Accordion)
    assert one.selected_index == 0
    (two,) = found(ReportView(nm.check(scenario(vms=[ready, dict(ready, name="other")]))).widget, w.Accordion)
    assert two.selected_index is None


@pytest.mark.parametrize("count, built", [(2, [1, 0]),                    # an Accordion opens nothing at first
                                           (ACCORDION_LIMIT + 1, [0, 1])])  # a Dropdown shows its first item
def test_lazy_picker_builds_each_item_once(count, built):
    calls = []
    picker = LazyPicker([str(i) for i in range(count)], lambda i: calls.append(i) or w.HTML(str(i)), open_index=None)
    (choose,) = found(picker.widget, (w.Accordion, w.Dropdown))
    name = "selected_index" if isinstance(choose, w.Accordion) else "value"
    for index in (1, 0, 1):
        setattr(choose, name, index)
        if isinstance(choose, w.Dropdown):
            assert html_of(picker.widget) == str(index)      # its one panel shows the item chosen
    assert calls == built


def test_a_notebook_dashboard_is_text_and_html_even_live(kernel):
    """A report, a fleet and a tree have nothing to press: in a live notebook they are plain outputs, so a saved
    notebook reopened (trusted, no kernel: JupyterLab shows a widget output as "model not found") shows them."""
    data = formatters.report_bundle(nm.check("mock"), next_steps)
    assert set(data) == {"text/plain", "text/html"}
    assert data["text/plain"].startswith("TH2-DESKTOP (mock)") and "FAIL  vm.expose-extensions" in data["text/plain"]
    assert "nm-banner" in data["text/html"]
    assert set(formatters.tree_bundle(nm.connect("mock").tree())) == {"text/plain", "text/html"}


@pytest.mark.parametrize("variable, value", [("SERVER_SOFTWARE", "voila/0.5.13"),
                                             ("VOILA_REQUEST_URL", "http://127.0.0.1:8866/")])
def test_a_voila_page_gets_the_widget_view_and_full_forms(kernel, monkeypatch, variable, value):
    """Voila starts every kernel with VOILA_REQUEST_URL (a preheated one has no SERVER_SOFTWARE)."""
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    monkeypatch.setenv(variable, value)
    data = formatters.report_bundle(nm.check("mock"), next_steps)
    assert set(data) == {"application/vnd.jupyter.widget-view+json", "text/plain", "text/html"}
    assert "nm-banner" in data["text/html"]


def test_widgets_can_be_turned_off(kernel):
    view_module.use_widgets(False)
    try:
        assert set(formatters.report_bundle(nm.check("mock"))) == {"text/plain", "text/html"}
    finally:
        view_module.use_widgets(True)


def test_error_report_is_only_the_banner():
    root = ReportView(nm.Report.failed("mock:x", "mock:x: no bundled scenario of that name"), next_steps).widget
    page = html_of(root)
    assert "nm-v-error" in page and "no bundled scenario" in page
    assert "Host checks" not in page and not found(root, (w.Accordion, w.Dropdown))


# ---------------------------------------------------------------- fleets


def test_fleet_fills_in_from_worker_threads():
    targets = [f"mock:classroom-{i:02d}" for i in range(1, 13)]
    fleet = nm.check_fleet(targets)
    view = FleetView(targets)
    root = view.widget
    (bar,) = found(root, w.IntProgress)
    assert bar.value == 0 and bar.max == 12 and html_of(root).count("waiting for the host to answer") == 12
    threads = [threading.Thread(target=view.record, args=(i, r)) for i, r in enumerate(fleet.hosts)]
    for thread in threads[:5]:
        thread.start()
    for thread in threads[:5]:
        thread.join()
    assert bar.value == 5 and html_of(root).count("waiting for the host to answer") == 7
    assert "Checking 12 hosts: 5 answered" in html_of(root) and not found(root, w.Accordion)
    for thread in threads[5:]:
        thread.start()
    for thread in threads[5:]:
        thread.join()
    assert view.complete and bar.value == 12
    assert not found(root, w.IntProgress)                            # the finished fleet hides its bar
    (accordion,) = found(root, w.Accordion)
    assert len(accordion.titles) == 12
    assert [t.split(" — ")[1] for t in accordion.titles] == sorted(
        (r.verdict.upper() for r in fleet.hosts), key=["ERROR", "BLOCKED", "FIXABLE", "READY"].index)
    assert accordion.selected_index is None and all(not pane.children for pane in accordion.children)
    accordion.selected_index = 0
    assert "Host checks" in html_of(accordion.children[0])


def test_fleet_shows_a_failed_host_and_the_rest():
    page = html_of(FleetView.of(nm.check_fleet(["mock:classroom-01", "mock:missing"])).widget)
    assert ">ERROR<" in page and "mock:missing: no bundled scenario" in page and ">READY<" in page


def test_fleet_hosts_show_their_next_steps():
    view = FleetView.of(nm.check_fleet(["mock", "mock:classroom-01"]), next_steps)
    (accordion,) = found(view.widget, w.Accordion)
    accordion.selected_index = 0                      # mock: fixable, the worst
    assert "%nested_enable myVM" in html_of(accordion.children[0])
    assert "Next: Enable nesting on myVM: %nested_enable myVM" in view.text()


# ---------------------------------------------------------------- enable flow


def test_apply_changes_the_host_and_shows_the_result():
    flow = EnableFlow(nm.plan_enable("mock", "myVM"), next_steps)
    root = flow.widget
    assert [b.description for b in found(root, w.Button)] == ["Apply 4 change(s)", "Cancel"]
    assert not progress_rows(root)                    # no progress before Apply
    assert not nesting_on()
    button(root, "Apply").click()
    assert nesting_on()
    assert flow.state == "applied" and flow.result.ok
    assert not progress_rows(root) and not found(root, w.Button)   # the result replaces bars and buttons
    page = flow.html()                                             # the content output: the saved record
    assert page.count(">applied<") == 4 and "nm-v-ready" in page
    assert "myVM is ready: install Hyper-V inside it (blog step 3)" in page   # the after report's next step


def watch_progress(root) -> list[dict]:
    """What the progress rows show each time one of their words changes (filled in while applying)."""
    seen: list[dict] = []
    for label in view_module.walk_widgets(root):
        if isinstance(label, w.Label):
            label.observe(lambda _change: seen.append(progress_rows(root)), "value")
    return seen


def test_progress_shows_each_change_while_applying():
    flow = EnableFlow(nm.plan_enable("mock", "myVM"))
    root = flow.widget
    seen = watch_progress(root)
    button(root, "Apply").click()
    waiting = {c.id: ("", "waiting") for c in flow.plan.changes[1:]}
    assert seen[0] == {"expose-extensions": ("info", "running…"), **waiting}
    assert seen[-1] == {c.id: ("success", "done") for c in flow.plan.changes}


def test_cancel_changes_nothing_and_disables_the_buttons():
    flow = EnableFlow(nm.plan_enable("mock", "myVM"))
    root = flow.widget
    button(root, "Cancel").click()
    assert button(root, "Apply").disabled and button(root, "Cancel").disabled
    assert "Cancelled" in html_of(root)
    button(root, "Apply").click()                     # a click that slips through still changes nothing
    assert not nesting_on() and flow.result is None


def test_refused_plan_has_no_apply_button(scenario, make_vm):
    target = scenario(vms=[make_vm(state="Saved")])
    flow = EnableFlow(nm.plan_enable(target, "myVM"))
    root, page = flow.widget, flow.html()
    assert not found(root, w.Button)
    assert "Refused (discard-saved-state)" in page and "--discard-saved-state" in page


def test_nothing_to_change_has_no_buttons(scenario, make_vm):
    target = scenario(vms=[make_vm(nesting=True, mac_spoofing=True, startup=4 * 1024**3)])
    flow = EnableFlow(nm.plan_enable(target, "myVM"))
    root = flow.widget
    assert "Nothing to change" in flow.html()
    assert not found(root, w.Button)


def test_stale_plan_is_refused_and_changes_nothing():
    flow = EnableFlow(nm.plan_enable("mock", "myVM"))
    root = flow.widget
    nm.connect("mock").vm("start", "myVM")               # the VM moves on after the plan was made
    button(root, "Apply").click()
    assert flow.result.failed.id == "stale"
    assert not nesting_on()
    assert "Refused (stale)" in flow.html()


def test_a_failing_change_shows_in_its_progress_bar(scenario, make_doc):
    doc = make_doc(vms=[{"name": "myVM", "state": "Off", "version": "8.0",
                         "memory": {"startup_bytes": 4 * 1024**3, "dynamic": True}}],
                   faults=[{"operation": "disable-dynamic-memory", "message": "disk on fire"}])
    target = scenario(doc)
    flow = EnableFlow(nm.plan_enable(target, "myVM"))
    root = flow.widget
    seen = watch_progress(root)
    button(root, "Apply").click()
    assert seen[-1]["disable-dynamic-memory"] == ("danger", "failed: disk on fire")
    assert seen[-1]["expose-extensions"][0] == "success"
    assert flow.result.failed.id == "disable-dynamic-memory"
    assert "Failed at disable-dynamic-memory</b>: disk on fire" in flow.html()


def test_apply_in_code_without_widgets():
    flow = EnableFlow(nm.plan_enable("mock", "myVM"))
    result = flow.apply()
    assert result.ok and nesting_on()
    assert "applied  expose-extensions" in flow.text()
    assert flow.apply() is result                        # a second apply does nothing more


# ---------------------------------------------------------------- tree and panels


def test_tree_view_tabs():
    tab = TreeView(nm.connect("mock:three-levels").tree()).widget
    assert tab.titles == ("Tree", "Levels", "Normal vs nested")
    tree, levels, explainer = (html_of(child) for child in tab.children)
    assert ">L2<" in tree and 'alt="The levels of TH2-DESKTOP"' in levels
    assert 'alt="Nested: the extensions are exposed to the guest VM"' in explainer


def test_a_panel_is_plain_text_and_html_even_live(kernel):
    """An apply result has nothing to press: no widget, so a saved notebook shows it wherever it is opened."""
    result = nm.plan_enable("mock", "myVM").apply(confirm=True)
    data = formatters.apply_bundle(result, next_steps)
    assert set(data) == {"text/plain", "text/html"}
    assert data["text/plain"].startswith("Plan for myVM on TH2-DESKTOP:")
    assert "Next: myVM is ready" in data["text/plain"] and "nm-v-ready" in data["text/html"]


def test_fleet_view_ignores_hosts_answering_after_close():
    view = FleetView(["mock:classroom-01"])
    widgets = list(view_module.walk_widgets(view.widget))
    view.close()
    view.record(0, nm.check("mock:classroom-01"))         # a worker thread finishing late
    assert all(widget.comm is None for widget in widgets)   # closed, and nothing was rebuilt or refreshed
    (bar,) = [x for x in widgets if isinstance(x, w.IntProgress)]
    assert bar.value == 0


def test_close_closes_every_widget():
    view = ReportView(nm.check("mock"))
    widgets = list(view_module.walk_widgets(view.widget))
    view.close()
    assert all(widget.comm is None for widget in widgets)


def test_a_saved_plan_says_nothing_has_changed_yet_where_the_buttons_were():
    """A static viewer (GitHub, nbconvert) shows no buttons: the HTML itself says it is only a plan."""
    flow = EnableFlow(nm.plan_enable("mock", "myVM"))
    assert "Nothing has changed yet." in flow.html()
    flow.cancel()
    assert "Cancelled:" in flow.html() and "Nothing has changed yet" not in flow.html()
