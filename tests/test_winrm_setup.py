"""WinRM set-up that works the first time, and Constrained Language Mode in one line (issue 10 finding 9)."""

from __future__ import annotations

import socket

import pytest

import nested_magics as nm
from nested_magics import session
from nested_magics.backends.mock import load_scenario
from nested_magics.errors import TargetError
from nested_magics.front.cli import main

from local_twin import serve_local
from loopback_winrm import LoopbackWinRM
from simulated_windows import SimulatedWindowsHost
from twin_facts import Conditions
from twin_language_mode import CANNOT_CREATE, loader_under_clm

PASSWORD = "Loopback-Pa55!"


@pytest.fixture(autouse=True)
def fresh_session(monkeypatch):
    session.forget_all()
    monkeypatch.setenv("NESTED_MAGICS_PASSWORD", PASSWORD)
    yield
    session.forget_all()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_https_5986_refused_names_both_ways_forward(capsys):
    # real-hosts.md §8: Enable-PSRemoting makes an HTTP listener on 5985 only; HTTPS needs a listener made by hand.
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 5986)) == 0:
            pytest.skip("something listens on 127.0.0.1:5986 on this machine")
    code = main(["check", "-t", "127.0.0.1", "--user", "admin", "--timeout", "5"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "http://127.0.0.1:5985/wsman" in err and "Listener -Transport HTTPS" in err and "5986" in err
    assert "Run `Enable-PSRemoting`" not in err


def test_http_refused_says_how_to_make_the_listener(capsys):
    code = main(["check", "-t", f"http://127.0.0.1:{_closed_port()}/wsman", "--user", "admin", "--timeout", "5"])
    err = capsys.readouterr().err
    assert code == 2 and "Enable-PSRemoting" in err and "SkipNetworkProfileCheck" in err


def test_the_old_loader_under_constrained_language_mode_fails_unreadably():
    old = "$utf8 = New-Object System.Text.UTF8Encoding $false\n[Console]::InputEncoding = $utf8\n"
    assert loader_under_clm(old, "ConstrainedLanguage") == (CANNOT_CREATE, 1)


@pytest.mark.parametrize("way", ["winrm", "local"])
def test_constrained_language_mode_is_one_line_that_says_so(way, capsys, monkeypatch):
    windows = SimulatedWindowsHost(load_scenario("blog-2015"), conditions=Conditions(language_mode="ConstrainedLanguage"))
    if way == "winrm":
        with LoopbackWinRM(windows, password=PASSWORD) as server:
            code = main(["check", "-t", server.url, "--user", server.username, "--transport", "basic", "--insecure"])
    else:
        with serve_local(windows, monkeypatch):
            code = main(["check", "-t", "local"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "Constrained Language Mode" in err and "AppLocker or WDAC" in err and "Full Language" in err
