"""The Python API: connect to a target, check it, plan and apply, check a fleet."""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

from nested_magics import session
from nested_magics.backends import expand_targets, open_backend, target_key
from nested_magics.errors import NestedMagicsError, TargetError, UsageProblem
from nested_magics.host import Host
from nested_magics.model.plan import Plan
from nested_magics.model.report import FleetReport, Report

FLEET_WORKERS = 64   # threads that mostly wait on the network: 50 hosts at once, not in waves of 16


def connect(target: str | None = None, *, reset: bool = False, password_provider=None, **winrm_options) -> Host:
    """The Host for ``target`` (default: the session's). The same target gives the same host, so a
    mock host keeps its simulated state until ``reset=True``."""
    target = target or session.default_target()
    several = expand_targets([target])
    if len(several) > 1:
        raise UsageProblem(f"{target} names {len(several)} hosts; this takes one (e.g. {several[0]}): "
                           "only check takes several")
    if password_provider is not None:
        winrm_options["password_provider"] = password_provider
    key = target_key(target, **{k: v for k, v in winrm_options.items() if k != "password_provider"})
    return session.get_host(key, lambda: Host(target, open_backend(target, **winrm_options)), reset=reset)


def _host(host: Host | str | None) -> Host:
    return host if isinstance(host, Host) else connect(host)


def check(host: Host | str | None = None, vms: list[str] | None = None) -> Report:
    """Readiness report for ``vms`` (every VM when None) on a Host or a target string."""
    return _host(host).check(vms)


def plan_enable(host: Host | str | None, vm: str, **options) -> Plan:
    """Plan enabling nesting on ``vm``; apply with ``plan.apply(confirm=True)``."""
    return _host(host).plan_enable(vm, **options)


def check_one(target: str, vms: list[str] | None = None, **winrm_options) -> Report:
    """Connect and check; any failure to connect or gather becomes an ``error`` report."""
    try:
        return connect(target, **winrm_options).check(vms)
    except NestedMagicsError as exc:
        return Report.failed(target, str(exc))


def check_fleet(targets: list[str], vms: list[str] | None = None, *, deadline: float | None = None,
                workers: int = FLEET_WORKERS, on_result=None, options_for=None, **winrm_options) -> FleetReport:
    """Check many hosts at once. A host that fails or passes ``deadline`` seconds is an ``error``
    report; the others go on. ``on_result(index, report)`` is called as each host answers.
    ``options_for(target)`` gives one host's own WinRM options (else ``winrm_options`` serve all)."""
    return _check_fleet(expand_targets(list(targets)), vms, deadline=deadline, workers=workers, on_result=on_result,
                        options_for=options_for, winrm_options=winrm_options)


def _check_fleet(targets: list[str], vms, *, deadline, workers, on_result, options_for, winrm_options) -> FleetReport:
    """``check_fleet`` on targets already expanded."""
    reports: list[Report | None] = [None] * len(targets)
    told: set[int] = set()
    lock = threading.Lock()

    def tell(i: int, report: Report) -> None:
        """Call ``on_result`` once per host, inside check_fleet (never after it returns)."""
        with lock:
            if i in told or closed:
                return
            told.add(i)
        if on_result:
            on_result(i, report)

    def one(i: int, target: str) -> Report:
        report = check_one(target, vms, **(options_for(target) if options_for else winrm_options))
        tell(i, report)
        return report

    closed = False
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets) or 1)), thread_name_prefix="nested-check")
    started = time.monotonic()
    futures = {pool.submit(one, i, target): i for i, target in enumerate(targets)}
    done, pending = wait(futures, timeout=deadline)
    for future in done:
        reports[futures[future]] = future.result()
    for future in pending:
        future.cancel()
        i = futures[future]
        reports[i] = Report.failed(targets[i], f"{targets[i]}: no answer within {deadline:g} s "
                                   f"(waited {time.monotonic() - started:.1f} s); check that the host is up")
        tell(i, reports[i])
    with lock:
        closed = True          # a host answering after the deadline is not reported twice
    pool.shutdown(wait=False, cancel_futures=True)
    return FleetReport([r for r in reports if r is not None])


def check_targets(targets: list[str] | None = None, vms: list[str] | None = None, *, on_result=None,
                  options_for=None, progress=None, **winrm_options) -> Report | FleetReport:
    """Check what ``targets`` name (default: the session's target), as the magics and the command line do.

    Each target is expanded (``mock:classroom-*`` names twelve hosts). One host gives its Report, whose
    verdict is ``error`` (with ``error`` set) when it cannot be read; several give a FleetReport checked
    concurrently (see ``check_fleet``; ``on_result(index, report)`` as each host answers).
    ``options_for(target)`` gives one host's own WinRM options (else ``winrm_options`` serve all).
    ``progress(targets)``, when given, is a context manager entered around a fleet's check only; it yields
    an ``on_result`` callback or None (a live kernel's progress bar).
    """
    expanded = expand_targets(list(targets) if targets else [session.default_target()])
    if len(expanded) == 1:
        target = expanded[0]
        report = check_one(target, vms, **(options_for(target) if options_for else winrm_options))
        if on_result:
            on_result(0, report)
        return report
    with progress(expanded) if progress else contextlib.nullcontext(None) as shown:
        callbacks = [callback for callback in (on_result, shown) if callback]

        def told(i: int, report: Report) -> None:
            for callback in callbacks:
                callback(i, report)

        return _check_fleet(expanded, vms, deadline=None, workers=FLEET_WORKERS,
                            on_result=told if callbacks else None, options_for=options_for,
                            winrm_options=winrm_options)


__all__ = ["connect", "check", "plan_enable", "check_targets", "check_fleet", "check_one", "TargetError"]
