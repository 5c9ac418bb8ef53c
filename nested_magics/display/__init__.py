"""Views of engine objects: plain text and HTML (pure, escaped) and, in a live kernel, widgets."""
