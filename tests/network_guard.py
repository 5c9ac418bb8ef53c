"""Tests never reach the network: a socket connect to anything but loopback (or a Unix socket) is refused and
fails the test that made it, even when the code under test catches the error (issue 13: "Tests never contact the
instance metadata address or any non-loopback address: the twin answers for it").
"""

from __future__ import annotations

import ipaddress
import socket

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class NonLoopbackConnect(OSError):
    """A test tried to reach an address off this machine."""


def is_loopback(address) -> bool:
    if not isinstance(address, tuple):          # AF_UNIX paths (and abstract names) never leave the machine
        return True
    host = str(address[0]).split("%")[0]
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:                          # any other host name would need DNS: off the machine
        return False


class Guard:
    """Installed on socket.socket for one test; ``attempts`` lists what was refused."""

    def __init__(self):
        self.attempts: list[str] = []
        self._saved = None

    def _check(self, address) -> None:
        if not is_loopback(address):
            self.attempts.append(repr(address))
            raise NonLoopbackConnect(f"tests never connect off this machine: refused {address!r}")

    def install(self) -> None:
        connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
        self._saved = (connect, connect_ex)
        guard = self

        def guarded_connect(sock, address):
            guard._check(address)
            return connect(sock, address)

        def guarded_connect_ex(sock, address):
            guard._check(address)
            return connect_ex(sock, address)

        socket.socket.connect, socket.socket.connect_ex = guarded_connect, guarded_connect_ex

    def remove(self) -> None:
        if self._saved is not None:
            socket.socket.connect, socket.socket.connect_ex = self._saved
            self._saved = None
