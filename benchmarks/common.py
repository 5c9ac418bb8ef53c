"""What every benchmark shares: statistics, the machine and versions, hosts of N VMs, the test servers."""

from __future__ import annotations

import copy
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
if str(TESTS) not in sys.path:          # the loopback WinRM server and the simulated Windows host live there
    sys.path.insert(0, str(TESTS))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from loopback_winrm import LoopbackWinRM  # noqa: E402  (tests/, put on the path above)
from simulated_windows import SimulatedWindowsHost  # noqa: E402

PASSWORD = "Bench-Loopback-Pa55!"
TEMPLATE_SCENARIO = "blog-2015"        # the VM every generated host copies: myVM of the blog's 2015 host


# -- statistics ---------------------------------------------------------------------------------------


@dataclass
class Sample:
    """Repeated measurements of one thing (seconds, or any unit named in ``unit``)."""

    values: list[float] = field(default_factory=list)
    unit: str = "s"

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def to_dict(self) -> dict:
        return {"n": self.n, "median": self.median, "min": self.low, "max": self.high, "unit": self.unit,
                "values": self.values}


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def seconds(value: float) -> str:
    """A duration for a table: µs, ms or s with three significant figures."""
    if value < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s"


def spread(sample: Sample) -> str:
    """``median (min–max, n=N)``."""
    fmt = seconds if sample.unit == "s" else (lambda v: f"{v:.3g}")
    return f"{fmt(sample.median)} ({fmt(sample.low)}–{fmt(sample.high)}, n={sample.n})"


# -- machine and versions -----------------------------------------------------------------------------


def _field(path: str, key: str, separator: str) -> str | None:
    """The value after ``key`` and ``separator`` on the first line of ``path`` that starts with ``key``."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(separator, 1)[1].strip().strip('"')
    except (OSError, IndexError):
        pass
    return None


def _cpu_model() -> str:
    return _field("/proc/cpuinfo", "model name", ":") or platform.processor() or platform.machine()


def _memory() -> str:
    total = _field("/proc/meminfo", "MemTotal", ":")
    return f"{int(total.split()[0]) / 1024**2:.1f} GiB" if total else "unknown"


def _os() -> str:
    name = _field("/etc/os-release", "PRETTY_NAME", "=")
    return f"{name} (Linux {platform.release()})" if name else platform.platform()


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def environment() -> dict:
    # A run from an exported tree (git archive) names its commit in BENCHMARKS_GIT_SHA.
    sha = os.environ.get("BENCHMARKS_GIT_SHA") or _git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", "--", "nested_magics"))
    return {
        "machine": {"cpu": _cpu_model(), "cores": os.cpu_count(), "memory": _memory(), "os": _os()},
        "versions": {
            "python": platform.python_version(),
            "ipython": _version("ipython"),
            "ipywidgets": _version("ipywidgets"),
            "pywinrm": _version("pywinrm"),
            "nested-magics": f"{_version('nested-magics')} @ {sha}{' (nested_magics/ had uncommitted changes)' if dirty else ''}",
        },
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


# -- hosts of N VMs --------------------------------------------------------------------------------------


def host_document(vm_count: int) -> dict:
    """The blog's 2015 host with ``vm_count`` copies of its VM myVM (names vm-00001…, ids unique)."""
    from nested_magics.backends.mock import load_scenario

    doc = load_scenario(TEMPLATE_SCENARIO).to_dict()
    template = doc["vms"][0]
    doc["vms"] = [dict(copy.deepcopy(template), name=f"vm-{i:05d}", id=str(uuid.uuid5(uuid.NAMESPACE_DNS, f"vm-{i}")))
                  for i in range(1, vm_count + 1)]     # copies: shared dicts would count as YAML aliases
    return doc


def host_facts(vm_count: int):
    from nested_magics.load import load_facts

    return load_facts(host_document(vm_count))


def write_scenario(directory: Path, vm_count: int) -> str:
    """Write the host of ``vm_count`` VMs as a scenario file; return its ``mock:PATH`` target."""
    path = Path(directory) / f"host-{vm_count}-vms.json"
    path.write_text(json.dumps(host_document(vm_count)), encoding="utf-8")
    return f"mock:{path}"


# -- loopback WinRM ------------------------------------------------------------------------------------


def winrm_options(server) -> dict:
    """How the benchmarks connect to a loopback server: its auth (Basic over http needs --insecure; NTLM
    encrypts the messages), the password from code."""
    options = {"user": server.username, "transport": server.auth, "timeout": 60,
               "password_provider": lambda: server.password}
    if server.auth == "basic":
        options["insecure"] = True
    return options


def connect(server):
    import nested_magics as nm

    return nm.connect(server.url, **winrm_options(server))


def forget_hosts(servers=()) -> None:
    """Drop every connected host; the servers answer the shell Deletes without their latency."""
    from nested_magics import session

    saved = [(s, s.latency_ms) for s in servers]
    for server, _ in saved:
        server.latency_ms = 0
    try:
        session.forget_all()
    finally:
        for server, latency in saved:
            server.latency_ms = latency


@contextmanager
def quiet_warnings():
    """Basic over http warns on every connect: expected here, on 127.0.0.1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
