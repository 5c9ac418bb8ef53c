"""WinRM set-up that works the first time, and Constrained Language Mode in one line (issue 10 finding 9).

Refused connections come from a closed loopback port; the Constrained Language host is the Windows twin running
the loader's own text as such a host would (tests/twin_language_mode.py).
"""

from __future__ import annotations

import socket

import pytest
import requests.exceptions as rx
from winrm import exceptions as wx

from nested_magics.backends.mock import load_scenario
from nested_magics.backends.powershell.payload import loader_text
from nested_magics.backends.winrm.messages import message_for
from nested_magics.backends.winrm.target import parse_winrm_target
from nested_magics.backends.winrm.transport import WinRMTransport
from nested_magics.errors import TargetError
from nested_magics.front.cli import main

from loopback_winrm import PASSWORD, Fault, LoopbackWinRM
from simulated_windows import SimulatedWindowsHost
from twin_language_mode import CANNOT_CREATE, CANNOT_INVOKE, CANNOT_SET, loader_under_clm

pytestmark = pytest.mark.usefixtures("loopback_password")
SCRIPT = "# nested-magics: test\nparam($p)\n$p | ConvertTo-Json -Compress\nexit 0\n"
# The loader before this change (git bcb2c66), as a Constrained Language host first met it.
OLD_LOADER = """# nested-magics: loader
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$utf8 = New-Object System.Text.UTF8Encoding $false
try { [Console]::InputEncoding = $utf8 } catch { }
try { [Console]::OutputEncoding = $utf8 } catch { }
$OutputEncoding = $utf8
try {
    $lines = @(($input | Out-String).Split([char[]]"`r`n", [StringSplitOptions]::RemoveEmptyEntries))
    if ($lines.Count -lt 2) { throw 'nested-magics loader: expected two base64 lines on stdin' }
    $nmParams = ConvertFrom-Json -InputObject $utf8.GetString([Convert]::FromBase64String($lines[0].Trim()))
    $nmScript = [ScriptBlock]::Create($utf8.GetString([Convert]::FromBase64String($lines[1].Trim())))
    $global:LASTEXITCODE = 0
    & $nmScript $nmParams
    exit $LASTEXITCODE
} catch {
    [Console]::Error.WriteLine($_.ToString())
    exit 1
}
"""
CLM_LINE = ("{host} runs PowerShell in Constrained Language Mode (an AppLocker or WDAC application-control policy "
            "does that), and nested-magics' scripts need Full Language: ask the host's administrator to allow them "
            "in that policy, or run the checks on a host without it")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _refused(target: str) -> str:
    error = rx.ConnectionError(ConnectionRefusedError(111, "Connection refused"))
    return message_for(error, parse_winrm_target(target, user="admin"))


# -- connection refused: what listens where -----------------------------------------------------------------

