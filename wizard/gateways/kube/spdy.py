"""An exec with stdin over SPDY/3.1, the protocol `kubectl exec -i` speaks, for streams; the
same session carries a port-forward (wizard.gateways.kube.portforward).

Why not only the client's websocket (exec.py): on the same 512 MiB into `dd` in a pod, the
kubelet spent 3.3 s of CPU reading websocket frames (it unmasks them a byte at a time and grows a
buffer per frame) and 1.9 s reading SPDY data frames; SPDY has no masking on the client either, and
it can half-close stdin, so a stream needs neither a length nor framing. The Kubernetes Python
client has no SPDY; this is the small part of it an exec needs (RFC-like draft:
https://www.chromium.org/spdy/spdy-protocol/spdy-protocol-draft3-1/):
- the upgrade: a POST to the exec URL with `Upgrade: SPDY/3.1` and the
  `v4.channel.k8s.io` sub-protocol, the client's own TLS and credentials;
- four streams, as kubectl opens them (SYN_STREAM with a `streamtype` header): error, stdin,
  stdout, stderr; stdin's data in DATA frames, then an empty one with FLAG_FIN (the half-close);
- the replies read until the connection ends: stdout, stderr, and the error stream's status
  (the exit code). PINGs are answered; SYN_REPLY, SETTINGS, WINDOW_UPDATE and HEADERS are
  skipped (Kubernetes' SPDY library does no flow control). The header blocks are zlib-compressed
  without the SPDY dictionary (a reader uses it only when the block says so); the server's are
  never decompressed (nothing in them is needed).

A server that does not upgrade (a proxy without SPDY, say) raises NotUpgraded: the caller uses the
websocket instead. A refusal (401, 403, 404) is the client's ApiException, with the server's
status and words.
"""

from __future__ import annotations

import json
import select
import socket
import ssl
import struct
import time
import zlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from wizard.model import ExecResult

ERROR, STDIN, STDOUT, STDERR = 1, 3, 5, 7  # stream ids, in kubectl's order
_NAMES = {ERROR: "error", STDIN: "stdin", STDOUT: "stdout", STDERR: "stderr"}
_FIN = 0x01
_SYN_STREAM, _RST_STREAM, _PING, _GOAWAY = 1, 3, 6, 7
# The largest DATA frame SPDY allows is 2^24 - 1 bytes; the kubelet reads each whole.
MAX_DATA = (1 << 24) - 1


class NotUpgraded(Exception):
    """The server answered the upgrade with something else: use the websocket."""


