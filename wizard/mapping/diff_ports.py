"""Ports: what Compose published (or exposed) against Services and Ingresses.

A Service whose selector picks the workload's pods must expose the container port, over the
same protocol (a Service port is TCP unless it says UDP: the finding and its fix say which), by
number or by the name of a container port (`targetPort: http`, wizard.target.exposure.sends_to).
A published port no Service reaches warns; with no Service selecting the pods at all, nothing
reaches the workload: block. Host ports 80 and 443, the public entry, need an Ingress or a
Gateway API HTTPRoute routing to that Service port (wizard.target.exposure; with TLS for 443: an
Ingress's spec.tls, or the Gateway listener's, which is not read), or a LoadBalancer/NodePort
Service. Ports published on the host's loopback only become `kubectl port-forward`.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.checks import Severity
from wizard.compose.model import PortMapping
from wizard.mapping.common import NONE, Context, row
from wizard.mapping.model import DiffRow
from wizard.target.exposure import Exposure as Route
from wizard.target.exposure import exposing, routing_to, selecting_services, services_for
from wizard.target.model import ServicePort, TargetService

_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_OUTSIDE = ("LoadBalancer", "NodePort")


@dataclass(frozen=True)
class Exposure:
    service: TargetService
    port: ServicePort


def exposures(ctx: Context, container_port: int, protocol: str = "tcp") -> list[Exposure]:
    """The Service ports that reach the container port (wizard.target.exposure.services_for, the
    Traffic step's answer too)."""
    return [
        Exposure(service, port)
        for service, port in services_for(ctx.target, ctx.workload, container_port, protocol)
    ]


def _routes(ctx: Context, names: set[str]) -> tuple[list[Route], list[Route]]:
    """(the Ingress and HTTPRoute rules routing to a port of a Service selecting the workload,
    those naming such a Service but a port it does not have)."""
    routes: list[Route] = []
    for service in ctx.target.services:
        if service.name in names:
            for port in service.ports:
                routes.extend(r for r in exposing(ctx.target, service, port) if r not in routes)
    dangling = [
        r for name in sorted(names) for r in routing_to(ctx.target, name) if r not in routes
    ]
    return routes, dangling


def _compose_text(port: PortMapping) -> str:
    proto = "" if port.protocol == "tcp" else f"/{port.protocol}"
    if not port.published:
        return f"{port.target}{proto}"
    ip = f"{port.host_ip}:" if port.host_ip else ""
    return f"{ip}{port.published}:{port.target}{proto}"


def _service_text(found: list[Exposure]) -> str:
    return ", ".join(
        f"Service {e.service.name}:{e.port.port}"
        + (f" ({e.service.type})" if e.service.type != "ClusterIP" else "")
        for e in found
    )


def _add_service_fix(ctx: Context, port: int, protocol: str = "tcp") -> str:
    selector = ", ".join(f"{k}: {v}" for k, v in ctx.workload.pod_labels.items())
    # A Service port is TCP unless it says otherwise: the fix must say UDP (or SCTP).
    upper = protocol.upper()
    field = "" if upper == "TCP" else f", protocol: {upper}"
    flag = "" if upper == "TCP" else f" --protocol {upper}"
    return (
        f"Add a Service with selector {{{selector}}} and ports: [{{port: {port}, targetPort: "
        f"{port}{field}}}] (kubectl expose {ctx.workload.kind.lower()}/{ctx.workload.name} --port "
        f"{port}{flag} -n {ctx.namespace})."
    )


def _unknown_port_name(
    ctx: Context, field: str, left: str, number: int, published: str = ""
) -> DiffRow | None:
    """A Service port of the workload's whose `targetPort` names a port no container of the pod
    declares (`targetPort: http` with `containerPort: 8000` unnamed): Kubernetes sends it
    nowhere. Said when the Service port has the container port's number or the published one
    (`8080:80` behind Service port 8080), or is the Service's only port."""
    for service in selecting_services(ctx.target, ctx.workload):
        for port in service.ports:
            name = port.target_port
            if not name or name.isdigit():
                continue
            if any(name in c.port_names for c in ctx.workload.containers):
                continue
            if str(port.port) not in (str(number), published) and len(service.ports) > 1:
                continue
            return row(
                field,
                left,
                f"Service {service.name}:{port.port} → {name}",
                Severity.WARN,
                f"Service {service.name} sends port {port.port} to targetPort {name}, a name no "
                f"container of {ctx.workload.kind} {ctx.workload.name} declares: Kubernetes "
                f"sends it nowhere, so nothing reaches container port {number}.",
                f"Name the container port in {ctx.spec('ports')}: `- {{containerPort: {number}, "
                f"name: {name}}}` (or set targetPort: {number} in Service {service.name}).",
            )
    return None


def _wrong_protocol(
    ctx: Context, field: str, left: str, number: int, protocol: str
) -> DiffRow | None:
    """The Service ports that reach the container port over another protocol than Compose's
    (a Service port is TCP unless it says `protocol: UDP`): say so, and the protocol to add."""
    found = [
        e
        for p in ("TCP", "UDP", "SCTP")
        if p != protocol.upper()
        for e in exposures(ctx, number, p)
    ]
    if not found:
        return None
    upper = protocol.upper()
    first = found[0]
    return row(
        field,
        left,
        _service_text(found),
        Severity.WARN,
        f"{_service_text(found)} sends {first.port.protocol.upper()} to container port {number}, "
        f"but Compose uses it over {upper}: no Service exposes it over {upper}, so nothing "
        "reaches it.",
        f"Add a port with `protocol: {upper}` to Service {first.service.name}: ports: [{{port: "
        f"{first.port.port}, targetPort: {number}, protocol: {upper}}}] (a Service may list the "
        f"same port once for each protocol).",
    )


def port_rows(ctx: Context) -> list[DiffRow]:
    rows = [_published(ctx, port) for port in ctx.service.ports]
    published = {p.target for p in ctx.service.ports}
    for exposed in ctx.service.expose:
        number, _, protocol = exposed.partition("/")
        if number.isdigit() and int(number) not in published:
            rows.append(_exposed(ctx, int(number), protocol or "tcp"))
    return rows


def _exposed(ctx: Context, number: int, protocol: str) -> DiffRow:
    field = f"ports:{number}"
    found = exposures(ctx, number, protocol)
    left = f"{number} (expose)"
    if found:
        return row(
            field,
            left,
            _service_text(found),
            Severity.OK,
            f"Other pods reach it as {found[0].service.name}:{found[0].port.port}.",
        )
    if (other := _wrong_protocol(ctx, field, left, number, protocol)) is not None:
        return other
    if (unnamed := _unknown_port_name(ctx, field, left, number)) is not None:
        return unnamed
    return row(
        field,
        left,
        NONE,
        Severity.WARN,
        f"Compose exposes port {number} to the other services; no Service exposes it in "
        "Kubernetes, so other pods cannot reach it by name.",
        _add_service_fix(ctx, number, protocol),
    )


def _published(ctx: Context, port: PortMapping) -> DiffRow:
    field = f"ports:{port.published or port.target}"
    left = _compose_text(port)
    found = exposures(ctx, port.target, port.protocol)
    outside = [e for e in found if e.service.type in _OUTSIDE]
    right = _service_text(found) or NONE

    if port.host_ip in _LOOPBACK:
        how = (
            f"kubectl port-forward svc/{found[0].service.name} {port.published}:{found[0].port.port} -n {ctx.namespace}"
            if found
            else f"kubectl port-forward {ctx.workload.kind.lower()}/{ctx.workload.name} {port.published}:{port.target} -n {ctx.namespace}"
        )
        return row(
            field,
            left,
            right,
            Severity.INFO,
            f"Compose publishes port {port.published} on the Docker host's loopback only (for "
            "people on that host). In Kubernetes, reach it with kubectl port-forward.",
            how,
        )

    if port.published in ("80", "443"):
        return _public(ctx, port, field, left, found, outside)

    if outside:
        return row(
            field,
            left,
            right,
            Severity.OK,
            f"Reachable from outside the cluster through {_service_text(outside)}.",
        )
    routed = [r for e in found for r in exposing(ctx.target, e.service, e.port)]
    if routed:
        return row(
            field,
            left,
            "; ".join([right, *(r.text for r in routed)]),
            Severity.OK,
            f"Reachable from outside the cluster through {_kinds(routed)}.",
        )
    if found:
        published = (
            f" on host port {port.published}" if port.published else " on a random host port"
        )
        return row(
            field,
            left,
            right,
            Severity.INFO,
            f"Reachable inside the cluster as {found[0].service.name}:{found[0].port.port}. "
            f"Compose also published it{published}: clients outside the cluster need a "
            "LoadBalancer or NodePort Service, or an Ingress.",
            f"If something outside the cluster uses port {port.published or port.target}, set "
            f"spec.type: LoadBalancer on Service {found[0].service.name} or add an Ingress.",
        )
    if (other := _wrong_protocol(ctx, field, left, port.target, port.protocol)) is not None:
        return other
    unnamed = _unknown_port_name(ctx, field, left, port.target, port.published)
    if unnamed is not None:
        return unnamed
    if not selecting_services(ctx.target, ctx.workload):
        # Not one Service selects the pods: nothing, inside or outside, reaches the workload
        # that Compose published to the world.
        return row(
            field,
            left,
            NONE,
            Severity.BLOCK,
            f"Compose publishes container port {port.target}; no Service selects "
            f"{ctx.workload.kind} {ctx.workload.name}'s pods in Kubernetes: neither other pods "
            "nor anything outside can reach it.",
            _add_service_fix(ctx, port.target, port.protocol),
        )
    return row(
        field,
        left,
        NONE,
        Severity.WARN,
        f"Compose publishes container port {port.target}; no Service exposes it in Kubernetes: "
        "neither other pods nor anything outside can reach it.",
        _add_service_fix(ctx, port.target, port.protocol),
    )


def _public(
    ctx: Context,
    port: PortMapping,
    field: str,
    left: str,
    found: list[Exposure],
    outside: list[Exposure],
) -> DiffRow:
    https = port.published == "443"
    names = {s.name for s in selecting_services(ctx.target, ctx.workload)}
    routes, dangling = _routes(ctx, names)
    scheme = "HTTPS" if https else "HTTP"
    if outside and not routes:
        return row(
            field,
            left,
            _service_text(outside),
            Severity.OK,
            f"{_service_text(outside)} takes {scheme} from outside the cluster.",
        )
    if not routes:
        return _not_routed(ctx, port, field, left, found, names, dangling, scheme)
    right = "; ".join(t for t in (_service_text(found), "; ".join(r.text for r in routes)) if t)
    if https:
        return _https(field, left, right, routes)
    # Plain HTTP goes through to the pods: the rule must reach a Service port that reaches the
    # container port (HTTPS ends at the Ingress or Gateway, which may forward to another port).
    reaching = [r for e in found for r in exposing(ctx.target, e.service, e.port)]
    if not reaching:
        return row(
            field,
            left,
            right,
            Severity.WARN,
            f"{_kinds(routes)} routes to {', '.join(sorted(names))}, but no Service port it "
            f"routes to targets container port {port.target}: requests will not reach the pods.",
            _add_service_fix(ctx, port.target)
            if not found
            else f"Route to port {found[0].port.port} of Service {found[0].service.name}.",
        )
    return row(
        field,
        left,
        right,
        Severity.OK,
        f"{_kinds(reaching)} takes {scheme} and routes it to the Service.",
    )


def _kinds(routes: list[Route]) -> str:
    return " and ".join(dict.fromkeys(f"{r.kind} {r.name}" for r in routes))


def _https(field: str, left: str, right: str, routes: list[Route]) -> DiffRow:
    with_tls = [r for r in routes if r.tls]
    if with_tls:
        hosts = ", ".join(sorted({h for r in with_tls for h in r.hosts})) or "*"
        return row(
            field,
            left,
            right,
            Severity.OK,
            f"HTTPS ends at the Ingress (TLS for {hosts}), which forwards plain HTTP to the pods.",
        )
    gateway_routes = [r for r in routes if r.kind == "HTTPRoute"]
    if gateway_routes:
        route = gateway_routes[0]
        gateways = ", ".join(dict.fromkeys(g for r in gateway_routes for g in r.via))
        gateways = gateways or "its Gateway"
        hosts = ", ".join(route.hosts) or "every host of its listener"
        return row(
            field,
            left,
            right,
            Severity.INFO,
            f"HTTPRoute {route.name} routes {hosts} to the Service; whether it takes HTTPS is "
            f"decided by the listener of {gateways}, which cutover does not read.",
            f"Check that {gateways} has an HTTPS listener (protocol HTTPS, a certificateRef) for "
            f"{hosts}: `kubectl get gateway -A -o yaml`.",
        )
    route = routes[0]
    host = route.hosts[0] if route.hosts else "<your-domain>"
    return row(
        field,
        left,
        right,
        Severity.WARN,
        f"Ingress {route.name} routes {host} to the Service, but has no TLS for it: "
        f"https://{host} will not work, though Compose served HTTPS.",
        f"Add to Ingress {route.name}: spec.tls: [{{hosts: [{host}], secretName: "
        f"{route.name}-tls}}] (with cert-manager, also the annotation "
        "cert-manager.io/cluster-issuer).",
    )


def _not_routed(
    ctx: Context,
    port: PortMapping,
    field: str,
    left: str,
    found: list[Exposure],
    names: set[str],
    dangling: list[Route],
    scheme: str,
) -> DiffRow:
    """Nothing routes outside traffic to a port of a Service selecting the workload."""
    if dangling:
        shown = "; ".join(r.text for r in dangling)
        ports = ", ".join(
            f"{s.name}: {', '.join(str(p.port) for p in s.ports) or 'none'}"
            for s in ctx.target.services
            if s.name in names
        )
        return row(
            field,
            left,
            "; ".join(t for t in (_service_text(found), shown) if t),
            Severity.WARN,
            f"{shown}: that Service has no such port (its ports: {ports}), so the rule routes "
            "nowhere.",
            "Route to a port the Service has"
            + (
                f": port {found[0].port.port} of Service {found[0].service.name}." if found else "."
            ),
        )
    https = scheme == "HTTPS"
    service = sorted(names)[0] if names else "<a Service selecting its pods>"
    tls = (
        " with spec.tls for that host (and a certificate, e.g. from cert-manager)" if https else ""
    )
    return row(
        field,
        left,
        _service_text(found) or NONE,
        Severity.BLOCK,
        f"Compose serves {scheme} on the host's port {port.published}, the public entry. "
        "Nothing in Kubernetes accepts it from outside the cluster: no Ingress or HTTPRoute "
        f"routes to {ctx.workload.kind} {ctx.workload.name}.",
        f"Add an Ingress routing your domain to Service {service}{tls} (or a Gateway API "
        "HTTPRoute)."
        + ("" if names else " " + _add_service_fix(ctx, port.target if not https else 80)),
    )
