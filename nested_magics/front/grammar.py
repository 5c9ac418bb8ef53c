"""One grammar for the command line and the magics (contracts §5, §6): argument specs as data.

The CLI feeds them to argparse, the magics to IPython's magic_arguments, so both accept exactly
the same words. Boolean flags default to None so a YAML cell body can fill what was not given.
"""

from __future__ import annotations

import argparse
import re

from nested_magics import vocabulary
from nested_magics.errors import UsageProblem
from nested_magics.model.sizes import format_size

Spec = tuple[tuple[str, ...], dict]

# A word that starts like a negative number (``-4GB``, ``-1.5GB``, ``-.5``) is a value, never an option, so
# ``--memory -4GB`` reaches the size parser ("a size cannot be negative") instead of argparse's "expected one
# argument". argparse's own pattern accepts only bare numbers (``-4``). No option of the grammar looks like one.
NEGATIVE_VALUE = re.compile(r"^-\.?\d")


def accept_negative_values(parser) -> None:
    """Make ``parser`` read ``-4GB`` as a value (see ``NEGATIVE_VALUE``)."""
    parser._negative_number_matcher = NEGATIVE_VALUE


class OneTarget(argparse.Action):
    """``-t`` of a command that acts on one host: a second ``-t`` is a usage error, never "the last wins"."""

    def __call__(self, parser, namespace, values, option_string=None):
        earlier = getattr(namespace, self.dest, None)
        if earlier is not None:
            raise argparse.ArgumentError(self, f"given twice ({earlier!r:.80} and {values!r:.80}): this command "
                                               "takes one target (only check takes several -t)")
        setattr(namespace, self.dest, values)


TARGETS: list[Spec] = [
    (("-t", "--target"), dict(action="append", dest="targets", metavar="TARGET",
                              help="host to check: mock, mock:NAME, mock:PATH, HOST[:PORT] or a WinRM URL; "
                                   "repeat for a fleet (checked concurrently)")),
]


