"""A loopback WinRM (WS-Management / WinRS) server for tests: no Windows machine needed.

It speaks just enough of the protocol for pywinrm's low-level ``Protocol``: Create, Command, Send,
Receive, Signal and Delete, over HTTP/1.1 keep-alive on 127.0.0.1 only, with Basic or NTLM (with
WinRM message encryption, pyspnego as the acceptor) and optional TLS.  A Python ``handler`` plays the
remote program, and one-shot ``Fault`` objects inject the failures a real host produces.
See shared/reference/winrm.md §3 for the exchange this mimics.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import ipaddress
import os
import re
import socket
import ssl
import struct
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from xml.sax.saxutils import escape

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}
SHELL_NS = NS["rsp"]
CMD_RESOURCE = SHELL_NS + "/cmd"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

CODE_OPERATION_TIMEOUT = 2150858793  # pywinrm turns this into WinRMOperationTimeoutError
CODE_SHELL_NOT_FOUND = 2150858843  # 0x8033805B, ERROR_WINRS_SHELL_NOT_FOUND
CODE_GENERIC = 2150858770  # 0x80338012, "the client cannot connect" family; any other code works too
CMD_LINE_LIMIT = 8191  # cmd.exe's command-line limit
MAX_RECEIVE_BYTES = 32 * 1024  # output per Receive; more stays for the next Receive (State Running)
STREAM_CHUNK = 4096  # bytes per <rsp:Stream> element
BOUNDARY = b"--Encrypted Boundary"
ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"

Handler = Callable[[str, bytes], tuple[bytes, bytes, int]]

REQUEST_FAULTS = {"http401", "soap", "timeout", "slow", "drop"}
OUTPUT_FAULTS = {"truncate", "clixml"}



# The credentials every loopback test signs in with (the server and the guests the twin plays).
PASSWORD = "Loopback-Pa55!"
GUEST = ("LAB\\admin", "Guest-Pa55!")

@dataclass
class Fault:
    """One injected failure, consumed by the next request it applies to (queue order is kept).

    kind: ``http401`` (401 reply), ``soap`` (WSManFault ``code``/``message``), ``timeout`` (the
    operation time-out fault, after ``seconds``), ``slow`` (sleep ``seconds``, then answer), ``drop``
    (close the socket without a reply): these apply to the next SOAP request whose short action
    (Create, Command, Send, Receive, Signal, Delete) equals ``action``, or to any when it is None.
    ``truncate`` (cut the handler's stdout to ``keep`` bytes, default half) and ``clixml`` (no
    stdout, a CLIXML error ``message`` on stderr and ``exit_code``) apply to the next Command.
    """

    kind: str
    action: str | None = None
    code: int = CODE_GENERIC
    message: str = "The WS-Management service cannot process the request."
    seconds: float = 0.0
    keep: int | None = None
    exit_code: int = 1

    def __post_init__(self):
        if self.kind not in REQUEST_FAULTS | OUTPUT_FAULTS:
            raise ValueError(f"unknown fault kind {self.kind!r}")

    def applies_to(self, action: str) -> bool:
        if self.kind in OUTPUT_FAULTS:
            return action == "Command"
        return self.action is None or self.action == action


@dataclass
class Invocation:
    """What one Command received: the line as sent, the decoded PowerShell text, and stdin."""

    raw: str
    command_line: str
    stdin: bytes = b""
    shell_id: str = ""
    command_id: str = ""
    result: tuple[bytes, bytes, int] | None = None


@dataclass
class _Command:
    invocation: Invocation
    fault: Fault | None = None
    stdin: bytearray = field(default_factory=bytearray)
    started: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int = 0
    sent_out: int = 0
    sent_err: int = 0


@dataclass
class _Shell:
    shell_id: str
    codepage: str | None = None
    noprofile: str | None = None
    commands: dict[str, _Command] = field(default_factory=dict)


@dataclass
class _Request:
    action: str
    short: str
    message_id: str
    shell_id: str
    options: dict
    wait: float
    body: object


class SoapFault(Exception):
    """Raised inside the server to answer with a WSManFault (HTTP 500)."""

    def __init__(self, code: int, message: str, subcode: str = "w:InternalError"):
        super().__init__(message)
        self.code, self.message, self.subcode = code, message, subcode


class Blocking:
    """A handler that hangs until ``release()`` (at most ``limit`` s): a remote command still running."""

    def __init__(self, result: tuple[bytes, bytes, int] = (b"", b"", 0), limit: float = 30.0):
        self.result, self.limit = result, limit
        self._released = threading.Event()

    def __call__(self, command_line: str, stdin: bytes) -> tuple[bytes, bytes, int]:
        self._released.wait(self.limit)
        return self.result

    def release(self) -> None:
        self._released.set()


def clixml_error(message: str, *, progress: bool = True) -> bytes:
    """Stderr as Windows PowerShell writes an error record when its output is redirected."""
    parts = ['#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">']
    if progress:
        parts.append(
            '<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
            '<T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for '
            "first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD>"
            "</PR></MS></Obj>"
        )
    lines = message.splitlines() + ["At line:1 char:1", "+ CategoryInfo          : NotSpecified: (:) [], Exception"]
    for line in lines:
        parts.append(f'<S S="Error">{escape(line)}_x000D__x000A_</S>')
    parts.append("</Objs>")
    return "".join(parts).encode("utf-8")


def decode_command_line(line: str) -> str:
    """The PowerShell text of ``-EncodedCommand <b64 UTF-16LE>`` (any accepted prefix), else the line."""
    tokens = line.split()
    for index, token in enumerate(tokens[:-1]):
        if token.lower() in ("-e", "-ec", "-en", "-enc", "-enco", "-encodedcommand") or (
            len(token) > 3 and "-encodedcommand".startswith(token.lower())
        ):
            try:
                return base64.b64decode(tokens[index + 1], validate=True).decode("utf-16-le")
            except (ValueError, UnicodeDecodeError):
                return line
    return line


def make_test_certificate(directory: str) -> tuple[str, str]:
    """A self-signed CA/server certificate for localhost and 127.0.0.1; returns (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nested-magics loopback WinRM")])
    now = datetime.datetime.now(datetime.timezone.utc)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, False, False, False), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return cert_path, key_path


