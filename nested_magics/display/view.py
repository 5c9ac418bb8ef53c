"""The base of every notebook view: a plain object that owns its widgets (composition, not inheritance).

In a live kernel Jupyter gets the widget view *and* the escaped HTML *and* the full text, so JupyterLab
shows the live widgets while terminals, nbconvert and GitHub show everything from the other two.
Elsewhere (terminal IPython, plain Python, a notebook executed by nbclient or nbval) no widget is created.
"""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod

from nested_magics.display import steps

_widgets_enabled = True


def use_widgets(enabled: bool) -> None:
    """Turn the widget views off (static HTML and text only) or back on: ``%config NestedMagics.widgets``."""
    global _widgets_enabled
    _widgets_enabled = bool(enabled)


def in_kernel() -> bool:
    """True inside ipykernel (a front end that can show widgets may be listening)."""
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def in_voila() -> bool:
    """A Voila page (live, never saved): Voila starts its kernels with ``VOILA_REQUEST_URL`` (every kernel,
    preheated ones too) and, for a kernel started per request, ``SERVER_SOFTWARE=voila/...``."""
    import os

    return "VOILA_REQUEST_URL" in os.environ or os.environ.get("SERVER_SOFTWARE", "").startswith("voila")


def interactive() -> bool:
    """False when the cell runs for a front end no one is working in: nbclient (``nbconvert --execute``,
    papermill), nbval. They ask the kernel for no input; widgets there would be saved as pointers to models
    that die with the kernel (blank offline, dead buttons online). Voila asks for none either, but shows
    its widgets live (it tells its kernel ``SERVER_SOFTWARE=voila/...``)."""
    if in_voila():
        return True
    from IPython import get_ipython

    kernel = getattr(get_ipython(), "kernel", None)
    parent = kernel.get_parent("shell") if hasattr(kernel, "get_parent") else None
    if not isinstance(parent, dict) or parent.get("header", {}).get("msg_type") != "execute_request":
        return True
    return bool(parent.get("content", {}).get("allow_stdin", True))


def live() -> bool:
    """Widgets wanted and possible: in a kernel, for a front end someone works in, unless turned off."""
    return _widgets_enabled and in_kernel() and interactive()


def live_page() -> bool:
    """Widgets for a dashboard with nothing to press (a report, a fleet, a tree): only on a page that is never
    saved (Voila). In a notebook they would be saved as pointers to models that die with the kernel, and
    JupyterLab shows a reopened trusted notebook's widget output as "Error displaying widget: model not found"
    instead of its HTML; the static HTML folds with ``<details>`` and renders everywhere."""
    return live() and in_voila()


class View(ABC):
    """Subclasses give ``text()``, ``html()`` and ``build()`` (the root widget, made on first use)."""

    _widget = None
    advise: steps.Advise | None = None    # the next steps a view of a report shows; None: the front end's

    @property
    def advice(self) -> steps.Advise | None:
        """``advise`` if given, else what the front end registered (``display.steps``)."""
        return steps.resolve(self.advise)

    @property
    def widget(self):
        """The root widget, built the first time it is asked for."""
        if self._widget is None:
            self._widget = self.build()
        return self._widget

    @abstractmethod
    def build(self):
        """The root widget."""

    @abstractmethod
    def text(self) -> str:
        """The complete plain-text form."""

    @abstractmethod
    def html(self) -> str:
        """The complete static HTML form (escaped)."""

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {}
        if live():
            data.update(self.widget._repr_mimebundle_() or {})
        data["text/plain"] = self.text()
        data["text/html"] = self.html()
        return data

    def __repr__(self) -> str:
        first = self.text().split("\n", 1)[0]
        return f"<{type(self).__name__}: {first}>"

    def close(self) -> None:
        """Close every widget this view made (their comms too)."""
        if self._widget is not None:
            for widget in walk_widgets(self._widget):
                widget.close()
            self._widget = None


def walk_widgets(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk_widgets(child)
