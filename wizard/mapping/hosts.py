"""Hostnames in values: a Compose service name and the Kubernetes Service that replaced it.

Under Compose, `redis://redis:6379` reaches the `redis` service by its name. In Kubernetes the
same value reaches it through a Service selecting its pods: `redis`, `redis.<ns>`,
`redis.<ns>.svc` or `redis.<ns>.svc.cluster.local`, or a Service with another name (such as
`email-rag-redis`). Values that differ only that way are equivalent; this module rewrites both
sides to one form so they can be compared.

When the namespace is not known (an offline plan from manifests with no `-n`), a host written
`<svc>.<ns>.svc.cluster.local`, `<svc>.<ns>.svc` or `<svc>.<ns>` is taken as Service `<svc>`
whatever `<ns>` is, and `assumed` says which namespace that took for granted. The short form
`<svc>.<ns>` counts only when `<svc>` is a Service of the target: `redis.io` is a website, not
the `redis` service in namespace `io`. With the namespace known, another namespace is another
Service (`elsewhere` names it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wizard.target.exposure import selecting_services
from wizard.target.model import TargetState, TargetWorkload

# A hostname where a host stands: at the start, after `scheme://`, `@` or `,` (host lists);
# followed by a port, a path, a query, a list comma, or the end. Not a URL scheme (`redis://`)
# and not the user of `user:password@host`.
_HOST = re.compile(
    r"(?:^|(?<=://)|(?<=[@,]))"
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
    r"(?=[:/?,]|$)(?!://)(?![^/]*@)"
)
_PORT_AFTER = re.compile(r":\d")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# `<svc>.<ns>`, `<svc>.<ns>.svc`, `<svc>.<ns>.svc.cluster.local`: a Service's in-cluster names.
_IN_NAMESPACE = re.compile(
    rf"^(?P<svc>{_LABEL})\.(?P<ns>{_LABEL})(?P<svc_zone>\.svc(?:\.cluster\.local)?)?$"
)


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
        namespace_known: bool = True,
    ) -> None:
        self.namespace = namespace
        self.namespace_known = namespace_known
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

    def _split(self, host: str) -> tuple[str, str]:
        """(Service name, namespace written) of an in-cluster name (`redis.<ns>.svc`); (host, "")
        for any other host. `<svc>.<ns>` counts in the target's namespace, or for a Service of
        the target: `redis.io` is a domain."""
        host = host.lower().rstrip(".")
        found = _IN_NAMESPACE.match(host)
        if found is None:
            return host, ""
        if (
            not found["svc_zone"]
            and found["ns"] != self.namespace
            and found["svc"] not in self._service_names
        ):
            return host, ""
        return found["svc"], found["ns"]

    def _base(self, host: str) -> str:
        """`redis.<ns>.svc.cluster.local`, `redis.<ns>.svc`, `redis.<ns>` -> `redis`, for the
        target's namespace, or for any namespace while it is not known."""
        base, namespace = self._split(host)
        if namespace and (namespace == self.namespace or not self.namespace_known):
            return base
        return host.lower().rstrip(".")

    def _written_elsewhere(self, value: str, known: bool) -> list[tuple[str, str]]:
        if self.namespace_known is not known:
            return []
        found: list[tuple[str, str]] = []
        for match in _HOST.finditer(value):
            base, namespace = self._split(match["host"])
            if (
                namespace
                and (not known or namespace != self.namespace)
                and (base in self._kube or base in self._compose)
            ):
                found.append((match["host"], namespace))
        return list(dict.fromkeys(found))

    def assumed(self, value: str) -> list[tuple[str, str]]:
        """(host, namespace) for each in-cluster name of a service in `value` whose namespace
        was taken on trust, the target's not being known."""
        return self._written_elsewhere(value, known=False)

    def elsewhere(self, value: str) -> list[tuple[str, str]]:
        """(host, namespace) for each in-cluster name of a service in `value` written with
        another namespace than the target's (known): another Service than the one compared."""
        return self._written_elsewhere(value, known=True)

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
