"""Generated host-facts documents (issue 11): valid ones, and ones broken by mutation (wrong types, unknown
keys, missing keys, huge values, deep nesting, values that are not JSON, broken text).

For every example: loading returns a HostFacts or raises FactsError, never another exception; the message is
one line of at most 300 characters; it is answered in bounded time. The small validator that words errors
(nested_magics.load.problems) agrees with the compiled validator and with jsonschema on whether a document
is valid. Every example counts in ``GENERATED`` (printed at the end of the module with ``-s``).
"""

from __future__ import annotations

import collections
import json
import math
import sys
import time

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from nested_magics.errors import FactsError
from nested_magics.load import _fast_validator, load_facts, parse_facts_text, prepare, problems
from nested_magics.model.facts import SCHEMA_ID, HostFacts

GENERATED: collections.Counter = collections.Counter()
SOURCE = "mock:g.yaml"
LIMIT_SECONDS = 2.0           # per example, generous for a loaded CI machine (bounds answer in milliseconds)

SETTINGS = dict(deadline=None, database=None, print_blob=True,
                phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much, HealthCheck.large_base_example])

STATES = ["Off", "Running", "Saved", "Paused", "Starting", "FastSavingCritical"]
VERSIONS = ["5.0", "7.0", "8.0", "9.3", "10.0", "12.0"]
UNITS = ["B", "KB", "MB", "GB", "TB", "KiB", "GiB", " GB", "gb"]

# -- valid documents ----------------------------------------------------------------------------------

names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40)
sizes = st.one_of(st.integers(0, 2**40),
                  st.builds(lambda n, u: f"{n}{u}", st.integers(0, 1000), st.sampled_from(UNITS)))
versions = st.sampled_from(VERSIONS)


def optional(**fields):
    """A mapping with each key present or not."""
    return st.fixed_dictionaries({}, optional=fields)


adapters = optional(name=names, switch=st.one_of(st.none(), names), mac_spoofing=st.booleans())


def vm_strategy(guest):
    return st.fixed_dictionaries(
        {"name": names, "state": st.sampled_from(STATES), "version": versions},
        optional={
            "id": st.uuids().map(str),
            "generation": st.sampled_from([1, 2]),
            "processor": optional(count=st.integers(1, 64), expose_virtualization_extensions=st.booleans()),
            "memory": optional(startup_bytes=sizes, dynamic=st.booleans()),
            "network_adapters": st.lists(adapters, max_size=2),
            "checkpoints": st.integers(0, 50),
            "guest": guest,
        })


def host_fields(vms):
    return dict(
        os=optional(caption=names, build=st.integers(0, 30000), kind=st.sampled_from(["client", "server"])),
        cpu=optional(vendor=st.sampled_from(["GenuineIntel", "AuthenticAMD", "Other"]), model=names,
                     sockets=st.integers(1, 4), logical_processors=st.integers(1, 256), vmx=st.booleans(),
                     slat=st.booleans(), firmware_enabled=st.booleans()),
        memory=optional(total_bytes=sizes, free_bytes=sizes),
        hypervisor_present=st.booleans(),
        hyperv_installed=st.booleans(),
        vbs=optional(status=st.sampled_from([0, 1, 2]), services_running=st.lists(st.integers(0, 7), max_size=3)),
        supported_vm_versions=st.lists(versions, max_size=4),
        default_vm_version=versions,
        switches=st.lists(st.fixed_dictionaries({"name": names}, optional={
            "type": st.sampled_from(["External", "Internal", "Private"])}), max_size=2),
        nat=st.lists(st.fixed_dictionaries({"name": names}, optional={"prefix": st.just("192.168.100.0/24")}),
                     max_size=1),
        vms=vms,
    )


guests = st.recursive(
    st.none() | st.fixed_dictionaries({}, optional={**host_fields(st.builds(list)), "name": names}),
    lambda inner: st.fixed_dictionaries({}, optional={**host_fields(st.lists(vm_strategy(inner), max_size=2)),
                                                      "name": names}),
    max_leaves=4,
)

documents = st.builds(
    lambda fixed, rest, build, vendor: {**fixed, **rest, "os": {**rest.get("os", {}), "build": build},
                                        "cpu": {**rest.get("cpu", {}), "vendor": vendor}},
    st.fixed_dictionaries({"schema": st.just(SCHEMA_ID), "name": names,
                           "vms": st.lists(vm_strategy(guests), max_size=3)}),
    st.fixed_dictionaries({}, optional={k: v for k, v in host_fields(st.builds(list)).items() if k != "vms"}),
    st.integers(0, 10**6),
    st.sampled_from(["GenuineIntel", "AuthenticAMD", "x"]),
)

