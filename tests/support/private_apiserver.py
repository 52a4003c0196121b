"""A private, second kube-apiserver on the shared test environment, for tests that kill one.

The shared kube-apiserver of `scripts/testenv.sh up` serves every other test, so it is never
stopped. A test that needs an API server to die and come back starts its own instead: the same
binary with the same flags (read from the running shared process: same etcd, service-account
keys, token file, service range), but its own free loopback port and its own ``--cert-dir``.
It therefore sees the same objects as the shared one::

    server = PrivateApiServer.from_testenv(env.state, tmp_path)
    try:
        server.start()
        server.wait_ready()
        server.write_kubeconfig(tmp_path / "kubeconfig")
        server.kill()                 # SIGKILL, like a crashed control plane
        server.start()                # again, on the same port
    finally:
        server.stop()

Its ``--endpoint-reconciler-type=none`` keeps it from rewriting the ``default/kubernetes``
Endpoints to its own port (the shared server owns them). Output goes to ``log``; every start
appends to it, and ``log_tail()`` gives the end for a failure message.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# Flags of the shared server that are this instance's own.
# The shared server binds the host side of the environment's veth (for its kubelet); this one
# needs no kubelet and stays on loopback.
_OWN_FLAGS = (
    "--secure-port",
    "--cert-dir",
    "--endpoint-reconciler-type",
    "--bind-address",
    "--advertise-address",
)


class ApiServerFailed(Exception):
    """The private API server exited or did not get ready; the message has its log's tail."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shared_apiserver_command(state: Path) -> list[str]:
    """The command line of the shared kube-apiserver, from its pidfile under `state`."""
    pid = (state / "pids" / "kube-apiserver.pid").read_text().strip()
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    command = [arg.decode() for arg in argv]
    if not command or Path(command[0]).name != "kube-apiserver":
        raise ApiServerFailed(f"pid {pid} of {state}/pids/kube-apiserver.pid is not kube-apiserver")
    return command


def admin_token(state: Path) -> str:
    for line in (state / "k8s" / "tokens.csv").read_text().splitlines():
        fields = line.split(",")
        if len(fields) >= 2 and fields[1] == "admin":
            return fields[0]
    raise ApiServerFailed(f"no admin token in {state}/k8s/tokens.csv")


def write_kubeconfig(path: Path, server: str, ca_file: Path, token: str) -> Path:
    """A one-context kubeconfig: bearer `token` at `server`, trusting `ca_file`."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "private",
                "cluster": {"server": server, "certificate-authority": str(ca_file)},
            }
        ],
        "users": [{"name": "admin", "user": {"token": token}}],
        "contexts": [{"name": "admin@private", "context": {"cluster": "private", "user": "admin"}}],
        "current-context": "admin@private",
    }
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)
    return path


@dataclass
class PrivateApiServer:
    command: list[str]  # the shared server's, without the flags in _OWN_FLAGS
    workdir: Path  # holds certs/ and apiserver.log
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def from_testenv(cls, state: Path, workdir: Path) -> PrivateApiServer:
        shared = shared_apiserver_command(state)
        kept = [arg for arg in shared if not arg.startswith(tuple(f + "=" for f in _OWN_FLAGS))]
        return cls(kept, workdir)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def cert_dir(self) -> Path:
        return self.workdir / "certs"

    @property
    def ca_file(self) -> Path:
        """The self-signed serving cert the server writes into its cert dir on first start
        (and reuses on later starts): clients trust it as their CA."""
        return self.cert_dir / "apiserver.crt"

    @property
    def log(self) -> Path:
        return self.workdir / "apiserver.log"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start it (again) on `port`; returns at once: `wait_ready()` waits."""
        if self.running():
            raise ApiServerFailed(f"already running as pid {self.pid}")
        self.cert_dir.mkdir(parents=True, exist_ok=True)
        args = [
            *self.command,
            f"--secure-port={self.port}",
            f"--cert-dir={self.cert_dir}",
            "--endpoint-reconciler-type=none",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
        ]
        with self.log.open("ab") as out:
            out.write(f"\n==== start {time.strftime('%H:%M:%S')}: {' '.join(args)}\n".encode())
            out.flush()
            # Its own session: a Ctrl-C of pytest's process group does not hit it; stop() does.
            self.process = subprocess.Popen(
                args,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def ready(self) -> bool:
        """Whether /readyz answers 200 (open to anyone by the default RBAC rules)."""
        if not self.ca_file.exists():
            return False
        try:
            context = ssl.create_default_context(cafile=str(self.ca_file))
            with urllib.request.urlopen(f"{self.url}/readyz", context=context, timeout=2) as r:
                return bool(r.status == 200)
        except (OSError, ssl.SSLError):
            return False

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Poll /readyz until it answers or `timeout` passes; returns the seconds it took."""
        began = time.monotonic()
        while not self.ready():
            if not self.running():
                raise ApiServerFailed(
                    f"kube-apiserver exited; last lines of {self.log}:\n" + self.log_tail()
                )
            if time.monotonic() - began > timeout:
                raise ApiServerFailed(
                    f"kube-apiserver not ready after {timeout} s; last lines of {self.log}:\n"
                    + self.log_tail()
                )
            time.sleep(0.1)
        return time.monotonic() - began

    def kill(self) -> None:
        """SIGKILL it by pid, and reap it: no graceful shutdown, open connections just drop."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    stop = kill  # the finalizer's name for it: safe to call any time, any number of times

    def write_kubeconfig(self, path: Path, token: str) -> Path:
        """A kubeconfig for `token` at this server, trusting its generated CA (start it first,
        so the file exists: the client reads it when the kubeconfig is loaded)."""
        return write_kubeconfig(path, self.url, self.ca_file, token)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no log: {exc})"
