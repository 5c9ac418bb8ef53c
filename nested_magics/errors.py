"""The few exception types the engine raises.

Every message is one line a person can act on: the thing, the problem, the next step.
Front ends (CLI, magics) show ``str(error)`` and never a traceback for these.
"""


class NestedMagicsError(Exception):
    """Base class: a problem the user can fix, carrying a one-line message."""


class UsageProblem(NestedMagicsError):
    """Bad input: an unknown option, VM or value (CLI exit status 2)."""


class FactsError(UsageProblem):
    """A host-facts document (scenario file or gathered facts) is invalid; names the key path."""


class TargetError(NestedMagicsError):
    """A target that cannot be read or reached (CLI exit status 2)."""


class ActionRefused(NestedMagicsError):
    """Hyper-V (the simulator or a real host) refused an action; the message is Hyper-V's."""
