"""A static reading of PowerShell text, with tree-sitter-pwsh: the rules every text nested-magics runs keeps.

``problems(text)`` lists each rule a text breaks as ``line N: rule R: what`` (tests/test_ps1_static.py runs it
over every bundled script and every command an enable plan can run, and feeds each rule a bad snippet):

1. a script block sent through Invoke-Command is self-contained: it calls no function the caller defines
   (a function must be defined by a ``function`` statement inside the block), no function is smuggled in
   (``${function:X}``, ``Set-Item function:X``), and a PowerShell Direct block (``-VMName``/``-VMId``) uses no
   ``$Using:`` (real-hosts.md §1 "Function scope": the caller's functions do not exist in the remote session;
   ``$Using:`` is documented for -ComputerName/-Session, not -VMName);
2. no restart inside a PowerShell Direct block: Restart-Computer, ``-Restart``, ``shutdown /r`` drop the
   session and report a failure (real-hosts.md §2 "Restart inside a session"; restart from outside instead);
3. no PowerShell 7-only syntax: the host, and every guest through PowerShell Direct, runs Windows PowerShell
   5.1 (real-hosts.md §1 "Errors": "The PS Direct guest always runs Windows PowerShell 5.1");
4. nothing that waits for a person: over WinRM or the loader's stdin nobody answers (real-hosts.md §1; facts
   §5.6 for Stop-VM's prompt);
5. no Write-Host: the scripts speak one JSON document on stdout;
6. a bundled script's first line is ``# nested-magics: OPERATION`` (its file stem), checked when
   ``operation`` is given.

Rule 0 is the reading itself: a text tree-sitter-pwsh cannot parse cannot be checked, so it is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter_pwsh
from tree_sitter import Language, Parser

PARSER = Parser(Language(tree_sitter_pwsh.language()))

# Invoke-Command's switch parameters (they take no value, so the argument after them is positional).
SWITCHES = {"asjob", "hidecomputername", "indisconnectedsession", "enablenetworkaccess", "nonewscope",
            "remotedebug", "runasadministrator", "usessl", "allowredirection"}
BLOCK_PARAMETERS = {"scriptblock", "command"}            # -Command is ScriptBlock's alias
DIRECT_PARAMETERS = {"vmname", "vmid", "vmguid"}         # PowerShell Direct (-VMGuid is -VMId's alias)
# ConvertTo-Json in 5.1 has -InputObject, -Depth and -Compress; the rest (-AsArray, -EnumsAsStrings,
# -EscapeHandling) came with PowerShell 6/7.
CONVERT_TO_JSON_51 = ("inputobject", "depth", "compress", "erroraction", "warningaction", "informationaction",
                      "errorvariable", "warningvariable", "informationvariable", "outvariable", "outbuffer",
                      "pipelinevariable", "verbose", "debug")
WEB_7_ONLY = {"noproxy", "skipcertificatecheck", "authentication", "token", "sslprotocol", "form", "resume",
              "skipheadervalidation", "skiphttperrorcheck", "statuscodevariable", "responseheadersvariable"}
WEB_CMDLETS = {"invoke-restmethod", "invoke-webrequest", "irm", "iwr"}
FOREACH = {"foreach-object", "%", "foreach"}
PROMPTS = {"read-host": "Read-Host", "pause": "pause"}
HOST_PROMPT = re.compile(r"^\$host\.ui\.(prompt\w*|readline\w*|rawui\.readkey)\s*\(", re.IGNORECASE)
# Cmdlets that ask "Are you sure?" (ConfirmImpact High, or Stop-VM's shutdown prompt) unless told not to.
CONFIRMING = {"stop-vm", "restore-vmsnapshot", "restore-vmcheckpoint", "update-vmversion"}
NO_CONFIRM = {"force", "turnoff"}


@dataclass(frozen=True, order=True)
class Problem:
    line: int
    rule: int
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: rule {self.rule}: {self.what}"


def parse(text: str):
    return PARSER.parse(text.encode("utf-8")).root_node


def walk(node, *types: str):
    """``node`` and every node under it, in document order (only ``types`` when given)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if not types or current.type in types:
            yield current
        stack.extend(reversed(current.children))


def _text(node) -> str:
    return node.text.decode("utf-8")


def _line(node) -> int:
    return node.start_point[0] + 1


