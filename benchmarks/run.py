"""Run every benchmark and write BENCHMARKS.md: ``python -m benchmarks`` (``--quick`` for the smoke run).

The full run takes about six minutes on two cores; ``--quick`` (small sizes, few repeats) about
fifteen seconds, and writes to benchmarks/results/ so that it never replaces the committed figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from benchmarks import common  # noqa: F401  (puts tests/ on sys.path before the benchmarks import from it
from benchmarks import bench_fleet, bench_per_cmdlet, bench_roundtrips, bench_scaling, bench_startup
from benchmarks.markdown import kept_part, render

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SECTIONS = {
    "startup": bench_startup.run,
    "scaling": bench_scaling.run,
    "roundtrips": bench_roundtrips.run,
    "per_cmdlet": bench_per_cmdlet.run,
    "fleet": bench_fleet.run,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats (the test suite runs this)")
    parser.add_argument("--only", nargs="+", choices=list(SECTIONS), metavar="SECTION",
                        help=f"run only these sections: {', '.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, help="the Markdown report (default: benchmarks/BENCHMARKS.md for a "
                        "full run of every section, else benchmarks/results/BENCHMARKS-quick.md or -partial.md)")
    parser.add_argument("--json", type=Path, help="also write the raw results here "
                        "(default: next to the report in benchmarks/results/)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.only or list(SECTIONS)
    if args.out is None:
        if args.quick:
            args.out = RESULTS / "BENCHMARKS-quick.md"
        elif args.only:
            args.out = RESULTS / "BENCHMARKS-partial.md"
        else:
            args.out = HERE / "BENCHMARKS.md"
    if args.json is None:
        args.json = RESULTS / (args.out.stem + ".json")
    results = {"quick": args.quick, "environment": common.environment(), "sections": {}, "durations": {}}
    started = time.perf_counter()
    results["load"] = {"start": os.getloadavg()[0]}
    for name in names:
        print(f"[benchmarks] {name} …", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        results["sections"][name] = SECTIONS[name](quick=args.quick)
        results["durations"][name] = time.perf_counter() - t0
        print(f"[benchmarks] {name} done in {results['durations'][name]:.1f} s", file=sys.stderr, flush=True)
    results["durations"]["total"] = time.perf_counter() - started
    results["load"]["end"] = os.getloadavg()[0]
    for path in (args.out, args.json):
        path.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    kept = kept_part(args.out.read_text(encoding="utf-8")) if args.out.exists() else ""
    args.out.write_text(render(results, kept), encoding="utf-8")
    print(f"[benchmarks] wrote {args.out} and {args.json} ({results['durations']['total']:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
