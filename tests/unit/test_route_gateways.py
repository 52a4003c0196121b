"""An HTTPRoute's names are checked against its parent Gateways' addresses, as an Ingress's are
against its own: which parentRefs are Gateways, a Gateway's status.addresses, the Traffic plan's
routes with them, and the exposure and name findings. The live read of Gateways (404 on the
group, a Gateway in another namespace, one refused) is in tests/integration/test_route_gateways.py.
"""

from __future__ import annotations

from typing import Any

from wizard.checks import Severity
from wizard.compose.model import ComposeProject, ComposeService, PortMapping
from wizard.model import NameAnswer
from wizard.target.model import (
    ContainerSpec,
    IngressRule,
    ServicePort,
    TargetIngress,
    TargetService,
    TargetState,
    TargetWorkload,
)
from wizard.target.routes import GatewayRef, RouteGateway, gateway_addresses, http_route
from wizard.traffic.findings import exposure_findings, name_findings
from wizard.traffic.plan import PublishedPort, entry_of, published_ports

HOST, GATEWAY_ADDRESS, OLD = "shop.test", "198.51.100.9", "192.0.2.10"
WEB = TargetWorkload(
    "Deployment",
    "web",
    pod_labels={"app": "web"},
    containers=(ContainerSpec("web", ports=((8080, "TCP"),)),),
)
PUBLIC = GatewayRef("infra", "public")


def route_doc(*parents: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "parentRefs": list(parents) or [{"name": "public", "namespace": "infra"}],
            "hostnames": [HOST],
            "rules": [{"backendRefs": [{"name": "web", "port": 80}]}],
        },
    }


def test_only_parent_refs_that_are_gateways_are_read_for_addresses() -> None:
    route = http_route(
        route_doc(
            {"name": "public", "namespace": "infra", "sectionName": "https"},
            {"name": "public", "namespace": "infra", "sectionName": "http"},  # the same Gateway
            {"name": "internal"},  # the route's own namespace
            {"name": "web", "kind": "Service", "group": ""},  # a mesh route's parent
            {"name": "edge", "group": "example.com", "kind": "Gateway"},  # not the Gateway API's
            {"namespace": "infra"},  # no name
        )
    )
    assert route.parents == (PUBLIC, GatewayRef("shop", "internal"))
    assert PUBLIC.text == "infra/public"


def test_a_gateways_addresses_are_its_status_values_each_once() -> None:
    gateway = {
        "status": {
            "addresses": [
                {"type": "IPAddress", "value": GATEWAY_ADDRESS},
                {"type": "Hostname", "value": "lb.example.com"},
                {"type": "IPAddress", "value": GATEWAY_ADDRESS},
                {"type": "IPAddress"},
                "not an address",
            ]
        }
    }
    assert gateway_addresses(gateway) == (GATEWAY_ADDRESS, "lb.example.com")
    assert gateway_addresses({"status": {"addresses": None}}) == ()
    assert gateway_addresses({}) == ()


def _target(*gateways: RouteGateway, route: dict[str, Any] | None = None) -> TargetState:
    service = TargetService("web", {"app": "web"}, (ServicePort(80, "8080"),))
    return TargetState(
        "shop",
        (WEB,),
        (service,),
        routes=(http_route(route or route_doc()),),
        gateways=gateways,
        sources=("cluster",),
    )


def _port(target: TargetState) -> PublishedPort:
    project = ComposeProject(
        "shop", {"web": ComposeService("web", ports=(PortMapping(8080, "80"),))}
    )
    [port] = published_ports(project, target, {"web": WEB})
    return port


def test_a_route_is_served_at_its_gateways_addresses_like_an_ingress() -> None:
    port = _port(_target(RouteGateway("infra", "public", (GATEWAY_ADDRESS,))))
    [route] = port.routes
    assert (route.kind, route.host, route.addresses) == ("HTTPRoute", HOST, (GATEWAY_ADDRESS,))
    assert route.entry == "Gateway infra/public"
    [ok] = exposure_findings(port, secrets=[])
    assert ok.severity is Severity.OK
    assert HOST in ok.message and GATEWAY_ADDRESS in ok.message