# pyspnego's NTLM acceptor reads NTLM_USER_FILE from the process environment when it is created and
# again when it checks the client's answer.  The environment is process-global, so every such step
# holds this lock and restores the previous value afterwards.
_NTLM_ENV_LOCK = threading.Lock()


@contextlib.contextmanager
def _ntlm_user_file(path: str):
    with _NTLM_ENV_LOCK:
        previous = os.environ.get("NTLM_USER_FILE")
        os.environ["NTLM_USER_FILE"] = path
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("NTLM_USER_FILE", None)
            else:
                os.environ["NTLM_USER_FILE"] = previous


def _envelope(action: str, relates_to: str, body: str) -> bytes:
    ns = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items())
    return (
        f'<s:Envelope xml:lang="en-US" {ns}><s:Header><a:Action>{action}</a:Action>'
        f"<a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID><a:To>{ANONYMOUS}</a:To>"
        f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo></s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode("utf-8")


def _fault_envelope(relates_to: str, code: int, message: str, subcode: str = "w:InternalError") -> bytes:
    body = (
        f"<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>{subcode}</s:Value></s:Subcode>"
        f'</s:Code><s:Reason><s:Text xml:lang="en-US">{escape(message)}</s:Text></s:Reason><s:Detail>'
        f'<f:WSManFault Code="{code}" Machine="127.0.0.1"><f:Message>{escape(message)}</f:Message>'
        f"</f:WSManFault></s:Detail></s:Fault>"
    )
    return _envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relates_to, body)


def _seconds(duration: str | None, default: float) -> float:
    match = re.fullmatch(r"PT(\d+(?:\.\d+)?)S", (duration or "").strip())
    return float(match.group(1)) if match else default


