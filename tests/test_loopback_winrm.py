"""The loopback WinRM server, driven directly by pywinrm's low-level Protocol.

These pin the server's behaviour so the transport tests can trust it: if pywinrm accepts these
exchanges, the fake speaks WS-Management well enough (shared/reference/winrm.md §3).
"""

from __future__ import annotations

import base64
import os
import time

import pytest
import requests
from winrm import Session
from winrm.exceptions import InvalidCredentialsError, WinRMOperationTimeoutError, WSManFaultError
from winrm.protocol import Protocol

from loopback_winrm import CODE_SHELL_NOT_FOUND, Blocking, Fault, LoopbackWinRM, clixml_error, decode_command_line


def echo(command_line: str, stdin: bytes) -> tuple[bytes, bytes, int]:
    """Report what the 'remote program' saw."""
    return f"{command_line}|{stdin.decode('utf-8')}".encode("utf-8"), b"", 0


def protocol(server: LoopbackWinRM, *, password: str | None = None, **kwargs) -> Protocol:
    kwargs.setdefault("ca_trust_path", server.ca_file)
    kwargs.setdefault("read_timeout_sec", 5)
    kwargs.setdefault("operation_timeout_sec", 2)
    return Protocol(server.url, transport=server.auth, username=server.username,
                    password=server.password if password is None else password, proxy=None, **kwargs)


def encoded(script: str) -> list[str]:
    return ["-NoProfile", "-EncodedCommand", base64.b64encode(script.encode("utf-16-le")).decode("ascii")]


def run(p: Protocol, shell: str, script: str = "Get-Date", stdin: bytes = b"", raw: bool = True):
    """One command through the low-level calls the transport uses; returns (stdout, stderr, rc)."""
    command = p.run_command(shell, "powershell.exe", encoded(script), console_mode_stdin=False)
    try:
        if stdin:
            half = len(stdin) // 2
            p.send_command_input(shell, command, stdin[:half])
            p.send_command_input(shell, command, stdin[half:], end=True)
        if not raw:
            return p.get_command_output(shell, command)
        out, err = [], []
        while True:
            o, e, rc, done = p.get_command_output_raw(shell, command)
            out.append(o)
            err.append(e)
            if done:
                return b"".join(out), b"".join(err), rc
    finally:
        p.cleanup_command(shell, command)


@pytest.fixture
def server():
    with LoopbackWinRM(echo) as srv:
        yield srv


def test_basic_http_full_exchange(server):
    p = protocol(server)
    shell = p.open_shell(codepage=65001)
    out, err, rc = run(p, shell, "Write-Output 'héllo'", "stdin ✓".encode())
    p.close_shell(shell)
    assert (out.decode(), err, rc) == ("Write-Output 'héllo'|stdin ✓", b"", 0)
    assert server.request_count == 7
    assert server.actions == ["Create", "Command", "Send", "Send", "Receive", "Signal", "Delete"]
    assert server.shells_created == 1 and server.shells == {}
    [invocation] = server.invocations
    assert invocation.command_line == "Write-Output 'héllo'"
    assert invocation.raw.startswith("powershell.exe -NoProfile -EncodedCommand ")
    assert invocation.stdin == "stdin ✓".encode()


def test_shell_reuse_and_codepage(server):
    p = protocol(server)
    shell = p.open_shell(codepage=65001, noprofile=True)
    assert server.shells[shell].codepage == "65001" and server.shells[shell].noprofile == "TRUE"
    server.reset_counts()
    assert run(p, shell, "one")[0] == b"one|"
    assert run(p, shell, "two", b"x")[0] == b"two|x"
    assert server.shells_created == 0 and len(server.invocations) == 2
    assert server.request_count == 8  # Command, Receive, Signal; then Command, Send x2, Receive, Signal
    assert server.shells[shell].commands == {}  # Signal removed both commands


def test_ntlm_with_message_encryption_over_http():
    with LoopbackWinRM(echo, auth="ntlm", password="Ntlm-S3cret") as srv:
        assert srv.username == "lab\\admin"
        p = protocol(srv)
        shell = p.open_shell(codepage=65001)
        assert run(p, shell, "Get-VM", "ü".encode()) == ("Get-VM|ü".encode(), b"", 0)
        p.close_shell(shell)
        assert srv.encrypted_requests == 7  # every SOAP request after the handshake was sealed
        assert srv.actions[0] == "auth" and srv.request_count == 10  # 401, challenge, priming POST, 7 SOAP
        assert "NTLM_USER_FILE" not in os.environ  # set only while the acceptor works


