"""One invocation versus one cmdlet per call, over WinRM with 50 ms of latency per HTTP reply.

Both ways run against the same loopback server and the same simulated host, on a shell already
open (a connection reused, as a script's remote session would be), measured alternately in one run.
The per-cmdlet way's facts must equal the one invocation's, or the comparison stops.
"""

from __future__ import annotations

from nested_magics.backends.winrm.transport import WinRMTransport
from nested_magics.backends.winrm.target import parse_winrm_target
from nested_magics.load import load_facts
from nested_magics.rules import build_report

from benchmarks import per_cmdlet
from benchmarks.common import PASSWORD, LoopbackWinRM, Sample, connect, forget_hosts, host_facts, quiet_warnings, timed

FULL = {"sizes": (10, 50), "latency_ms": 50, "repeats": 3}
QUICK = {"sizes": (2,), "latency_ms": 5, "repeats": 1}


def _without_target(report) -> dict:
    return {k: v for k, v in report.to_dict().items() if k != "target"}


def run(quick: bool = False) -> dict:
    plan = QUICK if quick else FULL
    rows = []
    with quiet_warnings():
        for vm_count in plan["sizes"]:
            handler = per_cmdlet.PerCmdletWindowsHost(host_facts(vm_count))
            with LoopbackWinRM(handler, password=PASSWORD, latency_ms=plan["latency_ms"]) as server:
                host = connect(server)
                options = parse_winrm_target(server.url, user=server.username, transport="basic", insecure=True,
                                             timeout=60)
                transport = WinRMTransport(options, lambda: server.password)
                one = host.check()                                   # both shells open before timing
                doc = per_cmdlet.gather(transport)
                assert load_facts(doc).to_dict() == one.facts.to_dict(), "per-cmdlet facts differ"
                assert _without_target(build_report(load_facts(doc), server.url)) == _without_target(one)
                single, many = Sample(), Sample()
                counts = {}
                for _ in range(plan["repeats"]):
                    server.reset_counts()
                    t, _ = timed(host.check)
                    single.add(t)
                    counts["one"] = {"invocations": len(server.invocations), "http_requests": server.request_count}
                    server.reset_counts()
                    t, _ = timed(lambda: build_report(load_facts(per_cmdlet.gather(transport)), server.url))
                    many.add(t)
                    counts["per_cmdlet"] = {"invocations": len(server.invocations),
                                            "http_requests": server.request_count}
                assert counts["per_cmdlet"]["invocations"] == per_cmdlet.calls_for(vm_count)
                transport.close()
                forget_hosts([server])
            rows.append({"vms": vm_count, "one": single.to_dict(), "per_cmdlet": many.to_dict(), "counts": counts,
                         "ratio": many.median / single.median})
    return {"latency_ms": plan["latency_ms"], "rows": rows}