class LoopbackWinRM:
    """A WinRM endpoint on 127.0.0.1 backed by a Python handler; use it as a context manager."""

    def __init__(
        self,
        handler: Handler,
        *,
        auth: str = "basic",
        tls: bool = False,
        username: str | None = None,
        password: str = PASSWORD,
        latency_ms: float = 0,
        max_receive_wait: float = 20.0,
    ):
        if auth not in ("basic", "ntlm"):
            raise ValueError("auth must be 'basic' or 'ntlm'")
        self.handler = handler
        self.auth = auth
        self.tls = tls
        self.username = username or ("lab\\admin" if auth == "ntlm" else "admin")
        self.password = password
        self.latency_ms = latency_ms
        self.max_receive_wait = max_receive_wait
        self.request_count = 0
        self.shells_created = 0
        self.invocations: list[Invocation] = []
        self.actions: list[str] = []  # short action per SOAP request, "auth" for the encryption priming POST
        self.encrypted_requests = 0  # SOAP requests that arrived sealed (NTLM message encryption)
        self.faults: list[Fault | dict] = []
        self.shells: dict[str, _Shell] = {}
        self.errors: list[BaseException] = []  # exceptions raised while serving (for debugging tests)
        self.ca_file: str | None = None
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._tmp = tempfile.TemporaryDirectory(prefix="loopback-winrm-")
        self._user_file = os.path.join(self._tmp.name, "ntlm_users")
        domain, _, user = self.username.rpartition("\\")
        with open(self._user_file, "w", encoding="utf-8") as handle:
            handle.write(f"{domain}:{user}:{password}\n")
        self._server = _Server(("127.0.0.1", 0), _RequestHandler, self)
        if tls:
            self.ca_file, key_file = make_test_certificate(self._tmp.name)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.ca_file, key_file)
            self._server.socket = context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self.port = self._server.server_address[1]
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}/wsman"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="loopback-winrm", daemon=True
        )
        self._thread.start()

    # -- lifecycle -----------------------------------------------------------------------------
    def __enter__(self) -> "LoopbackWinRM":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving, close the socket and remove the temporary files."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._tmp.cleanup()

    def reset_counts(self) -> None:
        """Zero the counters (requests, shells, encrypted requests) and forget invocations and actions."""
        with self._lock:
            self.request_count = 0
            self.shells_created = 0
            self.encrypted_requests = 0
            self.invocations.clear()
            self.actions.clear()

    def forget_shells(self) -> None:
        """Drop every shell, as a host does after a restart or an idle time-out."""
        with self._lock:
            self.shells.clear()

    @property
    def basic_header(self) -> str:
        token = base64.b64encode(f"{self.username}:{self.password}".encode("utf-8")).decode("ascii")
        return f"Basic {token}"

    # -- fault queue ---------------------------------------------------------------------------
    def take_fault(self, action: str) -> Fault | None:
        """Pop the head of the fault queue when it applies to this request."""
        with self._lock:
            if not self.faults:
                return None
            head = self.faults[0]
            if isinstance(head, dict):
                head = self.faults[0] = Fault(**head)
            if head.applies_to(action):
                return self.faults.pop(0)
            return None

    def new_ntlm_context(self):
        import spnego

        with _ntlm_user_file(self._user_file):
            return spnego.server(protocol="ntlm")

    def ntlm_step(self, context, token: bytes) -> bytes | None:
        with _ntlm_user_file(self._user_file):
            return context.step(token)

    # -- WinRS actions -------------------------------------------------------------------------
    def parse(self, xml: bytes) -> "_Request":
        """Read what dispatching needs from a SOAP envelope and log its short action."""
        root = ET.fromstring(xml)
        header = root.find("s:Header", NS)
        action = (header.findtext("a:Action", "", NS) or "").strip()
        selector = header.find("w:SelectorSet/w:Selector[@Name='ShellId']", NS)
        request = _Request(
            action=action,
            short=action.rsplit("/", 1)[-1],
            message_id=(header.findtext("a:MessageID", "", NS) or "").strip(),
            shell_id=selector.text.strip() if selector is not None and selector.text else "",
            options={o.get("Name"): (o.text or "") for o in header.iter(f"{{{NS['w']}}}Option")},
            wait=min(_seconds(header.findtext("w:OperationTimeout", "", NS), 20.0), self.max_receive_wait),
            body=root.find("s:Body", NS),
        )
        with self._lock:
            self.actions.append(request.short)
        return request

    def process(self, request: "_Request", fault: Fault | None = None) -> tuple[int, bytes]:
        """Handle one WinRS action; returns (HTTP status, reply envelope)."""
        short, body = request.short, request.body
        try:
            if short == "Create":
                reply = self._create(request.options)
            elif short == "Command":
                reply = self._command(self._shell(request.shell_id), body, fault)
            elif short == "Send":
                reply = self._send(self._shell(request.shell_id), body)
            elif short == "Receive":
                reply = self._receive(self._shell(request.shell_id), body, request.wait)
            elif short == "Signal":
                reply = self._signal(self._shell(request.shell_id), body)
            elif short == "Delete":
                self._shell(request.shell_id)
                with self._lock:
                    self.shells.pop(request.shell_id, None)
                reply = ""
            else:
                raise SoapFault(CODE_GENERIC, f"The action {request.action} is not supported.", "w:ActionNotSupported")
        except SoapFault as soap:
            return 500, _fault_envelope(request.message_id, soap.code, soap.message, soap.subcode)
        return 200, _envelope(request.action + "Response", request.message_id, reply)

    def _shell(self, shell_id: str) -> _Shell:
        with self._lock:
            shell = self.shells.get(shell_id)
        if shell is None:
            raise SoapFault(
                CODE_SHELL_NOT_FOUND,
                f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell was "
                "not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no "
                "longer exists on the server. Provide the correct ShellId or create a new shell and execute the "
                "remote commands again.",
                "w:InvalidSelectors",
            )
        return shell

    def _create(self, options: dict[str, str]) -> str:
        shell = _Shell(str(uuid.uuid4()).upper(), options.get("WINRS_CODEPAGE"), options.get("WINRS_NOPROFILE"))
        with self._lock:
            self.shells[shell.shell_id] = shell
            self.shells_created += 1
        return (
            f"<x:ResourceCreated><a:Address>{self.url}</a:Address><a:ReferenceParameters>"
            f"<w:ResourceURI>{CMD_RESOURCE}</w:ResourceURI><w:SelectorSet>"
            f'<w:Selector Name="ShellId">{shell.shell_id}</w:Selector></w:SelectorSet></a:ReferenceParameters>'
            f"</x:ResourceCreated><rsp:Shell><rsp:ShellId>{shell.shell_id}</rsp:ShellId>"
            f"<rsp:ResourceUri>{CMD_RESOURCE}</rsp:ResourceUri><rsp:Owner>{escape(self.username)}</rsp:Owner>"
            "<rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams>"
            "</rsp:Shell>"
        )

    def _command(self, shell: _Shell, body, fault: Fault | None) -> str:
        line = body.find("rsp:CommandLine", NS)
        parts = [(line.findtext("rsp:Command", "", NS) or "").strip()]
        parts += [(arg.text or "") for arg in line.findall("rsp:Arguments", NS)]
        raw = " ".join(p for p in parts if p)
        command_id = str(uuid.uuid4()).upper()
        invocation = Invocation(raw, decode_command_line(raw), shell_id=shell.shell_id, command_id=command_id)
        command = _Command(invocation, fault)
        with self._lock:
            shell.commands[command_id] = command
            self.invocations.append(invocation)
        if len(raw) > CMD_LINE_LIMIT:
            self._finish(command, (b"The command line is too long.\r\n", b"", 1))
        return f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"

    def _command_of(self, shell: _Shell, element) -> _Command:
        command_id = element.get("CommandId", "") if element is not None else ""
        with self._lock:
            command = shell.commands.get(command_id)
        if command is None:
            raise SoapFault(CODE_GENERIC, f"The command {command_id} is not known in shell {shell.shell_id}.")
        return command

    def _send(self, shell: _Shell, body) -> str:
        stream = body.find("rsp:Send/rsp:Stream", NS)
        command = self._command_of(shell, stream)
        command.stdin += base64.b64decode(stream.text or "")
        if stream.get("End", "false").lower() == "true":
            self._start(command)
        return "<rsp:SendResponse/>"

    def _start(self, command: _Command) -> None:
        with self._lock:
            if command.started:
                return
            command.started = True
        command.invocation.stdin = bytes(command.stdin)
        threading.Thread(target=self._run_handler, args=(command,), daemon=True).start()

    def _run_handler(self, command: _Command) -> None:
        invocation = command.invocation
        try:
            stdout, stderr, code = self.handler(invocation.command_line, invocation.stdin)
        except Exception as exc:  # the handler is test code: report, don't kill the server
            self.errors.append(exc)
            stdout, stderr, code = b"", f"loopback handler raised {exc!r}".encode(), 1
        fault = command.fault
        if fault is not None and fault.kind == "truncate":
            stdout = stdout[: len(stdout) // 2 if fault.keep is None else fault.keep]
        elif fault is not None and fault.kind == "clixml":
            stdout, stderr, code = b"", clixml_error(fault.message), fault.exit_code
        self._finish(command, (stdout, stderr, code))

    def _finish(self, command: _Command, result: tuple[bytes, bytes, int]) -> None:
        command.started = True
        command.stdout, command.stderr, command.exit_code = result
        command.invocation.result = result
        command.done.set()

    def _receive(self, shell: _Shell, body, wait: float) -> str:
        command = self._command_of(shell, body.find("rsp:Receive/rsp:DesiredStream", NS))
        self._start(command)
        if not command.done.wait(wait):
            raise SoapFault(
                CODE_OPERATION_TIMEOUT, "The WS-Management service cannot complete the operation within the time "
                "specified in OperationTimeout.", "w:TimedOut"
            )
        budget, pieces = MAX_RECEIVE_BYTES, []
        for name in ("stdout", "stderr"):
            data, offset = getattr(command, name), getattr(command, "sent_" + name[3:])
            take = data[offset : offset + budget]
            budget -= len(take)
            setattr(command, "sent_" + name[3:], offset + len(take))
            for start in range(0, len(take), STREAM_CHUNK):
                chunk = base64.b64encode(take[start : start + STREAM_CHUNK]).decode("ascii")
                pieces.append(f'<rsp:Stream Name="{name}" CommandId="{command.invocation.command_id}">{chunk}</rsp:Stream>')
        cid = command.invocation.command_id
        if command.sent_out < len(command.stdout) or command.sent_err < len(command.stderr):
            state = f'<rsp:CommandState CommandId="{cid}" State="{SHELL_NS}/CommandState/Running"/>'
        else:
            pieces += [f'<rsp:Stream Name="{n}" CommandId="{cid}" End="true"></rsp:Stream>' for n in ("stdout", "stderr")]
            state = (
                f'<rsp:CommandState CommandId="{cid}" State="{SHELL_NS}/CommandState/Done">'
                f"<rsp:ExitCode>{command.exit_code}</rsp:ExitCode></rsp:CommandState>"
            )
        return f"<rsp:ReceiveResponse>{''.join(pieces)}{state}</rsp:ReceiveResponse>"

    def _signal(self, shell: _Shell, body) -> str:
        signal = body.find("rsp:Signal", NS)
        command = self._command_of(shell, signal)
        with self._lock:
            shell.commands.pop(command.invocation.command_id, None)
        return "<rsp:SignalResponse/>"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler_class, owner: LoopbackWinRM):
        self.owner = owner
        super().__init__(address, handler_class)

    def handle_error(self, request, client_address) -> None:
        import sys

        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, (ConnectionError, ssl.SSLError, socket.timeout, OSError)):
            self.owner.errors.append(error)


