"""Bad host-facts input (issue 11, contracts §1 and §2 "Bounds", "Duplicate names", "PowerShell remoting
properties"): every refusal is one line that names the limit or the cause, answered in well under a second
with bounded memory, never a hang, a memory blow-up or a traceback.

The inputs that used to hang or eat memory run in a child process with a deadline and an address-space
limit, so that a regression fails here instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from nested_magics.errors import FactsError, TargetError
from nested_magics.load import load_facts, parse_facts_text, validate
from nested_magics.model.facts import SCHEMA_ID

PiB = 1024**5
MAX_FILE_BYTES = 16 * 1024**2   # contracts §2: a facts file over 16 MiB is refused
QUICK = 1.0          # seconds: "well under a second" on a loaded CI machine
POSIX = os.name == "posix"


def refusal(text: str, source: str = "mock:t.yaml") -> str:
    """The one-line FactsError that loading ``text`` gives, answered quickly."""
    started = time.perf_counter()
    with pytest.raises(FactsError) as info:
        parse_facts_text(text, source)
    elapsed = time.perf_counter() - started
    message = str(info.value)
    assert "\n" not in message and len(message) <= 300, (len(message), message[:400])
    assert elapsed < QUICK, f"{elapsed:.2f} s: {message[:200]}"
    return message


def doc_refusal(doc) -> str:
    started = time.perf_counter()
    with pytest.raises(FactsError) as info:
        load_facts(doc)
    elapsed = time.perf_counter() - started
    message = str(info.value)
    assert "\n" not in message and len(message) <= 300, (len(message), message[:400])
    assert elapsed < QUICK, f"{elapsed:.2f} s: {message[:200]}"
    return message


def in_child(code: str, timeout: float = 15, memory_mb: int = 1536) -> str:
    """Run ``code`` in a fresh interpreter with a deadline and (on POSIX) an address-space limit; its stdout."""
    def limit():                                    # pragma: no cover - runs in the child
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))

    try:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                              timeout=timeout, preexec_fn=limit if POSIX else None)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout} s (a hang)")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def yaml_doc(*extra: str, name: str = "name: H") -> str:
    return "\n".join([f"schema: {SCHEMA_ID}", name, "os: {build: 14393}", "cpu: {vendor: GenuineIntel}", "vms: []",
                      *extra]) + "\n"


def alias_bomb(levels: int, where: str = "name") -> str:
    """The billion-laughs document: each level is 9 aliases of the one before."""
    lines = ['  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join([f"schema: {SCHEMA_ID}", "os: {build: 14393}", "cpu: {vendor: GenuineIntel}", "vms: []",
                      "bomb:", *lines, f"{where}: *a{levels - 1}"]) + "\n"


def guest_chain(levels: int) -> dict:
    """A host whose first VM's guest has a VM whose guest ... ``levels`` guests deep."""
    host: dict = {"name": "G", "vms": []}
    for _ in range(levels - 1):
        host = {"name": "G", "vms": [{"name": "v", "state": "Off", "version": "8.0", "guest": host}]}
    return {"schema": SCHEMA_ID, "name": "H", "os": {"build": 14393}, "cpu": {"vendor": "GenuineIntel"},
            "vms": [{"name": "v", "state": "Off", "version": "8.0", "guest": host}]}


def deep_json(doc) -> str:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        return json.dumps(doc)
    finally:
        sys.setrecursionlimit(old)


# ---------------------------------------------------------------- bounds: size of the file


def test_a_document_over_16_mib_is_refused_before_it_is_parsed():
    text = '{"schema": "' + "x" * MAX_FILE_BYTES + '"}'
    message = refusal(text, "mock:big.json")
    assert message.startswith("mock:big.json: ") and "16 MiB" in message


def test_a_facts_file_over_16_mib_is_refused_without_reading_it(tmp_path):
    from nested_magics.backends.mock.scenarios import read_scenario

    path = tmp_path / "big.json"
    with open(path, "wb") as out:
        out.truncate(MAX_FILE_BYTES + 1)          # sparse: nothing to write, nothing to read
    started = time.perf_counter()
    with pytest.raises(TargetError) as info:
        read_scenario(str(path))
    assert time.perf_counter() - started < QUICK
    message = str(info.value)
    assert message.startswith(f"mock:{path}: ") and "16 MiB" in message and "\n" not in message


