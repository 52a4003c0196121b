"""Gateway API HTTPRoutes read live from the real kube-apiserver: a server without the Gateway
API (this environment: 404 on the group) reads as "no routes", never as a failure; with the
HTTPRoute CRD installed (v1beta1 only, so discovery must fall back from v1), a route is read
and exposes its Service port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.support.sample_k8s import poll, raw
from wizard.gateways.kube.cluster import connect_cluster
from wizard.target.exposure import exposing

CRD = "httproutes.gateway.networking.k8s.io"
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
    extensions = client.ApiextensionsV1Api(admin_api)

    def existing() -> Any:
        try:
            return extensions.read_custom_resource_definition(CRD)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    if (found := existing()) is not None and found.metadata.deletion_timestamp:
        poll(f"CRD {CRD} to finish deleting", lambda: existing() is None, timeout=60)
    made = False
    if existing() is None:
        extensions.create_custom_resource_definition(
            {
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {
                    "name": CRD,
                    "labels": {"cutover-test": "gateway-api"},
                    # A *.k8s.io group needs it; the Gateway API's own CRDs carry this one.
                    "annotations": {
                        "api-approved.kubernetes.io": (
                            "https://github.com/kubernetes-sigs/gateway-api/pull/2466"
                        )
                    },
                },
                "spec": {
                    "group": "gateway.networking.k8s.io",
                    "scope": "Namespaced",
                    "names": {
                        "plural": "httproutes",
                        "singular": "httproute",
                        "kind": "HTTPRoute",
                        "listKind": "HTTPRouteList",
                    },
                    "versions": [
                        {
                            "name": "v1beta1",
                            "served": True,
                            "storage": True,
                            "schema": {
                                "openAPIV3Schema": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                }
                            },
                        }
                    ],
                },
            }
        )
        made = True
    try:
        poll("gateway.networking.k8s.io/v1beta1 in discovery", lambda: _serves(admin_api), 60)
        yield
    finally:
        if made:
            try:
                extensions.delete_custom_resource_definition(CRD)
            except ApiException as exc:
                if exc.status != 404:
                    raise


def _serves(admin_api: Any) -> bool:
    status, answer = raw(admin_api, "GET", f"{GROUP}/v1beta1")
    return status == 200 and any(r.get("name") == "httproutes" for r in answer["resources"])


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