def positive_number(text: str) -> float:
    """A deadline: a positive number (checked on every target, so the mock never echoes a bad one back)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


TARGET: list[Spec] = [
    (("-t", "--target"), dict(dest="target", metavar="TARGET", action=OneTarget,
                              help="host: mock, mock:NAME, mock:PATH, HOST[:PORT] or a WinRM URL")),
]
WINRM: list[Spec] = [
    (("--user",), dict(metavar="USER", help="WinRM user (the password comes from NESTED_MAGICS_PASSWORD or a prompt)")),
    (("--transport",), dict(choices=vocabulary.TRANSPORTS, help="WinRM authentication (default ntlm)")),
    (("--ca-file",), dict(metavar="PATH", help="CA certificate that signed the host's HTTPS certificate")),
    (("--no-verify",), dict(action="store_true", default=None, help="skip certificate validation (warns)")),
    (("--insecure",), dict(action="store_true", default=None, help="allow plain http:// with basic auth")),
    (("--timeout",), dict(type=positive_number, metavar="SECONDS", help="deadline for each call to a host (default 60)")),
    (("--apply-timeout",), dict(type=positive_number, metavar="MINUTES", help="deadline for applying a plan on a real host, "
                                                                    "all changes together (default 30)")),
    (("--guest-user",), dict(metavar="USER", help="user inside the VMs, to read guest facts through PowerShell "
                                                  "Direct (password from NESTED_MAGICS_GUEST_PASSWORD or a prompt)")),
]
JSON: list[Spec] = [(("--json",), dict(action="store_true", default=False, help="print / return the JSON document"))]
CHECK: list[Spec] = [
    (("vms",), dict(nargs="*", metavar="VM", help="VMs to check (default: every VM)")),
    *TARGETS, *JSON,
    (("--details",), dict(action="store_true", default=False,
                          help="show every check of every VM with its why, source and fix (a host of many VMs "
                               "otherwise shows them grouped by problem, the worst first)")),
]
CLI_CHECK: list[Spec] = [
    (("--strict",), dict(action="store_true", default=False, help="exit 1 on warnings too")),
    (("--quiet",), dict(action="store_true", default=False, help="print only the verdict and the next step")),
]


def _enable_spec(option: vocabulary.EnableOption) -> Spec:
    """The flag of one enable option. Flags default to None (not False), so a cell body can fill them."""
    kinds = {
        "flag": dict(action="store_true", default=None),
        "size": dict(metavar="SIZE"),
        "choice": dict(choices=option.choices),
    }
    if option.kind not in kinds:
        raise ValueError(f"enable option {option.name}: unknown kind {option.kind!r} (one of: {', '.join(kinds)})")
    return (option.flag,), dict(kinds[option.kind], help=option.help)


ENABLE_OPTIONS: list[Spec] = [_enable_spec(option) for option in vocabulary.ENABLE_OPTIONS]
ENABLE_KEYS = tuple(option.attr for option in vocabulary.ENABLE_OPTIONS)
ENABLE: list[Spec] = [
    (("--yes", "-y"), dict(action="store_true", default=False, help="apply without asking")),
    (("--dry-run",), dict(action="store_true", default=False, help="only show the plan")),
    *ENABLE_OPTIONS, *TARGET, *JSON,
]
TREE: list[Spec] = [*TARGET, *JSON]


def _taken_by(option: str) -> str:
    """``new only``: the VM actions that take ``option``, for its help."""
    return " and ".join(action.name for action in vocabulary.VM_ACTION_LIST if option in action.options) + " only"


VM_HELP = f"one VM action: {', '.join(vocabulary.VM_ACTIONS)}"
VM: list[Spec] = [
    (("action",), dict(choices=vocabulary.VM_ACTIONS, metavar="ACTION",
                       help="; ".join(f"{action.name}: {action.help}" for action in vocabulary.VM_ACTION_LIST))),
    (("path",), dict(metavar="PATH", help="VM path: myVM, or myVM/nestedVM for a VM inside it")),
    (("size",), dict(nargs="?", metavar="SIZE", help=f"{_taken_by('size')}: the new size, e.g. 6GB")),
    (("--memory",), dict(metavar="SIZE", help=f"{_taken_by('memory')}: startup memory "
                                               f"(default {format_size(vocabulary.NEW_VM_MEMORY)})")),
    (("--start",), dict(action="store_true", default=False, help=f"{_taken_by('start')}: start it once created")),
    (("--turn-off",), dict(action="store_true", default=False,
                           help=f"{_taken_by('turn_off')}: turn off instead of shutting down")),
    *TARGET, *JSON,
]
CONNECT: list[Spec] = [
    (("target",), dict(nargs="?", metavar="TARGET", help="mock, mock:NAME, mock:PATH, HOST[:PORT] or a WinRM URL")),
    (("--reset",), dict(action="store_true", default=False, help="forget the host's state (a mock starts afresh)")),
]


def add_specs(parser, specs: list[Spec]) -> None:
    for flags, kwargs in specs:
        parser.add_argument(*flags, **kwargs)


def winrm_options(ns) -> dict:
    """The WinRM options given on the line (only those given)."""
    out = {}
    for key in ("user", "transport", "ca_file", "timeout", "apply_timeout", "guest_user"):
        value = getattr(ns, key, None)
        if value is not None:
            out[key] = value
    if getattr(ns, "no_verify", None):
        out["verify"] = False
    if getattr(ns, "insecure", None):
        out["insecure"] = True
    return out


def enable_options(ns) -> dict:
    """The enable options given on the line (None for those not given)."""
    return {key: getattr(ns, key, None) for key in ENABLE_KEYS}


def vm_options(ns) -> dict:
    """The options ``ns.action`` takes (vocabulary's ``VMAction.options``), as given; a size given to an
    action that takes none is a usage error."""
    takes = vocabulary.VM_ACTION[ns.action].options
    if ns.size is not None and "size" not in takes:
        sized = " or ".join(f"{action.name} PATH SIZE" for action in vocabulary.VM_ACTION_LIST
                            if "size" in action.options)
        raise UsageProblem(f"vm {ns.action} takes no size (only {sized} does)")
    return {option: getattr(ns, option) for option in takes}