def test_a_file_of_16_mib_is_not_refused_for_its_size(tmp_path):
    text = json.dumps({"schema": SCHEMA_ID, "name": "H", "os": {"build": 14393}, "cpu": {"vendor": "x", "model": ""},
                       "vms": []})
    padded = text + " " * (MAX_FILE_BYTES - len(text))
    assert parse_facts_text(padded, "mock:x.json").name == "H"


# ---------------------------------------------------------------- bounds: YAML aliases


def test_a_seven_level_alias_bomb_is_refused_at_once_with_a_short_line():
    """The old loader quoted the whole expanded value: a 34.7 MB error line after 5 s."""
    message = refusal(alias_bomb(7))
    assert "alias" in message and "10,000" in message
    assert "line " in message


def test_an_alias_bomb_anywhere_in_the_document_is_refused():
    for where in ("name", "vms", "unknown_key"):
        assert "10,000" in refusal(alias_bomb(6, where))


def test_a_nine_level_alias_bomb_neither_hangs_nor_eats_memory():
    """The old loader ran past 60 s at 2.8 GB; in a child with 15 s and 1.5 GB it must answer in a second."""
    out = in_child(f"""
        import time
        from nested_magics.errors import FactsError
        from nested_magics.load import parse_facts_text
        text = {alias_bomb(9)!r}
        started = time.perf_counter()
        try:
            parse_facts_text(text, "mock:bomb.yaml")
            print("LOADED")
        except FactsError as exc:
            print(round(time.perf_counter() - started, 3), len(str(exc)), str(exc)[:200])
    """)
    seconds, length, message = out.split(" ", 2)
    assert float(seconds) < QUICK and int(length) <= 300 and "10,000" in message, out


def test_aliases_that_expand_to_fewer_than_10000_nodes_are_fine():
    text = yaml_doc(name="name: &n H") + textwrap.dedent("""\
        switches:
          - &sw {name: External, type: External}
        nat: [{name: *n}]
    """)
    facts = parse_facts_text(text, "mock:t.yaml")
    assert facts.name == "H" and facts.nat[0].name == "H"


def test_an_alias_that_contains_itself_is_refused():
    message = refusal(yaml_doc("loop: &l [*l]"))
    assert "itself" in message


def test_an_in_memory_document_that_shares_values_cannot_expand_without_bound():
    """The Python API gets the same bound: a DAG of shared lists (9**13 values), or a list that contains itself."""
    out = in_child(f"""
        import time
        from nested_magics.errors import FactsError
        from nested_magics.load import load_facts
        shared = ["lol"] * 9
        for _ in range(12):
            shared = [shared] * 9
        loop = []
        loop.append(loop)
        for bomb in (shared, loop):
            doc = {{"schema": {SCHEMA_ID!r}, "name": "H", "os": {{"build": 1}}, "cpu": {{"vendor": "x"}}, "vms": [],
                   "bomb": bomb}}
            started = time.perf_counter()
            try:
                load_facts(doc)
                print("LOADED")
            except FactsError as exc:
                print(round(time.perf_counter() - started, 3), len(str(exc)), str(exc)[:200])
    """)
    first, second = out.strip().splitlines()
    seconds, length, message = first.split(" ", 2)
    assert float(seconds) < QUICK and int(length) <= 300 and "10,000" in message, out
    seconds, length, message = second.split(" ", 2)
    assert float(seconds) < QUICK and int(length) <= 300 and "itself" in message, out


def test_a_yaml_document_of_millions_of_values_is_refused_with_bounded_memory():
    """Within 16 MiB, YAML can hold millions of tiny values; PyYAML spends ~5 µs and ~400 bytes on each (the
    old loader: 44 s and 676 MiB for a million). Past 500,000 it is refused, pointing to JSON."""
    text = "vbs: {services_running: [" + "0, " * 1_000_000 + "0]}\n"
    out = in_child("""
        import resource, time
        from nested_magics.errors import FactsError
        from nested_magics.load import parse_facts_text
        text = "vbs: {services_running: [" + "0, " * 1_000_000 + "0]}\\n"
        try:
            parse_facts_text(text, "mock:wide.yaml")
            print("LOADED")
        except FactsError as exc:
            print(str(exc)[:200])
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    """, timeout=30, memory_mb=1024)
    message, peak_mib = out.strip().splitlines()
    assert "500,000 values" in message and "JSON" in message and len(text) < 16 * 2**20
    assert int(peak_mib) < 600


