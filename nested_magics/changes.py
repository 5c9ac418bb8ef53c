"""The kinds of change an enable plan makes (contracts §4), in the order a plan makes them."""

CHANGE_IDS = ("discard-saved-state", "stop-vm", "update-version", "expose-extensions", "disable-dynamic-memory",
              "set-startup-memory", "enable-mac-spoofing", "start-vm", "install-hyperv", "guest-nat")
