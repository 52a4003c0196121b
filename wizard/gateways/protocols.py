"""The three gateways to the real world, as protocols.

The real implementations live beside this module (`kube.cluster`, `dockerhost`, `vault`); the
demo's simulated ones in `wizard.demo`. Screens and checks only ever see these protocols.
Every method raises a `wizard.errors.GatewayError` subclass on failure, never a library error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from wizard.health.status import EventRow
from wizard.health.watch import OnChange, WatchHandle
from wizard.model import (
    AccessVerdict,
    ClusterIdentity,
    ComposeContainer,
    ComposeNetwork,
    ComposeVolume,
    EngineInfo,
    ExecResult,
    NameAnswer,
    NetCounters,
    Pod,
    Pvc,
    SecretKeys,
    VaultStatus,
    Workload,
)
from wizard.target.model import TargetState


class Cluster(Protocol):
    """The Kubernetes API server, as one kubeconfig context and namespace see it."""

    @property
    def identity(self) -> ClusterIdentity: ...

    @property
    def read_only(self) -> bool: ...

    def server_version(self) -> str:
        """The API server's git version; the cheapest proof that it answers and we may talk."""
        ...

    def namespace_exists(self, name: str) -> bool: ...

    def can_i(
        self, verb: str, resource: str, group: str = "", subresource: str = ""
    ) -> AccessVerdict:
        """SelfSubjectAccessReview in the configured namespace (reads nothing, changes nothing)."""
        ...

    def read_secret_keys(self, name: str) -> SecretKeys | None:
        """The Secret's keys and value digests, or None when it does not exist."""
        ...

    def create_secret(
        self, name: str, data: Mapping[str, str], labels: Mapping[str, str]
    ) -> SecretKeys:
        """Create an Opaque Secret. Raises Conflict when it exists, ReadOnlyRefused when read-only."""
        ...

    def patch_secret(
        self,
        name: str,
        set: Mapping[str, str],  # the keys to set (shadows the builtin here only)
        remove: Sequence[str] = (),
        labels: Mapping[str, str] | None = None,
    ) -> SecretKeys:
        """Set and remove keys of an existing Secret (a JSON merge patch); other keys are kept.
        Raises NotFound when it does not exist, ReadOnlyRefused when read-only."""
        ...

    def list_workloads(self, selector: str = "") -> list[Workload]: ...

    def list_pvcs(self, selector: str = "") -> list[Pvc]: ...

    def list_pods(self, selector: str = "") -> list[Pod]: ...

    def read_target(self, selector: str = "") -> TargetState:
        """The target's objects in the namespace (wizard.target: workloads, Services, Ingresses,
        claims, ConfigMaps, Secrets as key names only, autoscalers). A kind this identity may not
        list is named in `unreadable` (Secrets for `view`: `secrets_readable` is False)."""
        ...

    def list_events(self, field_selector: str = "") -> list[EventRow]:
        """Events of the namespace, e.g. `involvedObject.kind=PersistentVolumeClaim` or
        `type=Warning` (field selectors, as `kubectl get events --field-selector`)."""
        ...

    def create_claim_helper(
        self, name: str, claim: str, image: str, labels: Mapping[str, str]
    ) -> None:
        """A pod of `image` that mounts `claim` at /data and waits. ReadOnlyRefused in
        read-only mode, Conflict when it exists."""
        ...

    def scale(self, kind: str, name: str, replicas: int) -> int:
        """Set a Deployment's or StatefulSet's replicas; the count before. ReadOnlyRefused in
        read-only mode."""
        ...

    def delete_pod(self, name: str) -> None:
        """Delete a pod at once. ReadOnlyRefused in read-only mode, NotFound when gone."""
        ...

    def exec_in(
        self,
        pod: str,
        container: str,
        command: Sequence[str],
        stdin: Iterable[bytes] | None = None,
        stdin_length: int = 0,
        on_sent: Callable[[int], None] | None = None,
        keep: int = 1 << 20,
    ) -> ExecResult:
        """Run `command` in a container of `pod`, fed `stdin`: exactly `stdin_length` bytes of
        it, or all of it when `stdin_length` is -1 (STREAM_END in wizard.gateways.kube.exec: the
        stream is closed at its end, or framed where the server cannot close an exec's stdin).
        A write at the API server: ReadOnlyRefused in read-only mode, before anything is sent."""
        ...

    def port_forward(self, pod: str, port: int, request: bytes, deadline_s: float) -> bytes:
        """Send `request` to `port` of `pod` through the API server; the pod's whole answer.
        PodDidNotAnswer when the port refuses or no whole answer comes in time. A create at the
        API server: ReadOnlyRefused in read-only mode, before anything is sent."""
        ...

    def watch(
        self, kind: str, selector: str, on_change: OnChange, field_selector: str = ""
    ) -> WatchHandle:
        """Keep `kind` (pods, persistentvolumeclaims, events, deployments, statefulsets) of the
        namespace current: list once, then watch, calling `on_change` with each batch of changes
        and each status change (wizard.health.watch). `stop()` the handle when done."""
        ...


