"""Gateway API HTTPRoutes read live from the real kube-apiserver: a server without the Gateway
API (this environment: 404 on the group) reads as "no routes", never as a failure; with the
HTTPRoute CRD installed (v1beta1 only, so discovery must fall back from v1), a route is read
and exposes its Service port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from tests.support.gateway_api import HTTP_ROUTES, installed
from tests.support.sample_k8s import poll, raw
from wizard.gateways.kube.cluster import connect_cluster
from wizard.target.exposure import exposing

GROUP = "/apis/gateway.networking.k8s.io"


def route_body(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1beta1",
        "kind": "HTTPRoute",
        "metadata": {"name": name},
        "spec": {
            "parentRefs": [{"name": "public", "namespace": "infra"}],
            "hostnames": ["shop.example.com"],
            "rules": [{"backendRefs": [{"name": "web", "port": 80}]}],
        },
    }


def web_service(admin_api: Any, namespace: str) -> None:
    client.CoreV1Api(admin_api).create_namespaced_service(
        namespace,
        {
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
    )


def test_without_the_gateway_api_a_live_read_has_no_routes(
    admin_kubeconfig: str, viewer_kubeconfig: str, admin_api: Any, namespace: str
) -> None:
    if raw(admin_api, "GET", f"{GROUP}/v1beta1")[0] != 404:
        pytest.skip("the Gateway API is served here now (test_http_routes_are_read_live's CRD)")
    assert raw(admin_api, "GET", f"{GROUP}/v1")[0] == 404  # what the reader gets on discovery
    web_service(admin_api, namespace)
    for kubeconfig in (admin_kubeconfig, viewer_kubeconfig):
        cluster = connect_cluster(kubeconfig, None, namespace, read_only=True)
        try:
            live = cluster.read_target()
        finally:
            cluster.close()
        assert live.routes == ()
        assert "HTTPRoute" not in live.unreadable
        assert [s.name for s in live.services] == ["web"]  # the rest was read


@pytest.fixture
def route_crd(admin_api: Any) -> Iterator[None]:
    """The HTTPRoute CRD (v1beta1 only), Established and in discovery; deleted afterwards only
    when this fixture made it (a CRD that was there is left alone)."""
    with installed(admin_api, HTTP_ROUTES):
        yield


def test_http_routes_are_read_live(
    route_crd: None, admin_kubeconfig: str, viewer_kubeconfig: str, admin_api: Any, namespace: str
) -> None:
    web_service(admin_api, namespace)
    path = f"{GROUP}/v1beta1/namespaces/{namespace}/httproutes"
    poll("the HTTPRoute created", lambda: raw(admin_api, "POST", path, route_body("web"))[0] == 201)
    cluster = connect_cluster(admin_kubeconfig, None, namespace, read_only=True)
    try:
        live = cluster.read_target()
    finally:
        cluster.close()
    [route] = live.routes
    assert (route.name, route.hostnames, route.gateways) == (
        "web",
        ("shop.example.com",),
        ("infra/public",),
    )
    [service] = live.services
    [exposed] = exposing(live, service, service.ports[0])
    assert exposed.text == "HTTPRoute web shop.example.com/ → web:80 via Gateway infra/public"
    # `view` has no rule for the Gateway API: the viewer is told, not failed.
    viewer = connect_cluster(viewer_kubeconfig, None, namespace, read_only=True)
    try:
        as_viewer = viewer.read_target()
    finally:
        viewer.close()
    assert "HTTPRoute" in as_viewer.unreadable and as_viewer.routes == ()
