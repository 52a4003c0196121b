"""A command in a pod's container through the exec API, with a stdin stream.

A command that reads stdin to its end (`tar -x`, `pg_restore`) must be told where the end is.
With stdin, the exec goes over SPDY/3.1 first (spdy.py), as `kubectl exec -i` does: it closes
stdin's half of the stream at the end, and costs the kubelet less than half the CPU of the
websocket. Where the server does not upgrade to SPDY, the Kubernetes Python client's websocket
`v4.channel.k8s.io` is used, which before Kubernetes 1.29 has no way to close stdin (`v5` added
that): a `tar -x` would get every byte and then wait for an end that never comes. So over the
websocket the end is said in the stream itself: either its length is known beforehand
(`stdin_length`: the command reads exactly that much), or it goes *framed*
(`stdin_length=STREAM_END`): each websocket frame's data starts with its own length, and the
command is run behind `UNFRAME`, which passes the data on and ends at an empty frame.
`run_in_pod` checks that a stream of a known length delivered it.

The websocket's stdin goes out through `_Frames`, not the client's `write_stdin`: measured on
512 MiB into `dd of=/dev/null` on the test environment, the client's path ran at 68 MiB/s with
2.8 s of this process's CPU (websocket-client masks every frame in pure Python and copies the
payload about six times), `_Frames` at 104 MiB/s with 0.35 s. SPDY: 128 MiB/s.

Exec is a write at the API server (`create` on `pods/exec`); the caller refuses it in read-only
mode before anything is sent (see KubeCluster.exec_in).
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from queue import Full, Queue
from typing import Any

from wizard.gateways.kube.spdy import NotUpgraded, SpdyExec, exit_code
from wizard.model import ExecResult

# One websocket frame of stdin. The kubelet reads each frame whole (growing a buffer as it goes)
# and unmasks it a byte at a time: 512 MiB sent here cost it 4.5 s of CPU in 32 KiB to 1 MiB
# frames, 3.3 s in 2 to 16 MiB ones (its limit is 32 MiB). Progress moves once a frame.
FRAME = 8 << 20
# Keep at most this much of stdout and stderr (a verification listing is larger: see `keep`).
KEEP_DEFAULT = 1 << 20
# `stdin_length` for a stream whose length is not known: the command reads stdin to its end.
STREAM_END = -1
# A frame's own header in framed mode: its data's length in decimal, spaces after, a newline.
FRAME_HEADER = 16
# The reader of a framed stream, a shell pipeline stage: per frame, `dd` reads the header, then
# exactly that many bytes (`iflag=fullblock`: a pipe hands out less at a time; busybox's and
# coreutils' dd both have it). `head -c` would read past a frame's end through stdio's buffer,
# and busybox's reads a byte at a time (3.4 s of the pod's CPU per GiB here).
UNFRAME = (
    "while n=$(dd bs=16 count=1 iflag=fullblock status=none) && [ ${n:-0} -gt 0 ]; do "
    "dd bs=$n count=1 iflag=fullblock status=none || exit 1; done"
)


def prefetched(chunks: Iterable[bytes], depth: int = 8) -> Iterator[bytes]:
    """`chunks`, read ahead by a thread (at most `depth` chunks held): reading the source and
    writing the websocket then overlap instead of taking turns (a third faster here). The
    source's errors arrive where its chunks would have."""
    queue: Queue[tuple[bytes | None, BaseException | None]] = Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        queue.put((chunk, None), timeout=0.5)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put((None, None))
        except BaseException as exc:  # handed to the consumer, raised there
            queue.put((None, exc))

    reader = threading.Thread(target=read, name="exec-stdin-reader", daemon=True)
    reader.start()
    try:
        while True:
            chunk, error = queue.get()
            if error is not None:
                raise error
            if chunk is None:
                return
            yield chunk
    finally:
        stop.set()
        reader.join(timeout=5)


class StdinMismatch(Exception):
    """The stdin stream did not hold the number of bytes promised for it."""


# Room before the data in `_Frames`' buffer for a frame's head (at most 2 + 8 length + 4 mask +
# 1 channel = 15 bytes): the data starts 4-aligned, so numpy masks it as 32-bit words in place.
_HEAD = 16


