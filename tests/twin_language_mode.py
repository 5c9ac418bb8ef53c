"""The Windows twin's reading of the loader on a host whose PowerShell is not in Full Language (real-hosts.md §8).

Under an AppLocker or WDAC policy Windows PowerShell runs in Constrained Language Mode (about_Language_Modes):
New-Object works only on core types, methods can be called and properties set only on core types ([Convert],
[Console], [ScriptBlock], System.Text.UTF8Encoding are not core). The twin RUNS the loader's text, read with
tree-sitter-pwsh (twin_pwsh's Shell), statement by statement as such a host would:
- a language-mode check it reaches first acts as its branch says: what that branch writes, the exit code it uses;
- a construct the mode forbids, reached first, fails with PowerShell's own words for it (and, uncaught under
  $ErrorActionPreference = 'Stop', ends the loader with exit code 1);
- reaching the payload ($input) means the loader goes on to read stdin: the rest of the twin answers that.
"""

from __future__ import annotations

from twin_pwsh import Cmdlet, Enum, Obj, Shell, Thrown, as_text

CANNOT_CREATE = "Cannot create type. Only core types are supported in this language mode."
CANNOT_INVOKE = "Cannot invoke method. Method invocation is supported only on core types in this language mode."
CANNOT_SET = "Cannot set property. Property setting is supported only on core types in this language mode."
MODES = {"FullLanguage": 0, "RestrictedLanguage": 1, "NoLanguage": 2, "ConstrainedLanguage": 3}   # PSLanguageMode
# The types Constrained Language allows (about_Language_Modes), by the names scripts write them.
CORE_TYPES = {
    "adsi", "adsisearcher", "array", "bigint", "bool", "byte", "char", "cimclass", "ciminstance", "cultureinfo",
    "datetime", "decimal", "double", "float", "guid", "hashtable", "int", "int16", "int32", "int64", "ipaddress",
    "long", "mailaddress", "object[]", "ordered", "pscredential", "pscustomobject", "psobject", "regex", "sbyte",
    "securestring", "short", "single", "string", "switch", "timespan", "uint16", "uint32", "uint64", "uri",
    "version", "void", "wildcardpattern", "wmi", "wmiclass", "wmisearcher", "x509certificate", "xml",
    "boolean", "object", "management.automation.pscredential", "management.automation.pscustomobject",
    "collections.hashtable", "text.regularexpressions.regex", "security.securestring",
}


def is_core(type_name: str) -> bool:
    name = type_name.strip().strip("[]").lower().removeprefix("system.")
    while name.endswith("[]") and name != "object[]":
        name = name[:-2]
    return name in CORE_TYPES


class Forbidden(Thrown):
    """A construct the language mode refuses: PowerShell's message, and the record's category lines."""

    def __init__(self, message: str, command: str, category: str, fqid: str):
        super().__init__(message)
        self.command, self.category, self.fqid = command, category, fqid

    def record(self) -> list[str]:
        first = f"{self.command} : {self}" if self.command else str(self)
        return [first, f"    + CategoryInfo          : {self.category}", f"    + FullyQualifiedErrorId : {self.fqid}"]


class _Exit(Exception):
    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class _RunsOn(Exception):
    """The loader reached its payload: it reads stdin from here on."""


def _invoke_refused() -> Forbidden:
    return Forbidden(CANNOT_INVOKE, "", "InvalidOperation: (:) [], RuntimeException",
                     "MethodInvocationNotSupportedInConstrainedLanguage")


