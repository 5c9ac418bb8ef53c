"""The magics, driven through a real InteractiveShell: syntax (contracts §5), return values, the default
target's precedence, and every bad input as one plain UsageError line that changes nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

import nested_magics as nm
from nested_magics import session
from nested_magics.display import view as view_module
from nested_magics.display.enable_flow import EnableFlow
from nested_magics.front.magic_args import ENABLE_BODY_KEYS
from nested_magics.host import Host
from nested_magics.model.plan import Plan
from nested_magics.model.report import FleetReport, Report
from nested_magics.model.results import ActionResult, ApplyResult
from nested_magics.model.tree import TreeNode
from nested_magics.vocabulary import VM_ACTIONS

MAGICS = ("nested_connect", "nested_check", "nested_enable", "nested_tree", "nested_vm")


def new_shell(**config) -> InteractiveShell:
    c = Config()
    c.HistoryAccessor.enabled = False
    for key, value in config.items():
        c.NestedMagics[key] = value
    shell = InteractiveShell(config=c)
    shell.extension_manager.load_extension("nested_magics")
    return shell


@pytest.fixture
def ip():
    shell = new_shell()
    yield shell
    shell.extension_manager.unload_extension("nested_magics")
    view_module.use_widgets(True)


def line(ip, name, text=""):
    return ip.run_line_magic(name, text)


def nesting_on(target: str = "mock", vm: str = "myVM") -> bool:
    return nm.connect(target).facts().find_vm(vm).expose_virtualization_extensions


def usage_error(call) -> str:
    """The message of the plain UsageError ``call()`` raises (one line, exactly that class)."""
    with pytest.raises(UsageError) as caught:
        call()
    assert type(caught.value) is UsageError
    message = str(caught.value)
    assert message and "\n" not in message
    return message


def cell_output(ip, source: str) -> str:
    with capture_output() as cap:
        ip.run_cell(source)
    return cap.stdout + cap.stderr


# ---------------------------------------------------------------- loading


def test_load_ext_imports_no_widgets_and_no_winrm():
    code = textwrap.dedent("""
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        ip = InteractiveShell.instance()
        ip.run_line_magic("load_ext", "nested_magics")
        assert {"nested_connect", "nested_check", "nested_tree", "nested_vm", "nested_enable"} <= set(
            ip.magics_manager.magics["line"]) and "nested_enable" in ip.magics_manager.magics["cell"]
        heavy = ("ipywidgets", "winrm", "requests")
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
        ip.run_line_magic("nested_check", "")          # outside a kernel: still no widgets
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["[]", "[]"]


def test_unload_removes_the_magics_and_reload_brings_them_back(ip):
    host, report = nm.connect("mock"), nm.check("mock")
    assert "nm-box" in ip.display_formatter.format(host)[0]["text/html"]
    ip.extension_manager.unload_extension("nested_magics")
    assert not set(MAGICS) & set(ip.magics_manager.magics["line"])
    for obj in (host, report):                                  # shown as their plain repr again
        data, _meta = ip.display_formatter.format(obj)
        assert data == {"text/plain": repr(obj)}, data
    ip.extension_manager.load_extension("nested_magics")
    assert isinstance(line(ip, "nested_check"), Report)
    assert "nm-banner" in ip.display_formatter.format(report)[0]["text/html"]


