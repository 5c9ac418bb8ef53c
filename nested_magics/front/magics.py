"""The IPython magics (contracts §5): each parses its line, makes one engine call, and returns an object
that displays itself (widgets in a live notebook, full text and escaped HTML everywhere).

Which host a magic talks to: ``-t TARGET``; else the latest of ``%nested_connect TARGET`` and
``%config NestedMagics.target = ...`` (or ``c.NestedMagics.target`` in a config file); else
``$NESTED_MAGICS_TARGET``; else ``mock``. A configured target is a standing ``%nested_connect``: it is
kept in the session, so ``nested_magics.connect()`` in Python uses it too.

Importing this module loads neither ipywidgets nor pywinrm/requests: views and WinRM load when used.
"""

from __future__ import annotations

import functools
import shlex

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import magic_arguments
from traitlets import Bool, Unicode, observe

from nested_magics import api, session
from nested_magics.front import grammar
from nested_magics.errors import NestedMagicsError
from nested_magics.host import Host
from nested_magics.front.magic_args import (HelpShown, enable_request, grammar_arguments, one_line, parse,
                                            with_vocabulary)
from nested_magics.model.report import FleetReport, Report
from nested_magics.vocabulary import ENABLE_OPTION

VM_ARG = [(("vm",), dict(nargs="?", metavar="VM", help="the VM (or myVM/nestedVM); or vm: in the cell body"))]


def apply_line(vm: str, options: dict, ns, planned=None) -> str:
    """The ``%nested_enable ... --yes`` line that applies what this plan shows: the same VM, enable options
    (the line's and the cell body's, as the plan read them), target and WinRM options, runnable as printed."""
    words = [vm]
    for attr, value in options.items():
        option = ENABLE_OPTION.get(attr)
        if option is None or value is None:
            continue
        if option.kind == "flag":
            if getattr(planned, attr, value) is True:     # the plan's reading of 'yes' / 'false' in a cell body
                words.append(option.flag)
        else:
            words += [option.flag, str(value)]
    if ns.target:
        words += ["-t", ns.target]
    for flag, key in (("--user", "user"), ("--transport", "transport"), ("--ca-file", "ca_file"),
                      ("--timeout", "timeout"), ("--apply-timeout", "apply_timeout"),
                      ("--guest-user", "guest_user")):
        value = getattr(ns, key, None)
        if value is not None:
            words += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    words += [flag for flag, key in (("--no-verify", "no_verify"), ("--insecure", "insecure")) if getattr(ns, key, None)]
    return "%nested_enable " + " ".join(shlex.quote(word) for word in words) + " --yes"


def enable_flow(plan, line: str):
    """The EnableFlow of ``plan``. In a live kernel it has Apply and Cancel; elsewhere (terminal IPython,
    widgets off, nbclient) there is no button and no ``flow`` variable, so its text says which line applies it."""
    from nested_magics.display import view
    from nested_magics.display.enable_flow import EnableFlow

    return EnableFlow(plan, apply_line=line, buttons=view.live())


def host_changed(host) -> None:
    """Plans shown with buttons before this change to ``host`` may be out of date: they say so (no flow
    shown yet, nothing to tell, and ipywidgets stay unloaded)."""
    import sys

    if "nested_magics.display.record" in sys.modules:
        sys.modules["nested_magics.display.record"].host_changed(host)


def friendly(func):
    """The engine's errors (bad option, unknown VM, unreadable target) become one plain UsageError line."""
    @functools.wraps(func)
    def run(self, *args):
        try:
            return func(self, *args)
        except HelpShown:
            return None
        except NestedMagicsError as exc:
            raise UsageError(one_line(exc)) from None
        except UsageError as exc:          # argparse's, the cell body's: one line whatever was typed
            raise UsageError(one_line(exc)) from None
    return run


