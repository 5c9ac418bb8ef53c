"""The static HTML views: complete, ordered worst first, and inert whatever names a host reports."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import pytest
from display_fixtures import (HOSTILE_HOST, HOSTILE_NESTED, HOSTILE_QUOTE_VM, HOSTILE_VM, Tags,  # noqa: F401
                              hostile_target, many_vms)

import nested_magics as nm
from nested_magics.display import diagram, digest
from nested_magics.display.html import enable as html_enable, fleet as html_fleet, kit, panels
from nested_magics.display.html import report as html_report, tree as html_tree
from nested_magics.front.advice import next_steps
from nested_magics.rules import sources

SVG_TAGS = {"svg", "title", "rect", "text", "line", "polygon"}
SVG_IMAGE = "data:image/svg+xml;base64,"
HTML_TAGS = {"div", "span", "style", "b", "i", "br", "code", "button", "table", "thead", "tbody", "tr", "th", "td",
             "h4", "ul", "li", "details", "summary", "p", "figure", "figcaption", "img"}


def svg_of(src: str) -> ET.Element:
    """The drawing inside an ``<img>``: well-formed SVG made only of shapes and text."""
    assert src.startswith(SVG_IMAGE), src[:60]
    root = ET.fromstring(base64.b64decode(src[len(SVG_IMAGE):]).decode("utf-8"))
    for node in root.iter():
        assert node.tag.split("}")[-1] in SVG_TAGS, node.tag
        assert not any(name.startswith("on") or "href" in name for name in node.attrib), node.attrib
    return root


def handlers(markup: str) -> set[str]:
    """Every event handler in ``markup`` (as ``(tag, attribute, script)``)."""
    return {(tag, name, value) for tag, attrs in Tags(markup).tags for name, value in attrs.items()
            if name.startswith("on")}


SOURCE_ADDRESSES = {url for source in sources.ALL for url in re.findall(r"https://[^\s;]+", source)}


def assert_inert(markup: str) -> Tags:
    """Only our own tags; no event handler but a button's onclick; no URL but our SVG images and the links to
    the rules' public sources (opening in a new tab, without access to this page)."""
    parsed = Tags(markup)
    for tag, attrs in parsed.tags:
        if tag == "a":
            assert attrs.get("href") in SOURCE_ADDRESSES, attrs
            assert attrs.get("target") == "_blank" and "noopener" in attrs.get("rel", "").split(), attrs
            assert set(attrs) == {"href", "target", "rel"}, attrs
            continue
        assert tag in HTML_TAGS, f"unexpected element <{tag}> {attrs}"
        for name, value in attrs.items():
            if tag == "img" and name == "src":
                svg_of(value)
                continue
            assert name not in ("src", "href", "srcdoc", "formaction"), (tag, name, value)
            if name.startswith("on"):
                assert (tag, name) == ("button", "onclick"), (tag, name, value)
    return parsed


@pytest.fixture
def hostile(hostile_target):
    host = nm.connect(hostile_target)
    return host, host.check()


def test_hostile_names_are_inert_in_every_view(hostile):
    host, report = hostile
    plan = host.plan_enable(HOSTILE_QUOTE_VM)
    result = plan.apply(confirm=True)
    action = host.vm("start", HOSTILE_VM)
    fleet = nm.check_fleet([host.target, "mock"])
    views = [html_report.report_html(report, next_steps), html_tree.tree_html(host.tree()),
             html_enable.plan_html(plan), html_enable.apply_html(result, next_steps),
             html_fleet.fleet_html(fleet, next_steps), panels.action_html(action),
             kit.page(panels.connect_body(host, True))]
    for markup in views:
        assert_inert(markup)
        assert "<img src=x" not in markup and "<script>" not in markup
    scripts = set().union(*(handlers(markup) for markup in views))
    assert len(scripts) == 1                         # one constant handler, the copy button's, in every view
    assert not any(name in script for name in (HOSTILE_VM, HOSTILE_QUOTE_VM, "alert") for script in scripts)
    assert scripts == handlers(html_report.report_html(nm.check("mock"), next_steps))   # whatever the host
    text = Tags(views[0]).text + Tags(views[1]).text
    for name in (HOSTILE_VM, HOSTILE_HOST, HOSTILE_NESTED, HOSTILE_QUOTE_VM):
        assert name in text or diagram._short(name, 1000) in text, name   # shown, as text


