"""Generated bad input (issue 11): target strings, command lines (random words and flags mixed with valid ones
for check, enable, tree and vm), magic lines and ``%%nested_enable`` cell bodies.

For every example: no traceback (``cli.main`` returns, it never raises; a magic raises nothing but a plain
``UsageError``, in one line); the exit status is 0, 1 or 2; a refusal (status 2) is one line on stderr per
host that could not be read (one line for a command on one host); ``--json`` prints one JSON document; each
example is answered in bounded time; and a refused input changes nothing on the mock hosts.

No network: only mock targets are generated, any other target is replaced by ``127.0.0.1:9`` (a closed port),
and the WinRM backend is replaced for the module by one that refuses to open, so nothing is ever sent.
Every example counts in ``GENERATED`` (printed at the end of the module with ``-s``).
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import shlex
import sys
import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

import nested_magics as nm
from nested_magics import session
from nested_magics.backends import backend_for
from nested_magics.errors import NestedMagicsError, TargetError
from nested_magics.front import cli
from nested_magics.front.magic_args import ENABLE_BODY_KEYS

GENERATED: collections.Counter = collections.Counter()
OUTCOMES: collections.Counter = collections.Counter()     # exit statuses and refusals seen (printed with -s)
LIMIT_SECONDS = 3.0            # per example, generous for a loaded CI machine (each answers in milliseconds)
WATCHED = ("mock", "mock:three-levels")          # the hosts the valid parts of the generated lines act on
SAFE_HOST = "127.0.0.1:9"

SETTINGS = dict(deadline=None, database=None, derandomize=True, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def no_network():
    """The WinRM backend never opens here; ``--user``-less WinRM targets are refused before that anyway."""
    from nested_magics.backends import winrm

    def refuse(target, **_options):
        raise TargetError(f"{target}: not reachable (the generated-input tests never open a connection)")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(winrm, "open_target", refuse)
        yield
    print(f"\ngenerated inputs: {dict(GENERATED)} ({sum(GENERATED.values())} in all); outcomes: {dict(OUTCOMES)}")


def safe_target(target: str) -> str:
    """``target`` if it is a mock target (or refused as no target at all), else a closed local port."""
    try:
        entry = backend_for(target)
    except NestedMagicsError:
        return target
    except Exception:                       # noqa: BLE001 - the test below reports it as a traceback
        return target
    return target if entry.name == "mock" else SAFE_HOST


def snapshot() -> dict:
    return {target: nm.connect(target).facts().to_dict() for target in WATCHED}


# ---------------------------------------------------------------- strategies

NAMED = ["mock", "mock:blog-2015", "mock:three-levels", "mock:classroom-*", "mock:classroom-0[12]", "mock:nope",
         "MOCK:blog-2015", "mokc:blog-2015", "mock:", "", " ", "mock:/no/such/file.json", "mock:x" * 60,
         "mock:*", "mock:[", "mock:classroom-?", "mock: three-levels", "Mock", "mock:three-levels ",
         "hv01.example.com", "127.0.0.1:9", "https://127.0.0.1:9/wsman", "http://[::1", "local", "mock\x00x"]
SCENARIO_WORD = st.text(alphabet=st.characters(blacklist_characters="/\\~.", blacklist_categories=("Cs",)),
                        max_size=40)
TARGETS = st.one_of(st.sampled_from(NAMED), st.builds(lambda s: "mock:" + s, SCENARIO_WORD),
                    st.text(max_size=30)).map(safe_target)

WORDS = ["--json", "--quiet", "--strict", "--details", "--yes", "-y", "--dry-run", "--memory", "-4GB", "6GB",
         "999999TB", "0", "keep", "lots", "--networking", "nat", "none", "wifi", "--start", "--install-hyperv",
         "--update-version", "--turn-off", "--discard-saved-state", "--timeout", "1", "-1", "nan", "--colour",
         "myVM", "ghost", "MYVM", "myVM/nestedVM", "nestedVM", "new", "start", "stop", "save", "checkpoint",
         "resize-memory", "live-migrate", "install-hyperv", "--", "-", "-t", "--target", "--help", "-h",
         "--reset", "'", '"', "x" * 300, "--memory=-4GB", "--insecure"]
WORD = st.one_of(st.sampled_from(WORDS), st.text(max_size=12), TARGETS)
VALID = {
    "check": [[], ["myVM"], ["-t", "mock:three-levels"], ["-t", "mock", "-t", "mock:three-levels", "--json"]],
    "enable": [["myVM"], ["myVM", "--dry-run"], ["myVM", "--yes"], ["myVM/nestedVM", "-t", "mock:three-levels"]],
    "tree": [[], ["-t", "mock:three-levels"], ["--json"]],
    "vm": [["start", "myVM"], ["stop", "myVM", "-t", "mock:three-levels"], ["new", "myVM/inner", "--memory", "1GB",
                                                                         "-t", "mock:three-levels"]],
}


def sanitize(words: list[str]) -> list[str]:
    """Every value given to ``-t`` names a mock host or a closed local port (see ``safe_target``)."""
    out = list(words)
    for i, word in enumerate(out):
        if word in ("-t", "--target") and i + 1 < len(out):
            out[i + 1] = safe_target(out[i + 1])
        elif word.startswith("--target=") or word.startswith("--t") and "=" in word:
            head, _, value = word.partition("=")
            out[i] = f"{head}={safe_target(value)}"
        elif word.startswith("-t") and not word.startswith("--") and len(word) > 2:
            out[i] = "-t" + safe_target(word[2:])
    return out


@st.composite
def command_lines(draw):
    command = draw(st.sampled_from(sorted(VALID)))
    base = list(draw(st.sampled_from(VALID[command])))
    for _ in range(draw(st.integers(0, 4))):
        base.insert(draw(st.integers(0, len(base))), draw(WORD))
    return [command] + sanitize(base)


def run_cli(argv: list[str]):
    out, err = io.StringIO(), io.StringIO()
    stdin, sys.stdin = sys.stdin, io.StringIO("")
    started = time.monotonic()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cli.main(list(argv))
    finally:
        sys.stdin = stdin
    return status, out.getvalue(), err.getvalue(), time.monotonic() - started


def hosts_named(argv: list[str]) -> int:
    """How many hosts a check line names (one line on stderr per host that cannot be read)."""
    return max(1, sum(1 for word in argv if word in ("-t", "--target") or word.startswith("-t")))


def assert_sound_run(argv, status, out, err, elapsed, before):
    assert "Traceback" not in out + err, (argv, out, err)
    assert status in (0, 1, 2), (argv, status, err)
    OUTCOMES[f"exit {status}"] += 1
    assert elapsed < LIMIT_SECONDS, (argv, elapsed)
    lines = err.splitlines()
    if status == 2:
        bound = 1 if argv[0] != "check" else max(hosts_named(argv), 12 if "*" in " ".join(argv) else 1) * 2
        assert 1 <= len(lines) <= bound and all(line.startswith("nested-magics: ") for line in lines), (argv, err)
        assert snapshot() == before, (argv, "a refused input changed a host")
    words = argv[:argv.index("--")] if "--" in argv else argv
    if "--json" in words and not {"-h", "--help"} & set(words):
        json.loads(out)                     # one valid document, errors included


# ---------------------------------------------------------------- the command line


@settings(max_examples=200, **SETTINGS)
@given(command_lines())
def test_generated_command_lines_answer_soundly(argv):
    GENERATED["command lines"] += 1
    session.forget_all()
    before = snapshot()
    assert_sound_run(argv, *run_cli(argv), before)


@settings(max_examples=100, **SETTINGS)
@given(TARGETS, st.sampled_from([["check"], ["check", "--json"], ["tree", "--json"], ["enable", "myVM", "--yes"],
                                 ["vm", "start", "myVM"]]))
def test_generated_targets_answer_soundly(target, command):
    GENERATED["targets"] += 1
    session.forget_all()
    before = snapshot()
    argv = command + ["-t", target]
    assert_sound_run(argv, *run_cli(argv), before)
    try:                                             # the Python API: a Host or one line of NestedMagicsError
        nm.connect(target)
    except NestedMagicsError as exc:
        assert str(exc) and "\n" not in str(exc), (target, exc)


# ---------------------------------------------------------------- the magics


@pytest.fixture(scope="module")
def ip():
    c = Config()
    c.HistoryAccessor.enabled = False
    shell = InteractiveShell(config=c)
    shell.extension_manager.load_extension("nested_magics")
    yield shell
    shell.extension_manager.unload_extension("nested_magics")


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**40), st.floats(allow_nan=True),
                   st.sampled_from(["6GB", "-4GB", "keep", "nat", "wifi", "yes", "myVM", "ghost", "x" * 300]),
                   st.text(max_size=20), st.lists(st.integers(), max_size=3))
KEYS = st.one_of(st.sampled_from(ENABLE_BODY_KEYS + ("install_hyperv", "colour", "Memory")), st.text(max_size=10))
BODIES = st.one_of(
    st.dictionaries(KEYS, VALUES, max_size=5).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.text(max_size=80),
    st.sampled_from(["memory: [4GB", "- memory\n- 4GB", "a: &a [*a]", "vm: !!python/object:os.system ls",
                     "{" * 50, "memory: 4GB\nmemory: 8GB", "\x00", "vm: myVM\n\tstart: true"]),
)
MAGIC_LINES = st.one_of(st.sampled_from(["", "myVM", "myVM --yes", "myVM --dry-run", "--json", "-t mock:three-levels",
                                         "myVM -t mock -t mock:three-levels --yes"]),
                        st.lists(WORD, max_size=4).map(lambda words: shlex.join(sanitize(words))))


def run_magic(call):
    """``call()``'s outcome: None or a one-line UsageError message (anything else fails the test)."""
    started = time.monotonic()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            call()
        refused = None
        OUTCOMES["magic returned"] += 1
    except UsageError as exc:
        assert type(exc) is UsageError, exc
        refused = str(exc)
        OUTCOMES["UsageError"] += 1
        assert refused and "\n" not in refused, refused
    assert time.monotonic() - started < LIMIT_SECONDS
    return refused


@settings(max_examples=150, **SETTINGS)
@given(MAGIC_LINES, BODIES)
def test_generated_enable_cells_answer_soundly(ip, line, body):
    GENERATED["%%nested_enable cells"] += 1
    session.forget_all()
    before = snapshot()
    refused = run_magic(lambda: ip.run_cell_magic("nested_enable", line, body))
    if refused is not None or "--yes" not in line:
        assert snapshot() == before, (line, body, refused)


@settings(max_examples=100, **SETTINGS)
@given(st.sampled_from(["nested_check", "nested_tree", "nested_vm", "nested_enable", "nested_connect"]), MAGIC_LINES)
def test_generated_magic_lines_answer_soundly(ip, magic, line):
    GENERATED["magic lines"] += 1
    session.forget_all()
    before = snapshot()
    refused = run_magic(lambda: ip.run_line_magic(magic, line))
    if refused is not None:
        assert snapshot() == before, (magic, line, refused)
