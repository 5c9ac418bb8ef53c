"""nested-magics benchmarks: start-up, scaling on the mock, WinRM round trips, per-cmdlet comparison, fleets.

Run them all with ``python -m benchmarks`` from the repository's top folder; see BENCHMARKS.md.
"""
