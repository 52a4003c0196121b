"""Ports: what Compose published (or exposed) against Services and Ingresses.

A Service whose selector picks the workload's pods must expose the container port. Host ports
80 and 443, the public entry, need an Ingress routing to that Service (with TLS for 443), or a
LoadBalancer/NodePort Service. Ports published on the host's loopback only become
`kubectl port-forward`.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.checks import Severity
from wizard.compose.model import PortMapping
from wizard.mapping.common import NONE, Context, row
from wizard.mapping.hosts import selecting_services
from wizard.mapping.model import DiffRow
from wizard.target.model import IngressRule, ServicePort, TargetIngress, TargetService

_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_OUTSIDE = ("LoadBalancer", "NodePort")


@dataclass(frozen=True)
class Exposure:
    service: TargetService
    port: ServicePort


def _targets(ctx: Context, port: ServicePort, container_port: int) -> bool:
    """Does this Service port send traffic to the container port?"""
    target = port.target_port or str(port.port)
    if target.isdigit():
        return int(target) == container_port
    # A named targetPort: the container port of that name. Names are not in the model, so:
    # a container with one port is that port; otherwise trust a Service port of the same number.
    numbers = [number for number, _ in ctx.container.ports]
    if len(numbers) == 1:
        return numbers[0] == container_port
    return port.port == container_port


def exposures(ctx: Context, container_port: int, protocol: str = "tcp") -> list[Exposure]:
    return [
        Exposure(service, port)
        for service in selecting_services(ctx.target, ctx.workload)
        for port in service.ports
        if port.protocol.lower() == protocol.lower() and _targets(ctx, port, container_port)
    ]


def _routes(ctx: Context, names: set[str]) -> list[tuple[TargetIngress, IngressRule]]:
    return [
        (ingress, rule)
        for ingress in ctx.target.ingresses
        for rule in ingress.rules
        if rule.service in names
    ]


def _tls_covers(ingress: TargetIngress, host: str) -> bool:
    for tls in ingress.tls_hosts:
        if tls == host or (
            tls.startswith("*.") and host.endswith(tls[1:]) and host.count(".") == tls.count(".")
        ):
            return True
    return False


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


def _add_service_fix(ctx: Context, port: int) -> str:
    selector = ", ".join(f"{k}: {v}" for k, v in ctx.workload.pod_labels.items())
    return (
        f"Add a Service with selector {{{selector}}} and ports: [{{port: {port}, targetPort: "
        f"{port}}}] (kubectl expose {ctx.workload.kind.lower()}/{ctx.workload.name} --port "
        f"{port} -n {ctx.namespace})."
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
    return row(
        field,
        left,
        NONE,
        Severity.WARN,
        f"Compose exposes port {number} to the other services; no Service exposes it in "
        "Kubernetes, so other pods cannot reach it by name.",
        _add_service_fix(ctx, number),
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
    return row(
        field,
        left,
        NONE,
        Severity.WARN,
        f"Compose publishes container port {port.target}; no Service exposes it in Kubernetes: "
        "neither other pods nor anything outside can reach it.",
        _add_service_fix(ctx, port.target),
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
    routes = _routes(ctx, names)
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
        service = sorted(names)[0] if names else "<a Service selecting its pods>"
        tls = (
            " with spec.tls for that host (and a certificate, e.g. from cert-manager)"
            if https
            else ""
        )
        return row(
            field,
            left,
            _service_text(found) or NONE,
            Severity.BLOCK,
            f"Compose serves {scheme} on the host's port {port.published}, the public entry. "
            "Nothing in Kubernetes accepts it from outside the cluster: no Ingress routes to "
            f"{ctx.workload.kind} {ctx.workload.name}.",
            f"Add an Ingress routing your domain to Service {service}{tls}."
            + ("" if names else " " + _add_service_fix(ctx, port.target if not https else 80)),
        )
    ingress_text = "; ".join(
        f"Ingress {ing.name} {rule.host or '*'}{rule.path or '/'} → {rule.service}"
        + (" (TLS)" if _tls_covers(ing, rule.host) else "")
        for ing, rule in routes
    )
    right = "; ".join(t for t in (_service_text(found), ingress_text) if t)
    if https:
        untls = [(ing, rule) for ing, rule in routes if not _tls_covers(ing, rule.host)]
        if len(untls) == len(routes):
            ing, rule = untls[0]
            host = rule.host or "<your-domain>"
            return row(
                field,
                left,
                right,
                Severity.WARN,
                f"Ingress {ing.name} routes {host} to the Service, but has no TLS for it: "
                f"https://{host} will not work, though Compose served HTTPS.",
                f"Add to Ingress {ing.name}: spec.tls: [{{hosts: [{host}], secretName: "
                f"{ing.name}-tls}}] (with cert-manager, also the annotation "
                "cert-manager.io/cluster-issuer).",
            )
        hosts = ", ".join(sorted({r.host for i, r in routes if _tls_covers(i, r.host)}))
        return row(
            field,
            left,
            right,
            Severity.OK,
            f"HTTPS ends at the Ingress (TLS for {hosts}), which forwards plain HTTP to the pods.",
        )
    if not found:
        return row(
            field,
            left,
            right,
            Severity.WARN,
            f"An Ingress routes to {', '.join(sorted(names))}, but no Service port targets "
            f"container port {port.target}: requests will not reach the pods.",
            _add_service_fix(ctx, port.target),
        )
    return row(
        field, left, right, Severity.OK, f"The Ingress takes {scheme} and routes it to the Service."
    )
