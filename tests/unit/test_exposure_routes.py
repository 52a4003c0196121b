"""Gateway API HTTPRoutes read from manifests, what exposes a Service port (Ingress or HTTPRoute
rules), and the public ports of the mapping diff against them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.mapping_builders import config, container, diff, kube_service, service, workload
from wizard.checks import Severity
from wizard.compose.model import PortMapping
from wizard.target.exposure import exposing, routing_to
from wizard.target.manifests import load_manifests
from wizard.target.model import IngressRule, ServicePort, TargetIngress, TargetState
from wizard.target.routes import GatewayRef, HttpRoute, RouteBackend, RouteRule, http_route

OK, INFO, WARN, BLOCK = Severity.OK, Severity.INFO, Severity.WARN, Severity.BLOCK
WEB = container("web", ports=((8080, "TCP"),))
SVC = kube_service("web", "web", ServicePort(80, "8080", name="http"), ServicePort(9090, "9090"))
HTTP, HTTPS = PortMapping(8080, "80"), PortMapping(8080, "443")


def route_doc(
    backend: dict[str, Any] | None = None,
    version: str = "v1",
    hostnames: tuple[str, ...] = ("shop.example.com",),
    name: str = "web",
) -> dict[str, Any]:
    return {
        "apiVersion": f"gateway.networking.k8s.io/{version}",
        "kind": "HTTPRoute",
        "metadata": {"name": name},
        "spec": {
            "parentRefs": [{"name": "public", "namespace": "infra", "sectionName": "https"}],
            "hostnames": list(hostnames),
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/shop"}}],
                    "backendRefs": [backend or {"name": "web", "port": 80}],
                }
            ],
        },
    }


def test_an_http_route_is_read_in_both_versions() -> None:
    for version in ("v1", "v1beta1"):
        route = http_route(route_doc(version=version), "shop")
        assert route == HttpRoute(
            "web",
            ("shop.example.com",),
            (RouteRule(("/shop",), (RouteBackend("web", 80),)),),
            ("infra/public (listener https)",),
            (GatewayRef("infra", "public"),),
        )


@pytest.mark.parametrize(
    "backend",
    [
        {"name": "web", "port": 80, "namespace": "other"},  # another namespace's Service
        {"name": "web", "port": 80, "kind": "ServiceImport", "group": "multicluster.x-k8s.io"},
        {"port": 80},  # no name
    ],
)
def test_backends_that_are_not_a_service_of_the_target_are_left_out(
    backend: dict[str, Any],
) -> None:
    [rule] = http_route(route_doc(backend), "shop").rules
    assert rule.backends == ()


def test_manifests_keep_http_routes_instead_of_ignoring_them(tmp_path: Path) -> None:
    (tmp_path / "route.yaml").write_text(
        yaml.safe_dump_all([route_doc(version="v1beta1"), route_doc(name="api")])
    )
    state = load_manifests(tmp_path, "shop")
    assert [r.name for r in state.routes] == ["api", "web"]
    assert "HTTPRoute" not in state.ignored_kinds


def _state(**fields: Any) -> TargetState:
    return TargetState("shop", services=(SVC,), **fields)


def test_exposing_matches_the_service_port_by_number_or_name() -> None:
    by_name = TargetIngress(
        "i", (IngressRule("a.example.com", "/", "web", "http"),), ("a.example.com",)
    )
    by_number = TargetIngress("j", (IngressRule("", "", "web", "9090"),))
    route = http_route(route_doc(), "shop")
    state = _state(ingresses=(by_name, by_number), routes=(route,))
    http, metrics = SVC.ports
    assert [(e.kind, e.name, e.hosts, e.tls) for e in exposing(state, SVC, http)] == [
        ("Ingress", "i", ("a.example.com",), True),
        ("HTTPRoute", "web", ("shop.example.com",), None),
    ]
    assert [e.name for e in exposing(state, SVC, metrics)] == ["j"]
    [shown] = [e for e in exposing(state, SVC, http) if e.kind == "HTTPRoute"]
    assert shown.text == (
        "HTTPRoute web shop.example.com/shop → web:80 via Gateway infra/public (listener https)"
    )
    # A rule naming a port the Service does not have routes nowhere: listed by routing_to only.
    wrong = http_route(route_doc({"name": "web", "port": 8443}), "shop")
    assert exposing(_state(routes=(wrong,)), SVC, http) == []
    assert [e.port for e in routing_to(_state(routes=(wrong,)), "web")] == ["8443"]


def test_a_rule_without_a_port_counts_only_for_a_single_port_service() -> None:
    bare = http_route(route_doc({"name": "web"}), "shop")
    single = kube_service("web", "web", 80)
    assert len(exposing(TargetState("shop", routes=(bare,)), single, single.ports[0])) == 1
    assert exposing(_state(routes=(bare,)), SVC, SVC.ports[0]) == []


def _public(port: PortMapping, *routes: dict[str, Any], **fields: Any) -> Any:
    rows = diff(
        service("web", ports=(port,)),
        workload("web", WEB),
        services=(SVC,),
        routes=tuple(http_route(r, "shop") for r in routes),
        **fields,
    )
    return rows[f"ports:{port.published}"]


def test_port_80_behind_a_cluster_ip_service_is_exposed_by_an_http_route() -> None:
    row = _public(HTTP, route_doc())
    assert row.finding.severity is OK, row.finding.message
    assert "HTTPRoute web takes HTTP" in row.finding.message
    assert "HTTPRoute web shop.example.com/shop → web:80" in row.kubernetes
    # v1beta1 reads the same.
    assert _public(HTTP, route_doc(version="v1beta1")).finding.severity is OK


def test_port_443_through_an_http_route_leaves_tls_to_the_gateway() -> None:
    row = _public(HTTPS, route_doc())
    assert row.finding.severity is INFO
    assert "listener of infra/public (listener https)" in row.finding.message
    assert "HTTPS listener" in row.finding.fix


def test_an_http_route_to_another_port_or_service_does_not_expose_it() -> None:
    # The metrics port does not reach container port 8080: HTTP would not reach the pods.
    metrics = _public(HTTP, route_doc({"name": "web", "port": 9090}))
    assert metrics.finding.severity is WARN
    assert "targets container port 8080" in metrics.finding.message
    assert "Route to port 80 of Service web" in metrics.finding.fix
    # A port the Service does not have: the rule routes nowhere.
    nowhere = _public(HTTP, route_doc({"name": "web", "port": 8443}))
    assert nowhere.finding.severity is WARN
    assert "that Service has no such port (its ports: web: 80, 9090)" in nowhere.finding.message
    # Another Service: nothing exposes this one.
    other = _public(HTTP, route_doc({"name": "shop-api", "port": 80}))
    assert other.finding.severity is BLOCK
    assert "no Ingress or HTTPRoute routes to Deployment web" in other.finding.message


def test_another_published_port_routed_by_an_http_route_is_reachable_from_outside() -> None:
    port = PortMapping(8080, "8080")
    assert _public(port).finding.severity is INFO  # in-cluster only: say how to publish it
    row = _public(port, route_doc())
    assert row.finding.severity is OK
    assert "Reachable from outside the cluster through HTTPRoute web" in row.finding.message


def test_an_ingress_to_the_service_port_by_name_still_counts() -> None:
    ingress = TargetIngress("shop", (IngressRule("shop.example.com", "/", "web", "http"),))
    row = _public(HTTP, ingresses=(ingress,))
    assert row.finding.severity is OK and "Ingress shop takes HTTP" in row.finding.message


def test_the_plan_reads_http_routes_from_manifests(tmp_path: Path) -> None:
    from tests.support.mapping_builders import project, rows
    from wizard.mapping.diff import plan

    manifests = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "web",
                                "image": "registry.example.com/web:1.0.0",
                                "ports": [{"containerPort": 8080}],
                            }
                        ]
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
        route_doc(),
    ]
    (tmp_path / "all.yaml").write_text(yaml.safe_dump_all(manifests))
    state = load_manifests(tmp_path, "shop")
    result = plan(project(service("web", ports=(HTTP,))), state, config())
    assert rows(result, "web")["ports:80"].finding.severity is OK
