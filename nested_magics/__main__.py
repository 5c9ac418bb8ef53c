"""``python -m nested_magics`` is the ``nested-magics`` command."""

from nested_magics.front.cli import main

raise SystemExit(main())
