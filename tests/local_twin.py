"""The Windows twin behind a fake ``powershell.exe`` on PATH, for the ``local`` target's tests.

``serve_local(windows)`` listens on 127.0.0.1 and answers each fake powershell.exe run with the twin (a
SimulatedWindowsHost: the same one behind the loopback WinRM server), so its state lasts across runs as a real
host's does. It records each run's argv (to prove no secret is ever on a command line).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socketserver
import sys
import threading
from pathlib import Path

FAKE_DIR = Path(__file__).resolve().parent / "fake_windows"


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        request = json.loads(self.rfile.readline())
        server = self.server
        server.argvs.append(request["argv"])
        stdout, stderr, code = server.windows(request["command"], base64.b64decode(request["stdin"]))
        self.wfile.write(json.dumps({"stdout": base64.b64encode(stdout).decode(), "code": code,
                                     "stderr": base64.b64encode(stderr).decode()}).encode() + b"\n")


@contextlib.contextmanager
def serve_local(windows, monkeypatch):
    """PATH starts with the fake powershell.exe, which reaches ``windows`` over loopback; yields the server."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.windows, server.argvs = windows, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    shim = FAKE_DIR / "bin"
    shim.mkdir(exist_ok=True)
    exe = shim / "powershell.exe"     # the fake, run by this test's Python (the shebang may not name it)
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE_DIR / 'powershell.exe'} \"$@\"\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("NM_TWIN_PORT", str(server.server_address[1]))
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
