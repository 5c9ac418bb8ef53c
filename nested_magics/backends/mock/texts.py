"""What the simulated Hyper-V says: real texts where the fact sheet quotes them (facts §3), and a marked
"(simulated ...)" text everywhere else, so nobody mistakes ours for Hyper-V's own words."""

from __future__ import annotations

from ...model.sizes import GiB

# Real texts (facts §3).
INVALID_STATE = "The operation cannot be performed while the virtual machine is in its current state."
ALREADY_IN_STATE = "The virtual machine is already in the specified state."
NO_NESTING_PLATFORM = ("The virtual machine could not be started because this platform does not support nested "
                       "virtualization.")
HYPERVISOR_RUNNING = "Hyper-V cannot be installed: A hypervisor is already running."
# A Saved VM runs nothing that could shut down; its way to Off discards the saved state (Remove-VMSavedState).
SAVED_NOT_STOPPED = ("{0} was not stopped, nothing was done: it is Saved, so it cannot shut down; start it and stop "
                     "it again, or run stop again with --turn-off, which discards its saved state (what was in its "
                     "memory is lost)")
COMPONENTS_NOT_RUNNING = "Failed to start the virtual machine '{0}' because one of the Hyper-V components is not running."
VERSION_NOT_SUPPORTED = "The VM version {0} of the virtual machine '{1}' is not supported."
NOT_RECOGNIZED = ("The term '{0}' is not recognized as the name of a cmdlet, function, script file, or operable "
                  "program.")
# DISM's 0x800f080c on Windows Home, whose edition does not own the feature (public transcripts).
FEATURE_UNKNOWN = "Feature name {0} is unknown."
GUEST_OS_MEMORY = 1 * GiB     # what a guest OS running Hyper-V keeps for itself (an estimate: simulated)




def simulated(text: str) -> str:
    return f"{text} (simulated: no real Hyper-V text for this case is known)"
