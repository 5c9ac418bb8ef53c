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

# The keyword options connect() and the checks pass on to a backend (contracts §1's WinRM options, in Python
# spelling): anything else is a mistake, refused by name, never silently ignored (a mock ignores them all).
CONNECT_OPTIONS = ("user", "username", "transport", "ca_file", "verify", "no_verify", "insecure", "timeout",
                   "guest_user", "apply_timeout", "password_provider", "guest_password_provider")


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _target_arg(value, fn: str, name: str = "target") -> str | None:
    """A target string (or None: the session's); any other type is a TypeError naming the argument."""
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{fn}(): {name} must be a target string such as 'mock' or 'hv01.example.com' "
                    f"(got {type(value).__name__} {_shown(value)})")


def _names_arg(value, fn: str, name: str, what: str) -> list[str] | None:
    """A list of strings: one string is one item (never its characters); None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, bytearray, dict)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{fn}(): {name} must be {what}: a string or a list of strings "
                        f"(got {type(value).__name__} {_shown(value)})")
    items = list(value)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{fn}(): {name} must be {what}: a string or a list of strings "
                            f"(got {type(item).__name__} {_shown(item)} in the list)")
    return items


def _options_arg(options: dict, fn: str) -> None:
    unknown = [key for key in options if key not in CONNECT_OPTIONS]
    if unknown:
        raise UsageProblem(f"{fn}(): unknown option{'s' if len(unknown) > 1 else ''} "
                           f"{', '.join(repr(key) for key in unknown)}; known: {', '.join(CONNECT_OPTIONS)}")


def _one_host(target: str, fn: str | None) -> str:
    """The one host ``target`` names (a glob matching one scenario is that scenario); a target naming
    several hosts (``mock:classroom-*``) is refused where one host is meant."""
    several = expand_targets([target])
    if len(several) > 1:
        taker = f"{fn}() takes" if fn else "this takes"
        raise UsageProblem(f"{target} names {len(several)} hosts, but {taker} one (e.g. {several[0]}); several "
                           f"hosts are checked by nm.check_fleet({target!r}), nested-magics check or %nested_check")
    return several[0] if several else target


def connect(target: str | None = None, *, reset: bool = False, password_provider=None, **winrm_options) -> Host:
    """The Host for ``target`` (default: the session's). The same target gives the same host, so a
    mock host keeps its simulated state until ``reset=True``. Keyword options: ``CONNECT_OPTIONS``."""
    target = _target_arg(target, "connect")
    _options_arg(winrm_options, "connect")
    target = _one_host(target or session.default_target(), None)
    if password_provider is not None:
        winrm_options["password_provider"] = password_provider
    key = target_key(target, **{k: v for k, v in winrm_options.items() if k != "password_provider"})
    return session.get_host(key, lambda: Host(target, open_backend(target, **winrm_options)), reset=reset)


def _host(host: Host | str | None, fn: str) -> Host:
    if isinstance(host, Host):
        return host
    if host is not None and not isinstance(host, str):
        raise TypeError(f"{fn}(): host must be a Host (from nm.connect) or a target string such as 'mock' "
                        f"(got {type(host).__name__} {_shown(host)})")
    return connect(_one_host(host, fn) if host else None)


def check(host: Host | str | None = None, vms: list[str] | str | None = None) -> Report:
    """Readiness report for ``vms`` (every VM when None; one name is one VM) on a Host or a target string
    naming one host (several: ``check_fleet``, which returns a FleetReport)."""
    vms = _names_arg(vms, "check", "vms", "VM names")
    return _host(host, "check").check(vms)


def plan_enable(host: Host | str | None, vm: str, **options) -> Plan:
    """Plan enabling nesting on ``vm``; apply with ``plan.apply(confirm=True)``."""
    if not isinstance(vm, str):
        raise TypeError(f"plan_enable(): vm must be a VM name such as 'myVM' or 'myVM/nestedVM' "
                        f"(got {type(vm).__name__} {_shown(vm)})")
    return _host(host, "plan_enable").plan_enable(vm, **options)


def check_one(target: str, vms: list[str] | str | None = None, **winrm_options) -> Report:
    """Connect and check; any failure to connect or gather becomes an ``error`` report. Wrong argument
    types and unknown options are raised (a mistake in the call, not a host that failed)."""
    target = _target_arg(target, "check_one")
    vms = _names_arg(vms, "check_one", "vms", "VM names")
    _options_arg(winrm_options, "check_one")
    try:
        return connect(target, **winrm_options).check(vms)
    except NestedMagicsError as exc:
        return Report.failed(target, str(exc))


def check_fleet(targets: list[str], vms: list[str] | None = None, *, deadline: float | None = None,
                workers: int = FLEET_WORKERS, on_result=None, options_for=None, **winrm_options) -> FleetReport:
    """Check many hosts at once. A host that fails or passes ``deadline`` seconds is an ``error``
    report; the others go on. ``on_result(index, report)`` is called as each host answers.
    ``options_for(target)`` gives one host's own WinRM options (else ``winrm_options`` serve all).
    ``targets`` and ``vms`` are lists of strings; one string is one item (a glob in it is expanded)."""
    targets = _names_arg(targets, "check_fleet", "targets", "target strings")
    if targets is None:
        raise TypeError("check_fleet(): targets must be target strings: a string or a list of strings (got None)")
    vms = _names_arg(vms, "check_fleet", "vms", "VM names")
    _options_arg(winrm_options, "check_fleet")
    return _check_fleet(expand_targets(targets), vms, deadline=deadline, workers=workers, on_result=on_result,
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
    targets = _names_arg(targets, "check_targets", "targets", "target strings")
    vms = _names_arg(vms, "check_targets", "vms", "VM names")
    _options_arg(winrm_options, "check_targets")
    expanded = expand_targets(targets if targets else [session.default_target()])
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