def test_https_refused_names_both_ways_forward(capsys):
    port = _closed_port()
    code = main(["check", "-t", f"127.0.0.1:{port}", "--user", "admin", "--timeout", "5"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "no WinRM HTTPS listener answers there, and Enable-PSRemoting makes only an HTTP one, on 5985" in err
    # way 1: the listener Enable-PSRemoting made, with NTLM's message encryption; TrustedHosts said for what it is
    assert "connect to http://127.0.0.1:5985/wsman with --transport ntlm (the default) or kerberos" in err
    assert "no TrustedHosts entry needed: that is a setting of Windows clients" in err
    # way 2: an HTTPS listener, with its certificate, its command (on this port) and its firewall rule
    assert "Server Authentication certificate in Cert:\\LocalMachine\\My" in err
    assert (f"New-Item -Path WSMan:\\localhost\\Listener -Transport HTTPS -Address * -CertificateThumbprint "
            f"<thumbprint> -Port {port} -Force") in err
    assert f"-Direction Inbound -Protocol TCP -LocalPort {port} -Action Allow" in err
    assert "Run `Enable-PSRemoting` on the host" not in err


def test_https_on_5986_refused_gives_the_listener_command_without_a_port():
    line = _refused("hv01.lab.example")
    assert line.startswith("cannot reach hv01.lab.example:5986 (connection refused): no WinRM HTTPS listener")
    assert "-CertificateThumbprint <thumbprint> -Force" in line and "-LocalPort 5986 -Action Allow" in line
    assert "http://hv01.lab.example:5985/wsman" in line and "\n" not in line


def test_http_5985_refused_says_how_enable_psremoting_makes_the_listener():
    line = _refused("http://hv01:5985/wsman")
    assert line == ("cannot reach hv01:5985 (connection refused): no WinRM listener there: on the host, in an "
                    "elevated PowerShell, run `Enable-PSRemoting` (it makes the HTTP listener on 5985 and its "
                    "firewall rule; on a Windows client whose network is Public add -SkipNetworkProfileCheck), or "
                    "check the host name")


def test_http_on_another_port_refused_points_at_5985(capsys):
    port = _closed_port()
    code = main(["check", "-t", f"http://127.0.0.1:{port}/wsman", "--user", "admin", "--timeout", "5"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert f"nothing listens on port {port}" in err and "http://127.0.0.1:5985/wsman" in err


# -- access denied: UAC remote restrictions for local accounts ----------------------------------------------

@pytest.mark.parametrize(("user", "named"), [("admin", True), (".\\labadmin", True), ("HV01\\labadmin", True),
                                             ("LAB\\admin", False), ("admin@lab.example", False),
                                             ("Administrator", False)])
def test_rejected_credentials_of_a_local_account_name_local_account_token_filter_policy(user, named):
    options = parse_winrm_target("hv01.lab.example", user=user)
    line = message_for(wx.InvalidCredentialsError("the specified credentials were rejected by the server"), options)
    assert line.startswith(f"hv01.lab.example rejected the credentials for {user}: check the user name and "
                           "NESTED_MAGICS_PASSWORD")
    assert ("LocalAccountTokenFilterPolicy = 1 (DWORD) under HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion"
            "\\Policies\\System" in line) is named
    assert "\n" not in line


def test_access_denied_over_loopback_is_one_line_naming_administrators_and_uac():
    with LoopbackWinRM(lambda line, stdin: (b"{}", b"", 0), password=PASSWORD) as server:
        server.faults.append(Fault("soap", action="Create", code=5, message="Access is denied."))
        transport = WinRMTransport(parse_winrm_target(server.url, user="admin", transport="basic", insecure=True,
                                                      timeout=5), lambda: PASSWORD)
        with pytest.raises(TargetError) as info:
            transport.run_json(SCRIPT, {})
    line = str(info.value)
    assert line.startswith("127.0.0.1 answered with WinRM fault 5: Access is denied. By default only the host's "
                           "Administrators may connect")
    assert "UAC remote restrictions" in line and "LocalAccountTokenFilterPolicy" in line and "\n" not in line


def test_rejected_basic_credentials_over_loopback_name_the_policy_too():
    with LoopbackWinRM(lambda line, stdin: (b"{}", b"", 0), password=PASSWORD) as server:
        server.faults.append(Fault("http401", action="Create"))
        transport = WinRMTransport(parse_winrm_target(server.url, user="labadmin", transport="basic",
                                                      insecure=True, timeout=5), lambda: PASSWORD)
        with pytest.raises(TargetError, match="LocalAccountTokenFilterPolicy"):
            transport.run_json(SCRIPT, {})


# -- Constrained Language Mode: the twin runs the loader's text ---------------------------------------------

def test_the_old_loader_under_constrained_language_fails_at_new_object_with_powershells_words():
    text, code = loader_under_clm(OLD_LOADER, "ConstrainedLanguage")
    assert code == 1 and text.splitlines()[0] == f"New-Object : {CANNOT_CREATE}"
    assert "CannotCreateTypeConstrainedLanguage" in text
    assert loader_under_clm(OLD_LOADER, "FullLanguage") is None      # it reads its payload: the host goes on


def test_the_loader_checks_the_language_mode_before_anything_constrained_language_refuses():
    text, code = loader_under_clm(loader_text(), "ConstrainedLanguage")
    assert code == 3
    assert "nested-magics loader: PowerShell runs in ConstrainedLanguage mode here" in text
    assert "Cannot " not in text
    assert loader_under_clm(loader_text(), "FullLanguage") is None


@pytest.mark.parametrize(("prelude", "first_line"), [
    # the check after the first .NET object: too late
    ("$u = New-Object System.Text.UTF8Encoding $false\n" + "if ($ExecutionContext.SessionState.LanguageMode -ne "
     "'FullLanguage') { exit 3 }\n", f"New-Object : {CANNOT_CREATE}"),
    # a check that asks the wrong question is passed by, and the next line fails
    ("if ($ExecutionContext.SessionState.LanguageMode -eq 'FullLanguage') { exit 3 }\n"
     "$u = New-Object System.Text.UTF8Encoding $false\n", f"New-Object : {CANNOT_CREATE}"),
    # a branch that reports through [Console] fails there itself
    ("if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {\n"
     "    [Console]::Error.WriteLine('constrained')\n    exit 3\n}\n", CANNOT_INVOKE),
    ("[Console]::OutputEncoding = [System.Text.Encoding]::UTF8\n", CANNOT_SET),
    ("$x = [Convert]::FromBase64String('AA==')\n", CANNOT_INVOKE),
])
def test_the_twin_judges_each_construct_by_what_the_text_asks(prelude, first_line):
    text, code = loader_under_clm("# nested-magics: loader\n$ErrorActionPreference = 'Stop'\n" + prelude,
                                  "ConstrainedLanguage")
    assert (text.splitlines()[0], code) == (first_line, 1)


def test_a_check_whose_write_error_stops_under_stop_preference_exits_1_not_3():
    loader = ("$ErrorActionPreference = 'Stop'\nif ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') "
              "{ Write-Error -Message 'constrained'\n exit 3 }\n")
    assert loader_under_clm(loader, "ConstrainedLanguage") == ("constrained", 1)


def test_over_winrm_a_constrained_language_host_is_one_line_with_exit_code_3():
    windows = SimulatedWindowsHost(load_scenario("blog-2015"), language_mode="ConstrainedLanguage")
    with LoopbackWinRM(windows, password=PASSWORD) as server:
        transport = WinRMTransport(parse_winrm_target(server.url, user="admin", transport="basic", insecure=True,
                                                      timeout=10), lambda: PASSWORD)
        with pytest.raises(TargetError) as info:
            transport.run_json(SCRIPT, {})
    assert str(info.value) == CLM_LINE.format(host="127.0.0.1")
    assert info.value.exit_code == 3 and windows.operations == []    # nothing past the loader ran


def test_the_old_loaders_failure_is_what_a_constrained_host_printed_before(capsys):
    """The loader as it is sent, run by a Constrained Language host: the CLI says so in one line (before this
    change: 'the script failed on 127.0.0.1 (exit code 1): New-Object : Cannot create type. ...')."""
    def constrained(line: str, stdin: bytes):
        from loopback_winrm import clixml_error

        stopped = loader_under_clm(line, "ConstrainedLanguage")
        return (b"", clixml_error(stopped[0]), stopped[1]) if stopped else (b"{}", b"", 0)

    with LoopbackWinRM(constrained, password=PASSWORD) as server:
        code = main(["check", "-t", server.url, "--user", server.username, "--transport", "basic", "--insecure"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Cannot create type" not in err
    assert CLM_LINE.format(host="127.0.0.1") in err


def test_on_the_local_target_a_constrained_language_host_is_the_same_one_line(capsys, monkeypatch):
    from local_twin import serve_local

    windows = SimulatedWindowsHost(load_scenario("blog-2015"), language_mode="ConstrainedLanguage")
    with serve_local(windows, monkeypatch):
        code = main(["check", "-t", "local"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "runs PowerShell in Constrained Language Mode (an AppLocker or WDAC application-control policy" in err
    assert "Cannot create type" not in err and "nested-magics loader:" not in err
