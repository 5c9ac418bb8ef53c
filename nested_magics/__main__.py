"""``python -m nested_magics`` is the ``nested-magics`` command."""

from .cli import main

raise SystemExit(main())