class _RequestHandler(BaseHTTPRequestHandler):
    """One instance per TCP connection, so the NTLM context lives exactly as long as the connection."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""
    timeout = 30
    server: _Server

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()
        self.ntlm = None  # the acceptor context, once the handshake completed
        self.ntlm_pending = None

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet: tests read state, not logs
        pass

    def do_POST(self) -> None:
        owner = self.server.owner
        with owner._lock:
            owner.request_count += 1
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            if owner.auth == "basic":
                self._serve_basic(owner, body)
            else:
                self._serve_ntlm(owner, body)
        except (ConnectionError, socket.timeout):
            self.close_connection = True

    # -- authentication ------------------------------------------------------------------------
    def _serve_basic(self, owner: LoopbackWinRM, body: bytes) -> None:
        if self.headers.get("Authorization") != owner.basic_header:
            self._reply(401, b"", {"WWW-Authenticate": 'Basic realm="WSMAN"'})
            return
        self._serve_soap(owner, body, encrypted=False)

    def _serve_ntlm(self, owner: LoopbackWinRM, body: bytes) -> None:
        import spnego.exceptions

        authorization = self.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() in ("negotiate", "ntlm") and token:
            raw = base64.b64decode(token)
            try:
                if raw[8:12] == struct.pack("<I", 1):
                    self.ntlm, self.ntlm_pending = None, owner.new_ntlm_context()
                    answer = owner.ntlm_step(self.ntlm_pending, raw)
                    challenge = f"{scheme} {base64.b64encode(answer).decode('ascii')}"
                    self._reply(401, b"", {"WWW-Authenticate": challenge})
                    return
                if self.ntlm_pending is None:
                    raise spnego.exceptions.InvalidTokenError(context_msg="authenticate without negotiate")
                owner.ntlm_step(self.ntlm_pending, raw)
                self.ntlm, self.ntlm_pending = self.ntlm_pending, None
            except spnego.exceptions.SpnegoError:
                self.ntlm = self.ntlm_pending = None
                self._reply(401, b"", {"WWW-Authenticate": "Negotiate"})
                return
        if self.ntlm is None:
            self._reply(401, b"", {"WWW-Authenticate": "Negotiate"})
            return
        if not body:
            with owner._lock:
                owner.actions.append("auth")
            self._reply(200, b"")  # pywinrm's empty POST that primes message encryption
            return
        encrypted = "multipart/encrypted" in self.headers.get("Content-Type", "")
        if encrypted:
            with owner._lock:
                owner.encrypted_requests += 1
            try:
                body = self._unwrap(body)
            except Exception:  # a message sealed for another connection's context
                self._reply(400, b"")
                return
        self._serve_soap(owner, body, encrypted=encrypted)

    def _unwrap(self, body: bytes) -> bytes:
        parts = [part for part in body.split(BOUNDARY + b"\r\n") if part]
        payload = parts[1]
        if payload.endswith(BOUNDARY + b"--\r\n"):
            payload = payload[: -len(BOUNDARY + b"--\r\n")]
        payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
        (signature_length,) = struct.unpack("<i", payload[:4])
        signature = payload[4 : 4 + signature_length]
        return self.ntlm.unwrap_winrm(signature, payload[4 + signature_length :])

    def _wrap(self, plain: bytes) -> bytes:
        wrapped = self.ntlm.wrap_winrm(plain)
        return (
            BOUNDARY + b"\r\n\tContent-Type: " + ENCRYPTED_PROTOCOL.encode() + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(plain)).encode() + b"\r\n"
            + BOUNDARY + b"\r\n\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<i", len(wrapped.header)) + wrapped.header + wrapped.data
            + BOUNDARY + b"--\r\n"
        )

    # -- SOAP ------------------------------------------------------------------------------------
    def _serve_soap(self, owner: LoopbackWinRM, body: bytes, *, encrypted: bool) -> None:
        try:
            request = owner.parse(body)
        except (ET.ParseError, AttributeError):
            self._reply(400, b"")
            return
        fault = owner.take_fault(request.short)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.kind == "http401":
            challenge = 'Basic realm="WSMAN"' if owner.auth == "basic" else "Negotiate"
            self._reply(401, b"", {"WWW-Authenticate": challenge})
            return
        if fault is not None and fault.kind in ("soap", "timeout"):
            time.sleep(fault.seconds)
            timeout = fault.kind == "timeout"
            code = CODE_OPERATION_TIMEOUT if timeout else fault.code
            status, reply = 500, _fault_envelope(
                request.message_id, code, fault.message, "w:TimedOut" if timeout else "w:InternalError"
            )
        else:
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.seconds)
            status, reply = owner.process(request, fault if fault is not None and fault.kind in OUTPUT_FAULTS else None)
        if encrypted:
            protocol = f'multipart/encrypted;protocol="{ENCRYPTED_PROTOCOL}";boundary="Encrypted Boundary"'
            self._reply(status, self._wrap(reply), {"Content-Type": protocol})
        else:
            self._reply(status, reply)

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        owner = self.server.owner
        if owner.latency_ms:
            time.sleep(owner.latency_ms / 1000)
        self.send_response(status)
        headers = {"Content-Type": "application/soap+xml;charset=UTF-8", **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
