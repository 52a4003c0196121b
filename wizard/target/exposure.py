"""What exposes a Service's port outside the cluster: the Ingress rules and Gateway API HTTPRoute
rules that send traffic to it, with their hosts.

`service_for(target, workload, container_port)` is the one answer to "which Service reaches this
container port" and `exposing(target, service, port)` to "what routes outside traffic to it", for
the Mapping diff's ports and for the Traffic step alike. A rule counts when it names the Service and one of its ports: an Ingress backend by port
number or port name, an HTTPRoute backendRef by port number (it has no port names); a rule naming
no port counts when the Service has only one. `routing_to` lists every rule naming the Service
whatever the port, to say which rules point at a port the Service does not have.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wizard.target.model import (
    ContainerSpec,
    ServicePort,
    TargetIngress,
    TargetService,
    TargetState,
    TargetWorkload,
)


@dataclass(frozen=True)
class Exposure:
    """One rule that sends outside traffic to the Service port."""

    kind: str  # Ingress | HTTPRoute
    name: str
    hosts: tuple[str, ...]  # empty: any host
    path: str
    service: str
    port: str  # as the rule writes it: a number, a port name (Ingress only), or "" (none)
    # TLS for every host of the rule: an Ingress's spec.tls says it; for an HTTPRoute it is the
    # Gateway listener's to decide, which is not read (None).
    tls: bool | None
    via: tuple[str, ...] = ()  # an HTTPRoute's Gateways

    @property
    def text(self) -> str:
        """`Ingress web shop.example.com/ → web:80 (TLS)`, `HTTPRoute web *.example.com/api →
        web:80 via Gateway public`."""
        hosts = ",".join(self.hosts) or "*"
        tls = " (TLS)" if self.tls else ""
        via = f" via Gateway {', '.join(self.via)}" if self.via else ""
        port = f":{self.port}" if self.port else ""
        return f"{self.kind} {self.name} {hosts}{self.path} → {self.service}{port}{tls}{via}"


def tls_covers(ingress: TargetIngress, host: str) -> bool:
    """Does the Ingress's spec.tls name `host` (a wildcard covers one label)?"""
    for tls in ingress.tls_hosts:
        if tls == host or (
            tls.startswith("*.") and host.endswith(tls[1:]) and host.count(".") == tls.count(".")
        ):
            return True
    return False


def routing_to(target: TargetState, service: str) -> list[Exposure]:
    """Every Ingress and HTTPRoute rule of `target` that names Service `service`, whatever the
    port (`port` as the rule writes it: a number, an Ingress port name, or "")."""
    found: list[Exposure] = []
    for ingress in target.ingresses:
        for rule in ingress.rules:
            if rule.service == service:
                found.append(
                    Exposure(
                        "Ingress",
                        ingress.name,
                        (rule.host,) if rule.host else (),
                        rule.path or "/",
                        service,
                        rule.port,
                        tls_covers(ingress, rule.host),
                    )
                )
    for route in target.routes:
        for route_rule in route.rules:
            for backend in route_rule.backends:
                if backend.service != service:
                    continue
                port = "" if backend.port is None else str(backend.port)
                found.extend(
                    Exposure(
                        "HTTPRoute",
                        route.name,
                        route.hostnames,
                        path,
                        service,
                        port,
                        None,
                        route.gateways,
                    )
                    for path in route_rule.paths
                )
    return found


def exposing(target: TargetState, service: TargetService, port: ServicePort) -> list[Exposure]:
    """Every Ingress and HTTPRoute rule of `target` that routes to `service`'s `port`."""
    only_port = len(service.ports) == 1
    return [
        e
        for e in routing_to(target, service.name)
        if e.port in (str(port.port), port.name) or (e.port == "" and only_port)
    ]


def sends_to(port: ServicePort, container_port: int, containers: Iterable[ContainerSpec]) -> bool:
    """Does the Service port reach `container_port` of a pod with these containers? The one
    answer for the Mapping diff's ports and the Traffic step. A named targetPort (`targetPort:
    http`) is the pod's container port of that name, in any of its containers; a name no container
    declares reaches nothing (Kubernetes makes no endpoint for that pod)."""
    target = port.target_port or str(port.port)
    if target.isdigit():
        return int(target) == container_port
    return any(c.port_names.get(target) == container_port for c in containers)


def selecting_services(target: TargetState, workload: TargetWorkload) -> list[TargetService]:
    """The Services whose selector picks the workload's pods (a Service with no selector picks
    none: its endpoints are someone else's to write)."""
    return [
        service
        for service in target.services
        if service.selector
        and all(workload.pod_labels.get(k) == v for k, v in service.selector.items())
    ]


def services_for(
    target: TargetState, workload: TargetWorkload, container_port: int, protocol: str = "TCP"
) -> list[tuple[TargetService, ServicePort]]:
    """Every Service port, of the Services selecting the workload's pods, that reaches
    `container_port` over `protocol` (a Service port is TCP unless it says otherwise), in the
    target's order."""
    return [
        (service, port)
        for service in selecting_services(target, workload)
        for port in service.ports
        if port.protocol.upper() == protocol.upper()
        and sends_to(port, container_port, workload.containers)
    ]


def service_for(
    target: TargetState, workload: TargetWorkload, container_port: int, protocol: str = "TCP"
) -> tuple[TargetService, ServicePort] | None:
    """The Service (and its port) that reaches `container_port` of the workload's pods: the
    first of `services_for`, None when no Service does."""
    found = services_for(target, workload, container_port, protocol)
    return found[0] if found else None