# ---------------------------------------------------------------- bounds: nesting


def test_guests_may_nest_32_levels_deep():
    facts = load_facts(guest_chain(32))
    depth = max(level for level, _, _ in facts.walk())
    assert depth == 31


def test_guests_nested_deeper_than_32_levels_are_refused_naming_the_limit():
    message = doc_refusal(guest_chain(33))
    assert "32" in message and "guest" in message
    assert message.startswith("vms[0].guest")


def test_json_nested_333_levels_deep_names_the_nesting_limit_not_yaml():
    """The old loader said "not valid YAML: cannot be parsed" (a RecursionError caught as YAML's)."""
    text = deep_json(guest_chain(333))
    message = refusal(text, "mock:deep.json")
    assert "not valid YAML" not in message
    assert "nested deeper than" in message


@pytest.mark.parametrize("text", [
    "[" * 600 + "]" * 600,                                      # YAML flow, read by the YAML parser
    '{"a": ' * 600 + "1" + "}" * 600,                           # JSON
    "\n".join("  " * i + f"k{i}:" for i in range(600)) + " 1\n",   # YAML block mappings
    "[" * (4 * 2**20),                                          # 4 MiB of brackets: no C-stack overflow
])
def test_any_document_nested_hundreds_of_levels_names_the_nesting_limit(text):
    message = refusal(text, "mock:deep")
    assert "nested deeper than" in message and "not valid YAML" not in message


# ---------------------------------------------------------------- bounds: names, sizes, builds


def test_a_name_of_255_characters_is_fine_and_256_is_refused_naming_the_limit(make_doc, make_vm):
    assert load_facts(make_doc(name="H" * 255)).name == "H" * 255
    message = doc_refusal(make_doc(name="H" * 256))
    assert message.startswith("name: ") and "255" in message
    message = doc_refusal(make_doc(vms=[make_vm("v" * 300)]))
    assert message.startswith("vms[0].name: ") and "255" in message


@pytest.mark.parametrize("value", [1e30, 10**30, PiB + 1, "1025TB", "999999TB", "2000000 GB"])
def test_a_size_above_1_pib_is_refused_naming_the_key_path(make_doc, make_vm, value):
    """The old loader showed "PASS Startup memory 909494701772928256 TB" for 1e30."""
    message = doc_refusal(make_doc(vms=[make_vm(startup=value)]))
    assert message.startswith("vms[0].memory.startup_bytes: ") and "1 PiB" in message
    message = doc_refusal(make_doc(memory={"total_bytes": value}))
    assert message.startswith("memory.total_bytes: ") and "1 PiB" in message


def test_a_size_of_1_pib_is_fine(make_doc, make_vm):
    facts = load_facts(make_doc(memory={"total_bytes": PiB}, vms=[make_vm(startup="1024TB")]))
    assert facts.memory.total_bytes == PiB and facts.vms[0].startup_bytes == PiB


def test_startup_bytes_1e30_in_a_json_file_is_refused(tmp_path):
    text = '{"schema": "%s", "name": "H", "os": {"build": 14393}, "cpu": {"vendor": "GenuineIntel"},' \
           ' "vms": [{"name": "v", "state": "Off", "version": "8.0", "memory": {"startup_bytes": 1e30}}]}' % SCHEMA_ID
    assert refusal(text, "mock:x.json").startswith("mock:x.json: vms[0].memory.startup_bytes: ")


@pytest.mark.parametrize("build", [10**40, 10**6 + 1, 1e30])
def test_a_build_above_a_million_is_refused_naming_the_key_path(make_doc, make_vm, make_guest, build):
    message = doc_refusal(make_doc(os={"build": build}))
    assert message.startswith("os.build: ") and "1000000" in message
    message = doc_refusal(make_doc(vms=[make_vm(guest=make_guest(os={"build": build}))]))
    assert message.startswith("vms[0].guest.os.build: ")


