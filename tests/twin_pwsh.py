"""A small Windows PowerShell 5.1 for the Windows twin: it runs the text it is given, read with tree-sitter-pwsh.

Enough of the language for the commands nested-magics sends: statements, pipelines, if/elseif/else,
try/catch, throw, assignments, comparisons, -and/-or/-not, -f, +, @(), @{}, casts, member and element access,
single- and double-quoted strings. PowerShell's own rules are kept where they decide an outcome:
- comparisons take the type of their left side and ignore case: an enum compares by name with a string
  (``[string]`` of an enum is its name), a string compares as text, a list on the left filters;
- a pipeline that writes one object gives that object, none gives $null, several a list; ``@()`` is a list;
- an unknown property is $null; a cmdlet error is terminating ($ErrorActionPreference = 'Stop');
- an unknown command or parameter fails with PowerShell's own text.
The cmdlets are the caller's: ``{name: Cmdlet}``. Anything else the text asks is a ValueError: the twin does
not guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import tree_sitter_pwsh
from tree_sitter import Language, Parser

PARSER = Parser(Language(tree_sitter_pwsh.language()))
NOT_RECOGNIZED = ("The term '{0}' is not recognized as the name of a cmdlet, function, script file, or operable "
                  "program. Check the spelling of the name, or if a path was included, verify that the path is "
                  "correct and try again.")
NO_PARAMETER = "A parameter cannot be found that matches parameter name '{0}'."
MISSING = "Missing an argument for parameter '{0}'. Specify a parameter of type 'System.Object' and try again."
COMMON = {"erroraction", "confirm", "whatif", "verbose", "warningaction"}


class Thrown(Exception):
    """A terminating error; its text is what ``$_.Exception.Message`` says."""


@dataclass(frozen=True)
class Enum:
    """A .NET enum value: [string] gives its name, ConvertTo-Json its number."""
    name: str
    value: int


@dataclass(frozen=True)
class Guid:
    text: str


class Obj:
    """A .NET object with properties (a VM, an integration service...); ``model`` is what it stands for."""

    def __init__(self, type_name: str, model: Any = None, **properties: Any):
        self.type_name, self.model, self.properties = type_name, model, properties

    def get(self, name: str):
        for key, value in self.properties.items():
            if key.lower() == name.lower():
                return value
        return None

    def __repr__(self) -> str:
        return f"<{self.type_name} {self.properties.get('Name', '')}>"


@dataclass
class ScriptBlock:
    node: Any


@dataclass
class Args:
    named: dict = field(default_factory=dict)        # lower-cased parameter name -> value (True for a switch)
    positional: list = field(default_factory=list)

    def get(self, name: str, default=None):
        return self.named.get(name.lower(), default)


@dataclass
class Cmdlet:
    run: Callable[["Shell", Args, list | None], list]    # (shell, arguments, pipeline input or None) -> output
    parameters: tuple[str, ...] = ()
    switches: tuple[str, ...] = ()


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, Guid):
        return value.text
    if isinstance(value, list):
        return " ".join(as_text(v) for v in value)
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    if isinstance(value, Obj):
        return str(value.get("Name") or value.type_name)
    return str(value)


def truthy(value) -> bool:
    if isinstance(value, list):
        return len(value) > 1 or (len(value) == 1 and truthy(value[0]))
    if isinstance(value, Enum):
        return value.value != 0
    return bool(value) if isinstance(value, (bool, int, float, str, type(None))) else True


def scalar(outputs: list):
    return None if not outputs else outputs[0] if len(outputs) == 1 else outputs


def items(value) -> list:
    return value if isinstance(value, list) else [value]


def wildcard(pattern: str) -> re.Pattern:
    """PowerShell's WildcardPattern (* ? [set], ` escapes), case-insensitive."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "`" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[" and "]" in pattern[i + 1:]:
            end = pattern.index("]", i + 1)
            out.append("[" + re.escape(pattern[i + 1:end]).replace("\\-", "-") + "]")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.IGNORECASE | re.DOTALL)


def has_wildcards(pattern: str) -> bool:
    return re.search(r"(?<!`)[*?\[]", pattern) is not None


