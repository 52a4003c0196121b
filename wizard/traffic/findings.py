"""The Traffic step's verdicts, pure: exposure per published port, where each name points,
the smoke answers side by side, and whether Compose has gone quiet.

Check ids: `traffic.<service>:<port>` (exposure), `traffic.<service>:<port>.smoke`,
`traffic.name:<host>`, `traffic.ttl:<host>`, `traffic.drain:<container>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from wizard.checks import Finding, Severity
from wizard.model import NameAnswer
from wizard.traffic.drain import DrainRate, bytes_text
from wizard.traffic.names import SYSTEM
from wizard.traffic.plan import PublishedPort, Route
from wizard.traffic.smoke import HttpAnswer

MAX_TTL_S = 300  # above this, lower the TTL before the cutover


def exposure_findings(port: PublishedPort, secrets: Iterable[str] | None) -> list[Finding]:
    """What replaces the published port. `secrets`: the namespace's Secret names (None: this
    identity may not list them)."""
    check = f"traffic.{port.label}"
    if port.workload is None:
        return [
            Finding(
                check,
                Severity.INFO,
                f"{port.label}: {port.service} matched no workload, so nothing to expose yet",
                fix="The Mapping step says which workload it should be (cutover.yaml `services:`).",
            )
        ]
    workload = f"{port.workload.kind} {port.workload.name}"
    if port.loopback_only:
        return [
            Finding(
                check,
                Severity.INFO,
                f"{port.label}: published on the Compose host's loopback only: the host's own "
                "use (an admin page), not site traffic",
                fix=f"On Kubernetes, reach it with `kubectl port-forward` to {workload}.",
            )
        ]
    if port.tls_ended_by and port.k8s_service is None:
        route = port.tls_ended_by[0]
        if secrets is not None and route.tls_secret not in set(secrets):
            return [
                Finding(
                    check,
                    Severity.BLOCK,
                    f"{port.label}: HTTPS is to end at Ingress {route.ingress} for {route.host}, "
                    f"but its TLS Secret {route.tls_secret} does not exist",
                    fix=f"Create the Secret (`kubectl create secret tls {route.tls_secret} "
                    "--cert=... --key=...`) or check cert-manager's Certificate, then press r.",
                )
            ]
        return [
            Finding(
                check,
                Severity.OK,
                f"{port.label}: HTTPS now ends at Ingress {route.ingress} for {route.host} "
                f"(TLS Secret {route.tls_secret}); the container's own TLS port is not needed",
            )
        ]
    if port.k8s_service is None or port.service_port is None:
        return [
            Finding(
                check,
                Severity.BLOCK,
                f"{port.label}: Compose publishes it, but no Service sends to port "
                f"{port.container_port} of {workload}",
                fix=f"Add a Service that selects {workload}'s pods with targetPort "
                f"{port.container_port}, apply it, then press r.",
            )
        ]
    svc = f"Service {port.k8s_service.name} port {port.service_port.port}"
    if not port.routes:
        if port.k8s_service.type in ("LoadBalancer", "NodePort"):
            return [Finding(check, Severity.OK, f"{port.label}: {svc} ({port.k8s_service.type})")]
        return [
            Finding(
                check,
                Severity.WARN,
                f"{port.label}: only {svc} ({port.k8s_service.type}) replaces it: reachable "
                "inside the cluster only, while Compose publishes it on its host",
                fix=f"If outside clients use it, add an Ingress (or HTTPRoute) to {svc}; if "
                "only the stack itself used it, acknowledge this at the gate.",
            )
        ]
    found = []
    for route in port.routes:
        where = f"{route.kind} {route.ingress}" + (f" host {route.host}" if route.host else "")
        if route.kind != "Ingress":
            found += _gateway_findings(check, f"{port.label}: {where} routes to {svc}", route)
            continue
        if not route.addresses:
            found.append(
                Finding(
                    f"{check}.address",
                    Severity.BLOCK,
                    f"{port.label}: {where} routes to {svc} but has no address yet: no "
                    "ingress controller has taken it",
                    fix=f"`kubectl get ingress {route.ingress}` shows ADDRESS once a controller "
                    "serves it: check its ingressClassName and that the controller runs.",
                )
            )
        if route.tls_secret and secrets is not None and route.tls_secret not in set(secrets):
            found.append(
                Finding(
                    f"{check}.tls",
                    Severity.BLOCK,
                    f"{port.label}: {where} names TLS Secret {route.tls_secret}, which does not "
                    "exist: HTTPS to it would fail",
                    fix=f"Create the Secret (`kubectl create secret tls {route.tls_secret} "
                    "--cert=... --key=...`) or let cert-manager issue it, then press r.",
                )
            )
    if not found:
        hosts = ", ".join(port.hosts) or "any host"
        addresses = ", ".join(dict.fromkeys(a for r in port.routes for a in r.addresses))
        found.append(
            Finding(check, Severity.OK, f"{port.label}: {svc} behind {hosts} at {addresses}")
        )
    return found


def _gateway_findings(check: str, routes_to: str, route: Route) -> list[Finding]:
    """An HTTPRoute's: its Gateways' addresses are where its names must point, as an Ingress's
    are (none when a Gateway found has one); its TLS, the listener's, is not read."""
    if route.addresses:
        return []
    if route.unread or not route.gateways:
        unread = route.unread or route.via or ("<gateway>",)
        return [
            Finding(
                f"{check}.gateway",
                Severity.INFO,
                f"{routes_to} through {', '.join(unread)}, whose address was not read (no "
                "permission to get it, or the target came from manifests), so the names are "
                "not compared with it",
                fix=f"`kubectl get gateway -n {_ns_name(unread[0])}` shows its addresses: check "
                "the names point there.",
            )
        ]
    if route.missing:
        missing = ", ".join(route.missing)
        return [
            Finding(
                f"{check}.address",
                Severity.BLOCK,
                f"{routes_to} through Gateway {missing}, which does not exist: nothing serves "
                "the route",
                fix="Create the Gateway or correct the HTTPRoute's parentRefs (`kubectl get "
                "gateways -A` lists those there are), then press r.",
            )
        ]
    gateways = ", ".join(route.gateways)
    return [
        Finding(
            f"{check}.address",
            Severity.BLOCK,
            f"{routes_to} but Gateway {gateways} has no address yet: no Gateway controller has "
            "programmed it",
            fix=f"`kubectl get gateway -n {_ns_name(route.gateways[0])}` shows ADDRESS once a "
            "controller serves it: check its gatewayClassName and that the controller runs.",
        )
    ]