class SpdySession:
    """One upgraded SPDY/3.1 connection to a pod subresource (exec, portforward): the upgrade,
    opening streams, DATA frames out, frames in. Subclasses say what a stream's data means."""

    def __init__(self, api: Any, path_and_query: str, protocol: str) -> None:
        config = api.configuration
        if getattr(config, "proxy", None):
            raise NotUpgraded("an HTTP proxy is configured: the websocket goes through it")
        url = urlsplit(config.host)
        self._sock = _connect(config, url)
        headers = {
            "Host": url.netloc,
            "Connection": "Upgrade",
            "Upgrade": "SPDY/3.1",
            "X-Stream-Protocol-Version": protocol,
            "Content-Length": "0",
            **_auth(config),
        }
        path = f"{url.path.rstrip('/')}{path_and_query}"
        request = f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._sock.sendall(request.encode("latin-1") + b"\r\n")
        self._buffer = bytearray()
        status, head = self._response()
        if status != 101:
            self._sock.close()
            if status in (401, 403, 404):
                # A refusal: the client's own error, with the status the server gave (the
                # websocket's handshake failure would say status 0).
                from kubernetes.client.exceptions import ApiException

                error = ApiException(status=status, reason=head)
                error.body = bytes(self._buffer).decode("utf-8", "replace")
                raise error
            raise NotUpgraded(f"{status} {head}")
        self._zlib = zlib.compressobj()
        self._ended: set[int] = set()
        self._closed = False

    # --- sending -------------------------------------------------------------------------------

    def send_data(self, stream: int, data: memoryview | bytes) -> None:
        """A stream's next bytes, in DATA frames; what the server sent meanwhile is read too."""
        for start in range(0, len(data), MAX_DATA):
            piece = data[start : start + MAX_DATA]
            self._sock.sendall(struct.pack("!II", stream, len(piece)))
            self._sock.sendall(piece)
        self.pump(0)

    def half_close(self, stream: int) -> None:
        """An empty DATA frame with FLAG_FIN: the other side reads the end of that stream."""
        self._sock.sendall(struct.pack("!II", stream, _FIN << 24))

    def on_data(self, stream: int, body: bytes) -> None:
        """A DATA frame's bytes for `stream` (FIN is noted in `_ended` by the caller)."""

    @property
    def open(self) -> bool:
        return not self._closed

    def _syn_stream(self, stream: int, headers: dict[str, str]) -> None:
        block = struct.pack("!I", len(headers))
        for name, value in headers.items():
            block += struct.pack("!I", len(name)) + name.encode()
            block += struct.pack("!I", len(value)) + value.encode()
        packed = self._zlib.compress(block) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        body = struct.pack("!IIBB", stream, 0, 0, 0) + packed
        self._control(_SYN_STREAM, 0, body)

    def _control(self, kind: int, flags: int, body: bytes) -> None:
        self._sock.sendall(struct.pack("!HHI", 0x8003, kind, flags << 24 | len(body)) + body)

    # --- receiving -----------------------------------------------------------------------------

    def pump(self, wait: float) -> None:
        """Read and handle the frames that arrive within `wait` seconds (0: those here now)."""
        while not self._closed:
            pending = isinstance(self._sock, ssl.SSLSocket) and self._sock.pending()
            if not pending and not select.select([self._sock], [], [], wait)[0]:
                return
            data = self._sock.recv(1 << 20)
            if not data:
                self._closed = True
                return
            self._buffer += data
            self._frames()
            wait = 0

    def close(self) -> None:
        self._closed = True
        self._sock.close()

    def _frames(self) -> None:
        buffer = self._buffer
        at = 0
        while len(buffer) - at >= 8:
            first, second = struct.unpack_from("!II", buffer, at)
            flags, length = second >> 24, second & 0xFFFFFF
            if len(buffer) - at - 8 < length:
                break
            body = bytes(buffer[at + 8 : at + 8 + length])
            at += 8 + length
            if first & 0x80000000:
                self._on_control((first >> 16) & 0x7FFF, first & 0xFFFF, body)
            else:
                self._on_data(first & 0x7FFFFFFF, flags, body)
        del buffer[:at]

    def _on_data(self, stream: int, flags: int, body: bytes) -> None:
        if body:
            self.on_data(stream, body)
        if flags & _FIN:
            self._ended.add(stream)

    def _on_control(self, version: int, kind: int, body: bytes) -> None:
        if kind == _PING:
            self._control(_PING, 0, body)  # answered with the same id
        elif kind == _RST_STREAM:
            stream, _ = struct.unpack_from("!II", body)
            self._ended.add(stream & 0x7FFFFFFF)
        elif kind == _GOAWAY:
            self._closed = True

    def _response(self) -> tuple[int, str]:
        """The upgrade's answer: (status, its reason)."""
        while b"\r\n\r\n" not in self._buffer:
            data = self._sock.recv(65536)
            if not data:
                raise NotUpgraded("the connection closed during the upgrade")
            self._buffer += data
        head, _, rest = bytes(self._buffer).partition(b"\r\n\r\n")
        self._buffer = bytearray(rest)
        status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = status_line.split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        return status, parts[2] if len(parts) > 2 else ""