def test_a_gateway_with_no_address_yet_blocks_as_an_ingress_without_one_does() -> None:
    [finding] = exposure_findings(_port(_target(RouteGateway("infra", "public"))), secrets=[])
    assert finding.blocks and finding.check == "traffic.web:8080.address"
    assert "Gateway infra/public has no address yet" in finding.message
    assert "kubectl get gateway -n infra public" in finding.fix


def test_a_gateway_that_does_not_exist_blocks_and_says_so() -> None:
    port = _port(_target(RouteGateway("infra", "public", found=False)))
    assert port.routes[0].missing == ("infra/public",)
    [finding] = exposure_findings(port, secrets=[])
    assert finding.blocks and "Gateway infra/public, which does not exist" in finding.message
    assert "parentRefs" in finding.fix


def test_a_gateway_not_read_is_said_and_the_names_are_not_compared() -> None:
    port = _port(_target())  # refused, or the target came from manifests
    [route] = port.routes
    assert (route.addresses, route.unread) == ((), ("infra/public",))
    [finding] = exposure_findings(port, secrets=[])
    assert finding.severity is Severity.INFO and "was not read" in finding.message
    assert "kubectl get gateway -n infra public" in finding.fix


def test_one_gateway_with_an_address_serves_the_route_when_another_is_missing() -> None:
    doc = route_doc({"name": "public", "namespace": "infra"}, {"name": "gone"})
    target = _target(
        RouteGateway("infra", "public", (GATEWAY_ADDRESS,)),
        RouteGateway("shop", "gone", found=False),
        route=doc,
    )
    [route] = _port(target).routes
    assert route.addresses == (GATEWAY_ADDRESS,) and route.missing == ("shop/gone",)
    assert [f.severity for f in exposure_findings(_port(target), secrets=[])] == [Severity.OK]


def test_the_names_check_compares_a_routes_host_with_its_gateway() -> None:
    [route] = _port(_target(RouteGateway("infra", "public", (GATEWAY_ADDRESS,)))).routes
    entry = entry_of([route])
    assert entry == "Gateway infra/public"
    wrong = NameAnswer(HOST, "10.0.0.2", ("203.0.113.50",), 60)
    [blocked] = name_findings(HOST, [wrong], route.addresses, [OLD], entry)
    assert blocked.blocks and "not Gateway infra/public" in blocked.message
    assert f"Point {HOST} at Gateway infra/public ({GATEWAY_ADDRESS})" in blocked.fix
    old = NameAnswer(HOST, "10.0.0.2", (OLD,), 60)
    [still] = name_findings(HOST, [old], route.addresses, [OLD], entry)
    assert still.blocks and "still points at the Compose host" in still.message
    moved = NameAnswer(HOST, "10.0.0.2", (GATEWAY_ADDRESS,), 60)
    [ok] = name_findings(HOST, [moved], route.addresses, [OLD], entry)
    assert ok.severity is Severity.OK


def test_an_ingress_only_host_keeps_the_ingress_words() -> None:
    ingress = TargetIngress("web", (IngressRule(HOST, "/", "web", "80"),), addresses=(OLD,))
    target = TargetState(
        "shop",
        (WEB,),
        (TargetService("web", {"app": "web"}, (ServicePort(80, "8080"),)),),
        (ingress,),
        routes=(http_route(route_doc()),),
        gateways=(RouteGateway("infra", "public", (GATEWAY_ADDRESS,)),),
    )
    routes = _port(target).routes
    assert entry_of([r for r in routes if r.kind == "Ingress"]) == "the Ingress"
    assert entry_of(routes) == "Ingress web or Gateway infra/public"
