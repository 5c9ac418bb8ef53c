"""ipywidgets views of one host: the readiness dashboard and the tree.

Each is a plain object owning its widgets (see ``view.View``). Widgets hold the same escaped HTML the
static form uses, so the two never disagree. Details are built only when opened, so a host with 1,000
VMs costs one summary table and one VM's checks, not 11,000 rows.
"""

from __future__ import annotations

from functools import cached_property

import ipywidgets as w

from nested_magics.display.html import kit as html, report as html_report, tree as html_tree
from nested_magics.display import steps, text
from nested_magics.display.order import Groups
from nested_magics.display.view import View

ACCORDION_LIMIT = 20     # up to this many items an Accordion; more, a Dropdown (one comm, any number)


def html_widget(body: str) -> w.HTML:
    """An HTML widget carrying the stylesheet, so it looks right wherever it is shown."""
    return w.HTML(value=html.page(body), layout=w.Layout(width="auto"))   # 100% + margins overflowed by 4 px


class LazyPicker:
    """Per-item details built only when opened: an Accordion for a few items, a Dropdown for many."""

    def __init__(self, titles: list[str], build, open_index: int | None = None, label: str = "Show"):
        self._build = build
        self.built: dict[int, object] = {}
        self.dropdown = None
        if len(titles) <= ACCORDION_LIMIT:
            self.panes = [w.VBox() for _ in titles]
            self.widget = w.Accordion(children=self.panes, titles=tuple(titles), selected_index=open_index)
            self.widget.observe(lambda change: self.open(change["new"]), "selected_index")
        else:
            open_index = open_index or 0
            self.panel = w.VBox()
            self.dropdown = w.Dropdown(options=[(t, i) for i, t in enumerate(titles)], value=open_index,
                                       description=label, layout=w.Layout(width="min(100%, 760px)"),
                                       style={"description_width": "initial"})
            self.dropdown.observe(lambda change: self.open(change["new"]), "value")
            self.widget = w.VBox([self.dropdown, self.panel])
        self.open(open_index)

    def open(self, index: int | None) -> None:
        """Show item ``index`` (building it the first time); None closes nothing and builds nothing."""
        if index is None:
            return
        if index not in self.built:
            self.built[index] = self._build(index)
        pane = self.panel if self.dropdown is not None else self.panes[index]
        pane.children = (self.built[index],)


class ReportView(View):
    """The readiness dashboard: verdict banner, host summary, next step, host checks, VMs worst first."""

    def __init__(self, report, advise: steps.Advise | None = None):
        self.report = report
        self.advise = advise
        self.picker: LazyPicker | None = None

    @cached_property
    def groups(self) -> Groups:
        return Groups(self.report)

    @cached_property
    def ordered(self) -> list[dict]:
        return self.groups.vms_worst_first()

    def build(self):
        report, groups = self.report, self.groups
        parts = [html_widget(html_report.report_top(report, groups, self.advice))]
        if report.error is None and report.vms:
            ordered = self.ordered
            head = f'<h4 class="nm-h">VMs ({len(ordered)}, worst first)</h4>'
            parts.append(html_widget(head + (html_report.vm_table(groups, ordered) if len(ordered) > 1 else "")))
            worst_open = ordered[0]["verdict"] != "ready" or len(ordered) == 1
            self.picker = LazyPicker([html_report.vm_group_title(groups, s) for s in ordered], self._vm_details,
                                     0 if worst_open else None, label="VM details:")
            parts.append(self.picker.widget)
        return w.VBox(parts, layout=w.Layout(max_width="1120px"))

    def _vm_details(self, index: int) -> w.HTML:
        return html_widget(html_report.checks_table(self.groups.checks(self.ordered[index]["name"])))

    def text(self) -> str:
        return text.render_report(self.report, style="magic", advise=self.advice)

    def html(self) -> str:
        return html.page(html_report.report_body(self.report, self.groups, advise=self.advice))


class TreeView(View):
    """The L0 → L1 → L2 tree, the drawing of its levels, and the blog's normal-vs-nested pictures."""

    TABS = ("Tree", "Levels", "Normal vs nested")

    def __init__(self, tree):
        self.tree = tree

    def build(self):
        tabs = [html_widget(html_tree.tree_body(self.tree, with_diagram=False)),
                html_widget(html_tree.levels_body(self.tree)),
                html_widget(html_tree.explainer_body())]
        return w.Tab(children=tabs, titles=self.TABS, selected_index=0)

    def text(self) -> str:
        return text.render_tree(self.tree)

    def html(self) -> str:
        return html_tree.tree_html(self.tree)