def test_copy_button_copies_the_exact_fix(hostile):
    """Each Copy button comes right after the command it copies, as the browser's DOM has it (the browser
    test clicks one and reads the clipboard)."""
    _host, report = hostile
    fixes = [c.fix for c in report.checks if c.fix and c.status != "pass"]
    assert any("''" in fix for fix in fixes)        # PowerShell-doubled quote from the hostile name
    parsed = Tags(html_report.report_html(report, next_steps))
    copied = [button["previous"] for button in parsed.buttons]
    assert all(button["attrs"]["title"].startswith("Copy") for button in parsed.buttons)
    assert set(fixes) <= set(copied)                  # every fix shown, exactly, beside its button
    assert set(copied) <= set(parsed.codes)           # and a button copies nothing but a shown command
    steps = next_steps(report, "magic")
    assert any(step.endswith(command) for step in steps for command in copied if command.startswith("%nested_"))


def test_report_lists_problems_first_and_folds_passes(scenario):
    report = nm.check(scenario(vms=[{"name": "myVM", "state": "Off", "version": "8.0",
                                     "memory": {"startup_bytes": 1024**3, "dynamic": False}}]))
    body = html_report.report_html(report)
    vm_part = body[body.index('<details class="nm-group"'):]
    fail = vm_part.index(">Virtualization extensions are not exposed</div>")
    warn = vm_part.index(">Startup memory 1 GB is below 4 GB</div>")
    passes = vm_part.index("passing checks")
    assert fail < warn < passes
    assert 'class="nm-banner nm-v-fixable"' in body and ">FIXABLE<" in body
    for check in report.checks:
        named = re.split(r",? https://", check.source)[0]          # the document's name, then its address
        assert kit.esc(check.title) in body and kit.esc(named) in body
        assert all(f'<a href="{url}" target="_blank" rel="noopener noreferrer">' in body
                   for url in re.findall(r"https://[^\s;]+", check.source))


def test_report_of_an_unreadable_host_is_an_error_banner():
    report = nm.Report.failed("mock:nowhere", "mock:nowhere: no bundled scenario of that name")
    body = html_report.report_html(report)
    assert "nm-v-error" in body and "no bundled scenario" in body


def test_big_host_groups_its_vms_and_details_the_worst_of_each_group(many_vms):
    report = nm.check(many_vms(60))                      # Off, Running, Saved, Paused in turn: all fixable
    body = html_report.report_html(report)
    # Running, Saved and Paused VMs fail the same checks (vm.state, vm.expose-extensions): one group of 45;
    # the Off VMs fail vm.expose-extensions only: a group of 15. The first VM of each is detailed.
    assert body.count('<details class="nm-group"') == 2
    first_detail = body.index('<details class="nm-group"')
    assert "vm-0001" in body[first_detail:first_detail + 400]        # Running, 2 fails: the worst
    rows = re.findall(r'<b[^>]*>(?:<span [^>]*>)?(vm-\d{4})<', body)
    assert len(rows) == digest.ROWS and rows[0] == "vm-0001"          # a row for each of the 50 worst VMs
    assert "vm-0056" not in body                                      # an Off VM, the least to fix, left out
    counted = re.findall(r">(\d+)</td>", body[body.index("Checks they fail and warn on"):])
    assert counted == ["45", "15"]                                    # two groups: every VM counted
    assert "Showing the 50 VMs that need attention most, of 60" in body
    assert "<code>%nested_check --details</code>" in body


def test_details_show_every_vm_of_a_big_host(many_vms):
    report = nm.check(many_vms(60))
    report.details = True                                            # what %nested_check --details sets
    body = html_report.report_html(report)
    assert sorted(re.findall(r'<b[^>]*>(?:<span [^>]*>)?(vm-\d{4})<', body)) == [f"vm-{i:04d}" for i in range(60)]
    assert body.count('<details class="nm-group"') == 60 and "Showing the" not in body


def test_fleet_sorts_worst_first_and_shows_a_failed_host():
    fleet = nm.check_fleet(["mock:classroom-01", "mock:nosuch", "mock:classroom-04"])
    body = html_fleet.fleet_html(fleet)
    assert body.index("mock:nosuch") < body.index("mock:classroom-04") < body.index("mock:classroom-01")
    assert "no bundled scenario of that name" in body
    assert "AMD processors need Windows 11" in body       # classroom-04's first problem


def test_waiting_fleet_rows():
    body = html_fleet.fleet_body(["mock:a", "mock:b"], [None, None])
    assert body.count(">WAITING<") == 3                    # banner and two rows
    assert "Checking 2 hosts: 0 answered" in body


def test_plan_says_what_cannot_be_undone(scenario, make_vm):
    target = scenario(vms=[make_vm(version="5.0")])
    plan = nm.plan_enable(target, "myVM", update_version=True)
    body = html_enable.plan_html(plan)
    assert "update-version" in body and "NO: cannot be undone" in body
    update = next(c for c in plan.changes if c.id == "update-version")
    assert "Update-VMVersion" in update.powershell and update.powershell in Tags(body).codes   # what runs, copyable


