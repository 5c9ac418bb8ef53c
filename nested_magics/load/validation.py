"""The bundled JSON Schema, and validation against it.

A compiled draft-7 form (fastjsonschema) checks every document. Only a document known to be invalid is
walked again by the small validator here, which lists every problem as jsonschema would and words the most
specific one with its key path (``vms[0].memroy: unknown key``). jsonschema itself is never imported: with
Jupyter's format packages installed it costs over a second, which is what a typo used to cost.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator

from nested_magics.errors import FactsError
from nested_magics.load.bounds import _clip, _where, key_path, prepare, quote

# ---------------------------------------------------------------- the schema


@lru_cache(maxsize=1)
def _schema_document() -> dict:
    return json.loads(resources.files("nested_magics").joinpath("schema/host-facts.v1.json").read_text())


def schema() -> dict:
    """The bundled JSON Schema of a host-facts document (a copy: callers may change it)."""
    return copy.deepcopy(_schema_document())


def _as_draft7(document: dict) -> dict:
    """The same schema for a draft-7 validator: a host body referenced with ``unevaluatedProperties:
    false`` (2020-12) becomes its properties inlined with ``additionalProperties: false``."""
    out = copy.deepcopy(document)
    body = out["$defs"]["hostBody"]["properties"]

    def inline(node):
        if isinstance(node, dict):
            if node.get("$ref") == "#/$defs/hostBody" and node.get("unevaluatedProperties") is False:
                del node["$ref"], node["unevaluatedProperties"]
                own = node.get("properties", {})
                node["properties"] = {key: {"allOf": [body[key], own[key]]} if key in body and key in own
                                      else own.get(key, body.get(key)) for key in {**body, **own}}
                node["additionalProperties"] = False
            for value in node.values():
                inline(value)
        elif isinstance(node, list):
            for value in node:
                inline(value)

    inline(out)
    out.pop("$id", None)          # refs stay local: nothing is ever fetched
    out["$schema"] = "http://json-schema.org/draft-07/schema#"
    out["definitions"] = out.pop("$defs")
    return json.loads(json.dumps(out).replace("#/$defs/", "#/definitions/"))


@lru_cache(maxsize=1)
def _draft7() -> dict:
    return _as_draft7(_schema_document())


@lru_cache(maxsize=1)
def _fast_validator():
    """A compiled validator: about 20x faster than jsonschema on a host with hundreds of VMs."""
    import fastjsonschema

    return fastjsonschema.compile(_draft7())


# ---------------------------------------------------------------- the small validator (error path only)


# The keywords the bundled schema uses; _problems understands exactly these (a test keeps them in step).
SCHEMA_KEYWORDS = frozenset({
    "$schema", "$id", "$ref", "$defs", "definitions", "title", "description",
    "type", "enum", "const", "minimum", "maximum", "minLength", "maxLength", "pattern",
    "required", "properties", "additionalProperties", "unevaluatedProperties", "items", "allOf",
})


class Problem:
    """One way a document breaks the schema (what jsonschema calls a ValidationError), for wording."""

    __slots__ = ("path", "rule", "expected", "schema", "instance")

    def __init__(self, path, rule, expected, schema, instance):
        self.path, self.rule, self.expected, self.schema, self.instance = list(path), rule, expected, schema, instance

    def __repr__(self) -> str:
        return f"Problem({key_path(self.path)!r}, {self.rule!r})"


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float))
    return False


def _equal(value: Any, option: Any) -> bool:
    """JSON equality: true is not 1, 2.0 is 2."""
    if isinstance(value, bool) or isinstance(option, bool):
        return type(value) is type(option) and value == option
    try:
        return bool(value == option)
    except Exception:
        return False


def _resolve(ref: str) -> dict:
    node: Any = _draft7()
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _problems(value: Any, schema: dict, path: list) -> Iterator[Problem]:
    """Every way ``value`` breaks ``schema`` (the draft-7 form), as jsonschema would list them."""
    if "$ref" in schema:                 # draft 7: a $ref stands alone
        yield from _problems(value, _resolve(schema["$ref"]), path)
        return
    for keyword, expected in schema.items():
        if keyword == "type":
            names = expected if isinstance(expected, list) else [expected]
            if not any(_is_type(value, name) for name in names):
                yield Problem(path, "type", expected, schema, value)
        elif keyword == "enum":
            if not any(_equal(value, option) for option in expected):
                yield Problem(path, "enum", expected, schema, value)
        elif keyword == "const":
            if not _equal(value, expected):
                yield Problem(path, "const", expected, schema, value)
        elif keyword in ("minimum", "maximum"):
            if _is_type(value, "number"):
                if (value < expected) if keyword == "minimum" else (value > expected):
                    yield Problem(path, keyword, expected, schema, value)
        elif keyword in ("minLength", "maxLength"):
            if isinstance(value, str):
                if (len(value) < expected) if keyword == "minLength" else (len(value) > expected):
                    yield Problem(path, keyword, expected, schema, value)
        elif keyword == "pattern":
            if isinstance(value, str) and not re.search(expected, value):
                yield Problem(path, "pattern", expected, schema, value)
        elif keyword == "required":
            if isinstance(value, dict):
                for key in expected:
                    if key not in value:
                        yield Problem(path, "required", key, schema, value)
        elif keyword == "properties":
            if isinstance(value, dict):
                for key, subschema in expected.items():
                    if key in value:
                        yield from _problems(value[key], subschema, path + [key])
        elif keyword == "additionalProperties":
            if isinstance(value, dict) and expected is False:
                known = schema.get("properties", {})
                extra = [key for key in value if key not in known]
                if extra:
                    yield Problem(path, "additionalProperties", extra, schema, value)
        elif keyword == "items":
            if isinstance(value, list):
                for index, item in enumerate(value):
                    yield from _problems(item, expected, path + [index])
        elif keyword == "allOf":
            for subschema in expected:
                yield from _problems(value, subschema, path)


def problems(doc: Any) -> list[Problem]:
    """Every schema problem of a (prepared) document."""
    return list(_problems(doc, _draft7(), []))


def _suggest(word: Any, options) -> list[str]:
    if not isinstance(word, str) or len(word) > 200:
        return []
    import difflib

    return difflib.get_close_matches(word, sorted(options), n=1)


def _describe(problem: Problem) -> str:
    path, rule, expected, instance = problem.path, problem.rule, problem.expected, problem.instance
    where = _where(path)
    if rule == "additionalProperties":
        allowed = set(problem.schema.get("properties", {}))
        key = sorted(expected, key=str)[0]
        hint = _suggest(key, allowed)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else f"; known keys: {', '.join(sorted(allowed))}"
        return f"{_where(path + [key])}: unknown key{suffix}"
    if rule == "required":
        return f"{_where(path + [expected])}: required key is missing"
    if problem.schema.get("description", "").startswith("Bytes"):
        if rule == "minimum":
            return f"{where}: a size cannot be negative (got {quote(instance)})"
        if rule == "maximum":
            return f"{where}: a size above the limit of 1 PiB (got {quote(instance)} bytes)"
        return f"{where}: expected bytes or a size like \"4GB\" (got {quote(instance)})"
    if rule == "maximum" and path and path[-1] == "build":
        return f"{where}: a build above the limit of {expected} is not a Windows build (got {quote(instance)})"
    if rule == "const":
        return f"{where}: expected {quote(expected)} (got {quote(instance)})"
    if rule == "enum" and path and path[-1] == "state":
        hint = _suggest(instance, expected)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else ": use a Hyper-V VMState name such as 'Off' or 'Running'"
        return f"{where}: {quote(instance)} is not a Hyper-V VM state{suffix}"
    if rule == "enum":
        options = ", ".join(repr(v) for v in expected)
        return f"{where}: expected one of {options} (got {quote(instance)})"
    if rule == "type":
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{where}: expected {expected} (got {quote(instance)})"
    if rule == "pattern":
        return f"{where}: expected a version such as \"8.0\" (got {quote(instance)})"
    if rule == "maxLength":
        return (f"{where}: longer than the limit of {expected} characters "
                f"(got {len(instance):,}: {quote(instance, 40)})")
    if rule == "minLength":
        return f"{where}: must not be empty"
    if rule == "minimum":
        return f"{where}: {quote(instance)} is less than the minimum of {expected}"
    if rule == "maximum":
        return f"{where}: {quote(instance)} is greater than the maximum of {expected}"
    return f"{where}: breaks the schema's {rule!r} rule (got {quote(instance)})"


def _best(found: list[Problem]) -> Problem:
    """The deepest, most specific problem (an unknown key before a sibling's missing key)."""
    return min(found, key=lambda p: (-len(p.path), p.rule != "additionalProperties"))


def _validate(doc: dict) -> None:
    import fastjsonschema

    try:
        _fast_validator()(doc)
        return
    except fastjsonschema.JsonSchemaValueException as fast:
        first = fast
    found = problems(doc)
    if found:
        raise FactsError(_describe(_best(found)))
    # the two validators disagree on an edge case: refuse, with the fast one's words
    where = _where([p for p in (first.path or [])[1:]])
    message = str(first.message or "breaks the schema")
    message = message.split(" ", 1)[1] if message.startswith("data") and " " in message else message
    raise FactsError(f"{where}: {_clip(message, 120)}")


def validate(doc: Any) -> None:
    """Raise FactsError naming the first problem's key path (the deepest, most specific one)."""
    _validate(prepare(doc))