def test_ntlm_wrong_password_is_rejected():
    with LoopbackWinRM(echo, auth="ntlm") as srv:
        with pytest.raises(InvalidCredentialsError):
            protocol(srv, password="wrong").open_shell()
        assert srv.shells_created == 0


def test_https_with_ca_trust_path_and_default_trust_rejects():
    with LoopbackWinRM(echo, tls=True) as srv:
        assert srv.url.startswith("https://127.0.0.1:") and os.path.isfile(srv.ca_file)
        p = protocol(srv)
        shell = p.open_shell()
        assert run(p, shell, "tls")[0] == b"tls|"
        with pytest.raises(requests.exceptions.SSLError):
            protocol(srv, ca_trust_path=None).open_shell()


def test_ntlm_over_https_without_encryption():
    with LoopbackWinRM(echo, auth="ntlm", tls=True) as srv:
        p = protocol(srv)
        shell = p.open_shell()
        assert run(p, shell, "x")[0] == b"x|"
        assert srv.encrypted_requests == 0


def test_basic_wrong_password_gets_401(server):
    with pytest.raises(InvalidCredentialsError):
        protocol(server, password="nope").open_shell()
    assert server.request_count == 1 and server.shells_created == 0


def test_fault_http401_is_one_shot(server):
    p = protocol(server)
    server.faults.append(Fault("http401"))
    with pytest.raises(InvalidCredentialsError):
        p.open_shell()
    assert p.open_shell() and server.faults == []


def test_fault_soap_carries_code_and_message(server):
    p = protocol(server)
    shell = p.open_shell()
    server.faults.append({"kind": "soap", "action": "Command", "code": 2150858770, "message": "Access is denied."})
    with pytest.raises(WSManFaultError) as info:
        run(p, shell)
    assert info.value.wsman_fault_code == 2150858770 and info.value.reason == "Access is denied."
    assert run(p, shell, "after")[0] == b"after|"


def test_fault_action_filter_waits_for_its_action(server):
    p = protocol(server)
    shell = p.open_shell()
    server.faults.append(Fault("soap", action="Delete", message="later"))
    assert run(p, shell, "a")[0] == b"a|"
    assert len(server.faults) == 1
    with pytest.raises(WSManFaultError, match="later"):
        p.close_shell(shell)


def test_fault_operation_timeout_is_retried_by_pywinrm(server):
    p = protocol(server)
    shell = p.open_shell()
    command = p.run_command(shell, "powershell.exe", encoded("slow"))
    server.faults += [Fault("timeout", action="Receive"), Fault("timeout", action="Receive")]
    with pytest.raises(WinRMOperationTimeoutError):
        p.get_command_output_raw(shell, command)
    assert p.get_command_output(shell, command) == (b"slow|", b"", 0)  # its own loop retried once more
    assert server.actions.count("Receive") == 3


def test_long_running_command_times_out_then_finishes():
    waiting = Blocking((b"finally", b"", 0))
    with LoopbackWinRM(waiting) as srv:
        p = protocol(srv, operation_timeout_sec=1)
        shell = p.open_shell()
        command = p.run_command(shell, "cmd", ["/c", "pause"])
        started = time.monotonic()
        with pytest.raises(WinRMOperationTimeoutError):
            p.get_command_output_raw(shell, command)
        assert 0.9 <= time.monotonic() - started < 3  # the host waits OperationTimeout (PT1S) first
        waiting.release()
        assert p.get_command_output_raw(shell, command) == (b"finally", b"", 0, True)


def test_fault_slow_delays_one_reply(server):
    p = protocol(server)
    server.faults.append(Fault("slow", seconds=0.4))
    started = time.monotonic()
    shell = p.open_shell()
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    assert run(p, shell, "quick")[0] == b"quick|"
    assert time.monotonic() - started < 0.4


def test_fault_truncate_cuts_stdout(server):
    p = protocol(server)
    shell = p.open_shell()
    server.faults += [Fault("truncate", keep=4), Fault("truncate")]
    assert run(p, shell, "abcdefgh")[0] == b"abcd"
    assert run(p, shell, "0123456789")[0] == b"01234"  # default: half of "0123456789|" (11 bytes)
    assert run(p, shell, "whole")[0] == b"whole|"


