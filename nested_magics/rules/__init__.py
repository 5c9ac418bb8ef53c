"""Readiness rules (contracts §3): host facts in, checks and a report out.

``host_rules``, ``machine_rules`` and ``vm_rules`` register one function per check id (``registry``); ``report`` assembles them.
"""

from nested_magics.rules import host_rules, machine_rules, vm_rules  # noqa: F401  (importing them registers the rules)
from nested_magics.rules.registry import HOST_RULES, VM_RULES, check_ids, host_blockers, host_checks, vm_checks
from nested_magics.rules.report import build_report, report_verdict

CHECK_IDS = check_ids()

__all__ = ["CHECK_IDS", "HOST_RULES", "VM_RULES", "build_report", "host_blockers", "host_checks", "report_verdict",
           "vm_checks"]
