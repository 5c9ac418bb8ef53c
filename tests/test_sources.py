"""Sources are public (issue 12, part 6): every check names the blog or a Microsoft document with its address,
the HTML view links it, and nothing a user can see cites our fact sheet ("facts §N")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import nested_magics as nm
from nested_magics.backends.mock.scenarios import bundled_names
from nested_magics.display import formatters
from nested_magics.display.html import report as html_report
from nested_magics.front.advice import next_steps
from nested_magics.rules import sources

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = re.compile(r"https://[^\s;]+")
FACT_SHEET = "facts §"


def every_report():
    """A report of every bundled scenario (each VM, host and rule profile they hold)."""
    return [nm.check(f"mock:{name}") for name in bundled_names()]


def test_every_source_constant_ends_with_its_public_address():
    for source in sources.ALL:
        assert re.search(r", https://[^\s;]+$", source), source
        assert FACT_SHEET not in source


def test_every_check_cites_a_public_address():
    seen = set()
    for report in every_report():
        for check in report.checks:
            assert ADDRESS.search(check.source), (check.id, check.source)
            seen.add(check.id)
    assert {"host.os-build", "host.cpu", "vm.version", "vm.memory", "vm.processors"} <= seen


def test_html_links_every_address_in_a_new_tab():
    report = nm.check("mock:three-levels")
    body = html_report.report_html(report, next_steps)
    for url in {u for c in report.checks for u in ADDRESS.findall(c.source)}:
        assert f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>' in body


def test_a_source_link_is_escaped():
    link = html_report.source_html('Doc "x" <b>, https://example.org/a?b=1&c="2"')
    assert link == ('Doc &quot;x&quot; &lt;b&gt;, <a href="https://example.org/a?b=1&amp;c=&quot;2&quot;" '
                    'target="_blank" rel="noopener noreferrer">https://example.org/a?b=1&amp;c=&quot;2&quot;</a>')


def test_nothing_a_user_sees_cites_the_fact_sheet():
    for report in every_report():
        bundle = formatters.report_bundle(report, next_steps)
        for shown in (json.dumps(report.to_dict(), ensure_ascii=False), bundle["text/plain"], bundle["text/html"]):
            assert FACT_SHEET not in shown, report.target


@pytest.mark.parametrize("path", sorted(ROOT.glob("notebooks/*.ipynb")) + [ROOT / "README.md"],
                         ids=lambda p: p.name)
def test_notebooks_and_readme_do_not_cite_the_fact_sheet(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":                         # sources and outputs, whatever JSON escapes they use
        text = json.dumps(json.loads(text), ensure_ascii=False)
    assert FACT_SHEET not in text