def test_fault_clixml_is_what_powershell_writes(server):
    p = protocol(server)
    shell = p.open_shell()
    server.faults.append(Fault("clixml", message="Get-VM : Hyper-V was unable to find 'x'.", exit_code=3))
    out, err, rc = run(p, shell)
    assert out == b"" and rc == 3
    assert err.startswith(b"#< CLIXML\r\n<Objs Version=\"1.1.0.1\"")
    assert b'<S S="Error">Get-VM : Hyper-V was unable to find \'x\'._x000D__x000A_</S>' in err
    cleaned = Session._clean_error_msg(Session.__new__(Session), err)  # pywinrm's own cleaner reads it
    assert b"Hyper-V was unable to find 'x'." in cleaned


def test_fault_drop_closes_without_reply(server):
    p = protocol(server)
    shell = p.open_shell()
    server.faults.append(Fault("drop", action="Command"))
    with pytest.raises(requests.exceptions.ConnectionError):
        run(p, shell)
    assert run(p, shell, "again")[0] == b"again|"  # a fresh connection works


def test_unknown_shell_is_a_soap_fault(server):
    p = protocol(server)
    shell = p.open_shell()
    server.forget_shells()
    with pytest.raises(WSManFaultError) as info:
        run(p, shell)
    assert info.value.wsman_fault_code == CODE_SHELL_NOT_FOUND
    assert "shell was not found" in info.value.reason


def test_command_line_limit_like_cmd(server):
    p = protocol(server)
    shell = p.open_shell()
    out, _, rc = run(p, shell, "x" * 3100)  # 3100 characters -> ~8.3k of base64 UTF-16
    assert (out, rc) == (b"The command line is too long.\r\n", 1)
    assert server.invocations[-1].result == (out, b"", 1)
    assert run(p, shell, "x" * 3000)[2] == 0


def test_large_output_spans_several_receives():
    big = bytes(range(256)) * 400  # 100 KiB, more than one Receive carries

    with LoopbackWinRM(lambda line, stdin: (big, b"warn", 0)) as srv:
        p = protocol(srv)
        shell = p.open_shell()
        command = p.run_command(shell, "cmd")
        first = p.get_command_output_raw(shell, command)
        assert first[3] is False and 0 < len(first[0]) < len(big)
        assert p.get_command_output(shell, command) == (big[len(first[0]):], b"warn", 0)


def test_handler_exception_becomes_exit_code_1():
    def broken(line, stdin):
        raise RuntimeError("boom")

    with LoopbackWinRM(broken) as srv:
        p = protocol(srv)
        shell = p.open_shell()
        out, err, rc = run(p, shell)
        assert rc == 1 and b"boom" in err and isinstance(srv.errors[0], RuntimeError)


def test_latency_applies_to_every_reply():
    with LoopbackWinRM(echo, latency_ms=40) as srv:
        p = protocol(srv)
        started = time.monotonic()
        shell = p.open_shell()
        run(p, shell)
        assert srv.request_count == 4 and time.monotonic() - started >= 4 * 0.04


def test_reset_counts_and_stop(server):
    p = protocol(server)
    p.open_shell()
    server.reset_counts()
    assert (server.request_count, server.shells_created, server.invocations, server.actions) == (0, 0, [], [])
    server.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        protocol(server).open_shell()


def test_decode_command_line_forms():
    b64 = base64.b64encode("Get-VM | ConvertTo-Json".encode("utf-16-le")).decode()
    assert decode_command_line(f"powershell -enc {b64}") == "Get-VM | ConvertTo-Json"
    assert decode_command_line(f"PowerShell.exe -NoProfile -EncodedCommand {b64}") == "Get-VM | ConvertTo-Json"
    assert decode_command_line("cmd /c dir") == "cmd /c dir"
    assert decode_command_line("powershell -enc not*base64") == "powershell -enc not*base64"


def test_clixml_error_escapes_markup():
    text = clixml_error("a < b & 'c'\nsecond line", progress=False).decode()
    assert "a &lt; b &amp; 'c'_x000D__x000A_</S><S S=\"Error\">second line_x000D__x000A_" in text
    assert 'S="progress"' not in text


def test_unknown_fault_kind_is_refused():
    with pytest.raises(ValueError):
        Fault("explode")