@magics_class
class NestedMagics(Magics):
    """``%nested_connect``, ``%nested_check``, ``%%nested_enable``, ``%nested_tree``, ``%nested_vm``."""

    target = Unicode("", help="Default target when a magic has no -t (mock, mock:NAME, mock:PATH, HOST[:PORT] or "
                              "a WinRM URL); setting it acts like %nested_connect without connecting. Empty: "
                              "$NESTED_MAGICS_TARGET, else mock.").tag(config=True)
    widgets = Bool(True, help="Use ipywidgets for what is live: Apply/Cancel, a fleet's progress, dashboards on a "
                              "Voila page; False shows static HTML (and the same full text) only.").tag(config=True)

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self._winrm: dict[str, dict] = {}          # WinRM options given to %nested_connect, per target
        if self.target:
            session.set_default_target(self.target)
        self._widgets_changed({"new": self.widgets})

    @observe("target")
    def _target_changed(self, change):
        session.set_default_target(change["new"] or None)

    @observe("widgets")
    def _widgets_changed(self, change):
        from nested_magics.display.view import use_widgets

        use_widgets(change["new"])

    def _connect(self, target: str | None, ns) -> Host:
        """The Host for ``target`` (default: the session's), with the WinRM options given on this line,
        else those its %nested_connect was given."""
        target = target or session.default_target()
        return api.connect(target, **self._options(target, ns))

    def _options(self, target: str, ns) -> dict:
        """What %nested_connect (or an earlier line) gave for ``target``, updated by what this line gives, and
        remembered: the next steps a dashboard prints name only the target, and must reach the same host the
        same way (issue 11)."""
        options = {**self._winrm.get(target, {}), **grammar.winrm_options(ns)}
        if options:
            self._winrm[target] = options
        return options

    # ------------------------------------------------------------------ %nested_connect

    @line_magic
    @magic_arguments()
    @grammar_arguments(grammar.CONNECT, grammar.WINRM)
    @friendly
    def nested_connect(self, line):
        """Connect to a Hyper-V host and make it the default target of the other magics.

        Shows what it connected to and returns the Host (``host = %nested_connect ...``).
        Examples:
          %nested_connect                          (the default: $NESTED_MAGICS_TARGET, else mock)
          %nested_connect mock:three-levels        (a bundled scenario: L0 -> L1 -> L2)
          %nested_connect mock --reset             (the simulated host starts afresh)
          %nested_connect hv01.example.com --user admin   (WinRM over HTTPS; asks for the password)
        """
        ns = parse(self.nested_connect, line)
        target = ns.target or session.default_target()
        options = grammar.winrm_options(ns)
        host = api.connect(target, reset=ns.reset, **options)
        self._winrm[target] = options
        self.target = target
        session.set_default_target(target)
        return host

    # ------------------------------------------------------------------ %nested_check

    @line_magic
    @magic_arguments()
    @grammar_arguments(grammar.CHECK, grammar.WINRM)
    @friendly
    def nested_check(self, line):
        """Readiness dashboard: can this host (and its VMs) run nested virtualization, and what to fix.

        Returns the Report (a FleetReport for several targets; a dict with --json).
        Examples:
          %nested_check                            (the default target, every VM)
          %nested_check myVM                       (one VM; a VM that does not exist fails vm.exists)
          r = %nested_check -t mock:three-levels   (keep the report: r.verdict, r.checks, r.to_dict())
          %nested_check -t mock:classroom-01 -t mock:classroom-02   (a fleet, checked concurrently)
          %nested_check -t 'mock:classroom-*'      (every bundled classroom host)
          %nested_check --json                     (the JSON document of the command line, as a dict)
          %nested_check --details                  (every check of every VM, for a host of many VMs)
        """
        from nested_magics.display.live import fleet_progress

        ns = parse(self.nested_check, line)
        report = api.check_targets(ns.targets, ns.vms or None, progress=fleet_progress,
                                   options_for=lambda target: self._options(target, ns))
        if isinstance(report, Report) and report.error is not None:
            raise UsageError(one_line(report.error))     # contracts §5: one target that cannot be read; in a fleet, a row
        for one in report.hosts if isinstance(report, FleetReport) else [report]:
            one.details = ns.details             # --details: the views show every check of every VM
        return report.to_dict() if ns.json else report

    # ------------------------------------------------------------------ %%nested_enable

    @line_cell_magic
    @magic_arguments()
    @grammar_arguments(VM_ARG, grammar.ENABLE, grammar.WINRM)
    @with_vocabulary
    @friendly
    def nested_enable(self, line, cell=None):
        """Plan enabling nested virtualization on a VM, show it with Apply and Cancel buttons, apply on Apply.

        Nothing changes before Apply (or --yes). Returns the flow (flow.plan, flow.apply(), flow.result);
        with --yes the ApplyResult; with --dry-run the Plan; with --json the command line's document.
        As a cell magic the body holds the same options in YAML (flags on the line win):
          {enable_keys}
        Examples:
          %nested_enable myVM                      (plan; Apply / Cancel)
          %nested_enable myVM --yes                (apply at once)
          %nested_enable myVM --dry-run --memory keep
          %nested_enable myVM --install-hyperv --networking nat --yes   (blog step 3, NAT inside)

          %%nested_enable myVM
          memory: 6GB
          networking: nat
          install-hyperv: true
        """
        ns = parse(self.nested_enable, line)
        vm, options = enable_request(ns, cell)
        host = self._connect(ns.target, ns)
        plan = host.plan_enable(vm, **options)
        if ns.yes and not ns.dry_run:
            result = plan.apply(confirm=True)
            if result.applied:
                host_changed(host)
            return result.to_dict() if ns.json else result
        if ns.json:
            return host.dry_run(plan).to_dict()
        if ns.dry_run:
            return plan
        return enable_flow(plan, apply_line(vm, options, ns, getattr(plan, "options", None)))

    # ------------------------------------------------------------------ %nested_tree

    @line_magic
    @magic_arguments()
    @grammar_arguments(grammar.TREE, grammar.WINRM)
    @friendly
    def nested_tree(self, line):
        """The host -> VMs -> nested VMs tree (L0 -> L1 -> L2 ...) with state and nesting, and a diagram.

        Returns the tree (a dict with --json).
        Examples:
          %nested_tree
          %nested_tree -t mock:three-levels
        """
        ns = parse(self.nested_tree, line)
        tree = self._connect(ns.target, ns).tree()
        return tree.to_dict() if ns.json else tree

    # ------------------------------------------------------------------ %nested_vm

    @line_magic
    @magic_arguments()
    @grammar_arguments(grammar.VM, grammar.WINRM)
    @with_vocabulary
    @friendly
    def nested_vm(self, line):
        """One VM action: {vm_actions}.

        PATH is a VM (myVM) or a VM inside one (myVM/nestedVM). Returns the ActionResult; an action
        Hyper-V refuses is a result with ok False (and Hyper-V's message), not an error.
        Examples:
          %nested_vm start myVM
          %nested_vm new myVM/nestedVM --memory 1GB --start   (blog step 4: a VM inside the VM)
          %nested_vm resize-memory myVM 6GB
          %nested_vm stop myVM --turn-off
        """
        ns = parse(self.nested_vm, line)
        host = self._connect(ns.target, ns)
        result = host.vm(ns.action, ns.path, **grammar.vm_options(ns))
        if result.ok:
            host_changed(host)
        return result.to_dict() if ns.json else result


def register(ipython) -> None:
    """Register the magics, and how the package's objects display (``front.notebook``)."""
    from nested_magics.front import notebook

    ipython.register_magics(NestedMagics(shell=ipython))
    notebook.register(ipython)


def unregister(ipython) -> None:
    """Remove the magics and the display (``%unload_ext``; ``%reload_ext`` registers them again)."""
    from nested_magics.front import notebook

    manager = ipython.magics_manager
    instance = manager.registry.pop(NestedMagics.__name__, None)
    for kind, names in NestedMagics.magics.items():
        for name in names:
            manager.magics[kind].pop(name, None)
    if instance in ipython.configurables:
        ipython.configurables.remove(instance)
    notebook.unregister(ipython)
