"""Turn PowerShell's stderr (often CLIXML) into one readable line.

Windows PowerShell serializes its error, warning and progress streams as ``#< CLIXML`` documents
when output is redirected, as it is over WinRM.  Only the error strings matter to a user; progress
records ("Preparing modules for first use.") are noise even on success (pywinrm #245, #169).
This follows Ansible's ``_parse_clixml``: several ``<Objs>`` blocks, only ``S="Error"``, and every
``_xHHHH_`` escape decoded, surrogate pairs included.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

CLIXML_MARKER = "#< CLIXML"
_OBJS = re.compile(r"<Objs\b.*?</Objs>", re.DOTALL)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# PowerShell's position and category lines under an error ("At line:1 char:1", "+ Get-VM x", "+ ~~~",
# "    + CategoryInfo : ..."): useful in a console, noise in a one-line message.
_POSITION = re.compile(r"^\s*(At line:\d+ char:\d+|At .*:\d+ char:\d+|\+\s)")
MAX_LENGTH = 400


def decode_escapes(text: str) -> str:
    """Decode PowerShell's ``_xHHHH_`` escapes (UTF-16 code units, so pairs make one character)."""
    units = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return units.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clixml_errors(text: str) -> list[str]:
    """The error strings of every CLIXML block in ``text``, in order, decoded."""
    errors: list[str] = []
    for block in _OBJS.findall(text):
        try:
            root = ET.fromstring(block)
        except ET.ParseError:
            continue
        for element in root.iter():
            if element.tag.rsplit("}", 1)[-1] == "S" and element.get("S") == "Error":
                errors.append(decode_escapes(element.text or ""))
    return errors


def one_line(text: str, limit: int = MAX_LENGTH) -> str:
    """Collapse whitespace and newlines to single spaces and cut to ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def clean_stderr(stderr: bytes | str, limit: int = MAX_LENGTH) -> str:
    """One line for a person: the CLIXML error strings, or plain stderr when it is not CLIXML."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    text = text.lstrip("\ufeff")
    if CLIXML_MARKER in text:
        plain = _OBJS.sub("", text.replace(CLIXML_MARKER, ""))
        text = "\n".join([plain.strip(), *clixml_errors(text)])
    lines = text.splitlines()
    message = [line for line in lines if not _POSITION.match(line)]
    return one_line("\n".join(message or lines), limit)
