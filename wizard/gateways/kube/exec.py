"""A command in a pod's container through the exec API, with a bounded stdin stream.

The Kubernetes Python client speaks the websocket `v4.channel.k8s.io` protocol, and Kubernetes
before 1.29 has no way to close a command's stdin over it (`v5` added that): a `tar -x` that
reads stdin gets every byte and then waits for an end that never comes. So whoever sends a stream
says beforehand how long it is, and the command reads exactly that much (`head -c N | tar -x`);
`run_in_pod` checks that the stream delivered what was promised.

Exec is a write at the API server (`create` on `pods/exec`); the caller refuses it in read-only
mode before anything is sent (see KubeCluster.exec_in).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from queue import Full, Queue
from typing import Any

from wizard.model import ExecResult

# One websocket frame of stdin: large enough that per-frame costs vanish, small enough that
# progress moves and stdout/stderr are drained between frames.
FRAME = 1024 * 1024
# Keep at most this much of stdout and stderr (a verification listing is larger: see `keep`).
KEEP_DEFAULT = 1 << 20


def prefetched(chunks: Iterable[bytes], depth: int = 4) -> Iterator[bytes]:
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
    zeros, more are cut, and StdinMismatch says so once the command has ended); return its exit
    code and output. `on_sent(total)` after each frame. Library errors propagate: the caller
    turns them into GatewayErrors."""
    from kubernetes import client
    from kubernetes.stream import stream

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

    def drain(wait: float = 0) -> None:
        ws.update(timeout=wait)
        for channel, buffer in ((1, out), (2, err)):
            data = ws.read_channel(channel)
            if data and len(buffer) < keep:
                buffer += data[: keep - len(buffer)]

    sent = 0
    mismatch = ""
    deadline = time.monotonic() + timeout
    try:
        if stdin is not None:
            for chunk in prefetched(stdin):
                if sent + len(chunk) > stdin_length:
                    mismatch = f"the stream went on past the {stdin_length} bytes announced"
                    chunk = chunk[: stdin_length - sent]
                for start in range(0, len(chunk), FRAME):
                    if not ws.is_open():
                        break
                    ws.write_stdin(bytes(chunk[start : start + FRAME]))
                    sent += min(FRAME, len(chunk) - start)
                    if on_sent is not None:
                        on_sent(sent)
                    drain()
                if mismatch or not ws.is_open():
                    break
            if sent < stdin_length and ws.is_open():
                if not mismatch:
                    mismatch = f"the stream ended after {sent} of {stdin_length} bytes"
                # Zeros after a tar archive's end are read as more end: the command finishes.
                while sent < stdin_length and ws.is_open():
                    pad = min(FRAME, stdin_length - sent)
                    ws.write_stdin(bytes(pad))
                    sent += pad
        while ws.is_open():
            if time.monotonic() > deadline:
                raise TimeoutError(f"`{' '.join(command)}` did not end within {timeout:.0f} s")
            drain(1.0)
        drain()
        code = ws.returncode
    finally:
        ws.close()
    if mismatch:
        raise StdinMismatch(mismatch)
    return ExecResult(int(code or 0), bytes(out), bytes(err), sent)
