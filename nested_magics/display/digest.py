"""How a big host stays small on screen: its VMs grouped by verdict and by the checks they fail, and the worst
few shown one by one, with the way to everything else said in words.

A notebook keeps every output it was shown, so a 1,000-VM dashboard that listed every check would weigh
megabytes. The views show a host in full up to ``FULL`` VMs; above, they show the groups (every VM counted in
one of them, none dropped), the ``ROWS`` worst VMs one row each, and say how to get the rest
(``--details``, the report object, its JSON). Sizes stay bounded whatever the number of VMs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nested_magics.model.report import FAIL, WARN, VERDICT_ORDER
from nested_magics.display.order import Groups

FULL = 20      # up to this many VMs, every check of every VM is shown
ROWS = 50      # above, the worst this many VMs get a row (a line) each
GROUPS = 12    # and at most this many groups are listed, worst first (the rest summed in one line)
EXAMPLES = 3   # VM names shown per group
DETAILED = 3   # the first VM of this many groups is shown check by check, fixes included


@dataclass
class Group:
    """VMs with one verdict that fail and warn on the same checks."""

    verdict: str
    fails: tuple[str, ...]
    warns: tuple[str, ...]
    names: list[str] = field(default_factory=list)

    def problems(self) -> str:
        """``fail vm.state, vm.memory; warn vm.networking`` (or ``no failing or warning check``)."""
        parts = [f"{word} {', '.join(ids)}" for word, ids in (("fail", self.fails), ("warn", self.warns)) if ids]
        return "; ".join(parts) or "no failing or warning check"

    def examples(self) -> str:
        """The first few names, and how many more."""
        shown = ", ".join(self.names[:EXAMPLES])
        more = len(self.names) - EXAMPLES
        return shown + (f" and {more:,} more" if more > 0 else "")


def is_big(groups: Groups) -> bool:
    """More VMs than the views show in full (``--details`` shows them all anyway)."""
    return len(groups.report.vms) > FULL and not groups.report.details


def problem_groups(groups: Groups) -> list[Group]:
    """Every VM in exactly one group; worst verdict first, then the biggest group, then the most fails."""
    by_key: dict[tuple, Group] = {}
    for summary in groups.report.vms:
        checks = groups.checks(summary["name"])
        fails = tuple(c.id for c in checks if c.status == FAIL)
        warns = tuple(c.id for c in checks if c.status == WARN)
        key = (summary["verdict"], fails, warns)
        if key not in by_key:
            by_key[key] = Group(summary["verdict"], fails, warns)
        by_key[key].names.append(summary["name"])
    return sorted(by_key.values(), key=lambda g: (VERDICT_ORDER.index(g.verdict), -len(g.names), -len(g.fails)))


def listed(found: list[Group]) -> tuple[list[Group], str]:
    """The groups to list and, when some are left out, one line that counts their VMs (so none is dropped)."""
    rest = found[GROUPS:]
    if not rest:
        return found, ""
    vms = sum(len(g.names) for g in rest)
    verdicts = {}
    for g in rest:
        verdicts[g.verdict] = verdicts.get(g.verdict, 0) + len(g.names)
    tally = ", ".join(f"{n:,} {v}" for v, n in sorted(verdicts.items(), key=lambda kv: VERDICT_ORDER.index(kv[0])))
    return found[:GROUPS], f"and {len(rest):,} smaller groups of {vms:,} VMs in all ({tally})"


def showing(total: int, shown: int, style: str) -> str:
    """What the view left out and the exact way to see it (``style``: "cli" or "magic")."""
    if style == "cli":
        how = "nested-magics check --details (every check of every VM), or --json"
    else:
        how = "%nested_check --details (every check of every VM), or r = %nested_check, then r.to_dict()"
    return f"Showing the {shown:,} VMs that need attention most, of {total:,}; all: {how}"
