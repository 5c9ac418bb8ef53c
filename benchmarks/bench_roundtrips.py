"""WinRM round trips per check, against the loopback WinRM server playing a simulated Windows host.

Cold: a new connection (the password asked for, NTLM's handshake when NTLM is used, the shell
created) and one check. Warm: a second
check on the same host object, its shell reused. Counted on both sides: PowerShell invocations
(Command requests the server saw) and HTTP requests (the server's count; the client's own count is
the transport's ``http_requests``).
"""

from __future__ import annotations

import json
from collections import Counter

from nested_magics.load import load_facts
from nested_magics.backends.powershell.shape import shape_document

from benchmarks.common import PASSWORD, Sample, connect, forget_hosts, host_facts, quiet_warnings, timed
from benchmarks.common import LoopbackWinRM, SimulatedWindowsHost

FULL_SIZES = (1, 500)
QUICK_SIZES = (1, 20)
AUTHS = ("basic", "ntlm")      # Basic over http (the tests' way) and NTLM with message encryption (the default)


def _actions(server) -> dict:
    """Requests by WinRS action; NTLM's handshake requests (answered 401 with a challenge) carry none."""
    actions = dict(Counter(server.actions))
    handshake = server.request_count - sum(actions.values())
    if handshake:
        actions = {"NTLM handshake": handshake, **actions}
    return actions


def _one(server, host, handler) -> dict:
    server.reset_counts()
    handler.operations.clear()
    client_before = host.backend.http_requests
    t, report = timed(host.check)
    return {
        "seconds": t,
        "invocations": len(server.invocations),
        "operations": list(handler.operations),
        "http_requests": server.request_count,
        "client_http_requests": host.backend.http_requests - client_before,
        "actions": _actions(server),
        "shells_created": server.shells_created,
        "vms": len(report.vms),
    }


def run(quick: bool = False) -> dict:
    sizes = QUICK_SIZES if quick else FULL_SIZES
    repeats = 2 if quick else 7
    rows = []
    with quiet_warnings():
        for auth, vm_count in [(auth, n) for auth in AUTHS for n in sizes]:
            handler = SimulatedWindowsHost(host_facts(vm_count))
            with LoopbackWinRM(handler, auth=auth, password=PASSWORD) as server:
                cold_time, warm_time = Sample(), Sample()
                cold = warm = None
                for i in range(repeats + 1):          # the first round only warms imports and caches
                    forget_hosts([server])
                    server.reset_counts()
                    host = connect(server)
                    cold = _one(server, host, handler)
                    warm = _one(server, host, handler)
                    if i:
                        cold_time.add(cold["seconds"])
                        warm_time.add(warm["seconds"])
                forget_hosts([server])
                stdout = server.invocations[-1].result[0]
                loading = Sample()                  # the share of a check spent validating and loading the facts
                for _ in range(repeats):
                    loading.add(timed(lambda: load_facts(shape_document(json.loads(stdout), "bench")))[0])
                rows.append({"auth": auth, "vms": vm_count, "cold": cold, "warm": warm, "cold_time": cold_time.to_dict(),
                             "warm_time": warm_time.to_dict(), "facts_bytes": len(stdout),
                             "load_facts": loading.to_dict()})
    return {"sizes": list(sizes), "rows": rows, "cmdlet_calls": cmdlet_calls()}


def cmdlet_calls(sizes=(1, 100, 1000)) -> list[dict]:
    """Host-side cmdlet calls of one check as the Windows twin counts them (one per command of each pipeline
    facts.ps1 runs), and PowerShell invocations, by number of VMs: the goal is the same for every size."""
    out = []
    with quiet_warnings():
        for vm_count in sizes:
            handler = SimulatedWindowsHost(host_facts(vm_count))
            with LoopbackWinRM(handler, auth="basic", password=PASSWORD) as server:
                report = connect(server).check()
                out.append({"vms": vm_count, "cmdlet_calls": handler.cmdlet_calls[-1],
                            "invocations": len(server.invocations), "checked": len(report.vms)})
                forget_hosts([server])
    return out