def test_importing_the_package_inside_ipython_shows_results_without_load_ext():
    """``import nested_magics as nm; nm.check()`` in a notebook renders as a dashboard, no %load_ext needed;
    still without widgets outside a kernel."""
    code = textwrap.dedent("""
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        ip = InteractiveShell.instance()
        import nested_magics as nm
        data, _meta = ip.display_formatter.format(nm.check("mock"))
        print(repr(data["text/plain"].splitlines()[-1]), "nm-banner" in data["text/html"])
        for obj in (nm.plan_enable("mock", "myVM"), nm.connect("mock:three-levels").tree(), nm.connect("mock"),
                    nm.check_fleet(["mock", "mock:classroom-01"]), nm.connect("mock").vm("start", "myVM")):
            data, _meta = ip.display_formatter.format(obj)
            assert "text/html" in data and data["text/plain"] != repr(obj), type(obj)
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("ipywidgets", "winrm", "requests")))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["'Next: Enable nesting on myVM: %nested_enable myVM' True", "[]"]


def test_help_is_the_docstring_with_examples_and_usage(ip):
    for name in MAGICS:
        help_text = ip.object_inspect_text(f"%{name}")
        assert "Examples:" in help_text and f"%{name}" in help_text, name
    assert "%nested_check [-t TARGET] [--json]" in ip.object_inspect_text("%nested_check")
    assert "install-hyperv: true" in ip.object_inspect_text("%nested_enable")
    assert all(action in ip.object_inspect_text("%nested_vm") for action in VM_ACTIONS)
    assert ", ".join(ENABLE_BODY_KEYS) in ip.object_inspect_text("%nested_enable")


def test_magics_and_cli_share_one_grammar(ip):
    from nested_magics.front.cli import build_parser

    def words(parser):
        return ({s for a in parser._actions for s in a.option_strings},
                [a.dest for a in parser._actions if not a.option_strings])

    commands = build_parser()._subparsers._group_actions[0].choices
    magics = ip.magics_manager.registry["NestedMagics"]
    cli_only = {"--strict", "--quiet", "-h", "--help"}   # the magics take -h too, as help
    for magic, command in (("nested_check", "check"), ("nested_enable", "enable"), ("nested_tree", "tree"),
                           ("nested_vm", "vm")):
        magic_options, magic_positionals = words(getattr(magics, magic).parser)
        cli_options, cli_positionals = words(commands[command])
        assert magic_options == cli_options - cli_only, magic
        assert magic_positionals == cli_positionals, magic


def test_dash_h_prints_the_help_and_does_nothing_else(ip):
    with capture_output() as cap:
        assert line(ip, "nested_enable", "myVM --yes --help") is None
    assert "Examples:" in cap.stdout and not nesting_on()


# ---------------------------------------------------------------- %nested_check


def test_check_returns_the_report_and_shows_it(ip):
    with capture_output() as cap:
        ip.run_cell("r = %nested_check")
    report = ip.user_ns["r"]
    assert isinstance(report, Report) and report.verdict == "fixable" and report.host == "TH2-DESKTOP"
    assert cap.outputs == []                                    # an assignment shows nothing
    data, _meta = ip.display_formatter.format(report)
    assert "FAIL  vm.expose-extensions" in data["text/plain"] and "nm-banner" in data["text/html"]


def test_check_json_is_the_cli_document(ip):
    doc = line(ip, "nested_check", "myVM --json")
    assert set(doc) == {"target", "host", "verdict", "profile", "checks", "vms"}
    assert doc["vms"] == [{"name": "myVM", "verdict": "fixable"}]


def test_checking_a_vm_that_does_not_exist_is_not_an_error(ip):
    report = line(ip, "nested_check", "ghost")
    (exists,) = report.checks_for("ghost")
    assert exists.id == "vm.exists" and exists.status == "fail" and "VMs on this host: myVM" in exists.detail


def test_names_with_spaces_are_quoted_like_a_shell(ip, scenario, make_vm):
    target = scenario(vms=[make_vm(name="my VM")])
    report = line(ip, "nested_check", f'"my VM" -t {target}')
    assert report.vms == [{"name": "my VM", "verdict": "fixable"}]


def test_fleet_of_targets_and_of_a_pattern(ip):
    fleet = line(ip, "nested_check", "-t mock:classroom-01 -t mock:classroom-04")
    assert isinstance(fleet, FleetReport) and [r.target for r in fleet.hosts] == ["mock:classroom-01",
                                                                                  "mock:classroom-04"]
    assert len(line(ip, "nested_check", "-t 'mock:classroom-*'").hosts) == 12
    assert line(ip, "nested_check", "-t mock -t mock:three-levels --json")["verdict"] == "fixable"


def test_fleet_host_that_cannot_be_read_is_an_error_row_not_an_exception(ip):
    fleet = line(ip, "nested_check", "-t mock:classroom-01 -t mock:/nowhere/at/all.json")
    assert [r.verdict for r in fleet.hosts] == ["ready", "error"]
    assert "no such scenario file" in fleet.hosts[1].error


def test_fleet_progress_fills_live_then_leaves_nothing_to_see(ip, monkeypatch):
    """The bar moves through widget traits while hosts answer; when the check ends its output becomes an
    empty text (the same one nbval replays) and its widgets are closed, so the dashboard stands alone."""
    import IPython.display

    shown, updates = [], []

    class Handle:
        def update(self, obj, raw=False):
            updates.append((obj, raw))

    def display(obj, display_id=False):
        shown.append((obj, obj._repr_mimebundle_(), display_id))
        return Handle()

    monkeypatch.setattr(view_module, "in_kernel", lambda: True)
    monkeypatch.setattr(IPython.display, "display", display)
    fleet = line(ip, "nested_check", "-t mock:classroom-01 -t mock:classroom-02")
    assert isinstance(fleet, FleetReport)
    ((progress, bundle, display_id),) = shown
    assert display_id is True
    assert bundle["text/plain"] == "" and "text/html" not in bundle               # the widget, nothing static
    assert progress.bar.value == 2 and progress.label.value == "2 of 2 hosts answered"
    assert progress._closed and progress.box.comm is None          # closed: no widget state left to save
    assert updates == [({"text/plain": ""}, True)]


# ---------------------------------------------------------------- default target


def test_default_target_precedence(ip, monkeypatch):
    def checked(args=""):
        return line(ip, "nested_check", args).target

    assert checked() == "mock"
    monkeypatch.setenv(session.ENV_TARGET, "mock:classroom-01")
    assert checked() == "mock:classroom-01"
    line(ip, "config", "NestedMagics.target = 'mock:classroom-02'")
    assert checked() == "mock:classroom-02"                     # the config trait beats the environment
    line(ip, "nested_connect", "mock:three-levels")
    assert checked() == "mock:three-levels"                     # the latest of connect and config wins
    assert checked("-t mock:classroom-03") == "mock:classroom-03"
    line(ip, "config", "NestedMagics.target = 'mock:classroom-04'")
    assert checked() == "mock:classroom-04"
    line(ip, "config", "NestedMagics.target = ''")
    assert checked() == "mock:classroom-01"


def test_target_from_a_config_file():
    shell = new_shell(target="mock:three-levels")
    try:
        assert shell.run_line_magic("nested_check", "").target == "mock:three-levels"
        assert nm.connect().target == "mock:three-levels"       # the Python API shares the default
    finally:
        shell.extension_manager.unload_extension("nested_magics")


def test_connect_returns_the_host_shows_it_and_resets(ip):
    host = line(ip, "nested_connect", "mock")
    assert isinstance(host, Host) and session.default_target() == "mock"
    data, _meta = ip.display_formatter.format(host)
    assert data["text/plain"].startswith("Connected to mock: mock host TH2-DESKTOP")
    assert "use this target when no -t is given" in data["text/plain"] and "nm-box" in data["text/html"]
    line(ip, "nested_enable", "myVM --yes")
    assert nesting_on()
    line(ip, "nested_connect", "--reset")
    assert not nesting_on()


def test_widgets_config_turns_the_widget_view_off(ip, monkeypatch):
    monkeypatch.setattr(view_module, "in_kernel", lambda: True)
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")      # dashboards are widgets only on a Voila page
    data, _meta = ip.display_formatter.format(line(ip, "nested_check"))
    assert "application/vnd.jupyter.widget-view+json" in data
    line(ip, "config", "NestedMagics.widgets = False")
    data, _meta = ip.display_formatter.format(line(ip, "nested_check"))
    assert set(data) == {"text/plain", "text/html"}


# ---------------------------------------------------------------- %%nested_enable


def test_enable_shows_a_flow_and_changes_nothing_until_apply(ip, monkeypatch):
    monkeypatch.setattr(view_module, "in_kernel", lambda: True)
    flow = line(ip, "nested_enable", "myVM")
    assert isinstance(flow, EnableFlow) and [c.id for c in flow.plan.changes][0] == "expose-extensions"
    assert "application/vnd.jupyter.widget-view+json" in flow._repr_mimebundle_()
    assert not nesting_on()
    flow.apply_button.click()
    assert nesting_on() and flow.result.ok


def test_enable_yes_applies_and_returns_the_result(ip):
    result = line(ip, "nested_enable", "myVM --yes")
    assert isinstance(result, ApplyResult) and result.ok and nesting_on()
    assert line(ip, "nested_check", "myVM").verdict == "ready"


def test_enable_dry_run_only_plans(ip):
    plan = line(ip, "nested_enable", "myVM --dry-run --yes")
    assert isinstance(plan, Plan) and len(plan.changes) == 4 and not nesting_on()
    shown = ip.display_formatter.format(plan)[0]          # a plan shown on its own says it changed nothing
    for mime in ("text/plain", "text/html"):
        assert "Nothing has changed: this is a plan. To apply it: .apply(confirm=True)" in shown[mime], mime
    doc = line(ip, "nested_enable", "myVM --json")
    assert set(doc) == {"target", "vm", "plan", "applied", "failed", "after"} and doc["applied"] == []
    assert not nesting_on()
    assert line(ip, "nested_enable", "myVM --yes --json")["applied"][0] == "expose-extensions"


def test_enable_a_vm_inside_a_vm(ip):
    plan = line(ip, "nested_enable", "myVM/nestedVM --dry-run -t mock:three-levels")
    assert plan.vm == "myVM/nestedVM" and "expose-extensions" in [c.id for c in plan.changes]


def test_cell_body_gives_options_and_flags_win(ip):
    flow = ip.run_cell_magic("nested_enable", "", "vm: myVM\nmemory: 6GB\nnetworking: none\n")
    assert flow.plan.options.memory == 6 * 1024**3 and flow.plan.options.networking == "none"
    assert "enable-mac-spoofing" not in [c.id for c in flow.plan.changes]
    flow = ip.run_cell_magic("nested_enable", "myVM --memory 8GB --dry-run", "memory: 6GB\nstart: true\n")
    assert flow.options.memory == 8 * 1024**3 and flow.options.start is True
    assert ip.run_cell_magic("nested_enable", "myVM", "install_hyperv: yes").plan.options.install_hyperv


def test_refused_plan_with_yes_is_a_result_not_an_error(ip, scenario, make_vm):
    target = scenario(vms=[make_vm(state="Saved")])
    result = line(ip, "nested_enable", f"myVM -t {target} --yes")
    assert result.failed.id == "discard-saved-state" and "--discard-saved-state" in result.failed.message
    assert nm.connect(target).facts().find_vm("myVM").state == "Saved"


@pytest.mark.parametrize("args, cell, expected", [
    ("--bogus", None, "%nested_check: unrecognized arguments: --bogus (see %nested_check?)"),
    ("'my VM", None, "%nested_check: No closing quotation"),
])
def test_bad_check_lines(ip, args, cell, expected):
    assert usage_error(lambda: line(ip, "nested_check", args)).startswith(expected)


@pytest.mark.parametrize("args, cell, expected", [
    ("", None, "%nested_enable needs a VM name"),
    ("", "memory: 4GB", "%nested_enable needs a VM name"),
    ("myVM --frobnicate", None, "%nested_enable: unrecognized arguments: --frobnicate"),
    ("myVM --networking wifi", None, "%nested_enable: argument --networking: invalid choice: 'wifi'"),
    ("myVM --memory lots", None, "--memory 'lots'"),
    ("ghost", None, "VM 'ghost' does not exist on TH2-DESKTOP: VMs there are myVM"),
    ("myVM", "memory: [4GB", "%%nested_enable: the cell body is not valid YAML at line 1"),
    ("myVM", "- memory\n- 4GB", "%%nested_enable: the cell body must be YAML keys"),
    ("myVM", "memory: 4GB\ncolour: blue", "%%nested_enable: unknown key 'colour' in the cell body; allowed: vm, "
                                          "memory, networking, start, install-hyperv, update-version, turn-off, "
                                          "discard-saved-state"),
    ("", "vm: true", "%%nested_enable: vm must be a VM name"),
    ("myVM", "start: maybe", "start: expected true or false"),
    ("myVM -t mock:nosuch", None, "mock:nosuch: no bundled scenario of that name"),
])
def test_bad_enable_input_is_one_line_and_changes_nothing(ip, args, cell, expected):
    if cell is None:
        message = usage_error(lambda: ip.run_line_magic("nested_enable", args + " --yes"))
    else:
        message = usage_error(lambda: ip.run_cell_magic("nested_enable", args + " --yes", cell))
    assert message.startswith(expected) or expected in message, message
    assert not nesting_on()


def test_usage_errors_print_one_line_and_no_traceback(ip, scenario):
    broken = scenario(text="{not json")
    for source in ("%nested_check --bogus", f"%nested_check -t {broken}", "%nested_check -t mock:/no/such.json",
                   "%nested_tree -t mock:nosuch", "%%nested_enable myVM\ncolour: blue\n", "%nested_vm start"):
        out = cell_output(ip, source)
        assert out.startswith("UsageError: ") and out.count("\n") == 1 and "Traceback" not in out, (source, out)


# ---------------------------------------------------------------- %nested_tree and %nested_vm


def test_tree_returns_the_tree(ip):
    tree = line(ip, "nested_tree", "-t mock:three-levels")
    assert isinstance(tree, TreeNode) and tree.depth == 2
    assert line(ip, "nested_tree", "-t mock:three-levels --json")["children"][0]["children"][0]["name"] == "nestedVM"


def test_vm_actions_return_results(ip):
    created = line(ip, "nested_vm", "new myVM/inner --memory 1GB -t mock:three-levels")
    assert isinstance(created, ActionResult) and created.ok
    names = [c.name for c in line(ip, "nested_tree", "-t mock:three-levels").children[0].children]
    assert names == ["nestedVM", "inner"]
    refused = line(ip, "nested_vm", "save myVM -t mock:three-levels")
    assert refused.ok is False and "save/restore fails" in refused.message
    assert line(ip, "nested_vm", "start myVM --json")["ok"] is True


@pytest.mark.parametrize("args, expected", [
    ("start myVM 6GB", "vm start takes no size"),
    ("frobnicate myVM", "%nested_vm: argument ACTION: invalid choice: 'frobnicate'"),
    ("start", "%nested_vm: the following arguments are required: PATH"),
    ("start ghost", "VM 'ghost' does not exist"),
])
def test_bad_vm_lines(ip, args, expected):
    assert expected in usage_error(lambda: line(ip, "nested_vm", args))


# ---------------------------------------------------------------- issue 11: bad input, and what the terminal says


def test_enable_outside_a_live_kernel_says_how_to_apply_with_the_same_line(ip):
    """issue 11: in terminal IPython `%nested_enable myVM` said "press Apply ... (in code: flow.apply())",
    where there is no button and no `flow`."""
    flow = line(ip, "nested_enable", "myVM")
    shown = flow._repr_mimebundle_()["text/plain"]
    assert "press Apply" not in shown and "flow.apply()" not in shown, shown
    assert "run %nested_enable myVM --yes to apply these changes" in shown, shown
    assert isinstance(flow, EnableFlow) and not nesting_on()
    flow = ip.run_cell_magic("nested_enable", "-t mock:three-levels", "vm: myVM/nestedVM\nmemory: 2GB\nstart: true\n")
    shown = flow.text()
    assert "run %nested_enable myVM/nestedVM --memory 2GB --start -t mock:three-levels --yes" in shown, shown
    result = line(ip, "nested_enable", "myVM/nestedVM --memory 2GB --start -t mock:three-levels --yes")
    assert isinstance(result, ApplyResult)


@pytest.mark.parametrize("magic, args", [
    ("nested_enable", "myVM -t mock -t mock:three-levels --yes"),
    ("nested_tree", "-t mock -t mock:three-levels"),
    ("nested_vm", "stop myVM -t mock -t mock:three-levels"),
    ("nested_connect", "mock mock:three-levels"),
])
def test_a_magic_that_takes_one_target_refuses_several(ip, magic, args):
    before = nm.connect("mock:three-levels").facts().to_dict()
    message = usage_error(lambda: line(ip, magic, args))
    assert message.startswith(f"%{magic}: "), message
    assert "one target" in message or "unrecognized arguments: mock:three-levels" in message, message
    assert nm.connect("mock:three-levels").facts().to_dict() == before


@pytest.mark.parametrize("magic, args", [
    ("nested_enable", "myVM --memory -4GB --yes"),
    ("nested_vm", "new fresh --memory -1GB"),
    ("nested_vm", "resize-memory myVM -4GB"),
])
def test_a_negative_size_in_a_magic_is_the_size_error(ip, magic, args):
    before = nm.connect("mock").facts().to_dict()
    assert "cannot be negative" in usage_error(lambda: line(ip, magic, args))
    assert nm.connect("mock").facts().to_dict() == before