def compare(operator: str, left, right):
    op = operator.lower().lstrip("-")
    op = op[1:] if op[:1] == "i" and op[1:] in ("eq", "ne", "like", "notlike", "gt", "lt", "ge", "le") else op
    if isinstance(left, list):
        return [x for x in left if compare(op, x, right)]
    if op in ("like", "notlike"):
        return (wildcard(as_text(right)).match(as_text(left)) is not None) == (op == "like")
    if op in ("match", "notmatch"):
        return (re.search(as_text(right), as_text(left), re.IGNORECASE) is not None) == (op == "match")
    if left is None:
        same = right is None
        return {"eq": same, "ne": not same}.get(op, False)
    if isinstance(left, Enum):
        a, b = (left.name.casefold(), as_text(right).casefold()) if isinstance(right, str) else \
            (left.value, right.value if isinstance(right, Enum) else right)
    elif isinstance(left, bool):
        a, b = left, truthy(right)
    elif isinstance(left, (int, float)):
        try:
            a, b = left, float(as_text(right)) if not isinstance(right, (int, float)) else right
        except ValueError:
            return op == "ne"
    elif isinstance(left, (str, Guid)):
        a, b = as_text(left).casefold(), as_text(right).casefold()
    else:
        a, b = id(left), id(right)
    return {"eq": a == b, "ne": a != b, "gt": a > b, "lt": a < b, "ge": a >= b, "le": a <= b}[op]


def cast(type_name: str, value):
    kind = type_name.strip("[]").lower()
    if kind == "string":
        return as_text(value)
    if kind == "bool":
        return truthy(value)
    if kind in ("int", "int32", "int64", "long"):
        return int(value.value if isinstance(value, Enum) else float(as_text(value) or 0))
    if kind == "guid":
        return Guid(as_text(value))
    if kind in ("array", "object[]"):
        return items(value) if value is not None else []
    raise ValueError(f"the twin does not cast to [{type_name}]")


def member(obj, name: str):
    low = name.lower()
    if isinstance(obj, list):
        if low in ("count", "length"):
            return len(obj)
        found = [member(x, name) for x in obj]
        return scalar([f for f in found if f is not None])
    if obj is None:
        return None
    if isinstance(obj, dict):
        if low == "count":
            return len(obj)
        return next((v for k, v in obj.items() if k.lower() == low), None)
    if isinstance(obj, Obj):
        return obj.get(name)
    if isinstance(obj, str) and low == "length":
        return len(obj)
    if low == "count":
        return 1
    return None


def format_text(template: str, arguments: list) -> str:
    def one(match: re.Match) -> str:
        if match[0] in ("{{", "}}"):
            return match[0][0]
        index = int(match[1])
        if index >= len(arguments):
            raise Thrown("Error formatting a string: Index (zero based) must be greater than or equal to zero and "
                         "less than the size of the argument list..")
        return as_text(arguments[index])
    return re.sub(r"\{\{|\}\}|\{(\d+)(?:,[^}:]*)?(?::[^}]*)?\}", one, template)


