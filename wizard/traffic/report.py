"""The Traffic step's check: the published ports' replacements, then names, smoke requests and
drain all at once (each waits on the network, not the CPU), as findings.

Reads the target as Mapping does (live, else the manifests) and matches with the one matcher.
Requests: the target read, one pod list per workload smoked, and one port-forward per published
port (a create at the API server: not in read-only mode, where smoke says so). Drain costs no
Kubernetes request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from wizard.checks import Finding, Severity
from wizard.errors import Forbidden, GatewayError
from wizard.traffic.drain import DrainRate, measure_drain
from wizard.traffic.findings import (
    drain_findings,
    exposure_findings,
    name_findings,
    smoke_finding,
)
from wizard.traffic.names import resolve_names
from wizard.traffic.plan import LOOPBACK, PublishedPort, entry_of, published_ports
from wizard.traffic.smoke import DEADLINE_S, HttpAnswer, smoke_request, timed

if TYPE_CHECKING:
    from wizard.config import CutoverConfig
    from wizard.gateways import ComposeHost, Gateways
    from wizard.model import ComposeContainer
    from wizard.steps import Round
    from wizard.target.model import TargetState


def check(round: Round) -> list[Finding]:
    return gather_traffic(round.config, round.gateways)


def gather_traffic(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return _gather(config, gateways, pool)


def _gather(config: CutoverConfig, gateways: Gateways, pool: ThreadPoolExecutor) -> list[Finding]:
    from wizard.compose.loader import load_project
    from wizard.mapping.build import read_target_for
    from wizard.mapping.match import match_services

    # The drain's second of sampling starts first: it needs only the project's containers, and
    # runs while the project and the target are read.
    containers_read = pool.submit(_containers, gateways, config.project_name)
    drain = pool.submit(_drain, gateways, containers_read)
    target_read = pool.submit(read_target_for, config, gateways)
    project = load_project(config)
    target = target_read.result()
    matching = match_services(
        project, target, config.services, config.project_name, config.config_file
    )
    ports = published_ports(project, target, matching.workloads)
    if not ports:
        return [
            Finding(
                "traffic",
                Severity.INFO,
                "No Compose service publishes a port: no outside traffic to move",
            )
        ]
    hosts = sorted({h for port in ports for h in port.hosts})
    names = pool.submit(resolve_names, gateways.resolver(), hosts, list(config.dns_servers))
    containers = containers_read.result()
    compose_addresses = _compose_addresses(config, gateways)
    smokes = {
        port.label: _smoke(pool, config, gateways, port, containers, compose_addresses)
        for port in ports
        if port.smoked
    }
    secrets = _tls_secrets(gateways, target, ports)
    findings = [f for port in ports for f in exposure_findings(port, secrets)]
    answers = names.result()
    moved = True
    for host in hosts:
        routes = [r for p in ports for r in p.routes if r.host == host]
        entry = {a for r in routes for a in r.addresses}  # an Ingress's, an HTTPRoute's Gateways'
        found = name_findings(host, answers[host], entry, compose_addresses, entry_of(routes))
        moved = moved and not any(f.blocks for f in found)
        findings += found
    for port in ports:
        if port.label in smokes:
            findings.append(smokes[port.label]())
    findings += drain_findings(drain.result(), moved and bool(hosts), config.quiet_below)
    return findings


def _drain(gateways: Gateways, containers_read: Future[list[ComposeContainer]]) -> list[DrainRate]:
    """The receive rates of the running containers that publish ports."""
    containers = containers_read.result()
    publishing = [c.name for c in containers if c.state == "running" and _site_facing(c)]
    return measure_drain(gateways.compose_host(), publishing)


def _site_facing(container: ComposeContainer) -> bool:
    """Publishes a port beyond the host's loopback: a port only the host itself reaches (an
    admin page on 127.0.0.1) carries no site traffic to drain. Also one stats stream fewer: the
    engine's collector answers a second subscriber only at its next one-second tick."""
    return any(ip not in LOOPBACK for ip, _, _, _ in container.published)


