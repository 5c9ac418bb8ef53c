"""Scaling on the mock: one host with 10 … 5,000 VMs.

"Engine alone" is ``host.check()`` on a mock host that is already connected (its scenario loaded
and validated once, at connect): the simulator hands over its facts, the rules run, the report is
built. "With the dashboard" adds what a notebook shows for that report: the readiness widget tree
and the report's MIME bundle (text/plain and text/html).
"""

from __future__ import annotations

import gc
import tempfile
import time
import tracemalloc
from pathlib import Path

from .common import Sample, timed, write_scenario

FULL_SIZES = (10, 100, 1_000, 5_000)
QUICK_SIZES = (10, 100)


def repeats_for(vm_count: int, quick: bool) -> int:
    if quick:
        return 3
    return 15 if vm_count <= 1_000 else 7


def dashboard_builder():
    """The function that builds the notebook's readiness view of a Report, and what it is called."""
    from nested_magics.display import bundle

    try:
        from nested_magics.display import widgets
    except ImportError:
        widgets = None
    builder = getattr(widgets, "report_widget", None) if widgets is not None else None

    def build(report):
        view = builder(report) if builder is not None else None
        mime = bundle.report_bundle(report)
        assert mime["text/plain"] and mime["text/html"]
        return view, mime

    if builder is not None:
        return build, "display.widgets.report_widget + display.bundle.report_bundle", \
            "the widget tree and the text/plain + text/html bundle"
    return build, "display.bundle.report_bundle", "the text/plain + text/html bundle; no widget view exists yet"


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


def run(quick: bool = False) -> dict:
    import nested_magics as nm
    from nested_magics import session

    sizes = QUICK_SIZES if quick else FULL_SIZES
    build_dashboard, dashboard_name, dashboard_note = dashboard_builder()
    rows = []
    with tempfile.TemporaryDirectory(prefix="nm-bench-") as tmp:
        for vm_count in sizes:
            target = write_scenario(Path(tmp), vm_count)
            connect_time, host = timed(nm.connect, target)
            report = host.check()
            assert len(report.vms) == vm_count
            build_dashboard(report)           # warm: first-time imports are not part of the figure
            engine, dashboard = Sample(), Sample()
            for _ in range(repeats_for(vm_count, quick)):   # side by side, alternating
                gc.collect()
                t, report = timed(host.check)
                engine.add(t)
                gc.collect()
                start = time.perf_counter()
                report = host.check()
                build_dashboard(report)
                dashboard.add(time.perf_counter() - start)
            rows.append({
                "vms": vm_count,
                "connect": connect_time,
                "engine": engine.to_dict(),
                "dashboard": dashboard.to_dict(),
                "engine_peak_bytes": _peak(host.check),
                "dashboard_peak_bytes": _peak(lambda: build_dashboard(host.check())),
                "checks": len(report.checks),
            })
            session.forget_all()
    for previous, row in zip(rows, rows[1:]):
        grow = row["vms"] / previous["vms"]
        row["growth"] = {
            "vms": grow,
            "engine": row["engine"]["median"] / previous["engine"]["median"],
            "dashboard": row["dashboard"]["median"] / previous["dashboard"]["median"],
        }
    return {"sizes": list(sizes), "rows": rows, "dashboard": dashboard_name, "dashboard_note": dashboard_note}
