"""What replaces each port Compose publishes: the Kubernetes Service that sends to the same
container port of the workload the service became, and the Ingress and HTTPRoute rules that route
outside traffic to that Service (their hosts, the addresses they are served on: an Ingress's own,
an HTTPRoute's parent Gateways'; an Ingress's TLS Secrets).

Pure: from the Compose model, the target as read, and the one matcher's answer
(wizard.mapping.match), so the step names the same workload as Mapping and Pod health.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from wizard.compose.model import ComposeProject
from wizard.target.exposure import exposing, selecting_services, service_for
from wizard.target.model import (
    ServicePort,
    TargetIngress,
    TargetService,
    TargetState,
    TargetWorkload,
)

LOOPBACK = ("127.0.0.1", "::1", "localhost")
TLS_PORTS = (443, 8443)


@dataclass(frozen=True)
class Route:
    """One Ingress or HTTPRoute rule that reaches the Service port, for one host."""

    ingress: str  # the Ingress's or the HTTPRoute's name
    host: str  # "" for a rule with no host (any name)
    path: str
    # Where the host must resolve: the Ingress's status, an HTTPRoute's Gateways' (those found).
    addresses: tuple[str, ...]
    tls_secret: str = ""  # the TLS Secret covering this host ("" when none)
    kind: str = "Ingress"  # or HTTPRoute: its Gateways' TLS is not read
    via: tuple[str, ...] = ()  # an HTTPRoute's parents, as it names them
    # An HTTPRoute's Gateways (`ns/name`): all it names, those that do not exist, and those whose
    # address was not read (this identity may not get them; or the target came from manifests).
    gateways: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    unread: tuple[str, ...] = ()

    @property
    def entry(self) -> str:
        """Where outside traffic for the host enters: `Ingress web`, `Gateway infra/public`."""
        if self.kind == "Ingress":
            return f"Ingress {self.ingress}"
        return f"Gateway {', '.join(self.gateways)}" if self.gateways else "its Gateway"


@dataclass(frozen=True)
class PublishedPort:
    """One port Compose publishes and what replaces it on Kubernetes."""

    service: str  # the Compose service
    container_port: int
    published: str  # the host port(s) as Compose says ("8080", "" for an engine-chosen one)
    workload: TargetWorkload | None
    k8s_service: TargetService | None = None
    service_port: ServicePort | None = None
    routes: tuple[Route, ...] = ()
    # Published on the Compose host's loopback only (`127.0.0.1:15672:15672`): for the host's own
    # use (an admin UI), not site traffic.
    loopback_only: bool = False
    # No Service sends to this TLS port, but an Ingress ends TLS for the workload's hosts: the
    # Compose container's own HTTPS (nginx on 443) is replaced by the Ingress's.
    tls_ended_by: tuple[Route, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.service}:{self.container_port}"

    @property
    def smoked(self) -> bool:
        """Worth an HTTP smoke request: site traffic (not loopback-only) to a Service port that
        an Ingress routes to or that is named for HTTP (`http`, `http-web`, `https`...). A
        database's published port is not, and a GET to it would only read as a failure."""
        if self.loopback_only or self.k8s_service is None or self.service_port is None:
            return False
        return bool(self.routes) or self.service_port.name.lower().startswith("http")

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.host for r in self.routes if r.host))


def published_ports(
    project: ComposeProject,
    target: TargetState,
    workloads: Mapping[str, TargetWorkload | None],
) -> list[PublishedPort]:
    """Every (service, container port) Compose publishes, in service then port order, with its
    replacement found (or not) on the target."""
    found = []
    for name in sorted(project.services):
        service = project.services[name]
        # Every `ports:` entry is published (the short form "8080" on a port the engine picks);
        # `expose:` is not in the model's ports. The smoke request is HTTP: TCP only, one row
        # per container port.
        by_port: dict[int, list[str]] = {}
        for port in service.ports:
            if port.protocol.lower() == "tcp":
                by_port.setdefault(port.target, []).append(port.host_ip)
        for number in sorted(by_port):
            published = next(p.published for p in service.ports if p.target == number)
            row = _replacement(name, number, published, target, workloads)
            if all(ip in LOOPBACK for ip in by_port[number]):
                row = replace(row, loopback_only=True)
            found.append(row)
    return found