def _tls_secrets(
    gateways: Gateways, target: TargetState, ports: Sequence[PublishedPort]
) -> set[str] | None:
    """Which of the TLS Secrets the routes name exist. From the cluster each is read by name:
    cert-manager's Secrets carry none of the app's labels, so a selector-filtered target read
    never lists them. None when this identity may not read Secrets (nothing is claimed)."""
    named = {r.tls_secret for p in ports for r in (*p.routes, *p.tls_ended_by) if r.tls_secret}
    if "cluster" not in target.sources:
        return set(target.secrets) if target.secrets_readable else None
    cluster = gateways.cluster()
    found = set()
    try:
        for name in sorted(named):
            if cluster.read_secret_keys(name) is not None:
                found.add(name)
    except Forbidden:
        return None
    return found


def _smoke(
    pool: ThreadPoolExecutor,
    config: CutoverConfig,
    gateways: Gateways,
    port: PublishedPort,
    containers: Sequence[ComposeContainer],
    compose_addresses: Sequence[str],
) -> Callable[[], Finding]:
    """Start both sides of one smoke request; the returned function waits for its finding."""
    path = config.smoke_paths.get(port.service, "/")
    request = smoke_request(path, port.hosts[0] if port.hosts else port.service)
    if config.read_only:
        return lambda: smoke_finding(port, path, None, None, read_only=True)
    host = gateways.compose_host()
    compose = pool.submit(_ask_compose, host, port, containers, compose_addresses, request)
    kube = pool.submit(_ask_kubernetes, gateways, port, request)

    def finish() -> Finding:
        return smoke_finding(port, path, compose.result(), kube.result())

    return finish


def _ask_compose(
    host: ComposeHost,
    port: PublishedPort,
    containers: Sequence[ComposeContainer],
    addresses: Sequence[str],
    request: bytes,
) -> HttpAnswer | None:
    for container in containers:
        if container.service != port.service or container.state != "running":
            continue
        # IPv4 bindings first: the engine may publish another host port on `::`, and the
        # Compose host's address is an IPv4 one unless cutover.yaml says otherwise.
        for host_ip, host_port, inside, _ in sorted(container.published, key=_ipv6_last):
            if inside == port.container_port:
                address = _reach(host_ip, addresses)
                where = f"compose {address}:{host_port}"
                return timed(where, _sender(host, address, host_port, request))
    return None


def _sender(host: ComposeHost, address: str, port: int, request: bytes) -> Callable[[], bytes]:
    return lambda: host.ask_published(address, port, request, DEADLINE_S)


def _ipv6_last(binding: tuple[str, int, int, str]) -> bool:
    return ":" in binding[0]


def _reach(host_ip: str, addresses: Sequence[str]) -> str:
    """Where to connect for a binding: its own address when specific, else the Compose host's."""
    if host_ip and host_ip not in ("0.0.0.0", "::"):
        return host_ip
    return addresses[0] if addresses else "127.0.0.1"


def _ask_kubernetes(gateways: Gateways, port: PublishedPort, request: bytes) -> HttpAnswer | None:
    assert port.workload is not None
    cluster = gateways.cluster()
    selector = ",".join(f"{k}={v}" for k, v in sorted(port.workload.pod_labels.items()))
    try:
        pods = cluster.list_pods(selector)
    except GatewayError as exc:
        return HttpAnswer(f"kubernetes {port.workload.name}", error=str(exc))
    ready = [
        p for p in pods if p.phase == "Running" and p.ready_containers == p.total_containers > 0
    ]
    if not ready:
        return None
    pod = sorted(ready, key=lambda p: p.name)[0]
    where = f"kubernetes pod {pod.name}"
    return timed(
        where, lambda: cluster.port_forward(pod.name, port.container_port, request, DEADLINE_S)
    )


def _containers(gateways: Gateways, project: str) -> list[ComposeContainer]:
    try:
        return gateways.compose_host().project_containers(project)
    except GatewayError:
        return []  # the smoke's Compose side then says it could not be asked


def _compose_addresses(config: CutoverConfig, gateways: Gateways) -> list[str]:
    """The Compose host's addresses: cutover.yaml `compose_addresses`, else the Docker host's
    own, which its gateway finds once (ComposeHost.addresses), not on every check."""
    return list(config.compose_addresses) or list(gateways.compose_host().addresses())
