"""What the benchmarks share: the real test API server, pods made fast, and the Health screen run
in a child process under a pseudo-terminal (benchmarks/_host.py) that reports what it measured.

Every benchmark creates its own namespace (`bench-<name>-<random>`) and deletes it afterwards:
pods are force-deleted first (no kubelet here confirms a graceful deletion), then the namespace.

Pods are created with raw POSTs from a thread pool, with `nodeName` set to a Node that has no
kubelet behind it (no scheduler involved; the environment's real kubelet must never see 5,000
pods, and would overwrite the statuses written here), owned by a Deployment per Compose service
(replicas 0, a selector no pod matches: its controllers leave the pods alone, and the garbage
collector sees a live owner), so the
Health screen files each pod under its service. Their status is then patched to Running/ready the
way a kubelet writes it, so a listed pod is as large as a real running one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pty
import queue
import secrets
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
HOST = HERE / "_host.py"
LABEL = "app=bench"
WORKERS = 32
IMAGE = "local/busybox:1"
MERGE = "application/merge-patch+json"


def kubeconfig() -> str:
    path = os.environ.get("CUTOVER_TEST_ADMIN_KUBECONFIG")
    if not path:
        sys.exit("CUTOVER_TEST_ADMIN_KUBECONFIG is not set: source the test env's env.sh first")
    return path


class Api:
    """Raw JSON requests to the test API server over one pooled ApiClient (thread-safe)."""

    def __init__(self, pool: int = WORKERS) -> None:
        from kubernetes import client, config

        configuration = client.Configuration()
        config.load_kube_config(config_file=kubeconfig(), client_configuration=configuration)
        configuration.connection_pool_maxsize = pool
        configuration.retries = False
        self._api = client.ApiClient(configuration)

    def call(
        self, method: str, path: str, body: Any = None, content_type: str = "application/json"
    ) -> tuple[int, bytes]:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type
        request = self._api.param_serialize(
            method=method,
            resource_path=path,
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        try:
            response = self._api.call_api(*request, _request_timeout=(5, 60))
        except Exception as exc:  # ApiException carries the status
            status = getattr(exc, "status", 0) or 0
            return int(status), str(exc).encode()
        data: bytes = response.read() or b""
        response.response.release_conn()
        return int(response.status), data

    def ok(self, method: str, path: str, body: Any = None, content_type: str = "application/json"):
        status, data = self.call(method, path, body, content_type)
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path}: {status} {data[:300]!r}")
        return json.loads(data) if data else {}

    def close(self) -> None:
        self._api.close()


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_names(api: Api) -> list[str]:
    """The Nodes no kubelet serves (scripts/testenv.sh labels the real one)."""
    path = "/api/v1/nodes?labelSelector=cutover.test%2Fkubelet%21%3Dreal"
    return [n["metadata"]["name"] for n in api.ok("GET", path)["items"]]


@contextlib.contextmanager
def namespace(api: Api, name: str) -> Iterator[str]:
    ns = f"bench-{name}-{secrets.token_hex(3)}"
    api.ok("POST", "/api/v1/namespaces", {"metadata": {"name": ns, "labels": {"bench": name}}})
    try:
        wait_for_token(api, ns)
        yield ns
    finally:
        delete_namespace(api, ns)


def wait_for_token(api: Api, ns: str, timeout: float = 60.0) -> None:
    """Pods are refused until the namespace's default ServiceAccount has its token (v1.20)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, data = api.call("GET", f"/api/v1/namespaces/{ns}/serviceaccounts/default")
        if status == 200 and json.loads(data).get("secrets"):
            return
        time.sleep(0.2)
    raise TimeoutError(f"no token for the default ServiceAccount of {ns} in {timeout:.0f} s")


