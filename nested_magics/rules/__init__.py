"""Readiness rules (contracts §3): host facts in, checks and a report out."""

from .checks import CHECK_IDS, build_report, host_blockers, host_checks, report_verdict, vm_checks

__all__ = ["CHECK_IDS", "build_report", "host_blockers", "host_checks", "report_verdict", "vm_checks"]
