"""Grouping and ordering shared by every view, in one pass so a host with 1,000 VMs stays quick.

Views show the worst first: failing checks before warnings, blocked VMs before fixable ones.
"""

from __future__ import annotations

from nested_magics.model.report import FAIL, INFO, PASS, STATUSES, VERDICT_ORDER, WARN, Report

STATUS_RANK = {FAIL: 0, WARN: 1, INFO: 2, PASS: 3}


class Groups:
    """A report's checks split by VM once: ``host``, ``by_vm[name]``, VM summaries worst first."""

    def __init__(self, report: Report):
        self.report = report
        self.host: list = []
        self.by_vm: dict[str, list] = {}
        for check in report.checks:
            if check.vm is None:
                self.host.append(check)
            else:
                self.by_vm.setdefault(check.vm, []).append(check)
        facts = report.facts
        self.vm_facts = {vm.name: vm for vm in facts.vms} if facts is not None else {}
        self._counts: dict[str, dict[str, int]] = {}    # each VM's tally and headline, counted once (views ask
        self._headlines: dict[str, str] = {}            # again for rows, titles and sorting: 1,000s of VMs)

    def checks(self, vm: str) -> list:
        return self.by_vm.get(vm, [])

    def counts(self, vm: str) -> dict[str, int]:
        """How many of the VM's checks have each status (read it, do not change it: it is kept)."""
        out = self._counts.get(vm)
        if out is None:
            out = self._counts[vm] = dict.fromkeys(STATUSES, 0)
            for check in self.checks(vm):
                out[check.status] += 1
        return out

    def vms_worst_first(self) -> list[dict]:
        """``report.vms`` sorted blocked, fixable, ready; then by failing checks (most first); stable."""
        def key(summary):
            counts = self.counts(summary["name"])
            return (VERDICT_ORDER.index(summary["verdict"]), -counts[FAIL], -counts[WARN])
        return sorted(self.report.vms, key=key)

    def headline(self, vm: str) -> str:
        """The VM's worst non-passing check title, or an empty string when all pass."""
        if vm not in self._headlines:
            worst = worst_first(self.checks(vm))
            self._headlines[vm] = worst[0].title if worst and worst[0].status != PASS else ""
        return self._headlines[vm]


def worst_first(checks: list) -> list:
    """Fail, warn, info, pass; the rules' own order within each status."""
    return sorted(checks, key=lambda c: STATUS_RANK[c.status])


def verdict_tally(verdicts) -> list[tuple[str, int]]:
    """[(verdict, count)] worst first, only the verdicts present."""
    tally: dict[str, int] = {}
    for verdict in verdicts:
        tally[verdict] = tally.get(verdict, 0) + 1
    return [(v, tally[v]) for v in VERDICT_ORDER if v in tally]