def test_a_build_of_a_million_is_fine(make_doc):
    assert load_facts(make_doc(os={"build": 10**6})).build == 10**6


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_numbers_that_are_not_finite_are_refused(make_doc, value):
    message = doc_refusal(make_doc(latency_ms=value))
    assert message.startswith("latency_ms: ")


def test_a_number_with_thousands_of_digits_is_one_line():
    text = '{"schema": "%s", "name": "H", "os": {"build": %s}}' % (SCHEMA_ID, "9" * 5000)
    message = refusal(text, "mock:x.json")
    assert "not valid YAML" not in message and "digits" in message
    message = refusal(yaml_doc("latency_ms: " + "9" * 5000))
    assert "digits" in message


# ---------------------------------------------------------------- at most 80 characters of a value


@pytest.mark.parametrize("field, value", [
    ("name", ["x" * 10_000]),
    ("name", {"k": "x" * 10_000}),
    ("hypervisor_present", "y" * 10_000),
    ("os", "z" * 10_000),
])
def test_error_messages_quote_at_most_80_characters_of_a_value(make_doc, field, value):
    message = doc_refusal(make_doc(**{field: value}))
    assert "x" * 81 not in message and "y" * 81 not in message and "z" * 81 not in message


def test_a_long_unknown_key_is_quoted_short(make_doc):
    doc = make_doc()
    doc["k" * 10_000] = 1
    doc["vms"][0]["state"] = "S" * 10_000
    message = doc_refusal(doc)
    assert "k" * 81 not in message and "S" * 81 not in message


def test_a_bad_state_is_quoted_short(make_doc, make_vm):
    message = doc_refusal(make_doc(vms=[make_vm(state="Runnin" + "g" * 5000)]))
    assert message.startswith("vms[0].state: ") and "g" * 81 not in message


def test_an_unknown_key_with_a_newline_stays_on_one_line(make_doc):
    doc = make_doc()
    doc["bad\nkey"] = 1
    assert "unknown key" in doc_refusal(doc)


def test_a_huge_integer_is_quoted_short(make_doc, make_vm):
    message = doc_refusal(make_doc(vms=[make_vm(checkpoints=-(10**5000))]))
    assert message.startswith("vms[0].checkpoints: ")


# ---------------------------------------------------------------- duplicate YAML keys


def test_a_duplicate_yaml_key_is_refused_naming_the_key_and_the_line():
    """The old loader kept the last value: this host was called "I"."""
    text = yaml_doc("name: I")
    message = refusal(text)
    assert "duplicate key 'name'" in message and "line 6" in message and "line 2" in message


def test_a_duplicate_key_inside_a_vm_names_its_path():
    text = yaml_doc().replace("vms: []", "vms:\n  - name: a\n    state: 'Off'\n    version: '8.0'\n    state: Running")
    message = refusal(text)
    assert "vms[0]" in message and "duplicate key 'state'" in message and "line 9" in message


def test_a_duplicate_json_key_is_refused_naming_the_key():
    text = '{"schema": "%s", "name": "H", "name": "I", "os": {"build": 1}, "cpu": {"vendor": "x"}, "vms": []}' % SCHEMA_ID
    message = refusal(text, "mock:x.json")
    assert "duplicate key 'name'" in message


def test_a_merge_key_may_be_overridden_without_being_a_duplicate():
    text = yaml_doc(textwrap.dedent("""\
        switches:
          - &base {name: External, type: External}
          - <<: *base
            name: Second
    """))
    facts = parse_facts_text(text, "mock:t.yaml")
    assert [s.name for s in facts.switches] == ["External", "Second"]


@pytest.fixture
def pure_python_yaml(monkeypatch):
    """PyYAML without libyaml: the loader falls back to PyYAML's own parser, with the same bounds."""
    from nested_magics.load.text import _yaml_loader

    monkeypatch.setitem(sys.modules, "yaml._yaml", None)
    _yaml_loader.cache_clear()
    yield
    _yaml_loader.cache_clear()


