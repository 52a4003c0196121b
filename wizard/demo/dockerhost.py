"""A simulated Docker Engine running the sample Compose project, read from its Compose file.

Every service runs, one container each (or `deploy.replicas`), named and labelled the way
Compose v2 names them (`email-rag-backend-1`). Services with a healthcheck report healthy,
except the Celery worker: its `inspect ping` healthcheck times out while a long import keeps
every worker busy, a common sight on a real host and a reason to look before cutting over.

`down` is simulated: stopping and removing containers and networks changes only this object's
memory (what later calls list), so the demo can walk the whole path, and nothing real is touched.
The next run replays it from the demo's state file (wizard.demo.world).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from wizard.config import CutoverConfig
from wizard.data.record import stopped_for_copies_of
from wizard.demo.objects import COMPOSE_ADDRESS
from wizard.demo.sample import load_compose
from wizard.errors import GatewayError, NotFound, ReadOnlyRefused
from wizard.model import (
    ComposeContainer,
    ComposeNetwork,
    ComposeVolume,
    EngineInfo,
    ExecResult,
    NetCounters,
)
from wizard.state.down_record import REMOVE, REMOVE_NETWORK, STOP, load_down
from wizard.state.store import state_file_for

DEMO_HOST = "demo://localhost"
ENGINE_VERSION = "24.0.7"
ENGINE_API_VERSION = "1.43"

# Fixed times keep screenshots and snapshots stable from run to run.
_STARTED_AT = "2025-01-06T08:00:{second:02d}Z"
_RESTARTED_AT = "2025-01-06T09:00:{second:02d}Z"
_HEALTH_OF = {"celery": "unhealthy"}  # service -> health other than "healthy"

_GIB = 1024**3
# The sample's data, as `docker system df -v` would report it after a few months of use.
DEMO_VOLUME_BYTES = {
    "postgres_data": int(1.6 * _GIB),
    "redis_data": 48 * 1024**2,
    "rabbitmq_data": 130 * 1024**2,
    "upload_data": int(7.5 * _GIB),
    "chroma_data": int(2.2 * _GIB),
}


class DemoComposeHost:
    """The `ComposeHost` of `cutover demo`: one engine, one project, nothing really running."""

    def __init__(self, config: CutoverConfig) -> None:
        self._host = config.docker_host or DEMO_HOST
        self._project = config.project_name
        self._compose = load_compose(config.compose_files)
        self._read_only = config.read_only
        # Container names. Those stopped for the Data step's copies stay stopped from one run of
        # the demo to the next, as on a real engine (else its verified copies turn stale).
        self._stopped: set[str] = stopped_for_copies_of(config)
        self._removed: set[str] = set()  # container and network names
        self._restarted: set[str] = set()  # stopped, then started again: a new start time
        # What an earlier run's down got to stays done, as on a real engine: the whole project
        # after a finished down, the part it reached when it was cut short.
        down = load_down(state_file_for(config), self._project) if config.demo else None
        if down is not None:
            self._removed |= down.names(REMOVE, REMOVE_NETWORK)
            self._stopped |= down.names(STOP)

    @property
    def host(self) -> str:
        return self._host

    def addresses(self) -> tuple[str, ...]:
        """The demo's Compose host is at a documentation address (TEST-NET-2): no lookup."""
        return (COMPOSE_ADDRESS,)

    @property
    def read_only(self) -> bool:
        return self._read_only

    def stop_container(self, name: str, timeout_s: float) -> None:
        self._refuse_when_read_only(f"stop container {name}")
        self._existing(name, self._container_names())
        self._stopped.add(name)

    def start_container(self, name: str) -> None:
        self._refuse_when_read_only(f"start container {name}")
        self._existing(name, self._container_names())
        if name in self._stopped:
            self._stopped.discard(name)
            self._restarted.add(name)

    def remove_container(self, name: str) -> None:
        self._refuse_when_read_only(f"remove container {name}")
        self._existing(name, self._container_names())
        self._removed.add(name)

    def remove_network(self, name: str) -> None:
        self._refuse_when_read_only(f"remove network {name}")
        self._existing(name, {n.name for n in self.project_networks(self._project)})
        self._removed.add(name)

    def _container_names(self) -> set[str]:
        return {c.name for c in self.project_containers(self._project)}

    def _existing(self, name: str, names: set[str]) -> None:
        if name not in names:
            raise NotFound(f"Not found on the Docker Engine at {self._host}: {name}")

    def _refuse_when_read_only(self, what: str) -> None:
        if self._read_only:
            raise ReadOnlyRefused(
                f"Read-only mode: refused to {what} on {self._host}; nothing was sent",
                fix="Run without --read-only to take Compose down.",
            )

    def ping(self) -> EngineInfo:
        return EngineInfo(
            host=self._host, version=ENGINE_VERSION, api_version=ENGINE_API_VERSION, os="linux"
        )

    def project_names(self) -> list[str]:
        """The project while a container of it is left (an engine knows projects only by their
        containers' labels: after down, none)."""
        return [self._project] if self.project_containers(self._project) else []

    def project_containers(self, project: str) -> list[ComposeContainer]:
        if project != self._project:
            return []
        containers = []
        for order, (service, spec) in enumerate(self._services().items()):
            for number in range(1, _replicas(spec) + 1):
                name = f"{project}-{service}-{number}"
                if name in self._removed:
                    continue
                containers.append(
                    ComposeContainer(
                        name=name,
                        service=service,
                        state="exited" if name in self._stopped else "running",
                        health=_health(service, spec),
                        image=str(spec.get("image", f"{project}-{service}")),
                        started_at=(
                            _RESTARTED_AT if name in self._restarted else _STARTED_AT
                        ).format(second=order * 3),
                        number=number,
                        published=_published(spec),
                    )
                )
        return containers

    def ask_published(self, address: str, port: int, request: bytes, deadline_s: float) -> bytes:
        """The demo's Compose site answers 200 on every port it publishes while its container
        runs; anything else is refused, as a closed port is."""
        for container in self.project_containers(self._project):
            if container.state == "running" and any(p[1] == port for p in container.published):
                return b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        raise ConnectionRefusedError(f"nothing answers on {address}:{port}")

    def watch_network(self, name: str, on_sample: Callable[[NetCounters], bool]) -> None:
        """The demo's live drain: the same quiet counters, one sample a second (the engine's
        pace), until `on_sample` says stop."""
        ticks = threading.Event()  # never set: a wait of one engine tick
        while True:
            [sample] = self.network_samples(name, 1)
            if not on_sample(sample):
                return
            ticks.wait(1.0)

    def network_samples(self, name: str, count: int = 2) -> list[NetCounters]:
        """The demo's Compose side is quiet: its counters do not move (what a drained host
        shows), samples a second apart at once; an unknown container is NotFound."""
        if not any(c.name == name for c in self.project_containers(self._project)):
            raise NotFound(f"No container named {name} on the demo's Docker host")
        now = time.time()
        return [
            NetCounters(rx_bytes=4096, tx_bytes=8192, rx_packets=40, tx_packets=60, at=now + i)
            for i in range(count)
        ]

    def project_networks(self, project: str) -> list[ComposeNetwork]:
        """The networks Compose created for the project: used ones, never external ones."""
        if project != self._project:
            return []
        declared: dict[str, Any] = self._compose.get("networks") or {}
        used: set[str] = set()
        for spec in self._services().values():
            if "network_mode" in spec:
                continue
            used.update(spec.get("networks") or ["default"])
        networks = []
        for key in sorted(used):
            spec = declared.get(key) or {}
            if spec.get("external"):
                continue
            name = spec.get("name") or f"{project}_{key}"
            if name in self._removed:
                continue
            networks.append(ComposeNetwork(name=name, driver=spec.get("driver") or "bridge"))
        return networks

    def volume_archive(self, volume: str, image: str) -> AbstractContextManager[Iterator[bytes]]:
        """The demo's volumes hold no files (the Data step simulates its copies instead)."""
        raise GatewayError(
            f"The demo cannot read volume {volume}: its volumes are simulated",
            fix="Try data moves on `make sandbox`, which runs a real Docker Engine.",
        )

    def exec_run(
        self, container: str, command: Sequence[str], timeout_s: float = 600
    ) -> ExecResult:
        """The demo's containers run nothing (the Data step simulates its copies instead)."""
        raise GatewayError(
            f"The demo cannot run commands in container {container}: it is simulated",
            fix="Try data moves on `make sandbox`, which runs a real Docker Engine.",
        )

    def exec_stream(
        self, container: str, command: Sequence[str]
    ) -> AbstractContextManager[Iterator[bytes]]:
        return self.exec_run(container, command)  # type: ignore[return-value]  # always raises

    def volume_sizes(self, project: str) -> dict[str, int]:
        """Made-up but plausible sizes for the sample, each well inside its claim."""
        if project != self._project:
            return {}
        keys = set((self._compose.get("volumes") or {}).keys())
        return {key: size for key, size in DEMO_VOLUME_BYTES.items() if key in keys}

    def project_volumes(self, project: str) -> list[ComposeVolume]:
        """The project's named volumes, where Docker keeps their data on the host."""
        if project != self._project:
            return []
        volumes = []
        for key, spec in (self._compose.get("volumes") or {}).items():
            spec = spec or {}
            if spec.get("external"):
                continue
            name = spec.get("name") or f"{project}_{key}"
            volumes.append(
                ComposeVolume(
                    name=name,
                    volume=key,
                    driver=spec.get("driver") or "local",
                    mountpoint=f"/var/lib/docker/volumes/{name}/_data",
                )
            )
        return volumes

    def _services(self) -> dict[str, dict[str, Any]]:
        services = self._compose.get("services") or {}
        return {name: spec or {} for name, spec in services.items()}


def _published(spec: dict[str, Any]) -> tuple[tuple[str, int, int, str], ...]:
    """The sample's short port forms: `HOST:CONTAINER` and `IP:HOST:CONTAINER` (what the engine
    would publish: 0.0.0.0 unless an address is given)."""
    found = []
    for entry in spec.get("ports") or ():
        text, _, protocol = str(entry).partition("/")
        parts = text.split(":")
        if len(parts) >= 2 and parts[-1].isdigit() and parts[-2].isdigit():
            address = parts[0] if len(parts) == 3 else "0.0.0.0"
            found.append((address, int(parts[-2]), int(parts[-1]), protocol or "tcp"))
    return tuple(found)


def _replicas(spec: dict[str, Any]) -> int:
    deploy = spec.get("deploy") or {}
    return int(deploy.get("replicas", spec.get("scale", 1)))


def _health(service: str, spec: dict[str, Any]) -> str:
    check = spec.get("healthcheck")
    if not check or check.get("disable") or check.get("test") in (["NONE"], "NONE"):
        return ""
    return _HEALTH_OF.get(service, "healthy")