class Shell:
    """Runs text with variables and cmdlets; ``run`` returns what it wrote to the pipeline."""

    def __init__(self, cmdlets: dict[str, Cmdlet], variables: dict | None = None):
        self.cmdlets = {name.lower(): c for name, c in cmdlets.items()}
        self.variables = {k.lower(): v for k, v in (variables or {}).items()}

    def run(self, text: str) -> list:
        tree = PARSER.parse(text.encode("utf-8"))
        if tree.root_node.has_error:
            raise ValueError(f"not valid PowerShell: {text}")
        return self.block(tree.root_node)

    # -- statements ------------------------------------------------------------------------------------

    def block(self, node) -> list:
        out: list = []
        for child in node.named_children:
            if child.type in ("statement_list", "script_block_body", "script_block"):
                out += self.block(child)
            else:
                out += self.statement(child)
        return out

    def statement(self, node) -> list:
        kind = node.type
        if kind in ("empty_statement", "comment"):
            return []
        if kind == "pipeline":
            return self.pipeline(node)
        if kind == "statement_block":
            return self.block(node)
        if kind == "if_statement":
            return self.if_statement(node)
        if kind == "try_statement":
            body = next(c for c in node.named_children if c.type == "statement_block")
            try:
                return self.block(body)
            except Thrown as failed:
                catch = next(c for c in node.named_children if c.type == "catch_clauses").named_children[0]
                saved = self.variables.get("_")
                self.variables["_"] = Obj("ErrorRecord", Exception=Obj("Exception", Message=str(failed)))
                try:
                    return self.block(next(c for c in catch.named_children if c.type == "statement_block"))
                finally:
                    self.variables["_"] = saved
        if kind == "flow_control_statement" and node.children[0].type == "throw":
            value = self.result(node.named_children[0]) if node.named_children else "ScriptHalted"
            raise Thrown(as_text(value))
        raise ValueError(f"the twin does not run {kind}: {node.text.decode()}")

    def if_statement(self, node) -> list:
        clauses = [(node.child_by_field_name("condition") or node.named_children[0], node.named_children[1])]
        otherwise = None
        for child in node.named_children[2:]:
            if child.type == "elseif_clauses":
                clauses += [(c.named_children[0], c.named_children[1]) for c in child.named_children]
            elif child.type == "else_clause":
                otherwise = child.named_children[0]
        for condition, body in clauses:
            if truthy(self.result(condition)):
                return self.block(body)
        return self.block(otherwise) if otherwise is not None else []

    def pipeline(self, node) -> list:
        inner = node.named_children[0] if node.type == "pipeline" else node
        if inner.type == "assignment_expression":
            target = inner.named_children[0].text.decode()
            if not re.fullmatch(r"\$\w+", target):
                raise ValueError(f"the twin assigns only to variables: {target}")
            value = self.result(inner.named_children[-1].named_children[0])
            operator = inner.named_children[1].text.decode()
            if operator == "+=":
                value = self.add(self.variables.get(target[1:].lower()), value)
            self.variables[target[1:].lower()] = value
            return []
        return self.chain(inner)

    def result(self, node):
        """What a pipeline gives as a value: an expression's own value (``@(1)`` stays a list), else what the
        commands wrote (one object as itself, none as $null)."""
        chain = node.named_children[0] if node.type == "pipeline" else node
        if chain.type == "pipeline_chain" and len(chain.named_children) == 1 and \
                chain.named_children[0].type != "command":
            return self.value(chain.named_children[0])
        if chain.type == "assignment_expression":
            raise ValueError(f"the twin does not use an assignment as a value: {node.text.decode()}")
        return scalar(self.chain(chain))

    def chain(self, node) -> list:
        if node.type != "pipeline_chain":
            return items(self.value(node))
        flow: list | None = None
        for stage in node.named_children:
            if stage.type == "command":
                flow = self.command(stage, flow)
            elif flow is None:
                flow = items(self.value(stage))
            else:
                raise ValueError(f"an expression after | : {stage.text.decode()}")
        return flow or []

    def command(self, node, flow: list | None) -> list:
        name = node.child_by_field_name("command_name").text.decode()
        cmdlet = self.cmdlets.get(name.lower())
        if cmdlet is None:
            raise Thrown(NOT_RECOGNIZED.format(name))
        args = self.arguments(node, cmdlet)
        try:
            return cmdlet.run(self, args, flow)
        except Thrown:
            if as_text(args.get("ErrorAction")).lower() in ("silentlycontinue", "ignore"):
                return []
            raise

    def arguments(self, node, cmdlet: Cmdlet) -> Args:
        args = Args()
        elements = next((c for c in node.named_children if c.type == "command_elements"), None)
        switches = {s.lower() for s in cmdlet.switches} | {"confirm", "whatif", "verbose"}
        known = {p.lower() for p in cmdlet.parameters} | switches | COMMON
        pending = last = None       # a parameter waiting for its value; the switch just read (-Confirm:$false)
        for child in (elements.named_children if elements is not None else []):
            if child.type == "command_argument_sep":
                if child.text.decode() == ":" and last is not None:
                    pending = last
                continue
            if child.type == "command_parameter":
                name = child.text.decode()[1:].rstrip(":").lower()
                if name not in known:
                    raise Thrown(NO_PARAMETER.format(child.text.decode()[1:]))
                if pending is not None:
                    raise Thrown(MISSING.format(pending))
                if name in switches:
                    args.named[name], last = True, name
                else:
                    pending, last = name, None
                continue
            value = child.text.decode() if child.type == "generic_token" else self.value(child)
            if pending is not None:
                args.named[pending], pending = value, None
            else:
                args.positional.append(value)
            last = None
        if pending is not None:
            raise Thrown(MISSING.format(pending))
        return args

    def invoke(self, block: ScriptBlock, item) -> list:
        saved = self.variables.get("_")
        self.variables["_"] = item
        try:
            return self.block(block.node)
        finally:
            self.variables["_"] = saved

    # -- expressions -----------------------------------------------------------------------------------

    def value(self, node):
        kind, text = node.type, node.text.decode()
        named = node.named_children
        if kind in ("unary_expression", "assignment_value") and len(named) == 1:
            return self.value(named[0])
        if kind == "pipeline_chain" or kind == "pipeline":
            return self.result(node)
        if kind == "variable":
            name = text[1:].strip("{}").lower()
            if name in ("true", "false", "null"):
                return {"true": True, "false": False, "null": None}[name]
            return self.variables.get(name)
        if kind == "string_literal":
            return self.value(named[0])
        if kind == "verbatim_string_characters":
            return re.sub(r"(['\u2018\u2019\u201a\u201b])\1", r"\1", text[1:-1])
        if kind == "expandable_string_literal":
            body = text[1:-1]
            if "$(" in body:
                raise ValueError(f"the twin does not expand $( ) in strings: {text}")
            return re.sub(r"`(.)|\$(\w+)", lambda m: m[1] if m[1] is not None else
                          as_text(self.variables.get(m[2].lower())), body)
        if kind in ("integer_literal", "decimal_integer_literal"):
            return int(text)
        if kind == "expression_with_unary_operator":
            first = node.children[0]
            if first.type == "cast_expression":
                return self.value(first)
            operand = self.value(named[-1])
            if first.type in ("-not", "!"):
                return not truthy(operand)
            if first.type == "-":
                return -operand
            raise ValueError(f"the twin does not evaluate {text}")
        if kind == "cast_expression":
            return cast(named[0].text.decode(), self.value(named[1]))
        if kind == "member_access":
            return member(self.value(named[0]), named[-1].text.decode())
        if kind == "element_access":
            target, index = self.value(named[0]), self.value(named[1])
            if isinstance(target, dict):
                return member(target, as_text(index))
            seq = items(target) if target is not None else []
            return seq[index] if -len(seq) <= index < len(seq) else None
        if kind == "comparison_expression":
            return compare(named[1].text.decode(), self.value(named[0]), self.value(named[2]))
        if kind == "logical_expression":
            left, op = truthy(self.value(named[0])), node.children[1].type.lower()
            if op == "-and":
                return left and truthy(self.value(named[-1]))
            if op == "-or":
                return left or truthy(self.value(named[-1]))
            return left != truthy(self.value(named[-1]))
        if kind == "additive_expression":
            left, right = self.value(named[0]), self.value(named[-1])
            if node.children[1].type == "-":
                return left - right
            return self.add(left, right)
        if kind == "format_expression":
            right = self.value(named[-1])
            return format_text(as_text(self.value(named[0])), items(right) if right is not None else [None])
        if kind == "array_expression":
            return self.block(node) if named else []
        if kind == "array_literal_expression":
            return [self.value(c) for c in named]
        if kind in ("parenthesized_expression", "sub_expression"):
            return scalar(self.block(node)) if kind == "sub_expression" else self.value(named[0])
        if kind == "hash_literal_expression":
            body = named[0] if named else None
            table: dict = {}
            for entry in (body.named_children if body is not None else []):
                key = entry.named_children[0].text.decode().strip("'\"")
                table[key] = self.result(entry.named_children[1])
            return table
        if kind == "script_block_expression":
            return ScriptBlock(next(c for c in named if c.type == "script_block"))
        raise ValueError(f"the twin does not evaluate {kind}: {text}")

    @staticmethod
    def add(left, right):
        if isinstance(left, list):
            return left + items(right) if right is not None else list(left)
        if isinstance(left, str):
            return left + as_text(right)
        if left is None:
            return right
        return left + right
