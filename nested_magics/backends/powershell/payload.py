"""What a PowerShell runner sends and reads back (contracts §7), whatever carries it (WinRM, local).

A constant loader runs as ``-EncodedCommand``; the script and its parameters arrive over stdin as two
base64 lines, so values never enter script text and length is not limited by a command line.
"""


from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Mapping
from importlib import resources

from .clixml import clean_stderr


TRANSPORTS = ("ntlm", "kerberos", "basic", "credssp", "certificate")
HTTPS_PORT, HTTP_PORT = 5986, 5985

# -- payload ----------------------------------------------------------------------------------------


def encode_payload(script: str, params: Mapping) -> bytes:
    """Stdin for the loader: base64(UTF-8 JSON of params) and base64(UTF-8 script), one per line."""
    if not isinstance(params, Mapping):
        raise TypeError("params must be a mapping (it becomes one JSON object)")
    if not script:
        raise ValueError("empty script: nothing to run")
    data = json.dumps(dict(params), ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return base64.b64encode(data.encode("ascii")) + b"\n" + base64.b64encode(script.encode("utf-8")) + b"\n"


def decode_payload(stdin: bytes) -> tuple[str, dict]:
    """The inverse of encode_payload: (script, params).  Raises ValueError on anything else."""
    lines = [line.strip() for line in stdin.splitlines() if line.strip()]
    if len(lines) != 2:
        raise ValueError(f"expected 2 base64 lines, got {len(lines)}")
    try:
        params = json.loads(base64.b64decode(lines[0], validate=True).decode("utf-8"))
        script = base64.b64decode(lines[1], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(f"payload is not base64 UTF-8: {exc}") from None
    if not isinstance(params, dict):
        raise ValueError("the parameter block is not a JSON object")
    return script, params


@functools.lru_cache(maxsize=1)
def loader_text() -> str:
    """The constant PowerShell loader (scripts/loader.ps1) as it is sent: without its comment lines beyond the
    first (the operation's name), so the -EncodedCommand stays far inside cmd's 8191 characters."""
    text = resources.files(__package__).joinpath("scripts/loader.ps1").read_text(encoding="utf-8")
    lines = text.splitlines()
    return "\n".join(lines[:1] + [line for line in lines[1:] if not line.lstrip().startswith("#")]) + "\n"


@functools.lru_cache(maxsize=1)
def loader_arguments() -> tuple[str, ...]:
    """``powershell.exe`` arguments that run the loader; short enough for cmd's 8191 characters."""
    encoded = base64.b64encode(loader_text().encode("utf-16-le")).decode("ascii")
    return ("-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", encoded)



def json_document(text: str):
    """The one JSON document a script printed (the last JSON line, if something else was printed before it);
    None when there is none."""
    text = text.strip()
    candidates = [text] + [line for line in reversed(text.splitlines()) if line.strip()[:1] in ("{", "[")]
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


# -- a host whose PowerShell is not in Full Language ----------------------------------------------------

LANGUAGE_MODE_EXIT = 3   # loader.ps1 exits with it when PowerShell does not run in FullLanguage
# What the loader writes then. Windows PowerShell 5.1 may put the whole -EncodedCommand text before an error
# that Write-Error raises at the top level, so it is looked for in all of stderr, never in a cut line.
_LANGUAGE_MODE = re.compile(r"nested-magics loader: PowerShell runs in (\w+) mode")


def language_mode_refusal(host: str, exit_code: int, stderr: bytes | str) -> str | None:
    """The one line for a host whose PowerShell runs in Constrained Language Mode (or another mode short of Full
    Language), judged from the loader's exit code and its own words; None for any other failure.

    AppLocker and WDAC put PowerShell in that mode, where the loader's first .NET call would fail with
    "Cannot create type. Only core types are supported in this language mode." (real-hosts.md §8)."""
    if exit_code != LANGUAGE_MODE_EXIT:
        return None
    modes = _LANGUAGE_MODE.findall(clean_stderr(stderr, limit=1 << 20))
    if not modes:
        return None
    if modes[-1] == "ConstrainedLanguage":
        return (f"{host} runs PowerShell in Constrained Language Mode (an AppLocker or WDAC application-control "
                "policy does that), and nested-magics' scripts need Full Language: ask the host's administrator "
                "to allow them in that policy, or run the checks on a host without it")
    return (f"{host} runs PowerShell in {modes[-1]} mode, and nested-magics' scripts need Full Language: ask the "
            "host's administrator to allow them, or run the checks on a host without that restriction")