def delete_namespace(api: Api, ns: str, timeout: float = 180.0) -> None:
    # No kubelet on their nodes: a pod would stay Terminating. Force-delete them all first.
    api.call("DELETE", f"/api/v1/namespaces/{ns}/pods?gracePeriodSeconds=0")
    api.call("DELETE", f"/api/v1/namespaces/{ns}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _ = api.call("GET", f"/api/v1/namespaces/{ns}")
        if status == 404:
            return
        api.call("DELETE", f"/api/v1/namespaces/{ns}/pods?gracePeriodSeconds=0")
        time.sleep(1.0)
    print(f"warning: namespace {ns} still there after {timeout:.0f} s", file=sys.stderr)


def service_names(count: int) -> list[str]:
    return [f"svc{i:02d}" for i in range(count)]


def create_owners(api: Api, ns: str, services: Iterable[str]) -> dict[str, str]:
    """A Deployment per service (replicas 0, matching no pod): service -> its uid."""
    uids = {}
    for svc in services:
        owner = {"bench-owner": svc}
        body = {
            "metadata": {"name": svc, "labels": {"app": "bench"}},
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": owner},
                "template": {
                    "metadata": {"labels": owner},
                    "spec": {"containers": [{"name": "app", "image": IMAGE}]},
                },
            },
        }
        made = api.ok("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body)
        uids[svc] = made["metadata"]["uid"]
    return uids


def pod_body(name: str, svc: str, uid: str, node: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "labels": {"app": "bench", "service": svc, "pod-template-hash": "5d9c7b8f6"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": svc,
                    "uid": uid,
                    "controller": True,
                }
            ],
        },
        "spec": {
            "nodeName": node,
            "containers": [
                {
                    "name": "app",
                    "image": IMAGE,
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "env": [
                        {"name": "SERVICE", "value": svc},
                        {"name": "LOG_LEVEL", "value": "info"},
                    ],
                    "resources": {
                        "requests": {"cpu": "10m", "memory": "16Mi"},
                        "limits": {"memory": "64Mi"},
                    },
                }
            ],
            "terminationGracePeriodSeconds": 5,
        },
    }


def running_status(name: str, index: int, restarts: int = 0, crash: bool = False) -> dict[str, Any]:
    """The status subresource as a kubelet writes it for a running (or crash-looping) pod."""
    at = now_rfc3339()
    digest = hashlib.sha256(name.encode()).hexdigest()
    ready = "False" if crash else "True"
    state: dict[str, Any] = (
        {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 10s restarting failed container=app pod={name}",
            }
        }
        if crash
        else {"running": {"startedAt": at}}
    )
    last: dict[str, Any] = (
        {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": at, "finishedAt": at}}
        if crash
        else {}
    )
    ip = f"10.244.{index // 250}.{index % 250 + 2}"
    return {
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": t, "status": s, "lastProbeTime": None, "lastTransitionTime": at}
                for t, s in (
                    ("Initialized", "True"),
                    ("Ready", ready),
                    ("ContainersReady", ready),
                    ("PodScheduled", "True"),
                )
            ],
            "hostIP": "10.0.0.1",
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": at,
            "containerStatuses": [
                {
                    "name": "app",
                    "state": state,
                    "lastState": last,
                    "ready": not crash,
                    "restartCount": restarts,
                    "image": IMAGE,
                    "imageID": f"docker-pullable://local/busybox@sha256:{digest}",
                    "containerID": f"containerd://{digest}",
                    "started": not crash,
                }
            ],
        }
    }


def make_pods(api: Api, ns: str, per_service: Mapping[str, int]) -> list[str]:
    """Create the pods (thread pool of POSTs), then patch them Running/ready; their names."""
    uids = create_owners(api, ns, per_service)
    nodes = node_names(api)
    jobs = []
    for svc, count in per_service.items():
        for i in range(count):
            jobs.append((f"{svc}-5d9c7b8f6-{i:05d}", svc))
    started = time.perf_counter()

    def create(job: tuple[int, tuple[str, str]]) -> None:
        index, (name, svc) = job
        body = pod_body(name, svc, uids[svc], nodes[index % len(nodes)])
        api.ok("POST", f"/api/v1/namespaces/{ns}/pods", body)

    def run(index_name: tuple[int, str]) -> None:
        index, name = index_name
        path = f"/api/v1/namespaces/{ns}/pods/{name}/status"
        api.ok("PATCH", path, running_status(name, index), MERGE)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(create, enumerate(jobs)))
        created = time.perf_counter()
        names = [name for name, _ in jobs]
        list(pool.map(run, enumerate(names)))
    done = time.perf_counter()
    print(
        f"setup: {len(jobs)} pods created in {created - started:.1f} s, "
        f"patched Running in {done - created:.1f} s ({WORKERS} threads)"
    )
    return names


