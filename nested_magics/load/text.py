"""Host-facts text: JSON or YAML, parsed within bounds (contracts §2 "Bounds", "Duplicate names").

Over 16 MiB is refused before parsing. YAML is safe-loaded (SafeConstructor: no tag constructs an object)
by a composer that counts the nodes its aliases expand to (10,000 at most), refuses an alias inside its own
anchor, nesting deeper than 128 levels and duplicate keys (naming the key and both lines). JSON refuses
duplicate keys too. Every failure is one FactsError line led by the document's source.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from nested_magics.errors import FactsError
from nested_magics.load.bounds import (MAX_ALIAS_NODES, MAX_FILE_BYTES, MAX_NESTING, MAX_YAML_NODES, _NESTED, _clip,
                                       _where, quote)

class _TextProblem(FactsError):
    """Raised while parsing; parse_document puts the source in front."""


def _json_object(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _TextProblem(f"duplicate key {quote(key, 40)} in one JSON object (only one value could be kept)")
            seen.add(key)
    return out


@lru_cache(maxsize=1)
def _yaml_loader():
    """A safe YAML loader (SafeConstructor: no tags that construct objects) whose composer bounds the input.

    libyaml parses when it is there (its events feed the Python composer below, which adds the bounds:
    libyaml's own composer recurses in C without a limit); else PyYAML's Python parser does.
    """
    from yaml.composer import Composer, ComposerError
    from yaml.constructor import SafeConstructor
    from yaml.events import AliasEvent, MappingEndEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode
    from yaml.resolver import Resolver

    str_tag, merge_tag = "tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"

    class BoundedComposer(Composer):
        def __init__(self):
            Composer.__init__(self)
            self.nm_depth = 0
            self.nm_expanded = 0
            self.nm_nodes = 0
            self.nm_path: list = []

        def nm_fail(self, message: str, event) -> None:
            raise _TextProblem(f"{_where(self.nm_path)}: {message} (line {event.start_mark.line + 1})")

        def compose_node(self, parent, index):
            self.nm_nodes += 1
            if self.nm_nodes > MAX_YAML_NODES:
                self.nm_fail(f"more than {MAX_YAML_NODES:,} values in one YAML document; write one this large as JSON",
                             self.peek_event())
            if self.check_event(AliasEvent):
                event = self.get_event()
                anchor = event.anchor
                if anchor not in self.anchors:
                    raise ComposerError(None, None, f"found undefined alias {_clip(anchor, 40)!r}", event.start_mark)
                node = self.anchors[anchor]
                size = getattr(node, "nm_size", None)
                if size is None:
                    self.nm_fail(f"the alias *{_clip(anchor, 40)} is inside its own anchor, so the value contains itself",
                                 event)
                self.nm_expanded += size
                if self.nm_expanded > MAX_ALIAS_NODES:
                    self.nm_fail(f"YAML aliases expand past the limit of {MAX_ALIAS_NODES:,} nodes", event)
                if self.nm_depth + node.nm_height > MAX_NESTING:
                    self.nm_fail(_NESTED, event)
                return node
            event = self.peek_event()
            anchor = event.anchor
            if anchor is not None and anchor in self.anchors:
                raise ComposerError(f"found duplicate anchor {_clip(anchor, 40)!r}; first occurrence",
                                    self.anchors[anchor].start_mark, "second occurrence", event.start_mark)
            self.descend_resolver(parent, index)
            if self.check_event(ScalarEvent):
                node = self.compose_scalar_node(anchor)
                node.nm_size, node.nm_height = 1, 0
            elif self.check_event(SequenceStartEvent):
                node = self.compose_sequence_node(anchor)
            else:
                node = self.compose_mapping_node(anchor)
            self.ascend_resolver()
            return node

        def nm_enter(self, event) -> None:
            self.nm_depth += 1
            if self.nm_depth > MAX_NESTING:
                self.nm_fail(_NESTED, event)

        def compose_sequence_node(self, anchor):
            start = self.get_event()
            tag = start.tag
            if tag is None or tag == "!":
                tag = self.resolve(SequenceNode, None, start.implicit)
            node = SequenceNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
            if anchor is not None:
                self.anchors[anchor] = node
            self.nm_enter(start)
            size, height, index, path = 1, 0, 0, self.nm_path
            while not self.check_event(SequenceEndEvent):
                path.append(index)
                child = self.compose_node(node, index)
                path.pop()
                node.value.append(child)
                size += child.nm_size
                height = max(height, child.nm_height)
                index += 1
            node.end_mark = self.get_event().end_mark
            self.nm_depth -= 1
            node.nm_size, node.nm_height = size, height + 1
            return node

        def compose_mapping_node(self, anchor):
            start = self.get_event()
            tag = start.tag
            if tag is None or tag == "!":
                tag = self.resolve(MappingNode, None, start.implicit)
            node = MappingNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
            if anchor is not None:
                self.anchors[anchor] = node
            self.nm_enter(start)
            size, height, path = 1, 0, self.nm_path
            lines: dict = {}
            while not self.check_event(MappingEndEvent):
                key_event = self.peek_event()
                key_node = self.compose_node(node, None)
                name: Any = None
                if isinstance(key_node, ScalarNode) and key_node.tag != merge_tag:
                    name = key_node.value if key_node.tag == str_tag else self.construct_object(key_node)
                    try:
                        first = lines.get(name)
                    except TypeError:
                        first = None
                    else:
                        line = key_event.start_mark.line + 1
                        if first is not None:
                            raise _TextProblem(f"{_where(path)}: duplicate key {quote(name, 40)} on line {line} "
                                               f"(first on line {first})")
                        lines[name] = line
                path.append(name if isinstance(name, str) else "?")
                value_node = self.compose_node(node, key_node)
                path.pop()
                node.value.append((key_node, value_node))
                size += key_node.nm_size + value_node.nm_size
                height = max(height, key_node.nm_height, value_node.nm_height)
            node.end_mark = self.get_event().end_mark
            self.nm_depth -= 1
            node.nm_size, node.nm_height = size, height + 1
            return node

    try:
        from yaml._yaml import CParser
    except ImportError:                                 # PyYAML without libyaml
        CParser = None

    if CParser is not None:
        class BoundedLoader(BoundedComposer, CParser, SafeConstructor, Resolver):
            def __init__(self, stream):
                CParser.__init__(self, stream)
                BoundedComposer.__init__(self)
                SafeConstructor.__init__(self)
                Resolver.__init__(self)
    else:
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class BoundedLoader(Reader, Scanner, Parser, BoundedComposer, SafeConstructor, Resolver):
            def __init__(self, stream):
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)
                BoundedComposer.__init__(self)
                SafeConstructor.__init__(self)
                Resolver.__init__(self)

    return BoundedLoader


def _load_yaml(text: str) -> Any:
    loader = _yaml_loader()(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def parse_document(text: str, source: str) -> Any:
    """JSON or YAML text (YAML is a superset of JSON) as a document; FactsError says where it breaks."""
    if len(text) > MAX_FILE_BYTES:
        raise FactsError(f"{source}: {len(text) / 1024**2:.1f} MiB of text, over the limit of 16 MiB for "
                         "a host-facts document")
    if text.startswith("\ufeff"):                       # a byte-order mark, as Windows PowerShell writes
        text = text[1:]
    is_json = text.lstrip().startswith("{")
    kind = "JSON" if is_json else "YAML"
    try:
        if is_json:
            return json.loads(text, object_pairs_hook=_json_object)
        return _load_yaml(text)
    except _TextProblem as exc:
        raise FactsError(f"{source}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise FactsError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise FactsError(f"{source}: {_NESTED}") from None
    except ValueError as exc:                           # int() beyond 4300 digits, in JSON or YAML
        detail = "a number has more than 4300 digits" if "digits" in str(exc) else _clip(str(exc), 120)
        raise FactsError(f"{source}: not valid {kind}: {detail}") from None
    except Exception as exc:                            # yaml.YAMLError and its subclasses
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        if "nesting depth" in str(problem):             # libyaml's own limit, met while it reads ahead
            raise FactsError(f"{source}: {_NESTED}{where}") from None
        raise FactsError(f"{source}: not valid YAML{where}: {_clip(' '.join(str(problem).split()), 160)}") from None
