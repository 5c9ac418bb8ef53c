"""nested-magics: check, enable and teach Hyper-V nested virtualization.

``%load_ext nested_magics`` in IPython/Jupyter; ``nested-magics`` on the command line; and::

    import nested_magics as nm
    host = nm.connect("mock")            # the blog's 2015 host, simulated
    nm.check(host)                       # readiness report
    plan = nm.plan_enable(host, "myVM")  # what would change
    plan.apply(confirm=True)             # nothing changes without consent

Importing this package loads neither IPython, ipywidgets nor pywinrm. Imported inside a running IPython, it
registers how its results display (as ``%load_ext`` does), so ``nm.check()`` renders in a notebook.
"""

from __future__ import annotations

import sys as _sys

from nested_magics.api import check, check_fleet, connect, plan_enable
from nested_magics.errors import ActionRefused, FactsError, NestedMagicsError, TargetError, UsageProblem
from nested_magics.model.facts import HostFacts
from nested_magics.load import load_facts
from nested_magics.host import Host
from nested_magics.model.plan import EnableOptions, Plan
from nested_magics.model.report import FleetReport, Report

__version__ = "0.1.0"

__all__ = [
    "connect", "check", "check_fleet", "plan_enable", "Host", "HostFacts", "load_facts", "EnableOptions", "Plan",
    "Report", "FleetReport", "NestedMagicsError", "UsageProblem", "FactsError", "TargetError", "ActionRefused",
    "load_ipython_extension", "unload_ipython_extension",
]


def load_ipython_extension(ipython) -> None:
    """``%load_ext nested_magics``: register the magics and the display (widgets and pywinrm load later, when used)."""
    from nested_magics.front.magics import register

    register(ipython)


def unload_ipython_extension(ipython) -> None:
    from nested_magics.front.magics import unregister

    unregister(ipython)


if "IPython" in _sys.modules:      # imported inside IPython (a notebook without %load_ext): results still render
    from nested_magics.front.notebook import register_in_running_ipython

    register_in_running_ipython()