def write_project(directory: Path, services: Iterable[str]) -> Path:
    """A compose.yaml with these services (the Health screen maps each to the workload of the
    same name)."""
    lines = ["services:"]
    for svc in services:
        lines += [f"  {svc}:", f"    image: {IMAGE}"]
    path = directory / "compose.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


# --- the Health screen in a child process, under a pty -----------------------------------------


@dataclass
class HostRun:
    """A running _host.py: its messages (JSON lines on a pipe) and the bytes it wrote to its
    terminal, with their arrival times."""

    proc: subprocess.Popen[bytes]
    master: int
    messages: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    writes: list[tuple[float, int]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)  # every message taken so far
    tmp: tempfile.TemporaryDirectory[str] | None = None
    stderr_path: str = ""

    def expect(self, kind: str, timeout: float = 120.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {kind!r} from the host within {timeout:.0f} s")
            try:
                message = self.messages.get(timeout=min(left, 1.0))
            except queue.Empty:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the host exited ({self.proc.returncode})") from None
                continue
            self.log.append(message)
            if message.get("kind") == "error":
                raise RuntimeError("the host failed:\n" + message["traceback"])
            if message.get("kind") == kind:
                return message

    def terminal_bytes(self, since: float, until: float | None = None) -> tuple[int, int]:
        """(bytes, writes) the host wrote to its terminal in [since, until)."""
        chosen = [n for t, n in list(self.writes) if t >= since and (until is None or t < until)]
        return sum(chosen), len(chosen)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.master, b"q")  # the host's own quit key
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(OSError):
            os.close(self.master)
        if self.tmp is not None:
            self.tmp.cleanup()


def start_host(
    ns: str,
    services: list[str],
    mode: str,
    size: tuple[int, int] = (160, 48),
    extra_env: Mapping[str, str] | None = None,
) -> HostRun:
    """Run _host.py on `ns` under a pty of `size` (columns, rows)."""
    tmp = tempfile.TemporaryDirectory(prefix="cutover-bench-")
    project = write_project(Path(tmp.name), services)
    read_fd, write_fd = os.pipe()
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    env = dict(os.environ)
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(size[0]),
        LINES=str(size[1]),
        BENCH_FD=str(write_fd),
        BENCH_NS=ns,
        BENCH_MODE=mode,
        BENCH_PROJECT=str(project),
        BENCH_KUBECONFIG=kubeconfig(),
    )
    env.update(extra_env or {})
    proc = subprocess.Popen(
        [sys.executable, str(HOST)],
        stdin=slave,
        stdout=slave,
        stderr=slave,  # Textual writes the screen to stderr
        pass_fds=(write_fd,),
        env=env,
        start_new_session=True,
        cwd=str(HERE.parent),
    )
    os.close(slave)
    os.close(write_fd)
    run = HostRun(proc, master, tmp=tmp)

    def pump_terminal() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            run.writes.append((time.time(), len(data)))

    def pump_messages() -> None:
        with os.fdopen(read_fd, "rb") as pipe:
            for line in pipe:
                with contextlib.suppress(ValueError):
                    run.messages.put(json.loads(line))

    threading.Thread(target=pump_terminal, daemon=True).start()
    threading.Thread(target=pump_messages, daemon=True).start()
    return run


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores{', ' + model if model else ''}"
