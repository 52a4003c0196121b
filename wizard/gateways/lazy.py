"""`Gateways`: the cluster, the Docker host and the keyring, each built on first use.

Apart from `wizard.gateways.factory` so that the demo (which builds a `Gateways` of its own) and
the factory (which builds the demo's) do not import each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from wizard.gateways.protocols import Cluster, ComposeHost, Resolver, Vault

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
    """The cluster, the Docker host, the keyring and the DNS resolver, each built on first use."""

    def __init__(
        self,
        cluster: Callable[[], Cluster],
        compose_host: Callable[[], ComposeHost],
        vault: Callable[[], Vault],
        resolver: Callable[[], Resolver] | None = None,
    ) -> None:
        self.cluster = Lazy(cluster)
        self.compose_host = Lazy(compose_host)
        self.vault = Lazy(vault)
        self.resolver = Lazy(resolver or _dns_resolver)

    def replacing(
        self,
        *,
        cluster: Callable[[], Cluster] | None = None,
        compose_host: Callable[[], ComposeHost] | None = None,
        vault: Callable[[], Vault] | None = None,
    ) -> Gateways:
        """These gateways with some replaced and the rest kept as they are (the same instances,
        the resolver too): a wrapper around the demo's engine must not swap the demo's DNS for
        the real one, as building a new Gateways from three parts did."""
        copy = Gateways(
            cluster or self.cluster, compose_host or self.compose_host, vault or self.vault
        )
        copy.resolver = self.resolver
        return copy


def _dns_resolver() -> Resolver:
    """The real resolver: DNS is the same for the wizard, the reports and the tests."""
    with IMPORT_LOCK:
        from wizard.gateways.dns import DnsResolver

    return DnsResolver()
