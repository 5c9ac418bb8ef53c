"""A fleet over WinRM: hosts behind loopback servers, each HTTP reply delayed (200 ms in full mode).

Every check here is cold, as a fleet check is: a new connection per host (password, shell Create),
then the facts. Measured alternately in one run: ``check_fleet`` on one host, ``check_fleet`` on all
of them, and the same hosts checked one after another (``check_one`` in a loop).
"""

from __future__ import annotations

import nested_magics as nm
from nested_magics.api import check_one
from nested_magics.backends.mock import load_scenario

from benchmarks.common import PASSWORD, LoopbackWinRM, Sample, SimulatedWindowsHost, forget_hosts, quiet_warnings, timed
from benchmarks.common import winrm_options

FULL = {"hosts": 50, "latency_ms": 200, "repeats": 5, "sequential_repeats": 2}
QUICK = {"hosts": 6, "latency_ms": 20, "repeats": 1, "sequential_repeats": 1}


def run(quick: bool = False) -> dict:
    plan = QUICK if quick else FULL
    servers = [LoopbackWinRM(SimulatedWindowsHost(load_scenario("blog-2015")), password=PASSWORD,
                             latency_ms=plan["latency_ms"]) for _ in range(plan["hosts"])]
    try:
        options = winrm_options(servers[0])          # every server has the same user and password
        targets = [s.url for s in servers]
        one, fleet, sequential = Sample(), Sample(), Sample()
        invocations = []

        def cold(fn):
            forget_hosts(servers)
            for server in servers:
                server.reset_counts()
            t, result = timed(fn)
            invocations.append(sum(len(s.invocations) for s in servers))
            return t, result

        with quiet_warnings():
            cold(lambda: nm.check_fleet(targets[:1], **options))          # warm imports, not counted
            for i in range(plan["repeats"]):
                t, report = cold(lambda: nm.check_fleet(targets[:1], **options))
                assert report.hosts[0].error is None, report.hosts[0].error
                one.add(t)
                t, report = cold(lambda: nm.check_fleet(targets, **options))
                assert len(report.hosts) == len(targets) and all(r.error is None for r in report.hosts), report
                assert invocations[-1] == len(targets)
                fleet.add(t)
                if i < plan["sequential_repeats"]:
                    t, reports = cold(lambda: [check_one(target, **options) for target in targets])
                    assert all(r.error is None for r in reports)
                    sequential.add(t)
            forget_hosts(servers)
    finally:
        for server in servers:
            server.stop()
    return {
        "hosts": plan["hosts"], "latency_ms": plan["latency_ms"], "workers": nm.api.FLEET_WORKERS,
        "one": one.to_dict(), "fleet": fleet.to_dict(), "sequential": sequential.to_dict(),
        "fleet_vs_one": fleet.median / one.median, "sequential_vs_fleet": sequential.median / fleet.median,
        "invocations_per_host": invocations[-1] / plan["hosts"] if invocations else None,
    }