class _Frames:
    """Stdin's websocket frames written straight onto the connection's socket: one buffer for
    every frame, the data copied in once, masked in place by numpy, head and data sent in one
    call. A client must mask what it sends (RFC 6455 5.3), with a fresh random key per frame.
    `framed`: each frame's data starts with FRAME_HEADER bytes saying its length."""

    def __init__(self, sock: Any, framed: bool, size: int = FRAME) -> None:
        import numpy

        self._numpy = numpy
        self._sock = sock
        self._size = size
        self._own = FRAME_HEADER if framed else 0
        # +4: the last word masked may overhang what is sent.
        self._buffer = bytearray(_HEAD + self._own + size + 4)
        self._view = memoryview(self._buffer)
        self._words = numpy.frombuffer(self._buffer, dtype=numpy.uint32)
        self.filled = 0

    def add(self, data: memoryview) -> int:
        """Copy as much of `data` as the frame has room for; how much that was."""
        take = min(len(data), self._size - self.filled)
        start = _HEAD + self._own + self.filled
        self._view[start : start + take] = data[:take]
        self.filled += take
        return take

    @property
    def full(self) -> bool:
        return self.filled == self._size

    def send(self) -> int:
        """Send what was added as one binary frame on channel 0 (stdin); its data's length."""
        length, self.filled = self.filled, 0
        if self._own:
            self._view[_HEAD : _HEAD + self._own] = f"{length:<{self._own - 1}}\n".encode()
        body = self._own + length
        key = os.urandom(4)
        payload = body + 1  # the channel byte first
        if payload < 126:
            head = struct.pack("!BB", 0x82, 0x80 | payload)
        elif payload < 1 << 16:
            head = struct.pack("!BBH", 0x82, 0x80 | 126, payload)
        else:
            head = struct.pack("!BBQ", 0x82, 0x80 | 127, payload)
        head += key + bytes([key[0]])  # the channel byte, 0, masked with the key's first byte
        # The body is payload byte 1 onwards: its mask starts at the key's second byte.
        word = self._numpy.frombuffer(key[1:] + key[:1], dtype=self._numpy.uint32)[0]
        words = self._words[_HEAD // 4 : _HEAD // 4 + (body + 3) // 4]
        self._numpy.bitwise_xor(words, word, out=words)
        start = _HEAD - len(head)
        self._view[start:_HEAD] = head
        self._sock.sendall(self._view[start : _HEAD + body])
        return length


def run_in_pod(
    api: Any,
    namespace: str,
    pod: str,
    container: str,
    command: Sequence[str],
    stdin: Iterable[bytes] | None = None,
    stdin_length: int = 0,
    on_sent: Callable[[int], None] | None = None,
    keep: int = KEEP_DEFAULT,
    timeout: float = 3600.0,
) -> ExecResult:
    """Run `command`; feed it `stdin` (exactly `stdin_length` bytes: fewer are padded with
    zeros, more are cut, and StdinMismatch says so once the command has ended; or STREAM_END:
    the command reads stdin to its end); return its exit code and output. `on_sent(total)` after
    each piece sent, counting the stream's bytes only. A command that ends before it has read
    everything is not an error here: its exit code and stderr say why, `sent` how far it got.
    Library errors propagate: the caller turns them into GatewayErrors."""
    if stdin is not None:
        try:
            spdy = SpdyExec(api, namespace, pod, container, command)
        except NotUpgraded:
            pass  # the websocket, below
        else:
            return _over_spdy(spdy, stdin, stdin_length, on_sent, keep, timeout)
    return over_websocket(
        api, namespace, pod, container, command, stdin, stdin_length, on_sent, keep, timeout
    )


def _over_spdy(
    spdy: SpdyExec,
    stdin: Iterable[bytes],
    length: int,
    on_sent: Callable[[int], None] | None,
    keep: int,
    timeout: float,
) -> ExecResult:
    sent = 0
    mismatch = ""
    try:
        try:
            for chunk in prefetched(stdin):
                data = memoryview(chunk)
                if length != STREAM_END and sent + len(data) > length:
                    mismatch = f"the stream went on past the {length} bytes announced"
                    data = data[: length - sent]
                spdy.send(data)
                sent += len(data)
                if on_sent is not None:
                    on_sent(sent)
                if mismatch or not spdy.open:
                    break
            if length != STREAM_END and sent < length and spdy.open:
                mismatch = mismatch or f"the stream ended after {sent} of {length} bytes"
                zeros = memoryview(bytes(FRAME))
                while sent < length and spdy.open:
                    spdy.send(zeros[: length - sent])
                    sent += min(FRAME, length - sent)
            spdy.close_stdin()
        except OSError:
            pass  # the command ended, or the connection broke: `finish` says which
        result = spdy.finish(keep, timeout)
    finally:
        spdy.close()
    if mismatch:
        raise StdinMismatch(mismatch)
    return ExecResult(result.exit_code, result.stdout, result.stderr, sent)


def over_websocket(
    api: Any,
    namespace: str,
    pod: str,
    container: str,
    command: Sequence[str],
    stdin: Iterable[bytes] | None,
    stdin_length: int,
    on_sent: Callable[[int], None] | None,
    keep: int = KEEP_DEFAULT,
    timeout: float = 3600.0,
) -> ExecResult:
    """`run_in_pod` over the client's websocket (where SPDY is not to be had)."""
    from kubernetes import client
    from kubernetes.stream import stream
    from websocket import WebSocketConnectionClosedException

    if stdin is not None and stdin_length == STREAM_END:
        # The websocket cannot close stdin here: the stream goes framed, read by UNFRAME.
        command = ["sh", "-c", f'{UNFRAME} | exec "$@"', "sh", *command]

    core = client.CoreV1Api(api)
    ws = stream(
        core.connect_get_namespaced_pod_exec,
        pod,
        namespace,
        container=container,
        command=list(command),
        stdin=stdin is not None,
        stdout=True,
        stderr=True,
        tty=False,
        binary=True,
        _preload_content=False,
    )
    out, err = bytearray(), bytearray()
    lost = False

    def drain(wait: float = 0) -> None:
        nonlocal lost
        if lost:
            return
        try:
            ws.update(timeout=wait)
        except (WebSocketConnectionClosedException, OSError):
            # A command that ends while its stdin still comes: the server drops the connection
            # with bytes unread, which may take its last frames (the exit code) with it; or a
            # write of ours broke off there, and the TLS session refuses the client's answer to
            # the server's close (SSL BAD_LENGTH). What arrived before is kept.
            lost = True
        for channel, buffer in ((1, out), (2, err)):
            data = ws.read_channel(channel)
            if data and len(buffer) < keep:
                buffer += data[: keep - len(buffer)]

    sent = 0
    mismatch = ""
    deadline = time.monotonic() + timeout
    try:
        if stdin is not None:
            sent, mismatch = _send(ws, stdin, stdin_length, on_sent, drain)
        while ws.is_open() and not lost:
            if time.monotonic() > deadline:
                raise TimeoutError(f"`{' '.join(command)}` did not end within {timeout:.0f} s")
            drain(1.0)
        drain()
        if lost:
            status = ws.read_channel(3)
            if not status:
                raise ConnectionResetError(
                    f"the connection of `{' '.join(command)}` ended before its exit code came "
                    f"(after {sent} bytes of stdin)"
                )
            code, said = exit_code(status if isinstance(status, bytes) else status.encode())
            err[:0] = said.encode() + b"\n" if said else b""
        else:
            code = ws.returncode
    finally:
        ws.close()
    if mismatch:
        raise StdinMismatch(mismatch)
    return ExecResult(int(code or 0), bytes(out), bytes(err), sent)


def _send(
    ws: Any,
    stdin: Iterable[bytes],
    length: int,
    on_sent: Callable[[int], None] | None,
    drain: Callable[[], None],
) -> tuple[int, str]:
    """Write `stdin`, as `length` bytes or framed: (bytes of it sent, what was wrong with the
    stream or ""). Stops early, quietly, when the command ends or the connection drops (the exit
    code or the caller's next read says so)."""
    framed = length == STREAM_END
    frames = _Frames(ws.sock.sock, framed)
    sent = 0
    mismatch = ""

    def flush() -> bool:
        nonlocal sent
        if not ws.is_open():
            return False
        try:
            sent += frames.send()
        except OSError:
            return False  # the other side closed: what it said is read after
        if on_sent is not None:
            on_sent(sent)
        drain()
        return True

    open_ = True
    for chunk in prefetched(stdin):
        data = memoryview(chunk)
        if not framed and sent + frames.filled + len(data) > length:
            mismatch = f"the stream went on past the {length} bytes announced"
            data = data[: length - sent - frames.filled]
        while data and open_:
            data = data[frames.add(data) :]
            if frames.full:
                open_ = flush()
        if mismatch or not open_:
            break
    if open_ and frames.filled:
        open_ = flush()
    if framed:
        if open_:
            flush()  # the empty frame: the end
        return sent, ""
    if open_ and sent < length:
        if not mismatch:
            mismatch = f"the stream ended after {sent} of {length} bytes"
        # Zeros after a tar archive's end are read as more end: the command finishes.
        zeros = memoryview(bytes(FRAME))
        while open_ and sent < length:
            frames.add(zeros[: length - sent])
            open_ = flush()
    return sent, mismatch
