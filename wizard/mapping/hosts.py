"""Hostnames in values: a Compose service name and the Kubernetes Service that replaced it.

Under Compose, `redis://redis:6379` reaches the `redis` service by its name. In Kubernetes the
same value reaches it through a Service selecting its pods: `redis`, `redis.<ns>`,
`redis.<ns>.svc` or `redis.<ns>.svc.cluster.local`, or a Service with another name (such as
`email-rag-redis`). Values that differ only that way are equivalent; this module rewrites both
sides to one form so they can be compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wizard.target.model import TargetService, TargetState, TargetWorkload

# A hostname where a host stands: at the start, after `scheme://`, `@` or `,` (host lists);
# followed by a port, a path, a query, a list comma, or the end. Not a URL scheme (`redis://`)
# and not the user of `user:password@host`.
_HOST = re.compile(
    r"(?:^|(?<=://)|(?<=[@,]))"
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
    r"(?=[:/?,]|$)(?!://)(?![^/]*@)"
)
_PORT_AFTER = re.compile(r":\d")


def selecting_services(target: TargetState, workload: TargetWorkload) -> list[TargetService]:
    """The Services whose selector picks the workload's pods."""
    return [
        service
        for service in target.services
        if service.selector
        and all(workload.pod_labels.get(k) == v for k, v in service.selector.items())
    ]


def _token(service: str) -> str:
    return f"\x00{service}\x00"


@dataclass(frozen=True)
class UnresolvedHost:
    host: str  # as written in the Kubernetes value
    service: str  # the Compose service it names
    workload: TargetWorkload | None  # what that service became
    suggestions: tuple[str, ...]  # Service names that do reach it


class Hostnames:
    """Rewrites hostnames of Compose services, on either side, to one comparable form."""

    def __init__(
        self,
        services: Iterable[str],
        target: TargetState,
        workloads: Mapping[str, TargetWorkload | None],
        namespace: str,
    ) -> None:
        self.namespace = namespace
        self._compose = {s.lower(): s for s in services}
        self._service_names = {s.name.lower() for s in target.services}
        self._kube: dict[str, str] = {}
        self._reaching: dict[str, tuple[str, ...]] = {}
        self._workloads = dict(workloads)
        for service, workload in workloads.items():
            if workload is None:
                continue
            names = tuple(s.name for s in selecting_services(target, workload))
            self._reaching[service] = names
            for name in names:
                self._kube.setdefault(name.lower(), service)

    def _base(self, host: str) -> str:
        """`redis.<ns>.svc.cluster.local`, `redis.<ns>.svc`, `redis.<ns>` -> `redis`."""
        host = host.lower().rstrip(".")
        for suffix in (".svc.cluster.local", ".svc", ""):
            ending = f".{self.namespace}{suffix}"
            if host.endswith(ending):
                return host[: -len(ending)]
        return host

    def compose_form(self, value: str) -> str:
        """The Compose value with every service hostname replaced by a token for the service."""

        def swap(match: re.Match[str]) -> str:
            service = self._compose.get(match["host"].lower())
            return _token(service) if service is not None else match[0]

        return _HOST.sub(swap, value)

    def kube_form(self, value: str) -> str:
        """The Kubernetes value with every Service hostname replaced by the Compose service's
        token, when that Service selects the workload the Compose service became."""

        def swap(match: re.Match[str]) -> str:
            service = self._kube.get(self._base(match["host"]))
            return _token(service) if service is not None else match[0]

        return _HOST.sub(swap, value)

    def reaching(self, service: str) -> tuple[str, ...]:
        """Names of the Services that reach the workload a Compose service became."""
        return self._reaching.get(service, ())

    def unresolved(self, value: str) -> list[UnresolvedHost]:
        """Hosts in a Kubernetes value (in `scheme://host`, `@host` or `host:port`) that name a
        Compose service but no Service in the namespace: inside the cluster they do not resolve."""
        found: list[UnresolvedHost] = []
        for match in _HOST.finditer(value):
            in_url = match.start() > 0 or _PORT_AFTER.match(value, match.end()) is not None
            base = self._base(match["host"])
            service = self._compose.get(base)
            if not in_url or service is None or base in self._service_names:
                continue
            found.append(
                UnresolvedHost(
                    host=match["host"],
                    service=service,
                    workload=self._workloads.get(service),
                    suggestions=self.reaching(service),
                )
            )
        return found
