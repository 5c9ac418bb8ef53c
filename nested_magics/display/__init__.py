"""Views of the model's objects: plain text and HTML (pure, escaped) and, in a live kernel, widgets.

The display reads the model only. ``text`` and ``html/`` (``kit`` the toolkit; ``report``, ``fleet``,
``enable``, ``tree``, ``panels`` the views) are pure functions; ``widgets``, ``fleet_view``,
``enable_flow``, ``classroom`` and ``host_panes`` own live widgets; ``formatters`` makes IPython's MIME bundles, which the front end
registers for the model's types by name (``front.notebook``). Next steps are the front end's words,
handed in as an ``Advise`` (``steps``).
"""
