"""Scaling on the mock: one host with 10 … 5,000 VMs.

"Engine alone" is ``host.check()`` on a mock host that is already connected (its scenario loaded
and validated once, at connect): the simulator hands over its facts, the rules run, the report is
built; it is also timed with the cyclic garbage collector paused, to tell the algorithm's growth
from the collector's. "With the dashboard" adds what a notebook shows for that report: the readiness
dashboard's text/plain and text/html (``display.formatters.report_bundle``; a notebook's dashboards are plain
outputs, widgets only on a Voila page).
"""

from __future__ import annotations

import cProfile
import gc
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks.common import Sample, timed, write_scenario

FULL_SIZES = (10, 100, 1_000, 5_000)
QUICK_SIZES = (10, 100)


def repeats_for(vm_count: int, quick: bool) -> int:
    if quick:
        return 3
    return 15 if vm_count <= 1_000 else 7


def build_dashboard(report) -> dict:
    """What a notebook shows for a report, with its next steps: the bundle of text/plain and text/html."""
    from nested_magics.display.formatters import report_bundle
    from nested_magics.front.advice import next_steps

    data = report_bundle(report, next_steps)
    assert data["text/plain"] and data["text/html"]
    return data


DASHBOARD = "nested_magics.display.formatters.report_bundle(report, next_steps): text/plain and text/html"


def _dashboard_once(report) -> None:
    build_dashboard(report)


def _output_sizes(report) -> dict:
    """What one output of this check weighs in a notebook (bytes per mime type, UTF-8) and its longest
    ``--quiet`` line (characters): deterministic, so one measurement is the figure."""
    from nested_magics.display import text

    bundle = build_dashboard(report)
    sizes = {mime: len(value.encode("utf-8")) for mime, value in bundle.items()}
    quiet = text.render_report(report, quiet=True).splitlines()
    return {"bytes": sizes, "total": sum(sizes.values()), "plain_lines": bundle["text/plain"].count("\n") + 1,
            "quiet_longest": max(map(len, quiet))}


def _calls(fn) -> int:
    """How many function calls ``fn`` makes (cProfile's count): a measure of work no other load can move."""
    profile = cProfile.Profile()
    profile.enable()
    try:
        fn()
    finally:
        profile.disable()
    return sum(entry.callcount for entry in profile.getstats())


def _peak(fn) -> int:
    """Peak bytes allocated while ``fn`` runs (tracemalloc), above what was allocated before."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = fn()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    del result
    return peak


class Clock:
    """Wall time and this process's CPU time of the same calls (the CPU time shrugs off other load)."""

    def __init__(self):
        self.wall, self.cpu = Sample(), Sample()

    def __call__(self, fn, *, pause_gc: bool = False):
        gc.collect()
        if pause_gc:
            gc.disable()
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            result = fn()
            self.wall.add(time.perf_counter() - wall)
            self.cpu.add(time.process_time() - cpu)
        finally:
            gc.enable()
        return result

    def to_dict(self) -> dict:
        return {**self.wall.to_dict(), "cpu": self.cpu.to_dict()}


def run(quick: bool = False) -> dict:
    """Every size is connected first, then timed in rounds (each round times each size once, smallest first),
    so a change in the machine's speed while the run goes (a shared machine's neighbours, its clock) falls on
    every size alike instead of on whichever size was being timed then."""
    import nested_magics as nm
    from nested_magics import session

    sizes = QUICK_SIZES if quick else FULL_SIZES
    rows = []
    with tempfile.TemporaryDirectory(prefix="nm-bench-") as tmp:
        hosts, connects = {}, {}
        for vm_count in sizes:
            connects[vm_count], hosts[vm_count] = timed(nm.connect, write_scenario(Path(tmp), vm_count))
            report = hosts[vm_count].check()
            assert len(report.vms) == vm_count
            _dashboard_once(report)           # warm: first-time imports are not part of the figure
        clocks = {n: (Clock(), Clock(), Clock()) for n in sizes}
        for round_ in range(max(repeats_for(n, quick) for n in sizes)):
            for vm_count in sizes:
                if round_ >= repeats_for(vm_count, quick):
                    continue
                host = hosts[vm_count]
                engine, engine_no_gc, dashboard = clocks[vm_count]
                engine(host.check)
                engine_no_gc(host.check, pause_gc=True)   # the same, the cyclic garbage collector paused
                dashboard(lambda: build_dashboard(host.check()))
        for vm_count in sizes:
            host = hosts[vm_count]
            engine, engine_no_gc, dashboard = clocks[vm_count]
            rows.append({
                "vms": vm_count,
                "connect": connects[vm_count],
                "engine": engine.to_dict(),
                "engine_no_gc": engine_no_gc.to_dict(),
                "dashboard": dashboard.to_dict(),
                "engine_peak_bytes": _peak(host.check),
                "dashboard_peak_bytes": _peak(lambda: _dashboard_once(host.check())),
                "engine_calls": _calls(host.check),
                "dashboard_calls": _calls(lambda: _dashboard_once(host.check())),
                "checks": len(host.check().checks),
                "output": _output_sizes(host.check()),
            })
        hosts.clear()
        session.forget_all()
    for previous, row in zip(rows, rows[1:]):
        row["growth"] = {"vms": row["vms"] / previous["vms"]}
        for key in ("engine_calls", "dashboard_calls"):
            row["growth"][key] = row[key] / previous[key]
        for key in ("engine", "engine_no_gc", "dashboard"):
            row["growth"][key] = row[key]["median"] / previous[key]["median"]
            row["growth"][key + "_cpu"] = row[key]["cpu"]["median"] / previous[key]["cpu"]["median"]
    return {"sizes": list(sizes), "rows": rows, "dashboard": DASHBOARD}