# -- mutations ---------------------------------------------------------------------------------------

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                         st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3) |
                           st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)


def _deep(levels: int, leaf, kind: str):
    value = leaf
    for _ in range(levels):
        value = [value] if kind == "list" else {"k": value}
    return value


def _guest_chain(levels: int) -> dict:
    host: dict = {"vms": []}
    for _ in range(levels):
        host = {"vms": [{"name": "v", "state": "Off", "version": "8.0", "guest": host}]}
    return host


class Opaque:
    def __repr__(self) -> str:
        return "Opaque(" + "o" * 500 + ")"


huge_values = st.one_of(
    st.integers(2**50, 10**60),
    st.integers(-(10**60), -1),
    st.builds(lambda n: 10**n, st.integers(20, 4500)),
    st.builds(lambda n: -(10**n), st.integers(4300, 6000)),
    st.sampled_from([math.inf, -math.inf, math.nan, 1e308, -1e308, 1e30, 1e-300]),
    st.builds(lambda n, c: c * n, st.integers(256, 200_000), st.sampled_from(["x", "é", "\x00", "\n", "🙂", "'"])),
    st.builds(lambda n, u: f"{n}{u}", st.integers(10**6, 10**80), st.sampled_from(UNITS)),
)
odd_values = st.one_of(
    st.dates(), st.datetimes(), st.binary(max_size=10), st.sets(st.integers(), max_size=3),
    st.tuples(st.integers(), st.text(max_size=3)), st.builds(Opaque),
    st.builds(lambda: collections.OrderedDict(a=1)), st.frozensets(st.integers(), max_size=2),
)
deep_values = st.one_of(
    st.builds(_deep, st.integers(100, 1500), json_scalars, st.sampled_from(["list", "dict"])),
    st.builds(_guest_chain, st.integers(28, 60)),
)
keys = st.one_of(st.text(max_size=12), st.sampled_from(["memroy", "PSComputerName", "RunspaceId",
                                                          "PSShowComputerName", "guest", "schema", "vms", "name"]),
                 st.builds(lambda n: "k" * n, st.integers(81, 20_000)))
odd_keys = st.one_of(st.integers(), st.none(), st.booleans(), st.tuples(st.integers()), st.floats(allow_nan=False))


def _containers(doc):
    """Containers of a document, the document first (each once, at most 30 levels down: a mutation may
    already have made it deep, or made it contain itself)."""
    out, seen, todo = [], set(), [(doc, 0)]
    while todo:
        node, depth = todo.pop()
        if id(node) in seen or depth > 30:
            continue
        seen.add(id(node))
        out.append(node)
        items = node.values() if isinstance(node, dict) else node
        todo.extend((value, depth + 1) for value in items if isinstance(value, (dict, list)))
    return out


@st.composite
def broken_documents(draw):
    doc = draw(documents)
    for _ in range(draw(st.integers(1, 3))):
        node = draw(st.sampled_from(_containers(doc)))
        kind = draw(st.sampled_from(["replace", "replace", "add-key", "delete", "huge", "odd", "deep",
                                     "odd-key", "share"]))
        if isinstance(node, dict):
            existing = list(node)
            if kind == "add-key" or not existing:
                node[draw(keys)] = draw(json_values | huge_values)
                continue
            key = draw(st.sampled_from(existing))
        else:
            if not node:
                node.append(draw(json_values))
                continue
            key = draw(st.integers(0, len(node) - 1))
        if kind == "delete":
            del node[key]
        elif kind == "replace":
            node[key] = draw(json_values)
        elif kind == "huge":
            node[key] = draw(huge_values)
        elif kind == "odd":
            node[key] = draw(odd_values)
        elif kind == "deep":
            node[key] = draw(deep_values)
        elif kind == "odd-key" and isinstance(node, dict):
            node[draw(odd_keys)] = node.pop(key)
        elif kind == "share":                       # one object in several places, as YAML aliases make
            if draw(st.booleans()):
                node[key] = doc                     # ... or inside itself
            else:
                other = draw(st.sampled_from(_containers(doc)))
                node[key] = [other] * draw(st.integers(2, 12))
    return doc


# -- the properties ----------------------------------------------------------------------------------


def outcome(fn, *args):
    """Run a load; it returns HostFacts or raises a short one-line FactsError, in bounded time."""
    started = time.perf_counter()
    try:
        result = fn(*args)
    except FactsError as exc:
        message = str(exc)
        assert "\n" not in message and "\r" not in message, message[:400]
        assert len(message) <= 300, (len(message), message[:400])
        result = exc
    elapsed = time.perf_counter() - started
    assert elapsed < LIMIT_SECONDS, f"{elapsed:.2f} s"
    return result


