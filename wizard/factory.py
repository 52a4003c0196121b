"""One place that builds the gateways, used by the CLI, the App and the tests alike.

Gateways are built lazily, on first use, in whatever thread asks: importing the kubernetes
client costs ~0.3 s, and that must not delay the first paint. A gateway that cannot be built
(no kubeconfig, bad DOCKER_HOST) raises its GatewayError at that first use, where a check turns
it into a finding.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from wizard.config import CutoverConfig
from wizard.gateways import Cluster, ComposeHost, Vault

T = TypeVar("T")

# Held while a gateway's client library is imported (kubernetes, docker): both import `requests`,
# and two threads importing them at once can each get the other's half-initialised module
# ("cannot import name ... from partially initialized module"). The Preflight threads did, when
# the cluster and the Docker host were first built at the same moment.
IMPORT_LOCK = threading.Lock()


class Lazy(Generic[T]):
    """Build a value once, on first call, thread-safely; a failure is retried on the next call."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    def __call__(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._build()
            return self._value


class Gateways:
    """The cluster, the Docker host and the keyring, each built on first use."""

    def __init__(
        self,
        cluster: Callable[[], Cluster],
        compose_host: Callable[[], ComposeHost],
        vault: Callable[[], Vault],
    ) -> None:
        self.cluster = Lazy(cluster)
        self.compose_host = Lazy(compose_host)
        self.vault = Lazy(vault)


def build_gateways(config: CutoverConfig) -> Gateways:
    """Real gateways for `config`, or the demo's simulated ones when `config.demo` is set."""
    if config.demo:
        from wizard.demo import demo_gateways

        return demo_gateways(config)

    def cluster() -> Cluster:
        with IMPORT_LOCK:
            from wizard.cluster import connect_cluster

        return connect_cluster(
            kubeconfig=config.kubeconfig,
            context=config.kube_context,
            namespace=config.namespace,
            read_only=config.read_only,
        )

    def compose_host() -> ComposeHost:
        with IMPORT_LOCK:
            from wizard.dockerhost import connect_compose_host

        return connect_compose_host(config.docker_host, read_only=config.read_only)

    def vault() -> Vault:
        with IMPORT_LOCK:
            from wizard.vault import OsKeyring

        return OsKeyring()

    return Gateways(cluster, compose_host, vault)