def _short(node) -> str:
    text = " ".join(_text(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _inside(node, outer) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def code_only(text: str) -> str:
    """``text`` with strings and comments blanked (same length, same lines), so tokens inside them never count."""
    data = bytearray(text.encode("utf-8"))
    for node in walk(parse(text)):
        if node.type == "comment" or "string" in node.type:
            for i in range(node.start_byte, node.end_byte):
                if data[i] not in (10, 13):
                    data[i] = 32
    return data.decode("utf-8")


@dataclass
class Command:
    """One command: its name, its parameters (name -> the node a colon binds, or None) and its other elements."""

    node: object
    name: str                        # lower case, for matching
    written: str                     # as the text writes it
    parameters: dict = field(default_factory=dict)
    elements: list = field(default_factory=list)     # (the parameter it follows, or None; the element node)

    def has(self, *names: str) -> bool:
        """Whether any of ``names`` is given and not turned off with ``:$false``."""
        for name in names:
            if name in self.parameters:
                value = self.parameters[name]
                if value is None or _text(value).lower() != "$false":
                    return True
        return False


def commands(node) -> list[Command]:
    """Every named command under ``node`` (script-block bodies included)."""
    out = []
    for found in walk(node, "command"):
        name = found.child_by_field_name("command_name")
        if name is None:
            continue          # & $block, . $script: no name to judge
        command = Command(found, _text(name).lower(), _text(name))
        for part in found.children:
            if part.type != "command_elements":
                continue
            items = [c for c in part.children if c.type != "redirection"]
            after, i = None, 0
            while i < len(items):
                item = items[i]
                if item.type == "command_parameter":
                    after = _text(item).lstrip("-").rstrip(":").lower()
                    colon = i + 2 < len(items) and items[i + 1].type == "command_argument_sep" \
                        and _text(items[i + 1]) == ":"
                    command.parameters[after] = items[i + 2] if colon else None
                    i += 3 if colon else 1
                    if colon:
                        after = None
                    continue
                if item.type != "command_argument_sep":
                    command.elements.append((after, item))
                    after = None
                i += 1
        out.append(command)
    return out


def _variable_name(node) -> str | None:
    """``$Name`` (or ``$script:Name``) as ``name``, when ``node`` is a plain variable."""
    while node.type == "unary_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    if node.type != "variable":
        return None
    return _text(node).lstrip("$").split(":")[-1].strip("{}").lower()


def _block_of(node):
    """The script block ``node`` is written as (``{ ... }``), or None."""
    while node.type in ("unary_expression", "pipeline_chain", "assignment_value") and node.named_child_count == 1:
        node = node.named_children[0]
    return node if node.type == "script_block_expression" else None


def assigned_blocks(root) -> dict[str, list]:
    """Each variable assigned a script block in the text: name -> the blocks."""
    out: dict[str, list] = {}
    for assignment in walk(root, "assignment_expression"):
        left = re.match(r"^(\[[^\]]+\]\s*)?\$\{?([\w:]+)\}?$", _text(assignment.named_children[0]))
        value = [c for c in assignment.named_children if c.type == "assignment_value"]
        block = _block_of(value[0]) if value else None
        if block is not None and left:           # $B = { ... }, [scriptblock]$script:B = { ... }
            out.setdefault(left[2].split(":")[-1].lower(), []).append(block)
    return out


def _vm_sessions(root) -> set[str]:
    """The variables the text assigns a PowerShell Direct session (``$s = New-PSSession -VMId ...``)."""
    out = set()
    for assignment in walk(root, "assignment_expression"):
        left = re.match(r"^\$\{?([\w:]+)\}?$", _text(assignment.named_children[0]))
        made = [c for c in commands(assignment) if c.name in ("new-pssession", "nsn")]
        if left and any(DIRECT_PARAMETERS & set(c.parameters) for c in made):
            out.add(left[1].split(":")[-1].lower())
    return out


@dataclass
class Sent:
    invoke: Command                  # the Invoke-Command
    block: object | None             # the block it sends, or None when the text does not say which
    direct: bool                     # sent through PowerShell Direct (-VMName / -VMId, or such a -Session)


def sent_blocks(root) -> list[Sent]:
    """Every script block an Invoke-Command in the text sends: given as -ScriptBlock (or positionally) directly
    or as a variable the text assigns a block."""
    blocks = assigned_blocks(root)
    vm_sessions = _vm_sessions(root)
    out = []
    for invoke in commands(root):
        if invoke.name not in ("invoke-command", "icm"):
            continue
        direct = bool(DIRECT_PARAMETERS & set(invoke.parameters)) or any(
            after == "session" and _variable_name(element) in vm_sessions for after, element in invoke.elements)
        for name, value in invoke.parameters.items():      # -ScriptBlock:{ ... }
            if name in BLOCK_PARAMETERS and value is not None:
                invoke.elements.append((name, value))
        for after, element in invoke.elements:
            if after is not None and after not in BLOCK_PARAMETERS and after not in SWITCHES:
                continue                                    # the value of another parameter
            block = _block_of(element)
            variable = _variable_name(element)
            if block is not None:
                out.append(Sent(invoke, block, direct))
            elif variable is not None and variable in blocks:
                out.extend(Sent(invoke, b, direct) for b in blocks[variable])
            elif after in BLOCK_PARAMETERS:
                out.append(Sent(invoke, None, direct))
    return out


def _functions(root) -> dict[str, object]:
    return {_text(f.child_by_field_name("name") or _name_of(f)).lower(): f for f in walk(root, "function_statement")}


def _name_of(function):
    return next(c for c in function.children if c.type == "function_name")


def _remote_problems(root) -> list[Problem]:
    found = []
    defined = _functions(root)
    for sent in sent_blocks(root):
        if sent.block is None:
            found.append(Problem(_line(sent.invoke.node), 1, "Invoke-Command sends a block this text does not "
                                 "write out, so it cannot be shown to be self-contained"))
            continue
        block = sent.block
        inside = {name for name, f in defined.items() if _inside(f, block)}
        caller = {name: f for name, f in defined.items() if name not in inside}
        for call in commands(block):
            if call.name in caller:
                chain = _reached(call.name, caller)
                via = f" (which calls {', '.join(chain)})" if chain else ""
                found.append(Problem(_line(call.node), 1, f"the remote block calls {call.written}, a function of the "
                                     f"caller that does not exist in the remote session{via}"))
        for node in (sent.invoke.node, block):
            for variable in walk(node, "variable", "braced_variable"):
                if re.match(r"^\$\{?function:", _text(variable), re.IGNORECASE):
                    found.append(Problem(_line(variable), 1, f"a function smuggled into the remote block: "
                                         f"{_short(variable)}"))
        for call in commands(block):
            if call.name in ("set-item", "new-item", "si", "ni") and re.search(r"(^|[\s'\"])function:",
                                                                               _text(call.node), re.IGNORECASE):
                found.append(Problem(_line(call.node), 1, f"a function smuggled into the remote block: "
                                     f"{_short(call.node)}"))
        if not sent.direct:
            continue
        for variable in walk(block, "variable", "braced_variable"):
            if re.match(r"^\$\{?using:", _text(variable), re.IGNORECASE):
                found.append(Problem(_line(variable), 1, f"{_short(variable)} in a PowerShell Direct block: $Using: "
                                     "is not documented for -VMName/-VMId; pass it with -ArgumentList"))
        for call in commands(block):
            restart = call.name == "restart-computer" or call.has("restart") or (
                call.name in ("shutdown", "shutdown.exe")
                and any(_text(e).lower() in ("/r", "-r", "/g", "-g") for _, e in call.elements))
            if restart:
                found.append(Problem(_line(call.node), 2, f"a restart inside a PowerShell Direct session: "
                                     f"{_short(call.node)}; restart the VM from the host instead"))
    return found


def _reached(name: str, caller: dict) -> list[str]:
    """The caller's functions that ``name`` calls in turn (what would also have to be sent)."""
    seen: dict[str, str] = {}
    todo = [name]
    while todo:
        for call in commands(caller[todo.pop()]):
            if call.name in caller and call.name != name and call.name not in seen:
                seen[call.name] = call.written
                todo.append(call.name)
    return list(seen.values())


def _ps7_problems(root, text: str) -> list[Problem]:
    found = []
    for node in walk(root):
        what = {"null_coalesce_expression": "?? (null-coalescing)", "ternary_expression": "a ? b : c (ternary)",
                "pipeline_chain_tail": "&& / || (pipeline chains)"}.get(node.type)
        if node.type == "assignment_operator" and _text(node) == "??=":
            what = "??= (null-coalescing assignment)"
        if node.type == "named_block" and _text(node).lower().startswith("clean"):
            what = "a clean {} block"
        if node.type == "variable" and _text(node).lower() in ("$psstyle", "${psstyle}"):
            what = "$PSStyle"
        if what:
            found.append(Problem(_line(node), 3, f"{what} is PowerShell 7 only: {_short(node)}"))
    code = code_only(text)      # the grammar cannot read ?. and ?[ (ERROR nodes): found as tokens instead
    for match in re.finditer(r"\?\.|\?\[", code):
        found.append(Problem(code.count("\n", 0, match.start()) + 1, 3,
                             "?. / ?[ (null-conditional) is PowerShell 7 only"))
    for call in commands(root):
        late = []
        if call.name in FOREACH and "parallel" in call.parameters:
            late = ["-Parallel"]
        if call.name == "convertto-json":
            late = [f"-{p}" for p in call.parameters if not any(known.startswith(p) for known in CONVERT_TO_JSON_51)]
        if call.name in WEB_CMDLETS:
            late = [f"-{p}" for p in call.parameters if p in WEB_7_ONLY]
        for parameter in late:
            found.append(Problem(_line(call.node), 3, f"{call.written} {parameter} is not in Windows PowerShell 5.1"))
    return found


def shadows_get_credential(text: str) -> bool:
    """Whether the commands this script runs get a Get-Credential that answers without a person: a function of
    that name, or a function table entry for it (enable.ps1's InvokeWithContext)."""
    root = parse(text)
    return "get-credential" in _functions(root) or re.search(r"\[\s*['\"]Get-Credential['\"]\s*\]\s*=",
                                                              text, re.IGNORECASE) is not None


def _prompt_problems(root, shadows_credential: bool) -> list[Problem]:
    found = []
    remote = [s.block for s in sent_blocks(root) if s.block is not None]
    for call in commands(root):
        where = _line(call.node)
        if call.name in PROMPTS:
            found.append(Problem(where, 4, f"{PROMPTS[call.name]} waits for a person"))
        if call.name == "get-credential":
            if not shadows_credential or any(_inside(call.node, block) for block in remote):
                found.append(Problem(where, 4, "Get-Credential waits for a person (nothing answers it here)"))
        if "confirm" in call.parameters and call.has("confirm"):
            found.append(Problem(where, 4, f"{_short(call.node)}: -Confirm asks a person; use -Confirm:$false"))
        elif (call.name in CONFIRMING or call.name.startswith("remove-")) and "confirm" not in call.parameters \
                and not call.has(*NO_CONFIRM):
            found.append(Problem(where, 4, f"{_short(call.node)} may ask for confirmation: add -Confirm:$false"))
    for node in walk(root, "invocation_expression"):
        if HOST_PROMPT.match(_text(node)):
            found.append(Problem(_line(node), 4, f"{_short(node)} waits for a person"))
    return found


def check(text: str, *, shadows_credential: bool = False, operation: str | None = None) -> list[Problem]:
    """Every rule ``text`` breaks. ``shadows_credential``: the text runs where Get-Credential is answered for it
    (outside its remote blocks); ``operation``: the text is the bundled script of that name (rule 6)."""
    root = parse(text)
    found = []
    if root.has_error:
        bad = next(n for n in walk(root) if n.type == "ERROR" or n.is_missing)
        found.append(Problem(_line(bad), 0, f"tree-sitter-pwsh cannot read {_short(bad)!r}"))
    if operation is not None and text.split("\n", 1)[0].rstrip("\r") != f"# nested-magics: {operation}":
        found.append(Problem(1, 6, f"the first line must be '# nested-magics: {operation}'"))
    found += _remote_problems(root)
    found += _ps7_problems(root, text)
    found += _prompt_problems(root, shadows_credential)
    found += [Problem(_line(c.node), 5, "Write-Host (the scripts speak JSON on stdout)")
              for c in commands(root) if c.name == "write-host"]
    return sorted(set(found))


def problems(text: str, *, shadows_credential: bool = False, operation: str | None = None) -> list[str]:
    """``check`` as lines: ``line N: rule R: what``."""
    return [str(p) for p in check(text, shadows_credential=shadows_credential, operation=operation)]
