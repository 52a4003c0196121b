"""The gate and Compose down on the real Docker Engine, with projects brought up by docker-compose v2.

Down goes through the docker SDK (stop, remove, remove network); the assertions go through the
real `docker-compose -p NAME ps -a` and a fresh container reading the kept volume. A lost daemon
is played by a socket proxy in front of the private dockerd that is cut mid-way: the shared
daemon itself is never stopped.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from wizard.checks import Severity
from wizard.compose import load_project
from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.errors import ReadOnlyRefused, Unreachable
from wizard.gate import (
    DownProgress,
    NotConfirmed,
    combine,
    evaluate_gate,
    preview_down,
    rollback,
    take_down,
)
from wizard.gateways.dockerhost import connect_compose_host
from wizard.gateways.factory import build_gateways
from wizard.state.audit import AuditLog
from wizard.state.store import StateFile
from wizard.status import StepStatus

# frontend -> backend -> (postgres, redis); worker -> redis. Stop order: the reverse of start.
SPEC = {
    "services": {
        "frontend": {"depends_on": ["backend"]},
        "backend": {"depends_on": ["postgres", "redis"], "networks": ["default", "backplane"]},
        "worker": {"depends_on": ["redis"]},
        "postgres": {
            "volumes": ["pg_data:/data"],
            "networks": ["backplane"],
            "stop_grace_period": "3s",
        },
        "redis": {},
    },
    "volumes": {"pg_data": {}},
    "networks": {"backplane": {}},
}
STOP_ORDER = ["frontend", "worker", "backend", "redis", "postgres"]

# What the gate says when every step passed: down itself is what these tests are about.
READY = combine([StepStatus("preflight", "Preflight", "ok")])


def _config(project: Any, docker_host: str, **extra: Any) -> CutoverConfig:
    flags = Flags(
        compose_files=[str(project.file)],
        project_name=project.name,
        docker_host=docker_host,
        **extra,
    )
    return resolve_config(flags, env={}, cwd=project.dir)


def _ps(project: Any) -> str:
    return str(project.compose("ps", "-a", "-q").stdout.strip())


def _names(docker_client: Any, project: Any, kind: str) -> list[str]:
    label = {"label": f"com.docker.compose.project={project.name}"}
    found = getattr(docker_client, kind).list(
        filters=label, **({"all": True} if kind == "containers" else {})
    )
    return sorted(x.name for x in found)


@pytest.fixture
def up(
    compose_project: Callable[..., Any], docker_client: Any, compose_bin: str
) -> tuple[Any, Any]:
    """The project running, with a file written into its named volume."""
    project = compose_project(SPEC)
    pg = docker_client.containers.get(f"{project.name}-postgres-1")
    code, _ = pg.exec_run(["sh", "-c", "echo kept > /data/f"])
    assert code == 0
    model = load_project(
        CutoverConfig((project.file,), project.dir, project.name), compose_bin=compose_bin
    )
    return project, model


def _read_volume(docker_client: Any, busybox_image: str, volume: str) -> str:
    out = docker_client.containers.run(
        busybox_image, ["cat", "/data/f"], volumes={volume: {"bind": "/data"}}, remove=True
    )
    return bytes(out).decode().strip()


def test_down_removes_containers_and_networks_keeps_volumes(
    up: tuple[Any, Any], docker_host: str, docker_client: Any, busybox_image: str, tmp_path: Path
) -> None:
    project, model = up
    host = connect_compose_host(docker_host)
    preview = preview_down(host, project.name)
    assert sorted(c.service for c in preview.containers) == sorted(STOP_ORDER)
    assert {n.name for n in preview.networks} == {
        f"{project.name}_default",
        f"{project.name}_backplane",
    }
    assert [v.name for v in preview.volumes] == [f"{project.name}_pg_data"]
    assert preview.command == f"docker compose -p {project.name} down"

    events: list[DownProgress] = []
    state = StateFile(project.dir / ".cutover")
    audit = AuditLog(project.dir / ".cutover")
    result = take_down(
        host,
        model,
        verdict=READY,
        typed=project.name,
        state=state,
        on_progress=events.append,
        audit=audit,
    )
    assert result.ok, result.report()

    stopped = [e.step.service for e in events if e.step.action == "stop" and e.outcome == "done"]
    assert stopped == STOP_ORDER
    grace = {e.step.service: e.step.timeout_s for e in events if e.step.action == "stop"}
    assert grace["postgres"] == 3 and grace["frontend"] == 10

    assert _ps(project) == ""
    assert _names(docker_client, project, "containers") == []
    assert _names(docker_client, project, "networks") == []
    assert _names(docker_client, project, "volumes") == [f"{project.name}_pg_data"]
    assert _read_volume(docker_client, busybox_image, f"{project.name}_pg_data") == "kept"

    saved = state.section("down")
    assert saved["status"] == "done" and saved["not_done"] == []
    assert saved["kept_volumes"] == [f"{project.name}_pg_data"]
    (line,) = audit.read()
    assert line["action"] == "compose-down" and line["result"] == "ok"
    assert line["object"] == f"compose/{project.name}"
    assert f"{project.name}_backplane" in line["keys"]

    back = rollback(_config(project, docker_host))
    assert f"-f {project.file} -p {project.name} up -d" in back.command
    assert "DNS" in back.text()


def test_mistyped_name_does_nothing(up: tuple[Any, Any], docker_host: str) -> None:
    project, model = up
    state = StateFile(project.dir / ".cutover")
    with pytest.raises(NotConfirmed):
        take_down(
            connect_compose_host(docker_host),
            model,
            verdict=READY,
            typed=project.name + "x",
            state=state,
        )
    assert len(_ps(project).split()) == len(STOP_ORDER)
    assert not state.path.exists()


def test_read_only_host_refuses_before_any_request(
    up: tuple[Any, Any], docker_host: str, docker_client: Any
) -> None:
    project, model = up
    host = connect_compose_host(docker_host, read_only=True)
    name = f"{project.name}-frontend-1"
    attempts: list[Callable[[], None]] = [
        lambda: host.stop_container(name, 1),
        lambda: host.remove_container(name),
        lambda: host.remove_network(f"{project.name}_default"),
    ]
    for attempt in attempts:
        with pytest.raises(ReadOnlyRefused):
            attempt()
    audit = AuditLog(project.dir / ".cutover")
    with pytest.raises(ReadOnlyRefused):
        take_down(
            host,
            model,
            verdict=READY,
            typed=project.name,
            state=StateFile(project.dir / ".cutover"),
            audit=audit,
        )
    assert docker_client.containers.get(name).status == "running"
    assert [r["result"] for r in audit.read()] == ["refused"]
    # Read-only mode from the configuration reaches the gateway the factory builds.
    built = build_gateways(_config(project, docker_host, read_only=True)).compose_host()
    assert built.read_only


class SocketProxy:
    """A unix socket in front of the Docker socket; `cut()` plays the daemon going away."""

    def __init__(self, target: str, path: Path) -> None:
        self.target = target
        self.path = path
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(16)
        self.sockets: list[socket.socket] = []
        self.cut_off = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_off:
                client.close()
                continue
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.cut_off = True
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


@pytest.fixture
def proxy(docker_host: str, tmp_path: Path) -> Iterator[SocketProxy]:
    p = SocketProxy(docker_host.removeprefix("unix://"), tmp_path / "proxy.sock")
    yield p
    if not p.cut_off:
        p.cut()


def test_daemon_lost_midway_then_next_run_finishes(
    up: tuple[Any, Any],
    docker_host: str,
    docker_client: Any,
    busybox_image: str,
    proxy: SocketProxy,
) -> None:
    project, model = up
    state = StateFile(project.dir / ".cutover")
    far = connect_compose_host(f"unix://{proxy.path}", timeout=5)

    def lose_daemon(event: DownProgress) -> None:
        if event.step.action == "stop" and event.outcome == "done":
            proxy.cut()

    first = take_down(
        far, model, verdict=READY, typed=project.name, state=state, on_progress=lose_daemon
    )
    assert not first.ok and isinstance(first.error, Unreachable)
    assert [s.service for s in first.done] == ["frontend"]
    assert first.not_done[0].service == "worker"
    assert any(line.startswith("not done: stop") for line in first.report())

    saved = json.loads(state.path.read_text())["down"]
    assert saved["status"] == "failed" and "Cannot reach" in saved["error"]
    assert saved["done"] == [
        {"action": "stop", "name": f"{project.name}-frontend-1", "service": "frontend"}
    ]
    assert {d["service"] for d in saved["not_done"] if d["action"] == "stop"} == set(STOP_ORDER[1:])
    status = {
        c.name: c.status
        for c in docker_client.containers.list(
            all=True, filters={"label": f"com.docker.compose.project={project.name}"}
        )
    }
    assert status[f"{project.name}-frontend-1"] == "exited"
    assert status[f"{project.name}-postgres-1"] == "running"

    events: list[DownProgress] = []
    second = take_down(
        connect_compose_host(docker_host),
        model,
        verdict=READY,
        typed=project.name,
        state=state,
        on_progress=events.append,
    )
    assert second.ok and second.resumed, second.report()
    stopped = [e.step.service for e in events if e.step.action == "stop" and e.outcome == "done"]
    assert stopped == STOP_ORDER[1:]
    assert second.done[0].service == "frontend"  # the first run's work, carried over
    assert state.section("down")["runs"] == 2 and state.section("down")["status"] == "done"
    assert _ps(project) == ""
    assert _read_volume(docker_client, busybox_image, f"{project.name}_pg_data") == "kept"


def test_gate_blocks_with_nothing_deployed(
    compose_project: Callable[..., Any],
    admin_kubeconfig: str,
    namespace: str,
    docker_host: str,
    real_keyring: Any,
) -> None:
    project = compose_project({"web": {}})
    config = _config(project, docker_host, namespace=namespace, kubeconfig=admin_kubeconfig)
    verdict = evaluate_gate(config, build_gateways(config))
    assert not verdict.ready
    steps = {i.step for i in verdict.blockers}
    assert "mapping" in steps  # nothing in the namespace for `web`
    # Every step without checks yet blocks honestly instead of passing.
    unchecked = {s.id for s in verdict.steps if s.state == "unknown" and not s.findings}
    unverified = {i.step for i in verdict.blockers if i.finding.check.endswith(".unverified")}
    assert unverified == unchecked
    assert all(
        i.finding.message.startswith("Cannot verify ")
        for i in verdict.blockers
        if i.step in unverified
    )
    assert all(i.finding.fix for i in verdict.blockers)
    assert verdict.summary().startswith("Not ready")
    assert any(f.severity is Severity.BLOCK for f in verdict.as_findings())
