"""The WinRM client transport, end to end against the loopback WinRM server (no Windows needed)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loopback_winrm import Blocking, Fault, LoopbackWinRM
from nested_magics.backends.powershell.clixml import clean_stderr, decode_escapes
from nested_magics.backends.winrm.target import WinRMOptions, parse_winrm_target
from nested_magics.backends.winrm.transport import WinRMTransport
from nested_magics.backends.powershell.payload import decode_payload, encode_payload, loader_arguments, loader_text
from nested_magics.errors import TargetError, UsageProblem

REPO = Path(__file__).resolve().parents[1]
CANARY = "Canary-Pw-7f3a9e"
HOSTILE = [
    "it's", "‘curly’", "’", "‚low‛", '"double"', "$(Remove-Item C:\\ -Recurse)", "`backtick`n", "a; b; exit 1",
    "line1\nline2\r\n", "名前-VM ✓ ünïcode", "${env:PATH}", "@'\nhere\n'@", "\u0000nul", "' + (Get-Date) + '",
]
SCRIPT = "# nested-magics: test\nparam($p)\n$p | ConvertTo-Json -Compress\nexit 0\n"


def echo_params(command_line: str, stdin: bytes) -> tuple[bytes, bytes, int]:
    """The 'host': decode the payload like the loader does and print the parameters back as JSON."""
    script, params = decode_payload(stdin)
    return json.dumps(params).encode("utf-8"), b"", 0


def transport_for(server: LoopbackWinRM, password: str | None = None, **options) -> WinRMTransport:
    options.setdefault("user", server.username)
    options.setdefault("transport", server.auth)
    options.setdefault("ca_file", server.ca_file)
    options.setdefault("insecure", True)
    options.setdefault("timeout", 5)
    secret = server.password if password is None else password
    return WinRMTransport(parse_winrm_target(server.url, **options), lambda: secret)


@pytest.fixture
def server():
    with LoopbackWinRM(echo_params) as srv:
        yield srv


@pytest.fixture(scope="module")
def shared():
    with LoopbackWinRM(echo_params) as srv:
        with transport_for(srv) as transport:
            yield srv, transport


# -- shell reuse, counts, payload --------------------------------------------------------------------


def test_one_shell_reused_across_runs_and_request_counts(server):
    transport = transport_for(server)
    assert transport.run_json(SCRIPT, {"vm": "myVM"}) == {"vm": "myVM"}
    assert (server.request_count, transport.http_requests) == (5, 5)  # Create, Command, Send, Receive, Signal
    assert transport.run_json(SCRIPT, {"vm": "other"}) == {"vm": "other"}
    assert (server.request_count, transport.http_requests) == (9, 9)  # the shell is reused: 4 per run
    assert server.shells_created == 1 and transport.shells_opened == 1 and transport.invocations == 2
    [shell] = server.shells.values()
    assert shell.codepage == "65001" and shell.commands == {}  # every command was cleaned up (Signal)
    first = server.invocations[0]
    assert first.raw.startswith("powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ")
    assert first.command_line == loader_text()
    transport.close()
    assert server.shells == {} and server.actions[-1] == "Delete"
    assert transport.run("Write-Output 1", {}) == "{}"  # reconnects after close()
    assert server.shells_created == 2


def test_hostile_strings_travel_as_data_never_as_script_text(server):
    transport = transport_for(server)
    params = {f"k{i}": value for i, value in enumerate(HOSTILE)} | {"list": HOSTILE, "n": 3, "ok": True}
    assert transport.run_json(SCRIPT, params) == params
    [invocation] = server.invocations
    script, received = decode_payload(invocation.stdin)
    assert script == SCRIPT and received == params
    for value in HOSTILE:
        assert value not in invocation.command_line and value not in script
        assert value.encode("utf-8") not in invocation.stdin  # only base64 goes over the wire


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1), st.dictionaries(st.text(), st.recursive(st.text() | st.integers() | st.booleans() | st.none(),
                                                          lambda inner: st.lists(inner, max_size=3), max_leaves=5)))
def test_payload_round_trips_any_script_and_params(script, params):
    payload = encode_payload(script, params)
    assert payload.isascii() and payload.count(b"\n") == 2
    assert decode_payload(payload) == (script, params)


def test_payload_rejects_what_the_loader_cannot_take():
    with pytest.raises(ValueError):
        encode_payload("", {})
    with pytest.raises(TypeError):
        encode_payload("x", ["not", "a", "mapping"])
    for bad in (b"", b"e30=\n", b"e30=\nnot base64!\n", b"WzFd\neA==\n", b"e30=\n/w==\n"):
        with pytest.raises(ValueError):
            decode_payload(bad)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.text(min_size=1).map(lambda s: "nm\u2063" + s), min_size=1, max_size=4))
def test_property_no_value_reaches_command_line_or_script(shared, values):
    server, transport = shared
    params = {f"v{i}": value for i, value in enumerate(values)}
    assert transport.run_json(SCRIPT, params) == params
    invocation = server.invocations[-1]
    script, received = decode_payload(invocation.stdin)
    assert received == params and script == SCRIPT
    for value in values:
        assert value not in invocation.command_line and value not in script and value not in invocation.raw


def test_large_script_goes_over_stdin_in_chunks(server):
    transport = transport_for(server)
    big = "# nested-magics: big\n" + "Write-Output 'x'\n" * 10_000  # ~170 kB: far past cmd's 8191 characters
    transport.run(big, {"a": 1})
    [invocation] = server.invocations
    assert decode_payload(invocation.stdin)[0] == big
    assert server.actions.count("Send") == 4  # 64 KiB chunks, End="true" on the last
    assert len(invocation.raw) < 8191


# -- deadlines ---------------------------------------------------------------------------------------


def test_deadline_with_a_hung_script():
    hung = Blocking()
    with LoopbackWinRM(hung) as srv:
        transport = transport_for(srv, timeout=1.5)
        started = time.monotonic()
        with pytest.raises(TargetError, match=r"^127\.0\.0\.1 did not finish the call within the time limit \(1\.5 s\)"):
            transport.run(SCRIPT, {})
        elapsed = time.monotonic() - started
        hung.release()
        assert 1.4 <= elapsed < 3.0
        assert "Receive" in srv.actions and srv.actions[-1] == "Signal"  # cleanup_command ran (finally)


@pytest.mark.parametrize("fault", [
    Fault("timeout", action="Receive", seconds=0.3),  # pywinrm alone would retry these forever
    Fault("slow", action="Receive", seconds=6),
])
def test_deadline_with_timeout_and_slow_faults(server, fault):
    transport = transport_for(server, timeout=1)
    server.faults += [fault] * 20
    started = time.monotonic()
    with pytest.raises(TargetError, match="did not finish the call within the time limit"):
        transport.run(SCRIPT, {})
    assert time.monotonic() - started < 2.5
    server.faults.clear()
    assert transport.run_json(SCRIPT, {"x": 1}) == {"x": 1}  # recovers on the next call


def test_a_silent_host_is_given_the_whole_timeout_asked_for(server, monkeypatch):
    """Found: `--timeout 45` against a silent server gave up at 30 s (OperationTimeout 20 + 10) and said "(45 s)".
    Scaled down: OperationTimeout 1 s and a 1 s margin, against --timeout 3."""
    from nested_magics.backends.winrm import transport as module

    monkeypatch.setattr(module, "MAX_OPERATION_TIMEOUT", 1)
    monkeypatch.setattr(module, "READ_MARGIN", 1)
    transport = transport_for(server, timeout=3)
    server.faults += [Fault("slow", action="Receive", seconds=8)] * 3
    started = time.monotonic()
    with pytest.raises(TargetError, match=r"within the time limit \(3 s\)"):
        transport.run(SCRIPT, {})
    assert 2.7 <= time.monotonic() - started < 5
    server.faults.clear()


# -- faults become one line naming the host ----------------------------------------------------------

FAULT_MESSAGES = [
    (Fault("http401", action="Command"), r"^127\.0\.0\.1 rejected the credentials for admin: check the user name "
                                         r"and NESTED_MAGICS_PASSWORD"),
    (Fault("soap", action="Command", code=2150858770, message="Access is denied."),
     r"^127\.0\.0\.1 answered with WinRM fault 2150858770: Access is denied\."),
    (Fault("drop", action="Receive"), r"^127\.0\.0\.1:\d+ closed the connection without answering"),
    (Fault("clixml", message="Get-VM : Hyper-V was unable to find a virtual machine with name 'x'.", exit_code=1),
     r"^the script failed on 127\.0\.0\.1 \(exit code 1\): Get-VM : Hyper-V was unable to find a virtual machine "
     r"with name 'x'\.$"),
    (Fault("truncate", keep=9), r"^127\.0\.0\.1 returned 9 characters that are not one JSON document"),
    (Fault("timeout", action="Receive", seconds=0.6), r"^127\.0\.0\.1 did not finish the call within the time limit"),
    (Fault("slow", action="Command", seconds=3), r"^127\.0\.0\.1 did not finish the call within the time limit"),
]


@pytest.mark.parametrize(("fault", "pattern"), FAULT_MESSAGES, ids=[f.kind for f, _ in FAULT_MESSAGES])
def test_each_fault_is_one_line_naming_the_host_then_recovers(server, fault, pattern):
    transport = transport_for(server, timeout=1)
    assert transport.run_json(SCRIPT, {"warm": 1}) == {"warm": 1}
    server.faults += [fault] * (2 if fault.kind == "timeout" else 1)
    with pytest.raises(TargetError, match=pattern) as info:
        transport.run_json(SCRIPT, {"vm": "x"})
    message = str(info.value)
    assert "\n" not in message and info.value.host == "127.0.0.1"
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert transport.run_json(SCRIPT, {"after": 1}) == {"after": 1}


def test_script_exit_code_with_plain_stderr():
    with LoopbackWinRM(lambda line, stdin: (b"partial", b"Set-VMProcessor : The VM must be off.\r\n", 5)) as srv:
        with pytest.raises(TargetError) as info:
            transport_for(srv).run(SCRIPT, {})
        assert str(info.value) == "the script failed on 127.0.0.1 (exit code 5): Set-VMProcessor : The VM must be off."
        assert (info.value.exit_code, info.value.detail) == (5, "Set-VMProcessor : The VM must be off.")


def test_connection_refused_names_enable_psremoting():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = WinRMTransport(parse_winrm_target(f"127.0.0.1:{port}", user="admin"), lambda: "x")
    with pytest.raises(TargetError) as info:
        transport.run(SCRIPT, {})
    # HOST:PORT is https: Enable-PSRemoting makes only the HTTP listener, so running it again would not help
    assert str(info.value).startswith(f"cannot reach 127.0.0.1:{port} (connection refused): no WinRM HTTPS listener "
                                      "answers there, and Enable-PSRemoting makes only an HTTP one, on 5985.")


def test_unknown_host_name(monkeypatch):
    real = socket.getaddrinfo

    def resolver(host, *args, **kwargs):  # no DNS traffic leaves the machine: the lookup fails here
        if host == "hv-missing.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    transport = WinRMTransport(parse_winrm_target("hv-missing.invalid", user="admin"), lambda: "x")
    with pytest.raises(TargetError, match=r"^cannot resolve hv-missing\.invalid \(unknown host name\)"):
        transport.run(SCRIPT, {})


def test_reconnects_once_when_the_host_forgot_the_shell(server):
    transport = transport_for(server)
    transport.run(SCRIPT, {"a": 1})
    server.forget_shells()
    assert transport.run_json(SCRIPT, {"b": 2}) == {"b": 2}
    assert server.shells_created == 2 and transport.shells_opened == 2
    assert server.actions[-6:] == ["Command", "Create", "Command", "Send", "Receive", "Signal"]


@pytest.mark.parametrize("provided", [None, EOFError])
def test_missing_password_names_the_variable(server, provided):
    def provider():
        if provided is EOFError:
            raise EOFError  # getpass without a terminal
        return provided

    transport = WinRMTransport(parse_winrm_target(server.url, user="admin", transport="basic", insecure=True), provider)
    with pytest.raises(TargetError, match=r"^no password for admin on 127\.0\.0\.1: set NESTED_MAGICS_PASSWORD$"):
        transport.run(SCRIPT, {})
    assert server.request_count == 0


def test_missing_auth_extra_is_named(server, monkeypatch):
    import winrm.transport

    monkeypatch.setattr(winrm.transport, "HAVE_KERBEROS", False)
    transport = WinRMTransport(parse_winrm_target(server.url, transport="kerberos"), lambda: "unused")
    with pytest.raises(TargetError, match=r"^kerberos authentication needs an extra package: pip install "
                                          r"'pywinrm\[kerberos\]', then connect to 127\.0\.0\.1 again$"):
        transport.run(SCRIPT, {})
    assert server.request_count == 0


def test_password_asked_once_and_lazily(server):
    calls = []

    def provider():
        calls.append(1)
        return server.password

    transport = WinRMTransport(parse_winrm_target(server.url, user="admin", transport="basic", insecure=True), provider)
    assert calls == []
    transport.run(SCRIPT, {})
    transport.run(SCRIPT, {})
    assert calls == [1]


# -- secrets -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_canary_password_never_shows(auth, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    with LoopbackWinRM(echo_params, auth=auth, password=CANARY) as srv:
        options = parse_winrm_target(srv.url, user=srv.username, transport=auth, insecure=True, timeout=1)
        transport = WinRMTransport(options, lambda: CANARY)
        seen += [repr(options), str(options), repr(transport), str(transport)]
        transport.run(SCRIPT, {})
        for fault, _ in FAULT_MESSAGES:
            srv.faults[:] = [fault] * 3
            with pytest.raises(TargetError) as info:
                transport.run_json(SCRIPT, {"vm": "x"})
            seen += [str(info.value), repr(info.value), "".join(traceback.format_exception(info.value))]
            seen += [repr(vars(info.value))]
        srv.faults.clear()
        wrong = WinRMTransport(options, lambda: CANARY + "-wrong")
        with pytest.raises(TargetError, match="rejected the credentials") as info:
            wrong.run(SCRIPT, {})
        seen += [str(info.value), "".join(traceback.format_exception(info.value)), repr(wrong)]
    captured = capsys.readouterr()
    seen += [captured.out, captured.err, caplog.text]
    assert caplog.records  # urllib3 did log at DEBUG, so the check below means something
    for text in seen:
        assert CANARY not in text


def test_options_have_no_password_field():
    options = parse_winrm_target("hv01", user="admin")
    assert "password" not in {f for f in vars(options)}


# -- security defaults -------------------------------------------------------------------------------


def test_http_basic_refused_before_anything_is_sent(server):
    with pytest.raises(UsageProblem, match="--insecure"):
        parse_winrm_target(server.url, user="admin", transport="basic")
    assert server.request_count == 0
    options = parse_winrm_target(server.url, user="admin", transport="basic", insecure=True)
    assert options.insecure and any("Basic over http" in w for w in options.warnings)


def test_https_verifies_by_default_and_trusts_ca_file():
    with LoopbackWinRM(echo_params, tls=True) as srv:
        untrusted = transport_for(srv, ca_file=None, insecure=False)
        with pytest.raises(TargetError) as info:
            untrusted.run(SCRIPT, {})
        assert str(info.value).startswith(f"cannot verify the TLS certificate of 127.0.0.1:{srv.port}: pass --ca-file")
        assert srv.invocations == []
        trusted = transport_for(srv, insecure=False)
        assert trusted.options.verify and trusted.run_json(SCRIPT, {"tls": 1}) == {"tls": 1}
        lab = transport_for(srv, ca_file=None, no_verify=True, insecure=False)
        assert not lab.options.verify and lab.options.warnings and "--no-verify" in lab.options.warnings[0]
        assert lab.run_json(SCRIPT, {"lab": 1}) == {"lab": 1}


def test_ntlm_with_message_encryption_over_http():
    with LoopbackWinRM(echo_params, auth="ntlm") as srv:
        transport = transport_for(srv, insecure=False)
        assert transport.run_json(SCRIPT, {"vm": "ü"}) == {"vm": "ü"}
        assert transport.run_json(SCRIPT, {"vm": 2}) == {"vm": 2}
        assert srv.encrypted_requests == 9 and srv.shells_created == 1
        assert transport.http_requests == srv.request_count == 12  # 3 for NTLM + priming, then 5 + 4


def test_tls_handshake_against_plain_http_port(server):
    options = parse_winrm_target(f"https://127.0.0.1:{server.port}/wsman", user="admin", transport="basic")
    with pytest.raises(TargetError, match=r"TLS handshake with 127\.0\.0\.1:\d+ failed"):
        WinRMTransport(options, lambda: "x").run(SCRIPT, {})


# -- target parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "endpoint", "host"), [
    ("hv01", "https://hv01:5986/wsman", "hv01"),
    ("hv01.lab.example:5985", "https://hv01.lab.example:5985/wsman", "hv01.lab.example"),
    ("https://hv01/wsman", "https://hv01:5986/wsman", "hv01"),
    ("http://hv01", "http://hv01:5985/wsman", "hv01"),
    ("https://10.0.0.5:443/custom", "https://10.0.0.5:443/custom", "10.0.0.5"),
    ("[fe80::1]:5986", "https://[fe80::1]:5986/wsman", "fe80::1"),
    ("fe80::1", "https://[fe80::1]:5986/wsman", "fe80::1"),
    ("https://[::1]:5986/wsman", "https://[::1]:5986/wsman", "::1"),
])
def test_target_forms(target, endpoint, host):
    options = parse_winrm_target(target, user="lab\\admin")
    assert (options.endpoint, options.host, options.transport, options.verify) == (endpoint, host, "ntlm", True)


@pytest.mark.parametrize(("target", "options", "needle"), [
    ("", {}, "empty WinRM target"),
    ("hv01:99999", {}, "port must be a number"),
    ("hv01:abc", {}, "port must be a number"),
    ("ftp://hv01", {}, "only http:// and https://"),
    ("hv 01", {}, "not a host name"),
    ("hv01", {"transport": "telnet"}, "unknown --transport"),
    ("hv01", {"timeout": 0}, "--timeout"),
    ("hv01", {"timeout": "soon"}, "--timeout"),
    ("hv01", {"ca_file": "/nonexistent/ca.pem"}, "no such file"),
    ("hv01", {"colour": "red"}, "unknown WinRM option"),
    ("hv01", {"user": None}, "--user is required"),
    ("hv01", {"transport": "certificate"}, "client certificate"),
])
def test_target_and_option_errors(target, options, needle):
    options = {"user": "admin", **options}
    with pytest.raises(UsageProblem) as info:
        parse_winrm_target(target, **options)
    assert needle in str(info.value)


def test_credentials_in_a_url_are_refused_without_echoing_them():
    with pytest.raises(UsageProblem, match="never in the URL") as info:
        parse_winrm_target(f"https://admin:{CANARY}@hv01/wsman", user="admin")
    assert CANARY not in str(info.value) and info.value.__context__ is None


def test_kerberos_needs_no_user_and_repr_is_clean():
    options = parse_winrm_target("hv01", transport="kerberos", timeout="30")
    assert options.username is None and options.timeout == 30.0 and options.address == "hv01:5986"
    assert isinstance(options, WinRMOptions)


# -- loader and imports ------------------------------------------------------------------------------


def test_loader_parses_with_tree_sitter_pwsh():
    import tree_sitter_pwsh
    from tree_sitter import Language, Parser

    text = loader_text()
    tree = Parser(Language(tree_sitter_pwsh.language())).parse(text.encode("utf-8"))
    assert not tree.root_node.has_error
    broken = Parser(Language(tree_sitter_pwsh.language())).parse(b"try { & ([ScriptBlock]::Create($x) $p\n")
    assert broken.root_node.has_error  # the check can fail
    for needle in ("$ProgressPreference = 'SilentlyContinue'", "$ErrorActionPreference = 'Stop'",
                   "[ScriptBlock]::Create(", "exit $LASTEXITCODE", "FromBase64String", "ConvertFrom-Json"):
        assert needle in text
    assert text.startswith("# nested-magics: loader\n")


def test_loader_command_line_fits_cmd():
    line = " ".join(("powershell.exe", *loader_arguments()))
    assert len(line) < 4000  # half of cmd's 8191: room to grow


def test_engine_import_does_not_load_winrm_or_requests():
    code = ("import sys, nested_magics.backends.winrm.target as t; "
            "t.parse_winrm_target('hv01', user='a'); "
            "bad = [m for m in ('winrm', 'requests', 'IPython', 'ipywidgets', 'spnego') if m in sys.modules]; "
            "assert not bad, bad")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO, timeout=60)


# -- CLIXML cleaning ---------------------------------------------------------------------------------


def test_clean_stderr_forms():
    progress_only = ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
                     '<Obj S="progress" RefId="0"><MS><PR N="Record"><AV>Preparing modules for first use.</AV>'
                     '</PR></MS></Obj></Objs>')
    assert clean_stderr(progress_only) == ""
    two_blocks = (progress_only + '#< CLIXML\r\n<Objs Version="1.1.0.1" '
                  'xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Warning">careful</S>'
                  '<S S="Error">first_x000D__x000A_</S><S S="Error">second _xD83D__xDE00_ &lt;ok&gt;_x000A_</S></Objs>')
    assert clean_stderr(two_blocks.encode()) == "first second 😀 <ok>"
    assert clean_stderr(b"plain\r\n  text\n") == "plain text"
    record = ("Get-VM : Hyper-V was unable to find a virtual machine with name 'x'.\r\nAt line:1 char:1\r\n"
              "+ Get-VM x\r\n+ ~~~~~~~~\r\n    + CategoryInfo          : InvalidArgument: (x:String) [Get-VM]\r\n"
              "    + FullyQualifiedErrorId : InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM\r\n")
    assert clean_stderr(record) == "Get-VM : Hyper-V was unable to find a virtual machine with name 'x'."
    assert clean_stderr("+ only position lines\n") == "+ only position lines"
    assert clean_stderr("x" * 1000).endswith("…") and len(clean_stderr("x" * 1000)) == 400
    assert decode_escapes("_x005F_x000D_ lone _xD800_") == "_x000D_ lone \ufffd"


def test_a_url_that_cannot_be_parsed_is_one_usage_line():
    with pytest.raises(UsageProblem, match="not a valid URL"):
        parse_winrm_target("http://[bad", user="admin")


def test_no_password_and_no_terminal_is_one_line_not_a_hanging_prompt(monkeypatch):
    import io

    from nested_magics.front.cli import main

    monkeypatch.delenv("NESTED_MAGICS_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(UsageProblem, match="set NESTED_MAGICS_PASSWORD \\(there is no terminal to ask\\)"):
        WinRMTransport(parse_winrm_target("127.0.0.1:1", user="admin")).run("# nested-magics: facts\n", {})
    assert main(["check", "-t", "127.0.0.1:1", "--user", "admin"]) == 2
