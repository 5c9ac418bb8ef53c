"""One grammar for the command line and the magics (contracts §5, §6): argument specs as data.

The CLI feeds them to argparse, the magics to IPython's magic_arguments, so both accept exactly
the same words. Boolean flags default to None so a YAML cell body can fill what was not given.
"""

from __future__ import annotations

from nested_magics.vocabulary import NETWORKING_MODES
from nested_magics.vocabulary import VM_ACTIONS

TRANSPORTS = ("ntlm", "kerberos", "basic", "credssp", "certificate")

Spec = tuple[tuple[str, ...], dict]

TARGETS: list[Spec] = [
    (("-t", "--target"), dict(action="append", dest="targets", metavar="TARGET",
                              help="host to check: mock, mock:NAME, mock:PATH, HOST[:PORT] or a WinRM URL; "
                                   "repeat for a fleet (checked concurrently)")),
]
TARGET: list[Spec] = [
    (("-t", "--target"), dict(dest="target", metavar="TARGET",
                              help="host: mock, mock:NAME, mock:PATH, HOST[:PORT] or a WinRM URL")),
]
WINRM: list[Spec] = [
    (("--user",), dict(metavar="USER", help="WinRM user (the password comes from NESTED_MAGICS_PASSWORD or a prompt)")),
    (("--transport",), dict(choices=TRANSPORTS, help="WinRM authentication (default ntlm)")),
    (("--ca-file",), dict(metavar="PATH", help="CA certificate that signed the host's HTTPS certificate")),
    (("--no-verify",), dict(action="store_true", default=None, help="skip certificate validation (warns)")),
    (("--insecure",), dict(action="store_true", default=None, help="allow plain http:// with basic auth")),
    (("--timeout",), dict(type=float, metavar="SECONDS", help="deadline for each call to a host (default 60)")),
    (("--guest-user",), dict(metavar="USER", help="user inside the VMs, to read guest facts through PowerShell "
                                                  "Direct (password from NESTED_MAGICS_GUEST_PASSWORD or a prompt)")),
]
JSON: list[Spec] = [(("--json",), dict(action="store_true", default=False, help="print / return the JSON document"))]
CHECK: list[Spec] = [
    (("vms",), dict(nargs="*", metavar="VM", help="VMs to check (default: every VM)")),
    *TARGETS, *JSON,
]
CLI_CHECK: list[Spec] = [
    (("--strict",), dict(action="store_true", default=False, help="exit 1 on warnings too")),
    (("--quiet",), dict(action="store_true", default=False, help="print only the verdict and the next step")),
    (("--details",), dict(action="store_true", default=False, help="print every check's why, source and fix")),
]
ENABLE_OPTIONS: list[Spec] = [
    (("--memory",), dict(metavar="SIZE", help="startup memory to set when lower (default 4GB), or 'keep'")),
    (("--networking",), dict(choices=NETWORKING_MODES, help="how nested guests reach the network "
                                                             "(default mac-spoofing)")),
    (("--start",), dict(action="store_true", default=None, help="start the VM afterwards")),
    (("--install-hyperv",), dict(action="store_true", default=None, help="install Hyper-V in the guest (blog step 3)")),
    (("--update-version",), dict(action="store_true", default=None,
                                 help="allow Update-VMVersion (cannot be undone)")),
    (("--turn-off",), dict(action="store_true", default=None, help="allow turning the VM off (not a graceful shutdown)")),
    (("--discard-saved-state",), dict(action="store_true", default=None, help="allow discarding a saved state")),
]
ENABLE: list[Spec] = [
    (("--yes", "-y"), dict(action="store_true", default=False, help="apply without asking")),
    (("--dry-run",), dict(action="store_true", default=False, help="only show the plan")),
    *ENABLE_OPTIONS, *TARGET, *JSON,
]
TREE: list[Spec] = [*TARGET, *JSON]
VM: list[Spec] = [
    (("action",), dict(choices=VM_ACTIONS, metavar="ACTION", help=f"one of: {', '.join(VM_ACTIONS)}")),
    (("path",), dict(metavar="PATH", help="VM path: myVM, or myVM/nestedVM for a VM inside it")),
    (("size",), dict(nargs="?", metavar="SIZE", help="resize-memory only: the new size, e.g. 6GB")),
    (("--memory",), dict(metavar="SIZE", help="new only: startup memory (default 1GB)")),
    (("--start",), dict(action="store_true", default=False, help="new only: start it once created")),
    (("--turn-off",), dict(action="store_true", default=False, help="stop only: turn off instead of shutting down")),
    *TARGET, *JSON,
]
CONNECT: list[Spec] = [
    (("target",), dict(nargs="?", metavar="TARGET", help="mock, mock:NAME, mock:PATH, HOST[:PORT] or a WinRM URL")),
    (("--reset",), dict(action="store_true", default=False, help="forget the host's state (a mock starts afresh)")),
]

ENABLE_KEYS = ("memory", "networking", "start", "install_hyperv", "update_version", "turn_off", "discard_saved_state")


def add_specs(parser, specs: list[Spec]) -> None:
    for flags, kwargs in specs:
        parser.add_argument(*flags, **kwargs)


def winrm_options(ns) -> dict:
    """The WinRM options given on the line (only those given)."""
    out = {}
    for key in ("user", "transport", "ca_file", "timeout", "guest_user"):
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
    """The options of one VM action; a size given to any action but resize-memory is a usage error."""
    if ns.size is not None and ns.action != "resize-memory":
        from nested_magics.errors import UsageProblem

        raise UsageProblem(f"vm {ns.action} takes no size (only resize-memory PATH SIZE does)")
    out = {}
    if ns.action == "new":
        out.update(memory=ns.memory, start=ns.start)
    elif ns.action == "stop":
        out["turn_off"] = ns.turn_off
    elif ns.action == "resize-memory":
        out["size"] = ns.size
    return out
