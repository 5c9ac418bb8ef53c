"""Error paths: how long a bad ``mock:`` file takes to be refused, end to end, against a valid one.

Each run is a new ``python`` process, timed from outside (interpreter start included), running
``nested-magics check -t mock:PATH`` through ``cli.main``. The child reports its exit status and whether
it imported ``jsonschema`` (with the Jupyter stack installed, jsonschema's format checkers cost over a
second to import: the error path must not need them). On POSIX the child's peak memory is measured too.

The cases alternate run by run so drift hits all alike; one unmeasured round first warms the caches.
``--root DIR`` times another checkout (e.g. ``git archive HEAD | tar -x -C /tmp/old``) with this one's
interpreter and cases, for a before/after table. A child that outlives ``--timeout`` is killed and
reported as such (the old loader read ``/dev/zero`` without end).

    python -m benchmarks.bench_errors [--quick] [--root DIR] [--timeout S] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, Sample, seconds
from test_load_bounds import deep_json   # tests/ is on sys.path (benchmarks.common): one way to write it

SCHEMA = "nested-magics/host-facts/v1"
HEAD = f"schema: {SCHEMA}\nname: H\nos: {{build: 14393}}\ncpu: {{vendor: GenuineIntel}}\n"

CHILD = """
import json, sys
from nested_magics.front import cli
status = cli.main(["check", "-t", sys.argv[1]])
print(json.dumps({"status": status, "jsonschema": "jsonschema" in sys.modules}), file=sys.stderr)
"""


def _alias_bomb(levels: int) -> str:
    lines = ['  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return f"schema: {SCHEMA}\nos: {{build: 1}}\ncpu: {{vendor: x}}\nvms: []\nbomb:\n" + "\n".join(lines) + \
        f"\nname: *a{levels - 1}\n"


def _deep_guests(levels: int) -> str:
    host: dict = {"name": "G", "vms": []}
    for _ in range(levels):
        host = {"name": "G", "vms": [{"name": "v", "state": "Off", "version": "8.0", "guest": host}]}
    doc = {"schema": SCHEMA, "name": "H", "os": {"build": 14393}, "cpu": {"vendor": "GenuineIntel"}, **host}
    return deep_json(doc)


def cases(folder: Path) -> dict[str, str]:
    """name -> target. Writes the files into ``folder``."""
    files = {
        "valid.yaml": HEAD + "vms: [{name: myVM, state: 'Off', version: '7.0'}]\n",
        "unknown-key.yaml": HEAD + "vms: []\nmemroy: 1\n",
        "wrong-type.json": json.dumps({"schema": SCHEMA, "name": "H", "os": {"build": "ten"}, "cpu": {"vendor": "x"},
                                       "vms": []}),
        "syntax.yaml": HEAD + "vms: [\n",
        "duplicate-key.yaml": HEAD + "vms: []\nname: I\n",
        "alias-bomb-7.yaml": _alias_bomb(7),
        "alias-bomb-9.yaml": _alias_bomb(9),
        "guests-333.json": _deep_guests(333),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    with open(folder / "17MiB.json", "wb") as big:
        big.truncate(17 * 2**20)
    out = {"bundled blog-2015 (valid)": "mock:blog-2015"}
    out.update({name + (" (valid)" if name.startswith("valid") else ""): f"mock:{folder / name}" for name in files})
    out["17MiB.json"] = f"mock:{folder / '17MiB.json'}"
    if os.path.exists("/dev/zero"):
        out["/dev/zero"] = "mock:/dev/zero"
    return out


MEMORY_LIMIT = 2 * 2**30            # the child's address space (POSIX): a loader that reads without end stops here


def _limit_memory() -> None:                               # runs in the child, before exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run_child(target: str, env: dict, timeout: float) -> dict:
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as err_file:   # a pipe could fill up
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", CHILD, target], cwd=env["PYTHONPATH"], env=env,
                                stdout=subprocess.DEVNULL, stderr=err_file,
                                preexec_fn=_limit_memory if os.name == "posix" else None)
        peak = None
        try:
            if hasattr(os, "wait4"):
                deadline = start + timeout
                while True:
                    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                    if pid:
                        proc.returncode = os.waitstatus_to_exitcode(status)
                        peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
                        break
                    if time.perf_counter() > deadline:
                        raise subprocess.TimeoutExpired(proc.args, timeout)
                    time.sleep(0.002)
            else:
                proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return {"seconds": time.perf_counter() - start, "timeout": True, "peak_bytes": None}
        elapsed = time.perf_counter() - start
        err_file.seek(0)
        err = err_file.read()
    lines = err.strip().splitlines()
    report = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    message = lines[0] if report and len(lines) > 1 else ""
    crashed = None if report else (lines[-1][:160] if lines else f"exit {proc.returncode}")
    return {"seconds": elapsed, "timeout": False, "peak_bytes": peak, "status": report.get("status"),
            "jsonschema": report.get("jsonschema"), "message_chars": len(message),
            "message": message[:160], "crashed": crashed}


def run(quick: bool = False, root: Path = ROOT, timeout: float = 30.0) -> dict:
    repeats = 2 if quick else 9
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="nm-bench-errors-") as tmp:
        targets = cases(Path(tmp))
        env = {**os.environ, "PYTHONPATH": str(root)}
        env.pop("NESTED_MAGICS_TARGET", None)
        samples = {name: Sample() for name in targets}
        peaks: dict[str, list[int]] = {name: [] for name in targets}
        for i in range(repeats + 1):
            for name, target in targets.items():
                if rows.get(name, {}).get("timeout"):
                    continue                          # once is enough to know it does not finish
                result = _run_child(target, env, timeout)
                rows[name] = result
                if i == 0 and not result["timeout"]:
                    continue                          # the warm-up round
                if not result["timeout"]:
                    samples[name].add(result["seconds"])
                    if result["peak_bytes"]:
                        peaks[name].append(result["peak_bytes"])
        for name, row in rows.items():
            row["sample"] = samples[name].to_dict() if samples[name].n else None
            row["peak_bytes"] = max(peaks[name], default=None)
    return {"root": str(root), "python": sys.executable, "timeout": timeout, "rows": rows}


def render(results: dict) -> str:
    out = [f"Checkout: `{results['root']}`", "",
           "| case | median | min | max | peak memory | exit | jsonschema imported | error line |",
           "|---|---|---|---|---|---|---|---|"]
    for name, row in results["rows"].items():
        if row.get("timeout"):
            out.append(f"| {name} | killed after {results['timeout']:g} s | | | | | | |")
            continue
        s = row["sample"]
        if row.get("crashed"):
            out.append(f"| {name} | {seconds(s['median'])} | {seconds(s['min'])} | {seconds(s['max'])} | "
                       f"(limit {MEMORY_LIMIT / 2**30:g} GiB) | traceback | | `{row['crashed'][:70]}` |")
            continue
        line = f"{row.get('message_chars', 0):,} characters" if row.get("message_chars") else "none (valid)"
        peak = f"{row['peak_bytes'] / 2**20:.0f} MiB" if row.get("peak_bytes") else "?"
        out.append(f"| {name} | {seconds(s['median'])} | {seconds(s['min'])} | {seconds(s['max'])} | {peak} | "
                   f"{row.get('status')} | {'yes' if row.get('jsonschema') else 'no'} | "
                   f"{line} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_errors", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to time (default: this one)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a child is killed")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args(argv)
    results = run(args.quick, args.root.resolve(), args.timeout)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