def test_without_libyaml_the_same_bounds_hold(pure_python_yaml):
    from nested_magics.load.text import _yaml_loader

    assert "CParser" not in [cls.__name__ for cls in _yaml_loader().__mro__]
    assert "10,000" in refusal(alias_bomb(7))
    assert "duplicate key 'name' on line 6" in refusal(yaml_doc("name: I"))
    assert "nested deeper than" in refusal("[" * 600 + "]" * 600)
    assert "itself" in refusal(yaml_doc("loop: &l [*l]"))
    assert parse_facts_text(yaml_doc(), "mock:t.yaml").name == "H"


def test_yaml_keeps_safe_loading_only():
    message = refusal(yaml_doc("x: !!python/object/apply:os.system ['true']"))
    assert "not valid YAML" in message


# ---------------------------------------------------------------- PowerShell remoting properties


REMOTING = {"PSComputerName": "HV01", "RunspaceId": "5b2d2ac5-7f3a-4d7b-9a22-0d6c1f9b1c11", "PSShowComputerName": True}


def test_powershell_remoting_properties_on_any_object_are_dropped(make_doc, make_vm, make_guest):
    """The old loader: "PSComputerName: unknown key"."""
    vm = make_vm(mac_spoofing=False, cpus=2, startup="2GB", guest=make_guest(**REMOTING, os={"build": 1, **REMOTING}))
    vm.update(REMOTING)
    vm["network_adapters"][0].update(REMOTING)
    vm["processor"].update(REMOTING)
    doc = make_doc(**REMOTING, os=REMOTING, cpu=REMOTING, memory={"total_bytes": 1, **REMOTING},
                   vbs={"status": 0, **REMOTING}, nat=[{"name": "N", **REMOTING}], vms=[vm],
                   switches=[{"name": "External", **REMOTING}], faults=[{"operation": "start", "message": "m", **REMOTING}])
    validate(doc)
    facts = load_facts(doc)
    assert "PSComputerName" not in json.dumps(facts.to_dict())
    assert facts.vms[0].network_adapters[0].mac_spoofing is False
    assert doc["PSComputerName"] == "HV01"         # the caller's document is left as it was


def test_remoting_properties_in_a_scenario_file_are_dropped(scenario, make_doc):
    from nested_magics.backends.mock.scenarios import read_scenario

    doc = make_doc(**REMOTING, faults=[{"operation": "start", "message": "m", **REMOTING}])
    loaded = read_scenario(scenario(doc).split(":", 1)[1])
    assert loaded.facts.name == "HV-TEST" and loaded.faults[0].operation == "start"


# ---------------------------------------------------------------- paths that are not plain files


def target_error(spec: str) -> str:
    from nested_magics.backends.mock.scenarios import read_scenario, scenario_key

    started = time.perf_counter()
    scenario_key(spec)                                     # never raises: a key is only a key
    with pytest.raises(TargetError) as info:
        read_scenario(spec)
    assert time.perf_counter() - started < QUICK
    message = str(info.value)
    assert "\n" not in message and len(message) <= 600, message
    return message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    out = in_child(f"""
        from nested_magics.errors import TargetError
        from nested_magics.backends.mock.scenarios import read_scenario
        try:
            read_scenario({str(fifo)!r})
        except TargetError as exc:
            print(exc)
    """, timeout=10)
    assert out.strip().startswith(f"mock:{fifo}: ") and "FIFO" in out


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused_without_reading_it():
    """The old loader read /dev/zero until it held 6.7 GB."""
    out = in_child("""
        from nested_magics.errors import TargetError
        from nested_magics.backends.mock.scenarios import read_scenario
        try:
            read_scenario("/dev/zero")
        except TargetError as exc:
            print(exc)
    """, timeout=10, memory_mb=1024)
    assert out.strip().startswith("mock:/dev/zero: ") and "device" in out


def test_a_directory_is_refused(tmp_path):
    assert "is a folder" in target_error(f"{tmp_path}/")
    assert "is a folder" in target_error(str(tmp_path))


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
def test_a_symlink_loop_is_refused(tmp_path):
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    message = target_error(str(tmp_path / "a.json"))
    assert message.startswith(f"mock:{tmp_path / 'a.json'}: ") and "symlink loop" in message


