"""Reading what a magic was given: its line (through the grammar the CLI shares) and a YAML cell body.

Every mistake becomes one plain ``UsageError`` line naming the magic, never a traceback.
"""

from __future__ import annotations

import shlex

from IPython.core import magic_arguments
from IPython.core.error import UsageError

from nested_magics import vocabulary
from nested_magics.front import grammar

ENABLE_BODY_KEYS = ("vm",) + tuple(option.name for option in vocabulary.ENABLE_OPTIONS)


def one_line(message) -> str:
    """A UsageError's text as one line: control characters, line separators and bidi overrides escaped."""
    from nested_magics.display.text import clean

    return clean(message)


class HelpShown(Exception):
    """``-h``/``--help`` on a magic line: the help was printed, so the magic does nothing else."""


def grammar_arguments(*spec_lists):
    """IPython ``@argument`` decorators from ``grammar`` specs, in the order given, so the magics accept
    exactly the words the command line does."""
    specs = [spec for specs in spec_lists for spec in specs]

    def decorate(func):
        for flags, kwargs in reversed(specs):    # magic_arguments reads its decorators bottom-up
            func = magic_arguments.argument(*flags, **dict(kwargs))(func)
        return func

    return decorate


def parse(method, line: str):
    """The parsed line of ``%name``, split like a shell line (IPython's own splitter keeps the quotes in
    ``"my VM"``); argparse's complaint becomes ``%name: ... (see %name?)``."""
    name = magic_arguments.real_name(method)
    try:
        words = shlex.split(line, posix=True)
    except ValueError as exc:
        raise UsageError(one_line(f"%{name}: {exc} (quote names with spaces, e.g. \"my VM\")")) from None
    if "-h" in words or "--help" in words:
        print(method.__doc__)
        raise HelpShown()
    grammar.accept_negative_values(method.parser)
    try:
        return method.parser.parse_args(words)
    except UsageError as exc:
        raise UsageError(one_line(f"%{name}: {exc} (see %{name}?)")) from None


def parse_enable_body(cell: str | None) -> dict:
    """The YAML cell body of ``%%nested_enable``: ``{option: value}`` with keys as the engine names them
    (``install_hyperv``); ``vm`` stays ``vm``. An empty body is ``{}``."""
    if cell is None or not cell.strip():
        return {}
    import yaml

    try:
        doc = yaml.safe_load(cell)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise UsageError(f"%%nested_enable: the cell body is not valid YAML{where}: {problem}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise UsageError("%%nested_enable: the cell body must be YAML keys such as 'memory: 4GB' "
                         f"(allowed: {', '.join(ENABLE_BODY_KEYS)})")
    out = {}
    for key, value in doc.items():
        name = str(key).strip().replace("_", "-")
        if name not in ENABLE_BODY_KEYS:
            raise UsageError(f"%%nested_enable: unknown key {str(key)!r} in the cell body; "
                             f"allowed: {', '.join(ENABLE_BODY_KEYS)}")
        if name == "vm":
            if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
                raise UsageError(f"%%nested_enable: vm must be a VM name (got {value!r})")
            value = str(value)
        out[name.replace("-", "_")] = value
    return out


def enable_request(ns, cell: str | None) -> tuple[str, dict]:
    """The VM and the enable options of ``%nested_enable`` / ``%%nested_enable``: the line's, over the cell
    body's (flags on the line win)."""
    body = parse_enable_body(cell)
    vm = ns.vm or body.get("vm")
    body.pop("vm", None)
    if not vm:
        raise UsageError("%nested_enable needs a VM name: %nested_enable myVM, or 'vm: myVM' in the cell body")
    given = {key: value for key, value in grammar.enable_options(ns).items() if value is not None}
    return vm, {**body, **given}


def with_vocabulary(func):
    """Fill ``{vm_actions}`` and ``{enable_keys}`` in a magic's docstring from the vocabulary, before
    ``magic_arguments`` reads it, so the help never lags behind the lists."""
    func.__doc__ = (func.__doc__ or "").replace("{vm_actions}", ", ".join(vocabulary.VM_ACTIONS)).replace(
        "{enable_keys}", ", ".join(ENABLE_BODY_KEYS))
    return func