class LoaderShell(Shell):
    """Twin_pwsh's Shell with the language mode's rules, the loader's two cmdlets and exit."""

    def __init__(self, mode: str, text: str):
        if mode not in MODES:
            raise ValueError(f"unknown language mode {mode!r}: use one of {', '.join(MODES)}")
        session = Obj("System.Management.Automation.SessionState", LanguageMode=Enum(mode, MODES[mode]))
        super().__init__({"New-Object": Cmdlet(self._new_object, ("TypeName", "ArgumentList")),
                          "Write-Error": Cmdlet(self._write_error, ("Message", "Category"))},
                         {"ExecutionContext": Obj("EngineIntrinsics", SessionState=session),
                          "ErrorActionPreference": "Continue"})
        self.mode, self.text, self.stderr = mode, text, []

    @property
    def constrained(self) -> bool:
        return self.mode != "FullLanguage"

    # -- the loader's cmdlets ----------------------------------------------------------------------------
    def _new_object(self, shell, args, flow) -> list:
        type_name = as_text(args.get("TypeName") or (args.positional[0] if args.positional else ""))
        if self.constrained and not is_core(type_name):
            raise Forbidden(CANNOT_CREATE, "New-Object", "PermissionDenied: (:) [New-Object], PSNotSupportedException",
                            "CannotCreateTypeConstrainedLanguage,Microsoft.PowerShell.Commands.NewObjectCommand")
        return [Obj(type_name)]

    def _write_error(self, shell, args, flow) -> list:
        message = as_text(args.get("Message") or (args.positional[0] if args.positional else ""))
        # An error written at the top level of -EncodedCommand text is shown after that text and " : " (believed:
        # 5.1's view names the command, here the whole script), so a reader must find its words anywhere in stderr.
        record = [f"{self.text.strip()} : {message}",
                  "    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException",
                  "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException"]
        action = as_text(args.get("ErrorAction") or self.variables.get("erroractionpreference")).lower()
        if action == "stop":
            raise Thrown(message)
        self.stderr += record
        return []

    # -- statements and expressions the mode judges -------------------------------------------------------
    def statement(self, node) -> list:
        if node.type == "flow_control_statement" and node.children[0].type == "exit":
            raise _Exit(int(self.result(node.named_children[0])) if node.named_children else 0)
        if node.type == "pipeline" and b"$input" in node.text.lower():
            raise _RunsOn()
        return super().statement(node)

    def pipeline(self, node) -> list:
        inner = node.named_children[0] if node.type == "pipeline" else node
        if inner.type == "assignment_expression":
            target = _unwrap(inner.named_children[0])
            if target.type == "member_access" and target.named_children[0].type == "type_literal":
                self.value(inner.named_children[-1].named_children[0])
                if self.constrained and not is_core(target.named_children[0].text.decode()):
                    raise Forbidden(CANNOT_SET, "", "InvalidOperation: (:) [], RuntimeException",
                                    "PropertySetterNotSupportedInConstrainedLanguage")
                return []
        return super().pipeline(node)

    def value(self, node):
        if node.type == "type_literal":
            return Obj(node.text.decode())
        if node.type == "member_access" and node.named_children[0].type == "type_literal":
            return Obj(node.text.decode())          # a static property read: allowed in every mode
        if node.type == "invocation_expression":
            root = _root(node)
            if self.constrained and root.type == "type_literal" and not is_core(root.text.decode()):
                raise _invoke_refused()
            raise ValueError(f"the twin does not call .NET methods: {node.text.decode()}")
        return super().value(node)


def _unwrap(node):
    while node.type in ("left_assignment_expression", "unary_expression") and len(node.named_children) == 1:
        node = node.named_children[0]
    return node


def _root(node):
    """The leftmost operand of a member chain: ``[Console]`` in ``[Console]::Error.WriteLine(...)``."""
    while node.type in ("invocation_expression", "member_access") and node.named_children:
        node = node.named_children[0]
    return node


def loader_under_clm(loader: str, mode: str) -> tuple[str, int] | None:
    """What the loader does in PowerShell's ``mode``: (its stderr text, its exit code) when it stops, None when it
    goes on to read its payload from stdin."""
    shell = LoaderShell(mode, loader)
    try:
        shell.run(loader)
    except _Exit as stop:
        return "\n".join(shell.stderr), stop.code
    except _RunsOn:
        return None
    except Forbidden as refused:
        return "\n".join(shell.stderr + refused.record()), 1
    except Thrown as failed:
        return "\n".join(shell.stderr + [str(failed)]), 1
    return "\n".join(shell.stderr), 1 if shell.stderr else 0