class ComposeHost(Protocol):
    """A Docker Engine (unix://, tcp:// or ssh://) and the Compose projects running on it."""

    @property
    def host(self) -> str: ...

    def addresses(self) -> tuple[str, ...]:
        """The Docker host's own addresses, where its published ports answer and where a site's
        name points while Compose serves it: a tcp:// or ssh:// host's name resolved, a local
        engine's this machine's. Found once for the gateway's life; () when the name does not
        resolve (asked again next time). No engine request."""
        ...

    @property
    def read_only(self) -> bool:
        """Decided at construction: a read-only host refuses every change before any request."""
        ...

    def ping(self) -> EngineInfo: ...

    def project_names(self) -> list[str]:
        """Every Compose project with at least one container on this engine."""
        ...

    def project_containers(self, project: str) -> list[ComposeContainer]: ...

    def network_samples(self, name: str, count: int = 2) -> list[NetCounters]:
        """A container's network counters, `count` samples about a second apart from one stats
        stream, each with its time. A read."""
        ...

    def watch_network(self, name: str, on_sample: Callable[[NetCounters], bool]) -> None:
        """Keep one stats stream of the container open and call `on_sample` with each sample
        (about one a second) until it returns False or the stream ends. A read."""
        ...

    def ask_published(self, address: str, port: int, request: bytes, deadline_s: float) -> bytes:
        """Send `request` to a port the engine publishes, at `address` (the Compose host's), and
        read until the server closes: what a client of the Compose site gets. OSError when
        nothing answers (refused, timed out). A read: allowed in read-only mode."""
        ...

    def project_networks(self, project: str) -> list[ComposeNetwork]: ...

    def project_volumes(self, project: str) -> list[ComposeVolume]: ...

    def volume_sizes(self, project: str) -> dict[str, int]:
        """Bytes of data in each of the project's named volumes, by Compose volume key; a volume
        the engine reports no size for is left out. The engine walks every volume to answer."""
        ...

    # The only changes: what `docker compose down` does, one object at a time. Volumes: never.

    def volume_archive(self, volume: str, image: str) -> AbstractContextManager[Iterator[bytes]]:
        """The files of `volume` as one tar stream (entries `./...`), read through a helper
        container that mounts it read-only and never starts; removed on exit. ReadOnlyRefused
        in read-only mode."""
        ...

    def exec_run(
        self, container: str, command: Sequence[str], timeout_s: float = 600
    ) -> ExecResult:
        """Run a command in a running container; exit code and whole output. ReadOnlyRefused
        in read-only mode."""
        ...

    def exec_stream(
        self, container: str, command: Sequence[str]
    ) -> AbstractContextManager[Iterator[bytes]]:
        """A command's stdout in a running container, as it comes. ReadOnlyRefused in
        read-only mode."""
        ...

    def stop_container(self, name: str, timeout_s: float) -> None:
        """SIGTERM, then SIGKILL after `timeout_s`. Already stopped: nothing to do. Gone: NotFound.
        ReadOnlyRefused when read-only."""
        ...

    def start_container(self, name: str) -> None:
        """Start a stopped container again (undoes `stop_container`). Already running: nothing
        to do. Gone: NotFound. ReadOnlyRefused when read-only."""
        ...

    def remove_container(self, name: str) -> None:
        """Remove a stopped container, keeping its volumes. Gone: NotFound."""
        ...

    def remove_network(self, name: str) -> None:
        """Remove a network with no container left on it. Gone: NotFound."""
        ...


class Vault(Protocol):
    """The OS keyring. Every call has a timeout: a locked or absent keyring never hangs the UI."""

    def status(self) -> VaultStatus: ...

    def get(self, service: str, key: str) -> str | None: ...

    def set(self, service: str, key: str, value: str) -> None: ...

    def delete(self, service: str, key: str) -> None: ...


class Resolver(Protocol):
    """Where host names point: the system's answer and named DNS servers' (a read; never
    raises for a name that does not resolve: the answer says why)."""

    def ask_system(self, host: str) -> NameAnswer: ...

    def ask_server(self, host: str, server: str, timeout_s: float = 2.0) -> NameAnswer: ...
