"""A real DNS server for the Traffic step's name checks: dnsmasq (Debian's dnsmasq-base,
installed by scripts/testenv.sh) on 127.0.0.1 and a port of its own, answering only the records a
test gives it, with their TTLs. `change()` restarts it on the same port with new records (what an
operator's DNS change looks like to a client that asks again)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from wizard.gateways.dns import DnsResolver

Records = Mapping[str, tuple[str, int]]  # host -> (address, TTL seconds)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DnsServer:
    """`detached`: in a session of its own, so it outlives this process (the sandbox CLI starts
    it and exits; `stop_pid` ends it later)."""

    def __init__(self, records: Records, detached: bool = False) -> None:
        self.binary = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        self.port = _free_udp_port()
        self.address = f"127.0.0.1:{self.port}"
        self.detached = detached
        self._process: subprocess.Popen[bytes] | None = None
        self.change(records)

    @property
    def pid(self) -> int:
        return self._process.pid if self._process is not None else 0

    def change(self, records: Records) -> None:
        """Serve `records` from now on (the server restarts on the same port)."""
        self.stop()
        args = [
            self.binary,
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--bind-interfaces",
            "--listen-address=127.0.0.1",
            f"--port={self.port}",
            "--user=root",
            "--pid-file=",
        ]
        args += [f"--host-record={host},{addr},{ttl}" for host, (addr, ttl) in records.items()]
        self._process = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if self.detached else subprocess.PIPE,
            start_new_session=self.detached,
        )
        self._wait_serving(next(iter(records), "nothing.test"))

    def _wait_serving(self, host: str, timeout_s: float = 10) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                said = self._process.stderr.read().decode() if self._process.stderr else ""
                pytest.fail(f"dnsmasq ended at start: {said}")
            if "did not answer" not in DnsResolver().ask_server(host, self.address, 0.2).error:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"dnsmasq did not answer on {self.address} within {timeout_s} s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)
        self._process = None


@contextmanager
def dns_server(records: Records) -> Iterator[DnsServer]:
    if not (shutil.which("dnsmasq") or os.path.exists("/usr/sbin/dnsmasq")):
        pytest.skip("dnsmasq is not installed (scripts/testenv.sh installs dnsmasq-base)")
    server = DnsServer(records)
    try:
        yield server
    finally:
        server.stop()


def stop_pid(pid: int) -> None:
    """End a detached server by its pid, when that pid is still a dnsmasq (never another's)."""
    try:
        command = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return
    if command == "dnsmasq":
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
