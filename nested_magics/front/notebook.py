"""How the package's objects show in IPython and Jupyter: the display's formatters, registered with IPython's
MIME-bundle formatter for the model's types *by name*, with the notebook's next steps handed in.

The model never imports the display: its objects carry no ``_repr_mimebundle_``. ``register`` runs at
``%load_ext nested_magics`` and when ``nested_magics`` is imported inside a running IPython, so
``nm.check()`` renders in a notebook without ``%load_ext``. Registering is light: the formatters (and,
in a live kernel, ipywidgets) are imported when an object is first shown.
"""

from __future__ import annotations

from nested_magics import session
from nested_magics.display import steps
from nested_magics.front.advice import next_steps

# (module, class) -> the function of nested_magics.display.formatters that shows it
FORMATTERS = {
    ("nested_magics.model.report", "Report"): "report_bundle",
    ("nested_magics.model.report", "FleetReport"): "fleet_bundle",
    ("nested_magics.model.plan", "Plan"): "plan_bundle",
    ("nested_magics.model.results", "ApplyResult"): "apply_bundle",
    ("nested_magics.model.results", "ActionResult"): "action_bundle",
    ("nested_magics.model.tree", "TreeNode"): "tree_bundle",
}
HOST = ("nested_magics.host", "Host")     # what %nested_connect returns: says whether it is now the default


def _formatter(name: str):
    """IPython calls a registered printer with the object alone; import the display on first use."""
    def show(obj) -> dict:
        from nested_magics.display import formatters

        return getattr(formatters, name)(obj)
    show.__name__ = show.__qualname__ = name
    return show


def _host_bundle(host) -> dict:
    from nested_magics.display import formatters

    return formatters.connect_bundle(host, default=host.target == session.default_target())


def printers() -> dict:
    """``{(module, class): printer}`` for every type the package displays."""
    out = {key: _formatter(name) for key, name in FORMATTERS.items()}
    out[HOST] = _host_bundle
    return out


def register(ipython) -> None:
    """Show the package's objects through the display, with the notebook's next steps."""
    steps.use(next_steps)
    formatter = ipython.display_formatter.mimebundle_formatter
    for (module, name), printer in printers().items():
        formatter.for_type_by_name(module, name, printer)


def unregister(ipython) -> None:
    """Undo ``register`` (``%unload_ext``): the objects show as their plain repr again."""
    formatter = ipython.display_formatter.mimebundle_formatter
    for module, name in printers():
        formatter.pop(f"{module}.{name}", None)
    steps.use(None)


def register_in_running_ipython() -> None:
    """``import nested_magics`` inside IPython (a notebook without ``%load_ext``): register the display.

    Only when IPython is already imported and a shell is running: plain Python never imports IPython."""
    import sys

    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None and getattr(shell, "display_formatter", None) is not None:
        register(shell)