class SpdyExec(SpdySession):
    """One exec over SPDY: `send` stdin, `close_stdin`, then `finish` for the result."""

    def __init__(
        self, api: Any, namespace: str, pod: str, container: str, command: Sequence[str]
    ) -> None:
        query = urlencode(
            [("command", c) for c in command]
            + [("container", container), ("stdin", "true"), ("stdout", "true")]
            + [("stderr", "true")]
        )
        path = (
            f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(pod, safe='')}/exec"
            f"?{query}"
        )
        super().__init__(api, path, "v4.channel.k8s.io")
        for stream in (ERROR, STDIN, STDOUT, STDERR):
            self._syn_stream(stream, {"streamtype": _NAMES[stream]})
        self.out, self.err, self._status = bytearray(), bytearray(), bytearray()

    def send(self, data: memoryview) -> None:
        """Stdin's next bytes."""
        self.send_data(STDIN, data)

    def close_stdin(self) -> None:
        """The half-close: the command reads the end of its stdin."""
        self.half_close(STDIN)

    def on_data(self, stream: int, body: bytes) -> None:
        into = {STDOUT: self.out, STDERR: self.err, ERROR: self._status}.get(stream)
        if into is not None and len(into) < 1 << 24:
            into += body

    def finish(self, keep: int, deadline_s: float) -> ExecResult:
        """Read until the server closes; the exit code, stdout and stderr (at most `keep` of
        each)."""
        deadline = time.monotonic() + deadline_s
        while not self._closed and not {ERROR, STDOUT, STDERR} <= self._ended:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the command did not end within {deadline_s:.0f} s")
            self.pump(1.0)
        self.close()
        if not self._status.strip():
            # The kubelet always says how a command ended (Success included): nothing said means
            # the connection ended first (a command that stops reading while stdin still comes
            # can take its last words down with it).
            raise ConnectionResetError("the exec's connection ended before its exit code came")
        code, said = exit_code(bytes(self._status))
        err = (said.encode() + b"\n" if said else b"") + bytes(self.err)
        return ExecResult(code, bytes(self.out[:keep]), err[:keep], 0)


# The exit code said for an exec that failed without one (the command could not be started):
# a shell's "found but could not run", with the server's words first on stderr.
NOT_RUN = 126


def exit_code(status: bytes) -> tuple[int, str]:
    """The error stream's v1.Status: (exit code, the server's words when it is no exit code).
    Success is 0; NonZeroExitCode carries the code."""
    if not status.strip():
        return 0, ""
    try:
        found = json.loads(status)
    except ValueError:
        return NOT_RUN, status.decode("utf-8", "replace")
    if found.get("status") == "Success":
        return 0, ""
    for cause in (found.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode" and str(cause.get("message", "")).isdigit():
            return int(cause["message"]), ""
    return NOT_RUN, str(found.get("message") or status.decode("utf-8", "replace"))


def _connect(config: Any, url: Any) -> socket.socket:
    port = url.port or (443 if url.scheme == "https" else 80)
    raw = socket.create_connection((url.hostname, port), timeout=30)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    raw.settimeout(None)
    if url.scheme != "https":
        return raw
    context = ssl.create_default_context(cafile=config.ssl_ca_cert or None)
    if not config.verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif config.assert_hostname is False:
        context.check_hostname = False
    if config.cert_file:
        context.load_cert_chain(config.cert_file, config.key_file)
    name = getattr(config, "tls_server_name", None) or url.hostname
    return context.wrap_socket(raw, server_hostname=name)


def _auth(config: Any) -> dict[str, str]:
    """The client's credentials as headers (a token refreshed by its hook, if it has one)."""
    if getattr(config, "refresh_api_key_hook", None) is not None:
        config.refresh_api_key_hook(config)
    headers = {}
    for setting in config.auth_settings().values():
        if setting.get("in") == "header" and setting.get("value"):
            headers[setting["key"]] = setting["value"]
    return headers
