"""The Windows twin's reading of the loader on a host in Constrained Language Mode (real-hosts.md §8).

Under an AppLocker or WDAC policy PowerShell runs in Constrained Language Mode: New-Object only on core types,
no method calls on types such as [Convert], [Console] or [ScriptBlock]. The twin walks the loader's text in
order: a language-mode check that comes first behaves as its branch says (the message it writes, the exit code
it uses); a forbidden construct that comes first fails with PowerShell's own message for it.
"""

from __future__ import annotations

import re

from test_ps1_static import code_only

CANNOT_CREATE = "Cannot create type. Only core types are supported in this language mode."
CANNOT_INVOKE = "Cannot invoke method. Method invocation is supported only on core types in this language mode."
FORBIDDEN = [(re.compile(r"New-Object\s+(?!System\.Management\.Automation\.PSCredential\b)[\w.]+"), CANNOT_CREATE),
             (re.compile(r"\[(Convert|Console|ScriptBlock|System\.Text\.\w+)\]::"), CANNOT_INVOKE)]


def loader_under_clm(loader: str, mode: str) -> tuple[str, int]:
    """(the error text, the exit code) of the loader on a host whose language mode is ``mode``."""
    code = code_only(loader)
    check = re.search(r"if\s*\(\s*\$ExecutionContext\.SessionState\.LanguageMode\s+-ne\s+'FullLanguage'\s*\)\s*\{",
                      loader)     # (strings kept: the check compares with one; the text has the same offsets)
    first = min(((m.start(), text) for pattern, text in FORBIDDEN for m in [pattern.search(code)] if m),
                default=(len(code), None))
    if check and check.start() < first[0]:
        body = loader[check.end():loader.index("exit", check.end()) + 10]
        literals = re.findall(r"'((?:[^']|'')*)'", body)
        exit_code = re.search(r"exit\s+(\d+)", body)
        message = literals[0] + mode + (literals[1] if len(literals) > 1 else "")
        return message, int(exit_code[1]) if exit_code else 1
    return first[1] or "the loader ran", 1
