"""The exec's stdin as it goes on the wire, without a server: each websocket frame decoded as
RFC 6455 says a server does, and a framed stream read back by UNFRAME in a local shell."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
from typing import Any

import pytest

from wizard.gateways.kube import exec as kube_exec
from wizard.gateways.kube.exec import FRAME_HEADER, UNFRAME, _Frames, _send


def _read_frames(wire: bytes) -> list[bytes]:
    """Each frame's payload, unmasked; every frame must be final, binary and masked."""
    payloads = []
    at = 0
    while at < len(wire):
        first, second = wire[at], wire[at + 1]
        assert first == 0x82 and second & 0x80, "final binary frames, masked"
        length, at = second & 0x7F, at + 2
        if length == 126:
            (length,), at = struct.unpack("!H", wire[at : at + 2]), at + 2
        elif length == 127:
            (length,), at = struct.unpack("!Q", wire[at : at + 8]), at + 8
        key, at = wire[at : at + 4], at + 4
        body = wire[at : at + length]
        payloads.append(bytes(b ^ key[i % 4] for i, b in enumerate(body)))
        at += length
    return payloads


class _Wire:
    """A socket that keeps what is sent."""

    def __init__(self) -> None:
        self.sent = bytearray()

    def sendall(self, data: Any) -> None:
        self.sent += data


@pytest.mark.parametrize("size", [0, 1, 3, 125, 126, 65_535, 65_536, 70_001])
def test_a_frame_is_channel_zero_and_the_data_masked_with_a_fresh_key(size: int) -> None:
    wire = _Wire()
    frames = _Frames(wire, framed=False, size=1 << 17)
    data = os.urandom(size)
    assert frames.add(memoryview(data)) == size
    assert frames.send() == size
    assert frames.add(memoryview(data)) == size
    frames.send()
    first, second = _read_frames(bytes(wire.sent))
    assert first == second == b"\0" + data
    # A fresh key per frame: the same data twice does not look the same on the wire.
    half = len(wire.sent) // 2
    assert wire.sent[:half] != wire.sent[half:]


def test_framed_data_carries_its_length_and_the_shell_reads_it_back() -> None:
    """Chunks of odd sizes through `_send` as a framed stream, then UNFRAME in a real shell."""

    class Ws:
        sock = type("Sock", (), {"sock": _Wire()})()

        def is_open(self) -> bool:
            return True

    ws = Ws()
    chunks = [os.urandom(n) for n in (1, 4095, 300_000, 5, 1 << 20)]
    seen: list[int] = []
    sent, wrong = _send(ws, chunks, kube_exec.STREAM_END, seen.append, lambda: None)
    stream = b"".join(chunks)
    assert (sent, wrong) == (len(stream), "")
    assert seen[-1] == len(stream)
    payloads = _read_frames(bytes(ws.sock.sock.sent))
    assert all(p[:1] == b"\0" for p in payloads)
    framed = b"".join(p[1:] for p in payloads)
    assert payloads[-1][1:] == b"0".ljust(FRAME_HEADER - 1) + b"\n"  # the end
    # What the pod runs, on this machine's sh and dd: the data comes out whole, and the reader
    # ends at the empty frame though more follows (as stdin would stay open).
    out = subprocess.run(
        ["sh", "-c", f"{UNFRAME}; echo done >&2"],
        input=framed + b"never read",
        capture_output=True,
        check=True,
    )
    assert out.stdout == stream and out.stderr == b"done\n"


def test_a_socket_pair_receives_what_frames_sends() -> None:
    here, there = socket.socketpair()
    with here, there:
        frames = _Frames(here, framed=True, size=4096)
        frames.add(memoryview(b"abc"))
        frames.send()
        wire = there.recv(65536)
    (payload,) = _read_frames(wire)
    assert payload == b"\0" + b"3".ljust(FRAME_HEADER - 1) + b"\n" + b"abc"