def _ns_name(gateway: str) -> str:
    """`infra/public (listener https)` -> `infra public`, for `kubectl get gateway -n`."""
    namespace, _, name = gateway.split(" ", 1)[0].partition("/")
    return f"{namespace} {name}" if name else f"<namespace> {namespace}"


def name_findings(
    host: str,
    answers: Sequence[NameAnswer],
    ingress_addresses: Iterable[str],
    compose_addresses: Iterable[str],
    entry: str = "the Ingress",
) -> list[Finding]:
    """Where `host` points through each resolver asked, against the addresses of where outside
    traffic enters (`entry`: the Ingress, or an HTTPRoute's Gateway) and the Compose host's;
    then its TTL. Blocks until every answer is the entry's."""
    expected, old = set(ingress_addresses), set(compose_addresses)
    check = f"traffic.name:{host}"
    problems, seen, unresolved_here = [], [], ""
    servers_asked = any(a.via != SYSTEM for a in answers)
    for answer in answers:
        said = ", ".join(sorted(answer.addresses))  # round-robin DNS reorders them
        seen.append(f"{said or 'nothing'} via {answer.via}")
        if not answer.resolved and answer.via == SYSTEM and servers_asked:
            # A bastion often cannot resolve the public name at all: with the operator's own
            # servers asked, that is a caveat, not the verdict (an old answer here still blocks).
            unresolved_here = answer.error
        elif not answer.resolved:
            problems.append(f"via {answer.via}: {answer.error}")
        elif old & set(answer.addresses):
            still = ", ".join(sorted(old & set(answer.addresses)))
            problems.append(f"via {answer.via} it still points at the Compose host ({still})")
        elif expected and not expected & set(answer.addresses):
            problems.append(f"via {answer.via} it points at {said}, not {entry}")
    found = []
    ingress = ", ".join(sorted(expected)) or f"({entry} has no address yet)"
    if problems:
        found.append(
            Finding(
                check,
                Severity.BLOCK,
                f"{host}: " + "; ".join(problems),
                fix=f"Point {host} at {entry} ({ingress}) at your DNS provider, then press r "
                "(resolvers that cached the old answer keep it until its TTL runs out).",
                detail="; ".join(seen),
            )
        )
    elif not expected:
        found.append(
            Finding(
                check,
                Severity.INFO,
                f"{host}: {'; '.join(seen)} (no address of {entry} to compare with yet)",
            )
        )
    elif unresolved_here:
        found.append(
            Finding(
                check,
                Severity.WARN,
                f"{host}: {'; '.join(seen)}; this machine's resolver: {unresolved_here}",
                fix=f"The servers asked point it at {entry}; check from a client's network "
                "too (this machine may have no outside DNS), then acknowledge at the gate.",
            )
        )
    else:
        found.append(Finding(check, Severity.OK, f"{host}: {'; '.join(seen)}"))
    ttls = [(a.ttl, a.via) for a in answers if a.ttl is not None]
    if ttls:
        ttl, via = max(ttls)
        if ttl > MAX_TTL_S:
            # The TTL itself goes in `detail`: a caching resolver counts it down, and the
            # message is what an acknowledgement at the gate is tied to (its fingerprint).
            found.append(
                Finding(
                    f"traffic.ttl:{host}",
                    Severity.WARN,
                    f"{host}: TTL above {MAX_TTL_S} s: after the change, resolvers may keep "
                    "sending clients to the old address until it runs out",
                    fix=f"Lower the record's TTL to {MAX_TTL_S} s at least {_duration(ttl)} "
                    "before the cutover (one old TTL), then change the address.",
                    detail=f"TTL {ttl} s via {via}: clients may use the old address for "
                    f"{_duration(ttl)} or longer",
                )
            )
    return found