@settings(max_examples=100, **SETTINGS)
@given(documents)
def test_generated_valid_documents_load_and_round_trip(doc):
    GENERATED["valid documents"] += 1
    facts = outcome(load_facts, doc)
    assert isinstance(facts, HostFacts), facts
    again = load_facts(facts.to_dict())
    assert again.to_dict() == facts.to_dict()
    text = outcome(parse_facts_text, json.dumps(doc), "mock:g.json")
    assert isinstance(text, HostFacts) and text.to_dict() == facts.to_dict()
    text = outcome(parse_facts_text, yaml.safe_dump(doc), SOURCE)
    assert isinstance(text, HostFacts) and text.to_dict() == facts.to_dict()


@settings(max_examples=300, **SETTINGS)
@given(broken_documents())
def test_generated_broken_documents_are_loaded_or_refused_in_one_short_line(doc):
    GENERATED["broken documents"] += 1
    outcome(load_facts, doc)


@settings(max_examples=150, **SETTINGS)
@given(broken_documents())
def test_the_validators_agree_on_what_is_valid(doc):
    """The small validator that words errors, the compiled one and jsonschema (the reference) agree."""
    import fastjsonschema
    import jsonschema

    from nested_magics.load import schema

    GENERATED["validator agreement"] += 1
    try:
        clean = prepare(doc)
    except FactsError:
        return                                          # refused before any schema: bounds, odd values
    reference = jsonschema.validators.validator_for(schema())(schema())
    digits = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)                       # jsonschema's messages repr every value in full
    try:
        expected = [list(e.absolute_path) for e in reference.iter_errors(clean)]
    finally:
        sys.set_int_max_str_digits(digits)
    found = problems(clean)
    try:
        _fast_validator()(clean)
        fast_valid = True
    except fastjsonschema.JsonSchemaValueException:
        fast_valid = False
    assert (not found) == (not expected) == fast_valid, (found, expected)
    if found:
        paths = [p.path for p in found]
        assert any(path in paths for path in expected), (found, expected)


def _text_mutations(text: str):
    return st.one_of(
        st.builds(lambda i: text[:i], st.integers(0, len(text))),
        st.builds(lambda i, s: text[:i] + s + text[i:], st.integers(0, len(text)),
                  st.sampled_from(["{", "}", "[", "]", ":", "\n", "\t", "&a ", "*a", "!!python/object ", "<<: ",
                                   "'", '"', "\x00", "\ufeff", "- ", "? ", "%YAML 1.1\n", "---\n", "...\n"])),
        st.builds(lambda i, j: text[:i] + text[j:], st.integers(0, len(text)), st.integers(0, len(text))),
        st.builds(lambda lines, i: "\n".join(lines[: i + 1] + lines[i:]), st.just(text.splitlines()),
                  st.integers(0, max(0, len(text.splitlines()) - 1))),       # a line twice: a duplicate key
    )


@st.composite
def broken_texts(draw):
    doc = draw(documents)
    as_json = draw(st.booleans())
    text = json.dumps(doc, indent=draw(st.sampled_from([None, 1]))) if as_json else yaml.safe_dump(doc)
    for _ in range(draw(st.integers(1, 3))):
        text = draw(_text_mutations(text))
    return text


@settings(max_examples=250, **SETTINGS)
@given(broken_texts())
def test_generated_broken_text_is_loaded_or_refused_in_one_short_line(text):
    GENERATED["broken texts"] += 1
    outcome(parse_facts_text, text, SOURCE)


bombs = st.builds(
    lambda levels, width, where: "\n".join(
        [f"schema: {SCHEMA_ID}", "os: {build: 1}", "cpu: {vendor: x}", "vms: []", "bomb:",
         "  a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
        + [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
        + [f"{where}: *a{levels - 1}"]) + "\n",
    st.integers(2, 12), st.integers(2, 12), st.sampled_from(["name", "vms", "nat", "other"]))


@settings(max_examples=60, **SETTINGS)
@given(bombs)
def test_generated_alias_bombs_are_refused_in_one_short_line(text):
    GENERATED["alias bombs"] += 1
    result = outcome(parse_facts_text, text, SOURCE)
    assert isinstance(result, FactsError)


def test_report_the_number_of_generated_cases():
    """Runs last in this module: how many examples the properties above saw (``pytest -s`` shows it)."""
    total = sum(GENERATED.values())
    print(f"\n[generated documents] {total} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(GENERATED.items())))
    if GENERATED:
        assert total >= 100
