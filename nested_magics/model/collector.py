"""Checking and showing a big host make many small objects and no reference cycles, so Python's cyclic garbage
collector has nothing to find in them; left running, its full collections (each one walks every object of the
process) made a 5,000-VM check cost 2.3 times what five 1,000-VM checks cost (benchmarks/BENCHMARKS.md).
``paused`` holds the collector back while a report is built or drawn; it runs again, with its usual
thresholds, as soon as the outermost pause ends (threads pausing together included).
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False     # whether the outermost pause found the collector running (then it turns it back on)


@contextmanager
def paused():
    """No cyclic garbage collection inside the block (reference counting frees objects as usual)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