def smoke_finding(
    port: PublishedPort,
    path: str,
    compose: HttpAnswer | None,
    kube: HttpAnswer | None,
    read_only: bool = False,
) -> Finding:
    """The same request on both sides. `compose`/`kube` None: that side could not be asked
    (nothing publishes it now / no ready pod); read-only: the port-forward is not opened."""
    check = f"traffic.{port.label}.smoke"
    label = f"{port.label} GET {path}"
    if read_only:
        return Finding(
            check,
            Severity.INFO,
            f"{label}: not run in read-only mode (a port-forward is a create at the API server)",
            fix="Run without --read-only to send the smoke request to both sides.",
        )
    if kube is None:
        return Finding(
            check,
            Severity.BLOCK,
            f"{label}: no ready pod of {_workload(port)} to send it to",
            fix="The Pod health step shows why its pods are not ready.",
        )
    # The answers in the message, their times in the detail: a warning is acknowledged by
    # its message, and the times differ on every request.
    both = f"Compose: {compose.answer if compose else 'not asked'}; Kubernetes: {kube.answer}"
    timed_both = (
        f"Compose: {compose.summary if compose else 'not asked'}; Kubernetes: {kube.summary}"
    )
    if kube.status is None:
        return Finding(
            check,
            Severity.BLOCK,
            f"{label}: Kubernetes did not answer ({both})",
            fix=f"`kubectl logs` of {_workload(port)}'s pods; check the container listens on "
            f"{port.container_port}.",
            detail=timed_both,
        )
    if compose is None or compose.status is None:
        severity = Severity.WARN if kube.status < 500 else Severity.BLOCK
        return Finding(
            check,
            severity,
            f"{label}: only Kubernetes could be asked ({both})",
            fix="Compare by hand if the Compose side is already down; otherwise check the "
            "Compose host's address (cutover.yaml `compose_addresses`).",
            detail=timed_both,
        )
    if compose.status != kube.status:
        return Finding(
            check,
            Severity.BLOCK,
            f"{label}: the answers differ ({both})",
            fix=f"Find why {_workload(port)} answers {kube.status} where Compose answers "
            f"{compose.status}: its logs, its configuration (Mapping step), its data (Data "
            "step). Set another path in cutover.yaml `smoke:` if this one differs on purpose.",
            detail=timed_both,
        )
    return Finding(
        check,
        Severity.OK,
        f"{label}: the same answer on both sides ({kube.answer})",
        detail=timed_both,
    )


def drain_findings(
    rates: Sequence[DrainRate], names_moved: bool, quiet_below: float
) -> list[Finding]:
    """Compose still receiving traffic warns once the names point at Kubernetes (then it is
    clients that cached the old answer, or that use the address directly)."""
    found = []
    for rate in rates:
        check = f"traffic.drain:{rate.container}"
        if rate.error:
            found.append(Finding(check, Severity.INFO, f"{rate.text}"))
        elif not rate.busy(quiet_below):
            found.append(Finding(check, Severity.OK, f"quiet: {rate.text}"))
        elif not names_moved:
            found.append(
                Finding(
                    check,
                    Severity.INFO,
                    f"still serving: {rate.text} (the names still point at Compose)",
                )
            )
        else:
            # The rate goes in `detail`: it changes every second, and the message is what an
            # acknowledgement at the gate is tied to (its fingerprint).
            found.append(
                Finding(
                    check,
                    Severity.WARN,
                    f"{rate.container}: still receiving traffic (over {bytes_text(quiet_below)}/s), "
                    "though the names point at Kubernetes",
                    fix="Clients that cached the old answer or use the address directly: wait "
                    "one old TTL and press r, or acknowledge at the gate to take them down.",
                    detail=f"measured: {rate.text}",
                )
            )
    return found


def _workload(port: PublishedPort) -> str:
    return f"{port.workload.kind} {port.workload.name}" if port.workload else port.service


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