def _replacement(
    service: str,
    container_port: int,
    published: str,
    target: TargetState,
    workloads: Mapping[str, TargetWorkload | None],
) -> PublishedPort:
    workload = workloads.get(service)
    if workload is None:
        return PublishedPort(service, container_port, published, None)
    found = service_for(target, workload, container_port)
    if found is not None:
        k8s_service, port = found
        routes = tuple(_routes(target, k8s_service, port))
        return PublishedPort(
            service, container_port, published, workload, k8s_service, port, routes
        )
    ended: tuple[Route, ...] = ()
    if container_port in TLS_PORTS:
        ended = tuple(
            route
            for k8s_service in selecting_services(target, workload)
            for port in k8s_service.ports
            for route in _routes(target, k8s_service, port)
            if route.tls_secret
        )
    return PublishedPort(service, container_port, published, workload, tls_ended_by=ended)


def _routes(target: TargetState, service: TargetService, port: ServicePort) -> list[Route]:
    """The Ingress and HTTPRoute rules that reach the Service port (wizard.target.exposure, the
    same answer the Mapping diff's ports use), one Route per host."""
    ingresses = {i.name: i for i in target.ingresses}
    routes = []
    for rule in exposing(target, service, port):
        ingress = ingresses.get(rule.name) if rule.kind == "Ingress" else None
        parents = _through_gateways(target, rule.name) if rule.kind == "HTTPRoute" else None
        for host in rule.hosts or ("",):
            if parents is not None:
                routes.append(replace(parents, host=host, path=rule.path, via=rule.via))
                continue
            routes.append(
                Route(
                    rule.name,
                    host,
                    rule.path,
                    ingress.addresses if ingress is not None else (),
                    _tls_secret(ingress, host) if ingress is not None else "",
                    kind=rule.kind,
                    via=rule.via,
                )
            )
    return routes


def _through_gateways(target: TargetState, route_name: str) -> Route:
    """An HTTPRoute's Gateways as the target has them (host and path left for the caller): the
    addresses of those found, and which are missing or were not read."""
    route = next((r for r in target.routes if r.name == route_name), None)
    refs = route.parents if route is not None else ()
    addresses: list[str] = []
    missing, unread = [], []
    for ref in refs:
        gateway = target.gateway(ref)
        if gateway is None:
            unread.append(ref.text)
        elif not gateway.found:
            missing.append(ref.text)
        else:
            addresses.extend(gateway.addresses)
    return Route(
        route_name,
        "",
        "",
        tuple(dict.fromkeys(addresses)),
        kind="HTTPRoute",
        gateways=tuple(ref.text for ref in refs),
        missing=tuple(missing),
        unread=tuple(unread),
    )


def entry_of(routes: Iterable[Route]) -> str:
    """Where outside traffic for a host enters, in a name check's words: "the Ingress" while
    only Ingresses route it, else each entry (`Gateway infra/public`, `Ingress web`)."""
    found = list(routes)
    if all(r.kind == "Ingress" for r in found):
        return "the Ingress"
    return " or ".join(dict.fromkeys(r.entry for r in found))


def _tls_secret(ingress: TargetIngress, host: str) -> str:
    """The Secret of the tls entry whose hosts cover `host` ("" when none does)."""
    for secret, hosts in ingress.tls:
        for tls_host in hosts:
            wildcard = tls_host.startswith("*.") and host.endswith(tls_host[1:])
            if host and (tls_host == host or (wildcard and host.count(".") == tls_host.count("."))):
                return secret
    return ""