def test_a_home_folder_of_no_such_user_is_refused():
    message = target_error("~nosuchuser-nested-magics/x.json")
    assert message.startswith("mock:~nosuchuser-nested-magics/x.json: ") and "no user" in message


def test_a_nul_byte_in_a_path_is_refused():
    message = target_error("/tmp/a\x00b.json")
    assert "NUL" in message and "\x00" not in message


def test_a_path_inside_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    assert "not a folder" in target_error(str(tmp_path / "f" / "x.json"))


def test_a_path_too_long_for_the_system_is_refused():
    message = target_error("/tmp/" + "p" * 5000 + ".json")
    assert "too long" in message


def test_a_300_character_scenario_name_is_an_unknown_name_not_a_traceback():
    """The old loader: OSError: File name too long."""
    message = target_error("n" * 300)
    assert "no bundled scenario of that name" in message and "n" * 81 not in message


def test_a_scenario_name_with_a_nul_byte_or_a_newline_is_an_unknown_name():
    for name in ("blog\x00", "blog\n2015"):
        message = target_error(name)
        assert "no bundled scenario of that name" in message and "\x00" not in message


@pytest.mark.parametrize("make_spec", [
    lambda tmp: "n" * 300,
    lambda tmp: "~nosuchuser-nested-magics/x.json",
    lambda tmp: "/tmp/a\x00b.json",
    lambda tmp: f"{tmp}/",
])
def test_through_the_command_line_each_is_one_line_and_exit_2(tmp_path, capsys, make_spec):
    from nested_magics.front import cli

    spec = make_spec(tmp_path)
    capsys.readouterr()
    status = cli.main(["check", "-t", f"mock:{spec}"])
    out, err = capsys.readouterr()
    assert status == 2 and "Traceback" not in err + out
    assert len(err.splitlines()) == 1 and err.startswith("nested-magics: mock:")


# ---------------------------------------------------------------- fast errors


MALFORMED = {
    "unknown-key.yaml": yaml_doc("memroy: 1"),
    "wrong-type.yaml": yaml_doc("hypervisor_present: yes please"),
    "missing.json": json.dumps({"schema": SCHEMA_ID, "name": "H", "os": {}, "cpu": {"vendor": "x"}, "vms": []}),
    "bad-state.yaml": yaml_doc().replace("vms: []", "vms: [{name: v, state: Runing, version: '8.0'}]"),
    "broken.yaml": "vms: [\n",
    "duplicate.yaml": yaml_doc("name: I"),
}


def test_a_malformed_file_is_worded_without_importing_jsonschema(tmp_path):
    """jsonschema (with Jupyter's format checkers) costs 1-2 s to import: the error path must not need it."""
    for name, text in MALFORMED.items():
        (tmp_path / name).write_text(text)
    out = in_child(f"""
        import sys
        from nested_magics.front import cli
        for name in {sorted(MALFORMED)!r}:
            assert cli.main(["check", "-t", "mock:" + {str(tmp_path)!r} + "/" + name]) == 2
        print("jsonschema" in sys.modules)
    """)
    assert out.strip().splitlines()[-1] == "False"


def test_the_malformed_messages_keep_their_words(tmp_path):
    words = {
        "unknown-key.yaml": "memroy: unknown key (did you mean 'memory'?)",
        "wrong-type.yaml": "hypervisor_present: expected boolean (got 'yes please')",
        "missing.json": "os.build: required key is missing",
        "bad-state.yaml": "vms[0].state: 'Runing' is not a Hyper-V VM state (did you mean 'Running'?)",
        "broken.yaml": "not valid YAML",
        "duplicate.yaml": "duplicate key 'name'",
    }
    for name, text in MALFORMED.items():
        assert words[name] in refusal(text, f"mock:{name}"), name


def test_a_file_with_a_byte_order_mark_loads(tmp_path, make_doc):
    """Windows PowerShell 5.1 writes UTF-8 with a BOM (Out-File -Encoding utf8)."""
    from nested_magics.backends.mock.scenarios import read_scenario

    path = tmp_path / "facts.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(make_doc()).encode())
    assert read_scenario(str(path)).facts.name == "HV-TEST"
