"""One request over plain TCP, read until the server closes it: the Compose side of the Traffic
step's smoke request (a published port answers like any server on the network)."""

from __future__ import annotations

import socket
import time

MAX_ANSWER = 1 << 20  # the status line and headers matter, not a whole page


def exchange(address: str, port: int, request: bytes, deadline_s: float) -> bytes:
    """Send `request` to address:port; what came back when the server closed (or the first
    MAX_ANSWER bytes). TimeoutError when no whole answer comes within `deadline_s`."""
    deadline = time.monotonic() + deadline_s
    with socket.create_connection((address, port), timeout=deadline_s) as sock:
        sock.sendall(request)
        answer = bytearray()
        while len(answer) < MAX_ANSWER:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no whole answer within {deadline_s:g} s")
            sock.settimeout(left)
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    return bytes(answer)