def test_refused_plan_names_the_missing_option(scenario, make_vm):
    plan = nm.plan_enable(scenario(vms=[make_vm(state="Saved")]), "myVM")
    body = html_enable.plan_html(plan)
    assert "Refused (discard-saved-state)" in body and "--discard-saved-state" in body
    assert "Nothing was changed" in body


def test_apply_shows_outcomes_and_verdict_before_after():
    result = nm.plan_enable("mock", "myVM").apply(confirm=True)
    body = html_enable.apply_html(result)
    assert body.count(">applied<") == len(result.applied) == 4
    assert "nm-v-fixable" in body and "nm-v-ready" in body


def test_tree_html_has_every_level_and_its_drawings():
    body = html_tree.tree_html(nm.connect("mock:three-levels").tree())
    assert ">L0<" in body and ">L1<" in body and ">L2<" in body
    assert "nesting on" in body and "nesting off" in body
    assert "How nesting works" in body
    images = [attrs for tag, attrs in Tags(body).tags if tag == "img"]
    assert [attrs["alt"] for attrs in images] == ["The levels of TH2-DESKTOP",
                                                  "Normal: the hypervisor keeps the virtualization extensions",
                                                  "Nested: the extensions are exposed to the guest VM"]
    drawing = ET.tostring(svg_of(images[0]["src"]), encoding="unicode")
    assert "L2 nestedVM" in drawing and "VT-x exposed" in drawing


def test_styles_are_inline_so_sanitized_notebooks_keep_them():
    body = html_report.report_html(nm.check("mock"), next_steps)
    for tag, attrs in Tags(body).tags:
        if tag in ("td", "th", "table") or "nm-badge" in attrs.get("class", "") or "nm-banner" in attrs.get("class", ""):
            assert attrs.get("style"), (tag, attrs)
    assert "var(" not in "".join(a.get("style", "") for _t, a in Tags(body).tags)


def test_svgs_are_well_formed_xml(hostile):
    host, _report = hostile
    for svg in (diagram.normal_svg(), diagram.nested_svg(), diagram.tree_svg(host.tree()),
                diagram.tree_svg(nm.connect("mock:three-levels").tree())):
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg")


def test_normal_and_nested_pictures_tell_the_blogs_story():
    normal, nested = diagram.normal_svg(), diagram.nested_svg()
    assert "VT-x / AMD-V" in normal and "exposed" not in normal
    assert "VT-x exposed to the guest" in nested and "Hyper-V inside the guest" in nested and "L2 guest" in nested


def test_tree_drawing_caps_wide_levels(many_vms):
    tree = nm.connect(many_vms(30)).tree()
    svg = diagram.tree_svg(tree)
    shown = svg.count(">L1 vm-")
    assert shown == diagram.MAX_DRAWN - 1
    assert f"+{30 - shown} more" in svg
    assert "nm-scroll" not in html_tree.tree_body(tree, with_diagram=False)
    assert "nm-scroll" in html_tree.tree_body(nm.connect(many_vms(31)).tree(), with_diagram=False)


def test_next_steps_are_the_front_ends_and_shown_only_when_given():
    report = nm.check("mock")
    assert "nm-next" not in html_report.report_html(report)       # the display has no advice of its own
    body = html_report.report_html(report, next_steps)
    assert "<b>Next</b>" in body and "Enable nesting on myVM:" in Tags(body).text
    assert "%nested_enable myVM" in Tags(body).codes               # the command, with its copy button
    fleet = html_fleet.fleet_html(nm.check_fleet(["mock", "mock:classroom-01"]), next_steps)
    assert fleet.count("<b>Next</b>") == 2


def test_bidi_overrides_from_the_host_are_neutralised_in_html(scenario, make_doc, make_vm):
    """A name with U+202E (right-to-left override) would show "exe.gnp" reversed, or reorder the text after it."""
    name = "ab\u202ecd\u2066e\u2069\u202a\u202d\u200f"
    target = scenario(make_doc(name="H\u202eX", os={"caption": "Win\u2067dows"},
                               vms=[make_vm(name=name, mac_spoofing=False, dynamic=True, startup=1024**3)]))
    report = nm.check(target)
    plan = nm.plan_enable(target, name)
    views = [html_report.report_html(report, next_steps), html_tree.tree_html(nm.connect(target).tree()),
             html_enable.plan_html(plan), html_enable.apply_html(plan.apply(confirm=True), next_steps),
             html_fleet.fleet_html(nm.check_fleet([target]), next_steps)]
    for body in views:
        assert not any(0x202a <= ord(ch) <= 0x202e or 0x2066 <= ord(ch) <= 0x2069 or ch in "\u200e\u200f"
                       for ch in body)
        assert not any(ref in body.lower() for ref in ("&#x202", "&#820", "&#x206", "&#823"))   # nor as references
    assert "ab\\u202ecd\\u2066e\\u2069" in views[0]           # shown as the text form shows it
